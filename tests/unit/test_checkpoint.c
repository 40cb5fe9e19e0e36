/* Tests of src/sign/checkpoint.c: signed, timestamped checkpoints of the
 * audit chain catch what the chain alone cannot: an entry changed with
 * every later hash recomputed, and the newest entries deleted. */
#include "sign/checkpoint.h"

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "audit/audit.h"
#include "base/util.h"
#include "fixture.h"
#include "harness.h"
#include "sign/signer.h"
#include "sign/tsa_server.h"

static struct signer *system_signer;
static X509_STORE *trust;
static struct tsa_server *tsa;
static char rewritten_detail[128]; /* the entry test 2 rewrites, as it was */
static int64_t rewritten_id;

/* A self-signed ECDSA P-256 certificate and its key, made here. */
static struct signer *make_signer(const char *cn)
{
    struct signer *s = calloc(1, sizeof *s);
    s->key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    s->cert = X509_new();
    X509_set_version(s->cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(s->cert), 7);
    X509_gmtime_adj(X509_getm_notBefore(s->cert), -3600);
    X509_gmtime_adj(X509_getm_notAfter(s->cert), 3600L * 24 * 365);
    X509_set_pubkey(s->cert, s->key);
    X509_NAME *n = X509_get_subject_name(s->cert);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(s->cert, n);
    X509_sign(s->cert, s->key, EVP_sha256());
    copy_str(s->name, sizeof s->name, cn);
    return s;
}

static void add_entries(int n)
{
    for (int i = 0; i < n; i++) {
        char detail[64];
        snprintf(detail, sizeof detail, "{\"n\":%d}", i);
        store_begin(fx_db);
        CHECK_EQ_INT(audit_append(fx_db, &(struct audit_entry){.action = "test.entry",
                                                              .object_type = "test",
                                                              .object_id = "x",
                                                              .detail = detail}),
                     0);
        store_commit(fx_db);
    }
}

/* A checkpoint of everything new, stored. Returns what checkpoint_build did. */
static int checkpoint_now(int with_timestamp)
{
    struct checkpoint c;
    char err[256] = "";
    int rc = checkpoint_build(fx_db, system_signer, with_timestamp ? tsa_server_timestamp_cb : NULL,
                              tsa, now_unix(), &c, err, sizeof err);
    if (rc < 0)
        printf("  checkpoint_build: %s\n", err);
    if (rc == 1) {
        CHECK_EQ_INT(checkpoint_store(fx_db, &c), 0);
        checkpoint_clear(&c);
    }
    return rc;
}

static int verify(const char *path, struct checkpoint_report *r)
{
    return checkpoint_verify(fx_db, path, trust, r);
}

/* What someone with the database file does: rewrite entry id's detail and
 * recompute its hash and every later one (the algorithm of audit.c, written
 * out here as an attacker would), so that the chain verifies again. */
static void rewrite_entry(int64_t id, const char *detail)
{
    char q[256];
    snprintf(q, sizeof q, "UPDATE audit_log SET detail = '%s' WHERE id = %lld", detail,
             (long long)id);
    CHECK_EQ_INT(store_exec(fx_db, q), 0);
    struct store_stmt *st;
    char prev[65] = "";
    CHECK_EQ_INT(store_prepare_all(fx_db, "SELECT hash FROM audit_log WHERE id = ?", &st,
                                   BIND_INT(id - 1)),
                 0);
    if (store_step(st) == STORE_ROW)
        copy_str(prev, sizeof prev, store_col_text(st, 0));
    store_done(st);
    for (int64_t k = id;; k++) {
        char sql[300], fields[1024], hash[65];
        CHECK_EQ_INT(store_prepare_all(fx_db,
                                       "SELECT at, coalesce(actor_id, 0), action, object_type,"
                                       " object_id, detail FROM audit_log WHERE id = ?",
                                       &st, BIND_INT(k)),
                     0);
        if (store_step(st) != STORE_ROW) {
            store_done(st);
            break;
        }
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
        snprintf(fields, sizeof fields, "%lld,%lld,%lld", (long long)k,
                 (long long)store_col_int(st, 0), (long long)store_col_int(st, 1));
        const char *parts[] = {prev, fields, store_col_text(st, 2), store_col_text(st, 3),
                               store_col_text(st, 4), store_col_text(st, 5)};
        for (size_t i = 0; i < 6; i++) {
            char len[24];
            int n = snprintf(len, sizeof len, "%zu:", strlen(parts[i]));
            EVP_DigestUpdate(ctx, len, (size_t)n);
            EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]));
        }
        unsigned char md[32];
        EVP_DigestFinal_ex(ctx, md, NULL);
        EVP_MD_CTX_free(ctx);
        store_done(st);
        hex_encode(md, sizeof md, hash);
        snprintf(sql, sizeof sql,
                 "UPDATE audit_log SET prev_hash = '%s', hash = '%s' WHERE id = %lld", prev, hash,
                 (long long)k);
        CHECK_EQ_INT(store_exec(fx_db, sql), 0);
        copy_str(prev, sizeof prev, hash);
    }
}

TEST(checkpoints_certify_the_entries_since_the_last_one)
{
    int64_t before = fx_int("SELECT count(*) FROM audit_log", NULL);
    add_entries(5);
    CHECK_EQ_INT(checkpoint_now(1), 1);
    CHECK_EQ_INT(checkpoint_now(1), 0); /* nothing new */
    add_entries(3);
    CHECK_EQ_INT(checkpoint_now(0), 1); /* the TSA away: stored, timestamp to come */
    struct checkpoint_report r;
    CHECK_EQ_INT(verify(NULL, &r), 0);
    CHECK_EQ_INT(r.checkpoints, 2);
    CHECK_EQ_INT(r.certified, before + 8);
    CHECK_EQ_INT(r.untimestamped, 1);
    char err[256];
    CHECK_EQ_INT(checkpoint_timestamp_missing(fx_db, tsa_server_timestamp_cb, tsa, err, sizeof err),
                 1);
    CHECK_EQ_INT(verify(NULL, &r), 0);
    CHECK_EQ_INT(r.untimestamped, 0);
}

TEST(a_rewritten_chain_no_longer_matches_its_checkpoint)
{
    int64_t checked, bad;
    char why[256];
    int64_t target = fx_int("SELECT max(id) FROM audit_log", NULL) - 4;
    char q[96];
    snprintf(q, sizeof q, "SELECT detail FROM audit_log WHERE id = %lld", (long long)target);
    fx_text(q, NULL, rewritten_detail, sizeof rewritten_detail);
    rewritten_id = target;
    rewrite_entry(target, "{\"n\":42}");
    /* The chain alone is fooled... */
    CHECK_EQ_INT(audit_verify(fx_db, &checked, &bad, why, sizeof why), 0);
    /* ...the checkpoints are not, and name the entry. */
    struct checkpoint_report r;
    CHECK_EQ_INT(verify(NULL, &r), 1);
    CHECK_EQ_INT(r.bad_entry, target);
    CHECK(strstr(r.why, "no longer matches") != NULL);
}

TEST(deleting_the_newest_entries_shows_and_an_export_survives)
{
    char path[300], err[256], q[128];
    snprintf(path, sizeof path, "%s/checkpoints.txt", fx_dir);
    /* Put the rewritten entry back first: start from a consistent log. */
    int64_t last = fx_int("SELECT max(id) FROM audit_log", NULL);
    rewrite_entry(rewritten_id, rewritten_detail);
    struct checkpoint_report r;
    CHECK_EQ_INT(verify(NULL, &r), 0);
    CHECK_EQ_INT(checkpoint_export(fx_db, path, err, sizeof err), 0);
    /* Truncate the newest three entries: the chain still verifies. */
    snprintf(q, sizeof q, "DELETE FROM audit_log WHERE id > %lld", (long long)(last - 3));
    CHECK_EQ_INT(store_exec(fx_db, q), 0);
    int64_t checked, bad;
    char why[256];
    CHECK_EQ_INT(audit_verify(fx_db, &checked, &bad, why, sizeof why), 0);
    CHECK_EQ_INT(verify(NULL, &r), 1);
    CHECK_EQ_INT(r.missing_from, last - 2);
    CHECK_EQ_INT(r.missing_to, last);
    /* Deleting the newest checkpoint too fools the table, not the export. */
    CHECK_EQ_INT(store_exec(fx_db, "DELETE FROM audit_checkpoints WHERE id = (SELECT max(id)"
                                   " FROM audit_checkpoints)"),
                 0);
    CHECK_EQ_INT(verify(NULL, &r), 0);
    CHECK_EQ_INT(verify(path, &r), 1);
    CHECK_EQ_INT(r.missing_from, last - 2);
}

TEST(a_forged_checkpoint_or_a_damaged_file_is_refused)
{
    char path[300];
    struct checkpoint_report r;
    /* A statement changed after signing. */
    CHECK_EQ_INT(store_exec(fx_db, "UPDATE audit_checkpoints SET statement ="
                                   " replace(statement, 'created', 'created ') WHERE id = 1"),
                 0);
    CHECK_EQ_INT(verify(NULL, &r), 1);
    CHECK(strstr(r.why, "signature") != NULL);
    /* A checkpoint signed by a key the server does not trust. */
    CHECK_EQ_INT(store_exec(fx_db, "DELETE FROM audit_checkpoints"), 0);
    struct signer *stranger = make_signer("Kẻ lạ");
    struct checkpoint c;
    char err[256];
    CHECK_EQ_INT(checkpoint_build(fx_db, stranger, NULL, NULL, now_unix(), &c, err, sizeof err), 1);
    CHECK_EQ_INT(checkpoint_store(fx_db, &c), 0);
    checkpoint_clear(&c);
    signer_free(stranger);
    CHECK_EQ_INT(verify(NULL, &r), 1);
    CHECK(strstr(r.why, "not trusted") != NULL);
    /* A file that is not an export. */
    snprintf(path, sizeof path, "%s/garbage.txt", fx_dir);
    FILE *f = fopen(path, "w");
    fputs("motcua audit checkpoints 1\ncheckpoint 1\nstatement !!!\nend\n", f);
    fclose(f);
    CHECK_EQ_INT(verify(path, &r), -1);
    CHECK(strstr(r.why, "damaged") != NULL);
}

int main(void)
{
    char err[256];
    if (fx_open("checkpoint"))
        return 1;
    system_signer = make_signer("motcua system (test)");
    trust = X509_STORE_new();
    X509_STORE_add_cert(trust, system_signer->cert);
    int generated;
    if (tsa_server_open_demo(NULL, NULL, &tsa, &generated, err, sizeof err)) {
        printf("demo TSA: %s\n", err);
        return 1;
    }
    /* The demo TSA's certificate is self-signed: trust it too. */
    X509_STORE_add_cert(trust, tsa_server_cert(tsa));
    RUN(checkpoints_certify_the_entries_since_the_last_one);
    RUN(a_rewritten_chain_no_longer_matches_its_checkpoint);
    RUN(deleting_the_newest_entries_shows_and_an_export_survives);
    RUN(a_forged_checkpoint_or_a_damaged_file_is_refused);
    tsa_server_free(tsa);
    X509_STORE_free(trust);
    signer_free(system_signer);
    fx_close();
    return harness_done();
}
