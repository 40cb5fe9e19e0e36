/* cmd_tsa: the "motcua tsa" command: asks a Time-Stamping Authority for a
 * token over a file and checks one, by hand (sign/tsa.h does the work). */
#ifndef MOTCUA_CMD_TSA_H
#define MOTCUA_CMD_TSA_H

/* Runs "motcua tsa ...", argv[0] being "tsa":
 *   tsa stamp --url URL [--trust CA.pem] [--timeout S] [--out TOKEN] FILE
 *   tsa verify --trust CA.pem [--token TOKEN] FILE
 * TOKEN defaults to FILE.tsr (a DER ContentInfo: `openssl ts -verify
 * -token_in` reads it). Returns the process exit status: 0 ok, 1 the TSA
 * or the token was refused (the reason on stderr), 2 bad arguments. */
int cmd_tsa(int argc, char **argv);

#endif
