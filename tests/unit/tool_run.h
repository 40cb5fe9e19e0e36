/* Helpers for unit tests that check their output with outside tools
 * (pdftotext, pdfinfo, unzip): a temporary file to hand over, and a command's
 * standard output. */
#ifndef MOTCUA_TEST_TOOL_RUN_H
#define MOTCUA_TEST_TOOL_RUN_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TOOL_OUT_MAX (16 << 20)

/* Writes bytes to a fresh file /tmp/test_XXXXXX<suffix>. OUT: path (the
 * caller unlinks it). Returns 0 or a negative errno. */
static inline int tool_write_temp(const void *p, size_t n, const char *suffix, char *path,
                                  size_t pathlen)
{
    snprintf(path, pathlen, "/tmp/test_XXXXXX%s", suffix);
    int fd = mkstemps(path, (int)strlen(suffix));
    if (fd < 0)
        return -errno;
    FILE *f = fdopen(fd, "wb");
    if (!f) {
        close(fd);
        return -EIO;
    }
    if (n && fwrite(p, 1, n, f) != n) {
        fclose(f);
        return -EIO;
    }
    return fclose(f) ? -EIO : 0;
}

/* Runs a command and returns its standard output (malloc'd, NUL-ended, at
 * most TOOL_OUT_MAX bytes), or NULL when it cannot run or exits non-zero.
 * Only paths made by tool_write_temp() go into commands. */
static inline char *tool_run(const char *cmd)
{
    FILE *p = popen(cmd, "r");
    size_t n = 0, got;
    if (!p)
        return NULL;
    char *buf = malloc(TOOL_OUT_MAX + 1);
    if (!buf) {
        pclose(p);
        return NULL;
    }
    while (n < TOOL_OUT_MAX && (got = fread(buf + n, 1, TOOL_OUT_MAX - n, p)) > 0)
        n += got;
    buf[n] = '\0';
    if (pclose(p) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

#endif
