/* Tests of the exchange between nodes that need no server: the sender's
 * backoff schedule, and what the inbox refuses before it believes anything
 * of an envelope (no directory, no node id, not an envelope, no
 * signature). The two-node flow is tests/api/exchange.test.mjs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "exchange/directory.h"
#include "exchange/edxml.h"
#include "node/inbox.h"
#include "node/sender.h"
#include "harness.h"

TEST(backoff_schedule)
{
    /* 10 s doubling to an hour, never given up. */
    const long want[] = {10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600};
    for (int i = 1; i <= 11; i++)
        CHECK_EQ_INT(exchange_backoff(i, 1), want[i - 1]);
    CHECK_EQ_INT(exchange_backoff(1000, 1), 3600);
    /* scaled for tests, one second at least */
    CHECK_EQ_INT(exchange_backoff(1, 0.01), 1);
    CHECK_EQ_INT(exchange_backoff(12, 0.01), 36);
    CHECK_EQ_INT(exchange_backoff(1, 0), 1);
}

static const char *refusal(const void *data, size_t len, const struct directory *d,
                           const char *self)
{
    static char code[64];
    struct exchange_inbox in;
    memset(&in, 0, sizeof in);
    in.data = data;
    in.len = len;
    in.files_dir = "/nonexistent/files"; /* nothing may be stored before the checks pass */
    in.now = 1796000000;
    int rc = exchange_inbox_check(&in, NULL, d, self);
    snprintf(code, sizeof code, "%s", rc == 0 ? "accepted" : in.err.code ? in.err.code : "?");
    CHECK(strlen(in.envelope_sha) == 64); /* the log names what came, refused or not */
    exchange_inbox_clear(&in);
    return code;
}

TEST(inbox_refusals_before_belief)
{
    struct directory d;
    memset(&d, 0, sizeof d);
    d.version = 3;
    /* An unsigned document envelope, well formed. */
    struct edxml e;
    memset(&e, 0, sizeof e);
    e.kind = EDXML_DOCUMENT;
    e.from.organ_id = edxml_strdup(&e, "000.01.90.H56");
    e.to = edxml_alloc(&e, sizeof *e.to);
    e.nto = 1;
    e.to[0].organ_id = edxml_strdup(&e, "000.02.90.H56");
    e.document_id = edxml_strdup(&e, "000.01.90.H56,2026/12/07,01/UBND-VP");
    e.code_number = edxml_strdup(&e, "01");
    e.code_notation = edxml_strdup(&e, "UBND-VP");
    memcpy(e.promulgation_date, "2026-12-07", 11);
    e.subject = edxml_strdup(&e, "V/v thử nghiệm");
    e.type = e.type_detail = e.priority = e.promulgation_amount = e.page_amount = -1;
    e.direction = e.steering_type = -1;
    e.business.paper = e.business.document_info = e.business.document_receiver = -1;
    char *xml = NULL;
    size_t len = 0;
    struct derr err = {0};
    CHECK_EQ_INT(edxml_build(&e, &xml, &len, &err), 0);
    edxml_free(&e);
    derr_clear(&err);
    if (!xml)
        return;
    /* This node cannot take envelopes yet: the sender will retry. */
    CHECK_EQ_STR(refusal(xml, len, NULL, "quang-phu"), "no_directory");
    CHECK_EQ_STR(refusal(xml, len, &d, ""), "node_not_configured");
    /* The signature comes first: an unsigned envelope is refused before its
     * From (in no node of this empty directory) is looked at. */
    CHECK_EQ_STR(refusal(xml, len, &d, "quang-phu"), "no_signature");
    CHECK_EQ_STR(refusal("<html/>", 7, &d, "quang-phu"), "not_edxml");
    CHECK_EQ_STR(refusal("not xml", 7, &d, "quang-phu"), "not_xml");
    free(xml);
}

int main(void)
{
    RUN(backoff_schedule);
    RUN(inbox_refusals_before_belief);
    return harness_done();
}
