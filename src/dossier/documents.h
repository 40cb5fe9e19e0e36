/* documents: what a unit issues on a dossier, gathered from the database
 * for rendering: the result document drawn from the procedure's
 * result_template and the form, and the apology letters with a new
 * appointment (and the write job that records one). */
#ifndef MOTCUA_DOCUMENTS_H
#define MOTCUA_DOCUMENTS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "base/derr.h"

struct store;
struct dossier;

/* Renders the result document of a dossier that reached "done" (status 9)
 * or later. base_url makes the QR link. Returns 0 with malloc'd PDF bytes,
 * 1 if the dossier has no result yet, or a negative error. */
int result_document_pdf(struct store *db, const struct dossier *d, const char *base_url,
                        unsigned char **out, size_t *len);

/* The same, whatever the dossier's status (the approval renders it before
 * its step commits): verify_url is the signed document's verification page
 * for the QR (NULL: the QR is the lookup); signer_name is printed under the
 * signature (NULL: the officer who approved); with need_template a
 * procedure without a result_template gives 1 (nothing to issue) rather
 * than a plain result notice. Returns 0 with malloc'd PDF bytes, 1, or a
 * negative error. */
int result_document_render(struct store *db, const struct dossier *d, const char *base_url,
                           const char *verify_url, const char *signer_name, int need_template,
                           unsigned char **out, size_t *len);

/* Records an apology with a new appointment (write job): the officer must
 * see the dossier (else not_found) and hold dossier.apologize on the unit
 * holding it (else forbidden); the dossier must be open (clock running or
 * paused) and due within a day or late; the new appointment must be later
 * than both now and the current one. The first appointment is kept; due_at
 * becomes the new one. The change is announced to the hub
 * (dossier/changes.h) without a status change. */
/* Longest reason of an apology letter, in characters. */
#define APOLOGY_REASON_MAX 500

struct apology_job {
    int64_t dossier_id, officer_id;
    int64_t new_due_at, now;
    char reason[APOLOGY_REASON_MAX * 4 + 1];
    int n;              /* OUT: the letter's number on this dossier */
    struct derr err;    /* OUT */
};
int apology_record_job(struct store *db, void *arg);

/* Renders apology letter n of the dossier, with the public lookup of
 * base_url (NULL: none) and the QR of verify_url, the signed letter's
 * verification page (NULL: the lookup). Returns 0, 1 if there is no such
 * letter, or a negative error. */
int apology_pdf(struct store *db, const struct dossier *d, int n, const char *base_url,
                const char *verify_url, unsigned char **out, size_t *len);

/* [{n, old_due_at, new_due_at, reason, at}] */
json_t *apologies_json(struct store *db, int64_t dossier_id);

#endif
