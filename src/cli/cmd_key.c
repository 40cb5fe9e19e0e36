/* cmd_key: the signing keys of units and officials: import from PKCS#12
 * or a PKCS#11 token, revoke, trust a root, list, and the demo CA. Codes
 * and logins are resolved here; sign/keys takes ids. */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "auth/account.h"
#include "base/assets.h"
#include "base/csv.h"
#include "base/dynbuf.h"
#include "base/util.h"
#include "calendar/calendar.h"
#include "catalog/unit.h"
#include "cli/cli.h"
#include "sign/democa.h"
#include "sign/keys.h"
#include "sign/stamp.h"
#include "sign/vault.h"
#include "store/store.h"

#define FILE_MAX (1024 * 1024) /* a PKCS#12 file, a certificate, a PNG scan */
#define SECRET_MAX 1024

static const char usage_list[] =
    "usage: motcua key list --data DIR [--unit CODE] [--json]\n"
    "  Lists the signing keys: who each signs for (unit, official), kind, source,\n"
    "  subject, issuer, serial, expiry, and EXPIRES IN n DAYS / EXPIRED / REVOKED.\n";
static const char usage_import[] =
    "usage: motcua key import --data DIR --unit CODE [--login LOGIN]\n"
    "                         [--kind seal|official|system|tsa] [--image FILE.png] FILE.p12\n"
    "  Imports a PKCS#12 file's key, certificate and chain. The password is read from\n"
    "  standard input (one line; empty for none). The certificate must be valid now and\n"
    "  allow signing; the key is stored encrypted under DIR/keys/master.key.\n"
    "  --login    the official (an officer) the key belongs to: kind official\n"
    "  --kind     seal (the unit's, default without --login), official (default with\n"
    "             --login), system (audit checkpoints), tsa (the timestamp authority)\n"
    "  --image    a PNG scan of the seal or of the handwritten signature; without it a\n"
    "             seal or signature image is drawn from the unit's or official's name\n";
static const char usage_pkcs11[] =
    "usage: motcua key import-pkcs11 --data DIR --unit CODE [--login LOGIN]\n"
    "                         [--kind seal|official|system|tsa] --module PATH --uri URI\n"
    "                         [--pin-stdin | --pin-env NAME] [--cert FILE.pem]\n"
    "                         [--image FILE.png]\n"
    "  Registers a key that stays on a PKCS#11 token (USB token, HSM). URI names the\n"
    "  private key ('pkcs11:token=...;object=...;type=private') without a PIN in it.\n"
    "  The certificate is read from the token (same URI with type=cert) unless --cert.\n"
    "  --pin-stdin  reads the PIN from standard input and stores it encrypted under\n"
    "               DIR/keys/master.key, so the server signs unattended\n"
    "  --pin-env    the server reads the PIN from environment variable NAME when it\n"
    "               signs (set it now too: the key is tried before it is stored)\n"
    "  The key must sign a test digest that its certificate verifies.\n";
static const char usage_revoke[] = "usage: motcua key revoke --data DIR --id N --reason TEXT\n"
                                   "  Revokes key N (see key list): it never signs again.\n";
static const char usage_trust[] =
    "usage: motcua key trust --data DIR ROOT.pem\n"
    "  Adds a self-signed root CA certificate to the roots the server trusts.\n";
static const char usage_demo[] =
    "usage: motcua key demo --data DIR [--rsa]\n"
    "  Makes the demo CA (\"" DEMOCA_ROOT_CN "\") and issues the demo keys that\n"
    "  are missing: a seal for every unit that handles procedures or has officers\n"
    "  and for the units above it, the demo leaders' personal keys, the system key\n"
    "  and the timestamp authority's key. motcua init --demo runs it.\n"
    "  --rsa  RSA-2048 keys instead of ECDSA P-256\n";

static const char usage_all[] =
    "usage: motcua key list|import|import-pkcs11|revoke|trust|demo --data DIR ...\n"
    "  Signing keys and certificates of units (their seal) and officials.\n"
    "  motcua key SUBCOMMAND --help for each; docs/keys.md for the whole picture.\n";

/* --- shared helpers ------------------------------------------------------ */

/* Reads one line of standard input into buf (the line end dropped),
 * without echo when it is a terminal. */
static int read_secret(const char *prompt, char *buf, size_t cap)
{
    struct termios old, quiet;
    int tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        fprintf(stderr, "%s", prompt);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    char *got = fgets(buf, (int)cap, stdin);
    if (tty) {
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
        fputc('\n', stderr);
    }
    if (!got) {
        buf[0] = '\0';
        return feof(stdin) ? 0 : -1; /* no line at all: an empty secret */
    }
    buf[strcspn(buf, "\r\n")] = '\0';
    return 0;
}

static unsigned char *read_file(const char *what, const char *path, size_t *len)
{
    char *p = dynbuf_read_file(path, FILE_MAX, len);
    if (!p)
        fprintf(stderr, "motcua key %s: cannot read %s (%s; at most %d KiB)\n", what, path,
                errno ? strerror(errno) : "too large", FILE_MAX / 1024);
    return (unsigned char *)p;
}

/* Who a key is for, resolved from --unit and --login. */
struct owner {
    int64_t unit_id, account_id;
    char unit_code[64], unit_name[256], full_name[256], kind[16];
};

static int resolve_owner(struct store *db, const char *what, const char *unit_code,
                         const char *login, const char *kind, struct owner *o)
{
    struct unit u;
    memset(o, 0, sizeof o[0]);
    if (!unit_code || unit_by_code(db, unit_code, &u) != STORE_ROW) {
        fprintf(stderr, "motcua key %s: unknown unit %s\n", what, unit_code ? unit_code : "");
        return -1;
    }
    o->unit_id = u.id;
    copy_str(o->unit_code, sizeof o->unit_code, u.code);
    copy_str(o->unit_name, sizeof o->unit_name, u.name);
    if (login) {
        struct store_stmt *st;
        if (account_id_by_login(db, login, "staff", ACCOUNT_ANY_STATE, &o->account_id) !=
            STORE_ROW) {
            fprintf(stderr, "motcua key %s: no officer with login %s\n", what, login);
            return -1;
        }
        if (store_prepare_all(db, "SELECT full_name FROM accounts WHERE id = ?", &st,
                              BIND_INT(o->account_id)) == 0) {
            if (store_step(st) == STORE_ROW)
                copy_str(o->full_name, sizeof o->full_name, store_col_text(st, 0));
            store_done(st);
        }
    }
    copy_str(o->kind, sizeof o->kind, kind ? kind : login ? KEYS_OFFICIAL : KEYS_SEAL);
    if (strcmp(o->kind, KEYS_SEAL) != 0 && strcmp(o->kind, KEYS_OFFICIAL) != 0 &&
        strcmp(o->kind, KEYS_SYSTEM) != 0 && strcmp(o->kind, KEYS_TSA) != 0) {
        fprintf(stderr, "motcua key %s: --kind is seal, official, system or tsa\n", what);
        return -1;
    }
    return 0;
}

/* The image a key shows: the file given, or one drawn from the names. */
static int owner_image(const struct owner *o, unsigned char **png, size_t *len)
{
    *png = NULL;
    *len = 0;
    if (strcmp(o->kind, KEYS_SEAL) == 0)
        return stamp_seal_png(o->unit_name, o->unit_code, png, len);
    if (strcmp(o->kind, KEYS_OFFICIAL) == 0 && o->full_name[0])
        return stamp_signature_png(o->full_name, png, len);
    return 0;
}

/* The Vietnam local date of t, "2028-12-07". */
static void ymd(int64_t t, char out[16])
{
    int d = cal_local_ymd(t);
    snprintf(out, 16, "%04d-%02d-%02d", d / 10000, d / 100 % 100, d % 100);
}

/* Prints where an imported key stands: trusted or not. */
static void after_import(struct store *db, const char *data, int64_t id)
{
    struct keys_info k;
    char why[256];
    if (keys_get(db, id, &k) != STORE_ROW)
        return;
    char until[16];
    ymd(k.not_after, until);
    printf("imported key %lld: %s (%s, valid until %s)\n", (long long)id, k.subject, k.kind, until);
    if (keys_verify_chain(db, id, now_unix(), why, sizeof why) == 0)
        printf("note: the certificate does not lead to a trusted root (%s); add its root CA "
               "with: motcua key trust --data %s ROOT.pem\n",
               why, data);
}

/* --- import ------------------------------------------------------------ */

struct import_job {
    const char *data;
    struct keys_new k;
    const unsigned char *p12;
    size_t p12_len;
    const char *password;
    struct keys_token token;
    int pkcs11;
    int64_t id;
    struct derr err;
};

static int import_job(struct store *db, void *arg)
{
    struct import_job *j = arg;
    if (j->pkcs11)
        return keys_import_pkcs11(db, j->data, &j->k, &j->token, &j->id, &j->err);
    return keys_import_p12(db, j->data, &j->k, j->p12, j->p12_len, j->password, &j->id, &j->err);
}

/* Runs the import job and says what happened. */
static int run_import(struct store *db, const char *what, struct import_job *j)
{
    int rc = store_run(db, import_job, j);
    if (rc) {
        fprintf(stderr, "motcua key %s: %s\n", what,
                j->err.kind != DERR_NONE ? j->err.message : store_errmsg(db));
        derr_clear(&j->err);
        return 1;
    }
    after_import(db, j->data, j->id);
    return 0;
}

static int do_import(int argc, char **argv, int pkcs11)
{
    const char *data = NULL, *unit = NULL, *login = NULL, *kind = NULL, *image = NULL;
    const char *module = NULL, *uri = NULL, *pin_env = NULL, *cert = NULL, *pos[1];
    int pin_stdin = 0, npos = 0, rc = 1;
    const char *what = pkcs11 ? "import-pkcs11" : "import";
    const struct cli_opt opts[] = {{"--data", 1, &data, NULL},
                                   {"--unit", 1, &unit, NULL},
                                   {"--login", 1, &login, NULL},
                                   {"--kind", 1, &kind, NULL},
                                   {"--image", 1, &image, NULL},
                                   {"--module", 1, &module, NULL},
                                   {"--uri", 1, &uri, NULL},
                                   {"--pin-stdin", 0, NULL, &pin_stdin},
                                   {"--pin-env", 1, &pin_env, NULL},
                                   {"--cert", 1, &cert, NULL},
                                   {0}};
    const char *usage = pkcs11 ? usage_pkcs11 : usage_import;
    int prc = cli_parse(argc, argv, opts, usage, pos, pkcs11 ? 0 : 1, &npos);
    if (prc)
        return prc == 1 ? 0 : 2;
    if (!data || !unit || (!pkcs11 && npos != 1) || (pkcs11 && (!module || !uri))) {
        fprintf(stderr, "motcua key %s: %s\n%s", what,
                pkcs11 ? "--data, --unit, --module and --uri are required"
                       : "--data, --unit and the PKCS#12 file are required",
                usage);
        return 2;
    }
    if (!pkcs11 && (module || uri || pin_stdin || pin_env || cert)) {
        fprintf(stderr, "motcua key import: --module, --uri, --pin-* and --cert belong to "
                        "key import-pkcs11\n");
        return 2;
    }
    if (pin_stdin && pin_env) {
        fprintf(stderr, "motcua key %s: --pin-stdin or --pin-env, not both\n", what);
        return 2;
    }
    struct import_job j;
    struct owner o;
    struct store *db = NULL;
    unsigned char *file = NULL, *png = NULL, *certfile = NULL;
    size_t file_len = 0, png_len = 0, cert_len = 0;
    char secret[SECRET_MAX];
    memset(&j, 0, sizeof j);
    secret[0] = '\0';
    if (!pkcs11 && !(file = read_file(what, pos[0], &file_len)))
        goto out;
    if (image && !(png = read_file(what, image, &png_len)))
        goto out;
    if (cert && !(certfile = read_file(what, cert, &cert_len)))
        goto out;
    if ((!pkcs11 || pin_stdin) &&
        read_secret(pkcs11 ? "PIN: " : "PKCS#12 password: ", secret, sizeof secret)) {
        fprintf(stderr, "motcua key %s: cannot read standard input\n", what);
        goto out;
    }
    if (cli_open_data(data, &db))
        goto out;
    if (resolve_owner(db, what, unit, login, kind, &o))
        goto out;
    if (!png && owner_image(&o, &png, &png_len)) {
        fprintf(stderr, "motcua key %s: cannot draw the seal or signature image\n", what);
        goto out;
    }
    j.data = data;
    j.k = (struct keys_new){.unit_id = o.unit_id,
                            .account_id = o.account_id,
                            .kind = o.kind,
                            .image = png,
                            .image_len = png_len,
                            .now = now_unix()};
    j.p12 = file;
    j.p12_len = file_len;
    j.password = secret;
    j.pkcs11 = pkcs11;
    j.token = (struct keys_token){.module = module,
                                  .uri = uri,
                                  .pin = pin_stdin ? secret : NULL,
                                  .pin_env = pin_env,
                                  .cert_pem = (const char *)certfile};
    rc = run_import(db, what, &j);
out:
    explicit_bzero(secret, sizeof secret);
    store_close(db);
    free(file);
    free(png);
    free(certfile);
    return rc;
}

/* --- revoke, trust -------------------------------------------------------- */

struct revoke_job {
    int64_t id;
    const char *reason;
    struct derr err;
};

static int revoke_job(struct store *db, void *arg)
{
    struct revoke_job *j = arg;
    return keys_revoke(db, j->id, j->reason, now_unix(), &j->err);
}

static int do_revoke(int argc, char **argv)
{
    const char *data = NULL, *id = NULL, *reason = NULL;
    const struct cli_opt opts[] = {
        {"--data", 1, &data, NULL}, {"--id", 1, &id, NULL}, {"--reason", 1, &reason, NULL}, {0}};
    long n;
    int rc = cli_parse(argc, argv, opts, usage_revoke, NULL, 0, NULL);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (!data || !id || !reason || parse_long(id, 1, LONG_MAX, &n)) {
        fprintf(stderr, "motcua key revoke: --data, --id N and --reason are required\n%s",
                usage_revoke);
        return 2;
    }
    struct store *db;
    struct revoke_job j = {.id = n, .reason = reason};
    if (cli_open_data(data, &db))
        return 1;
    rc = store_run(db, revoke_job, &j);
    if (rc)
        fprintf(stderr, "motcua key revoke: %s\n",
                j.err.kind != DERR_NONE ? j.err.message : store_errmsg(db));
    else
        printf("revoked key %ld\n", n);
    derr_clear(&j.err);
    store_close(db);
    return rc ? 1 : 0;
}

struct trust_job {
    const char *pem;
    size_t len;
    int64_t id;
    struct derr err;
};

static int trust_job(struct store *db, void *arg)
{
    struct trust_job *j = arg;
    return keys_trust(db, j->pem, j->len, 0, now_unix(), &j->id, &j->err);
}

static int do_trust(int argc, char **argv)
{
    const char *data = NULL, *pos[1];
    const struct cli_opt opts[] = {{"--data", 1, &data, NULL}, {0}};
    int npos = 0;
    int rc = cli_parse(argc, argv, opts, usage_trust, pos, 1, &npos);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (!data || npos != 1) {
        fprintf(stderr, "motcua key trust: --data and the root certificate are required\n%s",
                usage_trust);
        return 2;
    }
    size_t len;
    unsigned char *pem = read_file("trust", pos[0], &len);
    struct store *db;
    if (!pem)
        return 1;
    if (cli_open_data(data, &db)) {
        free(pem);
        return 1;
    }
    struct trust_job j = {.pem = (const char *)pem, .len = len};
    rc = store_run(db, trust_job, &j);
    if (rc)
        fprintf(stderr, "motcua key trust: %s\n",
                j.err.kind != DERR_NONE ? j.err.message : store_errmsg(db));
    else
        printf("trusted root %lld\n", (long long)j.id);
    derr_clear(&j.err);
    store_close(db);
    free(pem);
    return rc ? 1 : 0;
}

/* --- list ----------------------------------------------------------------- */

struct list_state {
    struct store *db;
    int64_t now;
    int json;
    json_t *items;
};

static void lookup(struct store *db, const char *sql, int64_t id, char *out, size_t cap)
{
    struct store_stmt *st;
    copy_str(out, cap, "-");
    if (store_prepare_all(db, sql, &st, BIND_INT(id)) != 0)
        return;
    if (store_step(st) == STORE_ROW)
        copy_str(out, cap, store_col_text(st, 0));
    store_done(st);
}

/* Whole days left, a part of a day counting as one: a key that expires in
 * an hour "expires in 1 day". */
static int64_t days_left(const struct keys_info *k, int64_t now)
{
    return k->not_after > now ? (k->not_after - now + 86399) / 86400 : 0;
}

static void status_text(const struct keys_info *k, int64_t now, char *out, size_t cap)
{
    switch (keys_state_at(k, now)) {
    case KEYS_REVOKED:
        snprintf(out, cap, "REVOKED (%s)", k->revoked_reason);
        break;
    case KEYS_EXPIRED:
        snprintf(out, cap, "EXPIRED");
        break;
    case KEYS_NOT_YET_VALID:
        snprintf(out, cap, "NOT YET VALID");
        break;
    case KEYS_VALID:
        snprintf(out, cap, "EXPIRES IN %lld DAYS", (long long)days_left(k, now));
        break;
    }
}

static int list_one(const struct keys_info *k, void *arg)
{
    struct list_state *s = arg;
    char unit[64], login[64], status[320], until[16];
    lookup(s->db, "SELECT code FROM units WHERE id = ?", k->unit_id, unit, sizeof unit);
    if (k->account_id)
        lookup(s->db, "SELECT login FROM accounts WHERE id = ?", k->account_id, login,
               sizeof login);
    else
        copy_str(login, sizeof login, "-");
    status_text(k, s->now, status, sizeof status);
    ymd(k->not_after, until);
    if (s->json) {
        static const char *const states[] = {"valid", "not_yet_valid", "expired", "revoked"};
        json_t *o = json_pack(
            "{s:I, s:s, s:s?, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:I, s:s, s:I, s:b, s:s?}", "id",
            (json_int_t)k->id, "unit", unit, "login", k->account_id ? login : NULL, "kind", k->kind,
            "source", k->source, "subject", k->subject, "issuer", k->issuer, "common_name",
            k->common_name, "serial", k->serial, "not_before", (json_int_t)k->not_before,
            "not_after", (json_int_t)k->not_after, "state", states[keys_state_at(k, s->now)],
            "days_left", (json_int_t)days_left(k, s->now), "has_image", k->has_image, "pkcs11_uri",
            k->pkcs11_uri[0] ? k->pkcs11_uri : NULL);
        return o && json_array_append_new(s->items, o) == 0 ? 0 : -1;
    }
    printf("%-4lld %-15s %-22s %-8s %-7s %-10s %s\n", (long long)k->id, unit, login, k->kind,
           k->source, until, status);
    printf("     subject: %s\n     issuer:  %s\n     serial:  %s\n", k->subject, k->issuer,
           k->serial);
    if (k->pkcs11_uri[0])
        printf("     token:   %s\n", k->pkcs11_uri);
    return 0;
}

static int do_list(int argc, char **argv)
{
    const char *data = NULL, *unit = NULL;
    int json = 0;
    const struct cli_opt opts[] = {
        {"--data", 1, &data, NULL}, {"--unit", 1, &unit, NULL}, {"--json", 0, NULL, &json}, {0}};
    int rc = cli_parse(argc, argv, opts, usage_list, NULL, 0, NULL);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (!data) {
        fprintf(stderr, "motcua key list: --data DIR is required\n%s", usage_list);
        return 2;
    }
    struct store *db;
    struct unit u = {0};
    if (cli_open_data(data, &db))
        return 1;
    if (unit && unit_by_code(db, unit, &u) != STORE_ROW) {
        fprintf(stderr, "motcua key list: unknown unit %s\n", unit);
        store_close(db);
        return 1;
    }
    struct list_state s = {.db = db, .now = now_unix(), .json = json, .items = json_array()};
    if (!json)
        printf("%-4s %-15s %-22s %-8s %-7s %-10s %s\n", "ID", "UNIT", "OFFICIAL", "KIND", "SOURCE",
               "NOT AFTER", "STATUS");
    rc = keys_list(db, u.id, list_one, &s);
    if (rc == 0 && json) {
        char *text = json_dumps(s.items, JSON_INDENT(2));
        if (text)
            printf("%s\n", text);
        else
            rc = -1;
        free(text);
    }
    if (rc)
        fprintf(stderr, "motcua key list: cannot read the keys: %s\n", store_errmsg(db));
    json_decref(s.items);
    store_close(db);
    return rc ? 1 : 0;
}

/* --- the demo CA ---------------------------------------------------------- */

/* One party with the strings it points to. */
struct party_buf {
    struct democa_party p;
    char name[256], unit_name[256], unit_code[64], title[128];
};

struct demo_job {
    const char *data;
    enum democa_alg alg;
    struct party_buf *parties;
    size_t n, cap;
    int64_t province;
    int issued;
    char err[512];
};

static struct party_buf *add_party(struct demo_job *j)
{
    if (j->n == j->cap) {
        size_t cap = j->cap ? j->cap * 2 : 16;
        struct party_buf *p = realloc(j->parties, cap * sizeof *p);
        if (!p)
            return NULL;
        j->parties = p;
        j->cap = cap;
    }
    struct party_buf *b = &j->parties[j->n++];
    memset(b, 0, sizeof *b);
    return b;
}

static int has_seal(const struct demo_job *j, int64_t unit_id)
{
    for (size_t i = 0; i < j->n; i++)
        if (j->parties[i].p.unit_id == unit_id && strcmp(j->parties[i].p.kind, KEYS_SEAL) == 0)
            return 1;
    return 0;
}

static void role_title(struct store *db, const char *role, char *out, size_t cap)
{
    struct store_stmt *st;
    out[0] = '\0';
    if (store_prepare_all(db, "SELECT title FROM roles WHERE name = ?", &st, BIND_TEXT(role)) != 0)
        return;
    if (store_step(st) == STORE_ROW)
        copy_str(out, cap, store_col_text(st, 0));
    store_done(st);
}

/* A seal for the officer's unit and, for a leader, a personal key. Line:
 * kind,login,full_name,phone,email,password,role,unit_code,totp_secret */
static int demo_line(struct store *db, char *line, struct demo_job *j)
{
    char *f[9];
    struct unit u;
    struct party_buf *b;
    if (csv_split(line, f, 9) != 9)
        return -1;
    if (strcmp(f[0], "staff") != 0)
        return 0;
    if (unit_by_code(db, f[7], &u) != STORE_ROW)
        return -1;
    if (!has_seal(j, u.id)) {
        if (!(b = add_party(j)))
            return -1;
        copy_str(b->name, sizeof b->name, u.name);
        copy_str(b->unit_name, sizeof b->unit_name, u.name);
        copy_str(b->unit_code, sizeof b->unit_code, u.code);
        b->p = (struct democa_party){.unit_id = u.id, .kind = KEYS_SEAL};
    }
    if (strcmp(f[6], "leader") != 0)
        return 0;
    int64_t account;
    if (account_id_by_login(db, f[1], "staff", ACCOUNT_ANY_STATE, &account) != STORE_ROW ||
        !(b = add_party(j)))
        return -1;
    copy_str(b->name, sizeof b->name, f[2]);
    copy_str(b->unit_name, sizeof b->unit_name, u.name);
    copy_str(b->unit_code, sizeof b->unit_code, u.code);
    role_title(db, f[6], b->title, sizeof b->title);
    b->p = (struct democa_party){.unit_id = u.id, .account_id = account, .kind = KEYS_OFFICIAL};
    return 0;
}

/* A seal for every unit that signs in a demo and has none yet: the units
 * that handle procedures (their receipts, letters and results,
 * docs/signatures.md) or where an officer holds a role, and every unit above
 * them up to the province. A school or a sub-department with neither gets
 * none: a seal costs about 5 ms (mostly its image), and the demo tree has
 * some 1,400 units (docs/keys.md). */
static int demo_signing_seals(struct store *db, struct demo_job *j)
{
    struct store_stmt *st;
    int rc;
    if (store_prepare(db,
                      "WITH signs(id) AS (SELECT unit_id FROM procedure_units"
                      " UNION SELECT unit_id FROM staff_roles)"
                      " SELECT a.id, a.code, a.name FROM units a WHERE EXISTS (SELECT 1 FROM signs s"
                      " JOIN units u ON u.id = s.id"
                      " WHERE substr(u.path, 1, length(a.path)) = a.path) ORDER BY a.id",
                      &st) != 0)
        return -1;
    while ((rc = store_step(st)) == STORE_ROW) {
        int64_t id = store_col_int(st, 0);
        struct party_buf *b;
        if (has_seal(j, id))
            continue;
        if (!(b = add_party(j))) {
            rc = -1;
            break;
        }
        copy_str(b->name, sizeof b->name, store_col_text(st, 2));
        copy_str(b->unit_name, sizeof b->unit_name, store_col_text(st, 2));
        copy_str(b->unit_code, sizeof b->unit_code, store_col_text(st, 1));
        b->p = (struct democa_party){.unit_id = id, .kind = KEYS_SEAL};
    }
    store_done(st);
    return rc == STORE_DONE ? 0 : -1;
}

/* The platform's keys: held by the root unit (the province). */
static int demo_platform(struct store *db, struct demo_job *j)
{
    static const struct {
        const char *kind, *name;
    } keys[] = {{KEYS_SYSTEM, "Hệ thống motcua (nhật ký kiểm tra)"}, {KEYS_TSA, "motcua DEMO TSA"}};
    struct unit u;
    int64_t root = 0;
    if (store_int(db, "SELECT id FROM units WHERE parent_id IS NULL ORDER BY id LIMIT 1", &root) !=
            STORE_ROW ||
        unit_by_id(db, root, &u) != STORE_ROW)
        return -1;
    j->province = u.id;
    for (size_t i = 0; i < ARRAY_LEN(keys); i++) {
        struct party_buf *b = add_party(j);
        if (!b)
            return -1;
        copy_str(b->name, sizeof b->name, keys[i].name);
        copy_str(b->unit_name, sizeof b->unit_name, u.name);
        copy_str(b->unit_code, sizeof b->unit_code, u.code);
        b->p = (struct democa_party){.unit_id = u.id, .kind = keys[i].kind};
    }
    return 0;
}

static int demo_job(struct store *db, void *arg)
{
    struct demo_job *j = arg;
    const struct asset *a = asset_find("data/demo-accounts.csv");
    struct derr err = {0};
    size_t pos = 0;
    char *line;
    int lineno = 0, rc = 0;
    if (!a) {
        snprintf(j->err, sizeof j->err, "data/demo-accounts.csv is missing from the build");
        return -1;
    }
    while (rc == 0 && (line = csv_next_line((const char *)a->data, a->len, &pos))) {
        rc = ++lineno > 1 && line[0] ? demo_line(db, line, j) : 0;
        free(line);
    }
    if (rc) {
        snprintf(j->err, sizeof j->err,
                 "data/demo-accounts.csv line %d: no such unit or officer in the database (run "
                 "motcua init --demo first)",
                 lineno);
        return -1;
    }
    if (demo_signing_seals(db, j) || demo_platform(db, j)) {
        snprintf(j->err, sizeof j->err,
                 "the data directory has no units (run motcua init "
                 "--demo first)");
        return -1;
    }
    /* The strings moved with realloc: point at them only now. */
    struct democa_party *ps = calloc(j->n ? j->n : 1, sizeof *ps);
    if (!ps)
        return -1;
    for (size_t i = 0; i < j->n; i++) {
        struct party_buf *b = &j->parties[i];
        ps[i] = b->p;
        ps[i].name = b->name;
        ps[i].unit_name = b->unit_name;
        ps[i].unit_code = b->unit_code;
        ps[i].title = b->title[0] ? b->title : NULL;
    }
    rc = democa_issue(db, j->data, j->province, ps, j->n, j->alg, now_unix(), &j->issued, &err);
    if (rc)
        snprintf(j->err, sizeof j->err, "%s", err.message);
    derr_clear(&err);
    free(ps);
    return rc;
}

int cli_key_demo(struct store *db, const char *data_dir, int rsa, int *issued, char *err,
                 size_t errlen)
{
    struct demo_job j = {.data = data_dir, .alg = rsa ? DEMOCA_RSA_2048 : DEMOCA_EC_P256};
    char why[512];
    *issued = 0;
    if (vault_create(data_dir, why, sizeof why) < 0) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
    int rc = store_run(db, demo_job, &j);
    if (rc)
        snprintf(err, errlen, "demo keys: %s", j.err[0] ? j.err : store_errmsg(db));
    *issued = j.issued;
    free(j.parties);
    return rc ? -1 : 0;
}

static int do_demo(int argc, char **argv)
{
    const char *data = NULL;
    int rsa = 0, issued;
    const struct cli_opt opts[] = {{"--data", 1, &data, NULL}, {"--rsa", 0, NULL, &rsa}, {0}};
    int rc = cli_parse(argc, argv, opts, usage_demo, NULL, 0, NULL);
    char err[600];
    if (rc)
        return rc == 1 ? 0 : 2;
    if (!data) {
        fprintf(stderr, "motcua key demo: --data DIR is required\n%s", usage_demo);
        return 2;
    }
    struct store *db;
    if (cli_open_data(data, &db))
        return 1;
    rc = cli_key_demo(db, data, rsa, &issued, err, sizeof err);
    store_close(db);
    if (rc) {
        fprintf(stderr, "motcua key demo: %s\n", err);
        return 1;
    }
    printf("demo CA \"%s\": %d new keys\n", DEMOCA_ROOT_CN, issued);
    return 0;
}

int cmd_key(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
        const char *label;
    } subs[] = {{"list", do_list, "key list"},    {"revoke", do_revoke, "key revoke"},
                {"trust", do_trust, "key trust"}, {"demo", do_demo, "key demo"},
                {"import", NULL, "key import"},   {"import-pkcs11", NULL, "key import-pkcs11"}};
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage_all, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    for (size_t i = 0; i < ARRAY_LEN(subs); i++) {
        if (strcmp(argv[1], subs[i].name) != 0)
            continue;
        /* cli_parse names the command by argv[0]: "motcua key import: ..." */
        char *sub_argv[64];
        int n = argc - 1 < 63 ? argc - 1 : 63;
        sub_argv[0] = (char *)subs[i].label;
        for (int k = 1; k < n; k++)
            sub_argv[k] = argv[k + 1];
        sub_argv[n] = NULL;
        if (argc - 1 > 63) {
            fprintf(stderr, "motcua key: too many arguments\n");
            return 2;
        }
        if (!subs[i].fn)
            return do_import(n, sub_argv, strcmp(subs[i].name, "import-pkcs11") == 0);
        return subs[i].fn(n, sub_argv);
    }
    fprintf(stderr, "motcua key: unknown subcommand '%s'\n%s", argv[1], usage_all);
    return 2;
}
