/* series: the number series of a unit's own boards (document/series.h). */
#include "document/series.h"

#include <string.h>

#include "audit/audit.h"
#include "auth/permission.h"
#include "base/text.h"
#include "base/util.h"
#include "document/document.h"
#include "document/incoming.h"
#include "store/store.h"

static int db_err(struct derr *err)
{
    return derr_set(err, DERR_INTERNAL, "store", "Lỗi cơ sở dữ liệu.", "");
}

/* 2..SERIES_CODE_MAX bytes of [a-z0-9_]. */
static int code_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n < 2 || n > SERIES_CODE_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

/* 1..SERIES_ABBR_MAX letters and digits: ASCII, or any non-ASCII letter of
 * valid UTF-8 (Đ, Ư, ...), as the unit abbreviations are. */
static int abbreviation_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || !text_utf8_valid(s, n) || text_utf8_chars(s) > SERIES_ABBR_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!((unsigned char)s[i] >= 0x80 || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9')))
            return 0;
    return 1;
}

static int name_ok(const char *s)
{
    size_t n = s ? strlen(s) : 0;
    if (n == 0 || !text_utf8_valid(s, n) || text_utf8_chars(s) > SERIES_NAME_MAX)
        return 0;
    for (size_t i = 0; i < n; i++)
        if ((unsigned char)s[i] < 0x20)
            return 0;
    return s[0] != ' ';
}

int series_add_job(struct store *db, void *arg)
{
    struct series_add *a = arg;
    int64_t taken = 0, count = 0;
    if (permission_can(db, a->actor_id, DOCUMENT_PERM_SIGN, a->unit_id) != 1)
        return derr_set(&a->err, DERR_NOT_FOUND, "unit_not_found", "Không tìm thấy đơn vị.",
                        "unit_id");
    if (!code_ok(a->code))
        return derr_set(&a->err, DERR_INVALID, "invalid_code",
                        "Mã hệ thống số gồm 2 đến 32 chữ thường không dấu, chữ số hoặc dấu _.",
                        "code");
    /* The key of a register is the series: it must not be one the types or
     * the incoming register use. */
    if (store_int(db, "SELECT count(*) FROM document_types WHERE series = ?", &taken,
                  BIND_TEXT(a->code)) != STORE_ROW)
        return db_err(&a->err);
    if (taken || strcmp(a->code, INCOMING_SERIES) == 0)
        return derr_set(&a->err, DERR_INVALID, "invalid_code",
                        "Mã này đã dùng cho sổ văn bản chung; hãy chọn mã khác.", "code");
    if (!name_ok(a->name))
        return derr_set(&a->err, DERR_INVALID, "invalid_name",
                        "Tên hội đồng, ban, tổ có từ 1 đến 200 ký tự.", "name");
    if (!abbreviation_ok(a->abbreviation))
        return derr_set(&a->err, DERR_INVALID, "invalid_abbreviation",
                        "Chữ viết tắt gồm 1 đến 20 chữ cái hoặc chữ số (ví dụ HĐTĐKT).",
                        "abbreviation");
    if (store_int(db, "SELECT count(*) FROM document_series WHERE unit_id = ?", &count,
                  BIND_INT(a->unit_id)) != STORE_ROW ||
        store_int(db, "SELECT count(*) FROM document_series WHERE unit_id = ? AND code = ?",
                  &taken, BIND_INT(a->unit_id), BIND_TEXT(a->code)) != STORE_ROW)
        return db_err(&a->err);
    if (taken)
        return derr_set(&a->err, DERR_TAKEN, "series_exists",
                        "Đơn vị đã có hệ thống số với mã này.", "code");
    if (count >= SERIES_PER_UNIT)
        return derr_set(&a->err, DERR_TAKEN, "too_many_series",
                        "Đơn vị đã có 50 hệ thống số riêng.", "code");
    if (store_exec_all(db,
                       "INSERT INTO document_series(unit_id, code, name, abbreviation, created_by,"
                       " created_at) VALUES (?, ?, ?, ?, ?, ?)",
                       BIND_INT(a->unit_id), BIND_TEXT(a->code), BIND_TEXT(a->name),
                       BIND_TEXT(a->abbreviation), BIND_INT(a->actor_id), BIND_INT(a->now)) ||
        audit_object_json(db, a->actor_id, "document.series_add", "unit", a->unit_id,
                          json_pack("{ss ss}", "code", a->code, "abbreviation",
                                    a->abbreviation)))
        return db_err(&a->err);
    return 0;
}

static int read_series(struct store_stmt *st, void *out)
{
    struct document_series *s = out;
    copy_str(s->code, sizeof s->code, store_col_text(st, 0));
    copy_str(s->name, sizeof s->name, store_col_text(st, 1));
    copy_str(s->abbreviation, sizeof s->abbreviation, store_col_text(st, 2));
    return STORE_ROW;
}

int series_get(struct store *db, int64_t unit_id, const char *code, struct document_series *out)
{
    return store_one(db,
                     "SELECT code, name, abbreviation FROM document_series"
                     " WHERE unit_id = ? AND code = ?",
                     read_series, out, BIND_INT(unit_id), BIND_TEXT(code));
}

json_t *series_list_json(struct store *db, int64_t unit_id)
{
    struct store_stmt *st;
    json_t *arr = json_array();
    if (!arr || store_prepare_all(db,
                                  "SELECT code, name, abbreviation FROM document_series"
                                  " WHERE unit_id = ? ORDER BY code",
                                  &st, BIND_INT(unit_id))) {
        json_decref(arr);
        return NULL;
    }
    int rc;
    while ((rc = store_step(st)) == STORE_ROW)
        json_array_append_new(arr, json_pack("{ss ss ss}", "code", store_col_text(st, 0), "name",
                                             store_col_text(st, 1), "abbreviation",
                                             store_col_text(st, 2)));
    store_done(st);
    if (rc != STORE_DONE) {
        json_decref(arr);
        return NULL;
    }
    return arr;
}
