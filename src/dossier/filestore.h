/* filestore: attachments stored once by content, as DATA/files/ab/<sha256>.
 * A file is written to a temporary name, fsynced and renamed, so a crash
 * never leaves half a file under a real name. */
#ifndef MOTCUA_FILESTORE_H
#define MOTCUA_FILESTORE_H

#include <stddef.h>

/* Content types accepted for attachments, recognised by their first bytes:
 * PDF, JPEG, PNG. Returns the type or NULL. */
const char *filestore_sniff(const unsigned char *data, size_t len);

/* Stores data under dir and writes its SHA-256 hex (65 bytes) to sha_hex.
 * Returns 0 or -1. Safe to call from any thread. */
int filestore_put(const char *dir, const unsigned char *data, size_t len, char *sha_hex);

/* Reads a stored file (at most max bytes) into a malloc'd buffer. */
int filestore_get(const char *dir, const char *sha_hex, size_t max, unsigned char **out,
                  size_t *len);

#endif
