/* Tests for sign/keys, sign/vault and sign/democa on a demo data directory
 * (`motcua init --demo`): the demo CA hierarchy verifies against the trust
 * store with the names, usages and validity it promises; private keys are
 * encrypted at rest and load only with the master key (checked also by
 * decrypting with the documented derivation, computed here); expired, not
 * yet valid and revoked keys are refused with their Vietnamese message;
 * PKCS#12 import round-trips, and every refused import stores nothing.
 * Certificates for the refusals come from tests/unit/testca.h, not from
 * the code under test. */
#include "sign/keys.h"

#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/util.h"
#include "fixture.h"
#include "harness.h"
#include "sign/vault.h"
#include "testca.h"

/* A fixed "now" for certificates made here: 10:00 on 7 December 2026 in
 * Vietnam. Demo certificates are checked at the real time instead. */
#define NOW tc_utc(2026, 12, 7, 3, 0)
#define DAY 86400

static unsigned char master[VAULT_KEY_LEN];

/* --- helpers ------------------------------------------------------------- */

static void field(X509 *x, int nid, char *out, size_t cap)
{
    X509_NAME *n = X509_get_subject_name(x);
    int i = X509_NAME_get_index_by_NID(n, nid, -1);
    unsigned char *u = NULL;
    out[0] = '\0';
    if (i < 0)
        return;
    int len = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)));
    if (len >= 0)
        snprintf(out, cap, "%.*s", len, u);
    OPENSSL_free(u);
}

static int verifies(struct signer *s)
{
    X509_STORE *xs = keys_trust_store(fx_db);
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int ok = xs && ctx && X509_STORE_CTX_init(ctx, xs, s->cert, s->chain) == 1 &&
             X509_verify_cert(ctx) == 1;
    if (!ok && ctx)
        printf("  verify: %s\n", X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    X509_STORE_CTX_free(ctx);
    X509_STORE_free(xs);
    return ok;
}

static int signs(struct signer *s)
{
    unsigned char msg[] = "Giấy chứng nhận", sig[512];
    size_t siglen = sizeof sig;
    return tc_sign(s->key, msg, sizeof msg, sig, &siglen) == 0 &&
           tc_verify(s->cert, msg, sizeof msg, sig, siglen);
}

static int64_t count(const char *table_sql)
{
    return fx_int(table_sql, NULL);
}

/* Width and height from a PNG's IHDR. */
static void png_size(const unsigned char *p, size_t len, int *w, int *h)
{
    *w = *h = 0;
    if (len < 24 || memcmp(p, "\x89PNG\r\n\x1a\n", 8) != 0 || memcmp(p + 12, "IHDR", 4) != 0)
        return;
    *w = p[16] << 24 | p[17] << 16 | p[18] << 8 | p[19];
    *h = p[20] << 24 | p[21] << 16 | p[22] << 8 | p[23];
}

struct add_args {
    struct keys_new k;
    EVP_PKEY *key;
    X509 *cert;
    int64_t id;
    struct derr err;
};

static int add_job(struct store *db, void *arg)
{
    struct add_args *a = arg;
    return keys_add(db, master, &a->k, "p12", a->key, a->cert, NULL, &a->id, &a->err);
}

/* Stores key with a new certificate for CN cn (O org) from nb to na;
 * returns its id or 0. */
static int64_t add_cert(int64_t unit, int64_t account, const char *kind, const char *cn,
                        const char *org, int64_t nb, int64_t na)
{
    EVP_PKEY *ca_key = tc_key(), *key = tc_key();
    X509 *ca = tc_cert(ca_key, "Test CA", "Test", NULL, ca_key, nb, na, TC_CA);
    struct add_args a = {.k = {.unit_id = unit, .account_id = account, .kind = kind, .now = NOW},
                         .key = key};
    a.cert = tc_cert(key, cn, org, ca, ca_key, nb, na, TC_SIGN);
    int rc = a.cert ? store_run(fx_db, add_job, &a) : -1;
    if (rc)
        printf("  add_cert: %s\n", a.err.message);
    X509_free(a.cert);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
    return rc ? 0 : a.id;
}

static char *master_path(char *out, size_t cap)
{
    snprintf(out, cap, "%s/keys/master.key", fx_dir);
    return out;
}

/* --- the demo hierarchy ---------------------------------------------------- */

static void check_demo_leaf(struct signer *s, const char *cn, const char *org, const char *code)
{
    char v[300];
    int64_t now = now_unix();
    CHECK(s != NULL);
    if (!s)
        return;
    field(s->cert, NID_commonName, v, sizeof v);
    CHECK_EQ_STR(v, cn);
    field(s->cert, NID_organizationName, v, sizeof v);
    CHECK_EQ_STR(v, org);
    field(s->cert, NID_countryName, v, sizeof v);
    CHECK_EQ_STR(v, "VN");
    field(s->cert, NID_organizationIdentifier, v, sizeof v);
    CHECK_EQ_STR(v, code);
    field(s->cert, NID_organizationalUnitName, v, sizeof v);
    CHECK_EQ_STR(v, "motcua DEMO (không dùng thật)");
    uint32_t ku = X509_get_key_usage(s->cert);
    CHECK((ku & KU_DIGITAL_SIGNATURE) && (ku & KU_NON_REPUDIATION));
    CHECK(!(ku & KU_KEY_CERT_SIGN));
    CHECK(X509_check_ca(s->cert) == 0);
    CHECK_EQ_INT(EVP_PKEY_get_base_id(s->key), EVP_PKEY_EC);
    CHECK_EQ_INT(EVP_PKEY_get_bits(s->key), 256);
    /* Valid now, for two years from now. */
    int days = 0, secs = 0;
    CHECK(ASN1_TIME_diff(&days, &secs, NULL, X509_get0_notAfter(s->cert)) == 1);
    CHECK(days >= 729 && days <= 730);
    CHECK(X509_cmp_time(X509_get0_notBefore(s->cert), &(time_t){(time_t)now}) < 0);
    /* The chain: the issuing CA, then the trusted root. */
    CHECK_EQ_INT(sk_X509_num(s->chain), 1);
    if (sk_X509_num(s->chain) == 1) {
        field(sk_X509_value(s->chain, 0), NID_commonName, v, sizeof v);
        CHECK_EQ_STR(v, "motcua DEMO Thanh Hóa CA");
    }
    CHECK(verifies(s));
    CHECK(signs(s));
}

TEST(demo_hierarchy_verifies)
{
    struct signer *s = NULL;
    struct derr err = {0};
    int64_t now = now_unix(), commune = fx_unit(FX_COMMUNE), province = fx_unit(FX_PROVINCE);
    char v[300];

    CHECK_EQ_INT(count("SELECT count(*) FROM trust_anchors WHERE demo = 1"), 1);
    fx_text("SELECT subject FROM trust_anchors", NULL, v, sizeof v);
    CHECK(strstr(v, "CN=motcua DEMO Root CA (không dùng thật)") == v);

    CHECK_EQ_INT(keys_signer(fx_db, fx_dir, commune, 0, now, &s, &err), 0);
    check_demo_leaf(s, "Phường Hạc Thành", "Phường Hạc Thành", "000.01.90.H56");
    CHECK_EQ_STR(s ? s->name : NULL, "Phường Hạc Thành");
    signer_free(s);

    CHECK_EQ_INT(keys_signer(fx_db, fx_dir, province, 0, now, &s, &err), 0);
    check_demo_leaf(s, "Ủy ban nhân dân tỉnh Thanh Hóa", "Ủy ban nhân dân tỉnh Thanh Hóa",
                    "000.00.00.H56");
    signer_free(s);

    /* The demo leader signs for his commune with a personal key. */
    CHECK_EQ_INT(keys_signer(fx_db, fx_dir, commune, fx_account(FX_LEADER), now, &s, &err), 0);
    check_demo_leaf(s, "Trịnh Văn Long", "Phường Hạc Thành", "000.01.90.H56");
    CHECK_EQ_STR(s ? s->name : NULL, "Trịnh Văn Long");
    CHECK_EQ_STR(s ? s->organisation : NULL, "Phường Hạc Thành");
    signer_free(s);

    CHECK_EQ_INT(keys_platform_signer(fx_db, fx_dir, KEYS_SYSTEM, now, &s, &err), 0);
    check_demo_leaf(s, "Hệ thống motcua (nhật ký kiểm tra)", "Ủy ban nhân dân tỉnh Thanh Hóa",
                    "000.00.00.H56");
    signer_free(s);

    /* The time-stamping key: extendedKeyUsage timeStamping, critical. */
    CHECK_EQ_INT(keys_platform_signer(fx_db, fx_dir, KEYS_TSA, now, &s, &err), 0);
    check_demo_leaf(s, "motcua DEMO TSA", "Ủy ban nhân dân tỉnh Thanh Hóa", "000.00.00.H56");
    if (s) {
        CHECK(X509_get_extended_key_usage(s->cert) == XKU_TIMESTAMP);
        int i = X509_get_ext_by_NID(s->cert, NID_ext_key_usage, -1);
        CHECK(i >= 0 && X509_EXTENSION_get_critical(X509_get_ext(s->cert, i)) == 1);
    }
    signer_free(s);

    /* The specialist signs nothing personally. */
    CHECK_EQ_INT(keys_signer(fx_db, fx_dir, commune, fx_account(FX_SPECIALIST), now, &s, &err), -1);
    CHECK_EQ_STR(err.code, "no_certificate");
    CHECK_EQ_STR(err.message, "Đỗ Minh Tuấn chưa có chứng thư số cá nhân để ký cho Phường Hạc "
                              "Thành.");
    CHECK(s == NULL);
    /* A seal for each unit that handles procedures or has an officer, and
     * for the units above them; none for the others (schools, stations). */
    CHECK_EQ_INT(count("SELECT count(*) FROM units u WHERE EXISTS (SELECT 1 FROM signing_keys k"
                       " WHERE k.unit_id = u.id AND k.kind = 'seal') <> EXISTS (SELECT 1 FROM"
                       " units v WHERE v.path LIKE u.path || '%' AND (v.id IN (SELECT unit_id"
                       " FROM procedure_units) OR v.id IN (SELECT unit_id FROM staff_roles)))"),
                 0);

    /* Images: the seal 472 px (40 mm at 300 dpi), the signature 600 x 220. */
    struct keys_info k;
    unsigned char *png = NULL;
    size_t len = 0;
    int w, h;
    CHECK_EQ_INT(keys_current(fx_db, commune, 0, NULL, now, &k, &err), 0);
    CHECK_EQ_INT(keys_image(fx_db, k.id, &png, &len), STORE_ROW);
    png_size(png, len, &w, &h);
    CHECK_EQ_INT(w, 472);
    CHECK_EQ_INT(h, 472);
    free(png);
    CHECK_EQ_INT(keys_current(fx_db, commune, fx_account(FX_LEADER), NULL, now, &k, &err), 0);
    CHECK_EQ_INT(keys_image(fx_db, k.id, &png, &len), STORE_ROW);
    png_size(png, len, &w, &h);
    CHECK_EQ_INT(w, 600);
    CHECK_EQ_INT(h, 220);
    free(png);

    /* Running the demo again issues nothing and changes nothing. */
    int64_t keys = count("SELECT count(*) FROM signing_keys");
    int64_t audit = count("SELECT count(*) FROM audit_log");
    int issued = -1;
    char why[300];
    CHECK_EQ_INT(cli_key_demo(fx_db, fx_dir, 0, &issued, why, sizeof why), 0);
    CHECK_EQ_INT(issued, 0);
    CHECK_EQ_INT(count("SELECT count(*) FROM signing_keys"), keys);
    CHECK_EQ_INT(count("SELECT count(*) FROM audit_log"), audit);
    /* 1 CA + the seals + 1 official + system + tsa */
    CHECK_EQ_INT(keys, count("SELECT count(*) FROM signing_keys WHERE kind = 'seal'") + 4);
    CHECK(count("SELECT count(*) FROM signing_keys WHERE kind = 'seal'") > 100);
    derr_clear(&err);
}

/* --- encryption at rest ---------------------------------------------------- */

/* The documented derivation (docs/keys.md), computed here: the PEM
 * passphrase is hex(HKDF-SHA256(master key, info "motcua signing keys at
 * rest v1")). */
static void documented_passphrase(const unsigned char m[32], char out[65])
{
    static const char info[] = "motcua signing keys at rest v1";
    unsigned char k[32];
    EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL);
    size_t len = sizeof k;
    int ok = c && EVP_PKEY_derive_init(c) == 1 && EVP_PKEY_CTX_set_hkdf_md(c, EVP_sha256()) == 1 &&
             EVP_PKEY_CTX_set1_hkdf_key(c, m, 32) == 1 &&
             EVP_PKEY_CTX_add1_hkdf_info(c, (const unsigned char *)info, sizeof info - 1) == 1 &&
             EVP_PKEY_derive(c, k, &len) == 1;
    EVP_PKEY_CTX_free(c);
    out[0] = '\0';
    for (int i = 0; ok && i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", k[i]);
}

static EVP_PKEY *pem_key(const char *pem, const char *pass)
{
    BIO *b = BIO_new_mem_buf(pem, -1);
    EVP_PKEY *k = PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)pass);
    BIO_free(b);
    return k;
}

TEST(keys_encrypted_at_rest)
{
    struct store_stmt *st;
    struct signer *s = NULL;
    struct derr err = {0};
    char path[400], moved[420], pass[65], pem[4096];
    int64_t now = now_unix(), commune = fx_unit(FX_COMMUNE);
    struct stat sb;

    /* The master key: 32 bytes, mode 0600, in a 0700 directory. */
    CHECK(stat(master_path(path, sizeof path), &sb) == 0);
    CHECK_EQ_INT(sb.st_size, 32);
    CHECK_EQ_INT(sb.st_mode & 0777, 0600);
    snprintf(moved, sizeof moved, "%s/keys", fx_dir);
    CHECK(stat(moved, &sb) == 0 && (sb.st_mode & 0777) == 0700);

    /* Every stored private key is encrypted PKCS#8 PEM. */
    int rows = 0;
    CHECK(store_prepare(fx_db, "SELECT key_pem FROM signing_keys WHERE key_pem IS NOT NULL", &st) ==
          0);
    while (store_step(st) == STORE_ROW) {
        const char *k = store_col_text(st, 0);
        rows++;
        CHECK(strncmp(k, "-----BEGIN ENCRYPTED PRIVATE KEY-----", 37) == 0);
        CHECK(strstr(k, "BEGIN PRIVATE KEY") == NULL && strstr(k, "BEGIN EC PRIVATE") == NULL);
    }
    store_done(st);
    CHECK_EQ_INT(rows, count("SELECT count(*) FROM signing_keys"));

    /* Without the passphrase, or with a wrong one, the PEM does not open;
     * with the documented derivation of the master key it does, and it is
     * the key of the stored certificate. */
    fx_text("SELECT key_pem FROM signing_keys WHERE kind = 'seal' AND unit_id ="
            " (SELECT id FROM units WHERE code = ?)",
            FX_PROVINCE, pem, sizeof pem);
    CHECK(pem_key(pem, "") == NULL);
    CHECK(pem_key(pem, "motcua") == NULL);
    char why[300];
    CHECK_EQ_INT(vault_load(fx_dir, master, why, sizeof why), 0);
    documented_passphrase(master, pass);
    EVP_PKEY *k = pem_key(pem, pass);
    CHECK(k != NULL);
    CHECK_EQ_INT(keys_signer(fx_db, fx_dir, fx_unit(FX_PROVINCE), 0, now, &s, &err), 0);
    CHECK(k && s && EVP_PKEY_eq(k, s->key) == 1);
    EVP_PKEY_free(k);
    signer_free(s);
    s = NULL;

    /* No master key: nothing signs, and the refusal says why. */
    snprintf(moved, sizeof moved, "%s.away", path);
    CHECK(rename(path, moved) == 0);
    CHECK_EQ_INT(keys_signer(fx_db, fx_dir, commune, 0, now, &s, &err), -1);
    CHECK(s == NULL);
    CHECK_EQ_STR(err.code, "master_key_unavailable");
    CHECK_EQ_INT(err.kind, DERR_INTERNAL);
    CHECK(strstr(err.message, "thiếu khóa chủ") != NULL);
    CHECK_EQ_INT(vault_load(fx_dir, master, why, sizeof why), VAULT_MISSING);
    CHECK(strstr(why, "master.key is missing") != NULL);
    CHECK_EQ_INT(keys_ready(fx_db, fx_dir, why, sizeof why), -1);
    CHECK(strstr(why, "/keys/master.key is missing (run: motcua init --data ") != NULL);
    CHECK(rename(moved, path) == 0);

    /* Readable by the group: refused until it is 0600 again. */
    CHECK(chmod(path, 0640) == 0);
    CHECK_EQ_INT(keys_signer(fx_db, fx_dir, commune, 0, now, &s, &err), -1);
    CHECK_EQ_STR(err.code, "master_key_unavailable");
    CHECK(strstr(err.message, "chmod 600") != NULL);
    CHECK_EQ_INT(vault_load(fx_dir, master, why, sizeof why), VAULT_EXPOSED);
    CHECK_EQ_INT(keys_ready(fx_db, fx_dir, why, sizeof why), -1);
    CHECK(strstr(why, "may be read or written by other users (mode 0640)") != NULL);
    CHECK(chmod(path, 0604) == 0);
    CHECK_EQ_INT(vault_load(fx_dir, master, why, sizeof why), VAULT_EXPOSED);
    CHECK(chmod(path, 0600) == 0);
    CHECK_EQ_INT(keys_ready(fx_db, fx_dir, why, sizeof why), 0);
    CHECK_EQ_INT(keys_signer(fx_db, fx_dir, commune, 0, now, &s, &err), 0);
    signer_free(s);
    s = NULL;

    /* Another master key (a database copied to another data directory):
     * the stored keys do not decrypt. */
    CHECK(rename(path, moved) == 0);
    FILE *f = fopen(path, "wb");
    unsigned char other[32];
    CHECK(f && random_bytes(other, sizeof other) == 0 && fwrite(other, 1, 32, f) == 32);
    if (f)
        fclose(f);
    CHECK(chmod(path, 0600) == 0);
    CHECK_EQ_INT(keys_signer(fx_db, fx_dir, commune, 0, now, &s, &err), -1);
    CHECK_EQ_STR(err.code, "key_undecryptable");
    CHECK(s == NULL);
    CHECK(rename(moved, path) == 0);
    CHECK_EQ_INT(vault_load(fx_dir, master, why, sizeof why), 0);

    /* vault_create keeps an existing key as it is. */
    unsigned char before[32];
    memcpy(before, master, 32);
    CHECK_EQ_INT(vault_create(fx_dir, why, sizeof why), 0);
    CHECK_EQ_INT(vault_load(fx_dir, master, why, sizeof why), 0);
    CHECK(memcmp(before, master, 32) == 0);
    derr_clear(&err);
}

TEST(vault_secrets)
{
    unsigned char other[32];
    char out[64];
    char *sealed = vault_seal_secret("123456", master);
    CHECK(sealed && strncmp(sealed, "v1:", 3) == 0 && !strstr(sealed, "123456"));
    CHECK_EQ_INT(vault_open_secret(sealed, master, out, sizeof out), 0);
    CHECK_EQ_STR(out, "123456");
    /* Another master key, an altered text, a buffer too small: refused. */
    memcpy(other, master, 32);
    other[0] ^= 1;
    CHECK_EQ_INT(vault_open_secret(sealed, other, out, sizeof out), -1);
    if (sealed) {
        size_t n = strlen(sealed);
        sealed[n / 2] = sealed[n / 2] == 'A' ? 'B' : 'A';
        CHECK_EQ_INT(vault_open_secret(sealed, master, out, sizeof out), -1);
    }
    free(sealed);
    sealed = vault_seal_secret("123456", master);
    CHECK_EQ_INT(vault_open_secret(sealed, master, out, 4), -1);
    CHECK_EQ_INT(vault_open_secret("v1:", master, out, sizeof out), -1);
    CHECK_EQ_INT(vault_open_secret("123456", master, out, sizeof out), -1);
    free(sealed);
}

/* --- states ---------------------------------------------------------------- */

TEST(expired_not_yet_valid_revoked)
{
    struct signer *s = NULL;
    struct derr err = {0};
    int64_t unit = fx_unit(FX_COMMUNE2), leader = fx_account(FX_LEADER);

    /* Phường Quảng Phú stands for a unit whose seal was never imported:
     * its demo seal is taken away. */
    CHECK(store_exec_all(fx_db, "DELETE FROM signing_keys WHERE unit_id = ? AND kind = 'seal'",
                         BIND_INT(unit)) == 0);
    CHECK_EQ_INT(keys_signer(fx_db, fx_dir, unit, 0, NOW, &s, &err), -1);
    CHECK_EQ_INT(err.kind, DERR_STATE);
    CHECK_EQ_STR(err.code, "no_certificate");
    CHECK_EQ_STR(err.message, "Phường Quảng Phú chưa có chứng thư số của tổ chức (con dấu điện "
                              "tử); quản trị viên cần nhập chứng thư số trước khi ký.");
    derr_clear(&err);

    /* Expired at 20:00 UTC on 31 December 2020: 1 January 2021 in Vietnam. */
    CHECK(add_cert(unit, 0, KEYS_SEAL, "Phường Quảng Phú", "Phường Quảng Phú",
                   tc_utc(2019, 1, 1, 0, 0), tc_utc(2020, 12, 31, 20, 0)) > 0);
    CHECK_EQ_INT(keys_signer(fx_db, fx_dir, unit, 0, NOW, &s, &err), -1);
    CHECK(s == NULL);
    CHECK_EQ_INT(err.kind, DERR_STATE);
    CHECK_EQ_STR(err.code, "certificate_expired");
    CHECK_EQ_STR(err.message, "Chứng thư số của Phường Quảng Phú đã hết hạn ngày 01/01/2021.");

    /* A newer key not valid before 01:00 on 15 June 2030 in Vietnam. */
    CHECK(add_cert(unit, 0, KEYS_SEAL, "Phường Quảng Phú", "Phường Quảng Phú",
                   tc_utc(2030, 6, 14, 18, 0), tc_utc(2032, 6, 14, 18, 0)) > 0);
    CHECK_EQ_INT(keys_signer(fx_db, fx_dir, unit, 0, NOW, &s, &err), -1);
    CHECK_EQ_STR(err.code, "certificate_not_yet_valid");
    CHECK_EQ_STR(err.message, "Chứng thư số của Phường Quảng Phú chưa có hiệu lực (có hiệu lực "
                              "từ ngày 15/06/2030).");

    /* Two valid keys: the one valid since later signs; revoked, the other. */
    int64_t older = add_cert(unit, 0, KEYS_SEAL, "Phường Quảng Phú", "Phường Quảng Phú",
                             tc_utc(2026, 1, 1, 0, 0), tc_utc(2028, 1, 1, 0, 0));
    int64_t newer = add_cert(unit, 0, KEYS_SEAL, "Phường Quảng Phú", "Phường Quảng Phú",
                             tc_utc(2026, 6, 1, 0, 0), tc_utc(2028, 6, 1, 0, 0));
    struct keys_info k;
    CHECK_EQ_INT(keys_current(fx_db, unit, 0, KEYS_SEAL, NOW, &k, &err), 0);
    CHECK_EQ_INT(k.id, newer);
    CHECK_EQ_INT(keys_signer(fx_db, fx_dir, unit, 0, NOW, &s, &err), 0);
    CHECK(s && signs(s));
    signer_free(s);
    s = NULL;
    CHECK_EQ_INT(keys_revoke(fx_db, newer, "Thay khóa mới", NOW, &err), 0);
    CHECK_EQ_INT(keys_current(fx_db, unit, 0, KEYS_SEAL, NOW, &k, &err), 0);
    CHECK_EQ_INT(k.id, older);
    CHECK_EQ_INT(keys_state_at(&k, NOW), KEYS_VALID);
    CHECK_EQ_INT(keys_get(fx_db, newer, &k), STORE_ROW);
    CHECK_EQ_INT(keys_state_at(&k, NOW), KEYS_REVOKED);
    CHECK_EQ_STR(k.revoked_reason, "Thay khóa mới");

    /* An official whose only key is revoked. */
    int64_t own = add_cert(unit, leader, KEYS_OFFICIAL, "Trịnh Văn Long", "Phường Quảng Phú",
                           tc_utc(2026, 1, 1, 0, 0), tc_utc(2028, 1, 1, 0, 0));
    CHECK_EQ_INT(keys_signer(fx_db, fx_dir, unit, leader, NOW, &s, &err), 0);
    CHECK_EQ_STR(s ? s->organisation : NULL, "Phường Quảng Phú");
    signer_free(s);
    s = NULL;
    CHECK_EQ_INT(keys_revoke(fx_db, own, "Lộ khóa bí mật", NOW, &err), 0);
    CHECK_EQ_INT(keys_signer(fx_db, fx_dir, unit, leader, NOW, &s, &err), -1);
    CHECK_EQ_STR(err.code, "certificate_revoked");
    CHECK_EQ_STR(err.message,
                 "Chứng thư số của Trịnh Văn Long đã bị thu hồi ngày 07/12/2026 (Lộ khóa bí mật).");

    /* Revoking again, an unknown key, no reason: refused, nothing changes. */
    int64_t audit = count("SELECT count(*) FROM audit_log");
    CHECK_EQ_INT(keys_revoke(fx_db, own, "lần nữa", NOW + DAY, &err), -1);
    CHECK_EQ_STR(err.code, "already_revoked");
    char expect[120];
    snprintf(expect, sizeof expect, "Khóa số %lld đã bị thu hồi ngày 07/12/2026.", (long long)own);
    CHECK_EQ_STR(err.message, expect);
    CHECK_EQ_INT(keys_revoke(fx_db, 999999, "x", NOW, &err), -1);
    CHECK_EQ_STR(err.code, "not_found");
    CHECK_EQ_INT(keys_revoke(fx_db, older, "", NOW, &err), -1);
    CHECK_EQ_STR(err.code, "invalid");
    CHECK_EQ_INT(count("SELECT count(*) FROM audit_log"), audit);
    CHECK_EQ_INT(keys_get(fx_db, own, &k), STORE_ROW);
    CHECK_EQ_INT(k.revoked_at, NOW);

    /* Only the platform's kinds are platform signers. */
    CHECK_EQ_INT(keys_platform_signer(fx_db, fx_dir, KEYS_SEAL, NOW, &s, &err), -1);
    CHECK_EQ_STR(err.code, "invalid");
    derr_clear(&err);
}

/* --- PKCS#12 import ---------------------------------------------------------- */

struct import_args {
    struct keys_new k;
    const unsigned char *p12;
    size_t len;
    const char *password;
    int64_t id;
    struct derr err;
};

static int import_job(struct store *db, void *arg)
{
    struct import_args *a = arg;
    return keys_import_p12(db, fx_dir, &a->k, a->p12, a->len, a->password, &a->id, &a->err);
}

/* Imports p12 for the seal of FX_COMMUNE2 at NOW; returns the job's rc. */
static int import(const unsigned char *p12, size_t len, const char *password, struct import_args *a)
{
    memset(a, 0, sizeof *a);
    a->k = (struct keys_new){.unit_id = fx_unit(FX_COMMUNE2), .kind = KEYS_SEAL, .now = NOW};
    a->p12 = p12;
    a->len = len;
    a->password = password;
    return store_run(fx_db, import_job, a);
}

static int64_t key_state(void)
{
    return count("SELECT (SELECT count(*) FROM signing_keys) * 1000003 +"
                 " (SELECT count(*) FROM audit_log) * 7919 +"
                 " (SELECT coalesce(sum(coalesce(revoked_at, 0)), 0) FROM signing_keys)");
}

TEST(pkcs12_import_round_trip)
{
    EVP_PKEY *ca_key = tc_key(), *key = tc_key(), *other = tc_key();
    int64_t nb = tc_utc(2026, 1, 1, 0, 0), na = tc_utc(2028, 1, 1, 0, 0);
    X509 *ca = tc_cert(ca_key, "Test Root", "Test", NULL, ca_key, nb, na, TC_CA);
    X509 *cert = tc_cert(key, "Phường Quảng Phú", "Phường Quảng Phú", ca, ca_key, nb, na, TC_SIGN);
    unsigned char *p12 = NULL;
    size_t len = 0;
    struct import_args a;
    struct signer *s = NULL;
    CHECK(tc_p12(key, cert, ca, "mật khẩu 1", &p12, &len) == 0);

    /* The wrong password: refused, nothing stored. */
    int64_t before = key_state();
    CHECK(import(p12, len, "sai", &a) != 0);
    CHECK_EQ_STR(a.err.code, "wrong_password");
    CHECK_EQ_STR(a.err.message, "Mật khẩu của tệp PKCS#12 không đúng.");
    CHECK_EQ_INT(key_state(), before);

    /* Not a PKCS#12 file. */
    CHECK(import((const unsigned char *)"not a p12 file", 14, "", &a) != 0);
    CHECK_EQ_STR(a.err.code, "not_pkcs12");
    CHECK_EQ_INT(key_state(), before);

    /* The right one: stored, and it loads back as the same key, certificate
     * and chain. */
    CHECK_EQ_INT(import(p12, len, "mật khẩu 1", &a), 0);
    int64_t id = a.id;
    CHECK(id > 0);
    CHECK_EQ_INT(key_state(), before + 1000003 + 7919);
    CHECK_EQ_INT(keys_load(fx_db, fx_dir, id, &s, &a.err), 0);
    if (s) {
        CHECK(X509_cmp(s->cert, cert) == 0);
        CHECK(EVP_PKEY_eq(s->key, key) == 1);
        CHECK_EQ_INT(sk_X509_num(s->chain), 1);
        CHECK(sk_X509_num(s->chain) == 1 && X509_cmp(sk_X509_value(s->chain, 0), ca) == 0);
        CHECK_EQ_STR(s->name, "Phường Quảng Phú");
        CHECK_EQ_STR(s->organisation, ""); /* a seal */
        CHECK(signs(s));
    }
    signer_free(s);
    s = NULL;
    struct keys_info k;
    CHECK_EQ_INT(keys_get(fx_db, id, &k), STORE_ROW);
    CHECK_EQ_STR(k.source, "p12");
    CHECK_EQ_STR(k.kind, "seal");
    CHECK_EQ_STR(k.subject, "CN=Phường Quảng Phú,O=Phường Quảng Phú,C=VN");
    CHECK_EQ_STR(k.issuer, "CN=Test Root,O=Test,C=VN");
    CHECK_EQ_INT(k.not_before, nb);
    CHECK_EQ_INT(k.not_after, na);
    CHECK_EQ_STR(
        fx_text("SELECT action FROM audit_log ORDER BY id DESC LIMIT 1", NULL, (char[32]){0}, 32),
        "key.add");

    /* The same certificate again. */
    before = key_state();
    CHECK(import(p12, len, "mật khẩu 1", &a) != 0);
    CHECK_EQ_STR(a.err.code, "already_imported");
    CHECK_EQ_INT(key_state(), before);
    OPENSSL_free(p12);

    /* Certificates that may not sign: expired, not yet valid, for
     * encryption only, a CA's. */
    struct {
        int64_t nb, na;
        enum tc_usage usage;
        const char *code;
    } bad[] = {
        {tc_utc(2024, 1, 1, 0, 0), tc_utc(2025, 1, 1, 0, 0), TC_SIGN, "certificate_expired"},
        {tc_utc(2027, 1, 1, 0, 0), tc_utc(2029, 1, 1, 0, 0), TC_SIGN, "certificate_not_yet_valid"},
        {nb, na, TC_ENCRYPT, "not_for_signing"},
        {nb, na, TC_CA, "not_for_signing"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        EVP_PKEY *bk = tc_key();
        X509 *bc = tc_cert(bk, "Phường Quảng Phú", "Phường Quảng Phú", ca, ca_key, bad[i].nb,
                           bad[i].na, bad[i].usage);
        CHECK(tc_p12(bk, bc, ca, "p", &p12, &len) == 0);
        CHECK(import(p12, len, "p", &a) != 0);
        CHECK_EQ_STR(a.err.code, bad[i].code);
        CHECK_EQ_INT(key_state(), before);
        OPENSSL_free(p12);
        X509_free(bc);
        EVP_PKEY_free(bk);
    }
    /* No keyUsage at all: the key may do anything, signing included. */
    EVP_PKEY *nk = tc_key();
    X509 *nc = tc_cert(nk, "Phường Quảng Phú", "Phường Quảng Phú", ca, ca_key, nb, na, TC_NONE);
    CHECK(tc_p12(nk, nc, NULL, "", &p12, &len) == 0);
    CHECK_EQ_INT(import(p12, len, "", &a), 0);
    OPENSSL_free(p12);
    X509_free(nc);
    EVP_PKEY_free(nk);

    /* keys_add refuses a key that is not the certificate's, a bad image, an
     * official without an account. */
    struct add_args aa = {.k = {.unit_id = fx_unit(FX_COMMUNE2), .kind = KEYS_SEAL, .now = NOW},
                          .key = other,
                          .cert = cert};
    before = key_state();
    CHECK(store_run(fx_db, add_job, &aa) != 0);
    CHECK_EQ_STR(aa.err.code, "key_mismatch");
    aa.key = key;
    aa.k.image = (const unsigned char *)"GIF89a...";
    aa.k.image_len = 9;
    CHECK(store_run(fx_db, add_job, &aa) != 0);
    CHECK_EQ_STR(aa.err.code, "bad_image");
    aa.k.image = NULL;
    aa.k.kind = KEYS_OFFICIAL;
    CHECK(store_run(fx_db, add_job, &aa) != 0);
    CHECK_EQ_STR(aa.err.code, "bad_owner");
    CHECK_EQ_INT(key_state(), before);

    derr_clear(&a.err);
    derr_clear(&aa.err);
    X509_free(cert);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(other);
    EVP_PKEY_free(ca_key);
}

/* --- trust anchors ----------------------------------------------------------- */

struct trust_args {
    const char *pem;
    int64_t id;
    struct derr err;
};

static int trust_job(struct store *db, void *arg)
{
    struct trust_args *a = arg;
    return keys_trust(db, a->pem, strlen(a->pem), 0, NOW, &a->id, &a->err);
}

TEST(trust_anchors)
{
    EVP_PKEY *ca_key = tc_key(), *key = tc_key();
    int64_t nb = tc_utc(2026, 1, 1, 0, 0), na = tc_utc(2028, 1, 1, 0, 0);
    X509 *ca = tc_cert(ca_key, "Root thử nghiệm", "Test", NULL, ca_key, nb, na, TC_CA);
    X509 *cert = tc_cert(key, "Phường Quảng Phú", "Phường Quảng Phú", ca, ca_key, nb, na, TC_SIGN);
    X509 *old = tc_cert(ca_key, "Root cũ", "Test", NULL, ca_key, tc_utc(2010, 1, 1, 0, 0),
                        tc_utc(2020, 1, 1, 0, 0), TC_CA);
    unsigned char *p12;
    size_t len;
    struct import_args ia;
    char why[200];
    CHECK(tc_p12(key, cert, ca, "x", &p12, &len) == 0);
    CHECK_EQ_INT(import(p12, len, "x", &ia), 0);
    OPENSSL_free(p12);

    /* Not trusted yet: the chain stops at an unknown root. */
    CHECK_EQ_INT(keys_verify_chain(fx_db, ia.id, NOW, why, sizeof why), 0);
    CHECK(why[0] != '\0');

    char *pem = tc_pem(ca), *leaf_pem = tc_pem(cert), *old_pem = tc_pem(old);
    struct trust_args a = {.pem = pem};
    int64_t anchors = count("SELECT count(*) FROM trust_anchors");
    CHECK_EQ_INT(store_run(fx_db, trust_job, &a), 0);
    CHECK_EQ_INT(count("SELECT count(*) FROM trust_anchors"), anchors + 1);
    CHECK_EQ_INT(keys_verify_chain(fx_db, ia.id, NOW, why, sizeof why), 1);
    CHECK_EQ_INT(count("SELECT count(*) FROM audit_log WHERE action = 'key.trust'"), 2);

    /* Refusals change nothing. */
    int64_t before = key_state() + count("SELECT count(*) FROM trust_anchors");
    CHECK(store_run(fx_db, trust_job, &a) != 0);
    CHECK_EQ_STR(a.err.code, "already_trusted");
    a.pem = leaf_pem;
    CHECK(store_run(fx_db, trust_job, &a) != 0);
    CHECK_EQ_STR(a.err.code, "not_root");
    a.pem = old_pem;
    CHECK(store_run(fx_db, trust_job, &a) != 0);
    CHECK_EQ_STR(a.err.code, "certificate_expired");
    a.pem = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";
    CHECK(store_run(fx_db, trust_job, &a) != 0);
    CHECK_EQ_STR(a.err.code, "not_certificate");
    CHECK_EQ_INT(key_state() + count("SELECT count(*) FROM trust_anchors"), before);

    free(pem);
    free(leaf_pem);
    free(old_pem);
    derr_clear(&a.err);
    derr_clear(&ia.err);
    X509_free(old);
    X509_free(cert);
    X509_free(ca);
    EVP_PKEY_free(key);
    EVP_PKEY_free(ca_key);
}

TEST(sign_failure_explained)
{
    struct derr err = {0};
    struct signer s = {0};
    snprintf(s.name, sizeof s.name, "Phường Hạc Thành");
    s.key = tc_key();
    CHECK_EQ_INT(keys_sign_failure(&s, &err), -1);
    CHECK_EQ_STR(err.code, "sign_failed");
    static const char prefix[] = "Không ký được bằng khóa của Phường Hạc Thành: ";
    CHECK(strncmp(err.message, prefix, sizeof prefix - 1) == 0);
    EVP_PKEY_free(s.key);
}

int main(void)
{
    if (fx_open("keys"))
        return 1;
    char why[300];
    if (vault_load(fx_dir, master, why, sizeof why)) {
        printf("setup: %s\n", why);
        return 1;
    }
    RUN(demo_hierarchy_verifies);
    RUN(keys_encrypted_at_rest);
    RUN(vault_secrets);
    RUN(expired_not_yet_valid_revoked);
    RUN(pkcs12_import_round_trip);
    RUN(trust_anchors);
    RUN(sign_failure_explained);
    fx_close();
    return harness_done();
}
