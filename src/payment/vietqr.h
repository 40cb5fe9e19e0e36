/* vietqr: the VietQR payload (NAPAS, on the EMVCo merchant-presented QR
 * format) that any Vietnamese banking app scans to pay by bank transfer:
 * the bank's BIN, the account, the amount in VND and the purpose text,
 * closed by a CRC-16/CCITT-FALSE checksum. */
#ifndef MOTCUA_VIETQR_H
#define MOTCUA_VIETQR_H

#include <stddef.h>
#include <stdint.h>

#define VIETQR_MAX 512

struct vietqr {
    const char *bank_bin;   /* 6 digits, e.g. "970415" */
    const char *account;    /* 1..19 digits or letters */
    int64_t amount;         /* VND; 0 for "the payer types the amount" */
    const char *purpose;    /* ASCII, at most 25 characters, e.g. the dossier code */
};

/* Writes the payload string into out. Returns its length, or -1 if a field
 * is invalid (with a reason in *why). */
int vietqr_payload(const struct vietqr *q, char *out, size_t cap, const char **why);

/* CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF) of data. */
uint16_t vietqr_crc16(const char *data, size_t len);

#endif
