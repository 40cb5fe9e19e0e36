/* filestore: attachments stored once by content, as DATA/files/ab/<sha256>.
 * A file is written to a temporary name, fsynced and renamed, so a crash
 * never leaves half a file under a real name. */
#ifndef MOTCUA_FILESTORE_H
#define MOTCUA_FILESTORE_H

#include <stddef.h>

#define FILESTORE_MAX_BYTES (10 * 1024 * 1024) /* one stored file */
#define FILESTORE_NAME_MAX 100                 /* bytes in a file name */
#define FILESTORE_SNIFF_BYTES 8                /* enough to recognise a type */

/* Content types accepted for attachments, recognised by their first bytes:
 * PDF, JPEG, PNG. Returns the type or NULL. */
const char *filestore_sniff(const unsigned char *data, size_t len);

/* A file name as stored and shown: [A-Za-z0-9._-]{1,FILESTORE_NAME_MAX},
 * not starting with a dot (so never a path, never hidden). 1 or 0. */
int filestore_name_valid(const char *name);

/* Why an upload is refused, in the order checked (filestore_check_upload). */
enum filestore_verdict {
    FILESTORE_OK = 0,
    FILESTORE_BAD_NAME,      /* the name breaks filestore_name_valid */
    FILESTORE_TOO_LARGE,     /* more than FILESTORE_MAX_BYTES */
    FILESTORE_EMPTY,         /* no bytes */
    FILESTORE_BAD_TYPE,      /* not a PDF, JPEG or PNG, or the declared
                                Content-Type is not the type the content shows */
    FILESTORE_EXT_MISMATCH,  /* the name's extension is not the content's:
                                .pdf, .jpg/.jpeg, .png (any case) */
};

/* Checks an upload before anything is stored: the file name, its size, the
 * type its first bytes show (head: the first head_len bytes, at least
 * FILESTORE_SNIFF_BYTES of them when the file has that many), the declared
 * Content-Type (that type, optionally followed by parameters: "application/
 * pdf; name=x"; NULL = none) and the name's extension, which must be the
 * content's. size is the whole file's size. Pure: no I/O, any thread.
 * Returns FILESTORE_OK with OUT: *sniffed (a static type string), or another
 * verdict with OUT: *why (a static Vietnamese sentence for the user). */
enum filestore_verdict filestore_check_upload(const char *name, const char *declared_type,
                                              const unsigned char *head, size_t head_len,
                                              size_t size, const char **sniffed,
                                              const char **why);

/* Stores data under dir and writes its SHA-256 hex (65 bytes) to sha_hex.
 * Returns 0 or a negative errno: -ENOSPC (or -EDQUOT) when the disk is full,
 * -EROFS, -EACCES, -EIO... (each failure is logged with the path). Nothing
 * is left under the file's real name unless it was written whole. Safe to
 * call from any thread. */
int filestore_put(const char *dir, const unsigned char *data, size_t len, char *sha_hex);

/* Reads a stored file (at most max bytes) into a malloc'd buffer. */
int filestore_get(const char *dir, const char *sha_hex, size_t max, unsigned char **out,
                  size_t *len);

#endif
