/* VietQR payloads: the CRC and the TLV layout. (An independent decoder,
 * the npm package vietnam-qr-pay, checks payloads in the API tests.) */
#include <string.h>

#include "harness.h"
#include "payment/vietqr.h"

TEST(crc16_ccitt_false_check_value)
{
    /* The standard check value of CRC-16/CCITT-FALSE over "123456789". */
    CHECK_EQ_INT(vietqr_crc16("123456789", 9), 0x29B1);
    CHECK_EQ_INT(vietqr_crc16("", 0), 0xFFFF);
}

TEST(payload_layout_with_amount)
{
    char out[VIETQR_MAX];
    const char *why = NULL;
    struct vietqr q = {.bank_bin = "970415", .account = "113366668888", .amount = 50000,
                       .purpose = "HS 000.01.90.H56-0001"};
    int n = vietqr_payload(&q, out, sizeof out, &why);
    CHECK(n > 0);
    /* Worked out by hand from the EMVCo layout: */
    const char *want_prefix = "000201" "010212"
                              "3856" "0010A000000727" "0126" "0006970415" "0112113366668888"
                              "0208QRIBFTTA"
                              "5303704" "540550000" "5802VN"
                              "6225" "0821HS 000.01.90.H56-0001"
                              "6304";
    CHECK_EQ_INT(strncmp(out, want_prefix, strlen(want_prefix)), 0);
    CHECK_EQ_INT(n, (int)strlen(want_prefix) + 4);
    /* The CRC covers everything up to and including "6304". */
    char crc[5];
    snprintf(crc, sizeof crc, "%04X", vietqr_crc16(out, (size_t)n - 4));
    CHECK_EQ_STR(out + n - 4, crc);
}

TEST(payload_without_amount_is_static)
{
    char out[VIETQR_MAX];
    const char *why = NULL;
    struct vietqr q = {.bank_bin = "970436", .account = "0011001234567", .amount = 0};
    int n = vietqr_payload(&q, out, sizeof out, &why);
    CHECK(n > 0);
    CHECK_EQ_INT(strncmp(out, "000201010211", 12), 0);
    CHECK(strstr(out, "5303704") != NULL);
    CHECK(strstr(out, "54") == NULL || strstr(out, "5406") == NULL);
}

TEST(payload_refuses_bad_fields)
{
    char out[VIETQR_MAX];
    const char *why = NULL;
    struct vietqr bad_bin = {.bank_bin = "97041", .account = "1", .amount = 1};
    struct vietqr bad_acc = {.bank_bin = "970415", .account = "12-34", .amount = 1};
    struct vietqr bad_amount = {.bank_bin = "970415", .account = "1234", .amount = -5};
    struct vietqr bad_purpose = {.bank_bin = "970415", .account = "1234", .amount = 5,
                                 .purpose = "Thanh toán lệ phí"};
    struct vietqr long_purpose = {.bank_bin = "970415", .account = "1234", .amount = 5,
                                  .purpose = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"};
    CHECK_EQ_INT(vietqr_payload(&bad_bin, out, sizeof out, &why), -1);
    CHECK(why != NULL);
    CHECK_EQ_INT(vietqr_payload(&bad_acc, out, sizeof out, &why), -1);
    CHECK_EQ_INT(vietqr_payload(&bad_amount, out, sizeof out, &why), -1);
    CHECK_EQ_INT(vietqr_payload(&bad_purpose, out, sizeof out, &why), -1);
    CHECK_EQ_INT(vietqr_payload(&long_purpose, out, sizeof out, &why), -1);
    CHECK_EQ_INT(vietqr_payload(&(struct vietqr){.bank_bin = "970415", .account = "1234"}, out,
                                10, &why),
                 -1);
}

int main(void)
{
    RUN(crc16_ccitt_false_check_value);
    RUN(payload_layout_with_amount);
    RUN(payload_without_amount_is_static);
    RUN(payload_refuses_bad_fields);
    return harness_done();
}
