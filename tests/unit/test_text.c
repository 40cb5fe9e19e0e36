/* Tests for base/text: Vietnamese folding, UTF-8 validity and character
 * counts. Every expected value was worked out by hand (and cross-checked
 * against Unicode decomposition). */
#include "base/text.h"

#include <string.h>

#include "harness.h"

static const char *fold(const char *in)
{
    static char out[1024];
    int n = text_fold(in, out, sizeof out);
    return n < 0 ? "(error)" : out;
}

TEST(fold_example_from_brief)
{
    CHECK_EQ_STR(fold("ĐĂNG KÝ Khai Sinh"), "dang ky khai sinh");
    CHECK_EQ_STR(fold("dang ky khai sinh"), "dang ky khai sinh");
    CHECK_EQ_STR(fold("Đăng ký khai sinh"), "dang ky khai sinh");
}

TEST(fold_returns_length)
{
    char out[64];
    CHECK_EQ_INT(text_fold("ĐĂNG KÝ Khai Sinh", out, sizeof out), 17);
    CHECK_EQ_INT(text_fold("", out, sizeof out), 0);
    CHECK_EQ_STR(out, "");
}

TEST(fold_every_vowel_and_tone_lowercase)
{
    CHECK_EQ_STR(fold("a à á ả ã ạ"), "a a a a a a");
    CHECK_EQ_STR(fold("ă ằ ắ ẳ ẵ ặ"), "a a a a a a");
    CHECK_EQ_STR(fold("â ầ ấ ẩ ẫ ậ"), "a a a a a a");
    CHECK_EQ_STR(fold("e è é ẻ ẽ ẹ"), "e e e e e e");
    CHECK_EQ_STR(fold("ê ề ế ể ễ ệ"), "e e e e e e");
    CHECK_EQ_STR(fold("i ì í ỉ ĩ ị"), "i i i i i i");
    CHECK_EQ_STR(fold("o ò ó ỏ õ ọ"), "o o o o o o");
    CHECK_EQ_STR(fold("ô ồ ố ổ ỗ ộ"), "o o o o o o");
    CHECK_EQ_STR(fold("ơ ờ ớ ở ỡ ợ"), "o o o o o o");
    CHECK_EQ_STR(fold("u ù ú ủ ũ ụ"), "u u u u u u");
    CHECK_EQ_STR(fold("ư ừ ứ ử ữ ự"), "u u u u u u");
    CHECK_EQ_STR(fold("y ỳ ý ỷ ỹ ỵ"), "y y y y y y");
    CHECK_EQ_STR(fold("đ"), "d");
}

TEST(fold_every_vowel_and_tone_uppercase)
{
    CHECK_EQ_STR(fold("A À Á Ả Ã Ạ"), "a a a a a a");
    CHECK_EQ_STR(fold("Ă Ằ Ắ Ẳ Ẵ Ặ"), "a a a a a a");
    CHECK_EQ_STR(fold("Â Ầ Ấ Ẩ Ẫ Ậ"), "a a a a a a");
    CHECK_EQ_STR(fold("E È É Ẻ Ẽ Ẹ"), "e e e e e e");
    CHECK_EQ_STR(fold("Ê Ề Ế Ể Ễ Ệ"), "e e e e e e");
    CHECK_EQ_STR(fold("I Ì Í Ỉ Ĩ Ị"), "i i i i i i");
    CHECK_EQ_STR(fold("O Ò Ó Ỏ Õ Ọ"), "o o o o o o");
    CHECK_EQ_STR(fold("Ô Ồ Ố Ổ Ỗ Ộ"), "o o o o o o");
    CHECK_EQ_STR(fold("Ơ Ờ Ớ Ở Ỡ Ợ"), "o o o o o o");
    CHECK_EQ_STR(fold("U Ù Ú Ủ Ũ Ụ"), "u u u u u u");
    CHECK_EQ_STR(fold("Ư Ừ Ứ Ử Ữ Ự"), "u u u u u u");
    CHECK_EQ_STR(fold("Y Ỳ Ý Ỷ Ỹ Ỵ"), "y y y y y y");
    CHECK_EQ_STR(fold("Đ"), "d");
}

TEST(fold_real_names)
{
    CHECK_EQ_STR(fold("Phường Hạc Thành"), "phuong hac thanh");
    CHECK_EQ_STR(fold("Xã Nguyệt Ấn"), "xa nguyet an");
    CHECK_EQ_STR(fold("Ủy ban nhân dân tỉnh Thanh Hóa"), "uy ban nhan dan tinh thanh hoa");
    CHECK_EQ_STR(fold("Xã Mường Lát"), "xa muong lat");
    CHECK_EQ_STR(fold("Chứng thực bản sao"), "chung thuc ban sao");
    CHECK_EQ_STR(fold("NGUYỄN THỊ HỒNG NHUNG"), "nguyen thi hong nhung");
}

TEST(fold_decomposed_marks)
{
    /* NFD, as some keyboards and macOS file names produce it */
    CHECK_EQ_STR(fold("Ho\xCC\x80" "a"), "hoa");                  /* Hòa */
    CHECK_EQ_STR(fold("Nguye\xCC\x82\xCC\x83n"), "nguyen");       /* Nguyễn */
    CHECK_EQ_STR(fold("U\xCC\x9B\xCC\x81" "ng"), "ung");          /* Ứng */
}

TEST(fold_whitespace)
{
    CHECK_EQ_STR(fold("  dang   ky\tkhai\nsinh  "), "dang ky khai sinh");
    CHECK_EQ_STR(fold("a\xC2\xA0" "b"), "a b");         /* no-break space */
    CHECK_EQ_STR(fold("a\xE3\x80\x80\xE2\x80\x83" "b"), "a b"); /* ideographic, em */
    CHECK_EQ_STR(fold(" \t\n "), "");
    CHECK_EQ_STR(fold("a \xCC\x80 b"), "a b"); /* a lone mark does not split a run */
}

TEST(fold_keeps_other_characters)
{
    CHECK_EQ_STR(fold("Số 12/3-A, đường Lê Lợi"), "so 12/3-a, duong le loi");
    CHECK_EQ_STR(fold("Straße 東京"), "straße 東京");
    CHECK_EQ_STR(fold("Çà Ñ Ö"), "ca n o");
}

TEST(fold_rejects_invalid_utf8)
{
    char out[32] = "x";
    CHECK_EQ_INT(text_fold("ab\xC3\x28", out, sizeof out), TEXT_EINVAL);
    CHECK_EQ_STR(out, "");
    CHECK_EQ_INT(text_fold("\xE0\x80\xAF", out, sizeof out), TEXT_EINVAL); /* overlong / */
    CHECK_EQ_INT(text_fold("\xC0\xAF", out, sizeof out), TEXT_EINVAL);
    CHECK_EQ_INT(text_fold("\xED\xA0\x80", out, sizeof out), TEXT_EINVAL); /* surrogate */
    CHECK_EQ_INT(text_fold("\xF4\x90\x80\x80", out, sizeof out), TEXT_EINVAL);
    CHECK_EQ_INT(text_fold("H\xE1\xBA", out, sizeof out), TEXT_EINVAL); /* cut ạ */
    CHECK_EQ_INT(text_fold("\x80", out, sizeof out), TEXT_EINVAL);
    CHECK_EQ_INT(text_fold(NULL, out, sizeof out), TEXT_EINVAL);
}

TEST(fold_small_buffer)
{
    char out[8];
    CHECK_EQ_INT(text_fold("abc", out, 3), TEXT_ENOSPC);
    CHECK_EQ_STR(out, "");
    CHECK_EQ_INT(text_fold("abc", out, 4), 3);
    CHECK_EQ_STR(out, "abc");
    /* "Đà Nẵng" is 11 bytes and folds to 7: cap 8 is enough */
    CHECK_EQ_INT(text_fold("Đà Nẵng", out, 8), 7);
    CHECK_EQ_STR(out, "da nang");
    CHECK_EQ_INT(text_fold("Đà Nẵng", out, 7), TEXT_ENOSPC);
    CHECK_EQ_INT(text_fold("東", out, 3), TEXT_ENOSPC); /* 3 bytes + NUL */
    CHECK_EQ_INT(text_fold("abc", out, 0), TEXT_ENOSPC);
}

TEST(utf8_valid)
{
    CHECK_EQ_INT(text_utf8_valid("abc", 3), 1);
    CHECK_EQ_INT(text_utf8_valid("", 0), 1);
    CHECK_EQ_INT(text_utf8_valid("Hà Nội", strlen("Hà Nội")), 1);
    CHECK_EQ_INT(text_utf8_valid("a\0b", 3), 1);
    CHECK_EQ_INT(text_utf8_valid("\xF0\x9F\x98\x80", 4), 1);  /* U+1F600 */
    CHECK_EQ_INT(text_utf8_valid("\xF4\x8F\xBF\xBF", 4), 1);  /* U+10FFFF */
    CHECK_EQ_INT(text_utf8_valid("\xEF\xBF\xBF", 3), 1);      /* U+FFFF */
    CHECK_EQ_INT(text_utf8_valid("\xF0\x9F\x98", 3), 0);      /* cut */
    CHECK_EQ_INT(text_utf8_valid("\xC0\x80", 2), 0);          /* overlong NUL */
    CHECK_EQ_INT(text_utf8_valid("\xF0\x8F\xBF\xBF", 4), 0);  /* overlong */
    CHECK_EQ_INT(text_utf8_valid("\xED\xBF\xBF", 3), 0);      /* surrogate */
    CHECK_EQ_INT(text_utf8_valid("\xF5\x80\x80\x80", 4), 0);
    CHECK_EQ_INT(text_utf8_valid("\xFF", 1), 0);
    /* len bounds the check: the cut sequence is outside */
    CHECK_EQ_INT(text_utf8_valid("ab\xE1", 2), 1);
    CHECK_EQ_INT(text_utf8_valid(NULL, 0), 0);
}

TEST(utf8_decode)
{
    uint32_t cp = 0;
    CHECK_EQ_INT(text_utf8_decode("\xE1\xBB\x87", 3, &cp), 3); /* ệ */
    CHECK_EQ_INT(cp, 0x1EC7);
    CHECK_EQ_INT(text_utf8_decode("\xC4\x91x", 3, &cp), 2); /* đ */
    CHECK_EQ_INT(cp, 0x111);
    CHECK_EQ_INT(text_utf8_decode("A", 1, &cp), 1);
    CHECK_EQ_INT(cp, 'A');
    CHECK_EQ_INT(text_utf8_decode("\xE1\xBB\x87", 2, &cp), TEXT_EINVAL);
    CHECK_EQ_INT(text_utf8_decode("A", 0, &cp), TEXT_EINVAL);
}

TEST(utf8_chars)
{
    CHECK_EQ_INT(text_utf8_chars(""), 0);
    CHECK_EQ_INT(text_utf8_chars("abc"), 3);
    CHECK_EQ_INT(text_utf8_chars("Hà Nội"), 6);  /* 9 bytes */
    CHECK_EQ_INT(text_utf8_chars("Nguyễn"), 6);  /* 8 bytes */
    CHECK_EQ_INT(text_utf8_chars("Nguye\xCC\x82\xCC\x83n"), 6); /* decomposed */
    CHECK_EQ_INT(text_utf8_chars("東京"), 2);
    CHECK_EQ_INT(text_utf8_chars("\xF0\x9F\x98\x80"), 1);
    CHECK_EQ_INT(text_utf8_chars(NULL), 0);
}

int main(void)
{
    RUN(fold_example_from_brief);
    RUN(fold_returns_length);
    RUN(fold_every_vowel_and_tone_lowercase);
    RUN(fold_every_vowel_and_tone_uppercase);
    RUN(fold_real_names);
    RUN(fold_decomposed_marks);
    RUN(fold_whitespace);
    RUN(fold_keeps_other_characters);
    RUN(fold_rejects_invalid_utf8);
    RUN(fold_small_buffer);
    RUN(utf8_valid);
    RUN(utf8_decode);
    RUN(utf8_chars);
    return harness_done();
}
