/* sigtime: Vietnam-time formats of signing times. See sigtime.h. */
#include "sign/sigtime.h"

#include <stdio.h>
#include <string.h>

static void vn_tm(time_t t, struct tm *tm)
{
    time_t local = t + 7 * 3600;
    if (!gmtime_r(&local, tm))
        memset(tm, 0, sizeof *tm);
}

void sigtime_iso(time_t t, char *out, size_t cap)
{
    struct tm tm;
    vn_tm(t, &tm);
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d+07:00", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

void sigtime_pdf(time_t t, char *out, size_t cap)
{
    struct tm tm;
    vn_tm(t, &tm);
    snprintf(out, cap, "D:%04d%02d%02d%02d%02d%02d+07'00'", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}
