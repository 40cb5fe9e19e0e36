/* log: timestamped lines on stderr. Safe from any thread (one write per line). */
#ifndef MOTCUA_LOG_H
#define MOTCUA_LOG_H

#if defined(__GNUC__)
#define LOG_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define LOG_PRINTF(a, b)
#endif

void log_info(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_warn(const char *fmt, ...) LOG_PRINTF(1, 2);
void log_error(const char *fmt, ...) LOG_PRINTF(1, 2);
/* Writes a line as is (the caller formats it, e.g. a JSON access-log entry). */
void log_line(const char *line);
/* Quiet mode drops info lines (used by CLI commands and tests). */
void log_set_quiet(int quiet);
/* Whether info lines are written (skip formatting them when not). */
int log_info_enabled(void);

/* One kind of message limited to a line per interval, for what can come in
 * floods (a failing accept, refused connections). Zero-initialise; shared
 * by threads. */
struct log_limit {
    _Atomic long long next; /* Unix seconds before which lines are held back */
    _Atomic long held;      /* lines held back since the last one written */
};

/* Returns the number of lines held back since the last one written if a
 * line may be written now, or -1 if this one is held back too. */
long log_limit_pass(struct log_limit *l, int interval_seconds);

#endif
