/* shared_sent: the data-sharing service "documents-sent" a node offers
 * other nodes (docs/exchange.md "Data-sharing services"): the official
 * documents the provider unit issued to the consumer unit. */
#include "document/shared_sent.h"

#include "store/store.h"

/* documents-sent: the official documents the provider (or a unit below
 * it) issued to the consumer as an internal recipient, newest first, at
 * most 200: notation, date, type, summary and delivery (the state of the
 * consumer's incoming copy on this node, or "not_delivered"). No params. */
static int run_documents_sent(struct store *db, json_t *params, const char *provider,
                              const char *consumer, json_t **result, struct derr *err)
{
    (void)params;
    struct store_stmt *st;
    if (store_prepare_all(
            db,
            "SELECT d.notation, d.issued_on, d.type_code, d.summary, coalesce((SELECT c.state "
            "FROM documents c WHERE c.source_id = d.id AND c.unit_id = cu.id LIMIT 1), "
            "'not_delivered') FROM units p, units cu, documents d JOIN units du ON du.id = "
            "d.unit_id WHERE p.code = ? AND cu.code = ? AND d.direction = 'out' AND d.state = "
            "'issued' AND substr(du.path, 1, length(p.path)) = p.path AND EXISTS (SELECT 1 "
            "FROM json_each(d.recipients_internal) r WHERE r.value = cu.id) "
            "ORDER BY d.issued_at DESC, d.id DESC LIMIT 200",
            &st, BIND_TEXT(provider), BIND_TEXT(consumer)))
        return derr_set(err, DERR_INTERNAL, "internal", "Không đọc được văn bản.", NULL);
    json_t *docs = json_array();
    int r;
    while ((r = store_step(st)) == STORE_ROW)
        json_array_append_new(
            docs, json_pack("{s:s,s:s,s:s,s:s,s:s}", "notation", store_col_text(st, 0),
                            "issued_on", store_col_text(st, 1), "type", store_col_text(st, 2),
                            "summary", store_col_text(st, 3), "delivery",
                            store_col_text(st, 4)));
    store_done(st);
    if (r != STORE_DONE) {
        json_decref(docs);
        return derr_set(err, DERR_INTERNAL, "internal", "Không đọc được văn bản.", NULL);
    }
    *result = json_pack("{s:s,s:s,s:o}", "from", provider, "to", consumer, "documents", docs);
    return 0;
}

const struct sharing_service documents_sent_service = {
    "documents-sent",
    "Văn bản đơn vị cung cấp đã ban hành gửi đơn vị gọi (số, ngày, trích yếu, tình trạng chuyển)",
    run_documents_sent};
