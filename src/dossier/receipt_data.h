/* receipt_data: gathers what the receipt (Giấy tiếp nhận hồ sơ và hẹn trả
 * kết quả) prints for a submitted dossier, from the database, into a
 * struct receipt that owns its strings, ready to render on another thread. */
#ifndef MOTCUA_RECEIPT_DATA_H
#define MOTCUA_RECEIPT_DATA_H

#include "render/receipt.h"

struct store;
struct dossier;

#define RECEIPT_DATA_MAX_DOCS 100

struct receipt_data {
    struct receipt r;         /* points into the fields below */
    char code[96];
    char unit_name[300], parent_name[300], phone[32];
    char applicant_name[512], address[1280]; /* 100 and 300 characters */
    char email[256], procedure_name[512], processing_time[64], return_place[400];
    char lookup_url[400], verify_url[400];
    char receiver[256];       /* the desk officer of a walk-in */
    char claim_code[16];      /* a walk-in's code to follow it online */
    struct receipt_doc docs[RECEIPT_DATA_MAX_DOCS];
    char *doc_names[RECEIPT_DATA_MAX_DOCS]; /* owned */
};

/* Fills rd for dossier d. base_url is the public address for the lookup
 * link; public_id (NULL: none) the signed receipt's, whose verification
 * page base_url/xac-thuc/{public_id} is the QR code. Returns 0 or -1.
 * Always call receipt_data_clear afterwards. */
int receipt_data_load(struct store *db, const struct dossier *d, const char *base_url,
                      const char *public_id, struct receipt_data *rd);
void receipt_data_clear(struct receipt_data *rd);

#endif
