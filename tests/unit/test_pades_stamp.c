/* Tests of src/sign/pades_stamp.c: a signature made while the timestamp
 * source was down gets its timestamp later, in place: the file keeps its
 * length, the verifier (sign/pdf_verify.h) sees the timestamp and the
 * signature still valid; a signature covered by a later one is left alone
 * and counted; a token that does not fit is refused with nothing changed;
 * a timestamp source that fails leaves the file as it was. Keys and the
 * timestamp authority are those of a demo data directory. */
#include "sign/pades_stamp.h"

#include <openssl/pkcs7.h>

#include "base/util.h"
#include "fixture.h"
#include "harness.h"
#include "issued/signing.h"
#include "pdf_gen.h"
#include "sign/keys.h"
#include "sign/pdf_verify.h"
#include "sign/tsa_server.h"

static int64_t unit, leader;
static struct tsa_server *tsa;

static int failing_stamp(void *ctx, const unsigned char *v, size_t n, unsigned char **t,
                         size_t *tl)
{
    (void)ctx, (void)v, (void)n, (void)t, (void)tl;
    return -1;
}

/* The verifier's report, against the data directory's roots; *rc its result. */
static json_t *verify(const unsigned char *pdf, size_t len, int *rc)
{
    X509_STORE *trust = keys_trust_store(fx_db);
    json_t *report = NULL;
    char err[256];
    *rc = pdfv_verify(pdf, len, trust, &report, err, sizeof err);
    X509_STORE_free(trust);
    return report;
}

static json_t *sig_report(json_t *report, size_t i)
{
    return json_array_get(json_object_get(report, "signatures"), i);
}

/* Signs a fresh PDF as the given signers without a timestamp (the source
 * is down). OUT: the signed file. */
static struct issued_output sign_untimestamped(int with_leader)
{
    size_t len;
    unsigned char *pdf = gen_pdf_cairo(1, &len);
    struct issued_signature sigs[2] = {
        {.unit_id = unit, .account_id = leader, .title = "CHỦ TỊCH"},
        {.unit_id = unit},
    };
    struct issued_signing in = {.data_dir = fx_dir,
                                .sigs = with_leader ? sigs : sigs + 1,
                                .nsigs = with_leader ? 2 : 1,
                                .stamp = failing_stamp,
                                .now = (int64_t)time(NULL)};
    struct issued_output out = {0};
    struct derr err = {0};
    if (issued_sign_pdf(fx_db, &in, pdf, len, &out, &err))
        printf("# signing failed: %s\n", err.message);
    free(pdf);
    return out;
}

TEST(a_seal_signed_without_timestamp_gets_one_in_place)
{
    struct issued_output o = sign_untimestamped(0);
    CHECK(o.pdf != NULL);
    CHECK_EQ_INT(o.state, ISSUED_AWAITING_TIMESTAMP);
    struct pades_sig_place places[PADES_STAMP_MAX_SIGS];
    int n;
    char err[256];
    CHECK_EQ_INT(pades_signatures(o.pdf, o.len, places, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 1);
    CHECK(!places[0].timestamped && !places[0].covered);
    CHECK_EQ_INT(places[0].end, o.len);

    unsigned char *before = malloc(o.len);
    memcpy(before, o.pdf, o.len);
    int stamped, left;
    CHECK_EQ_INT(pades_stamp(o.pdf, o.len, tsa_server_timestamp_cb, tsa, &stamped, &left, err,
                             sizeof err),
                 0);
    CHECK_EQ_INT(stamped, 1);
    CHECK_EQ_INT(left, 0);
    /* Only the /Contents string changed. */
    size_t at = places[0].contents_at, cl = places[0].contents_len;
    CHECK(memcmp(o.pdf, before, at) == 0);
    CHECK(memcmp(o.pdf + at + cl, before + at + cl, o.len - at - cl) == 0);
    CHECK(memcmp(o.pdf + at, before + at, cl) != 0);

    int rc;
    json_t *report = verify(o.pdf, o.len, &rc);
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_STR(json_string_value(json_object_get(report, "verdict")), "valid");
    json_t *s = sig_report(report, 0);
    CHECK_EQ_STR(json_string_value(json_object_get(s, "status")), "valid");
    CHECK(json_is_object(json_object_get(s, "timestamp")));
    CHECK_EQ_STR(json_string_value(json_object_get(s, "time_source")), "timestamp");
    CHECK(json_is_true(json_object_get(s, "whole_file")));
    json_decref(report);

    /* Again: nothing left to do, nothing changes. */
    memcpy(before, o.pdf, o.len);
    CHECK_EQ_INT(pades_stamp(o.pdf, o.len, failing_stamp, NULL, &stamped, &left, err,
                             sizeof err),
                 0);
    CHECK_EQ_INT(stamped, 0);
    CHECK(memcmp(o.pdf, before, o.len) == 0);
    free(before);
    issued_output_clear(&o);
}

TEST(a_signature_covered_by_a_later_one_is_left_and_counted)
{
    struct issued_output o = sign_untimestamped(1);
    CHECK(o.pdf != NULL);
    struct pades_sig_place places[PADES_STAMP_MAX_SIGS];
    int n, stamped, left;
    char err[256];
    CHECK_EQ_INT(pades_signatures(o.pdf, o.len, places, &n, err, sizeof err), 0);
    CHECK_EQ_INT(n, 2);
    CHECK(places[0].covered && !places[1].covered);
    CHECK(places[0].end < places[1].end);
    CHECK_EQ_INT(places[1].end, o.len);
    CHECK_EQ_INT(pades_stamp(o.pdf, o.len, tsa_server_timestamp_cb, tsa, &stamped, &left, err,
                             sizeof err),
                 0);
    CHECK_EQ_INT(stamped, 1);
    CHECK_EQ_INT(left, 1);
    int rc;
    json_t *report = verify(o.pdf, o.len, &rc);
    CHECK_EQ_INT(rc, 0); /* both signatures still valid */
    CHECK(json_is_null(json_object_get(sig_report(report, 0), "timestamp")));
    CHECK(json_is_object(json_object_get(sig_report(report, 1), "timestamp")));
    json_decref(report);

    /* The first revision alone: its signature is the last there and can be
     * timestamped (the caller then signs the later ones again). */
    size_t first = places[0].end;
    unsigned char *rev = malloc(first);
    memcpy(rev, o.pdf, first);
    CHECK_EQ_INT(pades_stamp(rev, first, tsa_server_timestamp_cb, tsa, &stamped, &left, err,
                             sizeof err),
                 0);
    CHECK_EQ_INT(stamped, 1);
    CHECK_EQ_INT(left, 0);
    report = verify(rev, first, &rc);
    CHECK_EQ_INT(rc, 0);
    CHECK(json_is_object(json_object_get(sig_report(report, 0), "timestamp")));
    json_decref(report);
    free(rev);
    issued_output_clear(&o);
}

/* A real token from the demo TSA, made larger than any signature's room by
 * adding the certificate in ctx forty times to its SignedData (still a
 * token to the structural check, far past the room pades keeps). */
static int big_stamp(void *ctx, const unsigned char *v, size_t n, unsigned char **t,
                     size_t *tl)
{
    unsigned char *tok = NULL;
    size_t len = 0;
    if (tsa_server_timestamp_cb(tsa, v, n, &tok, &len))
        return -1;
    const unsigned char *p = tok;
    PKCS7 *p7 = d2i_PKCS7(NULL, &p, (long)len);
    free(tok);
    if (!p7)
        return -1;
    for (int i = 0; i < 40; i++)
        PKCS7_add_certificate(p7, (X509 *)ctx);
    int l = i2d_PKCS7(p7, NULL);
    *t = l > 0 ? malloc((size_t)l) : NULL;
    unsigned char *q = *t;
    if (*t)
        i2d_PKCS7(p7, &q);
    *tl = l > 0 ? (size_t)l : 0;
    PKCS7_free(p7);
    return *t ? 0 : -1;
}

TEST(no_room_or_no_token_refuses_and_keeps_the_file)
{
    struct signer *s = NULL;
    struct derr derr = {0};
    char err[256];
    int stamped, left;
    CHECK_EQ_INT(keys_signer(fx_db, fx_dir, unit, 0, (int64_t)time(NULL), &s, &derr), 0);
    struct issued_output io = sign_untimestamped(0);
    CHECK(io.pdf != NULL);
    unsigned char *kept = malloc(io.len);
    memcpy(kept, io.pdf, io.len);

    /* A token that does not fit: refused, the file as it was. */
    CHECK_EQ_INT(pades_stamp(io.pdf, io.len, big_stamp, s->cert, &stamped, &left, err,
                             sizeof err),
                 -1);
    CHECK(strstr(err, "cannot be timestamped in place") != NULL);
    CHECK(memcmp(io.pdf, kept, io.len) == 0);

    /* The source fails: an error, the file as it was. */
    CHECK_EQ_INT(pades_stamp(io.pdf, io.len, failing_stamp, NULL, &stamped, &left, err,
                             sizeof err),
                 -1);
    CHECK(strstr(err, "no token") != NULL);
    CHECK(memcmp(io.pdf, kept, io.len) == 0);

    /* Not a PDF. */
    const unsigned char junk[] = "%PDF-1.7\nnot really";
    unsigned char copy[sizeof junk];
    memcpy(copy, junk, sizeof junk);
    CHECK_EQ_INT(pades_stamp(copy, sizeof junk - 1, tsa_server_timestamp_cb, tsa, &stamped,
                             &left, err, sizeof err),
                 -1);
    free(kept);
    issued_output_clear(&io);
    signer_free(s);
}

int main(void)
{
    char err[256];
    if (fx_open("pades-stamp"))
        return 1;
    unit = fx_unit(FX_COMMUNE);
    leader = fx_account(FX_LEADER);
    if (tsa_server_from_keys(fx_db, fx_dir, &tsa, err, sizeof err) != 1) {
        printf("no TSA key in the demo data: %s\n", err);
        return 1;
    }
    RUN(a_seal_signed_without_timestamp_gets_one_in_place);
    RUN(a_signature_covered_by_a_later_one_is_left_and_counted);
    RUN(no_room_or_no_token_refuses_and_keeps_the_file);
    tsa_server_free(tsa);
    fx_close();
    return harness_done();
}
