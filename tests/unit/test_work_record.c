/* Tests for document/work_record: the retention's label, the dates a record
 * takes, and when a closed record is due for handover to the archive (a
 * year after closing, in Vietnam time). The flow itself is tested through
 * the API in tests/api/records.test.mjs. */
#include "document/work_record.h"

#include "harness.h"

TEST(retention_label)
{
    char buf[32];
    record_retention_label(0, buf, sizeof buf);
    CHECK_EQ_STR(buf, "Vĩnh viễn");
    record_retention_label(10, buf, sizeof buf);
    CHECK_EQ_STR(buf, "10 năm");
    record_retention_label(1, buf, sizeof buf);
    CHECK_EQ_STR(buf, "1 năm");
}

TEST(retention_bounds)
{
    CHECK(record_retention_valid(0));
    CHECK(record_retention_valid(1));
    CHECK(record_retention_valid(70));
    CHECK(!record_retention_valid(71));
    CHECK(!record_retention_valid(-1));
}

TEST(dates)
{
    CHECK(record_date_valid("2026-12-07"));
    CHECK(record_date_valid("2024-02-29"));
    CHECK(!record_date_valid("2026-02-29"));
    CHECK(!record_date_valid("2026-02-30"));
    CHECK(!record_date_valid("2026-13-01"));
    CHECK(!record_date_valid("2026-1-01"));
    CHECK(!record_date_valid("2026-01-0x"));
    CHECK(!record_date_valid("2026-01-01 "));
    CHECK(!record_date_valid("1999-12-31"));
    CHECK(!record_date_valid(""));
    CHECK(!record_date_valid(NULL));
}

TEST(handover_due)
{
    char due[11];
    /* 01/03/2026 10:00 in Vietnam: due 01/03/2027. */
    record_handover_due(1772334000, due);
    CHECK_EQ_STR(due, "2027-03-01");
    /* 29/02/2024 10:00: the next year has no 29 February, so the 28th. */
    record_handover_due(1709175600, due);
    CHECK_EQ_STR(due, "2025-02-28");
    /* 31/12/2025 23:30 in Vietnam (16:30 UTC): the Vietnamese day counts. */
    record_handover_due(1767198600, due);
    CHECK_EQ_STR(due, "2026-12-31");
    /* 01/01/2026 00:30 in Vietnam is still 31/12/2025 in UTC. */
    record_handover_due(1767202200, due);
    CHECK_EQ_STR(due, "2027-01-01");
}

int main(void)
{
    RUN(retention_label);
    RUN(retention_bounds);
    RUN(dates);
    RUN(handover_due);
    return harness_done();
}
