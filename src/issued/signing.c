/* signing: the key store's signatures on an issued PDF (see signing.h). */
#include "issued/signing.h"

#include <openssl/err.h>
#include <stdlib.h>
#include <string.h>

#include "base/log.h"
#include "base/util.h"
#include "dossier/filestore.h"
#include "sign/keys.h"
#include "sign/pades.h"
#include "sign/sigtime.h"
#include "store/store.h"

void issued_output_clear(struct issued_output *o)
{
    free(o->pdf);
    json_decref(o->signers);
    memset(o, 0, sizeof *o);
}

int issued_signers_ready(struct store *db, const struct issued_signature *sigs, int nsigs,
                         int64_t now, struct derr *err)
{
    for (int i = 0; i < nsigs; i++) {
        struct keys_info k;
        if (keys_current(db, sigs[i].unit_id, sigs[i].account_id, NULL, now, &k, err))
            return -1;
    }
    return 0;
}

/* Remembers whether the timestamp source failed, so a signature can be
 * made again without it rather than not at all. */
struct stamp_watch {
    issued_stamp_fn fn;
    void *ctx;
    int failed;
};

static int watched_stamp(void *ctx, const unsigned char *sig_value, size_t len,
                         unsigned char **token, size_t *token_len)
{
    struct stamp_watch *w = ctx;
    if (w->fn(w->ctx, sig_value, len, token, token_len) == 0)
        return 0;
    w->failed = 1;
    return -1;
}

/* The signature's entry in the signers list. */
static json_t *signer_entry(const struct issued_signature *sig, const struct signer *s,
                            const struct keys_info *k, int64_t now)
{
    char at[32];
    sigtime_iso((time_t)now, at, sizeof at);
    return json_pack("{s:s, s:s, s:s?, s:s, s:s, s:I, s:s}", "role",
                     sig->account_id ? "official" : "seal", "name", s->name, "title", sig->title,
                     "organisation", s->organisation[0] ? s->organisation : s->name, "serial",
                     k->serial, "key_id", (json_int_t)k->id, "at", at);
}

/* One signature over *pdf (replaced by the signed file). */
static int sign_once(struct store *db, const struct issued_signing *in,
                     const struct issued_signature *sig, int last, struct stamp_watch *watch,
                     unsigned char **pdf, size_t *len, json_t *signers, struct derr *err)
{
    struct keys_info k;
    struct signer *s = NULL;
    unsigned char *image = NULL, *out = NULL;
    size_t image_len = 0, out_len = 0;
    char why[256];
    int rc = -1;
    if (keys_current(db, sig->unit_id, sig->account_id, NULL, in->now, &k, err) ||
        keys_signer(db, in->data_dir, sig->unit_id, sig->account_id, in->now, &s, err))
        goto done;
    if (k.has_image && keys_image(db, k.id, &image, &image_len) != STORE_ROW) {
        image = NULL;
        image_len = 0;
    }
    struct pades_options o = {
        .reason = sig->reason,
        .location = in->location,
        .role = sig->account_id ? PADES_OFFICIAL : PADES_SEAL,
        .title = sig->title,
        .image = image,
        .image_len = image_len,
        .when = (time_t)in->now,
        .page = sig->page,
        .has_rect = sig->rect != NULL,
        .statement = sig->statement,
        .qr_text = sig->qr_text,
        /* room for a timestamp added later if the source fails now */
        .timestamp_room = 1,
    };
    if (sig->rect)
        memcpy(o.rect, sig->rect, sizeof o.rect);
    if (watch->fn && !watch->failed) {
        o.timestamp = watched_stamp;
        o.timestamp_ctx = watch;
        /* The last signature, timestamped, gets its validation data (B-LT)
         * where the CA offers it. Not one awaiting its timestamp: the token
         * is put into /Contents later, which the /DSS's /VRI key hashes. */
        o.ltv = last;
    }
    ERR_clear_error();
    int prc = pades_sign(*pdf, *len, s, &o, &out, &out_len, why, sizeof why);
    if (prc && o.timestamp && watch->failed) {
        /* The timestamp source is down: sign now, timestamp later. */
        log_warn("signing without a timestamp, to be added later: %s", why);
        o.timestamp = NULL;
        o.timestamp_ctx = NULL;
        o.ltv = 0;
        prc = pades_sign(*pdf, *len, s, &o, &out, &out_len, why, sizeof why);
    }
    if (prc) {
        if (ERR_peek_error())
            keys_sign_failure(s, err);
        else {
            log_warn("cannot sign an issued document: %s", why);
            derr_set(err, DERR_STATE, "sign_failed", "Không ký số được văn bản này", NULL);
        }
        goto done;
    }
    json_t *entry = signer_entry(sig, s, &k, in->now);
    if (!entry || json_array_append_new(signers, entry)) {
        derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống", NULL);
        goto done;
    }
    free(*pdf);
    *pdf = out;
    *len = out_len;
    out = NULL;
    rc = 0;
done:
    free(out);
    free(image);
    signer_free(s);
    return rc;
}

int issued_sign_pdf(struct store *db, const struct issued_signing *in, const unsigned char *pdf,
                    size_t len, struct issued_output *out, struct derr *err)
{
    memset(out, 0, sizeof *out);
    if (in->nsigs < 1 || in->nsigs > ISSUED_MAX_SIGNATURES)
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống", NULL);
    unsigned char *cur = malloc(len ? len : 1);
    json_t *signers = json_array();
    if (!cur || !signers) {
        free(cur);
        json_decref(signers);
        return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống", NULL);
    }
    memcpy(cur, pdf, len);
    size_t cur_len = len;
    struct stamp_watch watch = {.fn = in->stamp, .ctx = in->stamp_ctx};
    for (int i = 0; i < in->nsigs; i++) {
        if (sign_once(db, in, &in->sigs[i], i == in->nsigs - 1, &watch, &cur, &cur_len, signers, err)) {
            free(cur);
            json_decref(signers);
            return -1;
        }
    }
    out->pdf = cur;
    out->len = cur_len;
    out->signers = signers;
    out->state = in->stamp && !watch.failed ? ISSUED_SIGNED : ISSUED_AWAITING_TIMESTAMP;
    return 0;
}

int issued_store_file(const char *files_dir, const unsigned char *p, size_t n, char sha[65])
{
    struct filestore_tmp t;
    int rc = filestore_tmp_open(files_dir, &t);
    if (rc)
        return rc;
    if ((rc = filestore_tmp_write(&t, p, n))) {
        filestore_tmp_discard(&t);
        return rc;
    }
    return filestore_tmp_adopt(files_dir, &t, sha);
}
