/* filestore: attachments stored once by content, as DATA/files/ab/<sha256>.
 * A file is written to a temporary name, fsynced and renamed, so a crash
 * never leaves half a file under a real name. */
#ifndef MOTCUA_FILESTORE_H
#define MOTCUA_FILESTORE_H

#include <stddef.h>
#include <stdint.h>

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

/* What can be judged of an upload before its content arrives: the name,
 * the size (when known; -1 if not yet) and the declared Content-Type being
 * one accepted. (The extension is judged against the content, which may
 * show the declared type wrong.) Returns FILESTORE_OK with OUT: *type (the
 * declared type, a static string), or another verdict with OUT: *why. Pure.
 * filestore_check_upload makes the same checks first. */
enum filestore_verdict filestore_check_declared(const char *name, const char *declared_type,
                                                int64_t size, const char **type,
                                                const char **why);

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

/* Opens a new temporary file under dir/tmp. Returns 0, or a negative errno
 * (-ENOSPC, -EROFS, -EACCES, ...; logged with the path) with nothing left
 * open. */
int filestore_tmp_open(const char *dir, struct filestore_tmp *t);
/* Appends n bytes. Returns 0 or a negative errno (-ENOSPC when the disk is
 * full; logged). */
int filestore_tmp_write(struct filestore_tmp *t, const unsigned char *data, size_t n);
/* Makes the file durable and moves it to its place under its SHA-256,
 * whose hex goes to sha_hex (65 bytes). Closes t. Returns 0 or a negative
 * errno (logged). Safe from any thread (one file at a time). */
int filestore_tmp_adopt(const char *dir, struct filestore_tmp *t, char *sha_hex);
/* Closes and removes the temporary file, if any. */
void filestore_tmp_discard(struct filestore_tmp *t);
/* Removes temporary files a stopped server left behind (at start). */
void filestore_tmp_sweep(const char *dir);

/* Opens a stored file for reading; *size set. Returns the descriptor or -1. */
int filestore_open(const char *dir, const char *sha_hex, size_t *size);

/* Reads a stored file whole, if it is at most max bytes. OUT: *len.
 * Returns a malloc'd buffer (the caller frees it), or NULL: no such file,
 * larger than max, a read error or out of memory. */
unsigned char *filestore_read_all(const char *dir, const char *sha_hex, size_t max, size_t *len);


#endif
