/* filestore: content-addressed attachment files. */
#include "dossier/filestore.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"

const char *filestore_sniff(const unsigned char *d, size_t len)
{
    if (len >= 5 && memcmp(d, "%PDF-", 5) == 0)
        return "application/pdf";
    if (len >= 8 && memcmp(d, "\x89PNG\r\n\x1a\n", 8) == 0)
        return "image/png";
    if (len >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
        return "image/jpeg";
    return NULL;
}

int filestore_name_valid(const char *name)
{
    size_t n = name ? strnlen(name, FILESTORE_NAME_MAX + 1) : 0;
    return n >= 1 && n <= FILESTORE_NAME_MAX && name[0] != '.' &&
           strspn(name, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") == n;
}

/* The extensions a stored file of each type may have, and what to say when
 * the name has another. */
static const struct {
    const char *type, *ext[2], *why;
} kinds[] = {
    {"application/pdf", {".pdf", NULL}, "Tệp có nội dung PDF nên tên tệp phải có đuôi .pdf"},
    {"image/jpeg", {".jpg", ".jpeg"},
     "Tệp có nội dung ảnh JPEG nên tên tệp phải có đuôi .jpg hoặc .jpeg"},
    {"image/png", {".png", NULL}, "Tệp có nội dung ảnh PNG nên tên tệp phải có đuôi .png"},
};

static int has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcasecmp(s + n - k, suffix) == 0;
}

/* The accepted type declared is ("application/pdf; name=x" declares
 * application/pdf), or -1. */
static int declared_kind(const char *declared)
{
    for (size_t i = 0; declared && i < sizeof kinds / sizeof kinds[0]; i++) {
        size_t tl = strlen(kinds[i].type);
        if (strncasecmp(declared, kinds[i].type, tl) == 0 &&
            (declared[tl] == '\0' || declared[tl] == ';' || declared[tl] == ' '))
            return (int)i;
    }
    return -1;
}

static const char bad_type[] = "Chỉ nhận tệp PDF, JPEG hoặc PNG, đúng với nội dung tệp";

enum filestore_verdict filestore_check_declared(const char *name, const char *declared,
                                                int64_t size, const char **type,
                                                const char **why)
{
    *type = NULL;
    *why = NULL;
    if (!filestore_name_valid(name)) {
        *why = "Tên tệp chỉ gồm chữ không dấu, số, dấu chấm, gạch ngang (tối đa 100 ký tự)";
        return FILESTORE_BAD_NAME;
    }
    if (size > FILESTORE_MAX_BYTES) {
        *why = "Tệp quá lớn (tối đa 10 MiB)";
        return FILESTORE_TOO_LARGE;
    }
    if (size == 0) {
        *why = "Tệp rỗng";
        return FILESTORE_EMPTY;
    }
    int k = declared_kind(declared);
    if (k < 0) {
        *why = bad_type;
        return FILESTORE_BAD_TYPE;
    }
    *type = kinds[k].type;
    return FILESTORE_OK;
}

enum filestore_verdict filestore_check_upload(const char *name, const char *declared,
                                              const unsigned char *head, size_t head_len,
                                              size_t size, const char **sniffed,
                                              const char **why)
{
    const char *type;
    enum filestore_verdict v = filestore_check_declared(name, declared, (int64_t)size, &type, why);
    *sniffed = NULL;
    if (v != FILESTORE_OK)
        return v;
    /* The content must be of the declared type. */
    const char *content = filestore_sniff(head, head_len < size ? head_len : size);
    if (!content || strcmp(content, type) != 0) {
        *why = bad_type;
        return FILESTORE_BAD_TYPE;
    }
    /* A PDF named scan.png or x.exe would be opened by the wrong program
     * (or run) by whoever downloads it under that name. */
    int k = declared_kind(content);
    for (size_t e = 0; e < 2 && kinds[k].ext[e]; e++) {
        if (has_suffix(name, kinds[k].ext[e])) {
            *sniffed = content;
            return FILESTORE_OK;
        }
    }
    *why = kinds[k].why;
    return FILESTORE_EXT_MISMATCH;
}

static int valid_hex(const char *s)
{
    return strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

static int write_all(int fd, const unsigned char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            if (w == 0)
                errno = EIO;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int fsync_dir(const char *dir)
{
    int fd = open(dir, O_RDONLY | O_DIRECTORY);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

/* Logs why writing path failed, plainly ("no space left on device while
 * writing ..."), and returns -err. */
static int put_failed(int err, const char *what, const char *path)
{
    if (err == 0)
        err = EIO;
    if (err == ENOSPC || err == EDQUOT)
        log_error("filestore: no space left on device while writing %s", path);
    else
        log_error("filestore: cannot %s %s: %s", what, path, strerror(err));
    return -err;
}


/* --- files received piece by piece -------------------------------------- */

int filestore_tmp_open(const char *dir, struct filestore_tmp *t)
{
    char tdir[1200];
    memset(t, 0, sizeof *t);
    t->fd = -1;
    snprintf(tdir, sizeof tdir, "%s/tmp", dir);
    if (mkdir_p(tdir))
        return put_failed(errno, "create", tdir);
    snprintf(t->path, sizeof t->path, "%s/upload-XXXXXX", tdir);
    t->fd = mkostemp(t->path, O_CLOEXEC);
    if (t->fd < 0) {
        int err = errno;
        t->path[0] = '\0';
        return put_failed(err, "create a file in", tdir);
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(md);
        filestore_tmp_discard(t);
        return -ENOMEM;
    }
    t->md = md;
    return 0;
}

int filestore_tmp_write(struct filestore_tmp *t, const unsigned char *data, size_t n)
{
    if (t->head_len < sizeof t->head) {
        size_t k = sizeof t->head - t->head_len;
        memcpy(t->head + t->head_len, data, k < n ? k : n);
        t->head_len += k < n ? k : n;
    }
    EVP_DigestUpdate(t->md, data, n);
    t->len += (int64_t)n;
    return write_all(t->fd, data, n) ? put_failed(errno, "write", t->path) : 0;
}

int filestore_tmp_adopt(const char *dir, struct filestore_tmp *t, char *sha_hex)
{
    unsigned char md[32];
    unsigned mdlen = 0;
    char sub[1200], final[1300];
    int rc = 0;
    if (!EVP_DigestFinal_ex(t->md, md, &mdlen) || mdlen != sizeof md)
        rc = -EIO;
    hex_encode(md, sizeof md, sha_hex);
    snprintf(sub, sizeof sub, "%s/%.2s", dir, sha_hex);
    snprintf(final, sizeof final, "%s/%s", sub, sha_hex);
    if (!rc && fsync(t->fd))
        rc = put_failed(errno, "write", t->path);
    if (!rc && mkdir_p(sub))
        rc = put_failed(errno, "create", sub);
    struct stat sb;
    if (!rc && !(stat(final, &sb) == 0 && sb.st_size == t->len)) {
        if (rename(t->path, final))
            rc = put_failed(errno, "write", final);
        else if (fsync_dir(sub))
            rc = put_failed(errno, "write", sub);
        else
            t->path[0] = '\0'; /* adopted: nothing to remove */
    }
    filestore_tmp_discard(t);
    return rc;
}

void filestore_tmp_discard(struct filestore_tmp *t)
{
    if (t->fd >= 0)
        close(t->fd);
    t->fd = -1;
    if (t->path[0])
        unlink(t->path);
    t->path[0] = '\0';
    EVP_MD_CTX_free(t->md);
    t->md = NULL;
}

void filestore_tmp_sweep(const char *dir)
{
    char tdir[1200], path[1500];
    snprintf(tdir, sizeof tdir, "%s/tmp", dir);
    DIR *d = opendir(tdir);
    if (!d)
        return;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, "upload-", 7) == 0) {
            snprintf(path, sizeof path, "%s/%s", tdir, e->d_name);
            unlink(path);
        }
    closedir(d);
}

int filestore_open(const char *dir, const char *sha_hex, size_t *size)
{
    char path[1300];
    if (!valid_hex(sha_hex))
        return -1;
    snprintf(path, sizeof path, "%s/%.2s/%s", dir, sha_hex, sha_hex);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd >= 0 && fstat(fd, &sb) != 0) {
        close(fd);
        return -1;
    }
    if (fd >= 0)
        *size = (size_t)sb.st_size;
    return fd;
}

unsigned char *filestore_read_all(const char *dir, const char *sha_hex, size_t max, size_t *len)
{
    size_t size = 0, got = 0;
    int fd = filestore_open(dir, sha_hex, &size);
    if (fd < 0)
        return NULL;
    unsigned char *buf = size <= max ? malloc(size ? size : 1) : NULL;
    while (buf && got < size) {
        ssize_t n = read(fd, buf + got, size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(buf);
            buf = NULL;
        } else {
            got += (size_t)n;
        }
    }
    close(fd);
    *len = size;
    return buf;
}
