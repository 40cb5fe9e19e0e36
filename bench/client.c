/* client: the HTTP side of the motcua benchmarks (libcurl multi). It finds a
 * free port, waits for the server, prepares citizens with filled-in draft
 * dossiers (untimed), then times the submit calls under concurrency.
 * Not a test: it reports what it measured and fails only on setup errors. */
#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONC 512
#define MAX_BODY (256 * 1024)
#define MAX_UNITS 512
#define PROCEDURE "1.001193.000.00.00.H56" /* Đăng ký khai sinh */
#define PASSWORD "bench-mat-khau-2026"

static const char usage[] =
    "usage: client freeport\n"
    "       client wait URL SECONDS          wait until URL answers 2xx\n"
    "       client get URL                   print the body of URL (exit 1 unless 2xx)\n"
    "       client prep BASE CITIZENS DRAFTS CONC OUT\n"
    "                                        register CITIZENS accounts and prepare DRAFTS\n"
    "                                        ready drafts, dealt out to them in turn; write\n"
    "                                        'cookie csrf id' lines to OUT, in that order\n"
    "       client submit BASE IN CONC       time POST .../submit for every line of IN\n";

/* --- small helpers ---------------------------------------------------- */

static double now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* --- one transfer slot ------------------------------------------------ */

struct slot {
    CURL *h;
    struct curl_slist *hdrs;
    char body[MAX_BODY + 1];
    size_t len;
    int truncated;
    char cookie[160];   /* motcua_session=... from the last Set-Cookie */
    double started;
    long task;          /* index of the task this slot works on, -1 idle */
    int step;           /* position in the task's request chain */
    int busy;
};

static size_t on_body(char *p, size_t size, size_t n, void *arg)
{
    struct slot *s = arg;
    size_t len = size * n, room = MAX_BODY - s->len;
    if (len > room) {
        s->truncated = 1;
        len = room;
    }
    memcpy(s->body + s->len, p, len);
    s->len += len;
    s->body[s->len] = '\0';
    return size * n;
}

static size_t on_header(char *p, size_t size, size_t n, void *arg)
{
    struct slot *s = arg;
    size_t len = size * n;
    static const char key[] = "set-cookie: motcua_session=";
    size_t kl = sizeof key - 1;
    if (len > kl && strncasecmp(p, key, kl) == 0) {
        size_t v = 12; /* strlen("set-cookie: ") */
        size_t e = v;
        while (e < len && p[e] != ';' && p[e] != '\r' && p[e] != '\n')
            e++;
        if (e - v < sizeof s->cookie) {
            memcpy(s->cookie, p + v, e - v);
            s->cookie[e - v] = '\0';
        }
    }
    return len;
}

static int slot_init(struct slot *s)
{
    memset(s, 0, sizeof *s);
    s->task = -1;
    s->h = curl_easy_init();
    if (!s->h)
        return -1;
    curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(s->h, CURLOPT_WRITEDATA, s);
    curl_easy_setopt(s->h, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(s->h, CURLOPT_HEADERDATA, s);
    curl_easy_setopt(s->h, CURLOPT_PRIVATE, s);
    curl_easy_setopt(s->h, CURLOPT_TIMEOUT, 60L);
    curl_easy_setopt(s->h, CURLOPT_NOSIGNAL, 1L);
    return 0;
}

static void slot_free(struct slot *s)
{
    if (s->h)
        curl_easy_cleanup(s->h);
    curl_slist_free_all(s->hdrs);
}

/* Sets up the next request of s. body NULL = no body; ctype NULL = none. */
static int slot_request(struct slot *s, const char *method, const char *url, const char *cookie,
                        const char *csrf, const char *ctype, const void *body, size_t blen)
{
    char line[256];
    curl_slist_free_all(s->hdrs);
    s->hdrs = curl_slist_append(NULL, "Expect:");
    if (csrf) {
        snprintf(line, sizeof line, "X-CSRF-Token: %s", csrf);
        s->hdrs = curl_slist_append(s->hdrs, line);
    }
    if (ctype) {
        snprintf(line, sizeof line, "Content-Type: %s", ctype);
        s->hdrs = curl_slist_append(s->hdrs, line);
    }
    if (!s->hdrs)
        return -1;
    s->len = 0;
    s->truncated = 0;
    s->body[0] = '\0';
    curl_easy_setopt(s->h, CURLOPT_URL, url);
    curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, s->hdrs);
    curl_easy_setopt(s->h, CURLOPT_COOKIE, cookie);
    if (strcmp(method, "GET") == 0) {
        curl_easy_setopt(s->h, CURLOPT_CUSTOMREQUEST, NULL);
        curl_easy_setopt(s->h, CURLOPT_HTTPGET, 1L);
    } else {
        curl_easy_setopt(s->h, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)(body ? blen : 0));
        curl_easy_setopt(s->h, CURLOPT_COPYPOSTFIELDS, body ? body : "");
        curl_easy_setopt(s->h, CURLOPT_CUSTOMREQUEST, method);
    }
    s->started = now_sec();
    return 0;
}

static long slot_status(struct slot *s)
{
    long st = 0;
    curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &st);
    return st;
}

/* --- the event loop shared by prep and submit ------------------------- */

struct engine;
/* Starts the next request for s (slot_request + returns 0), or returns 1
 * when there is no more work for it. */
typedef int (*start_fn)(struct engine *e, struct slot *s);
/* Called when s's request ended; res is libcurl's result. Returns 0, or -1
 * to abort the run. */
typedef int (*done_fn)(struct engine *e, struct slot *s, CURLcode res);

struct engine {
    CURLM *m;
    struct slot *slots;
    int nslots;
    start_fn start;
    done_fn done;
    void *ctx;
};

static int engine_kick(struct engine *e, struct slot *s)
{
    int rc = e->start(e, s);
    if (rc == 1)
        return 0;
    if (rc)
        return -1;
    if (curl_multi_add_handle(e->m, s->h) != CURLM_OK)
        return -1;
    s->busy = 1;
    return 0;
}

static int engine_run(struct engine *e)
{
    int running = 0, rc = 0;
    for (int i = 0; i < e->nslots; i++)
        if (engine_kick(e, &e->slots[i]))
            return -1;
    do {
        CURLMcode mc = curl_multi_perform(e->m, &running);
        if (mc != CURLM_OK)
            return -1;
        CURLMsg *msg;
        int left;
        while ((msg = curl_multi_info_read(e->m, &left))) {
            if (msg->msg != CURLMSG_DONE)
                continue;
            struct slot *s = NULL;
            CURL *h = msg->easy_handle;
            CURLcode res = msg->data.result;
            curl_easy_getinfo(h, CURLINFO_PRIVATE, (char **)&s);
            curl_multi_remove_handle(e->m, h);
            s->busy = 0;
            if (e->done(e, s, res) || engine_kick(e, s))
                return -1;
        }
        int busy = 0;
        for (int i = 0; i < e->nslots; i++)
            busy += e->slots[i].busy;
        if (!busy)
            break;
        if (curl_multi_poll(e->m, NULL, 0, 100, NULL) != CURLM_OK)
            return -1;
    } while (1);
    return rc;
}

static int engine_open(struct engine *e, int nslots)
{
    memset(e, 0, sizeof *e);
    e->m = curl_multi_init();
    e->slots = calloc((size_t)nslots, sizeof *e->slots);
    if (!e->m || !e->slots)
        return -1;
    e->nslots = nslots;
    curl_multi_setopt(e->m, CURLMOPT_MAX_HOST_CONNECTIONS, (long)nslots);
    curl_multi_setopt(e->m, CURLMOPT_MAXCONNECTS, (long)nslots + 4);
    for (int i = 0; i < nslots; i++)
        if (slot_init(&e->slots[i]))
            return -1;
    return 0;
}

static void engine_close(struct engine *e)
{
    for (int i = 0; e->slots && i < e->nslots; i++)
        slot_free(&e->slots[i]);
    free(e->slots);
    if (e->m)
        curl_multi_cleanup(e->m);
}

/* --- freeport, wait, get ---------------------------------------------- */

static int cmd_freeport(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = 0};
    socklen_t al = sizeof a;
    int rc = 1;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &al) == 0) {
        printf("%u\n", (unsigned)ntohs(a.sin_port));
        rc = 0;
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

/* One blocking GET into s; returns the HTTP status, or -1. */
static long get_once(struct slot *s, const char *url)
{
    if (slot_request(s, "GET", url, NULL, NULL, NULL, NULL, 0))
        return -1;
    curl_easy_setopt(s->h, CURLOPT_TIMEOUT, 5L);
    if (curl_easy_perform(s->h) != CURLE_OK)
        return -1;
    return slot_status(s);
}

static int cmd_wait(const char *url, const char *secs_s)
{
    long secs;
    struct slot *s = malloc(sizeof *s);
    int rc = 1;
    if (!s || parse_int(secs_s, 1, 600, &secs) || slot_init(s)) {
        fprintf(stderr, "client wait: bad arguments\n");
        free(s);
        return 2;
    }
    double end = now_sec() + (double)secs;
    while (now_sec() < end) {
        long st = get_once(s, url);
        if (st >= 200 && st < 300) {
            rc = 0;
            break;
        }
        usleep(50 * 1000);
    }
    slot_free(s);
    free(s);
    return rc;
}

static int cmd_get(const char *url)
{
    struct slot *s = malloc(sizeof *s);
    int rc = 1;
    if (!s || slot_init(s)) {
        free(s);
        return 2;
    }
    long st = get_once(s, url);
    if (st >= 200 && st < 300 && !s->truncated) {
        fwrite(s->body, 1, s->len, stdout);
        rc = 0;
    } else {
        fprintf(stderr, "client get: %s answered %ld\n", url, st);
    }
    slot_free(s);
    free(s);
    return rc;
}

/* --- prep ------------------------------------------------------------- */

struct citizen {
    char cookie[160];
    char csrf[80];
};

struct draft {
    int citizen;
    int unit;
    long long id;
};

struct prep {
    const char *base;
    struct citizen *cit;
    long ncit;
    struct draft *drafts;
    long ndrafts;
    long next;      /* next task to hand out */
    long done;      /* finished tasks */
    int phase;      /* 0 register, 1 drafts */
    char units[MAX_UNITS][64];
    int nunits;
    char form[4096];
    size_t form_len;
    unsigned char pdf[2048];
    size_t pdf_len;
};

static int fetch_units(struct prep *p)
{
    struct slot *s = malloc(sizeof *s);
    char url[512];
    int rc = -1;
    if (!s || slot_init(s)) {
        free(s);
        return -1;
    }
    snprintf(url, sizeof url, "%s/api/v1/procedures/%s/units", p->base, PROCEDURE);
    if (get_once(s, url) != 200)
        goto out;
    json_t *root = json_loads(s->body, 0, NULL);
    json_t *items = json_object_get(root, "items");
    for (size_t i = 0; i < json_array_size(items) && p->nunits < MAX_UNITS; i++) {
        const char *c = json_string_value(json_object_get(json_array_get(items, i), "code"));
        if (c && strlen(c) < sizeof p->units[0])
            snprintf(p->units[p->nunits++], sizeof p->units[0], "%s", c);
    }
    json_decref(root);
    rc = p->nunits > 0 ? 0 : -1;
out:
    slot_free(s);
    free(s);
    return rc;
}

/* A small valid one-page PDF standing in for a scanned birth certificate. */
#define STREAM "BT /F1 18 Tf 72 760 Td (Giay chung sinh - ban quet thu nghiem) Tj ET"
#define STREAM_LEN "68"
_Static_assert(sizeof STREAM - 1 == 68, "STREAM_LEN must match STREAM");
static int make_pdf(struct prep *p)
{
    static const char *objs[] = {
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 "
        "R >> >> /Contents 4 0 R >>",
        "<< /Length " STREAM_LEN " >>\nstream\n" STREAM "\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    };
    size_t off[5], n = 0, cap = sizeof p->pdf;
    int w = snprintf((char *)p->pdf, cap, "%%PDF-1.4\n");
    n = (size_t)w;
    for (int i = 0; i < 5; i++) {
        off[i] = n;
        w = snprintf((char *)p->pdf + n, cap - n, "%d 0 obj\n%s\nendobj\n", i + 1, objs[i]);
        if (w < 0 || (size_t)w >= cap - n)
            return -1;
        n += (size_t)w;
    }
    size_t xref = n;
    w = snprintf((char *)p->pdf + n, cap - n, "xref\n0 6\n0000000000 65535 f \n");
    n += (size_t)w;
    for (int i = 0; i < 5; i++) {
        w = snprintf((char *)p->pdf + n, cap - n, "%010zu 00000 n \n", off[i]);
        n += (size_t)w;
    }
    w = snprintf((char *)p->pdf + n, cap - n,
                 "trailer\n<< /Size 6 /Root 1 0 R >>\nstartxref\n%zu\n%%%%EOF\n", xref);
    if (w < 0 || (size_t)w >= cap - n)
        return -1;
    p->pdf_len = n + (size_t)w;
    return 0;
}

/* The birth registration declaration, every required field filled. The
 * child was born a week ago (Vietnam time). */
static int make_form(struct prep *p)
{
    time_t t = time(NULL) + 7 * 3600 - 7 * 86400;
    struct tm tm;
    char dob[16];
    gmtime_r(&t, &tm);
    strftime(dob, sizeof dob, "%Y-%m-%d", &tm);
    int w = snprintf(
        p->form, sizeof p->form,
        "{\"requester_name\":\"Nguyễn Văn Bình\","
        "\"requester_residence\":\"Phường Hạc Thành, tỉnh Thanh Hóa\","
        "\"requester_id_number\":\"038095001234\",\"requester_relationship\":\"Cha\","
        "\"requester_phone\":\"0912345678\",\"requester_email\":\"nguyen.van.binh@example.vn\","
        "\"child_name\":\"Nguyễn Minh An\",\"child_dob\":\"%s\","
        "\"child_dob_words\":\"Ngày hai mươi, tháng mười một, năm hai nghìn không trăm hai "
        "mươi sáu\",\"child_sex\":\"nam\",\"child_ethnicity\":\"Kinh\","
        "\"child_nationality\":\"Việt Nam\","
        "\"child_birth_place\":\"Bệnh viện Đa khoa tỉnh Thanh Hóa, phường Hạc Thành, tỉnh "
        "Thanh Hóa\",\"child_home_town\":\"Xã Hoằng Hóa, tỉnh Thanh Hóa\","
        "\"mother_name\":\"Lê Thị Hoa\",\"mother_birth_year\":1996,"
        "\"mother_ethnicity\":\"Kinh\",\"mother_nationality\":\"Việt Nam\","
        "\"mother_residence\":\"Phường Hạc Thành, tỉnh Thanh Hóa\","
        "\"father_name\":\"Nguyễn Văn Bình\",\"father_birth_year\":1995,"
        "\"father_ethnicity\":\"Kinh\",\"father_nationality\":\"Việt Nam\","
        "\"father_residence\":\"Phường Hạc Thành, tỉnh Thanh Hóa\","
        "\"copies_requested\":2,\"commitment\":true}",
        dob);
    if (w < 0 || (size_t)w >= sizeof p->form)
        return -1;
    p->form_len = (size_t)w;
    return 0;
}

static int prep_start(struct engine *e, struct slot *s)
{
    struct prep *p = e->ctx;
    char url[512], body[512];
    if (s->task < 0) {
        long total = p->phase == 0 ? p->ncit : p->ndrafts;
        if (p->next >= total)
            return 1;
        s->task = p->next++;
        s->step = 0;
    }
    if (p->phase == 0) {
        long i = s->task;
        /* PPP=038 Thanh Hóa, G=0 (1900s, male), YY=95, six serial digits. */
        snprintf(url, sizeof url, "%s/api/v1/auth/register", p->base);
        snprintf(body, sizeof body,
                 "{\"citizen_id\":\"038095%06ld\",\"full_name\":\"Nguyễn Văn Bình\","
                 "\"phone\":\"0912345678\",\"email\":\"cong.dan.%ld@example.vn\","
                 "\"password\":\"" PASSWORD "\"}",
                 i + 1, i + 1);
        s->cookie[0] = '\0';
        return slot_request(s, "POST", url, NULL, NULL, "application/json", body, strlen(body));
    }
    struct draft *d = &p->drafts[s->task];
    struct citizen *c = &p->cit[d->citizen];
    switch (s->step) {
    case 0:
        snprintf(url, sizeof url, "%s/api/v1/dossiers", p->base);
        snprintf(body, sizeof body, "{\"procedure_code\":\"%s\",\"unit_code\":\"%s\"}", PROCEDURE,
                 p->units[d->unit]);
        return slot_request(s, "POST", url, c->cookie, c->csrf, "application/json", body,
                            strlen(body));
    case 1:
        snprintf(url, sizeof url, "%s/api/v1/dossiers/%lld/form", p->base, d->id);
        return slot_request(s, "PUT", url, c->cookie, c->csrf, "application/json", p->form,
                            p->form_len);
    default:
        snprintf(url, sizeof url,
                 "%s/api/v1/dossiers/%lld/files/giay-chung-sinh.pdf?document=giay_chung_sinh",
                 p->base, d->id);
        return slot_request(s, "PUT", url, c->cookie, c->csrf, "application/pdf", p->pdf,
                            p->pdf_len);
    }
}

static int prep_done(struct engine *e, struct slot *s, CURLcode res)
{
    struct prep *p = e->ctx;
    long st = slot_status(s);
    if (res != CURLE_OK || st < 200 || st > 299) {
        fprintf(stderr, "client prep: phase %d task %ld step %d: %s, HTTP %ld: %.300s\n",
                p->phase, s->task, s->step, curl_easy_strerror(res), st, s->body);
        return -1;
    }
    if (p->phase == 0) {
        struct citizen *c = &p->cit[s->task];
        json_t *root = json_loads(s->body, 0, NULL);
        const char *csrf = json_string_value(json_object_get(root, "csrf_token"));
        int bad = !csrf || strlen(csrf) >= sizeof c->csrf || !s->cookie[0];
        if (!bad) {
            snprintf(c->csrf, sizeof c->csrf, "%s", csrf);
            snprintf(c->cookie, sizeof c->cookie, "%s", s->cookie);
        }
        json_decref(root);
        if (bad) {
            fprintf(stderr, "client prep: register answered without cookie or csrf_token\n");
            return -1;
        }
        s->task = -1;
        p->done++;
        return 0;
    }
    struct draft *d = &p->drafts[s->task];
    if (s->step == 0) {
        json_t *root = json_loads(s->body, 0, NULL);
        json_t *id = json_object_get(root, "id");
        d->id = json_is_integer(id) ? (long long)json_integer_value(id) : 0;
        json_decref(root);
        if (d->id <= 0) {
            fprintf(stderr, "client prep: create answered without an id\n");
            return -1;
        }
    }
    if (++s->step == 3) {
        s->task = -1;
        p->done++;
    }
    return 0;
}

static int cmd_prep(const char *base, const char *ncit_s, const char *ndrafts_s,
                    const char *conc_s, const char *out_path)
{
    long ncit, ndrafts, conc;
    struct prep *p = calloc(1, sizeof *p);
    struct engine e;
    int rc = 1;
    memset(&e, 0, sizeof e);
    if (!p || parse_int(ncit_s, 1, 100000, &ncit) || parse_int(ndrafts_s, 1, 1000000, &ndrafts) ||
        parse_int(conc_s, 1, MAX_CONC, &conc)) {
        fprintf(stderr, "%s", usage);
        free(p);
        return 2;
    }
    p->base = base;
    p->ncit = ncit;
    p->ndrafts = ndrafts;
    p->cit = calloc((size_t)ncit, sizeof *p->cit);
    p->drafts = calloc((size_t)p->ndrafts, sizeof *p->drafts);
    if (!p->cit || !p->drafts || make_pdf(p) || make_form(p)) {
        fprintf(stderr, "client prep: out of memory\n");
        goto out;
    }
    if (fetch_units(p)) {
        fprintf(stderr, "client prep: cannot list the units of procedure %s\n", PROCEDURE);
        goto out;
    }
    /* Dossier k belongs to citizen k % ncit and goes to the units in turn. */
    for (long k = 0; k < p->ndrafts; k++) {
        p->drafts[k].citizen = (int)(k % ncit);
        p->drafts[k].unit = (int)(k % p->nunits);
    }
    double t0 = now_sec();
    /* Registration hashes a password (Argon2id) on the server's small worker
     * pool: more than a few at a time only queues. */
    if (engine_open(&e, conc < 4 ? (int)conc : 4))
        goto out;
    e.start = prep_start;
    e.done = prep_done;
    e.ctx = p;
    if (engine_run(&e))
        goto out;
    engine_close(&e);
    double t1 = now_sec();
    p->phase = 1;
    p->next = 0;
    p->done = 0;
    if (engine_open(&e, (int)conc))
        goto out;
    e.start = prep_start;
    e.done = prep_done;
    e.ctx = p;
    if (engine_run(&e))
        goto out;
    double t2 = now_sec();
    FILE *f = fopen(out_path, "w");
    if (!f) {
        fprintf(stderr, "client prep: cannot write %s: %s\n", out_path, strerror(errno));
        goto out;
    }
    for (long k = 0; k < p->ndrafts; k++) {
        struct citizen *c = &p->cit[p->drafts[k].citizen];
        fprintf(f, "%s %s %lld\n", c->cookie, c->csrf, p->drafts[k].id);
    }
    if (fclose(f)) {
        fprintf(stderr, "client prep: cannot write %s\n", out_path);
        goto out;
    }
    printf("prep citizens=%ld drafts=%ld register_s=%.2f drafts_s=%.2f form_bytes=%zu "
           "pdf_bytes=%zu\n",
           ncit, p->ndrafts, t1 - t0, t2 - t1, p->form_len, p->pdf_len);
    rc = 0;
out:
    engine_close(&e);
    if (p) {
        free(p->cit);
        free(p->drafts);
    }
    free(p);
    return rc;
}

/* --- submit ----------------------------------------------------------- */

struct triple {
    char cookie[160];
    char csrf[80];
    long long id;
};

struct submit {
    const char *base;
    struct triple *t;
    long n, next;
    long ok, refused, failed;
    double *lat; /* seconds, one per finished request */
    long nlat;
};

static int submit_start(struct engine *e, struct slot *s)
{
    struct submit *b = e->ctx;
    char url[512];
    if (b->next >= b->n)
        return 1;
    struct triple *t = &b->t[b->next++];
    snprintf(url, sizeof url, "%s/api/v1/dossiers/%lld/submit", b->base, t->id);
    return slot_request(s, "POST", url, t->cookie, t->csrf, NULL, NULL, 0);
}

static int submit_done(struct engine *e, struct slot *s, CURLcode res)
{
    struct submit *b = e->ctx;
    long st = slot_status(s);
    b->lat[b->nlat++] = now_sec() - s->started;
    if (res != CURLE_OK) {
        if (b->failed++ == 0)
            fprintf(stderr, "client submit: %s\n", curl_easy_strerror(res));
    } else if (st >= 200 && st < 300) {
        b->ok++;
    } else {
        if (b->refused++ == 0)
            fprintf(stderr, "client submit: HTTP %ld: %.300s\n", st, s->body);
    }
    return 0;
}

static int read_triples(const char *path, struct submit *b)
{
    FILE *f = fopen(path, "r");
    char line[512];
    long cap = 0;
    if (!f)
        return -1;
    while (fgets(line, sizeof line, f)) {
        if (b->n == cap) {
            long nc = cap ? cap * 2 : 1024;
            struct triple *t = realloc(b->t, (size_t)nc * sizeof *t);
            if (!t) {
                fclose(f);
                return -1;
            }
            b->t = t;
            cap = nc;
        }
        struct triple *t = &b->t[b->n];
        char *c = line, *x = NULL, *id = NULL;
        line[strcspn(line, "\n")] = '\0';
        if ((x = strchr(c, ' ')))
            *x++ = '\0';
        if (x && (id = strchr(x, ' ')))
            *id++ = '\0';
        long v;
        if (!c || !x || !id || strlen(c) >= sizeof t->cookie || strlen(x) >= sizeof t->csrf ||
            parse_int(id, 1, 0x7fffffffL, &v)) {
            fclose(f);
            return -1;
        }
        snprintf(t->cookie, sizeof t->cookie, "%s", c);
        snprintf(t->csrf, sizeof t->csrf, "%s", x);
        t->id = v;
        b->n++;
    }
    fclose(f);
    return b->n > 0 ? 0 : -1;
}

static int cmd_submit(const char *base, const char *in, const char *conc_s)
{
    long conc;
    struct submit b;
    struct engine e;
    int rc = 1;
    memset(&b, 0, sizeof b);
    memset(&e, 0, sizeof e);
    if (parse_int(conc_s, 1, MAX_CONC, &conc)) {
        fprintf(stderr, "%s", usage);
        return 2;
    }
    b.base = base;
    if (read_triples(in, &b)) {
        fprintf(stderr, "client submit: cannot read %s\n", in);
        goto out;
    }
    b.lat = calloc((size_t)b.n, sizeof *b.lat);
    if (!b.lat || engine_open(&e, (int)conc))
        goto out;
    e.start = submit_start;
    e.done = submit_done;
    e.ctx = &b;
    double t0 = now_sec();
    if (engine_run(&e))
        goto out;
    double secs = now_sec() - t0;
    qsort(b.lat, (size_t)b.nlat, sizeof *b.lat, cmp_double);
    double p50 = b.nlat ? b.lat[b.nlat / 2] : 0;
    double p99 = b.nlat ? b.lat[(b.nlat * 99) / 100 < b.nlat ? (b.nlat * 99) / 100 : b.nlat - 1]
                        : 0;
    printf("submit requests=%ld ok=%ld refused=%ld failed=%ld conc=%ld seconds=%.3f rate=%.1f "
           "p50_ms=%.2f p99_ms=%.2f\n",
           b.n, b.ok, b.refused, b.failed, conc, secs, secs > 0 ? (double)b.ok / secs : 0.0,
           p50 * 1e3, p99 * 1e3);
    rc = 0;
out:
    engine_close(&e);
    free(b.t);
    free(b.lat);
    return rc;
}

int main(int argc, char **argv)
{
    int rc = 2;
    if (curl_global_init(CURL_GLOBAL_DEFAULT))
        return 1;
    if (argc == 2 && strcmp(argv[1], "freeport") == 0)
        rc = cmd_freeport();
    else if (argc == 4 && strcmp(argv[1], "wait") == 0)
        rc = cmd_wait(argv[2], argv[3]);
    else if (argc == 3 && strcmp(argv[1], "get") == 0)
        rc = cmd_get(argv[2]);
    else if (argc == 7 && strcmp(argv[1], "prep") == 0)
        rc = cmd_prep(argv[2], argv[3], argv[4], argv[5], argv[6]);
    else if (argc == 5 && strcmp(argv[1], "submit") == 0)
        rc = cmd_submit(argv[2], argv[3], argv[4]);
    else
        fprintf(stderr, "%s", usage);
    curl_global_cleanup();
    return rc;
}
