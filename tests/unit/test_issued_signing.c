/* Tests of src/issued/signing.c: an issued PDF signed by the key store's
 * keys of a demo data directory (the leader, then the unit's seal), with
 * timestamps from the data directory's own TSA key, checked by the PDF
 * verifier against the stored trust anchors and by OpenSSL's own CMS
 * verification; what happens when the timestamp source is down; keys
 * that may not sign. */
#include "issued/signing.h"


#include "base/util.h"
#include "fixture.h"
#include "harness.h"
#include "pdf_gen.h"
#include "sign/keys.h"
#include "sign/pdf_verify.h"
#include "sign/tsa_server.h"

static int64_t unit, leader, specialist;
static struct tsa_server *tsa;

static int failing_stamp(void *ctx, const unsigned char *v, size_t n, unsigned char **t,
                         size_t *tl)
{
    (void)ctx, (void)v, (void)n, (void)t, (void)tl;
    return -1;
}

/* The verifier's report of pdf, against the data directory's roots. */
static json_t *verify(const struct issued_output *o, int *rc)
{
    X509_STORE *trust = keys_trust_store(fx_db);
    json_t *report = NULL;
    char err[256];
    *rc = pdfv_verify(o->pdf, o->len, trust, &report, err, sizeof err);
    X509_STORE_free(trust);
    return report;
}

static struct issued_signing leader_and_seal(struct issued_signature sigs[2], issued_stamp_fn stamp,
                                             void *ctx)
{
    sigs[0] = (struct issued_signature){.unit_id = unit, .account_id = leader,
                                        .title = "CHỦ TỊCH", .reason = "Phê duyệt kết quả"};
    sigs[1] = (struct issued_signature){.unit_id = unit, .reason = "Phát hành kết quả"};
    return (struct issued_signing){.data_dir = fx_dir, .sigs = sigs, .nsigs = 2,
                                   .location = "Thanh Hóa", .stamp = stamp, .stamp_ctx = ctx,
                                   .now = (int64_t)time(NULL)};
}

TEST(the_leader_then_the_seal_sign_with_timestamps)
{
    size_t len;
    unsigned char *pdf = gen_pdf_cairo(1, &len);
    struct issued_signature sigs[2];
    struct issued_signing in = leader_and_seal(sigs, tsa_server_timestamp_cb, tsa);
    struct issued_output out;
    struct derr err = {0};
    CHECK_EQ_INT(issued_sign_pdf(fx_db, &in, pdf, len, &out, &err), 0);
    CHECK_EQ_INT(out.state, ISSUED_SIGNED);
    CHECK(out.len > len && memcmp(out.pdf, pdf, len) == 0); /* the original bytes unchanged */
    CHECK_EQ_INT(json_array_size(out.signers), 2);
    json_t *first = json_array_get(out.signers, 0), *second = json_array_get(out.signers, 1);
    CHECK_EQ_STR(json_string_value(json_object_get(first, "role")), "official");
    CHECK_EQ_STR(json_string_value(json_object_get(first, "title")), "CHỦ TỊCH");
    CHECK_EQ_STR(json_string_value(json_object_get(second, "role")), "seal");
    int rc;
    json_t *report = verify(&out, &rc);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_STR(json_string_value(json_object_get(report, "verdict")), "valid");
    json_t *rs = json_object_get(report, "signatures");
    CHECK_EQ_INT(json_array_size(rs), 2);
    for (size_t i = 0; i < json_array_size(rs); i++) {
        json_t *s = json_array_get(rs, i);
        CHECK_EQ_STR(json_string_value(json_object_get(s, "status")), "valid");
        CHECK(json_is_object(json_object_get(s, "timestamp")));
        CHECK_EQ_STR(json_string_value(json_object_get(s, "time_source")), "timestamp");
        CHECK_EQ_STR(json_string_value(json_object_get(s, "signer")),
                     json_string_value(json_object_get(json_array_get(out.signers, i), "name")));
    }
    json_decref(report);
    issued_output_clear(&out);
    free(pdf);
}

TEST(a_timestamp_source_that_is_down_leaves_it_signed_awaiting_timestamp)
{
    size_t len;
    unsigned char *pdf = gen_pdf_cairo(2, &len);
    struct issued_signature sigs[2];
    struct issued_signing in = leader_and_seal(sigs, failing_stamp, NULL);
    struct issued_output out;
    struct derr err = {0};
    CHECK_EQ_INT(issued_sign_pdf(fx_db, &in, pdf, len, &out, &err), 0);
    CHECK_EQ_INT(out.state, ISSUED_AWAITING_TIMESTAMP);
    int rc;
    json_t *report = verify(&out, &rc);
    CHECK_EQ_INT(rc, 0);
    json_t *rs = json_object_get(report, "signatures");
    CHECK_EQ_INT(json_array_size(rs), 2);
    for (size_t i = 0; i < json_array_size(rs); i++)
        CHECK(json_is_null(json_object_get(json_array_get(rs, i), "timestamp")));
    json_decref(report);
    issued_output_clear(&out);
    /* No timestamp source at all: the same. */
    in.stamp = NULL;
    CHECK_EQ_INT(issued_sign_pdf(fx_db, &in, pdf, len, &out, &err), 0);
    CHECK_EQ_INT(out.state, ISSUED_AWAITING_TIMESTAMP);
    issued_output_clear(&out);
    free(pdf);
}

TEST(keys_that_may_not_sign_refuse_with_nothing_out)
{
    size_t len;
    unsigned char *pdf = gen_pdf_cairo(1, &len);
    struct issued_signature sigs[2];
    struct issued_signing in = leader_and_seal(sigs, tsa_server_timestamp_cb, tsa);
    struct issued_output out;
    struct derr err = {0};
    /* A specialist has no personal key. */
    sigs[0].account_id = specialist;
    CHECK_EQ_INT(issued_signers_ready(fx_db, sigs, 2, in.now, &err), -1);
    CHECK_EQ_STR(err.code, "no_certificate");
    err = (struct derr){0};
    CHECK_EQ_INT(issued_sign_pdf(fx_db, &in, pdf, len, &out, &err), -1);
    CHECK_EQ_STR(err.code, "no_certificate");
    CHECK(out.pdf == NULL && out.signers == NULL);
    /* The seal revoked: the leader's key alone cannot make the document. */
    sigs[0].account_id = leader;
    CHECK_EQ_INT(issued_signers_ready(fx_db, sigs, 2, in.now, &err), 0);
    struct keys_info seal;
    CHECK_EQ_INT(keys_current(fx_db, unit, 0, NULL, in.now, &seal, &err), 0);
    store_begin(fx_db);
    CHECK_EQ_INT(keys_revoke(fx_db, seal.id, "Mất thiết bị", in.now, &err), 0);
    store_commit(fx_db);
    err = (struct derr){0};
    CHECK_EQ_INT(issued_signers_ready(fx_db, sigs, 2, in.now + 1, &err), -1);
    CHECK_EQ_STR(err.code, "certificate_revoked");
    in.now++;
    err = (struct derr){0};
    CHECK_EQ_INT(issued_sign_pdf(fx_db, &in, pdf, len, &out, &err), -1);
    CHECK_EQ_STR(err.code, "certificate_revoked");
    CHECK(out.pdf == NULL);
    free(pdf);
}

TEST(a_file_that_is_not_a_pdf_is_refused)
{
    struct issued_signature sigs[2];
    struct issued_signing in = leader_and_seal(sigs, NULL, NULL);
    struct issued_output out;
    struct derr err = {0};
    const unsigned char junk[] = "%PDF-1.7\nnot really";
    CHECK_EQ_INT(issued_sign_pdf(fx_db, &in, junk, sizeof junk - 1, &out, &err), -1);
    CHECK_EQ_STR(err.code, "sign_failed");
    CHECK(out.pdf == NULL);
}

TEST(stored_files_are_named_by_their_hash)
{
    char dir[400], sha[65], path[600];
    snprintf(dir, sizeof dir, "%s/files", fx_dir);
    const unsigned char data[] = "abc";
    CHECK_EQ_INT(issued_store_file(dir, data, 3, sha), 0);
    CHECK_EQ_STR(sha, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    snprintf(path, sizeof path, "%s/ba/%s", dir, sha);
    CHECK(access(path, R_OK) == 0);
}

int main(void)
{
    char err[256];
    if (fx_open("issued-signing"))
        return 1;
    unit = fx_unit(FX_COMMUNE);
    leader = fx_account(FX_LEADER);
    specialist = fx_account(FX_SPECIALIST);
    if (tsa_server_from_keys(fx_db, fx_dir, &tsa, err, sizeof err) != 1) {
        printf("no TSA key in the demo data: %s\n", err);
        return 1;
    }
    RUN(the_leader_then_the_seal_sign_with_timestamps);
    RUN(a_timestamp_source_that_is_down_leaves_it_signed_awaiting_timestamp);
    RUN(a_file_that_is_not_a_pdf_is_refused);
    RUN(stored_files_are_named_by_their_hash);
    RUN(keys_that_may_not_sign_refuse_with_nothing_out); /* last: it revokes the seal */
    tsa_server_free(tsa);
    fx_close();
    return harness_done();
}
