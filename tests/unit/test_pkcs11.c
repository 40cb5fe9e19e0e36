/* Tests for keys on a PKCS#11 token, with SoftHSM2 (Debian softhsm2) and
 * pkcs11-tool (opensc) as the token and its tool: a token is created in a
 * temporary directory (SOFTHSM2_CONF points at a config there), a key and
 * certificate made here are written to it, `motcua key import-pkcs11`
 * registers them, and keys_signer loads a signer whose key stays on the
 * token: its EVP_DigestSign signature verifies with the certificate. A
 * wrong PIN stores nothing; a PIN named by an environment variable is
 * read when signing; a token that disappears mid-signing gives a clear
 * error. Needs softhsm2, opensc and libengine-pkcs11-openssl
 * (scripts/install-deps.sh test): without them it fails, saying so. */
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "fixture.h"
#include "harness.h"
#include "sign/keys.h"
#include "sign/p11.h"
#include "testca.h"

#define MODULE "/usr/lib/softhsm/libsofthsm2.so"
#define TOKEN "motcua-test"
#define PIN "472915"
#define URI_LEADER "pkcs11:token=" TOKEN ";object=long;type=private"
#define URI_SEAL "pkcs11:token=" TOKEN ";object=seal;type=private"

static char hsm[400];
static X509 *leader_cert, *seal_cert;

static int sh(const char *cmd)
{
    int rc = system(cmd);
    if (rc != 0)
        printf("  command failed (%d): %s\n", rc, cmd);
    return rc;
}

static int write_der(const char *path, const unsigned char *p, int len)
{
    FILE *f = fopen(path, "wb");
    int ok = f && len > 0 && fwrite(p, 1, (size_t)len, f) == (size_t)len;
    if (f)
        fclose(f);
    return ok ? 0 : -1;
}

/* Writes key and cert to the token as objects labelled label with id. */
static int to_token(EVP_PKEY *key, X509 *cert, const char *label, const char *id)
{
    char kpath[500], cpath[500], cmd[1600];
    unsigned char *der = NULL;
    int len, rc = -1;
    snprintf(kpath, sizeof kpath, "%s/%s.key.der", hsm, label);
    snprintf(cpath, sizeof cpath, "%s/%s.crt.der", hsm, label);
    PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(key);
    len = p8 ? i2d_PKCS8_PRIV_KEY_INFO(p8, &der) : -1;
    PKCS8_PRIV_KEY_INFO_free(p8);
    if (write_der(kpath, der, len))
        goto out;
    OPENSSL_free(der);
    der = NULL;
    len = i2d_X509(cert, &der);
    if (write_der(cpath, der, len))
        goto out;
    snprintf(cmd, sizeof cmd,
             "pkcs11-tool --module " MODULE " --login --pin " PIN
             " --write-object '%s' --type privkey --id %s --label %s >/dev/null 2>&1 &&"
             " pkcs11-tool --module " MODULE " --login --pin " PIN
             " --write-object '%s' --type cert --id %s --label %s >/dev/null 2>&1",
             kpath, id, label, cpath, id, label);
    rc = sh(cmd);
    unlink(kpath); /* the key now lives on the token only */
out:
    OPENSSL_free(der);
    return rc;
}

/* Runs `motcua key import-pkcs11` with stdin_text on standard input. */
static int import_cli(const char *stdin_text, const char *const *extra, int nextra)
{
    char in[500];
    snprintf(in, sizeof in, "%s/stdin.txt", hsm);
    FILE *f = fopen(in, "w");
    if (!f)
        return -1;
    fputs(stdin_text, f);
    fclose(f);
    if (!freopen(in, "r", stdin))
        return -1;
    char *argv[32] = {"key",      "import-pkcs11", "--data", fx_dir,
                      "--module", MODULE,          "--unit", FX_COMMUNE};
    int argc = 8;
    for (int i = 0; i < nextra && argc < 31; i++)
        argv[argc++] = (char *)extra[i];
    argv[argc] = NULL;
    fflush(stdout);
    return cmd_key(argc, argv);
}

static int64_t key_state(void)
{
    return fx_int("SELECT (SELECT count(*) FROM signing_keys) * 1000003 +"
                  " (SELECT count(*) FROM audit_log) * 7919",
                  NULL);
}

static int setup(void)
{
    char conf[500], cmd[1200];
    snprintf(hsm, sizeof hsm, "%s/hsm", fx_dir);
    snprintf(cmd, sizeof cmd, "mkdir -p '%s/tokens'", hsm);
    if (access(MODULE, R_OK) != 0 || system("command -v pkcs11-tool >/dev/null") != 0 ||
        system("command -v softhsm2-util >/dev/null") != 0) {
        printf("setup: SoftHSM2 (" MODULE ") and pkcs11-tool are needed: run "
               "scripts/install-deps.sh test\n");
        return -1;
    }
    if (sh(cmd))
        return -1;
    snprintf(conf, sizeof conf, "%s/softhsm2.conf", hsm);
    FILE *f = fopen(conf, "w");
    if (!f)
        return -1;
    fprintf(f, "directories.tokendir = %s/tokens\nobjectstore.backend = file\nlog.level = ERROR\n",
            hsm);
    fclose(f);
    /* Before the engine starts SoftHSM, which reads it then. */
    setenv("SOFTHSM2_CONF", conf, 1);
    if (sh("softhsm2-util --init-token --free --label " TOKEN " --pin " PIN
           " --so-pin 11223344 >/dev/null"))
        return -1;
    int64_t now = now_unix();
    EVP_PKEY *ca_key = tc_key(), *k1 = tc_key(), *k2 = tc_key();
    X509 *ca =
        tc_cert(ca_key, "Token CA", "Test", NULL, ca_key, now - 86400, now + 365 * 86400, TC_CA);
    leader_cert = tc_cert(k1, "Trịnh Văn Long", "Phường Hạc Thành", ca, ca_key, now - 86400,
                          now + 365 * 86400, TC_SIGN);
    seal_cert = tc_cert(k2, "Phường Hạc Thành", "Phường Hạc Thành", ca, ca_key, now - 86400,
                        now + 365 * 86400, TC_SIGN);
    int rc = leader_cert && seal_cert && to_token(k1, leader_cert, "long", "01") == 0 &&
                     to_token(k2, seal_cert, "seal", "02") == 0
                 ? 0
                 : -1;
    X509_free(ca);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(k1);
    EVP_PKEY_free(k2);
    return rc;
}

TEST(wrong_pin_stores_nothing)
{
    const char *extra[] = {"--login", FX_LEADER, "--uri", URI_LEADER, "--pin-stdin"};
    int64_t before = key_state();
    CHECK_EQ_INT(import_cli("000000\n", extra, 5), 1);
    CHECK_EQ_INT(key_state(), before);
    /* A PIN inside the URI is refused before the token is asked. */
    const char *in_uri[] = {"--login", FX_LEADER, "--uri", URI_LEADER ";pin-value=" PIN};
    CHECK_EQ_INT(import_cli("", in_uri, 4), 1);
    CHECK_EQ_INT(key_state(), before);
}

TEST(token_key_signs)
{
    const char *extra[] = {"--login", FX_LEADER, "--uri", URI_LEADER, "--pin-stdin"};
    int64_t before = key_state(), now = now_unix();
    CHECK_EQ_INT(import_cli(PIN "\n", extra, 5), 0);
    CHECK_EQ_INT(key_state(), before + 1000003 + 7919);

    /* What is stored: the URI and the module, the PIN sealed, no key. */
    char v[600];
    CHECK_EQ_STR(
        fx_text("SELECT source FROM signing_keys ORDER BY id DESC LIMIT 1", NULL, v, sizeof v),
        "pkcs11");
    CHECK_EQ_STR(
        fx_text("SELECT pkcs11_uri FROM signing_keys ORDER BY id DESC LIMIT 1", NULL, v, sizeof v),
        URI_LEADER);
    CHECK_EQ_STR(fx_text("SELECT pkcs11_module FROM signing_keys ORDER BY id DESC LIMIT 1", NULL, v,
                         sizeof v),
                 MODULE);
    CHECK_EQ_INT(fx_int("SELECT key_pem IS NULL FROM signing_keys ORDER BY id DESC LIMIT 1", NULL),
                 1);
    fx_text("SELECT pin_ref FROM signing_keys ORDER BY id DESC LIMIT 1", NULL, v, sizeof v);
    CHECK(strncmp(v, "v1:", 3) == 0 && strstr(v, PIN) == NULL);

    /* The leader's newest key now is the token's: it signs on the token and
     * OpenSSL verifies the signature with the certificate. */
    struct signer *s = NULL;
    struct derr err = {0};
    CHECK_EQ_INT(
        keys_signer(fx_db, fx_dir, fx_unit(FX_COMMUNE), fx_account(FX_LEADER), now, &s, &err), 0);
    if (!s) {
        printf("  %s\n", err.message);
        return;
    }
    CHECK(X509_cmp(s->cert, leader_cert) == 0);
    CHECK(p11_is_token_key(s->key));
    CHECK_EQ_STR(s->name, "Trịnh Văn Long");
    unsigned char msg[] = "Quyết định cấp giấy phép", sig[256];
    size_t siglen = sizeof sig;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    CHECK(c && EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, s->key) == 1 &&
          EVP_DigestSign(c, sig, &siglen, msg, sizeof msg) == 1);
    EVP_MD_CTX_free(c);
    CHECK(tc_verify(leader_cert, msg, sizeof msg, sig, siglen));
    msg[0] ^= 1;
    CHECK(!tc_verify(leader_cert, msg, sizeof msg, sig, siglen));
    signer_free(s);
    derr_clear(&err);
}

TEST(pin_from_environment)
{
    const char *extra[] = {"--uri", URI_SEAL, "--pin-env", "MOTCUA_TEST_TOKEN_PIN"};
    int64_t before = key_state(), now = now_unix();
    /* The variable must hold the PIN when the key is registered. */
    unsetenv("MOTCUA_TEST_TOKEN_PIN");
    CHECK_EQ_INT(import_cli("", extra, 4), 1);
    CHECK_EQ_INT(key_state(), before);
    setenv("MOTCUA_TEST_TOKEN_PIN", PIN, 1);
    CHECK_EQ_INT(import_cli("", extra, 4), 0);
    char v[100];
    CHECK_EQ_STR(
        fx_text("SELECT pin_ref FROM signing_keys ORDER BY id DESC LIMIT 1", NULL, v, sizeof v),
        "env:MOTCUA_TEST_TOKEN_PIN");

    struct signer *s = NULL;
    struct derr err = {0};
    CHECK_EQ_INT(keys_signer(fx_db, fx_dir, fx_unit(FX_COMMUNE), 0, now, &s, &err), 0);
    CHECK(s && X509_cmp(s->cert, seal_cert) == 0);
    signer_free(s);
    s = NULL;
    unsetenv("MOTCUA_TEST_TOKEN_PIN");
    CHECK_EQ_INT(keys_signer(fx_db, fx_dir, fx_unit(FX_COMMUNE), 0, now, &s, &err), -1);
    CHECK_EQ_STR(err.code, "token_failed");
    CHECK_EQ_STR(err.message, "Chưa có mã PIN của thiết bị ký số của Phường Hạc Thành: máy chủ "
                              "cần biến môi trường MOTCUA_TEST_TOKEN_PIN.");
    derr_clear(&err);
}

TEST(token_gone_mid_signing)
{
    struct signer *s = NULL;
    struct derr err = {0};
    char cmd[600];
    int64_t now = now_unix();
    CHECK_EQ_INT(
        keys_signer(fx_db, fx_dir, fx_unit(FX_COMMUNE), fx_account(FX_LEADER), now, &s, &err), 0);
    if (!s)
        return;
    /* The token is pulled out: its objects are gone. */
    snprintf(cmd, sizeof cmd, "rm -rf '%s/tokens'/*", hsm);
    CHECK_EQ_INT(sh(cmd), 0);
    unsigned char msg[] = "x", sig[256];
    size_t siglen = sizeof sig;
    EVP_MD_CTX *c = EVP_MD_CTX_new();
    int ok = c && EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, s->key) == 1 &&
             EVP_DigestSign(c, sig, &siglen, msg, sizeof msg) == 1;
    EVP_MD_CTX_free(c);
    CHECK(!ok);
    CHECK_EQ_INT(keys_sign_failure(s, &err), -1);
    CHECK_EQ_STR(err.code, "token_failed");
    static const char prefix[] =
        "Thiết bị ký số (token PKCS#11) của Trịnh Văn Long không ký được: PKCS#11 module: ";
    CHECK(strncmp(err.message, prefix, sizeof prefix - 1) == 0);
    CHECK(strstr(err.message, "Kiểm tra thiết bị còn kết nối") != NULL);
    if (strncmp(err.message, prefix, sizeof prefix - 1) != 0)
        printf("  message: %s\n", err.message);
    signer_free(s);
    s = NULL;
    /* Loaded again (the engine remembers the token's objects), it still
     * cannot sign, and says so the same way. */
    if (keys_signer(fx_db, fx_dir, fx_unit(FX_COMMUNE), fx_account(FX_LEADER), now, &s, &err) ==
        0) {
        siglen = sizeof sig;
        c = EVP_MD_CTX_new();
        ok = c && EVP_DigestSignInit(c, NULL, EVP_sha256(), NULL, s->key) == 1 &&
             EVP_DigestSign(c, sig, &siglen, msg, sizeof msg) == 1;
        EVP_MD_CTX_free(c);
        CHECK(!ok);
        CHECK_EQ_INT(keys_sign_failure(s, &err), -1);
    }
    CHECK_EQ_STR(err.code, "token_failed");
    signer_free(s);
    derr_clear(&err);
}

int main(void)
{
    if (fx_open("pkcs11") || setup()) {
        printf("setup failed\n");
        return 1;
    }
    RUN(wrong_pin_stores_nothing);
    RUN(token_key_signs);
    RUN(pin_from_environment);
    RUN(token_gone_mid_signing);
    X509_free(leader_cert);
    X509_free(seal_cert);
    fx_close();
    return harness_done();
}
