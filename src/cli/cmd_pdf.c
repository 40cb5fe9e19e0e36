/* cmd_pdf: signs PDFs (PAdES, by incremental update) and verifies their
 * signatures from the command line. The signer is a PKCS#12 file or the
 * data directory's key store (a unit's seal, an official's personal key);
 * the timestamp comes from a TSA's URL or the data directory's own TSA. */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "auth/account.h"
#include "base/derr.h"
#include "base/dynbuf.h"
#include "base/util.h"
#include "catalog/unit.h"
#include "cli/cli.h"
#include "sign/appearance.h"
#include "sign/keys.h"
#include "sign/pades.h"
#include "sign/pdf_read.h"
#include "sign/pdf_verify.h"
#include "sign/signer.h"
#include "sign/tsa.h"
#include "sign/tsa_server.h"
#include "store/store.h"

/* Exit statuses, as `audit verify` has them: a script must tell a changed
 * or badly signed file (1) from one it could not read (3). */
enum { PDF_OK = 0, PDF_FAILED = 1, PDF_USAGE = 2, PDF_UNREADABLE = 3 };

#define MAX_TRUST 16
#define MAX_P12 ((size_t)1 << 20)

static const char usage[] =
    "usage: motcua pdf sign (--p12 FILE.p12 [--password-stdin] | --data DIR --unit CODE\n"
    "                       [--login LOGIN]) [--tsa-url URL [--tsa-trust FILE] |\n"
    "                       --no-timestamp] [--no-ltv] [--reason TEXT] [--location TEXT]\n"
    "                       [--seal | --official] [--title TEXT] [--name TEXT]\n"
    "                       [--image PNG] [--page N] [--rect X0,Y0,X1,Y1] IN.pdf OUT.pdf\n"
    "       motcua pdf verify [--data DIR] [--trust ROOT.pem]... [--json] FILE.pdf\n"
    "Run `motcua pdf sign --help` or `motcua pdf verify --help` for details.\n";

static const char sign_usage[] =
    "usage: motcua pdf sign (--p12 FILE.p12 [--password-stdin] | --data DIR --unit CODE\n"
    "                       [--login LOGIN]) [--tsa-url URL [--tsa-trust FILE] |\n"
    "                       --no-timestamp] [--no-ltv] [--reason TEXT] [--location TEXT]\n"
    "                       [--seal | --official] [--title TEXT] [--name TEXT]\n"
    "                       [--image PNG] [--page N] [--rect X0,Y0,X1,Y1] IN.pdf OUT.pdf\n"
    "  Signs IN.pdf and writes OUT.pdf: the bytes of IN.pdf unchanged, then an\n"
    "  incremental update with a PAdES signature (ETSI.CAdES.detached, SHA-256) and\n"
    "  its visible mark. A signed file can be signed again; earlier signatures stay\n"
    "  valid. The signing key is one of:\n"
    "  --p12 FILE.p12    the key, certificate and chain of a PKCS#12 file\n"
    "  --password-stdin  read its password from the first line of standard input\n"
    "                    (without it the password is empty)\n"
    "  --data DIR --unit CODE  the key store of data directory DIR: the seal of the\n"
    "                    unit CODE (its organisation key; the mark is --seal)\n"
    "  --login LOGIN     ... or the personal key of the official LOGIN for that unit\n"
    "                    (the mark is --official). The key must be valid now and not\n"
    "                    revoked; the mark shows the image stored with it\n"
    "  Timestamp (PAdES B-T): the signature value is timestamped by\n"
    "  --tsa-url URL     this Time-Stamping Authority (RFC 3161; MOTCUA_TSA_URL when\n"
    "                    not given; MOTCUA_TSA_AUTH=user:password for basic auth)\n"
    "  --tsa-trust FILE  PEM certificates the TSA's token must verify against\n"
    "                    else, with --data, by the data directory's own TSA key, in\n"
    "                    this process; else there is none (PAdES B-B)\n"
    "  --no-timestamp    no timestamp at all (PAdES B-B)\n"
    "  Long-term validation (PAdES B-LT): once signed, the OCSP answers (else the\n"
    "  CRLs) the certificates point to over http are fetched (5 s each) and added\n"
    "  with the chains in one more update (/DSS); where none can be had, the file\n"
    "  stays as signed and a note says why.\n"
    "  --no-ltv          do not fetch or add them\n"
    "  The mark:\n"
    "  --official        (default with --p12) a person signs: the handwritten\n"
    "                    signature in blue, --title above it and the name under it\n"
    "  --seal            the organisation signs: its red seal over the left third of\n"
    "                    the page's last signature, with its name and the signing time\n"
    "  --name TEXT       the name shown (default: the certificate's common name; for\n"
    "                    --seal its organisation)\n"
    "  --image PNG       the handwritten signature or the seal (transparent PNG);\n"
    "                    without it, the key store's image, else one is drawn\n"
    "  --page N          the page (1 = first; default: the last page)\n"
    "  --rect X0,Y0,X1,Y1  where on the page, in points from its lower left corner\n"
    "                    (default: the bottom right, above the margin)\n"
    "  OUT.pdf is written whole or not at all (a temporary file, then renamed) and\n"
    "  never over IN.pdf.\n"
    "  Exit status: 0 signed; 1 the file cannot be signed (not a PDF, encrypted,\n"
    "  damaged, a wrong password, a key revoked, expired or missing, a TSA that does\n"
    "  not answer...; nothing is written); 2 usage error; 3 a file or the data\n"
    "  directory cannot be read.\n";

static const char verify_usage[] =
    "usage: motcua pdf verify [--data DIR] [--trust ROOT.pem]... [--json] FILE.pdf\n"
    "  Checks every signature of FILE.pdf: that it covers the file but its own\n"
    "  signature value, that the signature matches those bytes, that the signer's\n"
    "  certificate chains to a trusted root and was valid at the signing time, and\n"
    "  that a timestamp, if any, is sound. Trusted roots: those given with --trust\n"
    "  (PEM, one or more certificates a file, the option repeated up to 16 times),\n"
    "  and with --data the trust anchors of data directory DIR (motcua key trust;\n"
    "  the demo root of a demo directory). Prints, for each signature, the\n"
    "  signer, the time, the timestamp authority and what part of the file it covers;\n"
    "  --json prints the report as JSON instead. Revocation is not checked.\n"
    "  Exit status: 0 every signature is valid and trusted and the last one covers\n"
    "  the whole file; 1 a signature is invalid or untrusted, the file was changed\n"
    "  after the last signature, or it has none; 2 usage error; 3 the file cannot be\n"
    "  read as a PDF, or a trust file or the data directory cannot be read.\n";

/* Reads a whole file of at most max bytes. OUT: *len. NULL with a message
 * printed when it cannot. */
static unsigned char *read_file(const char *cmd, const char *path, size_t max, size_t *len)
{
    struct stat sb;
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "motcua pdf %s: cannot read %s: %s\n", cmd, path, strerror(errno));
        return NULL;
    }
    if (!S_ISREG(sb.st_mode)) {
        fprintf(stderr, "motcua pdf %s: %s is not a regular file\n", cmd, path);
        return NULL;
    }
    if ((size_t)sb.st_size > max) {
        fprintf(stderr, "motcua pdf %s: %s is larger than %zu MiB\n", cmd, path, max >> 20);
        return NULL;
    }
    unsigned char *p = (unsigned char *)dynbuf_read_file(path, max, len);
    if (!p)
        fprintf(stderr, "motcua pdf %s: cannot read %s\n", cmd, path);
    return p;
}

/* Writes data to path whole or not at all: a temporary file in the same
 * directory, flushed to disk, then renamed over path. */
static int write_atomic(const char *path, const unsigned char *data, size_t len)
{
    char tmp[4200];
    if (snprintf(tmp, sizeof tmp, "%s.tmp.XXXXXX", path) >= (int)sizeof tmp) {
        fprintf(stderr, "motcua pdf sign: the path %s is too long\n", path);
        return -1;
    }
    int fd = mkstemp(tmp);
    if (fd < 0) {
        fprintf(stderr, "motcua pdf sign: cannot create a file beside %s: %s\n", path,
                strerror(errno));
        return -1;
    }
    size_t done = 0;
    int rc = 0;
    while (done < len) {
        ssize_t n = write(fd, data + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = -1;
            break;
        }
        done += (size_t)n;
    }
    if (rc == 0 && (fchmod(fd, 0644) != 0 || fsync(fd) != 0))
        rc = -1;
    int saved = errno;
    if (close(fd) != 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    if (rc == 0 && rename(tmp, path) != 0) {
        rc = -1;
        saved = errno;
    }
    if (rc) {
        unlink(tmp);
        fprintf(stderr, "motcua pdf sign: cannot write %s: %s\n", path, strerror(saved));
    }
    return rc;
}

/* Opens DIR/motcua.db read-only: signing and verifying read the key store
 * and never change the database. OUT: *db. Returns PDF_OK, or
 * PDF_UNREADABLE after saying why. */
static int open_data(const char *cmd, const char *dir, struct store **db)
{
    char path[1100], err[512];
    struct stat sb;
    *db = NULL;
    if (snprintf(path, sizeof path, "%s/motcua.db", dir) >= (int)sizeof path) {
        fprintf(stderr, "motcua pdf %s: the path %s is too long\n", cmd, dir);
        return PDF_UNREADABLE;
    }
    if (stat(path, &sb) != 0) {
        fprintf(stderr, "motcua pdf %s: no database at %s (%s)\n", cmd, path, strerror(errno));
        return PDF_UNREADABLE;
    }
    if (store_open(path, 1, db, err, sizeof err)) {
        fprintf(stderr, "motcua pdf %s: cannot open %s: %s\n", cmd, path, err);
        return PDF_UNREADABLE;
    }
    return PDF_OK;
}

/* Who signs, and where the timestamp comes from: a PKCS#12 file, or the
 * key store of a data directory (--data DIR --unit CODE [--login LOGIN]). */
struct sign_args {
    const char *p12;
    int password_stdin;
    const char *data, *unit, *login;
    const char *tsa_url, *tsa_trust;
    int no_timestamp;
    int no_ltv;
};

static int load_p12(const struct sign_args *a, struct signer **out)
{
    char pw[1024] = "", err[256];
    if (a->password_stdin) {
        if (!fgets(pw, (int)sizeof pw, stdin)) {
            fprintf(stderr, "motcua pdf sign: no password on standard input\n");
            return PDF_FAILED;
        }
        pw[strcspn(pw, "\r\n")] = 0;
    }
    size_t len;
    unsigned char *p12 = read_file("sign", a->p12, MAX_P12, &len);
    if (!p12)
        return PDF_UNREADABLE;
    int rc = signer_from_p12(p12, len, pw, out, err, sizeof err);
    OPENSSL_cleanse(pw, sizeof pw);
    free(p12);
    if (rc) {
        fprintf(stderr, "motcua pdf sign: %s: %s\n", a->p12, err);
        return PDF_FAILED;
    }
    return PDF_OK;
}

/* The key store's signer for the unit's seal (no login) or the official's
 * personal key, valid now, and the image stored with that key (*png NULL
 * when it has none; caller frees). A refusal of the key store (revoked,
 * expired, not yet valid, none, the master key unusable) is printed as it
 * is, in Vietnamese: the official reads it. */
static int load_from_store(const struct sign_args *a, struct store *db, struct signer **out,
                           unsigned char **png, size_t *pnglen)
{
    struct unit u;
    struct keys_info k;
    struct derr derr = {0};
    int64_t account_id = 0, now = now_unix();
    int rc = unit_by_code(db, a->unit, &u);
    if (rc != STORE_ROW) {
        if (rc == STORE_DONE)
            fprintf(stderr, "motcua pdf sign: unknown unit %s\n", a->unit);
        else
            fprintf(stderr, "motcua pdf sign: cannot read %s: %s\n", a->data, store_errmsg(db));
        return rc == STORE_DONE ? PDF_FAILED : PDF_UNREADABLE;
    }
    if (a->login) {
        rc = account_id_by_login(db, a->login, "staff", ACCOUNT_ANY_STATE, &account_id);
        if (rc != STORE_ROW) {
            if (rc == STORE_DONE)
                fprintf(stderr, "motcua pdf sign: no officer with login %s\n", a->login);
            else
                fprintf(stderr, "motcua pdf sign: cannot read %s: %s\n", a->data,
                        store_errmsg(db));
            return rc == STORE_DONE ? PDF_FAILED : PDF_UNREADABLE;
        }
    }
    if (keys_signer(db, a->data, u.id, account_id, now, out, &derr)) {
        fprintf(stderr, "motcua pdf sign: %s\n", derr.message);
        derr_clear(&derr);
        return PDF_FAILED;
    }
    /* The same choice again, for the image of the key just loaded. */
    if (keys_current(db, u.id, account_id, NULL, now, &k, &derr) == 0 &&
        keys_image(db, k.id, png, pnglen) < 0) {
        fprintf(stderr, "motcua pdf sign: cannot read the image of key %lld: %s\n",
                (long long)k.id, store_errmsg(db));
        derr_clear(&derr);
        return PDF_UNREADABLE;
    }
    derr_clear(&derr);
    return PDF_OK;
}

/* Where the signature's timestamp comes from (PAdES B-T), and why the last
 * one failed, for the message. */
struct stamping {
    struct tsa_config config;
    int have_config;
    struct tsa_server *own; /* the data directory's TSA key, in this process */
    char why[512];
};

/* The TSA client as the signer's callback, keeping the reason of a
 * failure (tsa_timestamp_cb would only log it). */
static int stamp_by_url(void *ctx, const unsigned char *sig_value, size_t len,
                        unsigned char **token, size_t *token_len)
{
    struct stamping *st = ctx;
    return tsa_timestamp(&st->config, sig_value, len, token, token_len, st->why,
                         sizeof st->why);
}

/* Sets o->timestamp and o->timestamp_ctx: the TSA at --tsa-url (or
 * MOTCUA_TSA_URL), else with a data directory its own TSA key, else none
 * (PAdES B-B); --no-timestamp: none. Returns PDF_OK, PDF_USAGE (a bad URL
 * or trust file) or PDF_FAILED (the data directory's TSA key cannot be
 * used), after saying why; st is to be released with stamping_close
 * either way. */
static int timestamp_source(struct pades_options *o, const struct sign_args *a,
                            struct store *db, struct stamping *st)
{
    char err[512];
    const char *url = a->tsa_url;
    memset(st, 0, sizeof *st);
    o->timestamp = NULL;
    o->timestamp_ctx = NULL;
    if (a->no_timestamp)
        return PDF_OK;
    if (!url && (url = getenv("MOTCUA_TSA_URL")) && !*url)
        url = NULL; /* set but empty: as if unset */
    if (url) {
        if (tsa_config_init(&st->config, url, getenv("MOTCUA_TSA_AUTH"), err, sizeof err)) {
            fprintf(stderr, "motcua pdf sign: --tsa-url: %s\n", err);
            return PDF_USAGE;
        }
        st->have_config = 1;
        if (a->tsa_trust && tsa_config_trust_file(&st->config, a->tsa_trust, err, sizeof err)) {
            fprintf(stderr, "motcua pdf sign: --tsa-trust: %s\n", err);
            return PDF_USAGE;
        }
        o->timestamp = stamp_by_url;
        o->timestamp_ctx = st;
        return PDF_OK;
    }
    if (!db)
        return PDF_OK;
    int own = tsa_server_from_keys(db, a->data, &st->own, err, sizeof err);
    if (own < 0) {
        /* Signing without the timestamp the directory is set up to give
         * would quietly make a weaker signature: say so instead. */
        fprintf(stderr,
                "motcua pdf sign: the data directory's TSA key cannot be used: %s (--tsa-url "
                "names another TSA; --no-timestamp signs without one)\n",
                err);
        return PDF_FAILED;
    }
    if (own > 0) {
        o->timestamp = tsa_server_timestamp_cb;
        o->timestamp_ctx = st->own;
    }
    return PDF_OK;
}

static void stamping_close(struct stamping *st)
{
    if (st->have_config)
        tsa_config_release(&st->config);
    tsa_server_free(st->own);
    st->have_config = 0;
    st->own = NULL;
}

/* Which signer the options name: exactly one of --p12 and --data/--unit,
 * and what goes with each. Returns PDF_OK or PDF_USAGE after saying why. */
static int check_identity(const struct sign_args *a, int seal, int official)
{
    const char *why = NULL;
    if (!a->p12 && !a->data)
        why = "--p12 FILE or --data DIR --unit CODE is required";
    else if (a->p12 && a->data)
        why = "--p12 and --data are two ways to name the signer: give one";
    else if (a->p12 && (a->unit || a->login))
        why = "--unit and --login go with --data";
    else if (a->data && !a->unit)
        why = "--data needs --unit CODE";
    else if (a->data && a->password_stdin)
        why = "--password-stdin goes with --p12";
    else if (a->data && a->login && seal)
        why = "--login signs as the official: not with --seal";
    else if (a->data && !a->login && official)
        why = "--official needs --login (without it the unit's seal signs)";
    else if (a->tsa_trust && !a->tsa_url)
        why = "--tsa-trust goes with --tsa-url";
    else if (a->no_timestamp && a->tsa_url)
        why = "--no-timestamp and --tsa-url contradict each other";
    if (!why)
        return PDF_OK;
    fprintf(stderr, "motcua pdf sign: %s\n%s", why, sign_usage);
    return PDF_USAGE;
}

static int parse_rect(const char *s, double r[4])
{
    char *end;
    const char *p = s;
    for (int i = 0; i < 4; i++) {
        errno = 0;
        r[i] = strtod(p, &end);
        if (end == p || errno)
            return -1;
        p = end;
        if (i < 3) {
            if (*p != ',')
                return -1;
            p++;
        }
    }
    return *p ? -1 : 0;
}

static int same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (strcmp(a, b) == 0)
        return 1;
    return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
           sa.st_ino == sb.st_ino;
}

/* The signer the options name, and the key store's image for its mark
 * (*png, caller frees; NULL for a PKCS#12 file or a key without one). db
 * is the data directory's store with --data, else NULL. */
static int load_signer(const struct sign_args *a, struct store *db, struct signer **out,
                       unsigned char **png, size_t *pnglen)
{
    *out = NULL;
    *png = NULL;
    *pnglen = 0;
    if (a->p12)
        return load_p12(a, out);
    return load_from_store(a, db, out, png, pnglen);
}

static int cmd_sign(int argc, char **argv)
{
    struct sign_args a = {0};
    const char *reason = NULL, *location = NULL, *title = NULL, *name = NULL, *image = NULL,
               *page = NULL, *rect = NULL, *pos[2];
    int seal = 0, official = 0, npos = 0;
    const struct cli_opt opts[] = {{"--p12", 1, &a.p12, NULL},
                                   {"--password-stdin", 0, NULL, &a.password_stdin},
                                   {"--data", 1, &a.data, NULL},
                                   {"--unit", 1, &a.unit, NULL},
                                   {"--login", 1, &a.login, NULL},
                                   {"--tsa-url", 1, &a.tsa_url, NULL},
                                   {"--tsa-trust", 1, &a.tsa_trust, NULL},
                                   {"--no-timestamp", 0, NULL, &a.no_timestamp},
                                   {"--no-ltv", 0, NULL, &a.no_ltv},
                                   {"--reason", 1, &reason, NULL},
                                   {"--location", 1, &location, NULL},
                                   {"--seal", 0, NULL, &seal},
                                   {"--official", 0, NULL, &official},
                                   {"--title", 1, &title, NULL},
                                   {"--name", 1, &name, NULL},
                                   {"--image", 1, &image, NULL},
                                   {"--page", 1, &page, NULL},
                                   {"--rect", 1, &rect, NULL},
                                   {0}};
    /* Messages name the command as the user typed it: "motcua pdf sign". */
    char **av = calloc((size_t)argc + 1, sizeof *av);
    if (!av)
        return PDF_FAILED;
    memcpy(av, argv, (size_t)argc * sizeof *av);
    av[0] = (char *)"pdf sign";
    int rc = cli_parse(argc, av, opts, sign_usage, pos, 2, &npos);
    free(av);
    if (rc)
        return rc == 1 ? PDF_OK : PDF_USAGE;
    if (npos != 2 || (seal && official)) {
        fprintf(stderr, "%s", sign_usage);
        return PDF_USAGE;
    }
    if ((rc = check_identity(&a, seal, official)))
        return rc;
    /* With the key store, the key's kind says how the mark looks. */
    if (a.data)
        seal = !a.login;
    struct pades_options o = {.reason = reason, .location = location, .title = title,
                              .name = name, .role = seal ? PADES_SEAL : PADES_OFFICIAL};
    if (page) {
        char *end;
        errno = 0;
        long n = strtol(page, &end, 10);
        if (*end || errno || n < 1 || n > PDFR_MAX_PAGES) {
            fprintf(stderr, "motcua pdf sign: --page needs a page number from 1\n");
            return PDF_USAGE;
        }
        o.page = (int)n;
    }
    if (rect) {
        if (parse_rect(rect, o.rect)) {
            fprintf(stderr, "motcua pdf sign: --rect needs X0,Y0,X1,Y1 in points\n");
            return PDF_USAGE;
        }
        o.has_rect = 1;
    }
    const char *in = pos[0], *outp = pos[1];
    if (same_file(in, outp)) {
        fprintf(stderr, "motcua pdf sign: OUT.pdf must not be IN.pdf (%s)\n", in);
        return PDF_USAGE;
    }
    struct store *db = NULL;
    struct signer *s = NULL;
    struct stamping stamp;
    unsigned char *pdf = NULL, *png = NULL, *stored_png = NULL, *signed_pdf = NULL;
    size_t len = 0, pnglen = 0, stored_len = 0, outlen = 0;
    char err[512];
    memset(&stamp, 0, sizeof stamp);
    if (a.data && (rc = open_data("sign", a.data, &db)))
        goto out;
    if ((rc = load_signer(&a, db, &s, &stored_png, &stored_len)))
        goto out;
    if (image) {
        if (!(png = read_file("sign", image, SIGAPP_MAX_PNG, &pnglen))) {
            rc = PDF_UNREADABLE;
            goto out;
        }
        o.image = png;
        o.image_len = pnglen;
    } else if (stored_png) {
        o.image = stored_png;
        o.image_len = stored_len;
    }
    if (!(pdf = read_file("sign", in, PDFR_MAX_FILE, &len))) {
        rc = PDF_UNREADABLE;
        goto out;
    }
    if ((rc = timestamp_source(&o, &a, db, &stamp)))
        goto out;
    struct ltv_result lres;
    memset(&lres, 0, sizeof lres);
    o.ltv = !a.no_ltv;
    o.ltv_result = &lres;
    if (pades_sign(pdf, len, s, &o, &signed_pdf, &outlen, err, sizeof err)) {
        fprintf(stderr, "motcua pdf sign: cannot sign %s: %s%s%s\n", in, err,
                stamp.why[0] ? ": " : "", stamp.why);
        rc = PDF_FAILED;
        goto out;
    }
    if (write_atomic(outp, signed_pdf, outlen)) {
        rc = PDF_FAILED;
        goto out;
    }
    printf("signed %s as %s%s%s%s -> %s\n", in, s->name, s->organisation[0] ? ", " : "",
           s->organisation, o.timestamp ? ", timestamped" : "", outp);
    if (lres.written)
        printf("long-term validation data added: %d OCSP answer%s, %d CRL%s\n", lres.ocsps,
               lres.ocsps == 1 ? "" : "s", lres.crls, lres.crls == 1 ? "" : "s");
    if (lres.failed)
        fprintf(stderr, "motcua pdf sign: note: revocation data not added for every "
                        "certificate: %s\n", lres.notes);
    rc = PDF_OK;
out:
    stamping_close(&stamp);
    free(signed_pdf);
    free(pdf);
    free(png);
    free(stored_png);
    signer_free(s);
    if (db)
        store_close(db);
    return rc;
}

static const char *str(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

/* The report in plain words. */
static void print_report(const char *path, json_t *r)
{
    json_t *sigs = json_object_get(r, "signatures");
    size_t n = json_array_size(sigs), i;
    long long size = json_integer_value(json_object_get(r, "file_size"));
    long long revs = json_integer_value(json_object_get(r, "revisions"));
    printf("%s: %zu signature%s, %lld byte%s, %lld revision%s\n", path, n, n == 1 ? "" : "s",
           size, size == 1 ? "" : "s", revs, revs == 1 ? "" : "s");
    json_t *s;
    json_array_foreach(sigs, i, s)
    {
        const char *st = str(s, "status");
        printf("\nSignature %zu (field %s, %s): %s\n", i + 1, str(s, "field"),
               str(s, "kind"), strcmp(st, "valid") == 0       ? "VALID"
                               : strcmp(st, "untrusted") == 0 ? "INTACT BUT NOT TRUSTED"
                                                              : "INVALID");
        if (*str(s, "problem"))
            printf("  problem:     %s\n", str(s, "problem"));
        if (*str(s, "signer"))
            printf("  signer:      %s%s%s\n", str(s, "signer"),
                   *str(s, "organisation") ? ", " : "", str(s, "organisation"));
        if (*str(s, "serial"))
            printf("  certificate: serial %s, issued by %s\n", str(s, "serial"),
                   str(s, "issuer"));
        const char *src = str(s, "time_source");
        if (*str(s, "signing_time"))
            printf("  signed at:   %s (%s)\n", str(s, "signing_time"),
                   strcmp(src, "timestamp") == 0 ? "from the timestamp"
                                                 : "as the signer's computer claims");
        else
            printf("  signed at:   unknown\n");
        json_t *ts = json_object_get(s, "timestamp");
        if (json_is_object(ts))
            printf("  timestamp:   %s by %s\n", str(ts, "time"),
                   *str(ts, "tsa") ? str(ts, "tsa") : "an unnamed authority");
        else
            printf("  timestamp:   none\n");
        printf("  long-term:   %s\n", json_is_true(json_object_get(s, "ltv"))
                                           ? "revocation data embedded (PAdES B-LT)"
                                           : "no revocation data embedded");
        if (*str(s, "reason"))
            printf("  reason:      %s\n", str(s, "reason"));
        if (*str(s, "location"))
            printf("  location:    %s\n", str(s, "location"));
        long long cov = json_integer_value(json_object_get(s, "covered_bytes"));
        long long rev = json_integer_value(json_object_get(s, "revision"));
        if (json_is_true(json_object_get(s, "whole_file")))
            printf("  covers:      the whole file (%lld bytes)\n", cov);
        else
            printf("  covers:      revision %lld of %lld, bytes 0 to %lld of %lld; this "
                   "signature does not cover the whole file: %lld bytes were added after it\n",
                   rev, revs, cov, size, size - cov);
    }
    printf("\nVerdict: %s\n", str(r, "summary"));
}

static int cmd_verify(int argc, char **argv)
{
    const char *trust_files[MAX_TRUST];
    int ntrust = 0, as_json = 0, npos = 0;
    const char *pos[1];
    /* --trust may be repeated: taken out here, the rest parsed as usual. */
    char **rest = calloc((size_t)argc + 1, sizeof *rest);
    if (!rest)
        return PDF_FAILED;
    int nrest = 0;
    for (int i = 0; i < argc; i++) {
        if (i > 0 && strcmp(argv[i], "--trust") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "motcua pdf verify: --trust needs a value\n");
                free(rest);
                return PDF_USAGE;
            }
            if (ntrust == MAX_TRUST) {
                fprintf(stderr, "motcua pdf verify: at most %d --trust files\n", MAX_TRUST);
                free(rest);
                return PDF_USAGE;
            }
            trust_files[ntrust++] = argv[++i];
            continue;
        }
        rest[nrest++] = argv[i];
    }
    rest[0] = (char *)"pdf verify"; /* messages say "motcua pdf verify" */
    const char *data = NULL;
    const struct cli_opt opts[] = {{"--json", 0, NULL, &as_json}, {"--data", 1, &data, NULL}, {0}};
    int rc = cli_parse(nrest, rest, opts, verify_usage, pos, 1, &npos);
    free(rest);
    if (rc)
        return rc == 1 ? PDF_OK : PDF_USAGE;
    if (npos != 1) {
        fprintf(stderr, "%s", verify_usage);
        return PDF_USAGE;
    }
    /* The roots: the data directory's trust anchors, then the --trust files. */
    X509_STORE *store = NULL;
    if (data) {
        struct store *db;
        if ((rc = open_data("verify", data, &db)))
            return rc;
        store = keys_trust_store(db);
        if (!store)
            fprintf(stderr, "motcua pdf verify: cannot read the trust anchors of %s: %s\n", data,
                    store_errmsg(db));
        store_close(db);
        if (!store)
            return PDF_UNREADABLE;
    } else if (ntrust) {
        store = X509_STORE_new();
        if (!store)
            return PDF_FAILED;
    }
    for (int i = 0; i < ntrust; i++) {
        if (X509_STORE_load_file(store, trust_files[i]) != 1) {
            fprintf(stderr, "motcua pdf verify: cannot read trusted roots from %s\n",
                    trust_files[i]);
            X509_STORE_free(store);
            return PDF_UNREADABLE;
        }
    }
    size_t len;
    unsigned char *pdf = read_file("verify", pos[0], PDFR_MAX_FILE, &len);
    if (!pdf) {
        X509_STORE_free(store);
        return PDF_UNREADABLE;
    }
    json_t *report = NULL;
    char err[512];
    int v = pdfv_verify(pdf, len, store, &report, err, sizeof err);
    free(pdf);
    X509_STORE_free(store);
    if (v < 0) {
        fprintf(stderr, "motcua pdf verify: cannot read %s: %s\n", pos[0], err);
        return PDF_UNREADABLE;
    }
    if (as_json) {
        char *txt = json_dumps(report, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (txt)
            printf("%s\n", txt);
        free(txt);
    } else {
        print_report(pos[0], report);
    }
    json_decref(report);
    return v == 0 ? PDF_OK : PDF_FAILED;
}

int cmd_pdf(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return PDF_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, stdout);
        return PDF_OK;
    }
    if (strcmp(argv[1], "sign") == 0)
        return cmd_sign(argc - 1, argv + 1);
    if (strcmp(argv[1], "verify") == 0)
        return cmd_verify(argc - 1, argv + 1);
    fprintf(stderr, "motcua pdf: unknown subcommand '%s'\n%s", argv[1], usage);
    return PDF_USAGE;
}
