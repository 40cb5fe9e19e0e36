/* cmd_tsa: "motcua tsa stamp" and "motcua tsa verify", to try a TSA and
 * check tokens by hand, and for the tests of the client against other
 * TSAs. */
#include "cli/cmd_tsa.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/dynbuf.h"
#include "base/util.h"
#include "cli/cli.h"
#include "sign/tsa.h"

static const char usage[] =
    "usage: motcua tsa stamp --url URL [--trust CA.pem] [--timeout S] [--out TOKEN] FILE\n"
    "       motcua tsa verify --trust CA.pem [--token TOKEN] FILE\n"
    "  stamp     asks the Time-Stamping Authority at URL (RFC 3161) for a token\n"
    "            over FILE's SHA-256, checks it answers this request, prints its\n"
    "            time and TSA, and writes it to TOKEN (default FILE.tsr, DER)\n"
    "  verify    checks that TOKEN timestamps FILE and that its signature and\n"
    "            chain verify against CA.pem\n"
    "  --trust   PEM certificates the token's signer must chain to (stamp:\n"
    "            without it the signature is not checked)\n"
    "  --timeout seconds the whole exchange may take (default 30)\n"
    "  MOTCUA_TSA_AUTH=user:password sends HTTP basic authentication.\n";

/* The largest token read back (a token with a long chain is some KiB). */
#define TOKEN_MAX (1024 * 1024)

/* SHA-256 of the file at path, read in pieces. Returns 0, or -1 after
 * saying why. */
static int hash_file(const char *cmd, const char *path, unsigned char out[TSA_HASH_LEN])
{
    FILE *f = fopen(path, "rb");
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    unsigned char buf[65536];
    unsigned int n = 0;
    size_t got;
    int rc = -1;
    if (!f) {
        fprintf(stderr, "motcua tsa %s: cannot open %s: %s\n", cmd, path, strerror(errno));
        goto out;
    }
    if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL))
        goto out;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        if (!EVP_DigestUpdate(md, buf, got))
            goto out;
    if (ferror(f)) {
        fprintf(stderr, "motcua tsa %s: cannot read %s\n", cmd, path);
        goto out;
    }
    rc = EVP_DigestFinal_ex(md, out, &n) && n == TSA_HASH_LEN ? 0 : -1;
out:
    EVP_MD_CTX_free(md);
    if (f)
        fclose(f);
    return rc;
}

/* Writes data to path through a temporary name, so a reader never sees half
 * a token. Returns 0 or -1 after saying why. */
static int write_file(const char *path, const unsigned char *data, size_t len)
{
    char tmp[4200];
    FILE *f;
    if (snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid()) >= (int)sizeof tmp) {
        fprintf(stderr, "motcua tsa stamp: the path %s is too long\n", path);
        return -1;
    }
    if (!(f = fopen(tmp, "wb")) || fwrite(data, 1, len, f) != len || fflush(f) != 0 ||
        fsync(fileno(f)) != 0) {
        fprintf(stderr, "motcua tsa stamp: cannot write %s: %s\n", tmp, strerror(errno));
        if (f)
            fclose(f);
        unlink(tmp);
        return -1;
    }
    if (fclose(f) != 0 || rename(tmp, path) != 0) {
        fprintf(stderr, "motcua tsa stamp: cannot write %s: %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static void print_info(const struct tsa_token_info *info)
{
    char hex[2 * sizeof info->imprint + 1];
    hex_encode(info->imprint, info->imprint_len, hex);
    printf("time: %s\n", info->gen_time_text);
    printf("tsa: %s\n", info->tsa_name[0] ? info->tsa_name : "(not named)");
    printf("serial: %s\n", info->serial);
    printf("policy: %s\n", info->policy);
    printf("imprint: %s %s\n", info->hash_name, hex);
}

/* The token's path: given, or FILE.tsr. */
static int token_path(const char *cmd, const char *given, const char *file, char *out, size_t cap)
{
    int n = given ? snprintf(out, cap, "%s", given) : snprintf(out, cap, "%s.tsr", file);
    if (n < 0 || (size_t)n >= cap) {
        fprintf(stderr, "motcua tsa %s: the path %s is too long\n", cmd, given ? given : file);
        return -1;
    }
    return 0;
}

static int stamp(int argc, char **argv)
{
    const char *url = NULL, *trust = NULL, *timeout_s = NULL, *out = NULL, *pos[1];
    int npos = 0, rc = 1;
    long timeout = 30;
    const struct cli_opt opts[] = {{"--url", 1, &url, NULL},
                                   {"--trust", 1, &trust, NULL},
                                   {"--timeout", 1, &timeout_s, NULL},
                                   {"--out", 1, &out, NULL},
                                   {0}};
    struct tsa_config c;
    struct tsa_token_info info;
    unsigned char hash[TSA_HASH_LEN], *token = NULL;
    size_t token_len = 0;
    char err[600], path[4096];
    int parsed = cli_parse(argc, argv, opts, usage, pos, 1, &npos);
    if (parsed)
        return parsed == 1 ? 0 : 2;
    if (!url || npos != 1) {
        fprintf(stderr, "motcua tsa stamp: --url and a FILE are required\n%s", usage);
        return 2;
    }
    if (timeout_s && parse_long(timeout_s, 1, 3600, &timeout)) {
        fprintf(stderr, "motcua tsa stamp: --timeout must be 1..3600 seconds\n");
        return 2;
    }
    if (token_path("stamp", out, pos[0], path, sizeof path))
        return 2;
    if (tsa_config_init(&c, url, getenv("MOTCUA_TSA_AUTH"), err, sizeof err)) {
        fprintf(stderr, "motcua tsa stamp: %s\n", err);
        return 2;
    }
    c.timeout = timeout;
    if (c.connect_timeout > timeout)
        c.connect_timeout = timeout;
    if (trust && tsa_config_trust_file(&c, trust, err, sizeof err)) {
        fprintf(stderr, "motcua tsa stamp: %s\n", err);
        rc = 2;
        goto out;
    }
    if (hash_file("stamp", pos[0], hash))
        goto out;
    if (tsa_timestamp_hash(&c, hash, &token, &token_len, err, sizeof err) ||
        tsa_token_info(token, token_len, &info, err, sizeof err)) {
        fprintf(stderr, "motcua tsa stamp: %s\n", err);
        goto out;
    }
    if (write_file(path, token, token_len))
        goto out;
    print_info(&info);
    printf("signature: %s\n", trust ? "verified" : "not checked (no --trust)");
    printf("token: %s\n", path);
    rc = 0;
out:
    free(token);
    tsa_config_release(&c);
    return rc;
}

static int verify(int argc, char **argv)
{
    const char *trust = NULL, *given = NULL, *pos[1];
    int npos = 0, rc = 1;
    const struct cli_opt opts[] = {{"--trust", 1, &trust, NULL}, {"--token", 1, &given, NULL}, {0}};
    struct tsa_config c;
    struct tsa_token_info info;
    unsigned char hash[TSA_HASH_LEN];
    unsigned char *token = NULL;
    size_t token_len = 0;
    char err[600], path[4096];
    int parsed = cli_parse(argc, argv, opts, usage, pos, 1, &npos);
    if (parsed)
        return parsed == 1 ? 0 : 2;
    if (!trust || npos != 1) {
        fprintf(stderr, "motcua tsa verify: --trust and a FILE are required\n%s", usage);
        return 2;
    }
    if (token_path("verify", given, pos[0], path, sizeof path))
        return 2;
    /* Only the trust store of a config is used: no URL is asked. */
    memset(&c, 0, sizeof c);
    if (tsa_config_trust_file(&c, trust, err, sizeof err)) {
        fprintf(stderr, "motcua tsa verify: %s\n", err);
        return 2;
    }
    if (hash_file("verify", pos[0], hash))
        goto out;
    if (!(token = (unsigned char *)dynbuf_read_file(path, TOKEN_MAX, &token_len))) {
        fprintf(stderr, "motcua tsa verify: cannot read the token %s\n", path);
        goto out;
    }
    if (tsa_token_info(token, token_len, &info, err, sizeof err) ||
        tsa_token_verify(token, token_len, hash, c.trust, err, sizeof err)) {
        fprintf(stderr, "motcua tsa verify: %s: %s\n", path, err);
        goto out;
    }
    print_info(&info);
    printf("signature: verified\n");
    rc = 0;
out:
    free(token);
    X509_STORE_free(c.trust);
    return rc;
}

int cmd_tsa(int argc, char **argv)
{
    if (argc < 2) {
        fputs(usage, stderr);
        return 2;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    /* argv[0] of the subcommand names it in cli_parse's messages. */
    static char stamp_name[] = "tsa stamp", verify_name[] = "tsa verify";
    if (strcmp(argv[1], "stamp") == 0) {
        argv[1] = stamp_name;
        return stamp(argc - 1, argv + 1);
    }
    if (strcmp(argv[1], "verify") == 0) {
        argv[1] = verify_name;
        return verify(argc - 1, argv + 1);
    }
    fprintf(stderr, "motcua tsa: unknown subcommand '%s'\n%s", argv[1], usage);
    return 2;
}
