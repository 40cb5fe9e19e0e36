/* filestore: attachments stored once by content, as DATA/files/ab/<sha256>.
 * A file is written to a temporary name, fsynced and renamed, so a crash
 * never leaves half a file under a real name. */
#ifndef MOTCUA_FILESTORE_H
#define MOTCUA_FILESTORE_H

#include <stddef.h>
#include <stdint.h>

/* Content types accepted for attachments, recognised by their first bytes:
 * PDF, JPEG, PNG. Returns the type or NULL. */
const char *filestore_sniff(const unsigned char *data, size_t len);

/* Stores data under dir and writes its SHA-256 hex (65 bytes) to sha_hex.
 * Returns 0 or -1. Safe to call from any thread. */
int filestore_put(const char *dir, const unsigned char *data, size_t len, char *sha_hex);

/* A file received piece by piece (an upload streamed from the network):
 * written to DIR/tmp as it arrives and hashed on the way, then adopted
 * under its hash, so a large body is never held in memory. */
struct filestore_tmp {
    int fd;              /* -1 until opened */
    char path[1300];
    void *md;            /* the running SHA-256 (EVP_MD_CTX) */
    int64_t len;
    unsigned char head[16]; /* the first bytes, to recognise the type */
    size_t head_len;
};

/* Opens a new temporary file under dir/tmp. Returns 0, or an errno value
 * (ENOSPC, EROFS, EACCES, ...) with nothing left open. */
int filestore_tmp_open(const char *dir, struct filestore_tmp *t);
/* Appends n bytes. Returns 0 or an errno value (ENOSPC when the disk is
 * full). */
int filestore_tmp_write(struct filestore_tmp *t, const unsigned char *data, size_t n);
/* Makes the file durable and moves it to its place under its SHA-256,
 * whose hex goes to sha_hex (65 bytes). Closes t. Returns 0 or an errno
 * value. Safe from any thread (one file at a time). */
int filestore_tmp_adopt(const char *dir, struct filestore_tmp *t, char *sha_hex);
/* Closes and removes the temporary file, if any. */
void filestore_tmp_discard(struct filestore_tmp *t);
/* Removes temporary files a stopped server left behind (at start). */
void filestore_tmp_sweep(const char *dir);

/* Opens a stored file for reading; *size set. Returns the descriptor or -1. */
int filestore_open(const char *dir, const char *sha_hex, size_t *size);

/* Reads a stored file (at most max bytes) into a malloc'd buffer. */
int filestore_get(const char *dir, const char *sha_hex, size_t max, unsigned char **out,
                  size_t *len);

#endif
