/* util: small checked helpers shared by every layer. */
#include "base/util.h"

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

int parse_long(const char *s, long min, long max, long *out)
{
    if (!s || !*s)
        return -1;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || end == s || v < min || v > max)
        return -1;
    *out = v;
    return 0;
}

int64_t now_unix(void) { return (int64_t)time(NULL); }

int64_t now_usec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

int random_bytes(void *buf, size_t n)
{
    return RAND_bytes(buf, (int)n) == 1 ? 0 : -1;
}

void hex_encode(const void *data, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[p[i] >> 4];
        out[2 * i + 1] = digits[p[i] & 15];
    }
    out[2 * n] = '\0';
}

void sha256(const void *data, size_t n, unsigned char out[32])
{
    unsigned int len = 32;
    EVP_Digest(data, n, out, &len, EVP_sha256(), NULL);
}

int copy_str(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (cap == 0)
        return -1;
    if (n >= cap) {
        /* Never keep half of a UTF-8 sequence: a cut name would be invalid
         * text that JSON output and the PDF renderer refuse. src[cap - 1]
         * is the first byte left out; if it continues a sequence, leave out
         * that sequence's first bytes too (at most 3 back). */
        size_t k = cap - 1;
        for (int back = 0; back < 3 && k > 0 && ((unsigned char)src[k] & 0xC0) == 0x80; back++)
            k--;
        if (((unsigned char)src[k] & 0xC0) != 0xC0)
            k = cap - 1; /* not a sequence we cut: keep the plain byte cut */
        memcpy(dst, src, k);
        dst[k] = '\0';
        return -1;
    }
    memcpy(dst, src, n + 1);
    return 0;
}

int mkdir_p(const char *path)
{
    char tmp[4096];
    if (copy_str(tmp, sizeof tmp, path))
        return -1;
    for (char *p = tmp + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(tmp, 0700) && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(tmp, 0700) && errno != EEXIST)
        return -1;
    return 0;
}

int write_file_atomic(const char *path, const void *data, size_t len)
{
    char tmp[4200];
    unsigned char rnd[4];
    const unsigned char *p = data;
    if (random_bytes(rnd, sizeof rnd))
        return -EIO;
    if (snprintf(tmp, sizeof tmp, "%s.tmp-%ld-%02x%02x%02x%02x", path, (long)getpid(), rnd[0],
                 rnd[1], rnd[2], rnd[3]) >= (int)sizeof tmp)
        return -ENAMETOOLONG;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd < 0)
        return -errno;
    int rc = 0;
    while (len > 0 && rc == 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            rc = n < 0 ? -errno : -EIO;
        else {
            p += n;
            len -= (size_t)n;
        }
    }
    if (rc == 0 && fsync(fd) != 0)
        rc = -errno;
    if (close(fd) != 0 && rc == 0)
        rc = -errno;
    if (rc == 0 && rename(tmp, path) != 0)
        rc = -errno;
    if (rc)
        unlink(tmp);
    return rc;
}

int hex_value(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
    sigset_t block, old;
    sigemptyset(&block);
    sigaddset(&block, SIGINT);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int rc = pthread_create(t, NULL, fn, arg);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return rc;
}
