/* cmd_report: the "motcua report" command: a unit subtree's figures for a
 * period as JSON, CSV or XLSX, and the counters' rebuild and check. */
#ifndef MOTCUA_CMD_REPORT_H
#define MOTCUA_CMD_REPORT_H

/* Runs "motcua report ...", argv[0] being "report":
 *   report --data DIR --unit CODE --from YYYY-MM-DD --to YYYY-MM-DD
 *          [--format json|csv|xlsx] [--out FILE] [--scan] [--repeat N]
 *   report rebuild --data DIR
 *   report check --data DIR --unit CODE --from ... --to ...
 * Returns the process exit status: 0 ok, 1 failure (check: the counters
 * disagree with a full scan), 2 bad arguments. */
int cmd_report(int argc, char **argv);

#endif
