/* p11: PKCS#11 tokens through libp11's OpenSSL engine.
 *
 * The ENGINE API is deprecated in OpenSSL 3, but on Debian 12 libp11
 * (0.4.12, libengine-pkcs11-openssl) is an engine only: its OpenSSL 3
 * provider (pkcs11-provider) is not packaged there. So this one file asks
 * for the deprecated declarations, and nothing else in the tree uses the
 * engine API. */
#define OPENSSL_SUPPRESS_DEPRECATED

#include "sign/p11.h"

#include <openssl/ec.h>
#include <openssl/engine.h>
#include <openssl/err.h>
#include <openssl/rsa.h>
#include <openssl/ui.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "base/util.h"

/* The engine, started once with the first module asked for; the PIN is a
 * setting of the engine, so loads are serialised. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static ENGINE *engine;
static char engine_module[1024];

/* The newest error of the queue as "library: reason" into out, and
 * whether it came from the PKCS#11 side. Clears the queue. */
static int newest_error(char *out, size_t cap)
{
    unsigned long e, p11 = 0, other = 0;
    while ((e = ERR_get_error())) {
        const char *lib = ERR_lib_error_string(e);
        if (lib && (strstr(lib, "PKCS#11") || strstr(lib, "pkcs11"))) {
            if (!p11 || strstr(lib, "module"))
                p11 = e; /* the module's own words beat the engine's */
        } else if (!other) {
            other = e;
        }
    }
    e = p11 ? p11 : other;
    if (!e) {
        out[0] = '\0';
        return 0;
    }
    const char *lib = ERR_lib_error_string(e), *reason = ERR_reason_error_string(e);
    if (reason)
        snprintf(out, cap, "%s: %s", lib ? lib : "OpenSSL", reason);
    else
        ERR_error_string_n(e, out, cap);
    return p11 != 0;
}

int p11_last_error(char *out, size_t cap)
{
    return newest_error(out, cap);
}

/* The started engine for module (lock held). */
static ENGINE *engine_for(const char *module, char *err, size_t errlen)
{
    struct stat sb;
    char why[256];
    if (engine) {
        if (strcmp(module, engine_module) == 0)
            return engine;
        snprintf(err, errlen,
                 "this process already uses the PKCS#11 module %s; one module per process "
                 "(asked for %s)",
                 engine_module, module);
        return NULL;
    }
    if (module[0] != '/' || stat(module, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        snprintf(err, errlen, "the PKCS#11 module %s is not a file (give its absolute path)",
                 module);
        return NULL;
    }
    if (copy_str(engine_module, sizeof engine_module, module)) {
        snprintf(err, errlen, "the PKCS#11 module's path is too long");
        return NULL;
    }
    ENGINE *e = ENGINE_by_id("pkcs11");
    if (!e) {
        newest_error(why, sizeof why);
        snprintf(err, errlen,
                 "cannot load OpenSSL's pkcs11 engine (install libengine-pkcs11-openssl): %s", why);
        return NULL;
    }
    /* QUIET: the engine would otherwise print its own messages on stderr;
     * they are taken from the error queue instead. */
    if (!ENGINE_ctrl_cmd_string(e, "MODULE_PATH", module, 0) ||
        !ENGINE_ctrl_cmd_string(e, "QUIET", NULL, 0) || !ENGINE_init(e)) {
        newest_error(why, sizeof why);
        snprintf(err, errlen, "cannot start the PKCS#11 module %s: %s", module, why);
        ENGINE_free(e);
        return NULL;
    }
    /* The structural reference goes; the functional one from ENGINE_init
     * keeps the engine for the life of the process. */
    ENGINE_free(e);
    engine = e;
    return e;
}

/* Sets the PIN for the next load (lock held). "" when there is none: a
 * PIN left from another key must not be offered to this token. */
static int set_pin(ENGINE *e, const char *pin)
{
    return ENGINE_ctrl_cmd_string(e, "PIN", pin ? pin : "", 0) ? 0 : -1;
}

int p11_load_key(const char *module, const char *uri, const char *pin, EVP_PKEY **key, char *err,
                 size_t errlen)
{
    char why[256];
    int rc = -1;
    *key = NULL;
    ERR_clear_error();
    pthread_mutex_lock(&lock);
    ENGINE *e = engine_for(module, err, errlen);
    if (!e)
        goto out;
    if (set_pin(e, pin)) {
        snprintf(err, errlen, "cannot give the PIN to the PKCS#11 engine");
        goto out;
    }
    /* UI_null: a server never prompts on a terminal; no PIN means no PIN. */
    *key = ENGINE_load_private_key(e, uri, (UI_METHOD *)UI_null(), NULL);
    set_pin(e, "");
    if (!*key) {
        newest_error(why, sizeof why);
        snprintf(err, errlen, "%s", why[0] ? why : "the token gave no key");
        goto out;
    }
    rc = 0;
out:
    pthread_mutex_unlock(&lock);
    ERR_clear_error();
    return rc;
}

int p11_load_cert(const char *module, const char *uri, const char *pin, X509 **cert, char *err,
                  size_t errlen)
{
    char why[256];
    int rc = -1;
    /* The engine's LOAD_CERT_CTRL argument. */
    struct {
        const char *s_slot_cert_id;
        X509 *cert;
    } arg = {uri, NULL};
    *cert = NULL;
    ERR_clear_error();
    pthread_mutex_lock(&lock);
    ENGINE *e = engine_for(module, err, errlen);
    if (!e)
        goto out;
    if (set_pin(e, pin)) {
        snprintf(err, errlen, "cannot give the PIN to the PKCS#11 engine");
        goto out;
    }
    int ok = ENGINE_ctrl_cmd(e, "LOAD_CERT_CTRL", 0, &arg, NULL, 0);
    set_pin(e, "");
    if (!ok || !arg.cert) {
        newest_error(why, sizeof why);
        snprintf(err, errlen, "%s", why[0] ? why : "no certificate there");
        X509_free(arg.cert);
        goto out;
    }
    *cert = arg.cert;
    rc = 0;
out:
    pthread_mutex_unlock(&lock);
    ERR_clear_error();
    return rc;
}

int p11_is_token_key(EVP_PKEY *key)
{
    if (!key)
        return 0;
    if (EVP_PKEY_get0_engine(key))
        return 1;
    /* libp11 gives EC and RSA keys its own methods rather than setting the
     * key's engine. */
    switch (EVP_PKEY_get_base_id(key)) {
    case EVP_PKEY_EC: {
        const EC_KEY *ec = EVP_PKEY_get0_EC_KEY(key);
        return ec && EC_KEY_get_method(ec) != EC_KEY_OpenSSL();
    }
    case EVP_PKEY_RSA: {
        const RSA *rsa = EVP_PKEY_get0_RSA(key);
        return rsa && RSA_get_method(rsa) != RSA_PKCS1_OpenSSL();
    }
    default:
        return 0;
    }
}
