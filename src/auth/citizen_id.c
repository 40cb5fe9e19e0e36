/* citizen_id: validation of the personal identification number and the table
 * of province-of-birth codes (mã tỉnh nơi đăng ký khai sinh) it starts with. */
#include "auth/citizen_id.h"

#include <stddef.h>
#include <string.h>

/* The 63 province codes of the Ministry of Public Security's list (the same
 * numbers as the statistical province codes), as before the 2025 merger. */
static const struct {
    int code;
    const char *name;
} provinces[] = {
    {1, "Hà Nội"},          {2, "Hà Giang"},        {4, "Cao Bằng"},
    {6, "Bắc Kạn"},         {8, "Tuyên Quang"},     {10, "Lào Cai"},
    {11, "Điện Biên"},      {12, "Lai Châu"},       {14, "Sơn La"},
    {15, "Yên Bái"},        {17, "Hòa Bình"},       {19, "Thái Nguyên"},
    {20, "Lạng Sơn"},       {22, "Quảng Ninh"},     {24, "Bắc Giang"},
    {25, "Phú Thọ"},        {26, "Vĩnh Phúc"},      {27, "Bắc Ninh"},
    {30, "Hải Dương"},      {31, "Hải Phòng"},      {33, "Hưng Yên"},
    {34, "Thái Bình"},      {35, "Hà Nam"},         {36, "Nam Định"},
    {37, "Ninh Bình"},      {38, "Thanh Hóa"},      {40, "Nghệ An"},
    {42, "Hà Tĩnh"},        {44, "Quảng Bình"},     {45, "Quảng Trị"},
    {46, "Thừa Thiên Huế"}, {48, "Đà Nẵng"},        {49, "Quảng Nam"},
    {51, "Quảng Ngãi"},     {52, "Bình Định"},      {54, "Phú Yên"},
    {56, "Khánh Hòa"},      {58, "Ninh Thuận"},     {60, "Bình Thuận"},
    {62, "Kon Tum"},        {64, "Gia Lai"},        {66, "Đắk Lắk"},
    {67, "Đắk Nông"},       {68, "Lâm Đồng"},       {70, "Bình Phước"},
    {72, "Tây Ninh"},       {74, "Bình Dương"},     {75, "Đồng Nai"},
    {77, "Bà Rịa - Vũng Tàu"}, {79, "Hồ Chí Minh"}, {80, "Long An"},
    {82, "Tiền Giang"},     {83, "Bến Tre"},        {84, "Trà Vinh"},
    {86, "Vĩnh Long"},      {87, "Đồng Tháp"},      {89, "An Giang"},
    {91, "Kiên Giang"},     {92, "Cần Thơ"},        {93, "Hậu Giang"},
    {94, "Sóc Trăng"},      {95, "Bạc Liêu"},       {96, "Cà Mau"},
};

const char *citizen_id_province_name(int code)
{
    for (size_t i = 0; i < sizeof provinces / sizeof provinces[0]; i++)
        if (provinces[i].code == code)
            return provinces[i].name;
    return NULL;
}

int citizen_id_check(const char *s, int current_year,
                     struct citizen_id_info *out, const char **why)
{
    const char *msg = NULL;
    int rc = 0, province, g, year;
    size_t len;

    if (!s || current_year < 1900 || current_year > 9999) {
        rc = CITIZEN_ID_EINVAL;
        msg = "Số định danh cá nhân không hợp lệ";
        goto out;
    }
    len = strnlen(s, CITIZEN_ID_LEN + 1);
    if (len != CITIZEN_ID_LEN) {
        rc = CITIZEN_ID_ELEN;
        msg = "Số định danh cá nhân phải gồm đúng 12 chữ số";
        goto out;
    }
    for (size_t i = 0; i < CITIZEN_ID_LEN; i++) {
        if (s[i] < '0' || s[i] > '9') {
            rc = CITIZEN_ID_EDIGIT;
            msg = "Số định danh cá nhân chỉ được gồm các chữ số";
            goto out;
        }
    }
    province = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
    if (!citizen_id_province_name(province)) {
        rc = CITIZEN_ID_EPROVINCE;
        msg = "Mã tỉnh (3 chữ số đầu) của số định danh cá nhân không tồn tại";
        goto out;
    }
    /* Digit 4: century and sex, 0/1 = 1900s male/female, 2/3 = 2000s, ... */
    g = s[3] - '0';
    year = 1900 + (g / 2) * 100 + (s[4] - '0') * 10 + (s[5] - '0');
    if (year > current_year) {
        rc = CITIZEN_ID_EYEAR;
        msg = "Năm sinh trong số định danh cá nhân lớn hơn năm hiện tại";
        goto out;
    }
    if (year < current_year - CITIZEN_ID_MAX_AGE) {
        rc = CITIZEN_ID_EYEAR;
        msg = "Năm sinh trong số định danh cá nhân không hợp lệ";
        goto out;
    }
    if (out) {
        out->province_code = province;
        out->birth_year = year;
        out->female = g % 2;
    }
out:
    if (why)
        *why = msg;
    return rc;
}
