/* vietqr: EMVCo TLV fields: ID (2 digits), length (2 digits), value. */
#include "payment/vietqr.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

uint16_t vietqr_crc16(const char *data, size_t len)
{
    uint16_t crc = 0xFFFF;
    for (size_t i = 0; i < len; i++) {
        crc ^= (uint16_t)((unsigned char)data[i] << 8);
        for (int b = 0; b < 8; b++)
            crc = (crc & 0x8000) ? (uint16_t)((crc << 1) ^ 0x1021) : (uint16_t)(crc << 1);
    }
    return crc;
}

/* Appends one TLV field; returns -1 if it does not fit or is too long. */
static int tlv(char *out, size_t cap, size_t *len, const char *id, const char *value)
{
    size_t vl = strlen(value);
    if (vl > 99 || *len + 4 + vl >= cap)
        return -1;
    *len += (size_t)snprintf(out + *len, cap - *len, "%s%02zu%s", id, vl, value);
    return 0;
}

static int all_digits(const char *s, size_t min, size_t max)
{
    size_t n = strlen(s);
    return n >= min && n <= max && strspn(s, "0123456789") == n;
}

static int valid_purpose(const char *s)
{
    size_t n = strlen(s);
    if (n > 25)
        return 0;
    for (size_t i = 0; i < n; i++)
        if (!isprint((unsigned char)s[i]) || (unsigned char)s[i] > 126)
            return 0;
    return 1;
}

int vietqr_payload(const struct vietqr *q, char *out, size_t cap, const char **why)
{
    char beneficiary[64], merchant[128], additional[64], amount[24];
    size_t bl = 0, ml = 0, al = 0, len = 0;
    if (!q->bank_bin || !all_digits(q->bank_bin, 6, 6)) {
        *why = "bank BIN must be 6 digits";
        return -1;
    }
    size_t an = q->account ? strlen(q->account) : 0;
    if (an < 1 || an > 19 || strspn(q->account, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ") != an) {
        *why = "account must be 1-19 digits or capital letters";
        return -1;
    }
    if (q->amount < 0 || q->amount > 9999999999999LL) {
        *why = "amount out of range";
        return -1;
    }
    if (q->purpose && !valid_purpose(q->purpose)) {
        *why = "purpose must be at most 25 printable ASCII characters";
        return -1;
    }
    if (tlv(beneficiary, sizeof beneficiary, &bl, "00", q->bank_bin) ||
        tlv(beneficiary, sizeof beneficiary, &bl, "01", q->account) ||
        tlv(merchant, sizeof merchant, &ml, "00", "A000000727") ||
        tlv(merchant, sizeof merchant, &ml, "01", beneficiary) ||
        tlv(merchant, sizeof merchant, &ml, "02", "QRIBFTTA")) {
        *why = "field too long";
        return -1;
    }
    int rc = tlv(out, cap, &len, "00", "01");
    rc |= tlv(out, cap, &len, "01", q->amount > 0 ? "12" : "11");
    rc |= tlv(out, cap, &len, "38", merchant);
    rc |= tlv(out, cap, &len, "53", "704");
    if (q->amount > 0) {
        snprintf(amount, sizeof amount, "%lld", (long long)q->amount);
        rc |= tlv(out, cap, &len, "54", amount);
    }
    rc |= tlv(out, cap, &len, "58", "VN");
    if (q->purpose && q->purpose[0]) {
        rc |= tlv(additional, sizeof additional, &al, "08", q->purpose);
        rc |= tlv(out, cap, &len, "62", additional);
    }
    if (rc || len + 8 >= cap) {
        *why = "output buffer too small";
        return -1;
    }
    memcpy(out + len, "6304", 4);
    len += 4;
    uint16_t crc = vietqr_crc16(out, len);
    len += (size_t)snprintf(out + len, cap - len, "%04X", crc);
    return (int)len;
}
