/* log: timestamped lines on stderr. Each line goes out in one write(2) so
 * lines from different threads never interleave. */
#include "base/log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int quiet;

void log_set_quiet(int q) { quiet = q; }

int log_info_enabled(void) { return !quiet; }

void log_line(const char *line)
{
    char buf[4096];
    int n = snprintf(buf, sizeof buf, "%s\n", line);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1;
    ssize_t w = write(STDERR_FILENO, buf, (size_t)n);
    (void)w;
}

static void vlog(const char *level, const char *fmt, va_list ap)
{
    char msg[2048], line[2200];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    vsnprintf(msg, sizeof msg, fmt, ap);
    snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02dZ %s %s", tm.tm_year + 1900,
             tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, level, msg);
    log_line(line);
}

void log_info(const char *fmt, ...)
{
    if (quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    vlog("info", fmt, ap);
    va_end(ap);
}

void log_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("warn", fmt, ap);
    va_end(ap);
}

void log_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vlog("error", fmt, ap);
    va_end(ap);
}

long log_limit_pass(struct log_limit *l, int interval_seconds)
{
    long long now = (long long)time(NULL), next = atomic_load(&l->next);
    if (now < next || !atomic_compare_exchange_strong(&l->next, &next, now + interval_seconds)) {
        atomic_fetch_add(&l->held, 1);
        return -1;
    }
    return atomic_exchange(&l->held, 0);
}
