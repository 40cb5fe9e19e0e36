/* Tests for auth/citizen_id: the 12-digit personal identification number.
 * Layout: PPP G YY NNNNNN (province of birth, century and sex, year, serial).
 * Each expected value below was decoded by hand from that layout. */
#include "auth/citizen_id.h"

#include "harness.h"

static struct citizen_id_info info;
static const char *why;

static int check(const char *s, int year)
{
    info.province_code = info.birth_year = info.female = -1;
    why = "unset";
    return citizen_id_check(s, year, &info, &why);
}

TEST(valid_thanh_hoa_male_1995)
{
    /* 038 Thanh Hóa, 0 = 1900s male, 95 -> 1995 */
    CHECK_EQ_INT(check("038095012345", 2025), 0);
    CHECK_EQ_INT(info.province_code, 38);
    CHECK_EQ_INT(info.birth_year, 1995);
    CHECK_EQ_INT(info.female, 0);
    CHECK(why == NULL);
}

TEST(valid_ha_noi_female_2002)
{
    /* 001 Hà Nội, 3 = 2000s female, 02 -> 2002 */
    CHECK_EQ_INT(check("001302001234", 2025), 0);
    CHECK_EQ_INT(info.province_code, 1);
    CHECK_EQ_INT(info.birth_year, 2002);
    CHECK_EQ_INT(info.female, 1);
}

TEST(valid_other_provinces)
{
    /* 079 Hồ Chí Minh, 2 = 2000s male, 2003 */
    CHECK_EQ_INT(check("079203000123", 2025), 0);
    CHECK_EQ_INT(info.province_code, 79);
    CHECK_EQ_INT(info.birth_year, 2003);
    CHECK_EQ_INT(info.female, 0);
    /* 038 Thanh Hóa, 1 = 1900s female, 1985 */
    CHECK_EQ_INT(check("038185000001", 2025), 0);
    CHECK_EQ_INT(info.birth_year, 1985);
    CHECK_EQ_INT(info.female, 1);
    /* 096 Cà Mau, the last code; 0 = 1900s male, 1998 */
    CHECK_EQ_INT(check("096098765432", 2025), 0);
    CHECK_EQ_INT(info.province_code, 96);
    CHECK_EQ_INT(info.birth_year, 1998);
    /* 040 Nghệ An, 1 = female 1900s, 1960 */
    CHECK_EQ_INT(check("040160123456", 2025), 0);
    CHECK_EQ_INT(info.birth_year, 1960);
    CHECK_EQ_INT(info.female, 1);
    /* 092 Cần Thơ, 3 = female 2000s, 2010 */
    CHECK_EQ_INT(check("092310000099", 2025), 0);
    CHECK_EQ_INT(info.birth_year, 2010);
    CHECK_EQ_INT(info.female, 1);
}

TEST(wrong_length)
{
    CHECK_EQ_INT(check("0380950123", 2025), CITIZEN_ID_ELEN);      /* 10 */
    CHECK_EQ_INT(check("03809501234", 2025), CITIZEN_ID_ELEN);     /* 11 */
    CHECK_EQ_INT(check("0380950123456", 2025), CITIZEN_ID_ELEN);   /* 13 */
    CHECK_EQ_INT(check("", 2025), CITIZEN_ID_ELEN);
    CHECK_EQ_INT(check("038095012345 ", 2025), CITIZEN_ID_ELEN);
    CHECK_EQ_STR(why, "Số định danh cá nhân phải gồm đúng 12 chữ số");
    CHECK_EQ_INT(info.birth_year, -1); /* untouched on failure */
}

TEST(non_digits)
{
    CHECK_EQ_INT(check("03809501234a", 2025), CITIZEN_ID_EDIGIT);
    CHECK_EQ_INT(check("038 95012345", 2025), CITIZEN_ID_EDIGIT);
    CHECK_EQ_INT(check("-38095012345", 2025), CITIZEN_ID_EDIGIT);
    CHECK_EQ_INT(check("03809501234\xD9", 2025), CITIZEN_ID_EDIGIT);
    /* a full-width digit: 14 bytes, so the length is wrong */
    CHECK_EQ_INT(check("０38095012345", 2025), CITIZEN_ID_ELEN);
    CHECK_EQ_STR(why, "Số định danh cá nhân phải gồm đúng 12 chữ số");
}

TEST(unknown_province)
{
    /* codes that do not exist in the list: 000, 003, 039, 050, 097, 099 */
    CHECK_EQ_INT(check("000095012345", 2025), CITIZEN_ID_EPROVINCE);
    CHECK_EQ_INT(check("003095012345", 2025), CITIZEN_ID_EPROVINCE);
    CHECK_EQ_INT(check("039095012345", 2025), CITIZEN_ID_EPROVINCE);
    CHECK_EQ_INT(check("050095012345", 2025), CITIZEN_ID_EPROVINCE);
    CHECK_EQ_INT(check("097095012345", 2025), CITIZEN_ID_EPROVINCE);
    CHECK_EQ_INT(check("999095012345", 2025), CITIZEN_ID_EPROVINCE);
    CHECK_EQ_STR(why, "Mã tỉnh (3 chữ số đầu) của số định danh cá nhân không tồn tại");
}

TEST(birth_year_bounds)
{
    /* 2 + 26 = 2026: in the future in 2025, fine in 2026 */
    CHECK_EQ_INT(check("038226000001", 2025), CITIZEN_ID_EYEAR);
    CHECK_EQ_INT(check("038226000001", 2026), 0);
    CHECK_EQ_INT(info.birth_year, 2026);
    /* 4 = 2100s: 2126 */
    CHECK_EQ_INT(check("038426000001", 2025), CITIZEN_ID_EYEAR);
    CHECK_EQ_INT(check("038926000001", 2025), CITIZEN_ID_EYEAR); /* 2326 */
    /* 1900 is 130 years before 2030 (accepted) and 131 before 2031 */
    CHECK_EQ_INT(check("001000000001", 2030), 0);
    CHECK_EQ_INT(info.birth_year, 1900);
    CHECK_EQ_INT(check("001000000001", 2031), CITIZEN_ID_EYEAR);
    CHECK_EQ_STR(why, "Năm sinh trong số định danh cá nhân không hợp lệ");
}

TEST(bad_arguments)
{
    CHECK_EQ_INT(check(NULL, 2025), CITIZEN_ID_EINVAL);
    CHECK_EQ_INT(check("038095012345", 1800), CITIZEN_ID_EINVAL);
    CHECK_EQ_INT(check("038095012345", 10000), CITIZEN_ID_EINVAL);
    /* out and why may be NULL */
    CHECK_EQ_INT(citizen_id_check("038095012345", 2025, NULL, NULL), 0);
    CHECK_EQ_INT(citizen_id_check("x", 2025, NULL, NULL), CITIZEN_ID_ELEN);
}

TEST(province_names)
{
    int n = 0;
    CHECK_EQ_STR(citizen_id_province_name(38), "Thanh Hóa");
    CHECK_EQ_STR(citizen_id_province_name(1), "Hà Nội");
    CHECK_EQ_STR(citizen_id_province_name(79), "Hồ Chí Minh");
    CHECK_EQ_STR(citizen_id_province_name(96), "Cà Mau");
    CHECK(citizen_id_province_name(3) == NULL);
    CHECK(citizen_id_province_name(0) == NULL);
    CHECK(citizen_id_province_name(97) == NULL);
    for (int c = 0; c < 1000; c++)
        n += citizen_id_province_name(c) != NULL;
    CHECK_EQ_INT(n, 63);
}

int main(void)
{
    RUN(valid_thanh_hoa_male_1995);
    RUN(valid_ha_noi_female_2002);
    RUN(valid_other_provinces);
    RUN(wrong_length);
    RUN(non_digits);
    RUN(unknown_province);
    RUN(birth_year_bounds);
    RUN(bad_arguments);
    RUN(province_names);
    return harness_done();
}
