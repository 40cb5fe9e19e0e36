/* checkpoint: building, storing, exporting and checking signed checkpoints
 * of the audit chain.
 *
 * The statement a checkpoint signs is plain text, one item a line:
 *
 *   motcua audit checkpoint 1
 *   created 1796656950
 *   first 101
 *   last 200
 *   <the hash of entry 101>
 *   ...
 *   <the hash of entry 200>
 *
 * so that anyone can read what was certified, and a checker needs no more
 * than the statement, its signature and the entries. */
#include "sign/checkpoint.h"

#include <errno.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/dynbuf.h"
#include "base/util.h"
#include "sign/signer.h"
#include "sign/tsa.h"
#include "store/store.h"

#define HEADER "motcua audit checkpoint 1\n"
/* Entries one checkpoint certifies at most (a statement of 64 KiB lines). */
#define MAX_ENTRIES 100000
#define STATEMENT_MAX ((size_t)MAX_ENTRIES * 65 + 256)

void checkpoint_clear(struct checkpoint *c)
{
    free(c->statement);
    free(c->signature);
    free(c->timestamp);
    memset(c, 0, sizeof *c);
}

static void openssl_reason(const char *what, char *err, size_t errlen)
{
    unsigned long e = ERR_get_error();
    char buf[256] = "";
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    snprintf(err, errlen, "%s%s%s", what, buf[0] ? ": " : "", buf);
    ERR_clear_error();
}

/* The last entry the stored checkpoints certify (0 if none). */
static int last_certified(struct store *db, int64_t *last)
{
    *last = 0;
    int rc = store_query_int(db, "SELECT coalesce(max(last_entry), 0) FROM audit_checkpoints",
                             NULL, last);
    return rc == STORE_ROW ? 0 : -1;
}

/* The statement for the entries after `after`, up to MAX_ENTRIES of them. */
static int write_statement(struct store *db, int64_t after, int64_t now, struct checkpoint *c,
                           char *err, size_t errlen)
{
    struct store_stmt *st;
    struct dynbuf hashes, text;
    int64_t first = 0, last = 0;
    int rc;
    dynbuf_init(&hashes, STATEMENT_MAX);
    dynbuf_init(&text, STATEMENT_MAX + 256);
    if ((rc = store_prepare_all(db,
                                "SELECT id, hash FROM audit_log WHERE id > ? ORDER BY id LIMIT ?",
                                &st, BIND_INT(after), BIND_INT(MAX_ENTRIES)))) {
        snprintf(err, errlen, "cannot read the audit log: %s", store_errmsg(db));
        goto fail;
    }
    while ((rc = store_step(st)) == STORE_ROW) {
        int64_t id = store_col_int(st, 0);
        /* Ids run without gaps: a gap is an entry already deleted. */
        if (id != (last ? last : after) + 1) {
            store_done(st);
            snprintf(err, errlen, "audit entry %lld is missing: the chain must be checked first",
                     (long long)((last ? last : after) + 1));
            goto fail;
        }
        if (!first)
            first = id;
        last = id;
        dynbuf_addf(&hashes, "%s\n", store_col_text(st, 1));
    }
    store_done(st);
    if (rc < 0) {
        snprintf(err, errlen, "cannot read the audit log: %s", store_errmsg(db));
        goto fail;
    }
    if (!last) {
        dynbuf_free(&hashes);
        dynbuf_free(&text);
        return 0;
    }
    size_t hlen;
    char *h = dynbuf_take(&hashes, &hlen);
    dynbuf_addf(&text, HEADER "created %lld\nfirst %lld\nlast %lld\n", (long long)now,
                (long long)first, (long long)last);
    if (h)
        dynbuf_add(&text, h, hlen);
    free(h);
    if (!(c->statement = dynbuf_take(&text, NULL))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    c->first = first;
    c->last = last;
    c->created_at = now;
    return 1;
fail:
    dynbuf_free(&hashes);
    dynbuf_free(&text);
    return -1;
}

/* A detached CMS signature of data by s, DER. */
static int sign_detached(const struct signer *s, const char *data, size_t len,
                         unsigned char **out, size_t *out_len, char *err, size_t errlen)
{
    BIO *in = BIO_new_mem_buf(data, (int)len);
    CMS_ContentInfo *cms =
        in ? CMS_sign(s->cert, s->key, s->chain, in, CMS_DETACHED | CMS_BINARY) : NULL;
    unsigned char *der = NULL;
    int n = cms ? i2d_CMS_ContentInfo(cms, &der) : -1;
    CMS_ContentInfo_free(cms);
    BIO_free(in);
    if (n <= 0) {
        openssl_reason("cannot sign the checkpoint", err, errlen);
        return -1;
    }
    /* OpenSSL's allocation, handed over as malloc'd memory. */
    *out = malloc((size_t)n);
    if (*out)
        memcpy(*out, der, (size_t)n);
    OPENSSL_free(der);
    *out_len = (size_t)n;
    if (!*out) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int checkpoint_build(struct store *db, const struct signer *s, checkpoint_timestamp_fn ts,
                     void *ts_ctx, int64_t now, struct checkpoint *out, char *err, size_t errlen)
{
    int64_t after;
    memset(out, 0, sizeof *out);
    if (last_certified(db, &after)) {
        snprintf(err, errlen, "cannot read the checkpoints: %s", store_errmsg(db));
        return -1;
    }
    int rc = write_statement(db, after, now, out, err, errlen);
    if (rc <= 0)
        return rc;
    if (sign_detached(s, out->statement, strlen(out->statement), &out->signature,
                      &out->signature_len, err, errlen)) {
        checkpoint_clear(out);
        return -1;
    }
    /* Without a timestamp now, the checkpoint is kept all the same and the
     * timestamp is asked for again later (checkpoint_timestamp_missing). */
    if (ts && ts(ts_ctx, out->signature, out->signature_len, &out->timestamp,
                 &out->timestamp_len) != 0) {
        out->timestamp = NULL;
        out->timestamp_len = 0;
    }
    return 1;
}

int checkpoint_store(struct store *db, const struct checkpoint *c)
{
    return store_exec_all(
        db,
        "INSERT INTO audit_checkpoints(created_at, first_entry, last_entry, statement,"
        " signature, timestamp_token) SELECT ?, ?, ?, ?, ?, ?"
        " WHERE NOT EXISTS (SELECT 1 FROM audit_checkpoints WHERE last_entry >= ?)",
        BIND_INT(c->created_at), BIND_INT(c->first), BIND_INT(c->last), BIND_TEXT(c->statement),
        BIND_BLOB(c->signature, c->signature_len),
        c->timestamp ? BIND_BLOB(c->timestamp, c->timestamp_len) : BIND_NULL, BIND_INT(c->first));
}

int checkpoint_timestamp_missing(struct store *db, checkpoint_timestamp_fn ts, void *ts_ctx,
                                 char *err, size_t errlen)
{
    struct store_stmt *st;
    int added = 0;
    for (;;) {
        int64_t id = 0;
        unsigned char *sig = NULL, *token = NULL;
        size_t sig_len = 0, token_len = 0;
        if (store_prepare(db,
                          "SELECT id, signature FROM audit_checkpoints WHERE timestamp_token IS NULL"
                          " ORDER BY id LIMIT 1",
                          &st)) {
            snprintf(err, errlen, "cannot read the checkpoints: %s", store_errmsg(db));
            return -1;
        }
        if (store_step(st) == STORE_ROW) {
            int n = 0;
            const void *p = store_col_blob(st, 1, &n);
            id = store_col_int(st, 0);
            if (n > 0 && (sig = malloc((size_t)n))) {
                memcpy(sig, p, (size_t)n);
                sig_len = (size_t)n;
            }
        }
        store_done(st);
        if (!id)
            return added;
        int rc = sig ? ts(ts_ctx, sig, sig_len, &token, &token_len) : -1;
        free(sig);
        if (rc) {
            snprintf(err, errlen, "the timestamp authority did not answer; %d timestamp(s) added",
                     added);
            return -1;
        }
        rc = store_exec_all(db, "UPDATE audit_checkpoints SET timestamp_token = ? WHERE id = ?",
                            BIND_BLOB(token, token_len), BIND_INT(id));
        free(token);
        if (rc) {
            snprintf(err, errlen, "cannot store a timestamp: %s", store_errmsg(db));
            return -1;
        }
        added++;
    }
}

/* --- the export file --------------------------------------------------- */

/* Base64 of n bytes into b (one line). */
static void add_base64(struct dynbuf *b, const unsigned char *p, size_t n)
{
    size_t cap = 4 * ((n + 2) / 3) + 1;
    unsigned char *out = malloc(cap);
    if (!out) {
        dynbuf_add(b, NULL, SIZE_MAX); /* marks the buffer failed */
        return;
    }
    int k = EVP_EncodeBlock(out, p, (int)n);
    dynbuf_add(b, out, (size_t)k);
    free(out);
}

int checkpoint_export(struct store *db, const char *path, char *err, size_t errlen)
{
    struct store_stmt *st;
    struct dynbuf b;
    dynbuf_init(&b, (size_t)1 << 30);
    dynbuf_adds(&b, "motcua audit checkpoints 1\n");
    if (store_prepare(db,
                      "SELECT id, statement, signature, timestamp_token FROM audit_checkpoints"
                      " ORDER BY id",
                      &st)) {
        snprintf(err, errlen, "cannot read the checkpoints: %s", store_errmsg(db));
        dynbuf_free(&b);
        return -1;
    }
    int rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        int n = 0;
        const char *statement = store_col_text(st, 1);
        dynbuf_addf(&b, "checkpoint %lld\nstatement ", (long long)store_col_int(st, 0));
        add_base64(&b, (const unsigned char *)statement, strlen(statement));
        dynbuf_adds(&b, "\nsignature ");
        const void *sig = store_col_blob(st, 2, &n);
        add_base64(&b, sig, (size_t)n);
        dynbuf_adds(&b, "\ntimestamp ");
        const void *tok = store_col_blob(st, 3, &n);
        if (tok && n > 0)
            add_base64(&b, tok, (size_t)n);
        else
            dynbuf_adds(&b, "-");
        dynbuf_adds(&b, "\nend\n");
    }
    store_done(st);
    size_t len;
    char *text = dynbuf_take(&b, &len);
    if (rc < 0 || !text) {
        free(text);
        snprintf(err, errlen, rc < 0 ? "cannot read the checkpoints" : "out of memory");
        return -1;
    }
    /* A temporary file beside the target, then rename: never half a file. */
    char tmp[4200];
    snprintf(tmp, sizeof tmp, "%s.tmp-%d", path, (int)getpid());
    FILE *f = fopen(tmp, "wb");
    int ok = f && fwrite(text, 1, len, f) == len;
    if (f && (fflush(f) != 0 || fsync(fileno(f)) != 0))
        ok = 0;
    if (f && fclose(f) != 0)
        ok = 0;
    free(text);
    if (!ok || rename(tmp, path) != 0) {
        snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* --- checking ------------------------------------------------------------ */

/* One checkpoint as read back (all owned). */
struct loaded {
    int64_t id;
    char *statement;
    unsigned char *signature, *timestamp;
    size_t signature_len, timestamp_len;
};

static void loaded_clear(struct loaded *l)
{
    free(l->statement);
    free(l->signature);
    free(l->timestamp);
    memset(l, 0, sizeof *l);
}

static unsigned char *dup_bytes(const void *p, size_t n)
{
    unsigned char *q = malloc(n ? n : 1);
    if (q && n)
        memcpy(q, p, n);
    return q;
}

static unsigned char *from_base64(const char *s, size_t *len)
{
    size_t n = strlen(s);
    if (n % 4 || n > ((size_t)1 << 28))
        return NULL;
    unsigned char *out = malloc(n / 4 * 3 + 1);
    int k = out ? EVP_DecodeBlock(out, (const unsigned char *)s, (int)n) : -1;
    if (k < 0) {
        free(out);
        return NULL;
    }
    /* EVP_DecodeBlock counts the padding as bytes: take them off. */
    if (n && s[n - 1] == '=')
        k--;
    if (n > 1 && s[n - 2] == '=')
        k--;
    *len = (size_t)k;
    return out;
}

/* Reads the checkpoints of an export file. Returns the count, or -1. */
static int load_file(const char *path, struct loaded **out, char *why, size_t whylen)
{
    size_t len;
    char *text = dynbuf_read_file(path, (size_t)1 << 30, &len);
    struct loaded *list = NULL, cur = {0};
    int n = 0, cap = 0;
    if (!text) {
        snprintf(why, whylen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    if (!line || strcmp(line, "motcua audit checkpoints 1") != 0) {
        snprintf(why, whylen, "%s is not a file of audit checkpoints", path);
        goto fail;
    }
    while ((line = strtok_r(NULL, "\n", &save))) {
        size_t blen = 0;
        if (strncmp(line, "checkpoint ", 11) == 0) {
            loaded_clear(&cur);
            long v;
            if (parse_long(line + 11, 1, 1L << 40, &v))
                goto bad;
            cur.id = v;
        } else if (strncmp(line, "statement ", 10) == 0) {
            unsigned char *s = from_base64(line + 10, &blen);
            if (!s || memchr(s, '\0', blen))
                goto bad;
            s[blen] = '\0';
            cur.statement = (char *)s;
        } else if (strncmp(line, "signature ", 10) == 0) {
            if (!(cur.signature = from_base64(line + 10, &cur.signature_len)))
                goto bad;
        } else if (strncmp(line, "timestamp ", 10) == 0) {
            if (strcmp(line + 10, "-") != 0 &&
                !(cur.timestamp = from_base64(line + 10, &cur.timestamp_len)))
                goto bad;
        } else if (strcmp(line, "end") == 0) {
            if (!cur.id || !cur.statement || !cur.signature)
                goto bad;
            if (n == cap) {
                struct loaded *nl = realloc(list, (size_t)(cap = cap ? cap * 2 : 16) * sizeof *nl);
                if (!nl)
                    goto bad;
                list = nl;
            }
            list[n++] = cur;
            memset(&cur, 0, sizeof cur);
        } else {
            goto bad;
        }
    }
    loaded_clear(&cur);
    free(text);
    *out = list;
    return n;
bad:
    snprintf(why, whylen, "%s: a damaged record near checkpoint %lld", path, (long long)cur.id);
fail:
    loaded_clear(&cur);
    for (int i = 0; i < n; i++)
        loaded_clear(&list[i]);
    free(list);
    free(text);
    return -1;
}

static int load_db(struct store *db, struct loaded **out, char *why, size_t whylen)
{
    struct store_stmt *st;
    struct loaded *list = NULL;
    int n = 0, cap = 0, rc;
    if (store_prepare(db,
                      "SELECT id, statement, signature, timestamp_token FROM audit_checkpoints"
                      " ORDER BY last_entry",
                      &st)) {
        snprintf(why, whylen, "cannot read the checkpoints: %s", store_errmsg(db));
        return -1;
    }
    while ((rc = store_step(st)) == STORE_ROW) {
        if (n == cap) {
            struct loaded *nl = realloc(list, (size_t)(cap = cap ? cap * 2 : 16) * sizeof *nl);
            if (!nl) {
                rc = STORE_ERR;
                break;
            }
            list = nl;
        }
        struct loaded *l = &list[n++];
        memset(l, 0, sizeof *l);
        int sl = 0, tl = 0;
        const void *sig = store_col_blob(st, 2, &sl), *tok = store_col_blob(st, 3, &tl);
        l->id = store_col_int(st, 0);
        l->statement = strdup(store_col_text(st, 1));
        l->signature = dup_bytes(sig, (size_t)sl);
        l->signature_len = (size_t)sl;
        if (tok && tl > 0) {
            l->timestamp = dup_bytes(tok, (size_t)tl);
            l->timestamp_len = (size_t)tl;
        }
        if (!l->statement || !l->signature || (tl > 0 && !l->timestamp)) {
            rc = STORE_ERR;
            break;
        }
    }
    store_done(st);
    if (rc < 0) {
        for (int i = 0; i < n; i++)
            loaded_clear(&list[i]);
        free(list);
        snprintf(why, whylen, "cannot read the checkpoints: %s", store_errmsg(db));
        return -1;
    }
    *out = list;
    return n;
}

/* Whether sig is a valid detached signature of data by a certificate that
 * chains to trust. */
static int signature_ok(const char *data, const unsigned char *sig, size_t sig_len,
                        X509_STORE *trust, char *why, size_t whylen)
{
    const unsigned char *p = sig;
    CMS_ContentInfo *cms = d2i_CMS_ContentInfo(NULL, &p, (long)sig_len);
    BIO *in = BIO_new_mem_buf(data, (int)strlen(data));
    STACK_OF(X509) *certs = NULL, *signers = NULL;
    X509_STORE_CTX *ctx = NULL;
    int ok = 0;
    if (!cms || !in || p != sig + sig_len) {
        snprintf(why, whylen, "not a CMS signature");
        goto out;
    }
    /* The signature over the statement first; the signer's chain is then
     * checked for any purpose: the system certificate is not an e-mail one,
     * which CMS_verify's own chain check would ask for. */
    if (CMS_verify(cms, NULL, NULL, in, NULL,
                   CMS_DETACHED | CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
        openssl_reason("the signature does not match the statement", why, whylen);
        goto out;
    }
    signers = CMS_get0_signers(cms);
    certs = CMS_get1_certs(cms);
    if (!signers || sk_X509_num(signers) != 1 || !(ctx = X509_STORE_CTX_new()) ||
        !X509_STORE_CTX_init(ctx, trust, sk_X509_value(signers, 0), certs)) {
        snprintf(why, whylen, "no signer certificate");
        goto out;
    }
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_ANY);
    if (X509_verify_cert(ctx) != 1) {
        snprintf(why, whylen, "the signer's certificate is not trusted: %s",
                 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
        goto out;
    }
    ok = 1;
out:
    X509_STORE_CTX_free(ctx);
    sk_X509_free(signers);
    sk_X509_pop_free(certs, X509_free);
    BIO_free(in);
    CMS_ContentInfo_free(cms);
    ERR_clear_error();
    return ok;
}

/* Reads "key N\n" at *p into *v. */
static int take_number(const char **p, const char *key, int64_t *v)
{
    size_t k = strlen(key);
    char *end;
    if (strncmp(*p, key, k) != 0 || (*p)[k] != ' ')
        return -1;
    long long x = strtoll(*p + k + 1, &end, 10);
    if (end == *p + k + 1 || *end != '\n' || x < 0)
        return -1;
    *v = x;
    *p = end + 1;
    return 0;
}

/* Checks one checkpoint's statement against the entries. Returns 0, 1 with
 * the problem in r, or -1 on a store error. */
static int check_entries(struct store *db, const struct loaded *l, int64_t expected_first,
                         struct checkpoint_report *r)
{
    const char *p = l->statement;
    int64_t created, first, last;
    if (strncmp(p, HEADER, strlen(HEADER)) != 0 ||
        (p += strlen(HEADER), take_number(&p, "created", &created)) ||
        take_number(&p, "first", &first) || take_number(&p, "last", &last) || first < 1 ||
        last < first || last - first >= MAX_ENTRIES) {
        snprintf(r->why, sizeof r->why, "checkpoint %lld: its statement is malformed",
                 (long long)l->id);
        return 1;
    }
    if (first != expected_first) {
        snprintf(r->why, sizeof r->why,
                 "checkpoint %lld certifies entries from %lld, but the one before it ended at "
                 "%lld: checkpoints are missing",
                 (long long)l->id, (long long)first, (long long)expected_first - 1);
        return 1;
    }
    struct store_stmt *st;
    if (store_prepare_all(db, "SELECT id, hash FROM audit_log WHERE id BETWEEN ? AND ? ORDER BY id",
                          &st, BIND_INT(first), BIND_INT(last)))
        return -1;
    int64_t want = first;
    int rc, result = 0;
    while ((rc = store_step(st)) == STORE_ROW && !result) {
        int64_t id = store_col_int(st, 0);
        const char *nl = strchr(p, '\n');
        if (id != want) { /* entries deleted in the middle */
            r->missing_from = want;
            r->missing_to = id - 1;
            result = 1;
            break;
        }
        if (!nl || nl - p != 64 || strncmp(p, store_col_text(st, 1), 64) != 0) {
            r->bad_entry = id;
            result = 1;
            break;
        }
        p = nl + 1;
        want++;
    }
    store_done(st);
    if (rc < 0 && !result)
        return -1;
    if (!result && want <= last) { /* the newest certified entries are gone */
        r->missing_from = want;
        r->missing_to = last;
        result = 1;
    }
    if (result && r->bad_entry)
        snprintf(r->why, sizeof r->why,
                 "entry %lld no longer matches what checkpoint %lld certified: it was changed",
                 (long long)r->bad_entry, (long long)l->id);
    else if (result)
        snprintf(r->why, sizeof r->why,
                 "entries %lld to %lld are missing, though checkpoint %lld certified them",
                 (long long)r->missing_from, (long long)r->missing_to, (long long)l->id);
    r->certified += last - first + 1;
    r->newest_last = last;
    return result;
}

int checkpoint_verify(struct store *db, const char *path, X509_STORE *trust,
                      struct checkpoint_report *r)
{
    struct loaded *list = NULL;
    memset(r, 0, sizeof *r);
    int n = path ? load_file(path, &list, r->why, sizeof r->why)
                 : load_db(db, &list, r->why, sizeof r->why);
    if (n < 0)
        return -1;
    int result = 0;
    int64_t next = 1;
    for (int i = 0; i < n && !result; i++) {
        const struct loaded *l = &list[i];
        char why[300];
        if (!signature_ok(l->statement, l->signature, l->signature_len, trust, why, sizeof why)) {
            snprintf(r->why, sizeof r->why, "checkpoint %lld: %s", (long long)l->id, why);
            result = 1;
            break;
        }
        if (l->timestamp) {
            unsigned char md[32];
            sha256(l->signature, l->signature_len, md);
            if (tsa_token_verify(l->timestamp, l->timestamp_len, md, trust, why, sizeof why)) {
                snprintf(r->why, sizeof r->why, "checkpoint %lld: its timestamp: %s",
                         (long long)l->id, why);
                result = 1;
                break;
            }
        } else {
            r->untimestamped++;
        }
        int rc = check_entries(db, l, next, r);
        if (rc < 0) {
            snprintf(r->why, sizeof r->why, "cannot read the audit log: %s", store_errmsg(db));
            result = -1;
            break;
        }
        result = rc;
        r->checkpoints++;
        next = r->newest_last + 1;
    }
    for (int i = 0; i < n; i++)
        loaded_clear(&list[i]);
    free(list);
    return result;
}
