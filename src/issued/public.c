/* issued/public: the public view of an issued document and the comparison
 * of an uploaded PDF with it (see public.h). */
#include "issued/public.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "base/util.h"
#include "calendar/calendar.h"
#include "catalog/procedure.h"
#include "catalog/unit.h"
#include "dossier/dossier.h"
#include "dossier/filestore.h"
#include "sign/keys.h"
#include "sign/pdf_verify.h"
#include "store/store.h"

#define NOT_FOUND_MSG "Không tìm thấy văn bản có mã xác thực này"

int issued_public_id_normalize(const char *in, char out[ISSUED_PUBLIC_ID_LEN + 1])
{
    size_t n = in ? strlen(in) : 0;
    out[0] = '\0';
    if (n != ISSUED_PUBLIC_ID_LEN)
        return 0;
    for (size_t i = 0; i < n; i++)
        out[i] = in[i] >= 'A' && in[i] <= 'Z' ? (char)(in[i] - 'A' + 'a') : in[i];
    out[n] = '\0';
    if (!issued_public_id_valid(out)) {
        out[0] = '\0';
        return 0;
    }
    return 1;
}

/* --- verification, in Vietnamese ---------------------------------------- */

static const char *sstr(const json_t *o, const char *key)
{
    return json_string_value(json_object_get(o, key));
}

static int starts(const char *s, const char *prefix)
{
    return s && strncmp(s, prefix, strlen(prefix)) == 0;
}

/* What went wrong with a signature pdfv_verify found invalid. pdfv gives
 * its reason in English words only; these are its own prefixes
 * (src/sign/pdf_verify.c), pinned by tests/unit/test_issued_public.c. */
enum fault { FAULT_NONE, FAULT_CHANGED, FAULT_CERT_TIME, FAULT_OTHER };

static enum fault fault_of(const json_t *sig)
{
    const char *status = sstr(sig, "status"), *problem = sstr(sig, "problem");
    if (!status || strcmp(status, "invalid") != 0)
        return FAULT_NONE;
    if (starts(problem, "the signature does not match the signed bytes"))
        return FAULT_CHANGED;
    if (starts(problem, "a certificate of the signer's chain was not valid at the signing time"))
        return FAULT_CERT_TIME;
    return FAULT_OTHER;
}

#define LABEL_VALID "Hợp lệ"
#define LABEL_CHANGED "Tệp đã bị sửa sau khi ký"
#define LABEL_UNTRUSTED "Chứng thư số không được tin cậy"
#define LABEL_INVALID "Chữ ký không hợp lệ"
#define LABEL_CERT_TIME "Chứng thư số không còn hiệu lực khi ký"
#define LABEL_NO_TIMESTAMP "Chưa có dấu thời gian"

/* The public form of one signature of pdfv's report: the facts a reader
 * needs, with a label and a sentence in Vietnamese. last: the newest
 * signature of the file; file_size: the whole file's. */
static json_t *public_signature(const json_t *s, int last, size_t file_size)
{
    const char *status = sstr(s, "status");
    const char *kind = sstr(s, "kind");
    int doc_ts = kind && strcmp(kind, "document timestamp") == 0;
    int whole = json_is_true(json_object_get(s, "whole_file"));
    json_int_t covered = json_integer_value(json_object_get(s, "covered_bytes"));
    json_int_t revision = json_integer_value(json_object_get(s, "revision"));
    json_t *ts = json_object_get(s, "timestamp");
    const char *label, *time_source = sstr(s, "time_source");
    char summary[400];
    switch (fault_of(s)) {
    case FAULT_CHANGED:
        label = LABEL_CHANGED;
        snprintf(summary, sizeof summary,
                 "Nội dung tệp không còn khớp với chữ ký: tệp đã bị sửa sau khi ký, hoặc chữ ký "
                 "bị hỏng.");
        break;
    case FAULT_CERT_TIME:
        label = LABEL_CERT_TIME;
        snprintf(summary, sizeof summary,
                 "Chứng thư số của người ký (hoặc của tổ chức cấp nó) đã hết hạn hoặc chưa có "
                 "hiệu lực tại thời điểm ký.");
        break;
    case FAULT_OTHER:
        label = LABEL_INVALID;
        snprintf(summary, sizeof summary, "Chữ ký số không hợp lệ.");
        break;
    case FAULT_NONE:
    default:
        if (status && strcmp(status, "untrusted") == 0) {
            label = LABEL_UNTRUSTED;
            snprintf(summary, sizeof summary,
                     "Chữ ký còn nguyên vẹn nhưng chứng thư số không dẫn tới một tổ chức cung "
                     "cấp dịch vụ chứng thực chữ ký số mà hệ thống tin cậy.");
        } else if (!whole && last) {
            label = LABEL_CHANGED;
            snprintf(summary, sizeof summary,
                     "Chữ ký còn nguyên vẹn nhưng không bao trùm toàn bộ tệp: %lld byte đã được "
                     "thêm vào sau khi ký.",
                     (long long)((json_int_t)file_size - covered));
        } else if (!whole) {
            label = LABEL_VALID;
            snprintf(summary, sizeof summary,
                     "%s hợp lệ cho phiên bản thứ %lld của tệp; phần thêm vào sau đó thuộc các "
                     "chữ ký tiếp theo.",
                     doc_ts ? "Dấu thời gian" : "Chữ ký số", (long long)revision);
        } else {
            label = LABEL_VALID;
            snprintf(summary, sizeof summary,
                     "%s hợp lệ, được cấp bởi tổ chức được tin cậy và bao trùm toàn bộ tệp.",
                     doc_ts ? "Dấu thời gian" : "Chữ ký số");
        }
    }
    const char *ts_label = doc_ts                     ? "Dấu thời gian của văn bản"
                           : json_is_object(ts)       ? "Có dấu thời gian"
                                                      : LABEL_NO_TIMESTAMP;
    const char *source_label = !time_source                          ? NULL
                               : strcmp(time_source, "timestamp") == 0 ? "theo dấu thời gian"
                                   : "theo máy tính của người ký, chưa được xác nhận";
    return json_pack("{s:s?, s:O?, s:O?, s:O?, s:O?, s:O?, s:s?, s:s?, s:O?, s:O?, s:O?, s:O?, "
                     "s:I, s:b, s:s?, s:s, s:s, s:s, s:O?}",
                     "kind", kind, "signer", json_object_get(s, "signer"), "organisation",
                     json_object_get(s, "organisation"), "serial", json_object_get(s, "serial"),
                     "issuer", json_object_get(s, "issuer"), "signing_time",
                     json_object_get(s, "signing_time"), "time_source", time_source,
                     "time_source_label", source_label, "timestamp", ts, "reason",
                     json_object_get(s, "reason"), "location", json_object_get(s, "location"),
                     "revision", json_object_get(s, "revision"), "covered_bytes", covered,
                     "whole_file", whole, "status", status, "label", label, "summary", summary,
                     "timestamp_label", ts_label, "detail", json_object_get(s, "problem"));
}

/* The file's verdict and its sentence, from pdfv's verdict and the
 * signatures' public forms. */
static void file_verdict(const char *verdict, json_t *sigs, size_t file_size, json_int_t last_end,
                         int timestamped, const char **label, char *summary, size_t cap)
{
    int changed = 0;
    size_t i;
    json_t *s;
    json_array_foreach(sigs, i, s)
    {
        changed |= strcmp(sstr(s, "label"), LABEL_CHANGED) == 0;
    }
    if (strcmp(verdict, "valid") == 0) {
        *label = LABEL_VALID;
        snprintf(summary, cap, "%s%s",
                 json_array_size(sigs) == 1
                     ? "Tệp còn nguyên vẹn: chữ ký số hợp lệ, chứng thư số được tin cậy và chữ ký "
                       "bao trùm toàn bộ tệp."
                     : "Tệp còn nguyên vẹn: mọi chữ ký số đều hợp lệ, chứng thư số được tin cậy và "
                       "chữ ký cuối cùng bao trùm toàn bộ tệp.",
                 timestamped ? ""
                             : " Chưa có dấu thời gian: thời điểm ký là thời điểm do máy tính của "
                               "người ký ghi lại.");
    } else if (strcmp(verdict, "modified") == 0) {
        *label = LABEL_CHANGED;
        snprintf(summary, cap,
                 "Các chữ ký còn nguyên vẹn nhưng tệp đã bị thêm nội dung sau chữ ký cuối cùng "
                 "(%lld byte): đây không phải là tệp như khi được ký.",
                 (long long)((json_int_t)file_size - last_end));
    } else if (strcmp(verdict, "invalid") == 0 && changed) {
        *label = LABEL_CHANGED;
        snprintf(summary, cap,
                 "Nội dung tệp không còn khớp với chữ ký số: tệp đã bị sửa sau khi ký (hoặc chữ ký "
                 "bị hỏng). Không nên tin nội dung của tệp này.");
    } else if (strcmp(verdict, "invalid") == 0) {
        *label = LABEL_INVALID;
        snprintf(summary, cap, "Có chữ ký số không hợp lệ trong tệp. Không nên tin nội dung của "
                               "tệp này.");
    } else if (strcmp(verdict, "untrusted") == 0) {
        *label = LABEL_UNTRUSTED;
        snprintf(summary, cap,
                 "Các chữ ký còn nguyên vẹn nhưng có chứng thư số không dẫn tới một tổ chức cung "
                 "cấp dịch vụ chứng thực chữ ký số mà hệ thống tin cậy.");
    } else {
        *label = "Chưa được ký số";
        snprintf(summary, cap, "Tệp không có chữ ký số nào.");
    }
}

json_t *issued_public_verification(const unsigned char *pdf, size_t len, X509_STORE *trust)
{
    char err[256] = "";
    json_t *rep = NULL;
    if (pdfv_verify(pdf, len, trust, &rep, err, sizeof err) < 0 || !rep) {
        json_decref(rep);
        return json_pack("{s:s, s:b, s:s, s:s, s:b, s:I, s:[], s:s}", "verdict", "unreadable",
                         "valid", 0, "label", "Không đọc được tệp", "summary",
                         "Không đọc được tệp này như một tệp PDF có cấu trúc hợp lệ.",
                         "timestamped", 0, "file_size", (json_int_t)len, "signatures", "detail",
                         err);
    }
    json_t *in = json_object_get(rep, "signatures");
    json_t *sigs = json_array();
    size_t n = json_array_size(in), i;
    json_int_t last_end = 0;
    int stamped_all = n > 0, doc_ts = 0, failed = !sigs;
    json_t *s;
    json_array_foreach(in, i, s)
    {
        const char *kind = sstr(s, "kind");
        json_int_t end = json_integer_value(json_object_get(s, "covered_bytes"));
        if (end > last_end)
            last_end = end;
        if (kind && strcmp(kind, "document timestamp") == 0)
            doc_ts = 1;
        else if (!json_is_object(json_object_get(s, "timestamp")))
            stamped_all = 0;
        /* takes p, even when it fails (NULL p, no array) */
        if (json_array_append_new(sigs, public_signature(s, i + 1 == n, len)))
            failed = 1;
    }
    const char *verdict = sstr(rep, "verdict");
    json_t *out = NULL;
    if (!failed && verdict) {
        const char *label;
        char summary[600];
        int stamped = doc_ts || stamped_all;
        file_verdict(verdict, sigs, len, last_end, stamped, &label, summary, sizeof summary);
        out = json_pack("{s:s, s:b, s:s, s:s, s:b, s:I, s:O, s:n}", "verdict", verdict, "valid",
                        strcmp(verdict, "valid") == 0, "label", label, "summary", summary,
                        "timestamped", stamped, "file_size", (json_int_t)len, "signatures", sigs,
                        "detail");
    }
    json_decref(sigs);
    json_decref(rep);
    return out;
}

/* --- the document --------------------------------------------------------- */

static const char *kind_label(enum issued_kind k)
{
    switch (k) {
    case ISSUED_RECEIPT: return "Giấy tiếp nhận hồ sơ và hẹn trả kết quả";
    case ISSUED_RESULT: return "Kết quả giải quyết thủ tục hành chính";
    case ISSUED_APOLOGY: return "Phiếu xin lỗi và hẹn lại ngày trả kết quả";
    case ISSUED_CERTIFIED_COPY: return "Bản sao điện tử có chứng thực";
    }
    return "";
}

static const char *state_label(enum issued_state s)
{
    switch (s) {
    case ISSUED_PENDING: return "Đang ký số";
    case ISSUED_SIGNED: return "Đã ký số";
    case ISSUED_AWAITING_TIMESTAMP: return "Đã ký số, chưa có dấu thời gian";
    case ISSUED_FAILED: return "Chưa phát hành được";
    }
    return "";
}

static const char *state_message(enum issued_state s)
{
    switch (s) {
    case ISSUED_PENDING:
        return "Văn bản đang được ký số. Vui lòng quay lại sau ít phút.";
    case ISSUED_SIGNED:
        return "Văn bản đã được ký số.";
    case ISSUED_AWAITING_TIMESTAMP:
        return "Văn bản đã được ký số nhưng chưa có dấu thời gian; dấu thời gian sẽ được bổ sung "
               "khi dịch vụ cấp dấu thời gian hoạt động trở lại.";
    case ISSUED_FAILED:
        return "Văn bản chưa được ký số thành công nên chưa được phát hành. Vui lòng liên hệ cơ "
               "quan giải quyết.";
    }
    return "";
}

static int is_issued(const struct issued_doc *doc)
{
    return doc->state == ISSUED_SIGNED || doc->state == ISSUED_AWAITING_TIMESTAMP;
}

/* The stored file of doc, read whole. OUT: *data (caller frees), *len.
 * Returns 0 or -1. */
static int read_stored(const char *files_dir, const struct issued_doc *doc, unsigned char **data,
                       size_t *len)
{
    *data = filestore_read_all(files_dir, doc->sha256, ISSUED_PUBLIC_FILE_MAX, len);
    return *data ? 0 : -1;
}

/* {code, procedure: {code, name}} of the dossier, never its applicant;
 * NULL on a store error. */
static json_t *dossier_part(struct store *db, int64_t dossier_id)
{
    struct dossier d;
    struct procedure p;
    char key[24];
    snprintf(key, sizeof key, "%lld", (long long)dossier_id);
    int rc = dossier_find(db, key, 0, &d);
    if (rc == STORE_DONE)
        return json_null(); /* the foreign key makes this impossible, but say nothing */
    if (rc != STORE_ROW)
        return NULL;
    memset(&p, 0, sizeof p);
    rc = procedure_by_id(db, d.procedure_id, &p);
    json_t *proc = rc == STORE_ROW ? json_pack("{s:s, s:s}", "code", p.code, "name", p.name)
                   : rc == STORE_DONE ? json_null()
                                      : NULL;
    if (rc == STORE_ROW)
        procedure_clear(&p);
    if (!proc)
        return NULL;
    return json_pack("{s:s?, s:o}", "code", d.code[0] ? d.code : NULL, "procedure", proc);
}

json_t *issued_public_view(struct store *db, const char *files_dir, const struct issued_doc *doc,
                           int verify, struct derr *err)
{
    struct unit u;
    json_t *view = NULL, *dossier = NULL, *ver = NULL;
    X509_STORE *trust = NULL;
    unsigned char *pdf = NULL;
    size_t len = 0;
    int issued = is_issued(doc);
    char url[80];
    snprintf(url, sizeof url, "/api/v1/verify/%s/file", doc->public_id);
    if (unit_by_id(db, doc->unit_id, &u) != STORE_ROW)
        goto fail;
    dossier = doc->dossier_id ? dossier_part(db, doc->dossier_id) : json_null();
    if (!dossier)
        goto fail;
    view = json_pack("{s:s, s:s, s:s, s:s, s:{s:s, s:s}, s:O, s:s, s:s, s:s, s:o, s:o, s:o, "
                     "s:s?, s:o, s:s?}",
                     "public_id", doc->public_id, "kind", issued_kind_name(doc->kind), "kind_name",
                     kind_label(doc->kind), "title", doc->title, "unit", "code", u.code, "name",
                     u.name, "dossier", dossier, "state", issued_state_name(doc->state),
                     "state_label", state_label(doc->state), "message", state_message(doc->state),
                     "issued_at", cal_json_iso(doc->created_at), "signed_at",
                     cal_json_iso(issued ? doc->signed_at : 0), "timestamped_at",
                     cal_json_iso(issued ? doc->timestamped_at : 0), "sha256",
                     issued ? doc->sha256 : NULL, "size",
                     issued ? json_integer(doc->size) : json_null(), "file_url",
                     issued ? url : NULL);
    if (!view)
        goto fail;
    if (verify && issued) {
        if (!(trust = keys_trust_store(db)) || read_stored(files_dir, doc, &pdf, &len) ||
            !(ver = issued_public_verification(pdf, len, trust)))
            goto fail;
        if (doc->state == ISSUED_AWAITING_TIMESTAMP &&
            json_object_set_new(ver, "timestamp_label", json_string(LABEL_NO_TIMESTAMP)))
            goto fail;
        if (json_object_set_new(view, "verification", ver)) {
            ver = NULL;
            goto fail;
        }
        ver = NULL;
    }
    json_decref(dossier);
    X509_STORE_free(trust);
    free(pdf);
    return view;
fail:
    derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống, vui lòng thử lại sau", NULL);
    json_decref(view);
    json_decref(dossier);
    json_decref(ver);
    X509_STORE_free(trust);
    free(pdf);
    return NULL;
}

int issued_public_get(struct store *db, const char *files_dir, const char *public_id, int verify,
                      json_t **out, struct derr *err)
{
    char pid[ISSUED_PUBLIC_ID_LEN + 1];
    struct issued_doc doc;
    *out = NULL;
    if (!issued_public_id_normalize(public_id, pid))
        return derr_set(err, DERR_NOT_FOUND, "not_found", NOT_FOUND_MSG, NULL);
    int rc = issued_get_public(db, pid, &doc);
    if (rc == STORE_DONE)
        return derr_set(err, DERR_NOT_FOUND, "not_found", NOT_FOUND_MSG, NULL);
    if (rc != STORE_ROW)
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống, vui lòng thử lại sau", NULL);
    *out = issued_public_view(db, files_dir, &doc, verify, err);
    return *out ? 0 : -1;
}

/* --- comparing an upload ------------------------------------------------- */

static int sha256_hex(const unsigned char *data, size_t len, char hex[65])
{
    unsigned char md[32];
    unsigned mdlen = 0;
    if (EVP_Digest(data, len, md, &mdlen, EVP_sha256(), NULL) != 1 || mdlen != sizeof md)
        return -1;
    hex_encode(md, sizeof md, hex);
    return 0;
}

/* Whether data[0..len) ends a revision: "%%EOF" and at most an end of
 * line after it, so a cut-off download is not taken for an earlier
 * version. */
static int ends_revision(const unsigned char *data, size_t len)
{
    while (len && (data[len - 1] == '\n' || data[len - 1] == '\r'))
        len--;
    return len >= 5 && memcmp(data + len - 5, "%%EOF", 5) == 0;
}

enum relation { REL_SAME, REL_EARLIER, REL_EXTENDED, REL_DIFFERENT, REL_UNKNOWN };

static const char *const relation_name[] = {"same", "earlier_version", "extended", "different",
                                            "unknown"};

static const char *relation_message(enum relation rel)
{
    switch (rel) {
    case REL_SAME:
        return "Tệp trùng khớp hoàn toàn với văn bản đã phát hành (cùng mã băm SHA-256).";
    case REL_EARLIER:
        return "Tệp là một phiên bản trước của văn bản đã phát hành: bản lưu trên hệ thống có "
               "thêm phần được bổ sung sau khi ký (ví dụ dấu thời gian). Nội dung đã ký là một.";
    case REL_EXTENDED:
        return "Tệp chứa văn bản đã phát hành nhưng đã bị thêm dữ liệu vào sau: đây không phải "
               "là bản gốc.";
    case REL_DIFFERENT:
        return "Tệp không trùng với văn bản đã phát hành.";
    case REL_UNKNOWN:
        return "Tệp không trùng với văn bản nào do hệ thống phát hành.";
    }
    return "";
}

/* How the upload stands to the stored file of doc. */
static int relate(const char *files_dir, const struct issued_doc *doc, const unsigned char *pdf,
                  size_t len, const char *sha, enum relation *rel)
{
    unsigned char *stored;
    size_t slen;
    if (strcmp(sha, doc->sha256) == 0) {
        *rel = REL_SAME;
        return 0;
    }
    if (read_stored(files_dir, doc, &stored, &slen))
        return -1;
    if (len < slen && memcmp(stored, pdf, len) == 0 && ends_revision(pdf, len))
        *rel = REL_EARLIER;
    else if (len > slen && memcmp(stored, pdf, slen) == 0)
        *rel = REL_EXTENDED;
    else
        *rel = REL_DIFFERENT;
    free(stored);
    return 0;
}

/* The issued document the upload is, with bytes added after its last
 * signature: the file one of its signatures covers, when that file was
 * issued. Returns STORE_ROW with *doc, STORE_DONE, or a store error. */
static int find_extended(struct store *db, const unsigned char *pdf, size_t len,
                         const json_t *verification, struct issued_doc *doc)
{
    const json_t *sigs = json_object_get(verification, "signatures");
    for (size_t i = json_array_size(sigs); i-- > 0;) {
        json_int_t end = json_integer_value(json_object_get(json_array_get(sigs, i),
                                                            "covered_bytes"));
        char sha[65];
        if (end <= 0 || (size_t)end >= len)
            continue;
        if (sha256_hex(pdf, (size_t)end, sha))
            return STORE_ERR;
        int rc = issued_find_sha(db, sha, doc);
        if (rc != STORE_DONE)
            return rc;
    }
    return STORE_DONE;
}

int issued_public_check(struct store *db, const char *files_dir, const char *public_id,
                        const unsigned char *pdf, size_t len, json_t **out, struct derr *err)
{
    char pid[ISSUED_PUBLIC_ID_LEN + 1], sha[65];
    struct issued_doc doc;
    enum relation rel = REL_UNKNOWN;
    int found = 0, rc;
    json_t *ver = NULL, *view = NULL;
    X509_STORE *trust = NULL;
    *out = NULL;
    if (public_id) {
        if (!issued_public_id_normalize(public_id, pid))
            return derr_set(err, DERR_NOT_FOUND, "not_found", NOT_FOUND_MSG, NULL);
        rc = issued_get_public(db, pid, &doc);
        if (rc == STORE_DONE)
            return derr_set(err, DERR_NOT_FOUND, "not_found", NOT_FOUND_MSG, NULL);
        if (rc != STORE_ROW)
            goto internal;
        if (!is_issued(&doc))
            return derr_set(err, DERR_STATE, "not_issued",
                            doc.state == ISSUED_PENDING
                                ? "Văn bản đang được ký số, chưa thể so sánh. Vui lòng quay lại "
                                  "sau ít phút."
                                : "Văn bản chưa được phát hành nên không có bản gốc để so sánh.",
                            NULL);
        found = 1;
    }
    if (sha256_hex(pdf, len, sha) || !(trust = keys_trust_store(db)) ||
        !(ver = issued_public_verification(pdf, len, trust)))
        goto internal;
    if (strcmp(sstr(ver, "verdict"), "unreadable") == 0) {
        json_decref(ver);
        X509_STORE_free(trust);
        return derr_set(err, DERR_INVALID, "unreadable_pdf",
                        "Không đọc được tệp này như một tệp PDF có cấu trúc hợp lệ.", NULL);
    }
    if (found) {
        if (relate(files_dir, &doc, pdf, len, sha, &rel))
            goto internal;
    } else {
        rc = issued_find_sha(db, sha, &doc);
        if (rc == STORE_ROW) {
            rel = REL_SAME;
        } else if (rc == STORE_DONE) {
            rc = find_extended(db, pdf, len, ver, &doc);
            if (rc == STORE_ROW)
                rel = REL_EXTENDED;
            else if (rc != STORE_DONE)
                goto internal;
        } else {
            goto internal;
        }
        found = rel != REL_UNKNOWN;
    }
    if (found && !(view = issued_public_view(db, files_dir, &doc, 0, err)))
        goto out;
    *out = json_pack("{s:b, s:s, s:s, s:{s:s, s:I, s:O}, s:O}", "same_file", rel == REL_SAME,
                     "relation", relation_name[rel], "message", relation_message(rel), "upload",
                     "sha256", sha, "size", (json_int_t)len, "verification", ver, "document",
                     view ? view : json_null());
    if (!*out)
        goto internal;
    goto out;
internal:
    derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống, vui lòng thử lại sau", NULL);
out:
    json_decref(view);
    json_decref(ver);
    X509_STORE_free(trust);
    return *out ? 0 : -1;
}
