/* stamp: the images a signature shows on the page (Decree 30/2020,
 * Appendix I): the organisation's red round seal (con dấu) and an
 * official's handwritten signature in blue (chữ ký), drawn with cairo as
 * transparent PNGs for demo keys and for keys imported without a scan.
 * The seal is STAMP_SEAL_PX square for a seal of STAMP_SEAL_MM millimetres
 * (300 dpi); the signature STAMP_SIG_W x STAMP_SIG_H pixels. */
#ifndef MOTCUA_SIGN_STAMP_H
#define MOTCUA_SIGN_STAMP_H

#include <stddef.h>

#define STAMP_SEAL_MM 40
#define STAMP_SEAL_PX 472 /* 40 mm at 300 dpi */
#define STAMP_SIG_W 600
#define STAMP_SIG_H 220

/* A red round seal: double outer circle, the unit's name (upper case)
 * around the ring, a five-pointed star in the centre and code (may be
 * NULL or "") across under it. OUT: *png (caller frees with free()),
 * *len. Returns 0 or -1. */
int stamp_seal_png(const char *unit_name, const char *code, unsigned char **png, size_t *len);

/* The official's name in blue slanted script with a flourish under it.
 * OUT: *png (caller frees with free()), *len. Returns 0 or -1. */
int stamp_signature_png(const char *name, unsigned char **png, size_t *len);

/* Is data a PNG image (its signature and a well-formed IHDR), of at most
 * 4096 x 4096 pixels? For scans given to `key import --image`. */
int stamp_png_ok(const unsigned char *data, size_t len);

#endif
