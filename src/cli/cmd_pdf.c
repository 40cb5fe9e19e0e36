/* cmd_pdf: signs PDFs (PAdES, by incremental update) and verifies their
 * signatures from the command line. */
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

#include "base/dynbuf.h"
#include "cli/cli.h"
#include "sign/pades.h"
#include "sign/pdf_read.h"
#include "sign/pdf_verify.h"
#include "sign/signer.h"

/* Exit statuses, as `audit verify` has them: a script must tell a changed
 * or badly signed file (1) from one it could not read (3). */
enum { PDF_OK = 0, PDF_FAILED = 1, PDF_USAGE = 2, PDF_UNREADABLE = 3 };

#define MAX_TRUST 16
#define MAX_P12 ((size_t)1 << 20)

static const char usage[] =
    "usage: motcua pdf sign --p12 FILE.p12 [--password-stdin] [--reason TEXT]\n"
    "                       [--location TEXT] [--seal | --official] [--title TEXT]\n"
    "                       [--name TEXT] [--image PNG] [--page N] [--rect X0,Y0,X1,Y1]\n"
    "                       IN.pdf OUT.pdf\n"
    "       motcua pdf verify [--trust ROOT.pem]... [--json] FILE.pdf\n"
    "Run `motcua pdf sign --help` or `motcua pdf verify --help` for details.\n";

static const char sign_usage[] =
    "usage: motcua pdf sign --p12 FILE.p12 [--password-stdin] [--reason TEXT]\n"
    "                       [--location TEXT] [--seal | --official] [--title TEXT]\n"
    "                       [--name TEXT] [--image PNG] [--page N] [--rect X0,Y0,X1,Y1]\n"
    "                       IN.pdf OUT.pdf\n"
    "  Signs IN.pdf with the key and certificate (and chain) of FILE.p12 and writes\n"
    "  OUT.pdf: the bytes of IN.pdf unchanged, then an incremental update with a PAdES\n"
    "  signature (ETSI.CAdES.detached, SHA-256, PAdES B-B) and its visible mark. A\n"
    "  signed file can be signed again; earlier signatures stay valid.\n"
    "  --password-stdin  read the PKCS#12 password from the first line of standard\n"
    "                    input (without it the password is empty)\n"
    "  --official        (default) a person signs: the handwritten signature in blue,\n"
    "                    --title above it and the name under it\n"
    "  --seal            the organisation signs: its red seal over the left third of\n"
    "                    the page's last signature, with its name and the signing time\n"
    "  --name TEXT       the name shown (default: the certificate's common name; for\n"
    "                    --seal its organisation)\n"
    "  --image PNG       the handwritten signature or the seal (transparent PNG);\n"
    "                    without it one is drawn\n"
    "  --page N          the page (1 = first; default: the last page)\n"
    "  --rect X0,Y0,X1,Y1  where on the page, in points from its lower left corner\n"
    "                    (default: the bottom right, above the margin)\n"
    "  OUT.pdf is written whole or not at all (a temporary file, then renamed) and\n"
    "  never over IN.pdf.\n"
    "  Exit status: 0 signed; 1 the file cannot be signed (not a PDF, encrypted,\n"
    "  damaged, a wrong password...; nothing is written); 2 usage error; 3 a file\n"
    "  cannot be read.\n";

static const char verify_usage[] =
    "usage: motcua pdf verify [--trust ROOT.pem]... [--json] FILE.pdf\n"
    "  Checks every signature of FILE.pdf: that it covers the file but its own\n"
    "  signature value, that the signature matches those bytes, that the signer's\n"
    "  certificate chains to a root given with --trust (PEM, one or more certificates\n"
    "  a file, the option repeated up to 16 times) and was valid at the signing\n"
    "  time, and that a timestamp, if any, is sound. Prints, for each signature, the\n"
    "  signer, the time, the timestamp authority and what part of the file it covers;\n"
    "  --json prints the report as JSON instead. Revocation is not checked.\n"
    "  Exit status: 0 every signature is valid and trusted and the last one covers\n"
    "  the whole file; 1 a signature is invalid or untrusted, the file was changed\n"
    "  after the last signature, or it has none; 2 usage error; 3 the file cannot be\n"
    "  read as a PDF.\n";

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

/* The signing identity. Today a PKCS#12 file; the key store's form
 * (--data DIR --unit CODE [--login LOGIN]) plugs in here. */
struct sign_args {
    const char *p12;
    int password_stdin;
};

static int load_signer(const struct sign_args *a, struct signer **out)
{
    char pw[1024] = "", err[256];
    *out = NULL;
    if (!a->p12) {
        fprintf(stderr, "motcua pdf sign: --p12 FILE is required\n%s", sign_usage);
        return PDF_USAGE;
    }
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

/* A timestamp authority for the signature (PAdES B-T): none yet, so the
 * signature is B-B. The TSA client sets o->timestamp and o->timestamp_ctx
 * here. */
static void timestamp_source(struct pades_options *o)
{
    o->timestamp = NULL;
    o->timestamp_ctx = NULL;
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

static int cmd_sign(int argc, char **argv)
{
    struct sign_args a = {0};
    const char *reason = NULL, *location = NULL, *title = NULL, *name = NULL, *image = NULL,
               *page = NULL, *rect = NULL, *pos[2];
    int seal = 0, official = 0, npos = 0;
    const struct cli_opt opts[] = {{"--p12", 1, &a.p12, NULL},
                                   {"--password-stdin", 0, NULL, &a.password_stdin},
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
    struct signer *s = NULL;
    unsigned char *pdf = NULL, *png = NULL, *signed_pdf = NULL;
    size_t len = 0, pnglen = 0, outlen = 0;
    char err[512];
    if ((rc = load_signer(&a, &s)))
        goto out;
    if (image) {
        if (!(png = read_file("sign", image, ((size_t)4 << 20), &pnglen))) {
            rc = PDF_UNREADABLE;
            goto out;
        }
        o.image = png;
        o.image_len = pnglen;
    }
    if (!(pdf = read_file("sign", in, PDFR_MAX_FILE, &len))) {
        rc = PDF_UNREADABLE;
        goto out;
    }
    timestamp_source(&o);
    if (pades_sign(pdf, len, s, &o, &signed_pdf, &outlen, err, sizeof err)) {
        fprintf(stderr, "motcua pdf sign: cannot sign %s: %s\n", in, err);
        rc = PDF_FAILED;
        goto out;
    }
    if (write_atomic(outp, signed_pdf, outlen)) {
        rc = PDF_FAILED;
        goto out;
    }
    printf("signed %s as %s%s%s -> %s\n", in, s->name, s->organisation[0] ? ", " : "",
           s->organisation, outp);
    rc = PDF_OK;
out:
    free(signed_pdf);
    free(pdf);
    free(png);
    signer_free(s);
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
    const struct cli_opt opts[] = {{"--json", 0, NULL, &as_json}, {0}};
    int rc = cli_parse(nrest, rest, opts, verify_usage, pos, 1, &npos);
    free(rest);
    if (rc)
        return rc == 1 ? PDF_OK : PDF_USAGE;
    if (npos != 1) {
        fprintf(stderr, "%s", verify_usage);
        return PDF_USAGE;
    }
    X509_STORE *store = NULL;
    if (ntrust) {
        store = X509_STORE_new();
        for (int i = 0; store && i < ntrust; i++) {
            if (X509_STORE_load_file(store, trust_files[i]) != 1) {
                fprintf(stderr, "motcua pdf verify: cannot read trusted roots from %s\n",
                        trust_files[i]);
                X509_STORE_free(store);
                return PDF_UNREADABLE;
            }
        }
        if (!store)
            return PDF_FAILED;
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
