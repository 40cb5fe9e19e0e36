/* filestore: content-addressed attachment files. */
#include "dossier/filestore.h"

#include <dirent.h>
#include <errno.h>
#include <openssl/evp.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

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
        if (w <= 0)
            return -1;
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
    if (mkdir_p(sub) || random_bytes(rb, sizeof rb))
        return -1;
    hex_encode(rb, sizeof rb, rnd);
    snprintf(tmp, sizeof tmp, "%s/.tmp-%s", sub, rnd);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    int rc = write_all(fd, data, len);
    if (rc == 0)
        rc = fsync(fd);
    if (close(fd))
        rc = -1;
    if (rc == 0)
        rc = rename(tmp, final);
    if (rc == 0)
        rc = fsync_dir(sub);
    if (rc)
        unlink(tmp);
    return rc ? -1 : 0;
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

/* --- files received piece by piece -------------------------------------- */

int filestore_tmp_open(const char *dir, struct filestore_tmp *t)
{
    char tdir[1200];
    memset(t, 0, sizeof *t);
    t->fd = -1;
    snprintf(tdir, sizeof tdir, "%s/tmp", dir);
    if (mkdir_p(tdir))
        return errno ? errno : EIO;
    snprintf(t->path, sizeof t->path, "%s/upload-XXXXXX", tdir);
    t->fd = mkostemp(t->path, O_CLOEXEC);
    if (t->fd < 0)
        return errno;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
        EVP_MD_CTX_free(md);
        filestore_tmp_discard(t);
        return ENOMEM;
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
    while (n) {
        ssize_t w = write(t->fd, data, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return w < 0 ? errno : EIO;
        data += w;
        n -= (size_t)w;
    }
    return 0;
}

int filestore_tmp_adopt(const char *dir, struct filestore_tmp *t, char *sha_hex)
{
    unsigned char md[32];
    unsigned mdlen = 0;
    char sub[1200], final[1300];
    int rc = 0;
    if (!EVP_DigestFinal_ex(t->md, md, &mdlen) || mdlen != sizeof md)
        rc = EIO;
    hex_encode(md, sizeof md, sha_hex);
    snprintf(sub, sizeof sub, "%s/%.2s", dir, sha_hex);
    snprintf(final, sizeof final, "%s/%s", sub, sha_hex);
    if (!rc && fsync(t->fd))
        rc = errno;
    if (!rc && mkdir_p(sub))
        rc = errno ? errno : EIO;
    struct stat sb;
    if (!rc && !(stat(final, &sb) == 0 && sb.st_size == t->len)) {
        if (rename(t->path, final))
            rc = errno;
        else if (fsync_dir(sub))
            rc = errno;
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
