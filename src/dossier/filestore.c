/* filestore: content-addressed attachment files. */
#include "dossier/filestore.h"

#include <errno.h>
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

enum filestore_verdict filestore_check_upload(const char *name, const char *declared,
                                              const unsigned char *head, size_t head_len,
                                              size_t size, const char **sniffed,
                                              const char **why)
{
    const char *type;
    size_t tl;

    *sniffed = NULL;
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
    type = filestore_sniff(head, head_len < size ? head_len : size);
    /* The declared type must be exactly the one the content shows,
     * optionally followed by parameters ("application/pdf; name=x"). */
    tl = type ? strlen(type) : 0;
    if (!type || !declared || strncasecmp(declared, type, tl) != 0 ||
        (declared[tl] != '\0' && declared[tl] != ';' && declared[tl] != ' ')) {
        *why = "Chỉ nhận tệp PDF, JPEG hoặc PNG, đúng với nội dung tệp";
        return FILESTORE_BAD_TYPE;
    }
    /* A PDF named scan.png or x.exe would be opened by the wrong program
     * (or run) by whoever downloads it under that name. */
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(kinds[i].type, type) != 0)
            continue;
        for (size_t e = 0; e < 2 && kinds[i].ext[e]; e++) {
            if (has_suffix(name, kinds[i].ext[e])) {
                *sniffed = type;
                return FILESTORE_OK;
            }
        }
        *why = kinds[i].why;
        return FILESTORE_EXT_MISMATCH;
    }
    *why = "Chỉ nhận tệp PDF, JPEG hoặc PNG, đúng với nội dung tệp";
    return FILESTORE_BAD_TYPE; /* a sniffed type without a row above */
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

int filestore_put(const char *dir, const unsigned char *data, size_t len, char *sha_hex)
{
    unsigned char md[32];
    char sub[1200], final[1300], tmp[1300], rnd[17];
    unsigned char rb[8];
    sha256(data, len, md);
    hex_encode(md, sizeof md, sha_hex);
    snprintf(sub, sizeof sub, "%s/%.2s", dir, sha_hex);
    snprintf(final, sizeof final, "%s/%s", sub, sha_hex);
    struct stat sb;
    if (stat(final, &sb) == 0 && (size_t)sb.st_size == len)
        return 0; /* already stored: same content, same name */
    if (mkdir_p(sub))
        return put_failed(errno, "create the folder", sub);
    if (random_bytes(rb, sizeof rb))
        return put_failed(EIO, "name a temporary file in", sub);
    hex_encode(rb, sizeof rb, rnd);
    snprintf(tmp, sizeof tmp, "%s/.tmp-%s", sub, rnd);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return put_failed(errno, "create", tmp);
    int err = 0;
    const char *what = "write", *where = tmp;
    if (write_all(fd, data, len))
        err = errno;
    else if (fsync(fd))
        err = errno, what = "sync";
    if (close(fd) && !err)
        err = errno, what = "close";
    if (!err && rename(tmp, final))
        err = errno, what = "rename to", where = final;
    if (!err && fsync_dir(sub))
        err = errno, what = "sync the folder", where = sub;
    if (err) {
        unlink(tmp);
        return put_failed(err, what, where);
    }
    return 0;
}

int filestore_get(const char *dir, const char *sha_hex, size_t max, unsigned char **out,
                  size_t *len)
{
    char path[1300];
    if (!valid_hex(sha_hex))
        return -1;
    snprintf(path, sizeof path, "%s/%.2s/%s", dir, sha_hex, sha_hex);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat sb;
    if (fstat(fd, &sb) || (size_t)sb.st_size > max) {
        close(fd);
        return -1;
    }
    size_t n = (size_t)sb.st_size, got = 0;
    unsigned char *buf = malloc(n ? n : 1);
    while (buf && got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!buf || got != n) {
        free(buf);
        return -1;
    }
    *out = buf;
    *len = n;
    return 0;
}
