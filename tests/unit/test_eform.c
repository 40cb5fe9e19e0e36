/* Tests for catalog/eform: schema checks, validation of submitted data, and
 * the reference data that ships e-forms (data/procedures.json) and units
 * (data/units-thanh-hoa.csv), read through the embedded assets. */
#include "catalog/eform.h"

#include <stdio.h>
#include <string.h>

#include "base/assets.h"
#include "base/text.h"
#include "catalog/forms.h"
#include "catalog/unit.h"
#include "harness.h"

#define TODAY 20261127

static json_t *parse(const char *s)
{
    json_error_t e;
    json_t *j = json_loads(s, JSON_ALLOW_NUL, &e);
    if (!j)
        printf("  JSON error in test text: %s (line %d)\n", e.text, e.line);
    return j;
}

/* A small schema with one field of every type. */
static const char *schema_text =
    "{\"title\":\"Thử\",\"sections\":["
    " {\"title\":\"Thông tin người yêu cầu\",\"fields\":["
    "  {\"name\":\"requester_name\",\"label\":\"Họ, chữ đệm, tên\",\"type\":\"text\","
    "   \"required\":true,\"max_length\":10,\"help\":\"Ghi đầy đủ\"},"
    "  {\"name\":\"note\",\"label\":\"Ghi chú\",\"type\":\"textarea\",\"min_length\":3},"
    "  {\"name\":\"dob\",\"label\":\"Ngày sinh\",\"type\":\"date\",\"required\":true,"
    "   \"min\":\"1900-01-01\",\"max\":\"today\"},"
    "  {\"name\":\"appointment\",\"label\":\"Ngày hẹn\",\"type\":\"date\",\"min\":\"today\","
    "   \"max\":\"2027-12-31\"},"
    "  {\"name\":\"copies\",\"label\":\"Số bản\",\"type\":\"integer\",\"min\":1,\"max\":20},"
    "  {\"name\":\"birth_year\",\"label\":\"Năm sinh\",\"type\":\"year\",\"min\":1900,"
    "   \"max\":\"today\"},"
    "  {\"name\":\"sex\",\"label\":\"Giới tính\",\"type\":\"select\",\"required\":true,"
    "   \"options\":[{\"value\":\"nam\",\"label\":\"Nam\"},{\"value\":\"nu\",\"label\":\"Nữ\"}]},"
    "  {\"name\":\"id_number\",\"label\":\"Số định danh cá nhân\",\"type\":\"citizen_id\","
    "   \"required\":true},"
    "  {\"name\":\"phone\",\"label\":\"Số điện thoại\",\"type\":\"phone\"},"
    "  {\"name\":\"email\",\"label\":\"Email\",\"type\":\"email\"}]},"
    " {\"title\":\"Cam đoan\",\"fields\":["
    "  {\"name\":\"commitment\",\"label\":\"Tôi cam đoan\",\"type\":\"checkbox\","
    "   \"required\":true}]}]}";

static json_t *schema;
static struct eform_error errs[16];

/* Validates data_text merged over a valid base record; returns the count. */
static int validate_with(const char *overrides, int partial)
{
    json_t *data = parse("{\"requester_name\":\"Lê Thị Hà\",\"dob\":\"1990-05-17\","
                         "\"sex\":\"nu\",\"id_number\":\"038190012345\","
                         "\"commitment\":true}");
    json_t *over = parse(overrides);
    int n;

    json_object_update(data, over);
    /* a null override removes the base value, to test missing fields */
    {
        const char *k;
        json_t *v;
        void *tmp;
        json_object_foreach_safe(data, tmp, k, v) {
            if (json_is_null(v) && strcmp(k, "keep_null") != 0)
                json_object_del(data, k);
        }
    }
    memset(errs, 0, sizeof errs);
    n = eform_validate(schema, data, partial, TODAY, errs, 16);
    json_decref(over);
    json_decref(data);
    return n;
}

/* True when the only error is `code` on `field`. */
static int only(int n, const char *field, const char *code)
{
    if (n != 1) {
        for (int i = 0; i < n && i < 16; i++)
            printf("  got %s %s: %s\n", errs[i].field, errs[i].code, errs[i].message);
        return 0;
    }
    return strcmp(errs[0].field, field) == 0 && strcmp(errs[0].code, code) == 0;
}

static int schema_err(const char *text, char *err, size_t errlen)
{
    json_t *s = parse(text);
    int rc = eform_check_schema(s, err, errlen);
    json_decref(s);
    return rc;
}

TEST(schema_valid)
{
    char err[256] = "";
    CHECK_EQ_INT(eform_check_schema(schema, err, sizeof err), 0);
    CHECK_EQ_STR(err, "");
}

TEST(schema_invalid)
{
    char err[256];
    const char *bad[] = {
        "[]",
        "{}",
        "{\"sections\":[]}",
        "{\"sections\":[{\"title\":\"A\",\"fields\":[]}]}",
        "{\"sections\":[{\"fields\":[{\"name\":\"a\",\"label\":\"A\",\"type\":\"text\"}]}]}",
        "{\"sections\":[{\"title\":\" \",\"fields\":[{\"name\":\"a\",\"label\":\"A\",\"type\":\"text\"}]}]}",
        "{\"sections\":[{\"title\":\"A\",\"fields\":[{\"name\":\"Bad-Name\",\"label\":\"A\",\"type\":\"text\"}]}]}",
        "{\"sections\":[{\"title\":\"A\",\"fields\":[{\"name\":\"\",\"label\":\"A\",\"type\":\"text\"}]}]}",
        "{\"sections\":[{\"title\":\"A\",\"fields\":[{\"name\":\"a\",\"label\":\"A\",\"type\":\"text\"}]},"
        " {\"title\":\"B\",\"fields\":[{\"name\":\"a\",\"label\":\"B\",\"type\":\"date\"}]}]}",
        "{\"sections\":[{\"title\":\"A\",\"fields\":[{\"name\":\"a\",\"label\":\"A\",\"type\":\"number\"}]}]}",
        "{\"sections\":[{\"title\":\"A\",\"fields\":[{\"name\":\"a\",\"label\":\"A\",\"type\":\"date\",\"max_length\":3}]}]}",
        "{\"sections\":[{\"title\":\"A\",\"fields\":[{\"name\":\"a\",\"label\":\"A\",\"type\":\"select\"}]}]}",
        "{\"sections\":[{\"title\":\"A\",\"fields\":[{\"name\":\"a\",\"label\":\"A\",\"type\":\"select\",\"options\":["
        " {\"value\":\"x\",\"label\":\"X\"},{\"value\":\"x\",\"label\":\"Y\"}]}]}]}",
        "{\"sections\":[{\"title\":\"A\",\"fields\":[{\"name\":\"a\",\"label\":\"A\",\"type\":\"text\",\"max_length\":0}]}]}",
        "{\"sections\":[{\"title\":\"A\",\"fields\":[{\"name\":\"a\",\"label\":\"A\",\"type\":\"text\",\"min_length\":9,\"max_length\":5}]}]}",
        "{\"sections\":[{\"title\":\"A\",\"fields\":[{\"name\":\"a\",\"label\":\"A\",\"type\":\"text\",\"min_length\":501}]}]}",
        "{\"sections\":[{\"title\":\"A\",\"fields\":[{\"name\":\"a\",\"label\":\"A\",\"type\":\"date\",\"min\":\"2026-02-29\"}]}]}",
        "{\"sections\":[{\"title\":\"A\",\"fields\":[{\"name\":\"a\",\"label\":\"A\",\"type\":\"date\",\"min\":\"2026-01-02\",\"max\":\"2026-01-01\"}]}]}",
        "{\"sections\":[{\"title\":\"A\",\"fields\":[{\"name\":\"a\",\"label\":\"A\",\"type\":\"integer\",\"min\":\"today\"}]}]}",
        "{\"sections\":[{\"title\":\"A\",\"fields\":[{\"name\":\"a\",\"label\":\"A\",\"type\":\"integer\",\"min\":1.5}]}]}",
        "{\"sections\":[{\"title\":\"A\",\"fields\":[{\"name\":\"a\",\"label\":\"A\",\"type\":\"year\",\"max\":10000}]}]}",
        "{\"sections\":[{\"title\":\"A\",\"fields\":[{\"name\":\"a\",\"label\":\"A\",\"type\":\"text\",\"required\":1}]}]}",
        "{\"sections\":[{\"title\":\"A\",\"fields\":[{\"name\":\"a\",\"type\":\"text\"}]}]}",
        "{\"sections\":[{\"title\":\"A\",\"fields\":[{\"name\":\"a\",\"label\":\"A\",\"type\":\"text\",\"colour\":\"red\"}]}]}",
        "{\"sections\":[{\"title\":\"A\",\"fields\":[{\"name\":\"a\",\"label\":\"A\\u0007\",\"type\":\"text\"}]}]}",
        "{\"version\":2,\"sections\":[{\"title\":\"A\",\"fields\":[{\"name\":\"a\",\"label\":\"A\",\"type\":\"text\"}]}]}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int rc = schema_err(bad[i], err, sizeof err);
        if (rc != EFORM_ESCHEMA)
            printf("  schema %zu accepted: %s\n", i, bad[i]);
        CHECK_EQ_INT(rc, EFORM_ESCHEMA);
        CHECK(err[0] != '\0');
    }
    CHECK_EQ_INT(eform_check_schema(NULL, NULL, 0), EFORM_ESCHEMA);
}

TEST(schema_error_names_the_path)
{
    char err[256];
    CHECK_EQ_INT(schema_err("{\"sections\":[{\"title\":\"A\",\"fields\":["
                            "{\"name\":\"a\",\"label\":\"A\",\"type\":\"text\"},"
                            "{\"name\":\"b\",\"label\":\"B\",\"type\":\"nope\"}]}]}",
                            err, sizeof err),
                 EFORM_ESCHEMA);
    CHECK(strncmp(err, "sections[0].fields[1].type:", 27) == 0);
    /* a tiny buffer is cut, not overrun */
    CHECK_EQ_INT(schema_err("{}", err, 4), EFORM_ESCHEMA);
    CHECK_EQ_STR(err, "sec"); /* "sections: need an array ..." */
}

TEST(valid_record)
{
    CHECK_EQ_INT(validate_with("{}", 0), 0);
    CHECK_EQ_INT(validate_with("{\"note\":\"Dòng 1\\nDòng 2\",\"appointment\":\"2026-11-27\","
                               "\"copies\":20,\"birth_year\":2026,\"phone\":\"0912 345 678\","
                               "\"email\":\"nguyen.van.a@thanhhoa.gov.vn\"}",
                               0),
                 0);
}

TEST(required_and_partial)
{
    CHECK(only(validate_with("{\"requester_name\":null}", 0), "requester_name", "required"));
    CHECK_EQ_STR(errs[0].message, "Trường này là bắt buộc");
    CHECK_EQ_INT(validate_with("{\"requester_name\":null}", 1), 0);
    /* empty and blank strings count as not filled in */
    CHECK(only(validate_with("{\"requester_name\":\"\"}", 0), "requester_name", "required"));
    CHECK(only(validate_with("{\"requester_name\":\"  \\t\"}", 0), "requester_name", "required"));
    CHECK_EQ_INT(validate_with("{\"requester_name\":\"   \"}", 1), 0);
    /* explicit null in the data is the same as absent */
    {
        json_t *d = parse("{\"requester_name\":null,\"dob\":\"1990-05-17\",\"sex\":\"nu\","
                          "\"id_number\":\"038190012345\",\"commitment\":true,"
                          "\"phone\":null}");
        CHECK_EQ_INT(eform_validate(schema, d, 1, TODAY, errs, 16), 0);
        CHECK_EQ_INT(eform_validate(schema, d, 0, TODAY, errs, 16), 1);
        CHECK_EQ_STR(errs[0].field, "requester_name");
        CHECK_EQ_STR(errs[0].code, "required");
        json_decref(d);
    }
    /* but an unknown key is unknown whatever its value */
    CHECK(only(validate_with("{\"keep_null\":null}", 0), "keep_null", "unknown_field"));
    /* an empty optional field is fine */
    CHECK_EQ_INT(validate_with("{\"phone\":\"\",\"email\":\"\"}", 0), 0);
    /* a required checkbox must be ticked, but not in a draft */
    CHECK(only(validate_with("{\"commitment\":false}", 0), "commitment", "required"));
    CHECK_EQ_STR(errs[0].message, "Bạn cần đánh dấu vào ô này");
    CHECK_EQ_INT(validate_with("{\"commitment\":false}", 1), 0);
    /* a draft with nothing in it */
    {
        json_t *empty = json_object();
        CHECK_EQ_INT(eform_validate(schema, empty, 1, TODAY, errs, 16), 0);
        CHECK_EQ_INT(eform_validate(schema, empty, 0, TODAY, errs, 16), 5);
        CHECK_EQ_STR(errs[0].field, "requester_name");
        CHECK_EQ_STR(errs[1].field, "dob");
        CHECK_EQ_STR(errs[2].field, "sex");
        CHECK_EQ_STR(errs[3].field, "id_number");
        CHECK_EQ_STR(errs[4].field, "commitment");
        json_decref(empty);
    }
}

TEST(lengths_count_characters)
{
    /* max_length 10: "Nguyễn Văn" is 10 characters but 13 bytes */
    CHECK_EQ_INT(validate_with("{\"requester_name\":\"Nguyễn Văn\"}", 0), 0);
    CHECK(only(validate_with("{\"requester_name\":\"Nguyễn Văn A\"}", 0), "requester_name",
               "too_long"));
    CHECK_EQ_STR(errs[0].message, "Không được quá 10 ký tự");
    /* textarea: min_length 3, default max 4000 */
    CHECK(only(validate_with("{\"note\":\"ab\"}", 0), "note", "too_short"));
    CHECK_EQ_STR(errs[0].message, "Cần ít nhất 3 ký tự");
    CHECK_EQ_INT(validate_with("{\"note\":\"Hạ\\nA\"}", 0), 0);
    {
        static char big[4100 * 3 + 64];
        size_t o = 0;
        o += (size_t)snprintf(big, sizeof big, "{\"note\":\"");
        for (int i = 0; i < 4001; i++) {
            memcpy(big + o, "ệ", 3); /* 3 bytes, 1 character */
            o += 3;
        }
        memcpy(big + o, "\"}", 3);
        CHECK(only(validate_with(big, 0), "note", "too_long"));
        CHECK_EQ_STR(errs[0].message, "Không được quá 4000 ký tự");
    }
}

TEST(control_characters)
{
    CHECK(only(validate_with("{\"requester_name\":\"Lê\\nHà\"}", 0), "requester_name",
               "bad_chars"));
    CHECK(only(validate_with("{\"requester_name\":\"Lê\\u0001\"}", 0), "requester_name",
               "bad_chars"));
    CHECK(only(validate_with("{\"requester_name\":\"Lê\\u0000Hà\"}", 0), "requester_name",
               "bad_chars"));
    CHECK(only(validate_with("{\"requester_name\":\"Lê\\u0085\"}", 0), "requester_name",
               "bad_chars"));
    CHECK(only(validate_with("{\"note\":\"abc\\u0000\"}", 0), "note", "bad_chars"));
    CHECK_EQ_INT(validate_with("{\"note\":\"a\\r\\nb\\tc\"}", 0), 0);
}

TEST(wrong_json_types)
{
    CHECK(only(validate_with("{\"copies\":\"5\"}", 0), "copies", "bad_type"));
    CHECK(only(validate_with("{\"copies\":5.0}", 0), "copies", "bad_type"));
    CHECK(only(validate_with("{\"birth_year\":\"1990\"}", 0), "birth_year", "bad_type"));
    CHECK(only(validate_with("{\"commitment\":1}", 0), "commitment", "bad_type"));
    CHECK(only(validate_with("{\"requester_name\":[\"a\"]}", 0), "requester_name", "bad_type"));
    CHECK(only(validate_with("{\"dob\":19900517}", 0), "dob", "bad_type"));
    CHECK(only(validate_with("{\"sex\":true}", 0), "sex", "bad_type"));
    CHECK(only(validate_with("{\"id_number\":38190012345}", 0), "id_number", "bad_type"));
    {
        json_t *arr = json_array();
        CHECK_EQ_INT(eform_validate(schema, arr, 0, TODAY, errs, 16), 1);
        CHECK_EQ_STR(errs[0].field, "");
        CHECK_EQ_STR(errs[0].code, "bad_type");
        json_decref(arr);
    }
}

TEST(dates)
{
    CHECK(only(validate_with("{\"dob\":\"2026-02-29\"}", 0), "dob", "bad_date"));
    CHECK_EQ_INT(validate_with("{\"dob\":\"2024-02-29\"}", 0), 0);
    CHECK(only(validate_with("{\"dob\":\"1900-02-29\"}", 0), "dob", "bad_date"));
    CHECK_EQ_INT(validate_with("{\"dob\":\"2000-02-29\"}", 0), 0);
    CHECK(only(validate_with("{\"dob\":\"17/05/1990\"}", 0), "dob", "bad_date"));
    CHECK(only(validate_with("{\"dob\":\"1990-5-17\"}", 0), "dob", "bad_date"));
    CHECK(only(validate_with("{\"dob\":\"1990-13-01\"}", 0), "dob", "bad_date"));
    CHECK(only(validate_with("{\"dob\":\"1990-04-31\"}", 0), "dob", "bad_date"));
    CHECK(only(validate_with("{\"dob\":\"1990-05-17T00:00\"}", 0), "dob", "bad_date"));
    /* max "today" = 2026-11-27 */
    CHECK_EQ_INT(validate_with("{\"dob\":\"2026-11-27\"}", 0), 0);
    CHECK(only(validate_with("{\"dob\":\"2026-11-28\"}", 0), "dob", "out_of_range"));
    CHECK_EQ_STR(errs[0].message, "Ngày không được sau ngày hôm nay");
    CHECK(only(validate_with("{\"dob\":\"1899-12-31\"}", 0), "dob", "out_of_range"));
    CHECK_EQ_STR(errs[0].message, "Ngày không được trước 01/01/1900");
    /* min "today", max a literal */
    CHECK(only(validate_with("{\"appointment\":\"2026-11-26\"}", 0), "appointment",
               "out_of_range"));
    CHECK_EQ_STR(errs[0].message, "Ngày không được trước ngày hôm nay");
    CHECK(only(validate_with("{\"appointment\":\"2028-01-01\"}", 0), "appointment",
               "out_of_range"));
    CHECK_EQ_STR(errs[0].message, "Ngày không được sau 31/12/2027");
}

TEST(numbers_and_years)
{
    CHECK_EQ_INT(validate_with("{\"copies\":1}", 0), 0);
    CHECK(only(validate_with("{\"copies\":0}", 0), "copies", "out_of_range"));
    CHECK_EQ_STR(errs[0].message, "Giá trị không được nhỏ hơn 1");
    CHECK(only(validate_with("{\"copies\":21}", 0), "copies", "out_of_range"));
    CHECK_EQ_STR(errs[0].message, "Giá trị không được lớn hơn 20");
    CHECK(only(validate_with("{\"copies\":-9223372036854775807}", 0), "copies",
               "out_of_range"));
    CHECK_EQ_INT(validate_with("{\"birth_year\":1900}", 0), 0);
    CHECK(only(validate_with("{\"birth_year\":1899}", 0), "birth_year", "out_of_range"));
    CHECK_EQ_STR(errs[0].message, "Năm không được trước năm 1900");
    CHECK(only(validate_with("{\"birth_year\":2027}", 0), "birth_year", "out_of_range"));
    CHECK_EQ_STR(errs[0].message, "Năm không được sau năm 2026");
    CHECK(only(validate_with("{\"birth_year\":0}", 0), "birth_year", "out_of_range"));
}

TEST(select_options)
{
    CHECK_EQ_INT(validate_with("{\"sex\":\"nam\"}", 0), 0);
    CHECK(only(validate_with("{\"sex\":\"Nam\"}", 0), "sex", "bad_option"));
    CHECK_EQ_STR(errs[0].message, "Giá trị không có trong danh sách lựa chọn");
    CHECK(only(validate_with("{\"sex\":\"khac\"}", 0), "sex", "bad_option"));
}

TEST(citizen_id_field)
{
    CHECK_EQ_INT(validate_with("{\"id_number\":\"001302001234\"}", 0), 0);
    CHECK(only(validate_with("{\"id_number\":\"003095012345\"}", 0), "id_number",
               "bad_citizen_id"));
    CHECK_EQ_STR(errs[0].message,
                 "Mã tỉnh (3 chữ số đầu) của số định danh cá nhân không tồn tại");
    CHECK(only(validate_with("{\"id_number\":\"03819001234\"}", 0), "id_number",
               "bad_citizen_id"));
    /* born 2027 according to the number, but today is in 2026 */
    CHECK(only(validate_with("{\"id_number\":\"038227000001\"}", 0), "id_number",
               "bad_citizen_id"));
    CHECK_EQ_INT(validate_with("{\"id_number\":\"038226000001\"}", 0), 0);
}

TEST(phones)
{
    const char *good[] = {"0912345678", "0912 345 678", "0912.345.678", "091-234-5678",
                          "+84912345678", "+84 912 345 678", "0383456789", "0563456789",
                          "0703456789", "0863456789", "02437654321", "+842373851234"};
    const char *bad[] = {"091234567", "09123456789", "1912345678", "0112345678",
                         "0412345678", "0612345678", "+840912345678", "84912345678",
                         "0912345678 ", " 0912345678", "0912  345678x", "0912_345_678",
                         "0243765432", "+84", "++84912345678", "０912345678"};
    char buf[128];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(buf, sizeof buf, "{\"phone\":\"%s\"}", good[i]);
        if (validate_with(buf, 0) != 0)
            printf("  rejected good phone %s\n", good[i]);
        CHECK_EQ_INT(validate_with(buf, 0), 0);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(buf, sizeof buf, "{\"phone\":\"%s\"}", bad[i]);
        if (!only(validate_with(buf, 0), "phone", "bad_phone"))
            printf("  accepted bad phone %s\n", bad[i]);
        CHECK(only(validate_with(buf, 0), "phone", "bad_phone"));
    }
}

TEST(emails)
{
    const char *good[] = {"a@b.vn", "nguyen.van.a@thanhhoa.gov.vn", "x+tag@mail.example.com",
                          "A_B-c@sub-domain.example.org", "1@2.co"};
    const char *bad[] = {"a@b", "a..b@c.vn", "@c.vn", "a@-c.vn", "a@c-.vn", "a@c.v",
                         "a@c.vn.", "a@.c.vn", ".a@c.vn", "a.@c.vn", "a@c..vn",
                         "a b@c.vn", "a@c.v1", "a@@c.vn", "a@c@d.vn", "nguyễn@c.vn",
                         "a@c_d.vn", "abc"};
    char buf[128];
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        snprintf(buf, sizeof buf, "{\"email\":\"%s\"}", good[i]);
        if (validate_with(buf, 0) != 0)
            printf("  rejected good email %s\n", good[i]);
        CHECK_EQ_INT(validate_with(buf, 0), 0);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        snprintf(buf, sizeof buf, "{\"email\":\"%s\"}", bad[i]);
        if (!only(validate_with(buf, 0), "email", "bad_email"))
            printf("  accepted bad email %s\n", bad[i]);
        CHECK(only(validate_with(buf, 0), "email", "bad_email"));
    }
    {
        /* 65-character local part */
        char local[70];
        memset(local, 'a', 65);
        local[65] = '\0';
        snprintf(buf, sizeof buf, "{\"email\":\"%s@c.vn\"}", local);
        CHECK(only(validate_with(buf, 0), "email", "bad_email"));
        local[64] = '\0';
        snprintf(buf, sizeof buf, "{\"email\":\"%s@c.vn\"}", local);
        CHECK_EQ_INT(validate_with(buf, 0), 0);
    }
}

TEST(unknown_fields)
{
    CHECK(only(validate_with("{\"nickname\":\"Hà\"}", 0), "nickname", "unknown_field"));
    CHECK_EQ_STR(errs[0].message, "Trường này không có trong biểu mẫu");
    /* a long key is cut to 64 bytes, and not inside a UTF-8 sequence */
    {
        char buf[300];
        char key[200];
        size_t o = 0;
        key[o++] = 'a';
        while (o + 2 < 100) {
            memcpy(key + o, "đ", 2);
            o += 2;
        }
        key[o] = '\0';
        snprintf(buf, sizeof buf, "{\"%s\":1}", key);
        CHECK_EQ_INT(validate_with(buf, 0), 1);
        CHECK_EQ_INT(strlen(errs[0].field), 63);
        CHECK(text_utf8_valid(errs[0].field, strlen(errs[0].field)));
    }
}

TEST(error_limit_and_order)
{
    json_t *data = parse("{\"zzz\":1,\"requester_name\":5,\"copies\":99,\"sex\":\"x\"}");
    struct eform_error two[2];
    int n = eform_validate(schema, data, 0, TODAY, two, 2);
    /* requester_name bad_type, dob required, copies out_of_range, sex bad_option,
     * id_number required, commitment required, zzz unknown_field */
    CHECK_EQ_INT(n, 7);
    CHECK_EQ_STR(two[0].field, "requester_name");
    CHECK_EQ_STR(two[0].code, "bad_type");
    CHECK_EQ_STR(two[1].field, "dob");
    CHECK_EQ_INT(eform_validate(schema, data, 0, TODAY, NULL, 0), 7);
    json_decref(data);
}

TEST(bad_arguments)
{
    json_t *data = json_object();
    json_t *bad_schema = parse("{\"sections\":[]}");
    CHECK_EQ_INT(eform_validate(schema, data, 0, 0, errs, 16), EFORM_EINVAL);
    CHECK_EQ_INT(eform_validate(schema, data, 0, 20260230, errs, 16), EFORM_EINVAL);
    CHECK_EQ_INT(eform_validate(schema, data, 0, TODAY, NULL, 3), EFORM_EINVAL);
    CHECK_EQ_INT(eform_validate(NULL, data, 0, TODAY, errs, 16), EFORM_EINVAL);
    CHECK_EQ_INT(eform_validate(schema, NULL, 0, TODAY, errs, 16), EFORM_EINVAL);
    CHECK_EQ_INT(eform_validate(bad_schema, data, 0, TODAY, errs, 16), EFORM_ESCHEMA);
    json_decref(bad_schema);
    json_decref(data);
}

/* ---- reference data --------------------------------------------------- */

static const char *const proc_keys[] = {
    "code", "code_is_demo", "name", "field", "handling_level", "level_d42", "level_old",
    "processing_time", "cutoff", "fee", "result", "documents", "form"};

TEST(procedures_json)
{
    const struct asset *a = asset_find("data/procedures.json");
    json_error_t je;
    json_t *root, *procs;
    int nbirth = 0;

    CHECK(a != NULL);
    if (!a)
        return;
    root = json_loadb((const char *)a->data, a->len, 0, &je);
    CHECK(root != NULL);
    if (!root) {
        printf("  data/procedures.json: %s at line %d\n", je.text, je.line);
        return;
    }
    procs = json_object_get(root, "procedures");
    CHECK(json_array_size(procs) >= 10);
    for (size_t i = 0; i < json_array_size(procs); i++) {
        json_t *p = json_array_get(procs, i);
        const char *code = json_string_value(json_object_get(p, "code"));
        const char *lvl = json_string_value(json_object_get(p, "handling_level"));
        const char *d42 = json_string_value(json_object_get(p, "level_d42"));
        json_int_t old = json_integer_value(json_object_get(p, "level_old"));
        json_t *pt = json_object_get(p, "processing_time");
        const char *unit = json_string_value(json_object_get(pt, "unit"));
        json_t *docs = json_object_get(p, "documents");
        char err[256];
        int rc;

        for (size_t k = 0; k < sizeof proc_keys / sizeof proc_keys[0]; k++)
            if (!json_object_get(p, proc_keys[k])) {
                printf("  procedure %zu lacks %s\n", i, proc_keys[k]);
                CHECK(0);
            }
        /* N.NNNNNN.000.00.00.H56 */
        CHECK(code && strlen(code) == 22 && code[1] == '.' && code[8] == '.' &&
              strcmp(code + 8, ".000.00.00.H56") == 0);
        CHECK(lvl && (strcmp(lvl, "commune") == 0 || strcmp(lvl, "province") == 0));
        CHECK(d42 && (strcmp(d42, "toan_trinh") == 0 || strcmp(d42, "mot_phan") == 0));
        /* level 4 is toàn trình, level 3 một phần */
        CHECK(d42 && old == (strcmp(d42, "toan_trinh") == 0 ? 4 : 3));
        CHECK(json_integer_value(json_object_get(pt, "amount")) > 0);
        CHECK(unit && (strcmp(unit, "day") == 0 || strcmp(unit, "hour") == 0));
        CHECK(json_is_integer(json_object_get(json_object_get(p, "fee"), "vnd")));
        CHECK(json_array_size(docs) > 0);
        for (size_t d = 0; d < json_array_size(docs); d++) {
            json_t *doc = json_array_get(docs, d);
            CHECK(json_is_string(json_object_get(doc, "key")));
            CHECK(json_is_string(json_object_get(doc, "name")));
            CHECK(json_is_integer(json_object_get(doc, "originals")));
            CHECK(json_is_integer(json_object_get(doc, "copies")));
            CHECK(json_is_boolean(json_object_get(doc, "required")));
        }
        rc = eform_check_schema(json_object_get(p, "form"), err, sizeof err);
        if (rc)
            printf("  %s: %s\n", code ? code : "?", err);
        CHECK_EQ_INT(rc, 0);
        if (code && strcmp(code, "1.001193.000.00.00.H56") == 0) {
            json_t *c = json_object_get(p, "cutoff");
            nbirth++;
            CHECK_EQ_STR(json_string_value(c), "15:00");
            CHECK_EQ_INT(json_integer_value(json_object_get(json_object_get(p, "fee"), "vnd")), 0);
            CHECK_EQ_STR(json_string_value(json_object_get(p, "name")), "Đăng ký khai sinh");
        }
    }
    CHECK_EQ_INT(nbirth, 1);
    json_decref(root);
}

/* The birth registration form has the fields of Circular 04/2020/TT-BTP and
 * accepts a realistic declaration. */
TEST(birth_registration_form)
{
    const struct asset *a = asset_find("data/procedures.json");
    json_t *root = a ? json_loadb((const char *)a->data, a->len, 0, NULL) : NULL;
    json_t *procs = json_object_get(root, "procedures"), *form = NULL, *data;
    int n;

    for (size_t i = 0; i < json_array_size(procs); i++)
        if (strcmp(json_string_value(json_object_get(json_array_get(procs, i), "code")),
                   "1.001193.000.00.00.H56") == 0)
            form = json_object_get(json_array_get(procs, i), "form");
    CHECK(form != NULL);
    if (!form) {
        json_decref(root);
        return;
    }
    data = parse("{"
                 "\"requester_name\":\"Lê Văn Tùng\","
                 "\"requester_residence\":\"Thôn 3, xã Hoằng Lộc, tỉnh Thanh Hóa\","
                 "\"requester_id_number\":\"038092001234\","
                 "\"requester_relationship\":\"Cha\","
                 "\"requester_phone\":\"0904334455\","
                 "\"child_name\":\"Lê Minh Khôi\","
                 "\"child_dob\":\"2026-11-20\","
                 "\"child_dob_words\":\"Ngày hai mươi, tháng mười một, năm hai nghìn không trăm hai mươi sáu\","
                 "\"child_sex\":\"nam\","
                 "\"child_ethnicity\":\"Kinh\","
                 "\"child_nationality\":\"Việt Nam\","
                 "\"child_birth_place\":\"Bệnh viện Đa khoa tỉnh Thanh Hóa\","
                 "\"child_home_town\":\"Xã Hoằng Lộc, tỉnh Thanh Hóa\","
                 "\"mother_name\":\"Nguyễn Thị Hoa\","
                 "\"mother_birth_year\":1995,"
                 "\"mother_ethnicity\":\"Kinh\","
                 "\"mother_nationality\":\"Việt Nam\","
                 "\"mother_residence\":\"Thôn 3, xã Hoằng Lộc, tỉnh Thanh Hóa\","
                 "\"father_name\":\"Lê Văn Tùng\","
                 "\"father_birth_year\":1992,"
                 "\"copies_requested\":2,"
                 "\"commitment\":true}");
    n = eform_validate(form, data, 0, TODAY, errs, 16);
    for (int i = 0; i < n && i < 16; i++)
        printf("  %s %s: %s\n", errs[i].field, errs[i].code, errs[i].message);
    CHECK_EQ_INT(n, 0);
    /* the father is optional; the mother is not */
    json_object_del(data, "father_name");
    json_object_del(data, "father_birth_year");
    json_object_del(data, "mother_birth_year");
    CHECK_EQ_INT(eform_validate(form, data, 0, TODAY, errs, 16), 1);
    CHECK_EQ_STR(errs[0].field, "mother_birth_year");
    CHECK_EQ_STR(errs[0].code, "required");
    json_decref(data);
    json_decref(root);
}

/* Splits one CSV line (RFC 4180 quoting, no embedded newlines) into fields. */
static int csv_split(const char *line, size_t len, char out[][256], int max)
{
    int n = 0;
    size_t i = 0;

    while (n < max) {
        size_t o = 0;
        int quoted = i < len && line[i] == '"';
        if (quoted)
            i++;
        while (i < len && o < 255) {
            if (quoted && line[i] == '"') {
                if (i + 1 < len && line[i + 1] == '"') {
                    out[n][o++] = '"';
                    i += 2;
                    continue;
                }
                i++;
                quoted = 0;
                continue;
            }
            if (!quoted && line[i] == ',')
                break;
            out[n][o++] = line[i++];
        }
        out[n++][o] = '\0';
        if (i >= len)
            break;
        i++; /* the comma */
    }
    return n;
}

TEST(units_csv)
{
    const struct asset *a = asset_find("data/units-thanh-hoa.csv");
    static char codes[400][256];
    int nrows = 0, province = 0, dept = 0, commune = 0, phuong = 0, xa = 0;
    const char *p, *end;

    CHECK(a != NULL);
    if (!a)
        return;
    p = (const char *)a->data;
    end = p + a->len;
    for (int lineno = 0; p < end; lineno++) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);
        char f[8][256];
        int nf = csv_split(p, len, f, 8);

        p += len + 1;
        if (len == 0 && p >= end)
            break; /* the newline that ends the file */
        CHECK_EQ_INT(nf, 7);
        if (nf != 7)
            continue;
        if (lineno == 0) {
            CHECK_EQ_STR(f[0], "code");
            CHECK_EQ_STR(f[4], "demo_code");
            CHECK_EQ_STR(f[5], "abbreviation");
            CHECK_EQ_STR(f[6], "kind");
            continue;
        }
        CHECK(unit_kind_label(f[6]) != NULL);
        /* Every unit can number its documents (12/QĐ-UBND). */
        CHECK(f[5][0] != '\0');
        CHECK(text_utf8_valid(f[1], strlen(f[1])));
        CHECK(strlen(f[0]) == 13 && strcmp(f[0] + 9, ".H56") == 0 && f[0][3] == '.' &&
              f[0][6] == '.');
        for (int i = 0; i < nrows; i++)
            if (strcmp(codes[i], f[0]) == 0) {
                printf("  duplicate code %s\n", f[0]);
                CHECK(0);
            }
        if (nrows < 400)
            snprintf(codes[nrows++], sizeof codes[0], "%s", f[0]);
        if (strcmp(f[2], "province") == 0) {
            province++;
            CHECK_EQ_STR(f[0], "000.00.00.H56");
            CHECK_EQ_STR(f[1], "Ủy ban nhân dân tỉnh Thanh Hóa");
            CHECK_EQ_STR(f[3], "");
            CHECK_EQ_STR(f[4], "0");
            CHECK_EQ_STR(f[5], "UBND");
        } else {
            CHECK_EQ_STR(f[3], "000.00.00.H56");
            CHECK_EQ_STR(f[4], "1");
            if (strcmp(f[2], "department") == 0) {
                dept++;
            } else {
                CHECK_EQ_STR(f[2], "commune");
                CHECK_EQ_STR(f[5], "UBND");
                commune++;
                phuong += strncmp(f[1], "Phường ", strlen("Phường ")) == 0;
                xa += strncmp(f[1], "Xã ", strlen("Xã ")) == 0;
            }
        }
    }
    CHECK_EQ_INT(province, 1);
    CHECK(dept >= 10 && dept <= 15);
    CHECK_EQ_INT(commune, 166);
    CHECK_EQ_INT(phuong, 19);
    CHECK_EQ_INT(xa, 147);
}

/* Every form shipped in data/forms/ loads as a checked schema, once: the
 * walk-in applicant's and the registration form. */
TEST(shipped_forms)
{
    int n = 0;
    for (const struct asset *a = motcua_assets; a->path; a++) {
        if (strncmp(a->path, "data/forms/", 11) != 0)
            continue;
        const json_t *s = forms_schema(a->path);
        CHECK(s != NULL);
        CHECK(s == forms_schema(a->path)); /* parsed once */
        n++;
    }
    CHECK_EQ_INT(n, 2);
    CHECK(forms_schema("data/forms/none.json") == NULL);
    const json_t *walkin = forms_schema("data/forms/walkin.json");
    json_t *ok = json_pack("{s:s, s:s}", "name", "Hoàng Thị Lan", "phone", "0903123456");
    json_t *bad = json_pack("{s:s}", "phone", "0903123456"); /* no name */
    CHECK_EQ_INT(eform_validate_checked(walkin, ok, 0, 20261207, NULL, 0), 0);
    CHECK_EQ_INT(eform_validate_checked(walkin, bad, 0, 20261207, NULL, 0), 1);
    json_decref(ok);
    json_decref(bad);
}

int main(void)
{
    schema = parse(schema_text);
    RUN(schema_valid);
    RUN(schema_invalid);
    RUN(schema_error_names_the_path);
    RUN(valid_record);
    RUN(required_and_partial);
    RUN(lengths_count_characters);
    RUN(control_characters);
    RUN(wrong_json_types);
    RUN(dates);
    RUN(numbers_and_years);
    RUN(select_options);
    RUN(citizen_id_field);
    RUN(phones);
    RUN(emails);
    RUN(unknown_fields);
    RUN(error_limit_and_order);
    RUN(bad_arguments);
    RUN(procedures_json);
    RUN(birth_registration_form);
    RUN(shipped_forms);
    RUN(units_csv);
    json_decref(schema);
    return harness_done();
}
