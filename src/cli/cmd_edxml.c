/* cmd_edxml: edXML envelopes (QCVN 102:2016) from the command line: read
 * one into JSON, check its signature against a data directory's trust
 * anchors, sign one with a unit's seal from the key store. */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/derr.h"
#include "base/dynbuf.h"
#include "base/util.h"
#include "catalog/unit.h"
#include "cli/cli.h"
#include "exchange/edxml.h"
#include "exchange/edxml_sign.h"
#include "sign/keys.h"
#include "sign/signer.h"
#include "store/store.h"

static const char usage[] =
    "usage: motcua edxml parse FILE\n"
    "       motcua edxml verify [--data DIR] FILE\n"
    "       motcua edxml sign --data DIR --unit CODE IN OUT\n"
    "  parse   reads the envelope FILE (a document or a status message) and prints\n"
    "          its header, trace, manifest and attachments (name, size, SHA-256) as\n"
    "          JSON. Exit 0; 1 when the envelope is refused (the reason on stderr).\n"
    "  verify  checks FILE's XMLDSig signature and that the signer's certificate\n"
    "          chains to a trust anchor of data directory DIR (motcua key trust; the\n"
    "          demo root of a demo directory); without --data nothing is trusted.\n"
    "          RSA-SHA1 is accepted and reported as weak. Exit 0 valid, 1 invalid or\n"
    "          untrusted (the reason on stderr), 2 usage error, 3 unreadable.\n"
    "  sign    signs IN with the seal of unit CODE in DIR's key store (enveloped\n"
    "          XMLDSig, exclusive c14n, RSA-SHA256 or ECDSA-SHA256, the certificate\n"
    "          and chain in KeyInfo) and writes OUT. Exit 0 signed, 1 refused.\n";

static unsigned char *read_input(const char *cmd, const char *path, size_t *len)
{
    char name[64];
    snprintf(name, sizeof name, "edxml %s", cmd);
    return cli_read_file(name, path, EDXML_MAX_SIZE, len);
}

static json_t *str(const char *s)
{
    return json_string(s ? s : "");
}

static json_t *num(int v)
{
    return v < 0 ? json_null() : json_integer(v);
}

static json_t *organ_json(const struct edxml_organ *o)
{
    return json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "organ_id", str(o->organ_id),
                     "organization_in_charge", str(o->organization_in_charge), "organ_name",
                     str(o->organ_name), "organ_add", str(o->organ_add), "email", str(o->email),
                     "telephone", str(o->telephone), "fax", str(o->fax), "website",
                     str(o->website));
}

static json_t *staff_json(const struct edxml_staff *s)
{
    return json_pack("{s:o,s:o,s:o,s:o}", "department", str(s->department), "staff",
                     str(s->staff), "email", str(s->email), "mobile", str(s->mobile));
}

static json_t *strings(char **v, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, str(v[i]));
    return a;
}

static json_t *to_json(const struct edxml *e)
{
    json_t *j = json_object();
    json_object_set_new(j, "kind", json_string(e->kind == EDXML_STATUS ? "status" : "document"));
    json_object_set_new(j, "from", organ_json(&e->from));
    json_object_set_new(j, "has_signature", json_boolean(e->has_signature));
    if (e->kind == EDXML_STATUS) {
        json_object_set_new(
            j, "response_for",
            json_pack("{s:o,s:o,s:o,s:o}", "organ_id", str(e->response_for.organ_id), "code",
                      str(e->response_for.code), "promulgation_date",
                      str(e->response_for.promulgation_date), "document_id",
                      str(e->response_for.document_id)));
        json_object_set_new(j, "staff", staff_json(&e->staff));
        json_object_set_new(j, "status_code", str(e->status_code));
        json_object_set_new(j, "description", str(e->description));
        json_object_set_new(j, "timestamp", str(e->timestamp));
        return j;
    }
    json_t *to = json_array();
    for (size_t i = 0; i < e->nto; i++)
        json_array_append_new(to, organ_json(&e->to[i]));
    json_object_set_new(j, "to", to);
    json_object_set_new(j, "document_id", str(e->document_id));
    json_object_set_new(j, "document_id_parts",
                        json_pack("{s:o,s:o,s:o}", "organ_id", str(e->doc_organ_id), "date",
                                  str(e->doc_date), "number", str(e->doc_number)));
    json_object_set_new(j, "code", json_pack("{s:o,s:o}", "code_number", str(e->code_number),
                                             "code_notation", str(e->code_notation)));
    json_object_set_new(j, "promulgation",
                        json_pack("{s:o,s:o}", "place", str(e->place), "date",
                                  str(e->promulgation_date)));
    json_object_set_new(j, "document_type",
                        json_pack("{s:o,s:o,s:o}", "type", num(e->type), "type_detail",
                                  num(e->type_detail), "type_name", str(e->type_name)));
    json_object_set_new(j, "subject", str(e->subject));
    json_object_set_new(j, "content", str(e->content));
    json_object_set_new(j, "signer_info",
                        json_pack("{s:o,s:o,s:o}", "competence", str(e->signer_competence),
                                  "position", str(e->signer_position), "full_name",
                                  str(e->signer_full_name)));
    json_object_set_new(j, "due_date", str(e->due_date));
    json_object_set_new(j, "to_places", strings(e->to_places, e->nto_places));
    json_object_set_new(
        j, "other_info",
        json_pack("{s:o,s:o,s:o,s:o,s:o,s:o,s:o}", "priority", num(e->priority),
                  "sphere_of_promulgation", str(e->sphere_of_promulgation), "typer_notation",
                  str(e->typer_notation), "promulgation_amount", num(e->promulgation_amount),
                  "page_amount", num(e->page_amount), "direction",
                  e->direction < 0 ? json_null() : json_boolean(e->direction), "appendixes",
                  strings(e->appendixes, e->nappendixes)));
    json_object_set_new(j, "steering_type", num(e->steering_type));
    json_t *tr = json_array();
    for (size_t i = 0; i < e->ntraces; i++)
        json_array_append_new(tr, json_pack("{s:o,s:o}", "organ_id", str(e->traces[i].organ_id),
                                            "timestamp", str(e->traces[i].timestamp)));
    json_object_set_new(j, "trace", tr);
    const struct edxml_business *b = &e->business;
    json_t *rl = json_array();
    for (size_t i = 0; i < b->nreceivers; i++)
        json_array_append_new(rl, json_pack("{s:o,s:o}", "organ_id",
                                            str(b->receivers[i].organ_id), "receiver_type",
                                            num(b->receivers[i].receiver_type)));
    json_object_set_new(
        j, "business",
        json_pack("{s:b,s:o,s:i,s:o,s:o,s:o,s:o,s:o,s:o}", "present", b->present, "document_id",
                  str(b->document_id), "type", b->type, "reason", str(b->reason), "paper",
                  num(b->paper), "document_info", num(b->document_info), "document_receiver",
                  num(b->document_receiver), "receivers", rl, "staff", staff_json(&b->staff)));
    json_t *m = json_array();
    for (size_t i = 0; i < e->nmanifest; i++)
        json_array_append_new(m, json_pack("{s:o,s:o,s:o,s:o}", "content_id",
                                           str(e->manifest[i].content_id), "content_type",
                                           str(e->manifest[i].content_type), "description",
                                           str(e->manifest[i].description), "attachment_name",
                                           str(e->manifest[i].attachment_name)));
    json_object_set_new(j, "manifest", m);
    json_t *at = json_array();
    for (size_t i = 0; i < e->nattachments; i++) {
        const struct edxml_attachment *a = &e->attachments[i];
        unsigned char md[32];
        char hex[65];
        sha256(a->data, a->len, md);
        hex_encode(md, 32, hex);
        json_array_append_new(at, json_pack("{s:o,s:o,s:o,s:I,s:s}", "content_id",
                                            str(a->content_id), "attachment_name",
                                            str(a->attachment_name), "content_type",
                                            str(a->content_type), "size", (json_int_t)a->len,
                                            "sha256", hex));
    }
    json_object_set_new(j, "attachments", at);
    return j;
}

static int do_parse(int argc, char **argv)
{
    const char *pos[1];
    const struct cli_opt opts[] = {{0}};
    struct edxml e;
    struct derr err = {0};
    size_t len;
    int npos = 0, rc = cli_parse(argc, argv, opts, usage, pos, 1, &npos);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (npos != 1) {
        fputs(usage, stderr);
        return 2;
    }
    unsigned char *data = read_input("parse", pos[0], &len);
    if (!data)
        return 3;
    rc = edxml_parse(data, len, &e, &err);
    free(data);
    if (rc) {
        fprintf(stderr, "motcua edxml parse: %s: %s (%s)\n", pos[0], err.message, err.code);
        edxml_free(&e);
        derr_clear(&err);
        return 1;
    }
    json_t *j = to_json(&e);
    rc = !j || json_dumpf(j, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER) != 0;
    if (!rc)
        fputc('\n', stdout);
    json_decref(j);
    edxml_free(&e);
    return rc;
}

/* DIR/motcua.db, read-only (signing and verifying change nothing). */
static int open_ro(const char *cmd, const char *dir, struct store **db)
{
    char name[64];
    snprintf(name, sizeof name, "edxml %s", cmd);
    return cli_open_data_ro(name, dir, db);
}

static int do_verify(int argc, char **argv)
{
    const char *data_dir = NULL, *pos[1];
    const struct cli_opt opts[] = {{"--data", 1, &data_dir, NULL}, {0}};
    struct edxml_verdict v;
    struct derr err = {0};
    struct store *db = NULL;
    X509_STORE *anchors = NULL;
    size_t len;
    int npos = 0, rc = cli_parse(argc, argv, opts, usage, pos, 1, &npos);
    if (rc)
        return rc == 1 ? 0 : 2;
    if (npos != 1) {
        fputs(usage, stderr);
        return 2;
    }
    unsigned char *data = read_input("verify", pos[0], &len);
    if (!data)
        return 3;
    if (data_dir) {
        if (open_ro("verify", data_dir, &db)) {
            free(data);
            return 3;
        }
        anchors = keys_trust_store(db);
        store_close(db);
        if (!anchors) {
            fprintf(stderr, "motcua edxml verify: cannot read the trust anchors of %s\n",
                    data_dir);
            free(data);
            return 3;
        }
    }
    rc = edxml_verify(data, len, anchors, &v, &err);
    free(data);
    X509_STORE_free(anchors);
    if (rc) {
        fprintf(stderr, "motcua edxml verify: %s: INVALID: %s (%s)\n", pos[0], err.message,
                err.code);
        rc = err.kind == DERR_INTERNAL ? 3 : 1;
        derr_clear(&err);
        return rc;
    }
    printf("%s: VALID\n  signer: %s\n  issuer: %s\n  serial: %s\n  algorithm: %s, digest %s%s\n",
           pos[0], v.signer, v.issuer, v.serial, v.algorithm, v.digest,
           v.weak ? "\n  WEAK: SHA-1 (accepted from older senders; do not use to sign)" : "");
    return 0;
}

/* edxml_sign, as the CLI's signing takes it (bytes out). */
static int sign_envelope(const void *data, size_t len, const struct signer *s, unsigned char **out,
                         size_t *outlen, struct derr *err)
{
    char *xml = NULL;
    int rc = edxml_sign(data, len, s, &xml, outlen, err);
    *out = (unsigned char *)xml;
    return rc;
}

static int do_sign(int argc, char **argv)
{
    return cli_seal_file("edxml sign", argc, argv, usage, EDXML_MAX_SIZE, sign_envelope);
}

int cmd_edxml(int argc, char **argv)
{
    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
        fputs(usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (strcmp(argv[1], "parse") == 0)
        return do_parse(argc - 1, argv + 1);
    if (strcmp(argv[1], "verify") == 0)
        return do_verify(argc - 1, argv + 1);
    if (strcmp(argv[1], "sign") == 0)
        return do_sign(argc - 1, argv + 1);
    fprintf(stderr, "motcua edxml: unknown subcommand '%s'\n%s", argv[1], usage);
    return 2;
}
