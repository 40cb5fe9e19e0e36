/* sharing: the data-sharing services, their access list, the signed call
 * on both sides and its log. See sharing.h and docs/exchange.md
 * "Data-sharing services". */
#include "exchange/sharing.h"

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/util.h"
#include "exchange/directory.h"
#include "sign/http_fetch.h"
#include "sign/keys.h"
#include "sign/signer.h"
#include "store/store.h"

/* --- the registry ------------------------------------------------------ */

/* Filled once at start (sharing_offer), before any thread reads it. */
static const struct sharing_service *offered[SHARING_MAX_SERVICES];
static size_t noffered;

int sharing_offer(const struct sharing_service *s)
{
    for (size_t i = 0; i < noffered; i++)
        if (offered[i] == s)
            return 0;
        else if (strcmp(offered[i]->name, s->name) == 0)
            return -1;
    if (noffered == SHARING_MAX_SERVICES)
        return -1;
    offered[noffered++] = s;
    return 0;
}

const struct sharing_service *const *sharing_services(size_t *n)
{
    *n = noffered;
    return offered;
}

const struct sharing_service *sharing_service_find(const char *name)
{
    for (size_t i = 0; name && i < noffered; i++)
        if (strcmp(offered[i]->name, name) == 0)
            return offered[i];
    return NULL;
}

/* The loose shape of an OrganId, as the directory takes it: 1-31 of
 * [0-9A-Z.]. */
static int organ_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 31 || s[0] == '.' || s[n - 1] == '.')
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '.'))
            return 0;
    return 1;
}

/* A service's name: 1-63 of [a-z0-9-], so that it goes into a URL's path
 * as it is. */
static int service_name_valid(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 1 || n > 63)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '-'))
            return 0;
    return 1;
}

/* --- the access list ---------------------------------------------------- */

static int unknown_service(struct derr *err, const char *name)
{
    char msg[256];
    snprintf(msg, sizeof msg, "Máy chủ này không cung cấp dịch vụ %.64s.", name ? name : "");
    return derr_set(err, DERR_NOT_FOUND, "unknown_service", msg, "service");
}

int sharing_allow(struct store *db, const char *service, const char *organ, int64_t now,
                  struct derr *err)
{
    if (!sharing_service_find(service))
        return unknown_service(err, service);
    if (!organ_valid(organ))
        return derr_set(err, DERR_INVALID, "bad_organ", "Mã đơn vị không đúng dạng QĐ 20.",
                        "organ");
    if (store_exec_all(db,
                       "INSERT INTO exchange_service_access (service, organ, granted_at) "
                       "VALUES (?,?,?) ON CONFLICT DO NOTHING",
                       BIND_TEXT(service), BIND_TEXT(organ), BIND_INT(now)))
        return derr_set(err, DERR_INTERNAL, "internal", "Không ghi được cơ sở dữ liệu.", NULL);
    return 0;
}

int sharing_deny(struct store *db, const char *service, const char *organ, struct derr *err)
{
    if (!sharing_service_find(service))
        return unknown_service(err, service);
    if (store_exec_all(db, "DELETE FROM exchange_service_access WHERE service = ? AND organ = ?",
                       BIND_TEXT(service), BIND_TEXT(organ)))
        return derr_set(err, DERR_INTERNAL, "internal", "Không ghi được cơ sở dữ liệu.", NULL);
    if (store_changes(db) == 0)
        return derr_set(err, DERR_NOT_FOUND, "not_allowed",
                        "Đơn vị này chưa được phép gọi dịch vụ.", "organ");
    return 0;
}

json_t *sharing_access_json(struct store *db, const char *service)
{
    json_t *out = json_array();
    for (size_t i = 0; out && i < noffered; i++) {
        if (service && strcmp(service, offered[i]->name) != 0)
            continue;
        struct store_stmt *st;
        json_t *organs = json_array();
        if (store_prepare_all(db,
                              "SELECT organ, granted_at FROM exchange_service_access "
                              "WHERE service = ? ORDER BY organ",
                              &st, BIND_TEXT(offered[i]->name))) {
            json_decref(organs);
            json_decref(out);
            return NULL;
        }
        int r;
        while ((r = store_step(st)) == STORE_ROW)
            json_array_append_new(organs, json_pack("{s:s,s:I}", "organ", store_col_text(st, 0),
                                                    "granted_at",
                                                    (json_int_t)store_col_int(st, 1)));
        store_done(st);
        if (r != STORE_DONE) {
            json_decref(organs);
            json_decref(out);
            return NULL;
        }
        json_array_append_new(out, json_pack("{s:s,s:s,s:o}", "service", offered[i]->name,
                                             "description", offered[i]->description, "organs",
                                             organs));
    }
    return out;
}

/* --- CMS: sign and verify a JSON content -------------------------------- */

/* Signs content with s as an attached CMS SignedData, binary, SHA-256, the
 * signer's chain included (as the directory is signed). OUT: *out (free()),
 * *outlen. Returns 0 or -1. */
static int cms_sign(const void *content, size_t len, const struct signer *s, unsigned char **out,
                    size_t *outlen)
{
    BIO *in = BIO_new_mem_buf(content, (int)len), *mem = NULL;
    CMS_ContentInfo *cms = NULL;
    int rc = -1;
    *out = NULL;
    *outlen = 0;
    cms = in ? CMS_sign(NULL, NULL, NULL, NULL, CMS_BINARY | CMS_PARTIAL) : NULL;
    if (!cms || !CMS_add1_signer(cms, s->cert, s->key, EVP_sha256(), CMS_BINARY))
        goto out;
    for (int i = 0; s->chain && i < sk_X509_num(s->chain); i++)
        if (!CMS_add1_cert(cms, sk_X509_value(s->chain, i)))
            goto out;
    if (!CMS_final(cms, in, NULL, CMS_BINARY))
        goto out;
    mem = BIO_new(BIO_s_mem());
    if (!mem || i2d_CMS_bio(mem, cms) != 1)
        goto out;
    char *p;
    long n = BIO_get_mem_data(mem, &p);
    if (n <= 0 || !(*out = malloc((size_t)n)))
        goto out;
    memcpy(*out, p, (size_t)n);
    *outlen = (size_t)n;
    rc = 0;
out:
    ERR_clear_error();
    BIO_free(mem);
    BIO_free(in);
    CMS_ContentInfo_free(cms);
    return rc;
}

/* The unit code in the certificate subject's organizationIdentifier (as
 * sign/democa writes it) into out, and whether the subject carries a title
 * (an official's personal certificate: not a seal). */
static void cert_unit(X509 *x, char *out, size_t cap, int *has_title)
{
    X509_NAME *n = X509_get_subject_name(x);
    out[0] = 0;
    *has_title = X509_NAME_get_index_by_NID(n, NID_title, -1) >= 0;
    int i = X509_NAME_get_index_by_NID(n, NID_organizationIdentifier, -1);
    if (i < 0)
        return;
    unsigned char *u = NULL;
    int l = ASN1_STRING_to_UTF8(&u, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)));
    if (l > 0 && (size_t)l < cap && memchr(u, 0, (size_t)l) == NULL) {
        memcpy(out, u, (size_t)l);
        out[l] = 0;
    }
    OPENSSL_free(u);
}

/* Verifies a signed JSON object (DER CMS, one signer) against anchors at
 * now (S/MIME signing purpose, the CMS's certificates as intermediates).
 * OUT: *content (the parsed object; caller decrefs), seal: the unit whose
 * seal signed it ("" when the signer is not a seal). Returns 0, or -1
 * with err: "not_cms", "signature_invalid", "untrusted", "not_json". */
static int cms_verify(const void *data, size_t len, X509_STORE *anchors, int64_t now,
                      json_t **content, char seal[32], struct derr *err)
{
    BIO *in = BIO_new_mem_buf(data, (int)len), *body = NULL;
    CMS_ContentInfo *cms = in ? d2i_CMS_bio(in, NULL) : NULL;
    STACK_OF(X509) *signers = NULL, *certs = NULL;
    X509_STORE_CTX *ctx = NULL;
    char msg[256];
    int rc = -1;
    *content = NULL;
    seal[0] = 0;
    if (!cms || OBJ_obj2nid(CMS_get0_type(cms)) != NID_pkcs7_signed) {
        derr_set(err, DERR_INVALID, "not_cms", "Yêu cầu không phải dữ liệu đã ký (CMS).", NULL);
        goto out;
    }
    STACK_OF(CMS_SignerInfo) *sis = CMS_get0_SignerInfos(cms);
    body = BIO_new(BIO_s_mem());
    /* The signature and the content's digest here; the chain below, at
     * now rather than the machine's clock. */
    if (!sis || sk_CMS_SignerInfo_num(sis) != 1 || !body ||
        CMS_verify(cms, NULL, NULL, NULL, body, CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY) != 1 ||
        !(signers = CMS_get0_signers(cms)) || sk_X509_num(signers) != 1) {
        derr_set(err, DERR_INVALID, "signature_invalid",
                 "Chữ ký không đúng: dữ liệu đã bị sửa hoặc hỏng.", NULL);
        goto out;
    }
    X509 *signer = sk_X509_value(signers, 0);
    certs = CMS_get1_certs(cms);
    ctx = X509_STORE_CTX_new();
    if (!anchors || !ctx || X509_STORE_CTX_init(ctx, anchors, signer, certs) != 1) {
        derr_set(err, DERR_INVALID, "untrusted",
                 "Chứng thư số của bên ký không được máy chủ này tin cậy.", NULL);
        goto out;
    }
    X509_STORE_CTX_set_time(ctx, 0, (time_t)now);
    X509_STORE_CTX_set_purpose(ctx, X509_PURPOSE_SMIME_SIGN);
    if (X509_verify_cert(ctx) != 1) {
        snprintf(msg, sizeof msg, "Chứng thư số của bên ký không được máy chủ này tin cậy (%s).",
                 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
        derr_set(err, DERR_INVALID, "untrusted", msg, NULL);
        goto out;
    }
    int title;
    cert_unit(signer, seal, 32, &title);
    if (title)
        seal[0] = 0;
    char *p;
    long n = BIO_get_mem_data(body, &p);
    json_error_t je;
    *content = n > 0 ? json_loadb(p, (size_t)n, JSON_REJECT_DUPLICATES, &je) : NULL;
    if (!json_is_object(*content)) {
        json_decref(*content);
        *content = NULL;
        derr_set(err, DERR_INVALID, "not_json", "Nội dung đã ký không phải đối tượng JSON.",
                 NULL);
        goto out;
    }
    rc = 0;
out:
    ERR_clear_error();
    X509_STORE_CTX_free(ctx);
    sk_X509_free(signers);
    sk_X509_pop_free(certs, X509_free);
    CMS_ContentInfo_free(cms);
    BIO_free(body);
    BIO_free(in);
    return rc;
}

static void utc_text(int64_t t, char out[32])
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm) || strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        out[0] = 0;
}

/* "YYYY-MM-DDTHH:MM:SSZ" to Unix seconds. Returns 0 or -1. */
static int utc_parse(const char *s, int64_t *out)
{
    int y, mo, d, h, mi, se, n = 0;
    if (!s || strlen(s) != 20 ||
        sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ%n", &y, &mo, &d, &h, &mi, &se, &n) != 6 || n != 20 ||
        mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 59)
        return -1;
    struct tm tm = {.tm_year = y - 1900, .tm_mon = mo - 1, .tm_mday = d, .tm_hour = h,
                    .tm_min = mi, .tm_sec = se};
    *out = (int64_t)timegm(&tm);
    return 0;
}

static void sha256_hex(const void *p, size_t n, char out[65])
{
    unsigned char md[32];
    sha256(p, n, md);
    hex_encode(md, 32, out);
}

static int read_code(struct store_stmt *st, void *out)
{
    copy_str(out, 32, store_col_text(st, 0));
    return STORE_ROW;
}

/* The unit at the top of the catalog: the province, whose directory this
 * node accepts (as `motcua directory` finds it). */
static int province_of(struct store *db, char out[32], struct derr *err)
{
    if (store_one(db, "SELECT code FROM units WHERE parent_id IS NULL ORDER BY id LIMIT 1",
                  read_code, out) != STORE_ROW)
        return derr_set(err, DERR_INTERNAL, "internal", "Dữ liệu không có đơn vị cấp tỉnh.",
                        NULL);
    return 0;
}

/* The seal of unit code, loaded as the PDF seal is. */
static int seal_of(struct store *db, const char *data_dir, const char *code, int64_t now,
                   struct signer **s, struct derr *err)
{
    int64_t id = 0;
    int r = store_int(db, "SELECT id FROM units WHERE code = ?", &id, BIND_TEXT(code));
    if (r != STORE_ROW) {
        char msg[256];
        snprintf(msg, sizeof msg, "Máy chủ này không có đơn vị %.31s.", code);
        return derr_set(err, r == STORE_DONE ? DERR_NOT_FOUND : DERR_INTERNAL,
                        r == STORE_DONE ? "unknown_unit" : "internal", msg, "organ");
    }
    return keys_signer(db, data_dir, id, 0, now, s, err);
}

/* --- the consumer's side ------------------------------------------------ */

int sharing_request_sign(struct store *db, const char *data_dir, const char *from,
                         const char *to, const char *service, json_t *params,
                         const char *nonce, int64_t at, unsigned char **out, size_t *len,
                         struct derr *err)
{
    struct signer *s = NULL;
    char when[32];
    int rc = -1;
    *out = NULL;
    *len = 0;
    utc_text(at, when);
    json_t *req = json_pack("{s:s,s:o,s:s,s:s,s:s,s:s}", "service", service, "params",
                            params ? json_incref(params) : json_object(), "from", from, "to", to,
                            "nonce", nonce, "time", when);
    char *text = req ? json_dumps(req, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (!text) {
        derr_set(err, DERR_INVALID, "bad_params", "Tham số gọi dịch vụ không hợp lệ.", "params");
        goto out;
    }
    if (seal_of(db, data_dir, from, at, &s, err))
        goto out;
    if (cms_sign(text, strlen(text), s, out, len)) {
        derr_set(err, DERR_INTERNAL, "sign_failed", "Không ký được yêu cầu gọi dịch vụ.", NULL);
        goto out;
    }
    rc = 0;
out:
    free(text);
    json_decref(req);
    signer_free(s);
    return rc;
}

int sharing_call_prepare(struct store *db, const char *data_dir, const char *from,
                         const char *to, const char *service, json_t *params, int64_t now,
                         struct sharing_call *c, struct derr *err)
{
    struct directory d = {0};
    char province[32], msg[256];
    unsigned char raw[16];
    int rc = -1;
    memset(c, 0, sizeof *c);
    if (params && !json_is_object(params))
        return derr_set(err, DERR_INVALID, "bad_params", "Tham số (params) phải là một đối tượng.",
                        "params");
    char *ptext = params ? json_dumps(params, JSON_COMPACT) : NULL;
    size_t plen = ptext ? strlen(ptext) : 0;
    free(ptext);
    if (plen > SHARING_MAX_PARAMS)
        return derr_set(err, DERR_TOO_LARGE, "too_large", "Tham số gọi dịch vụ quá dài.",
                        "params");
    if (!service_name_valid(service) || !organ_valid(from) || !organ_valid(to))
        return derr_set(err, DERR_INVALID, "bad_request",
                        "Cần tên dịch vụ, mã đơn vị cung cấp và đơn vị gọi.", NULL);
    copy_str(c->service, sizeof c->service, service);
    copy_str(c->from, sizeof c->from, from);
    copy_str(c->to, sizeof c->to, to);
    c->time = now;
    if (province_of(db, province, err) || directory_load(db, province, now, &d, NULL, NULL, err))
        goto out;
    const struct directory_node *pn = directory_node_for_unit(&d, to);
    if (!pn || !directory_node_for_unit(&d, from)) {
        snprintf(msg, sizeof msg, "Danh bạ nút liên thông không có đơn vị %.31s.",
                 pn ? from : to);
        derr_set(err, DERR_NOT_FOUND, "not_in_directory", msg, pn ? "as" : "organ");
        goto out;
    }
    if (node_tls_client_init(&c->tls, data_dir, pn)) {
        derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống.", NULL);
        goto out;
    }
    /* The node's address may end in '/': never "//api". */
    size_t al = strlen(pn->address);
    if (al && pn->address[al - 1] == '/')
        al--;
    if (snprintf(c->url, sizeof c->url, "%.*s/api/v1/exchange/services/%s", (int)al,
                 pn->address, service) >= (int)sizeof c->url) {
        derr_set(err, DERR_INVALID, "bad_request", "Địa chỉ nút cung cấp quá dài.", NULL);
        goto out;
    }
    if (random_bytes(raw, sizeof raw)) {
        derr_set(err, DERR_INTERNAL, "internal", "Không tạo được số dùng một lần.", NULL);
        goto out;
    }
    hex_encode(raw, sizeof raw, c->nonce);
    if (!(c->anchors = keys_trust_store(db))) {
        derr_set(err, DERR_INTERNAL, "internal", "Không đọc được chứng thư gốc tin cậy.", NULL);
        goto out;
    }
    if (sharing_request_sign(db, data_dir, from, to, service, params, c->nonce, now, &c->request,
                             &c->request_len, err))
        goto out;
    rc = 0;
out:
    directory_free(&d);
    if (rc)
        sharing_call_free(c);
    return rc;
}

/* The provider's refusal as it came ({"error":{code,message}}), into c->err. */
static void provider_refused(struct sharing_call *c)
{
    json_error_t je;
    json_t *j = c->answer ? json_loadb((const char *)c->answer, c->answer_len, 0, &je) : NULL;
    json_t *e = json_object_get(j, "error");
    const char *code = json_string_value(json_object_get(e, "code"));
    const char *m = json_string_value(json_object_get(e, "message"));
    char msg[256];
    snprintf(msg, sizeof msg, "Nút cung cấp từ chối: %.200s", m ? m : "không rõ lý do");
    /* The code is one of the provider's, known here by name: keep the
     * static string this side knows, not the provider's bytes. */
    static const char *const known[] = {"not_allowed", "unknown_service", "replay", "stale",
                                        "unknown_sender", "wrong_signer", "untrusted",
                                        "signature_invalid", "not_found", "bad_params",
                                        "bad_request", "unknown_unit", "not_cms", "not_json",
                                        "unknown_node_certificate", "wrong_node"};
    const char *kc = "provider_refused";
    for (size_t i = 0; code && i < sizeof known / sizeof known[0]; i++)
        if (strcmp(code, known[i]) == 0)
            kc = known[i];
    enum derr_kind kind = c->http_status == 403   ? DERR_FORBIDDEN
                          : c->http_status == 404 ? DERR_NOT_FOUND
                          : c->http_status == 409 ? DERR_STATE
                          : c->http_status == 413 ? DERR_TOO_LARGE
                          : c->http_status == 422 ? DERR_INVALID
                                                  : DERR_INTERNAL;
    derr_set(&c->err, kind, kc, msg, NULL);
    json_decref(j);
}

void sharing_call_send(struct sharing_call *c, int64_t now)
{
    char why[256] = "", msg[256], reqhash[65], seal[32];
    const char *headers[] = {"Content-Type: application/pkcs7-mime; smime-type=signed-data"};
    json_t *a = NULL;
    struct fetch_request fr = {
        .url = c->url,
        .protocols = strncmp(c->url, "https://", 8) == 0 ? "https" : "http",
        .body = c->request,
        .body_len = c->request_len,
        .headers = headers,
        .nheaders = 1,
        .connect_timeout = 10,
        .timeout = 30,
        .max_answer = SHARING_MAX_ANSWER,
        .keep_error_body = 1,
    };
    node_tls_client_apply(&c->tls, &fr);
    c->failed = 1;
    enum fetch_outcome o = fetch_http(&fr, &c->answer, &c->answer_len, &c->http_status, why,
                                      sizeof why);
    if (o == FETCH_STATUS) {
        provider_refused(c);
        return;
    }
    if (o != FETCH_OK) {
        snprintf(msg, sizeof msg, "Không gọi được nút cung cấp: %.200s",
                 o == FETCH_TIMEOUT ? "không trả lời kịp" : why[0] ? why : "không kết nối được");
        derr_set(&c->err, DERR_INTERNAL, "provider_unreachable", msg, NULL);
        return;
    }
    if (cms_verify(c->answer, c->answer_len, c->anchors, now, &a, seal, &c->err)) {
        snprintf(msg, sizeof msg, "Trả lời của nút cung cấp không dùng được: %.150s",
                 c->err.message);
        derr_set(&c->err, DERR_INTERNAL, "bad_answer", msg, NULL);
        return;
    }
    sha256_hex(c->request, c->request_len, reqhash);
    json_t *result = json_object_get(a, "result");
    const char *nonce = json_string_value(json_object_get(a, "nonce"));
    const char *rh = json_string_value(json_object_get(a, "request_sha256"));
    if (strcmp(seal, c->to) != 0 || !nonce || strcmp(nonce, c->nonce) != 0 || !rh ||
        strcmp(rh, reqhash) != 0 || !result) {
        /* Signed, but not by the provider's seal or not for this request:
         * an answer to another call replayed. */
        derr_set(&c->err, DERR_INTERNAL, "bad_answer",
                 "Trả lời không được ký bằng con dấu số của đơn vị cung cấp hoặc không khớp "
                 "yêu cầu.",
                 NULL);
        json_decref(a);
        return;
    }
    c->result = json_incref(result);
    c->failed = 0;
    json_decref(a);
}

int sharing_call_log(struct store *db, const struct sharing_call *c, int64_t now)
{
    char rh[65], ah[65];
    sha256_hex(c->request, c->request_len, rh);
    if (c->answer)
        sha256_hex(c->answer, c->answer_len, ah);
    return store_exec_all(
        db,
        "INSERT INTO exchange_calls (side, service, from_organ, to_organ, nonce, request_time, "
        "at, status, result, account_id, request_sha256, request, answer_sha256, answer) "
        "VALUES ('consumer',?,?,?,?,?,?,?,?,?,?,?,?,?)",
        BIND_TEXT(c->service), BIND_TEXT(c->from), BIND_TEXT(c->to), BIND_TEXT(c->nonce),
        BIND_INT(c->time), BIND_INT(now), BIND_INT(c->http_status),
        BIND_TEXT(c->failed ? (c->err.code ? c->err.code : "failed") : "ok"),
        BIND_ID(c->account_id), BIND_TEXT(rh),
        BIND_BLOB(c->request, c->request_len), c->answer ? BIND_TEXT(ah) : BIND_NULL,
        c->answer ? BIND_BLOB(c->answer, c->answer_len) : BIND_BLOB(NULL, 0));
}

json_t *sharing_calls_json(struct store *db, int limit)
{
    struct store_stmt *st;
    if (store_prepare_all(db,
                          "SELECT id, side, service, from_organ, to_organ, nonce, request_time, "
                          "at, status, result, account_id, request_sha256, "
                          "coalesce(answer_sha256, '') FROM exchange_calls "
                          "ORDER BY id DESC LIMIT ?",
                          &st, BIND_INT(limit)))
        return NULL;
    json_t *out = json_array();
    int r;
    while ((r = store_step(st)) == STORE_ROW) {
        json_t *o = json_pack(
            "{s:I,s:s,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:s,s:o,s:s,s:o}", "id",
            (json_int_t)store_col_int(st, 0), "side", store_col_text(st, 1), "service",
            store_col_text(st, 2), "from", store_col_text(st, 3), "to", store_col_text(st, 4),
            "nonce", store_col_text(st, 5), "request_time", (json_int_t)store_col_int(st, 6),
            "at", (json_int_t)store_col_int(st, 7), "status", (json_int_t)store_col_int(st, 8),
            "result", store_col_text(st, 9), "account_id",
            store_col_is_null(st, 10) ? json_null() : json_integer(store_col_int(st, 10)),
            "request_sha256", store_col_text(st, 11), "answer_sha256",
            *store_col_text(st, 12) ? json_string(store_col_text(st, 12)) : json_null());
        json_array_append_new(out, o);
    }
    store_done(st);
    if (r != STORE_DONE) {
        json_decref(out);
        return NULL;
    }
    return out;
}

void sharing_call_free(struct sharing_call *c)
{
    X509_STORE_free(c->anchors);
    node_tls_client_free(&c->tls);
    free(c->request);
    free(c->answer);
    json_decref(c->result);
    derr_clear(&c->err);
    c->anchors = NULL;
    c->request = c->answer = NULL;
    c->result = NULL;
}

/* --- the provider's side ------------------------------------------------ */

/* What a provider knows of a request as it checks it, for its log row. */
struct incoming {
    char service[64], from[32], to[32], nonce[33];
    int64_t time;
    int trusted; /* the signature verified under this node's anchors */
};

static int refuse(struct sharing_served *out, int status, const char *code, const char *message)
{
    enum derr_kind kind = status == 403   ? DERR_FORBIDDEN
                          : status == 404 ? DERR_NOT_FOUND
                          : status == 409 ? DERR_STATE
                          : status == 413 ? DERR_TOO_LARGE
                                          : DERR_INVALID;
    out->status = status;
    derr_set(&out->err, kind, code, message, NULL);
    return -1;
}

static int nonce_valid(const char *s)
{
    if (!s || strlen(s) != 32)
        return 0;
    for (int i = 0; i < 32; i++)
        if (hex_value(s[i]) < 0)
            return 0;
    return 1;
}

/* The checks, the service and the answer; out->status says how it ended.
 * Returns 0 when answered 200, -1 for a refusal, -2 on a store error. */
static int serve(struct store *db, const char *data_dir, const char *service, const void *req,
                 size_t len, int64_t now, const unsigned char *peer_der, size_t peer_len,
                 struct incoming *in, struct sharing_served *out)
{
    const struct directory_node *peer = NULL; /* the node listener's caller, in d */
    struct derr err = {0};
    struct directory d = {0};
    X509_STORE *anchors = NULL;
    struct signer *s = NULL;
    json_t *content = NULL, *result = NULL, *answer = NULL;
    char seal[32], province[32], msg[256], reqhash[65], when[32];
    char *text = NULL;
    int rc = -1;
    if (len > SHARING_MAX_REQUEST)
        return refuse(out, 413, "too_large", "Yêu cầu gọi dịch vụ quá lớn (tối đa 64 KiB).");
    /* The node listener: a certificate the directory does not list is
     * refused before the request is looked at. */
    if (peer_der) {
        if (province_of(db, province, &err) ||
            directory_load(db, province, now, &d, NULL, NULL, &err)) {
            refuse(out, 503, err.code, err.message);
            goto out;
        }
        if (!(peer = node_tls_peer(&d, peer_der, peer_len, &err))) {
            refuse(out, 403, err.code, err.message);
            goto out;
        }
    }
    if (!(anchors = keys_trust_store(db))) {
        rc = -2;
        goto out;
    }
    if (cms_verify(req, len, anchors, now, &content, seal, &err)) {
        refuse(out, !strcmp(err.code, "untrusted") ? 403 : 422, err.code, err.message);
        goto out;
    }
    in->trusted = 1;
    const char *sv = json_string_value(json_object_get(content, "service"));
    const char *from = json_string_value(json_object_get(content, "from"));
    const char *to = json_string_value(json_object_get(content, "to"));
    const char *nonce = json_string_value(json_object_get(content, "nonce"));
    const char *t = json_string_value(json_object_get(content, "time"));
    json_t *params = json_object_get(content, "params");
    if (!sv || !organ_valid(from) || !organ_valid(to) || !nonce_valid(nonce) ||
        utc_parse(t, &in->time) || !json_is_object(params) || strlen(sv) >= sizeof in->service) {
        refuse(out, 422, "bad_request",
               "Yêu cầu thiếu hoặc sai trường (service, params, from, to, nonce, time).");
        goto out;
    }
    copy_str(in->service, sizeof in->service, sv);
    copy_str(in->from, sizeof in->from, from);
    copy_str(in->to, sizeof in->to, to);
    copy_str(in->nonce, sizeof in->nonce, nonce);
    if (strcmp(sv, service) != 0) {
        refuse(out, 422, "bad_request", "Yêu cầu đã ký cho một dịch vụ khác địa chỉ được gọi.");
        goto out;
    }
    if (strcmp(seal, from) != 0) {
        snprintf(msg, sizeof msg, "Yêu cầu không được ký bằng con dấu số của đơn vị %.31s.", from);
        refuse(out, 403, "wrong_signer", msg);
        goto out;
    }
    if (!peer && (province_of(db, province, &err) ||
                  directory_load(db, province, now, &d, NULL, NULL, &err))) {
        refuse(out, 503, err.code, err.message);
        goto out;
    }
    if (!directory_node_for_unit(&d, from)) {
        snprintf(msg, sizeof msg, "Đơn vị %.31s không có trong danh bạ nút liên thông: từ chối.",
                 from);
        refuse(out, 403, "unknown_sender", msg);
        goto out;
    }
    if (peer && node_tls_may_carry(&d, peer, from, &err)) {
        refuse(out, 403, err.code, err.message);
        goto out;
    }
    if (!directory_node_for_unit(&d, to)) {
        snprintf(msg, sizeof msg, "Đơn vị %.31s không có trong danh bạ nút liên thông.", to);
        refuse(out, 404, "unknown_unit", msg);
        goto out;
    }
    if (in->time < now - SHARING_WINDOW || in->time > now + SHARING_WINDOW) {
        refuse(out, 422, "stale", "Thời điểm của yêu cầu lệch quá 5 phút so với máy chủ.");
        goto out;
    }
    /* The window is over: those nonces can only come back with a stale time. */
    int64_t seen = 0;
    if (store_exec_all(db, "DELETE FROM exchange_nonces WHERE request_time < ?",
                       BIND_INT(now - 2 * SHARING_WINDOW)) ||
        store_int(db, "SELECT count(*) FROM exchange_nonces WHERE from_organ = ? AND nonce = ?",
                  &seen, BIND_TEXT(from), BIND_TEXT(nonce)) != STORE_ROW) {
        rc = -2;
        goto out;
    }
    if (seen) {
        refuse(out, 409, "replay", "Yêu cầu này đã được nhận (gửi lại một yêu cầu cũ): từ chối.");
        goto out;
    }
    if (store_exec_all(db,
                       "INSERT INTO exchange_nonces (from_organ, nonce, request_time) "
                       "VALUES (?,?,?)",
                       BIND_TEXT(from), BIND_TEXT(nonce), BIND_INT(in->time))) {
        rc = -2;
        goto out;
    }
    const struct sharing_service *svc = sharing_service_find(service);
    if (!svc) {
        snprintf(msg, sizeof msg, "Máy chủ này không cung cấp dịch vụ %.64s.", service);
        refuse(out, 404, "unknown_service", msg);
        goto out;
    }
    int64_t allowed = 0;
    if (store_int(db,
                  "SELECT count(*) FROM exchange_service_access WHERE service = ? AND organ = ?",
                  &allowed, BIND_TEXT(service), BIND_TEXT(from)) != STORE_ROW) {
        rc = -2;
        goto out;
    }
    if (!allowed) {
        snprintf(msg, sizeof msg, "Đơn vị %.31s không được phép gọi dịch vụ %.63s.", from, service);
        refuse(out, 403, "not_allowed", msg);
        goto out;
    }
    if (svc->run(db, params, to, from, &result, &err)) {
        refuse(out, err.kind == DERR_NOT_FOUND ? 404 : err.kind == DERR_INTERNAL ? 500 : 422,
               err.code, err.message);
        goto out;
    }
    sha256_hex(req, len, reqhash);
    utc_text(now, when);
    answer = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s,s:O}", "service", service, "from", to, "to",
                       from, "nonce", nonce, "request_sha256", reqhash, "time", when, "status",
                       "ok", "result", result);
    text = answer ? json_dumps(answer, JSON_COMPACT | JSON_SORT_KEYS) : NULL;
    if (!text || seal_of(db, data_dir, to, now, &s, &err) ||
        cms_sign(text, strlen(text), s, &out->answer, &out->answer_len)) {
        refuse(out, 500, "sign_failed", "Không ký được trả lời của dịch vụ.");
        goto out;
    }
    out->status = 200;
    rc = 0;
out:
    derr_clear(&err);
    directory_free(&d);
    X509_STORE_free(anchors);
    signer_free(s);
    json_decref(content);
    json_decref(result);
    json_decref(answer);
    free(text);
    return rc;
}

int sharing_serve(struct store *db, const char *data_dir, const char *service, const void *req,
                  size_t len, int64_t now, struct sharing_served *out)
{
    return sharing_serve_peer(db, data_dir, service, req, len, now, NULL, 0, out);
}

int sharing_serve_peer(struct store *db, const char *data_dir, const char *service,
                       const void *req, size_t len, int64_t now, const unsigned char *peer_der,
                       size_t peer_len, struct sharing_served *out)
{
    struct incoming in = {.time = 0};
    char rh[65], ah[65];
    memset(out, 0, sizeof *out);
    int r = serve(db, data_dir, service, req, len, now, peer_der, peer_len, &in, out);
    if (r == -2)
        return STORE_ERR;
    if (!in.service[0])
        copy_str(in.service, sizeof in.service, service);
    sha256_hex(req, len, rh);
    if (out->answer)
        sha256_hex(out->answer, out->answer_len, ah);
    /* The bytes of a request are kept once its signature verified under
     * this node's anchors: anyone may POST here without a login, and what
     * no trusted unit signed is logged by its hash only (a row of a few
     * hundred bytes, not up to 64 KiB of anyone's choosing). */
    size_t keep = in.trusted && len <= SHARING_MAX_REQUEST ? len : 0;
    return store_exec_all(
        db,
        "INSERT INTO exchange_calls (side, service, from_organ, to_organ, nonce, request_time, "
        "at, status, result, request_sha256, request, answer_sha256, answer) "
        "VALUES ('provider',?,?,?,?,?,?,?,?,?,?,?,?)",
        BIND_TEXT(in.service), BIND_TEXT(in.from), BIND_TEXT(in.to), BIND_TEXT(in.nonce),
        BIND_INT(in.time), BIND_INT(now), BIND_INT(out->status),
        BIND_TEXT(out->status == 200 ? "ok" : out->err.code), BIND_TEXT(rh),
        keep ? BIND_BLOB(req, keep) : BIND_BLOB(NULL, 0), out->answer ? BIND_TEXT(ah) : BIND_NULL,
        out->answer ? BIND_BLOB(out->answer, out->answer_len) : BIND_BLOB(NULL, 0));
}

void sharing_served_free(struct sharing_served *s)
{
    free(s->answer);
    s->answer = NULL;
    derr_clear(&s->err);
}
