/* edxml_bench: envelope signatures and verifications per second, in-process
 * (bench/exchange-bench runs it beside `openssl speed`: the ceiling of
 * documents between nodes). It builds, with motcua's own edxml_build, the
 * envelope the sender makes of an issued công văn (From Phường Hạc Thành, To
 * Phường Quảng Phú, one PDF attachment of ATTACH_BYTES random bytes, base64
 * in the envelope), makes a CA hierarchy like the demo one (root, issuing CA,
 * the ward's ECDSA P-256 seal key), then for SECONDS seconds on THREADS
 * threads signs it with edxml_sign (an enveloped XMLDSig over the whole
 * envelope, as the sender signs each document once), and for SECONDS more
 * verifies the signed envelope with edxml_verify against the root (as the
 * receiving node does before anything else). Before timing, one call per
 * thread warms up; the signed envelope is checked to verify (a bench of
 * signatures that do not verify would be worthless). Also timed, on one
 * thread: edxml_build of the envelope (the base64 of the PDF) and edxml_parse
 * of the signed one (what the receiver reads after verifying).
 *
 *   edxml_bench THREADS SECONDS [ATTACH_BYTES]      (default 102400)
 *
 * Prints one line of KEY=value fields:
 *   edxml threads=2 attachment_bytes=B envelope_bytes=B signatures=N sign_rate=R
 *   sign_ms=M verifications=N verify_rate=R verify_ms=M build_ms=M parse_ms=M
 * sign_ms, verify_ms: time per call and thread (CPU time: the threads never
 * wait). Exits 1 on a setup error or an envelope that does not verify. */
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_cert.h"

#include "exchange/edxml.h"
#include "exchange/edxml_sign.h"
#include "sign/signer.h"

#define MAX_THREADS 64
#define DAY 86400

/* The envelope of an issued công văn with pdf as its one attachment, as
 * src/node/sender.c builds it. OUT: *xml (caller frees), *len. */
static int envelope(const unsigned char *pdf, size_t pdf_len, char **xml, size_t *len)
{
    struct edxml e;
    memset(&e, 0, sizeof e);
    e.kind = EDXML_DOCUMENT;
    e.from.organ_id = edxml_strdup(&e, "000.01.90.H56");
    e.from.organ_name = edxml_strdup(&e, "Phường Hạc Thành");
    e.to = edxml_alloc(&e, sizeof *e.to);
    e.manifest = edxml_alloc(&e, sizeof *e.manifest);
    e.attachments = edxml_alloc(&e, sizeof *e.attachments);
    if (!e.to || !e.manifest || !e.attachments) {
        edxml_free(&e);
        return -1;
    }
    e.nto = e.nmanifest = e.nattachments = 1;
    e.to[0].organ_id = edxml_strdup(&e, "000.02.90.H56");
    e.to[0].organ_name = edxml_strdup(&e, "Phường Quảng Phú");
    e.document_id = edxml_strdup(&e, "000.01.90.H56,2026/12/08,12/UBND-VP");
    e.code_number = edxml_strdup(&e, "12");
    e.code_notation = edxml_strdup(&e, "UBND-VP");
    e.place = edxml_strdup(&e, "Hạc Thành");
    snprintf(e.promulgation_date, sizeof e.promulgation_date, "2026-12-08");
    e.type = e.type_detail = -1;
    e.type_name = edxml_strdup(&e, "Công văn");
    e.subject = edxml_strdup(&e, "Về việc thử nghiệm liên thông văn bản");
    e.signer_competence = edxml_strdup(&e, "");
    e.signer_position = edxml_strdup(&e, "CHỦ TỊCH");
    e.signer_full_name = edxml_strdup(&e, "Trịnh Văn Long");
    e.priority = e.promulgation_amount = e.page_amount = e.direction = -1;
    e.business.document_info = e.business.document_receiver = -1;
    e.manifest[0].content_id = e.attachments[0].content_id = edxml_strdup(&e, "1");
    e.manifest[0].content_type = e.attachments[0].content_type =
        edxml_strdup(&e, "application/pdf");
    e.manifest[0].attachment_name = e.attachments[0].attachment_name = edxml_strdup(&e, "12.pdf");
    /* e does not own the bytes: unset before edxml_free. */
    e.attachments[0].data = (unsigned char *)pdf;
    e.attachments[0].len = pdf_len;
    struct derr err = {0};
    int rc = edxml_build(&e, xml, len, &err);
    if (rc)
        fprintf(stderr, "edxml_bench: edxml_build: %s\n", err.message);
    derr_clear(&err);
    e.attachments[0].data = NULL;
    edxml_free(&e);
    return rc;
}

struct worker {
    pthread_t tid;
    int verify;
    const struct signer *s;
    X509_STORE *anchors;
    const char *xml;
    size_t len;
    long count;
    int failed;
    char err[256];
};

static pthread_barrier_t start;
static atomic_int stop;

static int one(struct worker *w)
{
    struct derr err = {0};
    int rc;
    if (w->verify) {
        struct edxml_verdict v;
        rc = edxml_verify(w->xml, w->len, w->anchors, &v, &err);
    } else {
        char *out = NULL;
        size_t n = 0;
        rc = edxml_sign(w->xml, w->len, w->s, &out, &n, &err);
        free(out);
    }
    if (rc)
        snprintf(w->err, sizeof w->err, "%s", err.message);
    derr_clear(&err);
    return rc;
}

static void *work(void *arg)
{
    struct worker *w = arg;
    w->failed = one(w) != 0; /* warm-up, untimed */
    pthread_barrier_wait(&start);
    while (!w->failed && !atomic_load(&stop)) {
        if (one(w))
            w->failed = 1;
        else
            w->count++;
    }
    return NULL;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Runs nthreads workers like proto for seconds. OUT: *count, *elapsed. */
static int timed(const struct worker *proto, long nthreads, double seconds, long *count,
                 double *elapsed)
{
    struct worker w[MAX_THREADS];
    atomic_store(&stop, 0);
    pthread_barrier_init(&start, NULL, (unsigned)nthreads + 1);
    for (long i = 0; i < nthreads; i++) {
        w[i] = *proto;
        if (pthread_create(&w[i].tid, NULL, work, &w[i])) {
            fprintf(stderr, "edxml_bench: cannot start a thread\n");
            exit(1);
        }
    }
    pthread_barrier_wait(&start);
    double t0 = now_s();
    struct timespec span = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&span, NULL);
    atomic_store(&stop, 1);
    int rc = 0;
    *count = 0;
    for (long i = 0; i < nthreads; i++) {
        pthread_join(w[i].tid, NULL);
        if (w[i].failed) {
            fprintf(stderr, "edxml_bench: %s failed: %s\n", proto->verify ? "verify" : "sign",
                    w[i].err);
            rc = -1;
        }
        *count += w[i].count;
    }
    *elapsed = now_s() - t0;
    pthread_barrier_destroy(&start);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: edxml_bench THREADS SECONDS [ATTACH_BYTES]\n");
        return 2;
    }
    char *end1, *end2, *end3 = "";
    long nthreads = strtol(argv[1], &end1, 10);
    double seconds = strtod(argv[2], &end2);
    long attach = argc == 4 ? strtol(argv[3], &end3, 10) : 102400;
    if (*end1 || *end2 || *end3 || nthreads < 1 || nthreads > MAX_THREADS || !(seconds > 0) ||
        seconds > 3600 || attach < 1 || (size_t)attach > EDXML_MAX_ATTACHMENT) {
        fprintf(stderr, "edxml_bench: THREADS 1-%d, SECONDS > 0, ATTACH_BYTES 1-%zu\n",
                MAX_THREADS, EDXML_MAX_ATTACHMENT);
        return 2;
    }

    EVP_PKEY *root_key = EVP_EC_gen("P-256"), *ca_key = EVP_EC_gen("P-256");
    X509 *root = bench_cert(root_key, "motcua bench root", "motcua bench", NULL, NULL, 1);
    X509 *ca = bench_cert(ca_key, "motcua bench issuing CA", "motcua bench", root, root_key, 1);
    struct signer s = {0};
    s.key = EVP_EC_gen("P-256");
    s.cert = bench_cert(s.key, "Phường Hạc Thành", "motcua bench", ca, ca_key, 0);
    s.chain = sk_X509_new_null();
    X509_STORE *anchors = X509_STORE_new();
    if (!root || !ca || !s.cert || !s.chain || !sk_X509_push(s.chain, ca) || !anchors ||
        !X509_STORE_add_cert(anchors, root)) {
        fprintf(stderr, "edxml_bench: cannot make the certificates\n");
        return 1;
    }
    X509_up_ref(ca);
    snprintf(s.name, sizeof s.name, "Phường Hạc Thành");

    unsigned char *pdf = malloc((size_t)attach);
    char *xml = NULL, *signed_xml = NULL;
    size_t len = 0, slen = 0;
    if (!pdf || RAND_bytes(pdf, (int)attach) != 1) {
        fprintf(stderr, "edxml_bench: out of memory\n");
        return 1;
    }
    memcpy(pdf, "%PDF-1.4\n", 9 < attach ? 9 : (size_t)attach);
    /* edxml_build on one thread, a few times: the base64 of the PDF. */
    int builds = 0;
    double t0 = now_s();
    do {
        free(xml);
        xml = NULL;
        if (envelope(pdf, (size_t)attach, &xml, &len))
            return 1;
        builds++;
    } while (now_s() - t0 < 0.5);
    double build_ms = 1000 * (now_s() - t0) / builds;

    struct derr err = {0};
    if (edxml_sign(xml, len, &s, &signed_xml, &slen, &err)) {
        fprintf(stderr, "edxml_bench: edxml_sign: %s\n", err.message);
        return 1;
    }
    struct edxml_verdict v;
    if (edxml_verify(signed_xml, slen, anchors, &v, &err)) {
        fprintf(stderr, "edxml_bench: the signed envelope does not verify: %s\n", err.message);
        return 1;
    }
    /* edxml_parse on one thread: what the receiver reads after verifying. */
    int parses = 0;
    t0 = now_s();
    do {
        struct edxml e;
        memset(&e, 0, sizeof e);
        int rc = edxml_parse(signed_xml, slen, &e, &err);
        int same = rc == 0 && e.nattachments == 1 && e.attachments[0].len == (size_t)attach &&
                   memcmp(e.attachments[0].data, pdf, (size_t)attach) == 0;
        edxml_free(&e);
        if (!same) {
            fprintf(stderr, "edxml_bench: the signed envelope does not parse back to its PDF\n");
            return 1;
        }
        parses++;
    } while (now_s() - t0 < 0.5);
    double parse_ms = 1000 * (now_s() - t0) / parses;

    struct worker proto = {.s = &s, .anchors = anchors, .xml = xml, .len = len};
    long nsign, nverify;
    double ssecs, vsecs;
    if (timed(&proto, nthreads, seconds, &nsign, &ssecs))
        return 1;
    proto.verify = 1;
    proto.xml = signed_xml;
    proto.len = slen;
    if (timed(&proto, nthreads, seconds, &nverify, &vsecs))
        return 1;
    printf("edxml threads=%ld attachment_bytes=%ld envelope_bytes=%zu signatures=%ld "
           "sign_rate=%.1f sign_ms=%.3f verifications=%ld verify_rate=%.1f verify_ms=%.3f "
           "build_ms=%.3f parse_ms=%.3f\n",
           nthreads, attach, slen, nsign, (double)nsign / ssecs,
           nsign ? 1000.0 * ssecs * (double)nthreads / (double)nsign : 0.0, nverify,
           (double)nverify / vsecs,
           nverify ? 1000.0 * vsecs * (double)nthreads / (double)nverify : 0.0, build_ms, parse_ms);
    free(pdf);
    free(xml);
    free(signed_xml);
    X509_STORE_free(anchors);
    sk_X509_pop_free(s.chain, X509_free);
    X509_free(s.cert);
    EVP_PKEY_free(s.key);
    X509_free(ca);
    X509_free(root);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(root_key);
    return 0;
}
