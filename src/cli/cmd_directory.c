/* cmd_directory: the directory of the interconnection's nodes from the
 * command line: the province signs one with its seal, every node
 * verifies, installs (never an older version), shows and queries the one
 * it holds. docs/exchange.md "Nodes and the directory". */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/derr.h"
#include "base/dynbuf.h"
#include "base/util.h"
#include "catalog/unit.h"
#include "cli/cli.h"
#include "exchange/directory.h"
#include "sign/keys.h"
#include "sign/signer.h"
#include "store/store.h"

static const char usage[] =
    "usage: motcua directory sign --data DIR --unit CODE SOURCE.json OUT.cms\n"
    "       motcua directory verify --data DIR FILE\n"
    "       motcua directory install --data DIR FILE\n"
    "       motcua directory fetch --data DIR URL\n"
    "       motcua directory show --data DIR\n"
    "       motcua directory lookup --data DIR (--unit CODE | --cert FILE)\n"
    "  sign     checks the directory SOURCE.json (nodes, their addresses,\n"
    "           certificates and units) and signs it with the seal of unit CODE\n"
    "           (the issuer it names) from DIR's key store: an attached CMS,\n"
    "           SHA-256, that `openssl cms -verify -binary -inform DER` checks.\n"
    "  verify   checks FILE's signature, the signer's chain to DIR's trust\n"
    "           anchors, that the signer is the issuer's seal, the content and\n"
    "           its expiry; prints the directory as JSON.\n"
    "  install  verify, then refuse a version not newer than the installed one,\n"
    "           then keep FILE as the directory this node uses.\n"
    "  fetch    GET the signed directory from URL (a hub node's\n"
    "           /api/v1/exchange/directory) and install it as install does.\n"
    "  show     the installed directory (verified again now) as JSON.\n"
    "  lookup   the node that hosts unit CODE, or whose certificate is FILE\n"
    "           (PEM or DER), as JSON.\n"
    "Exit 0 done, 1 refused (the reason on stderr), 2 usage error, 3 unreadable.\n";

static unsigned char *read_input(const char *cmd, const char *path, size_t *len)
{
    char name[64];
    snprintf(name, sizeof name, "directory %s", cmd);
    return cli_read_file(name, path, DIRECTORY_MAX_SIZE, len);
}

static int open_ro(const char *cmd, const char *dir, struct store **db)
{
    char name[64];
    snprintf(name, sizeof name, "directory %s", cmd);
    return cli_open_data_ro(name, dir, db);
}

static int read_code(struct store_stmt *st, void *out)
{
    copy_str(out, 32, store_col_text(st, 0));
    return STORE_ROW;
}

/* The unit at the top of the data directory's catalog, the province (as
 * the demo CA's owner is found): the only issuer whose directories this
 * node accepts. out holds 32 bytes. */
static int province_code(const char *cmd, struct store *db, char out[32])
{
    if (store_one(db, "SELECT code FROM units WHERE parent_id IS NULL ORDER BY id LIMIT 1",
                  read_code, out) != STORE_ROW) {
        fprintf(stderr, "motcua directory %s: the data directory has no province unit\n", cmd);
        return -1;
    }
    return 0;
}

static json_t *utc(int64_t t)
{
    char buf[32];
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        return json_null();
    return json_string(buf);
}

static json_t *node_json(const struct directory_node *n)
{
    json_t *units = json_array();
    for (size_t i = 0; i < n->nunits; i++)
        json_array_append_new(units, json_string(n->units[i]));
    char fp[65];
    hex_encode(n->cert_sha256, 32, fp);
    return json_pack("{s:s,s:s,s:s,s:s,s:b,s:o,s:s,s:o}", "id", n->id, "name", n->name,
                     "address", n->address, "level", n->level, "hub", n->hub, "upstream",
                     n->upstream[0] ? json_string(n->upstream) : json_null(),
                     "certificate_sha256", fp, "units", units);
}

static json_t *dir_json(const struct directory *d)
{
    json_t *nodes = json_array();
    for (size_t i = 0; i < d->nnodes; i++)
        json_array_append_new(nodes, node_json(&d->nodes[i]));
    return json_pack("{s:I,s:o,s:o,s:s,s:o}", "version", (json_int_t)d->version, "issued_at",
                     utc(d->issued_at), "expires_at", utc(d->expires_at), "issuer", d->issuer,
                     "nodes", nodes);
}

static int print_json(json_t *j)
{
    int rc = !j || json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0;
    if (!rc)
        fputc('\n', stdout);
    json_decref(j);
    return rc;
}

static int refused(const char *cmd, const char *what, struct derr *err)
{
    fprintf(stderr, "motcua directory %s: %s%s%s (%s)\n", cmd, what ? what : "",
            what ? ": " : "", err->message, err->code ? err->code : "");
    int rc = err->kind == DERR_INTERNAL ? 3 : 1;
    derr_clear(err);
    return rc;
}

static int do_sign(int argc, char **argv)
{
    return cli_seal_file("directory sign", argc, argv, usage, DIRECTORY_MAX_SIZE, directory_sign);
}

static int do_verify(int argc, char **argv)
{
    const char *data_dir = NULL, *pos[1];
    const struct cli_opt opts[] = {{"--data", 1, &data_dir, NULL}, {0}};
    struct derr err = {0};
    struct store *db = NULL;
    struct directory d;
    struct directory_verdict v;
    size_t len;
    int npos = 0, rc = cli_parse(argc, argv, opts, usage, pos, 1, &npos);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (npos != 1 || !data_dir) {
        fputs(usage, stderr);
        return 2;
    }
    unsigned char *data = read_input("verify", pos[0], &len);
    if (!data)
        return 3;
    if (open_ro("verify", data_dir, &db)) {
        free(data);
        return 3;
    }
    char province[32];
    X509_STORE *anchors = province_code("verify", db, province) ? NULL : keys_trust_store(db);
    store_close(db);
    if (!anchors) {
        fprintf(stderr, "motcua directory verify: cannot read the trust anchors of %s\n",
                data_dir);
        free(data);
        return 3;
    }
    rc = directory_verify(data, len, anchors, province, now_unix(), &d, &v, &err);
    free(data);
    X509_STORE_free(anchors);
    if (rc)
        return refused("verify", pos[0], &err);
    json_t *j = dir_json(&d);
    json_object_set_new(j, "signer", json_pack("{s:s,s:s,s:s}", "subject", v.signer, "issuer",
                                               v.issuer, "serial", v.serial));
    directory_free(&d);
    return print_json(j);
}

/* install and fetch: FILE or URL into DIR's cache. */
static int do_install_from(const char *cmd, int argc, char **argv)
{
    const char *data_dir = NULL, *pos[1];
    const struct cli_opt opts[] = {{"--data", 1, &data_dir, NULL}, {0}};
    struct derr err = {0};
    struct store *db = NULL;
    struct directory_cached c;
    size_t len;
    int npos = 0, rc = cli_parse(argc, argv, opts, usage, pos, 1, &npos);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (npos != 1 || !data_dir) {
        fputs(usage, stderr);
        return 2;
    }
    int fetch = strcmp(cmd, "fetch") == 0;
    unsigned char *data = fetch ? NULL : read_input(cmd, pos[0], &len);
    if (!fetch && !data)
        return 3;
    if (cli_open_data(data_dir, &db)) {
        free(data);
        return 3;
    }
    char src[256], province[32];
    copy_str(src, sizeof src, pos[0]);
    if (province_code(cmd, db, province)) {
        free(data);
        store_close(db);
        return 3;
    }
    if (fetch)
        rc = directory_fetch(db, data_dir, province, pos[0], now_unix(), &c, &err);
    else
        rc = directory_install(db, data_dir, province, data, len, src, now_unix(), &c, &err);
    free(data);
    store_close(db);
    if (rc)
        return refused(cmd, pos[0], &err);
    json_t *e = utc(c.expires_at);
    printf("installed directory version %lld of %s, sha256 %s, expires %s\n",
           (long long)c.version, c.issuer, c.sha256, json_is_string(e) ? json_string_value(e) : "");
    json_decref(e);
    return 0;
}

static int do_show(int argc, char **argv)
{
    const char *data_dir = NULL;
    const struct cli_opt opts[] = {{"--data", 1, &data_dir, NULL}, {0}};
    struct derr err = {0};
    struct store *db = NULL;
    struct directory d;
    struct directory_cached c;
    int npos = 0, rc = cli_parse(argc, argv, opts, usage, NULL, 0, &npos);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (npos != 0 || !data_dir) {
        fputs(usage, stderr);
        return 2;
    }
    char province[32];
    if (cli_open_data(data_dir, &db))
        return 3;
    if (province_code("show", db, province)) {
        store_close(db);
        return 3;
    }
    rc = directory_load(db, province, now_unix(), &d, NULL, NULL, &err);
    if (rc == 0 && directory_cached_get(db, &c) != STORE_ROW) {
        directory_free(&d);
        rc = -1;
        derr_set(&err, DERR_INTERNAL, "internal", "Không đọc được danh bạ đang dùng.", NULL);
    }
    store_close(db);
    if (rc)
        return refused("show", NULL, &err);
    json_t *j = dir_json(&d);
    json_object_set_new(j, "installed",
                        json_pack("{s:o,s:s,s:s}", "fetched_at", utc(c.fetched_at), "sha256",
                                  c.sha256, "source", c.source));
    directory_free(&d);
    return print_json(j);
}

static int do_lookup(int argc, char **argv)
{
    const char *data_dir = NULL, *unit_code = NULL, *cert_path = NULL;
    const struct cli_opt opts[] = {{"--data", 1, &data_dir, NULL},
                                   {"--unit", 1, &unit_code, NULL},
                                   {"--cert", 1, &cert_path, NULL},
                                   {0}};
    struct derr err = {0};
    struct store *db = NULL;
    struct directory d;
    int npos = 0, rc = cli_parse(argc, argv, opts, usage, NULL, 0, &npos);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (npos != 0 || !data_dir || !unit_code == !cert_path) {
        fputs(usage, stderr);
        return 2;
    }
    unsigned char *cert = NULL;
    size_t clen = 0;
    if (cert_path && !(cert = read_input("lookup", cert_path, &clen)))
        return 3;
    char province[32];
    if (cli_open_data(data_dir, &db)) {
        free(cert);
        return 3;
    }
    if (province_code("lookup", db, province)) {
        store_close(db);
        free(cert);
        return 3;
    }
    rc = directory_load(db, province, now_unix(), &d, NULL, NULL, &err);
    store_close(db);
    if (rc) {
        free(cert);
        return refused("lookup", NULL, &err);
    }
    const struct directory_node *n = unit_code ? directory_node_for_unit(&d, unit_code)
                                               : directory_node_for_cert(&d, cert, clen);
    free(cert);
    if (!n) {
        if (unit_code)
            fprintf(stderr,
                    "motcua directory lookup: không nút nào trong danh bạ phiên bản %lld nhận "
                    "đơn vị %s (not_listed)\n",
                    (long long)d.version, unit_code);
        else
            fprintf(stderr,
                    "motcua directory lookup: chứng thư số %s không có trong danh bạ phiên bản "
                    "%lld: mọi trao đổi từ nó bị từ chối (not_listed)\n",
                    cert_path, (long long)d.version);
        directory_free(&d);
        return 1;
    }
    json_t *j = json_pack("{s:I,s:o}", "directory_version", (json_int_t)d.version, "node",
                          node_json(n));
    directory_free(&d);
    return print_json(j);
}

int cmd_directory(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "sign") == 0)
        return do_sign(argc - 1, argv + 1);
    if (strcmp(argv[1], "verify") == 0)
        return do_verify(argc - 1, argv + 1);
    if (strcmp(argv[1], "install") == 0 || strcmp(argv[1], "fetch") == 0)
        return do_install_from(argv[1], argc - 1, argv + 1);
    if (strcmp(argv[1], "show") == 0)
        return do_show(argc - 1, argv + 1);
    if (strcmp(argv[1], "lookup") == 0)
        return do_lookup(argc - 1, argv + 1);
    fprintf(stderr, "motcua directory: unknown subcommand '%s'\n%s", argv[1], usage);
    return 2;
}
