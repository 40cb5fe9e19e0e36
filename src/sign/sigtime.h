/* sigtime: signing times as Vietnam shows and PDF stores them. Vietnam is
 * UTC+7 all year (no daylight saving time), so no time-zone database is
 * read. */
#ifndef MOTCUA_SIGTIME_H
#define MOTCUA_SIGTIME_H

#include <stddef.h>
#include <time.h>

/* ISO 8601 in Vietnam time: "2026-03-05T10:30:00+07:00". cap >= 26. */
void sigtime_iso(time_t t, char *out, size_t cap);

/* A PDF date (ISO 32000-1, 7.9.4) in Vietnam time: "D:20260305103000+07'00'".
 * cap >= 24. */
void sigtime_pdf(time_t t, char *out, size_t cap);

#endif
