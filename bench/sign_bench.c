/* sign_bench: PDF signatures per second, in-process (bench/sign-bench runs
 * it beside `openssl speed`). It renders one receipt with motcua's own
 * renderer, makes a CA hierarchy like the demo one (root, issuing CA, a
 * unit's seal key; RSA-2048 or ECDSA P-256 throughout) and the seal image
 * the key store would hold, then signs the receipt with pades_sign from
 * THREADS threads for SECONDS seconds: one PAdES signature (B-B: no
 * timestamp) per call, each a whole signed file, as the server's workers
 * would make them. Before timing, one signature per thread warms the fonts
 * and caches; after it, one output is checked by pdfv_verify against the
 * root (a bench of signatures that do not verify would be worthless).
 *
 *   sign_bench rsa2048|ecdsap256 THREADS SECONDS [seal|official] [warm|cold]
 *
 * warm (default): pades_sign keeps the mark's images, as a server signing
 * for the same units does; cold: the cache is emptied before each
 * signature, so every one draws and compresses its mark.
 * Prints one line of KEY=value fields (bench/run's `field` reads them):
 *   sign alg=rsa2048 role=seal marks=warm threads=2 signatures=N seconds=S
 *   rate=R pdf_bytes=B signed_bytes=B ms_per_signature=M
 * Exits 1 on a setup error or a signature that does not verify. */
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_cert.h"

#include "render/receipt.h"
#include "sign/pades.h"
#include "sign/pdf_verify.h"
#include "sign/signer.h"
#include "sign/stamp.h"

#define MAX_THREADS 64
#define DAY 86400

static int rsa;
static EVP_PKEY *new_key(void)
{
    return rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
}

/* The receipt of a birth registration, as the desk prints it. */
static int receipt(unsigned char **pdf, size_t *len)
{
    static const struct receipt_doc docs[] = {
        {"Tờ khai đăng ký khai sinh theo mẫu", 1, 0},
        {"Giấy chứng sinh do cơ sở y tế cấp", 1, 0},
        {"Giấy tờ tùy thân của người đi đăng ký khai sinh", 0, 1},
        {"Giấy chứng nhận kết hôn của cha mẹ", 0, 1},
    };
    time_t now = time(NULL);
    struct receipt r = {
        .unit_name = "UBND phường Hạc Thành",
        .unit_parent_name = "UBND TỈNH THANH HÓA",
        .code = "000.01.90.H56-261207-0001",
        .applicant_name = "Nguyễn Văn An",
        .applicant_address = "Số 12 đường Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa",
        .phone = "0912345678",
        .email = "an.nguyen@example.vn",
        .procedure_name = "Đăng ký khai sinh",
        .channel = "Trực tuyến",
        .docs = docs,
        .ndocs = (int)(sizeof docs / sizeof docs[0]),
        .processing_time = "1 ngày làm việc",
        .received_at = now,
        .due_at = now + DAY,
        .return_place = "Bộ phận Một cửa UBND phường Hạc Thành",
        .lookup_url = "https://dichvucong.thanhhoa.example.vn/tra-cuu/000.01.90.H56-261207-0001",
    };
    return receipt_render_pdf(&r, pdf, len);
}

struct worker {
    pthread_t tid;
    int cold;
    const struct signer *s;
    const struct pades_options *o;
    const unsigned char *pdf;
    size_t len;
    long count;
    size_t out_len;
    int failed;
    char err[256];
};

static pthread_barrier_t start;
static atomic_int stop;

static void *work(void *arg)
{
    struct worker *w = arg;
    unsigned char *out;
    size_t n;
    /* Warm-up, untimed: the first call loads fonts and fills caches. */
    if (pades_sign(w->pdf, w->len, w->s, w->o, &out, &n, w->err, sizeof w->err))
        w->failed = 1;
    else
        free(out);
    pthread_barrier_wait(&start); /* even after a failure: the others wait for all */
    if (w->failed)
        return NULL;
    while (!atomic_load(&stop)) {
        if (w->cold)
            pades_cache_clear();
        if (pades_sign(w->pdf, w->len, w->s, w->o, &out, &n, w->err, sizeof w->err)) {
            w->failed = 1;
            return NULL;
        }
        w->out_len = n;
        free(out);
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

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 6 || (strcmp(argv[1], "rsa2048") && strcmp(argv[1], "ecdsap256"))) {
        fprintf(stderr, "usage: sign_bench rsa2048|ecdsap256 THREADS SECONDS [seal|official] "
                        "[warm|cold]\n");
        return 2;
    }
    rsa = strcmp(argv[1], "rsa2048") == 0;
    char *end1, *end2;
    long nthreads = strtol(argv[2], &end1, 10);
    double seconds = strtod(argv[3], &end2);
    int official = argc >= 5 && strcmp(argv[4], "official") == 0;
    int cold = argc == 6 && strcmp(argv[5], "cold") == 0;
    if (*end1 || *end2 || nthreads < 1 || nthreads > MAX_THREADS || !(seconds > 0) ||
        seconds > 3600) {
        fprintf(stderr, "sign_bench: THREADS 1-%d, SECONDS > 0\n", MAX_THREADS);
        return 2;
    }

    /* The hierarchy of the demo CA: root, issuing CA, the unit's key. */
    EVP_PKEY *root_key = new_key(), *ca_key = new_key();
    X509 *root = bench_cert(root_key, "motcua bench root", "motcua bench", NULL, NULL, 1);
    X509 *ca = bench_cert(ca_key, "motcua bench issuing CA", "motcua bench", root, root_key, 1);
    struct signer s = {0};
    s.key = new_key();
    const char *cn = official ? "Trịnh Văn Long" : "Phường Hạc Thành";
    s.cert = bench_cert(s.key, cn, "Phường Hạc Thành", ca, ca_key, 0);
    s.chain = sk_X509_new_null();
    if (!root || !ca || !s.cert || !s.chain || !sk_X509_push(s.chain, ca)) {
        fprintf(stderr, "sign_bench: cannot make the certificates\n");
        return 1;
    }
    X509_up_ref(ca);
    snprintf(s.name, sizeof s.name, "%s", cn);
    if (official)
        snprintf(s.organisation, sizeof s.organisation, "Phường Hạc Thành");

    /* The image the key store keeps with such a key. */
    unsigned char *png = NULL, *pdf = NULL;
    size_t png_len = 0, len = 0;
    int rc = official ? stamp_signature_png(cn, &png, &png_len)
                      : stamp_seal_png("Phường Hạc Thành", "000.01.90.H56", &png, &png_len);
    if (rc || receipt(&pdf, &len)) {
        fprintf(stderr, "sign_bench: cannot draw the image or render the receipt\n");
        return 1;
    }
    struct pades_options o = {
        .reason = official ? "Phê duyệt kết quả" : "Tiếp nhận hồ sơ",
        .location = "Thanh Hóa",
        .role = official ? PADES_OFFICIAL : PADES_SEAL,
        .title = official ? "CHỦ TỊCH" : NULL,
        .image = png,
        .image_len = png_len,
    };

    struct worker w[MAX_THREADS];
    memset(w, 0, sizeof w);
    /* The clock starts when every thread has warmed up. */
    pthread_barrier_init(&start, NULL, (unsigned)nthreads + 1);
    for (int i = 0; i < nthreads; i++) {
        w[i] = (struct worker){.s = &s, .o = &o, .pdf = pdf, .len = len, .cold = cold};
        if (pthread_create(&w[i].tid, NULL, work, &w[i])) {
            fprintf(stderr, "sign_bench: cannot start a thread\n");
            return 1;
        }
    }
    pthread_barrier_wait(&start);
    double t0 = now_s();
    struct timespec span = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&span, NULL);
    atomic_store(&stop, 1);
    long total = 0;
    size_t out_len = 0;
    for (int i = 0; i < nthreads; i++) {
        pthread_join(w[i].tid, NULL);
        if (w[i].failed) {
            fprintf(stderr, "sign_bench: signing failed: %s\n", w[i].err);
            return 1;
        }
        total += w[i].count;
        out_len = w[i].out_len;
    }
    double elapsed = now_s() - t0;
    pthread_barrier_destroy(&start);

    /* One more, checked against the root. */
    unsigned char *out;
    size_t n;
    char err[256];
    json_t *report = NULL;
    X509_STORE *trust = X509_STORE_new();
    if (!trust || !X509_STORE_add_cert(trust, root) ||
        pades_sign(pdf, len, &s, &o, &out, &n, err, sizeof err)) {
        fprintf(stderr, "sign_bench: the check signature failed\n");
        return 1;
    }
    rc = pdfv_verify(out, n, trust, &report, err, sizeof err);
    if (rc != 0) {
        fprintf(stderr, "sign_bench: the signed receipt does not verify: %s\n",
                report ? json_string_value(json_object_get(report, "summary")) : err);
        return 1;
    }
    printf("sign alg=%s role=%s marks=%s threads=%ld signatures=%ld seconds=%.3f rate=%.1f "
           "pdf_bytes=%zu signed_bytes=%zu ms_per_signature=%.3f\n",
           argv[1], official ? "official" : "seal", cold ? "cold" : "warm", nthreads, total, elapsed,
           (double)total / elapsed, len, out_len,
           total ? 1000.0 * elapsed * nthreads / (double)total : 0.0);
    json_decref(report);
    X509_STORE_free(trust);
    free(out);
    free(pdf);
    free(png);
    sk_X509_pop_free(s.chain, X509_free);
    X509_free(s.cert);
    EVP_PKEY_free(s.key);
    X509_free(ca);
    X509_free(root);
    EVP_PKEY_free(ca_key);
    EVP_PKEY_free(root_key);
    return 0;
}
