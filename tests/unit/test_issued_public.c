/* Tests of src/issued/public.c: the public view of an issued document and
 * the comparison of an uploaded PDF with it. A test CA made here with
 * OpenSSL (a root the data directory trusts, a signer, a timestamp
 * authority, and a stranger's root it does not), PDFs drawn by render/pdf
 * and signed by pades_sign, files put in the file store and rows added
 * with issued_add, as the issuing side does. Expected texts are written
 * here; names, codes and hashes are read from the database or computed
 * with OpenSSL, never from the code under test. */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "app.h"
#include "base/util.h"
#include "dossier/filestore.h"
#include "fixture.h"
#include "harness.h"
#include "issued/issued.h"
#include "issued/public.h"
#include "render/pdf.h"
#include "sign/keys.h"
#include "sign/pades.h"
#include "sign/signer.h"
#include "sign/tsa_server.h"
#include "testca.h"

/* Under LeakSanitizer: fontconfig's caches (see test_receipt.c). */
const char *__lsan_default_suppressions(void);
const char *__lsan_default_suppressions(void)
{
    return "leak:libfontconfig.so\n";
}

#define SEAL_CN "UBND phường Hạc Thành"
#define OFFICIAL_CN "Trịnh Văn Long"
#define WHEN ((time_t)1772681400) /* 2026-03-05 03:30:00 UTC */
#define WHEN_ISO "2026-03-05T10:30:00+07:00"
#define DAY 86400L
/* The applicant of the dossier (extract_form): must never be shown. */
#define APPLICANT "Nguyễn Thị Mai"
#define APPLICANT_ID "038090012345"

static EVP_PKEY *root_key, *other_key;
static X509 *root, *other_root;
static struct signer *seal, *official, *stranger, *expired;
static struct tsa_server *tsa;
static char files_dir[400];
static int64_t unit_id, dossier_id;

static struct signer *make_signer(const char *cn, const char *o, X509 *ca, EVP_PKEY *ca_key,
                                  time_t nb, time_t na)
{
    struct signer *s = calloc(1, sizeof *s);
    s->key = EVP_EC_gen("P-256");
    s->cert = tc_kind_cert(s->key, cn, o, ca, ca_key, 0, nb, na);
    snprintf(s->name, sizeof s->name, "%s", cn);
    snprintf(s->organisation, sizeof s->organisation, "%s", o);
    return s;
}

/* A one-page document drawn by render/pdf. Caller frees. */
static unsigned char *document(const char *text, size_t *len)
{
    struct pdf_doc *d;
    unsigned char *out = NULL;
    if (pdf_begin(&d, NULL) == 0) {
        pdf_text(d, NULL, text);
        pdf_end(d, &out, len);
        pdf_free(d);
    }
    if (!out)
        abort();
    return out;
}

/* in signed by s (at WHEN, or now with a timestamp). Caller frees. */
static unsigned char *sign(const unsigned char *in, size_t len, const struct signer *s,
                           int timestamp, size_t *outlen)
{
    struct pades_options o = {.reason = "Phê duyệt kết quả", .location = "Thanh Hóa",
                              .when = timestamp ? 0 : WHEN};
    if (timestamp) {
        o.timestamp = tsa_server_timestamp_cb;
        o.timestamp_ctx = tsa;
    }
    unsigned char *out = NULL;
    char err[256] = "";
    if (pades_sign(in, len, s, &o, &out, outlen, err, sizeof err)) {
        printf("  sign: %s\n", err);
        abort();
    }
    return out;
}

static void sha_hex(const unsigned char *p, size_t n, char hex[65])
{
    unsigned char md[32];
    EVP_Digest(p, n, md, NULL, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
}

/* Puts the file into the file store as the issuing side does. */
static void store_file(const unsigned char *p, size_t n, char sha[65])
{
    struct filestore_tmp t;
    if (filestore_tmp_open(files_dir, &t) || filestore_tmp_write(&t, p, n) ||
        filestore_tmp_adopt(files_dir, &t, sha))
        abort();
}

/* An issued document: signed (state SIGNED or AWAITING_TIMESTAMP) with
 * file p, or pending (p NULL). OUT: pid. A pending row is written as
 * issued_add writes one, but by hand: issued_add leaks the empty signers
 * array it makes when none are given (reported; not this test's file). */
static void issue(enum issued_kind kind, const char *ref, int64_t dossier, enum issued_state state,
                  const unsigned char *p, size_t n, char pid[ISSUED_PUBLIC_ID_LEN + 1])
{
    char sha[65];
    json_t *signers = json_pack("[{s:s, s:s}]", "role", "seal", "name", SEAL_CN);
    struct issued_signed s = {.state = state, .sha256 = sha, .size = (int64_t)n,
                              .signers = signers};
    struct derr err = {0};
    int64_t id;
    if (p)
        store_file(p, n, sha);
    struct issued_new nw = {.kind = kind, .unit_id = unit_id, .dossier_id = dossier, .ref = ref,
                            .title = "Văn bản thử nghiệm", .signed_as = p ? &s : NULL,
                            .now = WHEN};
    int rc;
    store_begin(fx_db);
    if (p) {
        rc = issued_add(fx_db, &nw, &id, pid, &err);
    } else {
        rc = issued_new_public_id(pid) ||
             store_exec_all(fx_db,
                            "INSERT INTO issued_documents (public_id, kind, unit_id, dossier_id,"
                            " ref, title, state, created_at, next_attempt_at)"
                            " VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?)",
                            BIND_TEXT(pid), BIND_TEXT(issued_kind_name(kind)), BIND_INT(unit_id),
                            BIND_ID(dossier), BIND_TEXT(ref), BIND_TEXT(nw.title),
                            BIND_INT(WHEN), BIND_INT(WHEN));
        snprintf(err.message, sizeof err.message, "cannot insert the pending row");
    }
    store_commit(fx_db);
    json_decref(signers);
    if (rc) {
        printf("  issue: %s\n", err.message);
        abort();
    }
}

static const char *jstr(const json_t *o, const char *path)
{
    /* "a.b.c": members, one level at a time */
    char key[64];
    const json_t *v = o;
    while (v && *path) {
        size_t n = strcspn(path, ".");
        snprintf(key, sizeof key, "%.*s", (int)n, path);
        v = json_object_get(v, key);
        path += n + (path[n] == '.');
    }
    return json_string_value(v);
}

static json_t *sig(const json_t *ver, size_t i)
{
    return json_array_get(json_object_get(ver, "signatures"), i);
}

/* Whether the JSON text of o contains s anywhere. */
static int mentions(const json_t *o, const char *s)
{
    char *t = json_dumps(o, JSON_COMPACT);
    int hit = t && strstr(t, s);
    free(t);
    return hit;
}

/* Rows and files that a reading function must leave alone. */
static int64_t issued_state_now(void)
{
    return fx_int("SELECT count(*) * 1000003 + coalesce(sum(attempts), 0) + coalesce(sum(size), 0)"
                  " FROM issued_documents",
                  NULL) +
           fx_state();
}

static unsigned char *doc_pdf, *doc_signed, *copy_signed, *twice_signed, *once_signed;
static size_t doc_len, doc_signed_len, copy_signed_len, twice_len, once_len;
static char result_pid[ISSUED_PUBLIC_ID_LEN + 1], copy_pid[ISSUED_PUBLIC_ID_LEN + 1],
    pending_pid[ISSUED_PUBLIC_ID_LEN + 1], twice_pid[ISSUED_PUBLIC_ID_LEN + 1];

/* --- tests ---------------------------------------------------------------- */

TEST(ids_are_taken_in_any_case_and_checked)
{
    char out[ISSUED_PUBLIC_ID_LEN + 1];
    CHECK_EQ_INT(issued_public_id_normalize("ABCDEFGHIJKLMNOPQR23", out), 1);
    CHECK_EQ_STR(out, "abcdefghijklmnopqr23");
    CHECK_EQ_INT(issued_public_id_normalize("abcdefghijklmnopqr23", out), 1);
    CHECK_EQ_STR(out, "abcdefghijklmnopqr23");
    CHECK_EQ_INT(issued_public_id_normalize("abcdefghijklmnopqr2", out), 0); /* 19 */
    CHECK_EQ_STR(out, "");
    CHECK_EQ_INT(issued_public_id_normalize("abcdefghijklmnopqr01", out), 0); /* 0, 1 */
    CHECK_EQ_INT(issued_public_id_normalize("abcdefghijklmnopqr2.", out), 0);
    CHECK_EQ_INT(issued_public_id_normalize("", out), 0);
    CHECK_EQ_INT(issued_public_id_normalize(NULL, out), 0);
}

TEST(a_signed_result_shows_its_unit_dossier_and_a_valid_timestamped_signature)
{
    char unit_name[256], code[96], proc_name[512], sha[65];
    fx_text("SELECT name FROM units WHERE code = ?", FX_COMMUNE, unit_name, sizeof unit_name);
    char idtxt[24];
    snprintf(idtxt, sizeof idtxt, "%lld", (long long)dossier_id);
    fx_text("SELECT code FROM dossiers WHERE id = CAST(? AS INTEGER)", idtxt, code, sizeof code);
    fx_text("SELECT name FROM procedures WHERE code = ?", FX_EXTRACT, proc_name, sizeof proc_name);
    sha_hex(doc_signed, doc_signed_len, sha);
    CHECK(code[0] != '\0');

    int64_t before = issued_state_now();
    struct derr err = {0};
    json_t *v = NULL;
    CHECK_EQ_INT(issued_public_get(fx_db, files_dir, result_pid, 1, &v, &err), 0);
    if (!v)
        return;
    CHECK_EQ_STR(jstr(v, "public_id"), result_pid);
    CHECK_EQ_STR(jstr(v, "kind"), "result");
    CHECK_EQ_STR(jstr(v, "kind_name"), "Kết quả giải quyết thủ tục hành chính");
    CHECK_EQ_STR(jstr(v, "title"), "Văn bản thử nghiệm");
    CHECK_EQ_STR(jstr(v, "unit.code"), FX_COMMUNE);
    CHECK_EQ_STR(jstr(v, "unit.name"), unit_name);
    CHECK_EQ_STR(jstr(v, "dossier.code"), code);
    CHECK_EQ_STR(jstr(v, "dossier.procedure.code"), FX_EXTRACT);
    CHECK_EQ_STR(jstr(v, "dossier.procedure.name"), proc_name);
    CHECK_EQ_STR(jstr(v, "state"), "signed");
    CHECK_EQ_STR(jstr(v, "state_label"), "Đã ký số");
    CHECK_EQ_STR(jstr(v, "issued_at"), WHEN_ISO);
    CHECK_EQ_STR(jstr(v, "signed_at"), WHEN_ISO);
    CHECK_EQ_STR(jstr(v, "timestamped_at"), WHEN_ISO);
    CHECK_EQ_STR(jstr(v, "sha256"), sha);
    CHECK_EQ_INT(json_integer_value(json_object_get(v, "size")), doc_signed_len);
    char url[80];
    snprintf(url, sizeof url, "/api/v1/verify/%s/file", result_pid);
    CHECK_EQ_STR(jstr(v, "file_url"), url);
    /* Never the applicant, nor anything of the form. */
    CHECK(!mentions(v, APPLICANT));
    CHECK(!mentions(v, APPLICANT_ID));
    CHECK(!json_object_get(v, "signers"));

    json_t *ver = json_object_get(v, "verification");
    CHECK_EQ_STR(jstr(ver, "verdict"), "valid");
    CHECK(json_is_true(json_object_get(ver, "valid")));
    CHECK_EQ_STR(jstr(ver, "label"), "Hợp lệ");
    CHECK(json_is_true(json_object_get(ver, "timestamped")));
    CHECK(!strstr(jstr(ver, "summary") ? jstr(ver, "summary") : "", "Chưa có dấu thời gian"));
    CHECK_EQ_INT(json_integer_value(json_object_get(ver, "file_size")), doc_signed_len);
    CHECK_EQ_INT(json_array_size(json_object_get(ver, "signatures")), 1);
    json_t *s = sig(ver, 0);
    CHECK_EQ_STR(jstr(s, "signer"), SEAL_CN);
    CHECK_EQ_STR(jstr(s, "organisation"), SEAL_CN);
    CHECK_EQ_STR(jstr(s, "status"), "valid");
    CHECK_EQ_STR(jstr(s, "label"), "Hợp lệ");
    CHECK_EQ_STR(jstr(s, "timestamp_label"), "Có dấu thời gian");
    CHECK_EQ_STR(jstr(s, "time_source"), "timestamp");
    CHECK_EQ_STR(jstr(s, "time_source_label"), "theo dấu thời gian");
    CHECK(strstr(jstr(s, "timestamp.tsa") ? jstr(s, "timestamp.tsa") : "", "motcua test TSA"));
    CHECK(json_is_true(json_object_get(s, "whole_file")));
    CHECK(json_is_null(json_object_get(s, "detail")));
    CHECK_EQ_STR(jstr(s, "reason"), "Phê duyệt kết quả");
    json_decref(v);

    /* Without verify: the same facts, no verification. */
    CHECK_EQ_INT(issued_public_get(fx_db, files_dir, result_pid, 0, &v, &err), 0);
    CHECK(v && !json_object_get(v, "verification"));
    CHECK_EQ_STR(jstr(v, "sha256"), sha);
    json_decref(v);
    CHECK_EQ_INT(issued_state_now(), before);
}

TEST(a_copy_awaiting_its_timestamp_says_so_and_has_no_dossier)
{
    struct derr err = {0};
    json_t *v = NULL;
    char upper[ISSUED_PUBLIC_ID_LEN + 1];
    for (int i = 0; i < ISSUED_PUBLIC_ID_LEN; i++)
        upper[i] = copy_pid[i] >= 'a' && copy_pid[i] <= 'z' ? (char)(copy_pid[i] - 32)
                                                             : copy_pid[i];
    upper[ISSUED_PUBLIC_ID_LEN] = '\0';
    CHECK_EQ_INT(issued_public_get(fx_db, files_dir, upper, 1, &v, &err), 0);
    if (!v)
        return;
    CHECK_EQ_STR(jstr(v, "public_id"), copy_pid);
    CHECK_EQ_STR(jstr(v, "kind"), "certified_copy");
    CHECK_EQ_STR(jstr(v, "kind_name"), "Bản sao điện tử có chứng thực");
    CHECK(json_is_null(json_object_get(v, "dossier")));
    CHECK_EQ_STR(jstr(v, "state"), "awaiting_timestamp");
    CHECK_EQ_STR(jstr(v, "state_label"), "Đã ký số, chưa có dấu thời gian");
    CHECK(json_is_null(json_object_get(v, "timestamped_at")));
    json_t *ver = json_object_get(v, "verification");
    CHECK_EQ_STR(jstr(ver, "verdict"), "valid");
    CHECK_EQ_STR(jstr(ver, "label"), "Hợp lệ");
    CHECK(json_is_false(json_object_get(ver, "timestamped")));
    CHECK_EQ_STR(jstr(ver, "timestamp_label"), "Chưa có dấu thời gian");
    CHECK(strstr(jstr(ver, "summary") ? jstr(ver, "summary") : "", "Chưa có dấu thời gian"));
    json_t *s = sig(ver, 0);
    CHECK_EQ_STR(jstr(s, "signer"), OFFICIAL_CN);
    CHECK_EQ_STR(jstr(s, "organisation"), SEAL_CN);
    CHECK_EQ_STR(jstr(s, "timestamp_label"), "Chưa có dấu thời gian");
    CHECK(json_is_null(json_object_get(s, "timestamp")));
    CHECK_EQ_STR(jstr(s, "signing_time"), WHEN_ISO);
    CHECK_EQ_STR(jstr(s, "time_source"), "/M");
    CHECK_EQ_STR(jstr(s, "time_source_label"), "theo máy tính của người ký, chưa được xác nhận");
    json_decref(v);
}

TEST(a_pending_document_is_being_signed_and_has_nothing_to_verify)
{
    struct derr err = {0};
    json_t *v = NULL;
    CHECK_EQ_INT(issued_public_get(fx_db, files_dir, pending_pid, 1, &v, &err), 0);
    if (!v)
        return;
    CHECK_EQ_STR(jstr(v, "state"), "pending");
    CHECK_EQ_STR(jstr(v, "state_label"), "Đang ký số");
    CHECK(strstr(jstr(v, "message") ? jstr(v, "message") : "", "đang được ký số"));
    CHECK(json_is_null(json_object_get(v, "sha256")));
    CHECK(json_is_null(json_object_get(v, "size")));
    CHECK(json_is_null(json_object_get(v, "file_url")));
    CHECK(json_is_null(json_object_get(v, "signed_at")));
    CHECK(!json_object_get(v, "verification"));
    json_decref(v);

    /* An upload cannot be compared with it yet; nothing changes. */
    int64_t before = issued_state_now();
    CHECK_EQ_INT(issued_public_check(fx_db, files_dir, pending_pid, doc_signed, doc_signed_len, &v,
                                     &err),
                 -1);
    CHECK(!v);
    CHECK_EQ_INT(err.kind, DERR_STATE);
    CHECK_EQ_STR(err.code, "not_issued");
    derr_clear(&err);
    CHECK_EQ_INT(issued_state_now(), before);
}

TEST(unknown_and_malformed_ids_are_not_found)
{
    int64_t before = issued_state_now();
    const char *ids[] = {"aaaaaaaaaaaaaaaaaaaa", "short", "abcdefghijklmnopqrs1",
                         "../../etc/passwd", ""};
    for (size_t i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        struct derr err = {0};
        json_t *v = NULL;
        CHECK_EQ_INT(issued_public_get(fx_db, files_dir, ids[i], 1, &v, &err), -1);
        CHECK(!v);
        CHECK_EQ_INT(err.kind, DERR_NOT_FOUND);
        CHECK_EQ_STR(err.code, "not_found");
        CHECK_EQ_STR(err.message, "Không tìm thấy văn bản có mã xác thực này");
        derr_clear(&err);
        CHECK_EQ_INT(issued_public_check(fx_db, files_dir, ids[i], doc_signed, doc_signed_len, &v,
                                         &err),
                     -1);
        CHECK_EQ_INT(err.kind, DERR_NOT_FOUND);
        derr_clear(&err);
    }
    CHECK_EQ_INT(issued_state_now(), before);
}

TEST(the_same_file_uploaded_is_the_same_and_valid)
{
    char sha[65];
    sha_hex(doc_signed, doc_signed_len, sha);
    for (int by_id = 1; by_id >= 0; by_id--) {
        struct derr err = {0};
        json_t *c = NULL;
        CHECK_EQ_INT(issued_public_check(fx_db, files_dir, by_id ? result_pid : NULL, doc_signed,
                                         doc_signed_len, &c, &err),
                     0);
        if (!c)
            continue;
        CHECK(json_is_true(json_object_get(c, "same_file")));
        CHECK_EQ_STR(jstr(c, "relation"), "same");
        CHECK(strstr(jstr(c, "message") ? jstr(c, "message") : "", "trùng khớp hoàn toàn"));
        CHECK_EQ_STR(jstr(c, "upload.sha256"), sha);
        CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(c, "upload"), "size")),
                     doc_signed_len);
        CHECK_EQ_STR(jstr(c, "upload.verification.verdict"), "valid");
        CHECK_EQ_STR(jstr(c, "upload.verification.label"), "Hợp lệ");
        CHECK_EQ_STR(jstr(c, "document.public_id"), result_pid);
        CHECK(!json_object_get(json_object_get(c, "document"), "verification"));
        json_decref(c);
    }
}

TEST(one_flipped_byte_is_another_file_and_was_changed_after_signing)
{
    unsigned char *bad = malloc(doc_signed_len);
    memcpy(bad, doc_signed, doc_signed_len);
    /* A byte of the original drawing, well inside the signed range. */
    unsigned char *hit = memmem(bad, doc_len, "cairo", 5);
    CHECK(hit != NULL);
    if (!hit) {
        free(bad);
        return;
    }
    *hit ^= 0x01;
    struct derr err = {0};
    json_t *c = NULL;
    CHECK_EQ_INT(issued_public_check(fx_db, files_dir, result_pid, bad, doc_signed_len, &c, &err),
                 0);
    if (c) {
        CHECK(json_is_false(json_object_get(c, "same_file")));
        CHECK_EQ_STR(jstr(c, "relation"), "different");
        CHECK_EQ_STR(jstr(c, "upload.verification.verdict"), "invalid");
        CHECK(json_is_false(json_object_get(json_object_get(json_object_get(c, "upload"),
                                                            "verification"),
                                            "valid")));
        CHECK_EQ_STR(jstr(c, "upload.verification.label"), "Tệp đã bị sửa sau khi ký");
        json_t *s = sig(json_object_get(json_object_get(c, "upload"), "verification"), 0);
        CHECK_EQ_STR(jstr(s, "status"), "invalid");
        CHECK_EQ_STR(jstr(s, "label"), "Tệp đã bị sửa sau khi ký");
        CHECK_EQ_STR(jstr(s, "signer"), SEAL_CN); /* who claims to have signed, still told */
        CHECK(jstr(s, "detail") != NULL);
        CHECK_EQ_STR(jstr(c, "document.public_id"), result_pid);
        json_decref(c);
    }
    /* Without an id it matches no issued file. */
    CHECK_EQ_INT(issued_public_check(fx_db, files_dir, NULL, bad, doc_signed_len, &c, &err), 0);
    if (c) {
        CHECK_EQ_STR(jstr(c, "relation"), "unknown");
        CHECK(json_is_null(json_object_get(c, "document")));
        json_decref(c);
    }
    free(bad);
}

TEST(bytes_appended_after_the_signature_are_found_and_called_modified)
{
    static const char tail[] = "% added later\n";
    size_t n = doc_signed_len + sizeof tail - 1;
    unsigned char *more = malloc(n);
    memcpy(more, doc_signed, doc_signed_len);
    memcpy(more + doc_signed_len, tail, sizeof tail - 1);
    for (int by_id = 1; by_id >= 0; by_id--) {
        struct derr err = {0};
        json_t *c = NULL;
        CHECK_EQ_INT(issued_public_check(fx_db, files_dir, by_id ? result_pid : NULL, more, n, &c,
                                         &err),
                     0);
        if (!c)
            continue;
        CHECK(json_is_false(json_object_get(c, "same_file")));
        CHECK_EQ_STR(jstr(c, "relation"), "extended");
        CHECK_EQ_STR(jstr(c, "upload.verification.verdict"), "modified");
        CHECK_EQ_STR(jstr(c, "upload.verification.label"), "Tệp đã bị sửa sau khi ký");
        CHECK(strstr(jstr(c, "upload.verification.summary")
                         ? jstr(c, "upload.verification.summary")
                         : "",
                     "(14 byte)"));
        json_t *s = sig(json_object_get(json_object_get(c, "upload"), "verification"), 0);
        CHECK(json_is_false(json_object_get(s, "whole_file")));
        CHECK_EQ_STR(jstr(s, "label"), "Tệp đã bị sửa sau khi ký");
        CHECK(strstr(jstr(s, "summary") ? jstr(s, "summary") : "", "14 byte"));
        /* Found by what its signature covers, even without the id. */
        CHECK_EQ_STR(jstr(c, "document.public_id"), result_pid);
        json_decref(c);
    }
    free(more);
}

TEST(two_signatures_and_an_earlier_version_of_the_file)
{
    struct derr err = {0};
    json_t *v = NULL;
    CHECK_EQ_INT(issued_public_get(fx_db, files_dir, twice_pid, 1, &v, &err), 0);
    json_t *ver = json_object_get(v, "verification");
    CHECK_EQ_STR(jstr(ver, "verdict"), "valid");
    CHECK_EQ_INT(json_array_size(json_object_get(ver, "signatures")), 2);
    /* The official signed the first revision: valid, though not the whole file. */
    CHECK_EQ_STR(jstr(sig(ver, 0), "signer"), OFFICIAL_CN);
    CHECK(json_is_false(json_object_get(sig(ver, 0), "whole_file")));
    CHECK_EQ_STR(jstr(sig(ver, 0), "label"), "Hợp lệ");
    CHECK_EQ_STR(jstr(sig(ver, 1), "signer"), SEAL_CN);
    CHECK(json_is_true(json_object_get(sig(ver, 1), "whole_file")));
    json_decref(v);

    /* The file as it was after the first signature. */
    json_t *c = NULL;
    CHECK_EQ_INT(issued_public_check(fx_db, files_dir, twice_pid, once_signed, once_len, &c, &err),
                 0);
    if (c) {
        CHECK(json_is_false(json_object_get(c, "same_file")));
        CHECK_EQ_STR(jstr(c, "relation"), "earlier_version");
        CHECK_EQ_STR(jstr(c, "upload.verification.verdict"), "valid");
        json_decref(c);
    }
    /* A download cut short is not an earlier version. */
    CHECK_EQ_INT(issued_public_check(fx_db, files_dir, twice_pid, twice_signed, twice_len / 2, &c,
                                     &err),
                 -1);
    CHECK_EQ_STR(err.code, "unreadable_pdf");
    derr_clear(&err);
}

TEST(a_signer_the_data_directory_does_not_trust)
{
    size_t n;
    unsigned char *p = sign(doc_pdf, doc_len, stranger, 0, &n);
    char pid[ISSUED_PUBLIC_ID_LEN + 1];
    issue(ISSUED_CERTIFIED_COPY, "untrusted", 0, ISSUED_SIGNED, p, n, pid);
    struct derr err = {0};
    json_t *v = NULL;
    CHECK_EQ_INT(issued_public_get(fx_db, files_dir, pid, 1, &v, &err), 0);
    json_t *ver = json_object_get(v, "verification");
    CHECK_EQ_STR(jstr(ver, "verdict"), "untrusted");
    CHECK(json_is_false(json_object_get(ver, "valid")));
    CHECK_EQ_STR(jstr(ver, "label"), "Chứng thư số không được tin cậy");
    CHECK_EQ_STR(jstr(sig(ver, 0), "status"), "untrusted");
    CHECK_EQ_STR(jstr(sig(ver, 0), "label"), "Chứng thư số không được tin cậy");
    CHECK_EQ_STR(jstr(sig(ver, 0), "signer"), "Người lạ");
    json_decref(v);
    free(p);
}

TEST(a_certificate_expired_at_the_signing_time)
{
    size_t n;
    unsigned char *p = sign(doc_pdf, doc_len, expired, 0, &n);
    struct derr err = {0};
    json_t *c = NULL;
    CHECK_EQ_INT(issued_public_check(fx_db, files_dir, NULL, p, n, &c, &err), 0);
    json_t *ver = json_object_get(json_object_get(c, "upload"), "verification");
    CHECK_EQ_STR(jstr(ver, "verdict"), "invalid");
    CHECK_EQ_STR(jstr(ver, "label"), "Chữ ký không hợp lệ");
    CHECK_EQ_STR(jstr(sig(ver, 0), "label"), "Chứng thư số không còn hiệu lực khi ký");
    CHECK_EQ_STR(jstr(c, "relation"), "unknown");
    json_decref(c);
    free(p);
}

TEST(unsigned_and_unreadable_uploads)
{
    int64_t before = issued_state_now();
    struct derr err = {0};
    json_t *c = NULL;
    CHECK_EQ_INT(issued_public_check(fx_db, files_dir, NULL, doc_pdf, doc_len, &c, &err), 0);
    if (c) {
        CHECK_EQ_STR(jstr(c, "relation"), "unknown");
        CHECK(json_is_false(json_object_get(c, "same_file")));
        CHECK(json_is_null(json_object_get(c, "document")));
        CHECK_EQ_STR(jstr(c, "upload.verification.verdict"), "unsigned");
        CHECK_EQ_STR(jstr(c, "upload.verification.label"), "Chưa được ký số");
        json_decref(c);
    }
    static const unsigned char junk[] = "%PDF-1.7\nnot really a PDF\n";
    CHECK_EQ_INT(issued_public_check(fx_db, files_dir, NULL, junk, sizeof junk - 1, &c, &err), -1);
    CHECK(!c);
    CHECK_EQ_INT(err.kind, DERR_INVALID);
    CHECK_EQ_STR(err.code, "unreadable_pdf");
    derr_clear(&err);
    CHECK_EQ_INT(issued_state_now(), before);

    /* The verification alone says "unreadable" for the same bytes. */
    json_t *ver = issued_public_verification(junk, sizeof junk - 1, NULL);
    CHECK_EQ_STR(jstr(ver, "verdict"), "unreadable");
    CHECK(json_is_false(json_object_get(ver, "valid")));
    CHECK_EQ_INT(json_array_size(json_object_get(ver, "signatures")), 0);
    json_decref(ver);
}

/* --- set-up --------------------------------------------------------------- */

static json_t *extract_form(void)
{
    return json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:b}", "requester_name", APPLICANT,
                     "requester_residence", "Phường Hạc Thành", "requester_id_number",
                     APPLICANT_ID, "requester_relationship", "Bản thân", "record_type",
                     "khai_sinh", "subject_name", APPLICANT, "record_office",
                     "UBND phường Hạc Thành", "copies_requested", 1, "commitment", 1);
}

/* A submitted dossier of FX_EXTRACT at FX_COMMUNE, as a citizen makes it. */
static int64_t submitted_dossier(void)
{
    int64_t owner = fx_account(FX_CITIZEN);
    struct dossier_create c = {.procedure_code = FX_EXTRACT, .unit_code = FX_COMMUNE,
                               .owner_id = owner};
    if (store_run(fx_db, dossier_create_job, &c))
        return 0;
    json_t *form = extract_form();
    struct dossier_save_form f = {.to = {c.id, owner, owner}, .form = form};
    int rc = store_run(fx_db, dossier_save_form_job, &f);
    json_decref(form);
    int64_t now = time(NULL);
    struct dossier_submit s = {.to = {c.id, owner, owner}, .cal = fx_cal, .now = now};
    s.today_ymd = cal_local_ymd(now);
    if (rc || store_run(fx_db, dossier_submit_job, &s))
        return 0;
    return c.id;
}

static int setup(void)
{
    time_t now = time(NULL);
    time_t nb = (now < WHEN ? now : WHEN) - 30 * DAY, na = (now > WHEN ? now : WHEN) + 365 * DAY;
    snprintf(files_dir, sizeof files_dir, "%s/files", fx_dir);
    unit_id = fx_unit(FX_COMMUNE);
    dossier_id = submitted_dossier();
    if (!dossier_id) {
        printf("setup: no dossier\n");
        return -1;
    }
    root_key = EVP_EC_gen("P-256");
    root = tc_kind_cert(root_key, "motcua test root", "motcua test", NULL, NULL, 1, nb, na);
    other_key = EVP_EC_gen("P-256");
    other_root = tc_kind_cert(other_key, "another root", "elsewhere", NULL, NULL, 1, nb, na);
    seal = make_signer(SEAL_CN, SEAL_CN, root, root_key, nb, na);
    official = make_signer(OFFICIAL_CN, SEAL_CN, root, root_key, nb, na);
    stranger = make_signer("Người lạ", "elsewhere", other_root, other_key, nb, na);
    /* Valid for a day, ending a week before WHEN. */
    expired = make_signer("Hết hạn", SEAL_CN, root, root_key, WHEN - 8 * DAY, WHEN - 7 * DAY);
    EVP_PKEY *tsa_key = EVP_EC_gen("P-256");
    X509 *tsa_cert =
        tc_kind_cert(tsa_key, "motcua test TSA", "motcua test", root, root_key, 2, nb, na);
    char err[256];
    int rc = tsa_server_new(tsa_key, tsa_cert, NULL, &tsa, err, sizeof err);
    EVP_PKEY_free(tsa_key);
    X509_free(tsa_cert);
    if (rc) {
        printf("setup: tsa: %s\n", err);
        return -1;
    }
    /* The data directory trusts the root, as `motcua key trust` does. */
    BIO *b = BIO_new(BIO_s_mem());
    char *pem;
    PEM_write_bio_X509(b, root);
    long pem_len = BIO_get_mem_data(b, &pem);
    struct derr derr = {0};
    int64_t anchor;
    store_begin(fx_db);
    rc = keys_trust(fx_db, pem, (size_t)pem_len, 0, now, &anchor, &derr);
    store_commit(fx_db);
    BIO_free(b);
    if (rc) {
        printf("setup: trust: %s\n", derr.message);
        return -1;
    }

    doc_pdf = document("QUYẾT ĐỊNH về việc cấp giấy chứng nhận — bản thử nghiệm.", &doc_len);
    doc_signed = sign(doc_pdf, doc_len, seal, 1, &doc_signed_len);
    issue(ISSUED_RESULT, "", dossier_id, ISSUED_SIGNED, doc_signed, doc_signed_len, result_pid);
    size_t clen;
    unsigned char *cpdf = document("BẢN SAO ĐIỆN TỬ có chứng thực.", &clen);
    copy_signed = sign(cpdf, clen, official, 0, &copy_signed_len);
    free(cpdf);
    issue(ISSUED_CERTIFIED_COPY, "12/2026", 0, ISSUED_AWAITING_TIMESTAMP, copy_signed,
          copy_signed_len, copy_pid);
    /* The dossier's receipt is already queued by the issuing listener; a
     * second apology letter waits here as the pending row. */
    issue(ISSUED_APOLOGY, "2", dossier_id, ISSUED_PENDING, NULL, 0, pending_pid);
    once_signed = sign(doc_pdf, doc_len, official, 0, &once_len);
    twice_signed = sign(once_signed, once_len, seal, 0, &twice_len);
    issue(ISSUED_APOLOGY, "1", dossier_id, ISSUED_SIGNED, twice_signed, twice_len, twice_pid);
    return 0;
}

static void teardown(void)
{
    free(doc_pdf);
    free(doc_signed);
    free(copy_signed);
    free(once_signed);
    free(twice_signed);
    signer_free(seal);
    signer_free(official);
    signer_free(stranger);
    signer_free(expired);
    tsa_server_free(tsa);
    X509_free(root);
    X509_free(other_root);
    EVP_PKEY_free(root_key);
    EVP_PKEY_free(other_key);
}

int main(void)
{
    if (fx_open("issued-public") || app_listen_all() || setup())
        return 1;
    RUN(ids_are_taken_in_any_case_and_checked);
    RUN(a_signed_result_shows_its_unit_dossier_and_a_valid_timestamped_signature);
    RUN(a_copy_awaiting_its_timestamp_says_so_and_has_no_dossier);
    RUN(a_pending_document_is_being_signed_and_has_nothing_to_verify);
    RUN(unknown_and_malformed_ids_are_not_found);
    RUN(the_same_file_uploaded_is_the_same_and_valid);
    RUN(one_flipped_byte_is_another_file_and_was_changed_after_signing);
    RUN(bytes_appended_after_the_signature_are_found_and_called_modified);
    RUN(two_signatures_and_an_earlier_version_of_the_file);
    RUN(a_signer_the_data_directory_does_not_trust);
    RUN(a_certificate_expired_at_the_signing_time);
    RUN(unsigned_and_unreadable_uploads);
    teardown();
    fx_close();
    return harness_done();
}
