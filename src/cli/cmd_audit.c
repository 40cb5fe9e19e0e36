/* cmd_audit: checks the audit log (its hash chain and its signed
 * checkpoints) and makes checkpoints. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "audit/audit.h"
#include "base/derr.h"
#include "base/util.h"
#include "cli/cli.h"
#include "sign/checkpoint.h"
#include "sign/keys.h"
#include "sign/signer.h"
#include "sign/tsa.h"
#include "sign/tsa_server.h"
#include "store/store.h"

/* Exit statuses: an auditor's script must tell a broken log (evidence of
 * tampering) from a database it could not read (a wrong path, a damaged
 * file), so they differ. */
enum { AUDIT_INTACT = 0, AUDIT_BROKEN = 1, AUDIT_USAGE = 2, AUDIT_UNREADABLE = 3 };

static const char usage[] =
    "usage: motcua audit verify --data DIR [--checkpoints FILE]\n"
    "       motcua audit checkpoint --data DIR [--out FILE] [--tsa-url URL]\n"
    "  verify      recomputes every audit entry's hash and prints the first broken\n"
    "              entry; then checks every signed checkpoint (its signature and\n"
    "              timestamp) against the entries: an entry changed since, even with\n"
    "              every later hash recomputed, or entries deleted below the newest\n"
    "              checkpoint, are named. --checkpoints FILE checks the checkpoints of\n"
    "              an export kept elsewhere instead of those in the database. The\n"
    "              database is opened read-only: verifying changes nothing.\n"
    "  checkpoint  signs, with the system key, the hashes of every entry since the\n"
    "              last checkpoint, timestamps the signature (--tsa-url, or\n"
    "              MOTCUA_TSA_URL, or the data directory's own demo TSA key) and\n"
    "              stores it; --out FILE also writes every checkpoint to FILE, to be\n"
    "              kept away from the server. `serve` makes checkpoints by itself.\n"
    "  Exit status: 0 the chain is intact (or the checkpoint was made); 1 the chain\n"
    "  is broken (the first problem is named); 2 usage error; 3 the database or its\n"
    "  audit log cannot be opened or read, or the system key cannot be used.\n";

/* Opens DIR/motcua.db, read-only or not. Returns 0, or AUDIT_UNREADABLE
 * after saying why. */
static int open_db(const char *data, int read_only, struct store **db)
{
    char path[1100], err[512];
    struct stat sb;
    if (snprintf(path, sizeof path, "%s/motcua.db", data) >= (int)sizeof path) {
        fprintf(stderr, "motcua audit: the path %s is too long\n", data);
        return AUDIT_UNREADABLE;
    }
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "motcua audit: cannot read %s: %s\n", path, strerror(errno));
        return AUDIT_UNREADABLE;
    }
    if (store_open(path, read_only, db, err, sizeof err)) {
        fprintf(stderr, "motcua audit: cannot open %s: %s\n", path, err);
        return AUDIT_UNREADABLE;
    }
    return 0;
}

static int verify(const char *data, const char *checkpoints)
{
    struct store *db;
    int rc = open_db(data, 1, &db);
    if (rc)
        return rc;
    int64_t checked = 0, bad = 0;
    char why[256] = "";
    rc = audit_verify(db, &checked, &bad, why, sizeof why);
    if (rc < 0) {
        fprintf(stderr, "motcua audit: cannot read the audit log in %s/motcua.db: %s\n", data,
                store_errmsg(db));
        store_close(db);
        return AUDIT_UNREADABLE;
    }
    if (rc == 1) {
        printf("audit chain BROKEN at entry %lld: %s (%lld entries before it are intact)\n",
               (long long)bad, why, (long long)checked);
        store_close(db);
        return AUDIT_BROKEN;
    }
    printf("audit chain intact: %lld entries\n", (long long)checked);
    X509_STORE *trust = keys_trust_store(db);
    struct checkpoint_report r;
    rc = trust ? checkpoint_verify(db, checkpoints, trust, &r) : -1;
    if (!trust)
        snprintf(r.why, sizeof r.why, "cannot read the trusted certificates");
    X509_STORE_free(trust);
    store_close(db);
    if (rc < 0) {
        fprintf(stderr, "motcua audit: %s\n", r.why);
        return AUDIT_UNREADABLE;
    }
    if (rc == 1) {
        printf("audit checkpoints BROKEN: %s\n", r.why);
        return AUDIT_BROKEN;
    }
    if (!r.checkpoints) {
        printf("no signed checkpoint yet%s\n",
               checkpoints ? " in that file" : " (motcua audit checkpoint makes one)");
        return AUDIT_INTACT;
    }
    printf("audit checkpoints intact: %lld checkpoint(s) certify entries 1 to %lld",
           (long long)r.checkpoints, (long long)r.newest_last);
    if (r.untimestamped)
        printf(" (%lld still without a timestamp)", (long long)r.untimestamped);
    printf("; %lld entries after the newest checkpoint are covered by the chain only\n",
           (long long)(checked > r.newest_last ? checked - r.newest_last : 0));
    return AUDIT_INTACT;
}

/* Where timestamps come from: a TSA's URL, else the demo TSA key of the
 * data directory (in this process), else none. */
struct stamping {
    struct tsa_config config;
    int have_config;
    struct tsa_server *demo;
    checkpoint_timestamp_fn fn;
    void *ctx;
    char label[300];
};

static int stamping_open(struct stamping *s, struct store *db, const char *data, const char *url)
{
    char err[512];
    memset(s, 0, sizeof *s);
    if (!url)
        url = getenv("MOTCUA_TSA_URL");
    if (url) {
        if (tsa_config_init(&s->config, url, getenv("MOTCUA_TSA_AUTH"), err, sizeof err)) {
            fprintf(stderr, "motcua audit: --tsa-url: %s\n", err);
            return AUDIT_USAGE;
        }
        s->have_config = 1;
        s->fn = tsa_timestamp_cb;
        s->ctx = &s->config;
        copy_str(s->label, sizeof s->label, s->config.label);
        return 0;
    }
    struct signer *tsa = NULL;
    struct derr derr = {0};
    if (keys_platform_signer(db, data, KEYS_TSA, now_unix(), &tsa, &derr) == 0) {
        if (tsa_server_new(tsa->key, tsa->cert, tsa->chain, &s->demo, err, sizeof err) == 0) {
            s->fn = tsa_server_timestamp_cb;
            s->ctx = s->demo;
            snprintf(s->label, sizeof s->label, "the demo TSA (%s)", tsa->name);
        }
        signer_free(tsa);
    }
    derr_clear(&derr);
    return 0;
}

static void stamping_close(struct stamping *s)
{
    if (s->have_config)
        tsa_config_release(&s->config);
    tsa_server_free(s->demo);
}

static int checkpoint(const char *data, const char *out, const char *url)
{
    struct store *db;
    int rc = open_db(data, 0, &db);
    if (rc)
        return rc;
    struct signer *system = NULL;
    struct derr derr = {0};
    struct stamping stamp;
    char err[512];
    if (keys_platform_signer(db, data, KEYS_SYSTEM, now_unix(), &system, &derr)) {
        fprintf(stderr, "motcua audit: no system key to sign with: %s\n", derr.message);
        derr_clear(&derr);
        store_close(db);
        return AUDIT_UNREADABLE;
    }
    if ((rc = stamping_open(&stamp, db, data, url))) {
        signer_free(system);
        store_close(db);
        return rc;
    }
    /* Earlier checkpoints left waiting for a timestamp get one first. */
    if (stamp.fn && checkpoint_timestamp_missing(db, stamp.fn, stamp.ctx, err, sizeof err) < 0)
        fprintf(stderr, "motcua audit: %s\n", err);
    struct checkpoint c;
    rc = checkpoint_build(db, system, stamp.fn, stamp.ctx, now_unix(), &c, err, sizeof err);
    if (rc < 0) {
        fprintf(stderr, "motcua audit: %s\n", err);
        rc = AUDIT_UNREADABLE;
    } else if (rc == 0) {
        printf("no audit entry since the last checkpoint: nothing to sign\n");
    } else if (store_begin(db) || checkpoint_store(db, &c) || store_commit(db)) {
        fprintf(stderr, "motcua audit: cannot store the checkpoint: %s\n", store_errmsg(db));
        store_rollback(db);
        rc = AUDIT_UNREADABLE;
    } else {
        printf("checkpoint of entries %lld to %lld, signed by %s", (long long)c.first,
               (long long)c.last, system->name);
        if (c.timestamp)
            printf(", timestamped by %s\n", stamp.label);
        else
            printf(", without a timestamp yet (%s)\n",
                   stamp.fn ? "the timestamp authority did not answer" : "no TSA configured");
    }
    if (rc == 1)
        checkpoint_clear(&c);
    if (rc >= 0 && rc <= 1 && out) {
        if (checkpoint_export(db, out, err, sizeof err)) {
            fprintf(stderr, "motcua audit: %s\n", err);
            rc = AUDIT_UNREADABLE;
        } else {
            printf("every checkpoint written to %s\n", out);
        }
    }
    stamping_close(&stamp);
    signer_free(system);
    store_close(db);
    return rc == 1 ? AUDIT_INTACT : rc;
}

int cmd_audit(int argc, char **argv)
{
    const char *data = NULL, *checkpoints = NULL, *out = NULL, *url = NULL, *pos[1];
    int npos = 0;
    const struct cli_opt opts[] = {{"--data", 1, &data, NULL},
                                   {"--checkpoints", 1, &checkpoints, NULL},
                                   {"--out", 1, &out, NULL},
                                   {"--tsa-url", 1, &url, NULL},
                                   {0}};
    int rc = cli_parse(argc, argv, opts, usage, pos, 1, &npos);
    if (rc)
        return rc == 1 ? AUDIT_INTACT : AUDIT_USAGE;
    if (npos == 1 && data && strcmp(pos[0], "verify") == 0 && !out && !url)
        return verify(data, checkpoints);
    if (npos == 1 && data && strcmp(pos[0], "checkpoint") == 0 && !checkpoints)
        return checkpoint(data, out, url);
    fputs(usage, stderr);
    return AUDIT_USAGE;
}
