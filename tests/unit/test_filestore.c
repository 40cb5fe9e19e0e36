/* Tests for dossier/filestore: the upload check (name, size, content type,
 * declared type, extension). Regression (issue 7): a PDF named x.exe or
 * scan.png was accepted. */
#include "dossier/filestore.h"

#include <string.h>

#include "harness.h"

static const unsigned char PDF[] = "%PDF-1.4\n1 0 obj\n";
static const unsigned char PNG[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
static const unsigned char JPEG[] = "\xff\xd8\xff\xe0\0\x10JFIF";

static enum filestore_verdict check(const char *name, const char *declared,
                                    const unsigned char *head, size_t len, const char **why)
{
    const char *sniffed;
    enum filestore_verdict v = filestore_check_upload(name, declared, head, len, len, &sniffed, why);
    if (v == FILESTORE_OK)
        CHECK(sniffed != NULL && *why == NULL);
    else
        CHECK(sniffed == NULL && *why != NULL && (*why)[0]);
    return v;
}

TEST(accepted)
{
    const char *why, *sniffed;

    CHECK_EQ_INT(filestore_check_upload("giay.pdf", "application/pdf", PDF, sizeof PDF - 1,
                                        sizeof PDF - 1, &sniffed, &why),
                 FILESTORE_OK);
    CHECK_EQ_STR(sniffed, "application/pdf");
    CHECK_EQ_INT(check("GIAY.PDF", "Application/PDF; name=x", PDF, sizeof PDF - 1, &why), 0);
    CHECK_EQ_INT(check("a.jpg", "image/jpeg", JPEG, sizeof JPEG - 1, &why), 0);
    CHECK_EQ_INT(check("a.v2.JPEG", "image/jpeg", JPEG, sizeof JPEG - 1, &why), 0);
    CHECK_EQ_INT(check("a.png", "image/png", PNG, sizeof PNG - 1, &why), 0);
    /* Only the first bytes are looked at; the size may be larger. */
    CHECK_EQ_INT(filestore_check_upload("a.png", "image/png", PNG, 8, FILESTORE_MAX_BYTES,
                                        &sniffed, &why),
                 FILESTORE_OK);
}

TEST(extension_mismatch)
{
    const char *why;

    CHECK_EQ_INT(check("x.exe", "application/pdf", PDF, sizeof PDF - 1, &why),
                 FILESTORE_EXT_MISMATCH);
    CHECK_EQ_STR(why, "Tệp có nội dung PDF nên tên tệp phải có đuôi .pdf");
    CHECK_EQ_INT(check("scan.png", "application/pdf", PDF, sizeof PDF - 1, &why),
                 FILESTORE_EXT_MISMATCH);
    CHECK_EQ_INT(check("giay", "application/pdf", PDF, sizeof PDF - 1, &why),
                 FILESTORE_EXT_MISMATCH);
    CHECK_EQ_INT(check("giay.pdf.exe", "application/pdf", PDF, sizeof PDF - 1, &why),
                 FILESTORE_EXT_MISMATCH);
    CHECK_EQ_INT(check("giaypdf", "application/pdf", PDF, sizeof PDF - 1, &why),
                 FILESTORE_EXT_MISMATCH);
    CHECK_EQ_INT(check("a.jpg", "image/png", PNG, sizeof PNG - 1, &why), FILESTORE_EXT_MISMATCH);
    CHECK_EQ_STR(why, "Tệp có nội dung ảnh PNG nên tên tệp phải có đuôi .png");
    CHECK_EQ_INT(check("a.png", "image/jpeg", JPEG, sizeof JPEG - 1, &why),
                 FILESTORE_EXT_MISMATCH);
    CHECK_EQ_STR(why, "Tệp có nội dung ảnh JPEG nên tên tệp phải có đuôi .jpg hoặc .jpeg");
}

/* The checks come in a fixed order: name, size, emptiness, type, extension. */
TEST(order_and_messages)
{
    const char *why, *sniffed;

    CHECK_EQ_INT(check(".x.pdf", "application/pdf", PDF, sizeof PDF - 1, &why),
                 FILESTORE_BAD_NAME);
    CHECK_EQ_INT(check("a b.pdf", "application/pdf", PDF, sizeof PDF - 1, &why),
                 FILESTORE_BAD_NAME);
    CHECK_EQ_INT(check("", "application/pdf", PDF, sizeof PDF - 1, &why), FILESTORE_BAD_NAME);
    CHECK_EQ_INT(filestore_check_upload(NULL, "application/pdf", PDF, 5, 5, &sniffed, &why),
                 FILESTORE_BAD_NAME);
    CHECK_EQ_INT(filestore_check_upload("x.exe", "application/pdf", PDF, 8,
                                        FILESTORE_MAX_BYTES + 1, &sniffed, &why),
                 FILESTORE_TOO_LARGE);
    CHECK_EQ_STR(why, "Tệp quá lớn (tối đa 10 MiB)");
    CHECK_EQ_INT(check("x.exe", "application/pdf", PDF, 0, &why), FILESTORE_EMPTY);
    CHECK_EQ_STR(why, "Tệp rỗng");
    /* A wrong declared type is 415's business before the extension. */
    CHECK_EQ_INT(check("x.exe", "image/png", PDF, sizeof PDF - 1, &why), FILESTORE_BAD_TYPE);
    CHECK_EQ_STR(why, "Chỉ nhận tệp PDF, JPEG hoặc PNG, đúng với nội dung tệp");
    CHECK_EQ_INT(check("x.pdf", NULL, PDF, sizeof PDF - 1, &why), FILESTORE_BAD_TYPE);
    CHECK_EQ_INT(check("x.pdf", "application/pdfx", PDF, sizeof PDF - 1, &why),
                 FILESTORE_BAD_TYPE);
    CHECK_EQ_INT(check("x.pdf", "application/pdf", (const unsigned char *)"%PDF", 4, &why),
                 FILESTORE_BAD_TYPE);
    CHECK_EQ_INT(check("x.gif", "image/gif", (const unsigned char *)"GIF89a", 6, &why),
                 FILESTORE_BAD_TYPE);
}

TEST(name_rule)
{
    char longest[FILESTORE_NAME_MAX + 2];

    CHECK_EQ_INT(filestore_name_valid("Aa0._-.pdf"), 1);
    CHECK_EQ_INT(filestore_name_valid(".pdf"), 0);
    CHECK_EQ_INT(filestore_name_valid("a/b.pdf"), 0);
    CHECK_EQ_INT(filestore_name_valid("á.pdf"), 0);
    CHECK_EQ_INT(filestore_name_valid(""), 0);
    memset(longest, 'a', FILESTORE_NAME_MAX);
    longest[FILESTORE_NAME_MAX] = '\0';
    CHECK_EQ_INT(filestore_name_valid(longest), 1);
    longest[FILESTORE_NAME_MAX] = 'a';
    longest[FILESTORE_NAME_MAX + 1] = '\0';
    CHECK_EQ_INT(filestore_name_valid(longest), 0);
}

int main(void)
{
    RUN(accepted);
    RUN(extension_mismatch);
    RUN(order_and_messages);
    RUN(name_rule);
    return harness_done();
}
