/* directory: the signed list of nodes, its checks and its cache. See
 * directory.h and docs/exchange.md "Nodes and the directory". */
#include "exchange/directory.h"

#include <jansson.h>
#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/util.h"
#include "exchange/cert_unit.h"
#include "sign/http_fetch.h"
#include "sign/keys.h"
#include "store/store.h"

void directory_free(struct directory *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->nnodes; i++) {
        struct directory_node *n = &d->nodes[i];
        X509_free(n->cert);
        for (size_t j = 0; j < n->nunits; j++)
            free(n->units[j]);
        free(n->units);
    }
    free(d->nodes);
    memset(d, 0, sizeof *d);
}

/* A field-level refusal: "Danh bạ không hợp lệ: <what> (<field>)". */
static int bad_field(struct derr *err, const char *field, const char *what)
{
    char msg[256];
    snprintf(msg, sizeof msg, "Danh bạ nút liên thông không hợp lệ: %s.", what);
    return derr_set(err, DERR_INVALID, "bad_field", msg, field);
}

/* "YYYY-MM-DDTHH:MM:SSZ" to Unix seconds; only that spelling, so two nodes
 * never read one date two ways. Returns 0 or -1. */
static int parse_utc(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, se, n = 0;
    if (strlen(s) != 20 ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 || n != 20 ||
        y < 2000 || y > 9999 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 ||
        mi < 0 || mi > 59 || se < 0 || se > 59)
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi, .tm_sec = se};
    time_t t = timegm(&tm);
    /* timegm normalises 31 February into March: refuse what moved. */
    if (tm.tm_mday != d || tm.tm_mon != mo - 1)
        return -1;
    *out = (int64_t)t;
    return 0;
}

static int id_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 (i > 0 && (c == '.' || c == '_' || c == '-'));
        if (!ok)
            return 0;
    }
    return 1;
}

/* A QĐ 20 unit code's shape, loosely (the catalog checks the real shape
 * for its own units; another province's node may host codes this one's
 * catalog does not know): 1-31 of [0-9A-Z.], starting and ending with a
 * letter or digit. */
static int code_valid(const char *s)
{
    size_t n = strlen(s);
    if (n < 1 || n > 31 || s[0] == '.' || s[n - 1] == '.')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || c == '.'))
            return 0;
    }
    return 1;
}

/* https://host[:port][/path], or http:// to a loopback host (tests, a node
 * and its own proxy on one machine). Host: letters, digits, '.', '-', or
 * [::1]. No user info, query or fragment: an address names a node, it
 * carries nothing. */
static int url_valid(const char *u)
{
    const char *p;
    int http = 0;
    if (strncmp(u, "https://", 8) == 0)
        p = u + 8;
    else if (strncmp(u, "http://", 7) == 0) {
        p = u + 7;
        http = 1;
    } else
        return 0;
    const char *h = p;
    size_t hl;
    if (*p == '[') {
        const char *e = strchr(p, ']');
        if (!e)
            return 0;
        hl = (size_t)(e - p) + 1;
        if (hl != 5 || strncmp(p, "[::1]", 5) != 0)
            return 0; /* only the IPv6 loopback: nodes are named */
        p = e + 1;
    } else {
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
               *p == '.' || *p == '-')
            p++;
        hl = (size_t)(p - h);
        if (hl == 0 || hl > 253 || h[0] == '.' || h[0] == '-')
            return 0;
    }
    if (*p == ':') {
        p++;
        int digits = 0;
        long port = 0;
        while (*p >= '0' && *p <= '9' && digits < 6) {
            port = port * 10 + (*p - '0');
            p++;
            digits++;
        }
        if (digits == 0 || port < 1 || port > 65535)
            return 0;
    }
    if (*p && *p != '/')
        return 0;
    for (; *p; p++)
        if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f || *p == '?' || *p == '#' ||
            *p == '\\')
            return 0;
    if (http) {
        int loop = (hl == 9 && strncmp(h, "localhost", 9) == 0) ||
                   (hl == 9 && strncmp(h, "127.0.0.1", 9) == 0) ||
                   (hl == 5 && strncmp(h, "[::1]", 5) == 0);
        if (!loop)
            return 0;
    }
    return 1;
}

/* A string member of o into dst (1..cap-1 bytes, no control characters).
 * required 0: a missing member or null leaves dst "". */
static int get_str(json_t *o, const char *key, char *dst, size_t cap, int required,
                   const char *field, struct derr *err)
{
    json_t *v = json_object_get(o, key);
    dst[0] = 0;
    if (!v || json_is_null(v)) {
        if (required)
            return bad_field(err, field, "thiếu trường bắt buộc");
        return 0;
    }
    if (!json_is_string(v))
        return bad_field(err, field, "trường phải là chuỗi");
    const char *s = json_string_value(v);
    size_t n = json_string_length(v);
    if (n == 0 || n >= cap || strlen(s) != n)
        return bad_field(err, field, "độ dài không hợp lệ");
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
            return bad_field(err, field, "có ký tự điều khiển");
    memcpy(dst, s, n + 1);
    return 0;
}

static int parse_cert(json_t *o, struct directory_node *n, const char *field, struct derr *err)
{
    json_t *v = json_object_get(o, "certificate");
    if (!json_is_string(v) || json_string_length(v) == 0)
        return bad_field(err, field, "thiếu chứng thư số của nút");
    if (json_string_length(v) > DIRECTORY_MAX_PEM)
        return bad_field(err, field, "chứng thư số quá dài");
    BIO *b = BIO_new_mem_buf(json_string_value(v), (int)json_string_length(v));
    n->cert = b ? PEM_read_bio_X509(b, NULL, NULL, NULL) : NULL;
    BIO_free(b);
    ERR_clear_error();
    if (!n->cert)
        return bad_field(err, field, "chứng thư số không đọc được (cần PEM)");
    unsigned char *der = NULL;
    int dl = i2d_X509(n->cert, &der);
    if (dl <= 0)
        return bad_field(err, field, "chứng thư số không đọc được");
    sha256(der, (size_t)dl, n->cert_sha256);
    OPENSSL_free(der);
    return 0;
}

static int parse_node(json_t *o, size_t idx, struct directory_node *n, size_t *total_units,
                      struct derr *err)
{
    char field[96];
/* A chain of upstreams longer than this is a loop in the directory. */
#define MAX_LEVELS 16
#define FIELD(name) (snprintf(field, sizeof field, "nodes[%zu].%s", idx, name), field)
    if (!json_is_object(o)) {
        snprintf(field, sizeof field, "nodes[%zu]", idx);
        return bad_field(err, field, "mỗi nút phải là một đối tượng");
    }
    if (get_str(o, "id", n->id, sizeof n->id, 1, FIELD("id"), err))
        return -1;
    if (!id_valid(n->id))
        return bad_field(err, field, "mã nút chỉ gồm chữ thường, số, '.', '_', '-'");
    if (get_str(o, "name", n->name, sizeof n->name, 1, FIELD("name"), err) ||
        get_str(o, "address", n->address, sizeof n->address, 1, FIELD("address"), err))
        return -1;
    if (!url_valid(n->address))
        return bad_field(err, field,
                         "địa chỉ phải là https:// (http:// chỉ cho máy cục bộ)");
    if (get_str(o, "level", n->level, sizeof n->level, 1, FIELD("level"), err))
        return -1;
    if (strcmp(n->level, "national") != 0 && strcmp(n->level, "province") != 0 &&
        strcmp(n->level, "department") != 0 && strcmp(n->level, "commune") != 0)
        return bad_field(err, field, "cấp phải là national, province, department hoặc commune");
    json_t *hub = json_object_get(o, "hub");
    if (!json_is_boolean(hub))
        return bad_field(err, FIELD("hub"), "hub phải là true hoặc false");
    n->hub = json_is_true(hub);
    if (get_str(o, "upstream", n->upstream, sizeof n->upstream, 0, FIELD("upstream"), err))
        return -1;
    if (parse_cert(o, n, FIELD("certificate"), err))
        return -1;
    json_t *units = json_object_get(o, "units");
    if (!json_is_array(units))
        return bad_field(err, FIELD("units"), "units phải là một mảng mã đơn vị");
    size_t nu = json_array_size(units);
    if (nu > DIRECTORY_MAX_UNITS_PER_NODE || *total_units + nu > DIRECTORY_MAX_UNITS)
        return derr_set(err, DERR_TOO_LARGE, "too_large",
                        "Danh bạ nút liên thông có quá nhiều đơn vị.", FIELD("units"));
    n->units = calloc(nu ? nu : 1, sizeof *n->units);
    if (!n->units)
        return derr_set(err, DERR_INTERNAL, "internal", "Hết bộ nhớ.", NULL);
    for (size_t j = 0; j < nu; j++) {
        json_t *u = json_array_get(units, j);
        snprintf(field, sizeof field, "nodes[%zu].units[%zu]", idx, j);
        if (!json_is_string(u) || !code_valid(json_string_value(u)))
            return bad_field(err, field, "mã đơn vị không đúng dạng QĐ 20");
        n->units[j] = strdup(json_string_value(u));
        if (!n->units[j])
            return derr_set(err, DERR_INTERNAL, "internal", "Hết bộ nhớ.", NULL);
        n->nunits++;
    }
    *total_units += nu;
    return 0;
#undef FIELD
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The cross-node rules: ids, units and certificates unique, upstream
 * names another node. Quadratic in nodes (at most 2000: 2 million
 * comparisons of ids and hashes), sorted for units. */
static int check_unique(struct directory *d, size_t total_units, struct derr *err)
{
    char msg[256];
    for (size_t i = 0; i < d->nnodes; i++)
        for (size_t j = i + 1; j < d->nnodes; j++) {
            if (strcmp(d->nodes[i].id, d->nodes[j].id) == 0) {
                snprintf(msg, sizeof msg, "Danh bạ có hai nút cùng mã %s.", d->nodes[i].id);
                return derr_set(err, DERR_INVALID, "duplicate_node", msg, d->nodes[i].id);
            }
            if (memcmp(d->nodes[i].cert_sha256, d->nodes[j].cert_sha256, 32) == 0) {
                snprintf(msg, sizeof msg, "Nút %s và %s dùng cùng một chứng thư số.",
                         d->nodes[i].id, d->nodes[j].id);
                return derr_set(err, DERR_INVALID, "duplicate_certificate", msg, d->nodes[j].id);
            }
        }
    for (size_t i = 0; i < d->nnodes; i++) {
        const char *up = d->nodes[i].upstream;
        if (!*up)
            continue;
        int found = 0;
        for (size_t j = 0; j < d->nnodes && !found; j++)
            found = j != i && strcmp(d->nodes[j].id, up) == 0;
        if (!found) {
            snprintf(msg, sizeof msg, "Nút %s có nút cấp trên %s không có trong danh bạ.",
                     d->nodes[i].id, up);
            return derr_set(err, DERR_INVALID, "bad_upstream", msg, d->nodes[i].id);
        }
        /* Messages go up through hubs only, and the chain ends. */
        const struct directory_node *n = &d->nodes[i];
        int levels = 0;
        while (n && n->upstream[0] && levels <= MAX_LEVELS) {
            n = directory_node_by_id(d, n->upstream);
            if (n && !n->hub) {
                snprintf(msg, sizeof msg, "Nút cấp trên %s của nút %s không phải là nút trục.",
                         n->id, d->nodes[i].id);
                return derr_set(err, DERR_INVALID, "bad_upstream", msg, d->nodes[i].id);
            }
            levels++;
        }
        if (levels > MAX_LEVELS) {
            snprintf(msg, sizeof msg, "Chuỗi nút cấp trên của nút %s quay vòng.", d->nodes[i].id);
            return derr_set(err, DERR_INVALID, "bad_upstream", msg, d->nodes[i].id);
        }
    }
    char **all = calloc(total_units ? total_units : 1, sizeof *all);
    if (!all)
        return derr_set(err, DERR_INTERNAL, "internal", "Hết bộ nhớ.", NULL);
    size_t k = 0;
    for (size_t i = 0; i < d->nnodes; i++)
        for (size_t j = 0; j < d->nodes[i].nunits; j++)
            all[k++] = d->nodes[i].units[j];
    qsort(all, k, sizeof *all, cmp_str);
    int rc = 0;
    for (size_t i = 1; i < k; i++)
        if (strcmp(all[i - 1], all[i]) == 0) {
            snprintf(msg, sizeof msg, "Đơn vị %s được hai nút cùng nhận (hoặc lặp lại).",
                     all[i]);
            rc = derr_set(err, DERR_INVALID, "duplicate_unit", msg, all[i]);
            break;
        }
    free(all);
    return rc;
}

#define BAD_DATE "ngày giờ phải dạng YYYY-MM-DDTHH:MM:SSZ (giờ UTC)"

int directory_parse(const void *json, size_t len, struct directory *d, struct derr *err)
{
    memset(d, 0, sizeof *d);
    if (len > DIRECTORY_MAX_SIZE)
        return derr_set(err, DERR_TOO_LARGE, "too_large",
                        "Danh bạ nút liên thông quá lớn (tối đa 4 MiB).", NULL);
    json_error_t je;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &je);
    int rc = -1;
    char buf[32];
    if (!json_is_object(root)) {
        derr_set(err, DERR_INVALID, "not_json", "Danh bạ nút liên thông không phải JSON hợp lệ.",
                 NULL);
        goto out;
    }
    json_t *ver = json_object_get(root, "version");
    if (!json_is_integer(ver) || json_integer_value(ver) < 1) {
        bad_field(err, "version", "phiên bản phải là số nguyên dương");
        goto out;
    }
    d->version = json_integer_value(ver);
    if (get_str(root, "issued_at", buf, sizeof buf, 1, "issued_at", err) ||
        (parse_utc(buf, &d->issued_at) && bad_field(err, "issued_at", BAD_DATE)) ||
        get_str(root, "expires_at", buf, sizeof buf, 1, "expires_at", err) ||
        (parse_utc(buf, &d->expires_at) && bad_field(err, "expires_at", BAD_DATE)))
        goto out;
    if (d->expires_at <= d->issued_at) {
        bad_field(err, "expires_at", "hạn dùng phải sau ngày ban hành");
        goto out;
    }
    if (get_str(root, "issuer", d->issuer, sizeof d->issuer, 1, "issuer", err))
        goto out;
    if (!code_valid(d->issuer)) {
        bad_field(err, "issuer", "mã đơn vị ban hành không đúng dạng QĐ 20");
        goto out;
    }
    json_t *nodes = json_object_get(root, "nodes");
    if (!json_is_array(nodes) || json_array_size(nodes) == 0) {
        bad_field(err, "nodes", "danh sách nút phải là một mảng không rỗng");
        goto out;
    }
    size_t nn = json_array_size(nodes), total = 0;
    if (nn > DIRECTORY_MAX_NODES) {
        derr_set(err, DERR_TOO_LARGE, "too_large", "Danh bạ nút liên thông có quá nhiều nút.",
                 "nodes");
        goto out;
    }
    d->nodes = calloc(nn, sizeof *d->nodes);
    if (!d->nodes) {
        derr_set(err, DERR_INTERNAL, "internal", "Hết bộ nhớ.", NULL);
        goto out;
    }
    for (size_t i = 0; i < nn; i++) {
        d->nnodes = i + 1; /* so directory_free frees the partial node */
        if (parse_node(json_array_get(nodes, i), i, &d->nodes[i], &total, err))
            goto out;
    }
    rc = check_unique(d, total, err);
out:
    json_decref(root);
    if (rc)
        directory_free(d);
    return rc;
}


/* Is x the seal of unit code? The unit's code in organizationIdentifier
 * and no title: an official's certificate names the same unit but carries
 * the official's title, and a directory is the province's act, not a
 * person's. */
static int is_seal_of(X509 *x, const char *code)
{
    char unit[64];
    int title;
    cert_unit(x, unit, sizeof unit, &title);
    return !title && unit[0] && strcmp(unit, code) == 0;
}

int directory_sign(const void *src, size_t len, const struct signer *s, unsigned char **out,
                   size_t *outlen, struct derr *err)
{
    struct directory d;
    BIO *in = NULL, *mem = NULL;
    CMS_ContentInfo *cms = NULL;
    int rc = -1;
    *out = NULL;
    *outlen = 0;
    if (directory_parse(src, len, &d, err))
        return -1;
    if (!is_seal_of(s->cert, d.issuer)) {
        char msg[256];
        snprintf(msg, sizeof msg,
                 "Danh bạ do %s ban hành phải được ký bằng con dấu số của chính đơn vị đó.",
                 d.issuer);
        derr_set(err, DERR_INVALID, "wrong_signer", msg, "issuer");
        goto out;
    }
    in = BIO_new_mem_buf(src, (int)len);
    /* Binary: the JSON is signed byte for byte, no MIME line endings. */
    cms = in ? CMS_sign(NULL, NULL, NULL, NULL, CMS_BINARY | CMS_PARTIAL) : NULL;
    if (!cms || !CMS_add1_signer(cms, s->cert, s->key, EVP_sha256(), CMS_BINARY))
        goto fail;
    for (int i = 0; s->chain && i < sk_X509_num(s->chain); i++)
        if (!CMS_add1_cert(cms, sk_X509_value(s->chain, i)))
            goto fail;
    if (!CMS_final(cms, in, NULL, CMS_BINARY))
        goto fail;
    mem = BIO_new(BIO_s_mem());
    if (!mem || i2d_CMS_bio(mem, cms) != 1)
        goto fail;
    char *p;
    long n = BIO_get_mem_data(mem, &p);
    *out = malloc(n > 0 ? (size_t)n : 1);
    if (!*out || n <= 0)
        goto fail;
    memcpy(*out, p, (size_t)n);
    *outlen = (size_t)n;
    rc = 0;
    goto out;
fail:
    free(*out);
    *out = NULL;
    ERR_clear_error();
    derr_set(err, DERR_INTERNAL, "sign_failed", "Không ký được danh bạ nút liên thông.", NULL);
out:
    BIO_free(mem);
    BIO_free(in);
    CMS_ContentInfo_free(cms);
    directory_free(&d);
    return rc;
}

static void name_text(X509_NAME *n, char *out, size_t cap)
{
    BIO *b = BIO_new(BIO_s_mem());
    out[0] = 0;
    if (b && X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        char *p;
        long l = BIO_get_mem_data(b, &p);
        if (l > 0 && (size_t)l < cap) {
            memcpy(out, p, (size_t)l);
            out[l] = 0;
        }
    }
    BIO_free(b);
}

/* Does signer chain to anchors at now, with the CMS's other certificates
 * as intermediates, for S/MIME signing (what `openssl cms -verify`
 * checks)? 1, or 0 with OpenSSL's reason in why. */
static int chain_ok(X509 *signer, STACK_OF(X509) * certs, X509_STORE *anchors, int64_t now,
                    char *why, size_t cap, int64_t window[2])
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    int ok = 0;
    if (ctx && X509_STORE_CTX_init(ctx, anchors, signer, certs) == 1) {
        X509_STORE_CTX_set_time(ctx, 0, (time_t)now);
        X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SMIME_SIGN);
        ok = X509_verify_cert(ctx) == 1;
        if (!ok)
            snprintf(why, cap, "%s",
                     X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
    }
    /* The times at which the same chain is valid: every certificate's
     * notBefore to notAfter, both included (as X509_verify_cert compares). */
    STACK_OF(X509) *chain = ok ? X509_STORE_CTX_get0_chain(ctx) : NULL;
    for (int i = 0; chain && i < sk_X509_num(chain); i++) {
        X509 *x = sk_X509_value(chain, i);
        struct tm nb, na;
        if (ASN1_TIME_to_tm(X509_get0_notBefore(x), &nb) != 1 ||
            ASN1_TIME_to_tm(X509_get0_notAfter(x), &na) != 1) {
            window[0] = window[1] = now; /* unreadable: valid for this instant only */
            break;
        }
        int64_t from = (int64_t)timegm(&nb), to = (int64_t)timegm(&na);
        if (from > window[0])
            window[0] = from;
        if (to < window[1])
            window[1] = to;
    }
    X509_STORE_CTX_free(ctx);
    return ok;
}

/* directory_verify, and window: the times (Unix seconds, both included)
 * at which the same bytes and anchors get the same verdict, when valid:
 * the chain's validity and the directory's own issued_at to expires_at. */
static int verify(const void *data, size_t len, X509_STORE *anchors, const char *province,
                  int64_t now, struct directory *d, struct directory_verdict *v,
                  int64_t window[2], struct derr *err)
{
    BIO *in = NULL, *content = NULL;
    CMS_ContentInfo *cms = NULL;
    STACK_OF(X509) *signers = NULL, *certs = NULL;
    char msg[256], why[128] = "";
    int rc = -1;
    memset(d, 0, sizeof *d);
    if (v)
        memset(v, 0, sizeof *v);
    if (len > DIRECTORY_MAX_SIZE)
        return derr_set(err, DERR_TOO_LARGE, "too_large",
                        "Danh bạ nút liên thông quá lớn (tối đa 4 MiB).", NULL);
    in = BIO_new_mem_buf(data, (int)len);
    cms = in ? d2i_CMS_bio(in, NULL) : NULL;
    if (!cms || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
        derr_set(err, DERR_INVALID, "not_cms", "Tệp không phải danh bạ đã ký (CMS SignedData).",
                 NULL);
        goto out;
    }
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    if (!sis || sk_CMS_SignerInfo_num(sis) != 1) {
        derr_set(err, DERR_INVALID, "signature_invalid",
                 "Danh bạ phải có đúng một chữ ký.", NULL);
        goto out;
    }
    content = BIO_new(BIO_s_mem());
    /* The signature and the content's digest, not the chain: that is
     * checked below at now, not at the machine's clock. */
    if (!content ||
        CMS_verify(cms, NULL, NULL, NULL, content, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1) {
        derr_set(err, DERR_INVALID, "signature_invalid",
                 "Chữ ký của danh bạ không đúng: danh bạ đã bị sửa hoặc hỏng.", NULL);
        goto out;
    }
    signers = CMS_get0_signers(cms);
    X509 *signer = signers && sk_X509_num(signers) == 1 ? sk_X509_value(signers, 0) : NULL;
    if (!signer) {
        derr_set(err, DERR_INVALID, "signature_invalid",
                 "Danh bạ không kèm chứng thư số của người ký.", NULL);
        goto out;
    }
    if (v) {
        name_text(X509_get_subject_name(signer), v->signer, sizeof v->signer);
        name_text(X509_get_issuer_name(signer), v->issuer, sizeof v->issuer);
        BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get_serialNumber(signer), NULL);
        char *hex = bn ? BN_bn2hex(bn) : NULL;
        snprintf(v->serial, sizeof v->serial, "%s", hex ? hex : "");
        OPENSSL_free(hex);
        BN_free(bn);
    }
    certs = CMS_get1_certs(cms);
    if (!anchors || !chain_ok(signer, certs, anchors, now, why, sizeof why, window)) {
        snprintf(msg, sizeof msg,
                 "Chứng thư số ký danh bạ không được máy chủ này tin cậy (%s).",
                 anchors ? why : "chưa có chứng thư gốc tin cậy");
        derr_set(err, DERR_INVALID, "untrusted", msg, NULL);
        goto out;
    }
    char *p;
    long n = BIO_get_mem_data(content, &p);
    if (n < 0 || directory_parse(p, (size_t)n, d, err))
        goto out;
    if (province && strcmp(d->issuer, province) != 0) {
        snprintf(msg, sizeof msg,
                 "Danh bạ do %s ban hành; máy chủ này chỉ nhận danh bạ của tỉnh (%s).",
                 d->issuer, province);
        derr_set(err, DERR_INVALID, "wrong_issuer", msg, "issuer");
        goto out;
    }
    if (!is_seal_of(signer, d->issuer)) {
        snprintf(msg, sizeof msg,
                 "Danh bạ không được ký bằng con dấu số của đơn vị ban hành %s.", d->issuer);
        derr_set(err, DERR_INVALID, "wrong_signer", msg, "issuer");
        goto out;
    }
    if (now >= d->expires_at) {
        derr_set(err, DERR_INVALID, "expired",
                 "Danh bạ nút liên thông đã hết hạn dùng; cần danh bạ mới của tỉnh.", "expires_at");
        goto out;
    }
    if (now < d->issued_at - 300) {
        /* Five minutes of clock difference between nodes are tolerated. */
        derr_set(err, DERR_INVALID, "not_yet_issued",
                 "Danh bạ nút liên thông ghi ngày ban hành trong tương lai.", "issued_at");
        goto out;
    }
    if (d->issued_at - 300 > window[0])
        window[0] = d->issued_at - 300;
    if (d->expires_at - 1 < window[1])
        window[1] = d->expires_at - 1;
    rc = 0;
out:
    ERR_clear_error();
    if (rc)
        directory_free(d);
    sk_X509_free(signers);
    sk_X509_pop_free(certs, X509_free);
    CMS_ContentInfo_free(cms);
    BIO_free(content);
    BIO_free(in);
    return rc;
}

int directory_verify(const void *data, size_t len, X509_STORE *anchors, const char *province,
                     int64_t now, struct directory *d, struct directory_verdict *v,
                     struct derr *err)
{
    int64_t window[2] = {INT64_MIN, INT64_MAX};
    return verify(data, len, anchors, province, now, d, v, window, err);
}

const struct directory_node *directory_node_for_unit(const struct directory *d, const char *code)
{
    for (size_t i = 0; code && i < d->nnodes; i++)
        for (size_t j = 0; j < d->nodes[i].nunits; j++)
            if (strcmp(d->nodes[i].units[j], code) == 0)
                return &d->nodes[i];
    return NULL;
}

const struct directory_node *directory_node_by_id(const struct directory *d, const char *id)
{
    for (size_t i = 0; id && i < d->nnodes; i++)
        if (strcmp(d->nodes[i].id, id) == 0)
            return &d->nodes[i];
    return NULL;
}

const struct directory_node *directory_next_hop(const struct directory *d, const char *self,
                                                const struct directory_node *dest)
{
    const struct directory_node *me = directory_node_by_id(d, self);
    if (!me || !dest || me == dest)
        return NULL;
    /* Up from dest: when self is on the way, the node just below it. */
    const struct directory_node *n = dest;
    for (int i = 0; i < MAX_LEVELS && n && n->upstream[0]; i++) {
        const struct directory_node *up = directory_node_by_id(d, n->upstream);
        if (up == me)
            return n;
        n = up;
    }
    if (me->upstream[0]) {
        const struct directory_node *up = directory_node_by_id(d, me->upstream);
        if (up)
            return up;
    }
    return dest;
}

const struct directory_node *directory_node_for_cert(const struct directory *d, const void *cert,
                                                     size_t len)
{
    X509 *x = NULL;
    if (len > DIRECTORY_MAX_PEM * 4 || len > INT32_MAX)
        return NULL;
    BIO *b = BIO_new_mem_buf(cert, (int)len);
    if (b) {
        x = PEM_read_bio_X509(b, NULL, NULL, NULL);
        if (!x) {
            const unsigned char *p = cert;
            x = d2i_X509(NULL, &p, (long)len);
            if (x && p != (const unsigned char *)cert + len) {
                X509_free(x); /* trailing bytes: not one certificate */
                x = NULL;
            }
        }
    }
    BIO_free(b);
    ERR_clear_error();
    if (!x)
        return NULL;
    unsigned char *der = NULL, md[32];
    int dl = i2d_X509(x, &der);
    X509_free(x);
    if (dl <= 0)
        return NULL;
    sha256(der, (size_t)dl, md);
    OPENSSL_free(der);
    for (size_t i = 0; i < d->nnodes; i++)
        if (memcmp(d->nodes[i].cert_sha256, md, 32) == 0)
            return &d->nodes[i];
    return NULL;
}

/* --- the cache --------------------------------------------------------- */

static int read_cached(struct store_stmt *st, void *out)
{
    struct directory_cached *c = out;
    memset(c, 0, sizeof *c);
    c->version = store_col_int(st, 0);
    copy_str(c->issuer, sizeof c->issuer, store_col_text(st, 1));
    c->issued_at = store_col_int(st, 2);
    c->expires_at = store_col_int(st, 3);
    c->fetched_at = store_col_int(st, 4);
    copy_str(c->sha256, sizeof c->sha256, store_col_text(st, 5));
    copy_str(c->source, sizeof c->source, store_col_text(st, 6));
    return STORE_ROW;
}

int directory_cached_get(struct store *db, struct directory_cached *out)
{
    return store_one(db,
                     "SELECT version, issuer, issued_at, expires_at, fetched_at, sha256, source "
                     "FROM exchange_directory ORDER BY version DESC LIMIT 1",
                     read_cached, out);
}

/* data_dir/exchange/directory.cms, written whole (temporary file, fsync,
 * rename) so a node never serves half a file. */
static int write_copy(const char *data_dir, const void *data, size_t len)
{
    char dir[1100], path[1200];
    if (snprintf(dir, sizeof dir, "%s/exchange", data_dir) >= (int)sizeof dir ||
        snprintf(path, sizeof path, "%s/directory.cms", dir) >= (int)sizeof path || mkdir_p(dir))
        return -1;
    return write_file_atomic(path, data, len) ? -1 : 0;
}

int directory_install(struct store *db, const char *data_dir, const char *province,
                      const void *cms, size_t len, const char *source, int64_t now,
                      struct directory_cached *out, struct derr *err)
{
    struct directory d = {0};
    struct directory_cached cur;
    X509_STORE *anchors = keys_trust_store(db);
    unsigned char md[32];
    char hex[65], msg[256];
    int rc = -1, began = 0;
    if (!anchors || !province) {
        X509_STORE_free(anchors);
        return derr_set(err, DERR_INTERNAL, "internal", "Không đọc được chứng thư gốc tin cậy.",
                        NULL);
    }
    if (directory_verify(cms, len, anchors, province, now, &d, NULL, err))
        goto out;
    if (store_begin(db) != 0) {
        derr_set(err, DERR_INTERNAL, "internal", "Không ghi được cơ sở dữ liệu.", NULL);
        goto out;
    }
    began = 1;
    int r = directory_cached_get(db, &cur);
    if (r != STORE_ROW && r != STORE_DONE) {
        derr_set(err, DERR_INTERNAL, "internal", "Không đọc được danh bạ đang dùng.", NULL);
        goto out;
    }
    if (r == STORE_ROW && d.version <= cur.version) {
        snprintf(msg, sizeof msg,
                 d.version == cur.version
                     ? "Danh bạ phiên bản %lld đã được cài đặt."
                     : "Danh bạ phiên bản %lld cũ hơn phiên bản đang dùng (%lld): không quay lui.",
                 (long long)d.version, (long long)cur.version);
        derr_set(err, DERR_STATE, d.version == cur.version ? "same_version" : "rollback", msg,
                 "version");
        goto out;
    }
    sha256(cms, len, md);
    hex_encode(md, 32, hex);
    if (len > INT32_MAX ||
        store_exec(db, "UPDATE exchange_directory SET signed = NULL") ||
        store_exec_all(db,
                       "INSERT INTO exchange_directory (version, issuer, issued_at, expires_at, "
                       "fetched_at, sha256, source, signed) VALUES (?,?,?,?,?,?,?,?)",
                       BIND_INT(d.version), BIND_TEXT(d.issuer), BIND_INT(d.issued_at),
                       BIND_INT(d.expires_at), BIND_INT(now), BIND_TEXT(hex),
                       BIND_TEXT(source ? source : ""), BIND_BLOB(cms, len))) {
        derr_set(err, DERR_INTERNAL, "internal", "Không ghi được danh bạ vào cơ sở dữ liệu.",
                 NULL);
        goto out;
    }
    /* The served copy before the commit: if it cannot be written nothing
     * is installed; if the commit then fails the copy is one version ahead
     * of the database, which directory_load (the truth) ignores. */
    if (write_copy(data_dir, cms, len)) {
        derr_set(err, DERR_INTERNAL, "internal",
                 "Không ghi được tệp exchange/directory.cms trong thư mục dữ liệu.", NULL);
        goto out;
    }
    if (store_commit(db) != 0) {
        derr_set(err, DERR_INTERNAL, "internal", "Không ghi được cơ sở dữ liệu.", NULL);
        goto out;
    }
    began = 0;
    if (out && directory_cached_get(db, out) != STORE_ROW)
        memset(out, 0, sizeof *out);
    rc = 0;
out:
    if (began)
        store_rollback(db);
    X509_STORE_free(anchors);
    directory_free(&d);
    return rc;
}

int directory_fetch(struct store *db, const char *data_dir, const char *province,
                    const char *url, int64_t now, struct directory_cached *out,
                    struct derr *err)
{
    return directory_fetch_via(db, data_dir, province, url, NULL, now, out, err);
}

int directory_fetch_via(struct store *db, const char *data_dir, const char *province,
                        const char *url, const struct fetch_request *via, int64_t now,
                        struct directory_cached *out, struct derr *err)
{
    char msg[256], why[256] = "";
    unsigned char *body = NULL;
    size_t len = 0;
    long status = 0;
    if (!url || strlen(url) >= 256 || !url_valid(url))
        return derr_set(err, DERR_INVALID, "bad_url",
                        "Địa chỉ lấy danh bạ phải là https:// (http:// chỉ cho máy cục bộ).",
                        "url");
    struct fetch_request r = {
        .url = url,
        .protocols = strncmp(url, "https://", 8) == 0 ? "https" : "http",
        .connect_timeout = 10,
        .timeout = 60,
        .max_answer = DIRECTORY_MAX_SIZE,
    };
    if (via) {
        r.client_cert = via->client_cert;
        r.client_key = via->client_key;
        r.pinned_peer = via->pinned_peer;
    }
    enum fetch_outcome o = fetch_http(&r, &body, &len, &status, why, sizeof why);
    switch (o) {
    case FETCH_OK:
        break;
    case FETCH_TOO_LARGE:
        return derr_set(err, DERR_TOO_LARGE, "too_large",
                        "Danh bạ nút liên thông quá lớn (tối đa 4 MiB).", "url");
    case FETCH_STATUS:
        snprintf(msg, sizeof msg, "Nút %s trả lời HTTP %ld thay vì danh bạ.", url, status);
        return derr_set(err, DERR_INTERNAL, "fetch_failed", msg, "url");
    case FETCH_TIMEOUT:
        snprintf(msg, sizeof msg, "Nút %s không trả lời kịp.", url);
        return derr_set(err, DERR_INTERNAL, "fetch_failed", msg, "url");
    default:
        snprintf(msg, sizeof msg, "Không lấy được danh bạ từ %s: %s", url,
                 why[0] ? why : "không kết nối được");
        return derr_set(err, DERR_INTERNAL, "fetch_failed", msg, "url");
    }
    int rc = directory_install(db, data_dir, province, body, len, url, now, out, err);
    free(body);
    return rc;
}

/* A deep copy of src into dst (zeroed first). 0, or -1 out of memory (dst
 * then freed). */
static int copy_directory(struct directory *dst, const struct directory *src)
{
    *dst = *src;
    dst->nodes = calloc(src->nnodes ? src->nnodes : 1, sizeof *dst->nodes);
    dst->nnodes = 0;
    if (!dst->nodes)
        return -1;
    for (size_t i = 0; i < src->nnodes; i++) {
        struct directory_node *n = &dst->nodes[i];
        *n = src->nodes[i];
        n->units = calloc(n->nunits ? n->nunits : 1, sizeof *n->units);
        size_t nunits = n->nunits;
        n->nunits = 0;
        if (n->cert && !X509_up_ref(n->cert))
            n->cert = NULL;
        dst->nnodes = i + 1; /* so directory_free frees this node */
        if (!n->units || (src->nodes[i].cert && !n->cert))
            goto fail;
        for (size_t j = 0; j < nunits; j++) {
            if (!(n->units[j] = strdup(src->nodes[i].units[j])))
                goto fail;
            n->nunits = j + 1;
        }
    }
    return 0;
fail:
    directory_free(dst);
    return -1;
}

/* The SHA-256 of the anchors' certificates (DER, in the store's order):
 * another anchor, or one fewer, is another directory verdict. */
static int anchors_sha(X509_STORE *anchors, unsigned char out[32])
{
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(anchors);
    int ok = md && EVP_DigestInit_ex(md, EVP_sha256(), NULL) == 1;
    for (int i = 0; ok && objs && i < sk_X509_OBJECT_num(objs); i++) {
        X509 *x = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
        unsigned char one[32];
        unsigned n = 0;
        if (x)
            ok = X509_digest(x, EVP_sha256(), one, &n) == 1 &&
                 EVP_DigestUpdate(md, one, n) == 1;
    }
    unsigned n = 0;
    ok = ok && EVP_DigestFinal_ex(md, out, &n) == 1 && n == 32;
    EVP_MD_CTX_free(md);
    return ok ? 0 : -1;
}

/* The last directory directory_load verified: the sender and the inbox load
 * it for every message, and checking its CMS signature and chain again each
 * time cost more than the message's own signature. The same signed bytes,
 * the same anchors, the same province and a time inside the window of that
 * verification get the same verdict, so the parsed copy is handed out
 * again; anything else is verified afresh (and replaces it). */
static struct {
    int valid;
    unsigned char cms[32], anchors[32];
    char province[32];
    int64_t window[2];
    struct directory d;
} last;
static pthread_mutex_t last_lock = PTHREAD_MUTEX_INITIALIZER;

/* Whether the cache holds the verdict for these (under last_lock). */
static int last_matches(const unsigned char cms[32], const unsigned char anchors[32],
                        const char *province, int64_t now)
{
    return last.valid && memcmp(last.cms, cms, 32) == 0 && memcmp(last.anchors, anchors, 32) == 0 &&
           strcmp(last.province, province ? province : "") == 0 && now >= last.window[0] &&
           now <= last.window[1];
}

/* Verifies (or finds verified in the cache) the signed directory. */
static int verify_cached(const unsigned char *p, size_t plen, X509_STORE *anchors,
                         const char *province, int64_t now, struct directory *d, struct derr *err)
{
    unsigned char cms_sha[32], anchors_fp[32];
    unsigned n = 0;
    if (province && strlen(province) >= sizeof last.province)
        return directory_verify(p, plen, anchors, province, now, d, NULL, err);
    if (EVP_Digest(p, plen, cms_sha, &n, EVP_sha256(), NULL) != 1 || n != 32 ||
        anchors_sha(anchors, anchors_fp)) {
        ERR_clear_error();
        return directory_verify(p, plen, anchors, province, now, d, NULL, err);
    }
    pthread_mutex_lock(&last_lock);
    int hit = last_matches(cms_sha, anchors_fp, province, now) && copy_directory(d, &last.d) == 0;
    pthread_mutex_unlock(&last_lock);
    if (hit)
        return 0;
    int64_t window[2] = {INT64_MIN, INT64_MAX};
    if (verify(p, plen, anchors, province, now, d, NULL, window, err))
        return -1;
    struct directory keep;
    if (copy_directory(&keep, d))
        return 0; /* verified; only not kept */
    pthread_mutex_lock(&last_lock);
    directory_free(&last.d);
    last.d = keep;
    memcpy(last.cms, cms_sha, 32);
    memcpy(last.anchors, anchors_fp, 32);
    copy_str(last.province, sizeof last.province, province ? province : "");
    last.window[0] = window[0];
    last.window[1] = window[1];
    last.valid = 1;
    pthread_mutex_unlock(&last_lock);
    return 0;
}

int directory_load(struct store *db, const char *province, int64_t now, struct directory *d,
                   unsigned char **cms, size_t *len, struct derr *err)
{
    struct store_blob b = {0};
    memset(d, 0, sizeof *d);
    if (cms) {
        *cms = NULL;
        *len = 0;
    }
    int r = store_one(db,
                      "SELECT signed FROM exchange_directory ORDER BY version DESC LIMIT 1",
                      store_read_blob, &b);
    if (r == STORE_DONE)
        return derr_set(err, DERR_NOT_FOUND, "no_directory",
                        "Máy chủ chưa cài đặt danh bạ nút liên thông.", NULL);
    if (r != STORE_ROW)
        return derr_set(err, DERR_INTERNAL, "internal", "Không đọc được danh bạ đang dùng.",
                        NULL);
    X509_STORE *anchors = keys_trust_store(db);
    int rc = -1;
    if (!anchors)
        derr_set(err, DERR_INTERNAL, "internal", "Không đọc được chứng thư gốc tin cậy.", NULL);
    else
        rc = verify_cached(b.p, b.len, anchors, province, now, d, err);
    X509_STORE_free(anchors);
    if (rc == 0 && cms) {
        *cms = b.p;
        *len = b.len;
        b.p = NULL;
    }
    free(b.p);
    return rc;
}
