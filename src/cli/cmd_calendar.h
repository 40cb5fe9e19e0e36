/* cmd_calendar: the "motcua calendar" command: list the days off of a year
 * and compute an appointment date (ngày hẹn trả kết quả) from the shell. */
#ifndef MOTCUA_CMD_CALENDAR_H
#define MOTCUA_CMD_CALENDAR_H

/* Runs "motcua calendar ...", argv[0] being "calendar":
 *   calendar holidays --year YYYY [--rules-only]
 *   calendar due --from YYYY-MM-DDTHH:MM --working-days N [--hours H]
 *                [--cutoff HH:MM] [--rules-only]
 * and --help on each. Writes results to stdout, messages to stderr.
 * Returns the process exit status: 0 ok, 1 failure, 2 bad arguments. */
int cmd_calendar(int argc, char **argv);

#endif
