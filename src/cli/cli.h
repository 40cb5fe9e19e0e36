/* cli: the motcua subcommands and their shared option parsing. Each
 * cmd_*(argc, argv) gets argv[0] = the subcommand name and returns the
 * process exit code (0 ok, 1 failure, 2 usage error). */
#ifndef MOTCUA_CLI_H
#define MOTCUA_CLI_H

#include <stddef.h>
#include <stdint.h>

struct store;

struct cli_opt {
    const char *name;  /* "--data" */
    int takes_value;
    const char **value; /* OUT for options with a value */
    int *flag;          /* OUT for flags */
};

/* Parses argv[1..] against opts; positional arguments are collected into
 * pos (at most maxpos). Returns 0 to go on, 1 after printing usage for
 * --help (exit 0), 2 after printing an error (exit 2). */
int cli_parse(int argc, char **argv, const struct cli_opt *opts, const char *usage,
              const char **pos, int maxpos, int *npos);

/* Checks a data directory before a command uses it, and prints plainly what
 * is wrong and where ("motcua serve: the data directory /x is read-only"):
 * it must exist and be a directory; with CLI_DIR_WRITABLE be writable (not
 * on a read-only file system); with CLI_DIR_SPACE have at least
 * CLI_MIN_FREE bytes free on its device. cmd names the command in messages.
 * Returns 0 or -1. */
#define CLI_DIR_WRITABLE 1
#define CLI_DIR_SPACE 2
#define CLI_MIN_FREE (1024 * 1024)
int cli_check_data_dir(const char *cmd, const char *dir, int flags);

/* Prints, for a database failure of cmd on dir with store code rc, what is
 * wrong and where when the disk is full or cannot be written, else the
 * message err as it is. */
void cli_print_store_failure(const char *cmd, const char *dir, int rc, const char *err);

/* Opens DIR/motcua.db read-write and brings its schema up to date. Prints
 * why on failure. */
int cli_open_data(const char *dir, struct store **out);

/* Opens DIR/motcua.db read-only, as it is (no migration). On failure prints
 * "motcua CMD: ..." and returns -1. */
int cli_open_data_ro(const char *cmd, const char *dir, struct store **out);

/* The regular file at path, at most max bytes (malloc'd, NUL-terminated,
 * caller frees; *len its size), or NULL after printing "motcua CMD: ..."
 * (missing, not a regular file, too large, unreadable). */
unsigned char *cli_read_file(const char *cmd, const char *path, size_t max, size_t *len);

/* The seal signer of the unit unit_code (its key for signing as the
 * organisation, valid now), as the PDF seal loads it. OUT: *unit_id and
 * *out (caller frees with signer_free). Returns 0, or 1 after printing
 * "motcua CMD: ..." (unknown unit, no usable seal), 3 on a store error. */
struct signer;
int cli_unit_seal(const char *cmd, struct store *db, const char *data_dir, const char *unit_code,
                  int64_t *unit_id, struct signer **out);

/* `motcua CMD --data DIR --unit CODE IN OUT`: signs the file IN (at most
 * max bytes) with the seal of unit CODE by seal, and writes OUT atomically.
 * seal: 0, or -1 with err; *out malloc'd. Returns the exit code: 0, 1 (a
 * refusal, printed), 2 (usage), 3 (unreadable input or data). */
struct derr;
typedef int cli_seal_fn(const void *data, size_t len, const struct signer *s, unsigned char **out,
                        size_t *outlen, struct derr *err);
int cli_seal_file(const char *cmd, int argc, char **argv, const char *usage, size_t max,
                  cli_seal_fn *seal);

int cmd_init(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_user(int argc, char **argv);
int cmd_unit(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_routes(int argc, char **argv);
int cmd_calendar(int argc, char **argv);
int cmd_key(int argc, char **argv);

/* The demo CA and the demo keys that are missing (cmd_key.c): creates
 * DIR/keys/master.key if needed, then a seal for each unit with demo
 * officers, personal keys for the demo leaders, the system and timestamp
 * keys, in one transaction on db. rsa: RSA-2048 instead of ECDSA P-256.
 * OUT: *issued. Returns 0, or -1 with the reason in err. */
int cli_key_demo(struct store *db, const char *data_dir, int rsa, int *issued, char *err,
                 size_t errlen);
int cmd_pdf(int argc, char **argv);
int cmd_render(int argc, char **argv);
int cmd_document(int argc, char **argv);
int cmd_edxml(int argc, char **argv);
int cmd_directory(int argc, char **argv);
int cmd_exchange(int argc, char **argv);
int cmd_exchange_service(int argc, char **argv);
/* `motcua exchange retention|purge` (cmd_exchange_log.c). */
int cmd_exchange_log(int argc, char **argv);
int cmd_exchange_lgsp(int argc, char **argv);

#endif
