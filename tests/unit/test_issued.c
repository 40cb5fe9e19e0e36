/* Tests of src/issued/issued.c: the record of issued documents (public ids,
 * pending rows, signing them, refusals that change nothing). */
#include "issued/issued.h"

#include "base/util.h"
#include "fixture.h"
#include "harness.h"

static int64_t unit_id;

static int64_t issued_rows(void)
{
    return fx_int("SELECT count(*) * 1000 + coalesce(sum(attempts), 0) FROM issued_documents",
                  NULL);
}

TEST(public_ids_are_random_base32_and_checked)
{
    char a[ISSUED_PUBLIC_ID_LEN + 1], b[ISSUED_PUBLIC_ID_LEN + 1];
    CHECK_EQ_INT(issued_new_public_id(a), 0);
    CHECK_EQ_INT(issued_new_public_id(b), 0);
    CHECK_EQ_INT(strlen(a), 20);
    CHECK(strcmp(a, b) != 0);
    CHECK(strspn(a, "abcdefghijklmnopqrstuvwxyz234567") == 20);
    CHECK(issued_public_id_valid(a));
    CHECK(!issued_public_id_valid("abcdefghijklmnopqrs"));    /* 19 */
    CHECK(!issued_public_id_valid("abcdefghijklmnopqrstu"));  /* 21 */
    CHECK(!issued_public_id_valid("abcdefghijklmnopqrs1"));   /* 1 is not base32 */
    CHECK(!issued_public_id_valid("ABCDEFGHIJKLMNOPQRST"));   /* upper case */
    CHECK(!issued_public_id_valid("abcdefghij'; DROP --"));
    CHECK(!issued_public_id_valid(NULL));
    struct issued_doc d;
    CHECK_EQ_INT(issued_get_public(fx_db, "ABCDEFGHIJKLMNOPQRST", &d), STORE_DONE);
}

TEST(a_pending_document_is_signed_once)
{
    struct derr err = {0};
    int64_t id = 0;
    char pid[ISSUED_PUBLIC_ID_LEN + 1];
    store_begin(fx_db);
    int rc = issued_add(fx_db,
                        &(struct issued_new){.kind = ISSUED_CERTIFIED_COPY, .unit_id = unit_id,
                                             .ref = "12/2026", .title = "Bản sao chứng thực",
                                             .now = 1000},
                        &id, pid, &err);
    store_commit(fx_db);
    CHECK_EQ_INT(rc, 0);
    struct issued_doc d;
    CHECK_EQ_INT(issued_get_public(fx_db, pid, &d), STORE_ROW);
    CHECK_EQ_INT(d.id, id);
    CHECK_EQ_INT(d.state, ISSUED_PENDING);
    CHECK_EQ_STR(d.sha256, "");
    CHECK_EQ_INT(d.next_attempt_at, 1000);
    CHECK_EQ_STR(d.title, "Bản sao chứng thực");

    /* A failed try is counted and put off. */
    store_begin(fx_db);
    CHECK_EQ_INT(issued_mark_attempt(fx_db, id, "TSA unreachable", 1060, 0), 0);
    store_commit(fx_db);
    CHECK_EQ_INT(issued_get(fx_db, id, &d), STORE_ROW);
    CHECK_EQ_INT(d.attempts, 1);
    CHECK_EQ_INT(d.next_attempt_at, 1060);
    CHECK_EQ_INT(d.state, ISSUED_PENDING);

    json_t *signers = json_pack("[{s:s, s:s}]", "role", "seal", "name", "UBND phường Hạc Thành");
    const char *sha = "aa00000000000000000000000000000000000000000000000000000000000001";
    struct issued_signed s = {.state = ISSUED_SIGNED, .sha256 = sha, .size = 1234,
                              .signers = signers};
    store_begin(fx_db);
    CHECK_EQ_INT(issued_mark_signed(fx_db, id, &s, 1100), 0);
    /* Someone else finished it already: told so, nothing changes. */
    s.sha256 = "bb00000000000000000000000000000000000000000000000000000000000002";
    CHECK_EQ_INT(issued_mark_signed(fx_db, id, &s, 1200), ISSUED_NOT_PENDING);
    store_commit(fx_db);
    CHECK_EQ_INT(issued_get(fx_db, id, &d), STORE_ROW);
    CHECK_EQ_INT(d.state, ISSUED_SIGNED);
    CHECK_EQ_STR(d.sha256, sha);
    CHECK_EQ_INT(d.signed_at, 1100);
    CHECK_EQ_INT(d.timestamped_at, 1100);
    CHECK_EQ_INT(d.next_attempt_at, 0);
    CHECK_EQ_INT(issued_find_sha(fx_db, sha, &d), STORE_ROW);
    CHECK_EQ_INT(d.id, id);
    json_t *got = issued_signers_json(fx_db, id);
    CHECK(got && json_equal(got, signers));
    json_decref(got);
    json_decref(signers);
}

TEST(a_document_signed_before_its_row_keeps_its_public_id)
{
    char pid[ISSUED_PUBLIC_ID_LEN + 1];
    CHECK_EQ_INT(issued_new_public_id(pid), 0);
    struct dossier_create c = {.procedure_code = FX_EXTRACT, .unit_code = FX_COMMUNE,
                               .owner_id = fx_account(FX_CITIZEN)};
    store_begin(fx_db);
    CHECK_EQ_INT(dossier_create_job(fx_db, &c), 0);
    store_commit(fx_db);
    int64_t dossier = c.id;
    CHECK(dossier > 0);
    struct issued_signed s = {.state = ISSUED_AWAITING_TIMESTAMP,
                              .sha256 = "cc00000000000000000000000000000000000000000000000000000000000003",
                              .size = 99};
    struct issued_new n = {.kind = ISSUED_RESULT, .unit_id = unit_id, .dossier_id = dossier,
                           .title = "Kết quả", .public_id = pid, .signed_as = &s, .now = 2000};
    struct derr err = {0};
    int64_t id;
    store_begin(fx_db);
    CHECK_EQ_INT(issued_add(fx_db, &n, &id, NULL, &err), 0);
    store_commit(fx_db);
    struct issued_doc d;
    CHECK_EQ_INT(issued_get_for(fx_db, dossier, ISSUED_RESULT, "", &d), STORE_ROW);
    CHECK_EQ_STR(d.public_id, pid);
    CHECK_EQ_INT(d.state, ISSUED_AWAITING_TIMESTAMP);
    CHECK_EQ_INT(d.signed_at, 2000);
    CHECK_EQ_INT(d.timestamped_at, 0);
    CHECK_EQ_INT(d.next_attempt_at, 2000);

    /* The same document of the same dossier again: refused, nothing added. */
    int64_t before = issued_rows();
    n.public_id = NULL;
    store_begin(fx_db);
    CHECK_EQ_INT(issued_add(fx_db, &n, &id, NULL, &err), -1);
    store_commit(fx_db);
    CHECK_EQ_STR(err.code, "already_issued");
    CHECK_EQ_INT(err.kind, DERR_TAKEN);
    /* Bad input: an empty title, a malformed given id. */
    n.ref = "other";
    n.title = "";
    CHECK_EQ_INT(issued_add(fx_db, &n, &id, NULL, &err), -1);
    CHECK_EQ_STR(err.code, "invalid");
    n.title = "Kết quả";
    n.public_id = "not-an-id";
    CHECK_EQ_INT(issued_add(fx_db, &n, &id, NULL, &err), -1);
    CHECK_EQ_STR(err.code, "invalid");
    CHECK_EQ_INT(issued_rows(), before);
}

TEST(kind_and_state_names_round_trip)
{
    for (int k = ISSUED_RECEIPT; k <= ISSUED_CERTIFIED_COPY; k++)
        CHECK_EQ_INT(issued_kind_parse(issued_kind_name((enum issued_kind)k)), k);
    for (int s = ISSUED_PENDING; s <= ISSUED_FAILED; s++)
        CHECK_EQ_INT(issued_state_parse(issued_state_name((enum issued_state)s)), s);
    CHECK_EQ_INT(issued_kind_parse("letter"), -1);
    CHECK_EQ_INT(issued_state_parse(NULL), -1);
}

int main(void)
{
    if (fx_open("issued"))
        return 1;
    unit_id = fx_unit(FX_COMMUNE);
    RUN(public_ids_are_random_base32_and_checked);
    RUN(a_pending_document_is_signed_once);
    RUN(a_document_signed_before_its_row_keeps_its_public_id);
    RUN(kind_and_state_names_round_trip);
    fx_close();
    return harness_done();
}
