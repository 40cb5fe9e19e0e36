/* keys: the signing keys, their certificates and images, and the trust
 * anchors, in the database; loading the key that signs now. */
#include "sign/keys.h"

#include <ctype.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "audit/audit.h"
#include "base/util.h"
#include "calendar/calendar.h"
#include "sign/p11.h"
#include "sign/stamp.h"
#include "sign/vault.h"
#include "store/store.h"

#define PEM_MAX (256 * 1024) /* a certificate chain far longer than any real one */
#define IMAGE_MAX (2 * 1024 * 1024)
#define REASON_MAX_CHARS 200

#define KEY_COLUMNS                                                                                \
    "id, unit_id, coalesce(account_id, 0), kind, source, subject, issuer, common_name, serial,"    \
    " not_before, not_after, created_at, coalesce(revoked_at, 0), coalesce(revoked_reason, ''),"   \
    " coalesce(pkcs11_uri, ''), image_png IS NOT NULL"

/* --- small helpers ------------------------------------------------------ */

static int read_info(struct store_stmt *st, void *out)
{
    struct keys_info *k = out;
    memset(k, 0, sizeof *k);
    k->id = store_col_int(st, 0);
    k->unit_id = store_col_int(st, 1);
    k->account_id = store_col_int(st, 2);
    copy_str(k->kind, sizeof k->kind, store_col_text(st, 3));
    copy_str(k->source, sizeof k->source, store_col_text(st, 4));
    copy_str(k->subject, sizeof k->subject, store_col_text(st, 5));
    copy_str(k->issuer, sizeof k->issuer, store_col_text(st, 6));
    copy_str(k->common_name, sizeof k->common_name, store_col_text(st, 7));
    copy_str(k->serial, sizeof k->serial, store_col_text(st, 8));
    k->not_before = store_col_int(st, 9);
    k->not_after = store_col_int(st, 10);
    k->created_at = store_col_int(st, 11);
    k->revoked_at = store_col_int(st, 12);
    copy_str(k->revoked_reason, sizeof k->revoked_reason, store_col_text(st, 13));
    copy_str(k->pkcs11_uri, sizeof k->pkcs11_uri, store_col_text(st, 14));
    k->has_image = (int)store_col_int(st, 15);
    return STORE_ROW;
}

enum keys_state keys_state_at(const struct keys_info *k, int64_t now)
{
    if (k->revoked_at)
        return KEYS_REVOKED;
    if (now > k->not_after)
        return KEYS_EXPIRED;
    if (now < k->not_before)
        return KEYS_NOT_YET_VALID;
    return KEYS_VALID;
}

/* "07/12/2027": the Vietnam local date of t, as Vietnamese write it. */
static void vn_date(int64_t t, char out[16])
{
    int ymd = cal_local_ymd(t);
    snprintf(out, 16, "%02d/%02d/%04d", ymd % 100, ymd / 100 % 100, ymd / 10000);
}

static int64_t asn1_unix(const ASN1_TIME *t)
{
    struct tm tm;
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1)
        return 0;
    return (int64_t)timegm(&tm);
}

/* An X509 name as RFC 2253 text with UTF-8 kept as it is. */
static void name_text(const X509_NAME *n, char *out, size_t cap)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *p;
    out[0] = '\0';
    if (!b)
        return;
    if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        long len = BIO_get_mem_data(b, &p);
        if (len >= 0)
            snprintf(out, cap, "%.*s", (int)len, p);
    }
    BIO_free(b);
}

static void name_field(const X509_NAME *n, int nid, char *out, size_t cap)
{
    out[0] = '\0';
    int i = n ? X509_NAME_get_index_by_NID(n, nid, -1) : -1;
    unsigned char *utf8 = NULL;
    if (i < 0)
        return;
    int len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)));
    if (len >= 0) {
        snprintf(out, cap, "%.*s", len, utf8);
        OPENSSL_free(utf8);
    }
}

/* What a stored row shows of cert. */
static void cert_info(X509 *cert, struct keys_info *k)
{
    name_text(X509_get_subject_name(cert), k->subject, sizeof k->subject);
    name_text(X509_get_issuer_name(cert), k->issuer, sizeof k->issuer);
    name_field(X509_get_subject_name(cert), NID_commonName, k->common_name, sizeof k->common_name);
    k->not_before = asn1_unix(X509_get0_notBefore(cert));
    k->not_after = asn1_unix(X509_get0_notAfter(cert));
    k->serial[0] = '\0';
    BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(cert), NULL);
    char *hex = bn ? BN_bn2hex(bn) : NULL;
    if (hex)
        copy_str(k->serial, sizeof k->serial, hex);
    OPENSSL_free(hex);
    BN_free(bn);
}

/* A BIO's content as a new string (caller frees with free()). */
static char *bio_string(BIO *b)
{
    char *p, *out;
    long n = BIO_get_mem_data(b, &p);
    if (n < 0 || !(out = malloc((size_t)n + 1)))
        return NULL;
    if (n > 0) /* an empty BIO has no data pointer */
        memcpy(out, p, (size_t)n);
    out[n] = '\0';
    return out;
}

/* cert (and, with chain, every certificate of chain) as PEM text. */
static char *certs_pem(X509 *cert, STACK_OF(X509) * chain)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *out = NULL;
    int ok = b != NULL;
    if (ok && cert)
        ok = PEM_write_bio_X509(b, cert) == 1;
    for (int i = 0; ok && chain && i < sk_X509_num(chain); i++)
        ok = PEM_write_bio_X509(b, sk_X509_value(chain, i)) == 1;
    if (ok)
        out = bio_string(b);
    BIO_free(b);
    return out;
}

/* Every certificate in pem text; an empty text gives an empty stack. */
static STACK_OF(X509) * read_certs(const char *pem)
{
    STACK_OF(X509) *sk = sk_X509_new_null();
    BIO *b = BIO_new_mem_buf(pem, -1);
    X509 *x;
    if (!sk || !b)
        goto fail;
    while ((x = PEM_read_bio_X509(b, NULL, NULL, NULL)))
        if (!sk_X509_push(sk, x)) {
            X509_free(x);
            goto fail;
        }
    BIO_free(b);
    ERR_clear_error(); /* the end of the text reads as an error */
    return sk;
fail:
    BIO_free(b);
    sk_X509_pop_free(sk, X509_free);
    return NULL;
}

static X509 *read_cert(const char *pem, size_t len)
{
    BIO *b = BIO_new_mem_buf(pem, (int)len);
    X509 *x = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    ERR_clear_error();
    return x;
}

/* The unit's name, or the account's, for messages ("" if unknown). */
static void owner_name(struct store *db, const char *sql, int64_t id, char *out, size_t cap)
{
    struct store_stmt *st;
    out[0] = '\0';
    if (store_prepare_all(db, sql, &st, BIND_INT(id)) != 0)
        return;
    if (store_step(st) == STORE_ROW)
        copy_str(out, cap, store_col_text(st, 0));
    store_done(st);
}

/* derr_set with a formatted message, cut to the message's size on a
 * UTF-8 boundary (Vietnamese takes 2-3 bytes a letter). Returns -1. */
static int refuse(struct derr *err, enum derr_kind kind, const char *code, const char *field,
                  const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int refuse(struct derr *err, enum derr_kind kind, const char *code, const char *field,
                  const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    derr_set(err, kind, code, "", field);
    copy_str(err->message, sizeof err->message, buf);
    return -1;
}

/* The refusal for a master key that cannot be used. The operator's
 * message (with the path) is vault_load's; this one is for the official. */
static int vault_refusal(int vrc, struct derr *err)
{
    if (vrc == VAULT_MISSING)
        return refuse(err, DERR_INTERNAL, "master_key_unavailable", NULL,
                      "Máy chủ thiếu khóa chủ của kho khóa ký số (keys/master.key); không ký "
                      "được cho đến khi quản trị viên khôi phục tệp này.");
    if (vrc == VAULT_EXPOSED)
        return refuse(err, DERR_INTERNAL, "master_key_unavailable", NULL,
                      "Khóa chủ của kho khóa ký số (keys/master.key) đang để người khác đọc "
                      "được; máy chủ từ chối ký cho đến khi quyền của tệp được sửa (chmod 600).");
    return refuse(err, DERR_INTERNAL, "master_key_unavailable", NULL,
                  "Máy chủ không đọc được khóa chủ của kho khóa ký số (keys/master.key).");
}

static int load_master(const char *data_dir, unsigned char master[VAULT_KEY_LEN], struct derr *err)
{
    char why[512];
    int vrc = vault_load(data_dir, master, why, sizeof why);
    return vrc ? vault_refusal(vrc, err) : 0;
}

/* --- choosing and loading the current key ------------------------------- */

/* The refusal for the best candidate k when no key is valid at now. */
static int state_refusal(const struct keys_info *k, int64_t now, struct derr *err)
{
    char date[16];
    switch (keys_state_at(k, now)) {
    case KEYS_EXPIRED:
        vn_date(k->not_after, date);
        return refuse(err, DERR_STATE, "certificate_expired", NULL,
                      "Chứng thư số của %s đã hết hạn ngày %s.", k->common_name, date);
    case KEYS_NOT_YET_VALID:
        vn_date(k->not_before, date);
        return refuse(err, DERR_STATE, "certificate_not_yet_valid", NULL,
                      "Chứng thư số của %s chưa có hiệu lực (có hiệu lực từ ngày %s).",
                      k->common_name, date);
    case KEYS_REVOKED:
        vn_date(k->revoked_at, date);
        return refuse(err, DERR_STATE, "certificate_revoked", NULL,
                      "Chứng thư số của %s đã bị thu hồi ngày %s (%s).", k->common_name, date,
                      k->revoked_reason);
    case KEYS_VALID:
        break;
    }
    return derr_set(err, DERR_INTERNAL, "internal", "Lỗi nội bộ khi chọn chứng thư số.", NULL);
}

/* The refusal when the owner has no key of this kind at all. */
static int none_refusal(struct store *db, int64_t unit_id, int64_t account_id, const char *kind,
                        struct derr *err)
{
    char unit[300], person[300];
    owner_name(db, "SELECT name FROM units WHERE id = ?", unit_id, unit, sizeof unit);
    if (strcmp(kind, KEYS_OFFICIAL) == 0) {
        owner_name(db, "SELECT full_name FROM accounts WHERE id = ?", account_id, person,
                   sizeof person);
        return refuse(err, DERR_STATE, "no_certificate", NULL,
                      "%s chưa có chứng thư số cá nhân để ký cho %s.",
                      person[0] ? person : "Người ký", unit[0] ? unit : "đơn vị này");
    }
    if (strcmp(kind, KEYS_SEAL) == 0)
        return refuse(err, DERR_STATE, "no_certificate", NULL,
                      "%s chưa có chứng thư số của tổ chức (con dấu điện tử); quản trị viên cần "
                      "nhập chứng thư số trước khi ký.",
                      unit[0] ? unit : "Đơn vị");
    return refuse(err, DERR_STATE, "no_certificate", NULL,
                  "Hệ thống chưa có chứng thư số loại %s để ký.", kind);
}

/* Chooses among the candidates st yields (newest validity first). */
static int choose(struct store_stmt *st, int64_t now, struct keys_info *out, int *found)
{
    struct keys_info k, best_unusable;
    int rc, have_valid = 0, have_unusable = 0;
    *found = 0;
    while ((rc = store_step(st)) == STORE_ROW) {
        read_info(st, &k);
        enum keys_state s = keys_state_at(&k, now);
        if (s == KEYS_VALID) {
            *out = k;
            have_valid = 1;
            break;
        }
        /* Explain with the newest key not revoked, else the newest revoked. */
        if (!have_unusable || (best_unusable.revoked_at && !k.revoked_at)) {
            best_unusable = k;
            have_unusable = 1;
        }
    }
    store_done(st);
    if (rc < 0)
        return rc;
    if (have_valid) {
        *found = 1;
    } else if (have_unusable) {
        *out = best_unusable;
        *found = 2;
    }
    return 0;
}

static int current(struct store *db, int64_t unit_id, int64_t account_id, const char *kind,
                   int64_t now, struct keys_info *out, struct derr *err)
{
    struct store_stmt *st;
    int found, rc;
    if (strcmp(kind, KEYS_SYSTEM) == 0 || strcmp(kind, KEYS_TSA) == 0 || strcmp(kind, KEYS_CA) == 0)
        rc = store_prepare_all(db,
                               "SELECT " KEY_COLUMNS " FROM signing_keys WHERE kind = ?"
                               " ORDER BY not_before DESC, id DESC",
                               &st, BIND_TEXT(kind));
    else
        rc = store_prepare_all(db,
                               "SELECT " KEY_COLUMNS " FROM signing_keys WHERE unit_id = ?"
                               " AND kind = ? AND coalesce(account_id, 0) = ?"
                               " ORDER BY not_before DESC, id DESC",
                               &st, BIND_INT(unit_id), BIND_TEXT(kind), BIND_INT(account_id));
    if (rc == 0)
        rc = choose(st, now, out, &found);
    if (rc < 0)
        return derr_set(err, DERR_INTERNAL, "internal", "Không đọc được kho chứng thư số.", NULL);
    if (found == 1)
        return 0;
    if (found == 2)
        return state_refusal(out, now, err);
    return none_refusal(db, unit_id, account_id, kind, err);
}

int keys_current(struct store *db, int64_t unit_id, int64_t account_id, const char *kind,
                 int64_t now, struct keys_info *out, struct derr *err)
{
    if (!kind)
        kind = account_id ? KEYS_OFFICIAL : KEYS_SEAL;
    return current(db, unit_id, account_id, kind, now, out, err);
}

/* The stored row keys_load needs; strings are owned (free_row). */
struct key_row {
    char kind[16], source[16], common_name[256];
    char *cert_pem, *chain_pem, *key_pem, *module, *uri, *pin_ref;
};

static char *dup_col(struct store_stmt *st, int i)
{
    return store_col_is_null(st, i) ? NULL : strdup(store_col_text(st, i));
}

static int read_row(struct store_stmt *st, void *out)
{
    struct key_row *r = out;
    copy_str(r->kind, sizeof r->kind, store_col_text(st, 0));
    copy_str(r->source, sizeof r->source, store_col_text(st, 1));
    copy_str(r->common_name, sizeof r->common_name, store_col_text(st, 2));
    r->cert_pem = dup_col(st, 3);
    r->chain_pem = dup_col(st, 4);
    r->key_pem = dup_col(st, 5);
    r->module = dup_col(st, 6);
    r->uri = dup_col(st, 7);
    r->pin_ref = dup_col(st, 8);
    return r->cert_pem && r->chain_pem ? STORE_ROW : STORE_ERR;
}

static void free_row(struct key_row *r)
{
    free(r->cert_pem);
    free(r->chain_pem);
    if (r->key_pem)
        explicit_bzero(r->key_pem, strlen(r->key_pem));
    free(r->key_pem);
    free(r->module);
    free(r->uri);
    free(r->pin_ref);
}

/* The PIN a token key's pin_ref names, into pin ("" for none). */
static int token_pin(const char *data_dir, const char *pin_ref, const char *who, char *pin,
                     size_t cap, struct derr *err)
{
    unsigned char master[VAULT_KEY_LEN];
    pin[0] = '\0';
    if (!pin_ref)
        return 0;
    if (strncmp(pin_ref, "env:", 4) == 0) {
        const char *v = getenv(pin_ref + 4);
        if (!v || copy_str(pin, cap, v)) {
            return refuse(err, DERR_INTERNAL, "token_failed", NULL,
                          "Chưa có mã PIN của thiết bị ký số của %s: máy chủ cần biến môi "
                          "trường %s.",
                          who, pin_ref + 4);
        }
        return 0;
    }
    if (load_master(data_dir, master, err))
        return -1;
    int rc = vault_open_secret(pin_ref, master, pin, cap);
    explicit_bzero(master, sizeof master);
    if (rc) {
        return refuse(err, DERR_INTERNAL, "key_undecryptable", NULL,
                      "Không giải mã được mã PIN của thiết bị ký số của %s: khóa chủ không khớp.",
                      who);
    }
    return 0;
}

int keys_load(struct store *db, const char *data_dir, int64_t id, struct signer **out,
              struct derr *err)
{
    struct key_row r;
    unsigned char master[VAULT_KEY_LEN];
    char why[512], pin[256];
    struct signer *s = NULL;
    int rc = -1;
    memset(&r, 0, sizeof r);
    *out = NULL;
    int found = store_one(db,
                          "SELECT kind, source, common_name, cert_pem, chain_pem, key_pem,"
                          " pkcs11_module, pkcs11_uri, pin_ref FROM signing_keys WHERE id = ?",
                          read_row, &r, BIND_INT(id));
    if (found == STORE_DONE) {
        derr_set(err, DERR_NOT_FOUND, "not_found", "Không có khóa ký số này.", NULL);
        goto out;
    }
    if (found != STORE_ROW || !(s = calloc(1, sizeof *s))) {
        derr_set(err, DERR_INTERNAL, "internal", "Không đọc được kho chứng thư số.", NULL);
        goto out;
    }
    s->cert = read_cert(r.cert_pem, strlen(r.cert_pem));
    s->chain = read_certs(r.chain_pem);
    if (!s->cert || !s->chain) {
        derr_set(err, DERR_INTERNAL, "internal", "Chứng thư số lưu trong kho bị hỏng.", NULL);
        goto out;
    }
    copy_str(s->name, sizeof s->name, r.common_name);
    if (strcmp(r.kind, KEYS_OFFICIAL) == 0)
        name_field(X509_get_subject_name(s->cert), NID_organizationName, s->organisation,
                   sizeof s->organisation);
    if (strcmp(r.source, "pkcs11") == 0) {
        if (token_pin(data_dir, r.pin_ref, r.common_name, pin, sizeof pin, err))
            goto out;
        int lrc = p11_load_key(r.module, r.uri, pin[0] ? pin : NULL, &s->key, why, sizeof why);
        explicit_bzero(pin, sizeof pin);
        if (lrc) {
            refuse(err, DERR_INTERNAL, "token_failed", NULL,
                   "Không dùng được thiết bị ký số (token) của %s: %s.", r.common_name, why);
            goto out;
        }
    } else {
        if (load_master(data_dir, master, err))
            goto out;
        s->key = vault_open_key(r.key_pem, master);
        explicit_bzero(master, sizeof master);
        if (!s->key) {
            refuse(err, DERR_INTERNAL, "key_undecryptable", NULL,
                   "Không giải mã được khóa bí mật của chứng thư số của %s: khóa chủ của kho "
                   "khóa không phải khóa đã mã hóa nó.",
                   r.common_name);
            goto out;
        }
    }
    if (X509_check_private_key(s->cert, s->key) != 1) {
        refuse(err, DERR_INTERNAL, "key_mismatch", NULL,
               "Khóa bí mật của %s không khớp với chứng thư số đã lưu.", r.common_name);
        goto out;
    }
    *out = s;
    s = NULL;
    rc = 0;
out:
    signer_free(s);
    free_row(&r);
    ERR_clear_error();
    return rc;
}

int keys_signer(struct store *db, const char *data_dir, int64_t unit_id, int64_t account_id,
                int64_t now, struct signer **out, struct derr *err)
{
    struct keys_info k;
    *out = NULL;
    if (current(db, unit_id, account_id, account_id ? KEYS_OFFICIAL : KEYS_SEAL, now, &k, err))
        return -1;
    return keys_load(db, data_dir, k.id, out, err);
}

int keys_platform_signer(struct store *db, const char *data_dir, const char *kind, int64_t now,
                         struct signer **out, struct derr *err)
{
    struct keys_info k;
    *out = NULL;
    if (!kind || (strcmp(kind, KEYS_SYSTEM) != 0 && strcmp(kind, KEYS_TSA) != 0))
        return derr_set(err, DERR_INVALID, "invalid", "Loại khóa của hệ thống không hợp lệ.",
                        "kind");
    if (current(db, 0, 0, kind, now, &k, err))
        return -1;
    return keys_load(db, data_dir, k.id, out, err);
}

struct image_out {
    unsigned char *png;
    size_t len;
};

static int read_image(struct store_stmt *st, void *out)
{
    struct image_out *o = out;
    int n;
    const void *p = store_col_blob(st, 0, &n);
    if (!p || n <= 0)
        return STORE_DONE;
    if (!(o->png = malloc((size_t)n)))
        return STORE_ERR;
    memcpy(o->png, p, (size_t)n);
    o->len = (size_t)n;
    return STORE_ROW;
}

int keys_image(struct store *db, int64_t id, unsigned char **png, size_t *len)
{
    struct image_out o = {NULL, 0};
    int rc = store_one(db, "SELECT image_png FROM signing_keys WHERE id = ?", read_image, &o,
                       BIND_INT(id));
    *png = rc == STORE_ROW ? o.png : NULL;
    *len = rc == STORE_ROW ? o.len : 0;
    if (rc != STORE_ROW)
        free(o.png);
    return rc;
}

int keys_sign_failure(const struct signer *s, struct derr *err)
{
    char why[256];
    const char *who = s && s->name[0] ? s->name : "người ký";
    int from_token = p11_last_error(why, sizeof why);
    if (from_token || (s && p11_is_token_key(s->key))) {
        return refuse(err, DERR_INTERNAL, "token_failed", NULL,
                      "Thiết bị ký số (token PKCS#11) của %s không ký được: %s. Kiểm tra thiết bị "
                      "còn kết nối và hoạt động rồi ký lại.",
                      who, why[0] ? why : "không rõ lý do");
    }
    return refuse(err, DERR_INTERNAL, "sign_failed", NULL, "Không ký được bằng khóa của %s: %s.",
                  who, why[0] ? why : "không rõ lý do");
}

int keys_ready(struct store *db, const char *data_dir, char *err, size_t errlen)
{
    unsigned char master[VAULT_KEY_LEN];
    int64_t n = 0;
    if (store_int(db,
                  "SELECT count(*) FROM signing_keys WHERE revoked_at IS NULL"
                  " AND (key_pem IS NOT NULL OR pin_ref LIKE 'v1:%')",
                  &n) != STORE_ROW) {
        snprintf(err, errlen, "cannot read the signing keys: %s", store_errmsg(db));
        return -1;
    }
    if (n == 0)
        return 0;
    int rc = vault_load(data_dir, master, err, errlen);
    explicit_bzero(master, sizeof master);
    return rc ? -1 : 0;
}

/* The anchors' certificates as parsed, by the SHA-256 of their PEM text.
 * keys_trust_store runs for every verification (an exchange envelope, the
 * directory, a PDF): with OpenSSL 3 the PEM decoding of a few anchors cost
 * more than an envelope's own signature check. A row's text names its
 * certificate exactly, so a changed or removed anchor is simply another
 * key (an entry no row names any more ages out of the ring). */
#define ANCHOR_CACHE 32
static struct {
    unsigned char sha[32];
    X509 *x;
} anchor_cache[ANCHOR_CACHE];
static size_t anchor_next;
static pthread_mutex_t anchor_lock = PTHREAD_MUTEX_INITIALIZER;

/* The certificate of an anchor's PEM: a new reference (caller frees with
 * X509_free), or NULL when it does not parse. */
static X509 *anchor_cert(const char *pem)
{
    size_t len = strlen(pem);
    unsigned char sha[32];
    unsigned shalen = 0;
    if (!EVP_Digest(pem, len, sha, &shalen, EVP_sha256(), NULL) || shalen != sizeof sha)
        return read_cert(pem, len);
    X509 *x = NULL;
    pthread_mutex_lock(&anchor_lock);
    for (size_t i = 0; i < ANCHOR_CACHE && !x; i++)
        if (anchor_cache[i].x && memcmp(anchor_cache[i].sha, sha, sizeof sha) == 0 &&
            X509_up_ref(anchor_cache[i].x))
            x = anchor_cache[i].x;
    pthread_mutex_unlock(&anchor_lock);
    if (x)
        return x;
    x = read_cert(pem, len);
    if (!x || !X509_up_ref(x))
        return x;
    pthread_mutex_lock(&anchor_lock);
    size_t slot = anchor_next++ % ANCHOR_CACHE;
    X509 *old = anchor_cache[slot].x;
    memcpy(anchor_cache[slot].sha, sha, sizeof sha);
    anchor_cache[slot].x = x;
    pthread_mutex_unlock(&anchor_lock);
    X509_free(old);
    return x;
}

X509_STORE *keys_trust_store(struct store *db)
{
    struct store_stmt *st;
    X509_STORE *xs = X509_STORE_new();
    int rc;
    if (!xs || store_prepare(db, "SELECT cert_pem FROM trust_anchors ORDER BY id", &st) != 0)
        goto fail;
    while ((rc = store_step(st)) == STORE_ROW) {
        X509 *x = anchor_cert(store_col_text(st, 0));
        int ok = x && X509_STORE_add_cert(xs, x) == 1;
        X509_free(x);
        if (!ok) {
            store_done(st);
            goto fail;
        }
    }
    store_done(st);
    if (rc < 0)
        goto fail;
    return xs;
fail:
    X509_STORE_free(xs);
    ERR_clear_error();
    return NULL;
}

struct chain_row {
    char *cert_pem, *chain_pem;
};

static int read_chain_row(struct store_stmt *st, void *out)
{
    struct chain_row *r = out;
    r->cert_pem = strdup(store_col_text(st, 0));
    r->chain_pem = strdup(store_col_text(st, 1));
    return r->cert_pem && r->chain_pem ? STORE_ROW : STORE_ERR;
}

int keys_verify_chain(struct store *db, int64_t id, int64_t now, char *why, size_t cap)
{
    struct chain_row r = {NULL, NULL};
    X509 *cert = NULL;
    STACK_OF(X509) *chain = NULL;
    X509_STORE *xs = NULL;
    X509_STORE_CTX *ctx = NULL;
    int rc = -1;
    why[0] = '\0';
    if (store_one(db, "SELECT cert_pem, chain_pem FROM signing_keys WHERE id = ?", read_chain_row,
                  &r, BIND_INT(id)) != STORE_ROW)
        goto out;
    cert = read_cert(r.cert_pem, strlen(r.cert_pem));
    chain = read_certs(r.chain_pem);
    xs = keys_trust_store(db);
    ctx = X509_STORE_CTX_new();
    if (!cert || !chain || !xs || !ctx || X509_STORE_CTX_init(ctx, xs, cert, chain) != 1)
        goto out;
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx), (time_t)now);
    rc = X509_verify_cert(ctx) == 1;
    if (!rc)
        snprintf(why, cap, "%s", X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
out:
    free(r.cert_pem);
    free(r.chain_pem);
    X509_free(cert);
    sk_X509_pop_free(chain, X509_free);
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(xs);
    ERR_clear_error();
    return rc;
}

/* --- adding keys --------------------------------------------------------- */

static int is_kind(const char *kind)
{
    static const char *const kinds[] = {KEYS_SEAL, KEYS_OFFICIAL, KEYS_SYSTEM, KEYS_TSA, KEYS_CA};
    for (size_t i = 0; kind && i < ARRAY_LEN(kinds); i++)
        if (strcmp(kind, kinds[i]) == 0)
            return 1;
    return 0;
}

static int check_owner(const struct keys_new *k, struct derr *err)
{
    if (!is_kind(k->kind))
        return derr_set(err, DERR_INVALID, "bad_owner",
                        "Loại khóa phải là seal, official, system hoặc tsa.", "kind");
    if (k->unit_id <= 0)
        return derr_set(err, DERR_INVALID, "bad_owner", "Cần chọn đơn vị của khóa.", "unit");
    if (strcmp(k->kind, KEYS_OFFICIAL) == 0 && k->account_id <= 0)
        return derr_set(err, DERR_INVALID, "bad_owner",
                        "Khóa cá nhân (official) cần tài khoản của người ký.", "login");
    if (strcmp(k->kind, KEYS_OFFICIAL) != 0 && k->account_id)
        return derr_set(err, DERR_INVALID, "bad_owner",
                        "Chỉ khóa cá nhân (official) mới gắn với một tài khoản.", "login");
    if (k->image && (k->image_len > IMAGE_MAX || !stamp_png_ok(k->image, k->image_len)))
        return derr_set(err, DERR_INVALID, "bad_image",
                        "Ảnh con dấu hoặc chữ ký phải là tệp PNG (tối đa 4096 × 4096 điểm ảnh, "
                        "2 MiB).",
                        "image");
    return 0;
}

/* The checks a certificate passes before it may sign for k. */
static int check_cert(X509 *cert, const struct keys_new *k, struct derr *err)
{
    struct keys_info info;
    char date[16];
    memset(&info, 0, sizeof info);
    cert_info(cert, &info);
    if (k->now > info.not_after) {
        vn_date(info.not_after, date);
        return refuse(err, DERR_INVALID, "certificate_expired", NULL,
                      "Chứng thư số của %s đã hết hạn ngày %s.", info.common_name, date);
    }
    if (k->now < info.not_before) {
        vn_date(info.not_before, date);
        return refuse(err, DERR_INVALID, "certificate_not_yet_valid", NULL,
                      "Chứng thư số của %s chưa có hiệu lực (có hiệu lực từ ngày %s).",
                      info.common_name, date);
    }
    /* Without a keyUsage extension the key may do anything, signing too. */
    uint32_t ku = X509_get_key_usage(cert);
    if (!(ku & (KU_DIGITAL_SIGNATURE | KU_NON_REPUDIATION)))
        return derr_set(err, DERR_INVALID, "not_for_signing",
                        "Chứng thư số này không dùng để ký số (keyUsage không có "
                        "digitalSignature hay nonRepudiation).",
                        NULL);
    if (strcmp(k->kind, KEYS_TSA) == 0 && !(X509_get_extended_key_usage(cert) & XKU_TIMESTAMP))
        return derr_set(err, DERR_INVALID, "not_for_signing",
                        "Chứng thư số của dịch vụ cấp dấu thời gian cần extendedKeyUsage "
                        "timeStamping.",
                        NULL);
    if (strcmp(k->kind, KEYS_CA) != 0 && X509_check_ca(cert))
        return derr_set(err, DERR_INVALID, "not_for_signing",
                        "Đây là chứng thư số của một tổ chức cấp chứng thư (CA), không dùng để "
                        "ký văn bản.",
                        NULL);
    return 0;
}

/* Inserts the row; key_pem or (module, uri, pin_ref) says where the key is. */
struct new_row {
    const struct keys_new *k;
    const char *source;
    X509 *cert;
    STACK_OF(X509) * chain;
    const char *key_pem, *module, *uri, *pin_ref;
};

static int insert_key(struct store *db, const struct new_row *r, int64_t *id, struct derr *err)
{
    struct keys_info info;
    struct store_stmt *st;
    char *cert_pem = certs_pem(r->cert, NULL), *chain_pem = certs_pem(NULL, r->chain);
    int rc = -1;
    memset(&info, 0, sizeof info);
    cert_info(r->cert, &info);
    if (!cert_pem || !chain_pem) {
        derr_set(err, DERR_INTERNAL, "internal", "Không ghi được chứng thư số.", NULL);
        goto out;
    }
    int64_t dup = 0;
    if (store_int(db, "SELECT id FROM signing_keys WHERE issuer = ? AND serial = ?", &dup,
                  BIND_TEXT(info.issuer), BIND_TEXT(info.serial)) == STORE_ROW) {
        refuse(err, DERR_TAKEN, "already_imported", NULL,
               "Chứng thư số này (số hiệu %s) đã được nhập: khóa số %lld.", info.serial,
               (long long)dup);
        goto out;
    }
    if (store_prepare_all(
            db,
            "INSERT INTO signing_keys(unit_id, account_id, kind, source, cert_pem, chain_pem,"
            " subject, common_name, issuer, serial, not_before, not_after, key_pem,"
            " pkcs11_module, pkcs11_uri, pin_ref, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
            " ?, ?, ?, ?, ?, ?, ?, ?)",
            &st, BIND_INT(r->k->unit_id), BIND_ID(r->k->account_id), BIND_TEXT(r->k->kind),
            BIND_TEXT(r->source), BIND_TEXT(cert_pem), BIND_TEXT(chain_pem),
            BIND_TEXT(info.subject), BIND_TEXT(info.common_name), BIND_TEXT(info.issuer),
            BIND_TEXT(info.serial), BIND_INT(info.not_before), BIND_INT(info.not_after),
            BIND_TEXT(r->key_pem), BIND_TEXT(r->module), BIND_TEXT(r->uri), BIND_TEXT(r->pin_ref),
            BIND_INT(r->k->now)) != 0 ||
        store_step_done(st) != 0) {
        derr_set(err, DERR_INTERNAL, "internal", "Không lưu được khóa ký số.", NULL);
        goto out;
    }
    *id = store_last_insert_id(db);
    if (r->k->image &&
        (store_prepare(db, "UPDATE signing_keys SET image_png = ? WHERE id = ?", &st) != 0 ||
         store_bind_blob(st, 1, r->k->image, (int)r->k->image_len) != 0 ||
         store_bind_int(st, 2, *id) != 0 || store_step_done(st) != 0)) {
        derr_set(err, DERR_INTERNAL, "internal", "Không lưu được ảnh con dấu hoặc chữ ký.", NULL);
        goto out;
    }
    json_t *d =
        json_pack("{s:s, s:s, s:I, s:I, s:s, s:s}", "kind", r->k->kind, "source", r->source,
                  "unit_id", (json_int_t)r->k->unit_id, "account_id", (json_int_t)r->k->account_id,
                  "subject", info.subject, "serial", info.serial);
    if (audit_object_json(db, 0, "key.add", "signing_key", *id, d) != 0) {
        derr_set(err, DERR_INTERNAL, "internal", "Không ghi được nhật ký.", NULL);
        goto out;
    }
    rc = 0;
out:
    free(cert_pem);
    free(chain_pem);
    return rc;
}

int keys_add(struct store *db, const unsigned char master[VAULT_KEY_LEN], const struct keys_new *k,
             const char *source, EVP_PKEY *key, X509 *cert, STACK_OF(X509) * chain, int64_t *id,
             struct derr *err)
{
    char *pem = NULL;
    int rc = -1;
    if (check_owner(k, err))
        return -1;
    if (X509_check_private_key(cert, key) != 1) {
        ERR_clear_error();
        return derr_set(err, DERR_INVALID, "key_mismatch",
                        "Khóa bí mật không khớp với chứng thư số.", NULL);
    }
    if (!(pem = vault_seal_key(key, master))) {
        derr_set(err, DERR_INTERNAL, "internal", "Không mã hóa được khóa bí mật.", NULL);
        goto out;
    }
    struct new_row r = {.k = k, .source = source, .cert = cert, .chain = chain, .key_pem = pem};
    rc = insert_key(db, &r, id, err);
out:
    if (pem)
        explicit_bzero(pem, strlen(pem));
    free(pem);
    return rc;
}

int keys_import_p12(struct store *db, const char *data_dir, const struct keys_new *k,
                    const unsigned char *p12, size_t len, const char *password, int64_t *id,
                    struct derr *err)
{
    unsigned char master[VAULT_KEY_LEN];
    char why[256];
    struct signer *s = NULL;
    PKCS12 *pk = NULL;
    int rc = -1;
    const unsigned char *p = p12;
    if (check_owner(k, err))
        return -1;
    /* Told apart here, before signer_from_p12, so each gets its own answer. */
    if (len == 0 || len > PEM_MAX || !(pk = d2i_PKCS12(NULL, &p, (long)len))) {
        derr_set(err, DERR_INVALID, "not_pkcs12", "Tệp không phải tệp PKCS#12 (.p12, .pfx).",
                 "file");
        goto out;
    }
    if (!PKCS12_verify_mac(pk, password, -1)) {
        derr_set(err, DERR_INVALID, "wrong_password", "Mật khẩu của tệp PKCS#12 không đúng.",
                 "password");
        goto out;
    }
    if (signer_from_p12(p12, len, password, &s, why, sizeof why)) {
        refuse(err, DERR_INVALID, "key_mismatch", "file",
               "Tệp PKCS#12 không có khóa bí mật khớp với chứng thư số của nó (%s).", why);
        goto out;
    }
    if (check_cert(s->cert, k, err) || load_master(data_dir, master, err))
        goto out;
    rc = keys_add(db, master, k, "p12", s->key, s->cert, s->chain, id, err);
    explicit_bzero(master, sizeof master);
out:
    PKCS12_free(pk);
    signer_free(s);
    ERR_clear_error();
    return rc;
}

/* The certificate's URI beside a private key's: type=private becomes
 * type=cert (or is added). */
static int cert_uri_of(const char *uri, char *out, size_t cap)
{
    const char *t = strstr(uri, "type=private");
    int n;
    if (t)
        n = snprintf(out, cap, "%.*stype=cert%s", (int)(t - uri), uri, t + strlen("type=private"));
    else
        n = snprintf(out, cap, "%s;type=cert", uri);
    return n < 0 || (size_t)n >= cap ? -1 : 0;
}

/* Signs a random digest with key and verifies it with cert: the token
 * holds this certificate's key and answers. */
static int test_signature(EVP_PKEY *key, X509 *cert, char *why, size_t cap)
{
    unsigned char msg[32], sig[1024];
    size_t siglen = sizeof sig;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int rc = -1;
    if (!c || random_bytes(msg, sizeof msg))
        goto out;
    if (EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(c, sig, &siglen, msg, sizeof msg) != 1) {
        p11_last_error(why, cap);
        goto out;
    }
    EVP_MD_CTX_reset(c);
    if (EVP_DigestVerifyInit(c, NULL, EVP_sha256(), NULL, X509_get0_pubkey(cert)) != 1 ||
        EVP_DigestVerify(c, sig, siglen, msg, sizeof msg) != 1) {
        snprintf(why, cap, "the token's signature does not verify with the certificate");
        goto out;
    }
    rc = 0;
out:
    EVP_MD_CTX_free(c);
    ERR_clear_error();
    return rc;
}

static int env_name_ok(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 64 || isdigit((unsigned char)s[0]))
        return 0;
    return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") == n;
}

int keys_import_pkcs11(struct store *db, const char *data_dir, const struct keys_new *k,
                       const struct keys_token *t, int64_t *id, struct derr *err)
{
    unsigned char master[VAULT_KEY_LEN];
    char why[512] = "", cert_uri[1100] = "", env_ref[80];
    const char *pin = t->pin;
    char *sealed = NULL;
    EVP_PKEY *key = NULL;
    X509 *cert = NULL;
    int rc = -1;
    if (check_owner(k, err))
        return -1;
    if (!t->uri || strncmp(t->uri, "pkcs11:", 7) != 0 || strlen(t->uri) > 1000 ||
        strstr(t->uri, "pin-value") || strstr(t->uri, "pin-source"))
        return derr_set(err, DERR_INVALID, "bad_uri",
                        "Địa chỉ khóa phải là một URI PKCS#11 (pkcs11:...) không chứa mã PIN "
                        "(mã PIN nhập riêng, không lưu trong URI).",
                        "uri");
    if (!t->module || !t->module[0])
        return derr_set(err, DERR_INVALID, "bad_uri", "Cần đường dẫn thư viện PKCS#11 (--module).",
                        "module");
    if (t->pin && t->pin_env)
        return derr_set(err, DERR_INVALID, "invalid",
                        "Chỉ chọn một cách cung cấp mã PIN: nhập vào hoặc biến môi trường.", "pin");
    if (t->pin_env) {
        if (!env_name_ok(t->pin_env) || !(pin = getenv(t->pin_env))) {
            return refuse(err, DERR_INVALID, "invalid", "pin",
                          "Biến môi trường %.64s (chữ in hoa, số, _) phải có mã PIN khi nhập khóa.",
                          t->pin_env);
        }
        snprintf(env_ref, sizeof env_ref, "env:%s", t->pin_env);
    }
    if (p11_load_key(t->module, t->uri, pin, &key, why, sizeof why)) {
        refuse(err, DERR_INVALID, "token_failed", "uri",
               "Không đọc được khóa %s trên thiết bị ký số: %s.", t->uri, why);
        goto out;
    }
    if (t->cert_pem) {
        if (!(cert = read_cert(t->cert_pem, strlen(t->cert_pem)))) {
            derr_set(err, DERR_INVALID, "not_certificate", "Tệp chứng thư số không phải PEM.",
                     "cert");
            goto out;
        }
    } else if (cert_uri_of(t->uri, cert_uri, sizeof cert_uri) ||
               p11_load_cert(t->module, cert_uri, pin, &cert, why, sizeof why)) {
        refuse(err, DERR_INVALID, "token_failed", "uri",
               "Không đọc được chứng thư số %s trên thiết bị ký số: %s.", cert_uri, why);
        goto out;
    }
    if (X509_check_private_key(cert, key) != 1) {
        derr_set(err, DERR_INVALID, "key_mismatch",
                 "Khóa trên thiết bị ký số không khớp với chứng thư số.", "uri");
        goto out;
    }
    if (test_signature(key, cert, why, sizeof why)) {
        refuse(err, DERR_INVALID, "token_failed", "uri", "Thiết bị ký số không ký thử được: %s.",
               why);
        goto out;
    }
    if (check_cert(cert, k, err))
        goto out;
    if (t->pin) {
        if (load_master(data_dir, master, err))
            goto out;
        sealed = vault_seal_secret(t->pin, master);
        explicit_bzero(master, sizeof master);
        if (!sealed) {
            derr_set(err, DERR_INVALID, "invalid", "Mã PIN quá dài (tối đa 255 byte).", "pin");
            goto out;
        }
    }
    struct new_row r = {.k = k,
                        .source = "pkcs11",
                        .cert = cert,
                        .module = t->module,
                        .uri = t->uri,
                        .pin_ref = sealed       ? sealed
                                   : t->pin_env ? env_ref
                                                : NULL};
    rc = insert_key(db, &r, id, err);
out:
    free(sealed);
    EVP_PKEY_free(key);
    X509_free(cert);
    ERR_clear_error();
    return rc;
}

/* --- revoking, trusting, listing ---------------------------------------- */

int keys_revoke(struct store *db, int64_t id, const char *reason, int64_t now, struct derr *err)
{
    struct keys_info k;
    char date[16];
    size_t chars = 0;
    for (const char *p = reason; p && *p; p++)
        chars += ((unsigned char)*p & 0xC0) != 0x80;
    if (!reason || chars == 0 || chars > REASON_MAX_CHARS)
        return derr_set(err, DERR_INVALID, "invalid", "Cần ghi lý do thu hồi (tối đa 200 ký tự).",
                        "reason");
    int rc = keys_get(db, id, &k);
    if (rc == STORE_DONE)
        return derr_set(err, DERR_NOT_FOUND, "not_found", "Không có khóa ký số này.", "id");
    if (rc != STORE_ROW)
        return derr_set(err, DERR_INTERNAL, "internal", "Không đọc được kho chứng thư số.", NULL);
    if (k.revoked_at) {
        vn_date(k.revoked_at, date);
        return refuse(err, DERR_STATE, "already_revoked", "id",
                      "Khóa số %lld đã bị thu hồi ngày %s.", (long long)id, date);
    }
    if (store_exec_all(db,
                       "UPDATE signing_keys SET revoked_at = ?, revoked_reason = ? WHERE id = ?"
                       " AND revoked_at IS NULL",
                       BIND_INT(now), BIND_TEXT(reason), BIND_INT(id)) != 0 ||
        audit_object_json(db, 0, "key.revoke", "signing_key", id,
                          json_pack("{s:s, s:s}", "reason", reason, "serial", k.serial)) != 0)
        return derr_set(err, DERR_INTERNAL, "internal", "Không lưu được việc thu hồi.", NULL);
    return 0;
}

int keys_trust(struct store *db, const char *pem, size_t len, int demo, int64_t now, int64_t *id,
               struct derr *err)
{
    struct keys_info info;
    unsigned char md[32];
    unsigned int mdlen = sizeof md;
    char fp[65], *cert_pem = NULL;
    int rc = -1;
    X509 *x = len && len <= PEM_MAX ? read_cert(pem, len) : NULL;
    if (!x)
        return derr_set(err, DERR_INVALID, "not_certificate",
                        "Tệp không phải chứng thư số dạng PEM.", "file");
    memset(&info, 0, sizeof info);
    cert_info(x, &info);
    /* A trust anchor is a root: a CA that issued its own certificate. */
    EVP_PKEY *pub = X509_get0_pubkey(x);
    if (X509_check_ca(x) == 0 || X509_check_issued(x, x) != X509_V_OK || !pub ||
        X509_verify(x, pub) != 1) {
        derr_set(err, DERR_INVALID, "not_root",
                 "Chỉ tin cậy chứng thư số gốc: của một CA, tự ký (tự cấp cho chính nó).", "file");
        goto out;
    }
    if (now > info.not_after) {
        char date[16];
        vn_date(info.not_after, date);
        refuse(err, DERR_INVALID, "certificate_expired", "file",
               "Chứng thư số gốc %s đã hết hạn ngày %s.", info.common_name, date);
        goto out;
    }
    if (X509_digest(x, EVP_sha256(), md, &mdlen) != 1 || !(cert_pem = certs_pem(x, NULL))) {
        derr_set(err, DERR_INTERNAL, "internal", "Không đọc được chứng thư số.", NULL);
        goto out;
    }
    hex_encode(md, mdlen, fp);
    int64_t dup = 0;
    if (store_int(db, "SELECT id FROM trust_anchors WHERE fingerprint = ?", &dup, BIND_TEXT(fp)) ==
        STORE_ROW) {
        refuse(err, DERR_TAKEN, "already_trusted", "file",
               "Chứng thư số gốc %s đã được tin cậy (số %lld).", info.common_name, (long long)dup);
        goto out;
    }
    json_t *d =
        json_pack("{s:s, s:s, s:b}", "subject", info.subject, "fingerprint", fp, "demo", demo != 0);
    if (store_exec_all(db,
                       "INSERT INTO trust_anchors(cert_pem, subject, fingerprint, not_after, demo,"
                       " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                       BIND_TEXT(cert_pem), BIND_TEXT(info.subject), BIND_TEXT(fp),
                       BIND_INT(info.not_after), BIND_INT(demo != 0), BIND_INT(now)) != 0) {
        json_decref(d);
        derr_set(err, DERR_INTERNAL, "internal", "Không lưu được chứng thư số gốc.", NULL);
        goto out;
    }
    *id = store_last_insert_id(db);
    if (audit_object_json(db, 0, "key.trust", "trust_anchor", *id, d) != 0) {
        derr_set(err, DERR_INTERNAL, "internal", "Không ghi được nhật ký.", NULL);
        goto out;
    }
    rc = 0;
out:
    free(cert_pem);
    X509_free(x);
    ERR_clear_error();
    return rc;
}

int keys_list(struct store *db, int64_t unit_id, int (*fn)(const struct keys_info *k, void *arg),
              void *arg)
{
    struct store_stmt *st;
    struct keys_info k;
    int rc = store_prepare_all(db,
                               "SELECT " KEY_COLUMNS " FROM signing_keys WHERE ? = 0 OR unit_id = ?"
                               " ORDER BY unit_id, kind, coalesce(account_id, 0), id",
                               &st, BIND_INT(unit_id), BIND_INT(unit_id));
    if (rc)
        return rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        read_info(st, &k);
        if ((rc = fn(&k, arg)) != 0)
            break;
    }
    store_done(st);
    return rc == STORE_DONE ? 0 : rc;
}

int keys_get(struct store *db, int64_t id, struct keys_info *out)
{
    return store_one(db, "SELECT " KEY_COLUMNS " FROM signing_keys WHERE id = ?", read_info, out,
                     BIND_INT(id));
}
