/* Tests for document/convert: the run of the converter around the program,
 * with stand-in programs (shell scripts) so that every outcome can be made
 * to happen: a PDF written where LibreOffice writes it, none, one too
 * large, a program that never ends (killed with its children at the time
 * limit), a missing program; the environment the program gets; nothing
 * left in the temporary directory. The real LibreOffice conversion is in
 * tests/api/document-bodies.test.mjs. */
#include "document/convert.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness.h"

static char dir[256];     /* the test's own directory */
static char runs[300];    /* where the converter makes its runs' directories */

/* Writes an executable shell script dir/name. Returns its path (static:
 * the next call overwrites it). */
static const char *script(const char *name, const char *body)
{
    static char path[400];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    CHECK(f != NULL);
    fprintf(f, "#!/bin/sh\n%s", body);
    fclose(f);
    chmod(path, 0755);
    return path;
}

/* The number of entries in runs (not counting . and ..). */
static int entries(void)
{
    int n = 0;
    struct dirent *e;
    DIR *d = opendir(runs);
    CHECK(d != NULL);
    while (d && (e = readdir(d)) != NULL)
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    if (d)
        closedir(d);
    return n;
}

/* Writes the PDF where the converter looks for it: DIR/out/body.pdf, DIR
 * the argument after --outdir; then the environment it was given. */
#define WRITE_PDF                                                                                  \
    "out=''\n"                                                                                     \
    "while [ $# -gt 0 ]; do [ \"$1\" = --outdir ] && out=\"$2\"; shift; done\n"                  \
    "printf '%%PDF-1.4\\n' > \"$out/body.pdf\"\n"                                                  \
    "env >> \"$out/body.pdf\"\n"

static const unsigned char DOCX[] = "PK\x03\x04 a DOCX for the stand-ins";

TEST(is_docx)
{
    CHECK(convert_is_docx((const unsigned char *)"PK\x03\x04rest", 8));
    CHECK(!convert_is_docx((const unsigned char *)"%PDF-1.4", 8));
    CHECK(!convert_is_docx((const unsigned char *)"PK", 2));
}

TEST(pdf_written_and_clean_environment)
{
    struct convert_opts o = {.program = script("ok.sh", WRITE_PDF), .tmp_dir = runs};
    struct derr err = {0};
    unsigned char *pdf = NULL;
    size_t len = 0;
    setenv("MOTCUA_TEST_SECRET", "khong-duoc-lo", 1);
    CHECK_EQ_INT(convert_docx_to_pdf(DOCX, sizeof DOCX - 1, &o, &pdf, &len, &err), 0);
    CHECK(pdf != NULL && len > 9 && memcmp(pdf, "%PDF-1.4\n", 9) == 0);
    char *text = pdf ? strndup((const char *)pdf, len) : NULL;
    /* The server's environment stays with the server; HOME is the run's own. */
    CHECK(text && strstr(text, "MOTCUA_TEST_SECRET") == NULL);
    CHECK(text && strstr(text, "HOME=") != NULL && strstr(text, "/motcua-convert-") != NULL);
    CHECK(text && strstr(text, "LANG=C.UTF-8") != NULL);
    free(text);
    free(pdf);
    unsetenv("MOTCUA_TEST_SECRET");
    CHECK_EQ_INT(entries(), 0);
}

TEST(too_large)
{
    struct convert_opts o = {.program = script("ok2.sh", WRITE_PDF), .tmp_dir = runs,
                             .max_out = 8};
    struct derr err = {0};
    unsigned char *pdf = (unsigned char *)"x";
    size_t len = 1;
    CHECK_EQ_INT(convert_docx_to_pdf(DOCX, sizeof DOCX - 1, &o, &pdf, &len, &err), -1);
    CHECK_EQ_INT(err.kind, DERR_TOO_LARGE);
    CHECK_EQ_STR(err.code, "converted_too_large");
    CHECK(pdf == NULL && len == 0);
    CHECK_EQ_INT(entries(), 0);
}

TEST(no_pdf)
{
    struct derr err = {0};
    unsigned char *pdf;
    size_t len;
    /* Exits 0 without a PDF, as LibreOffice does with a file it cannot read;
     * and a file that is not a PDF in its place. */
    char *progs[2];
    progs[0] = strdup(script("none.sh", "exit 0\n"));
    progs[1] = strdup(script("text.sh", "out=''\n"
                                        "while [ $# -gt 0 ]; do [ \"$1\" = --outdir ] &&"
                                        " out=\"$2\"; shift; done\n"
                                        "echo 'not a pdf' > \"$out/body.pdf\"\n"));
    for (size_t i = 0; i < 2; i++) {
        struct convert_opts o = {.program = progs[i], .tmp_dir = runs};
        derr_clear(&err);
        CHECK_EQ_INT(convert_docx_to_pdf(DOCX, sizeof DOCX - 1, &o, &pdf, &len, &err), -1);
        CHECK_EQ_INT(err.kind, DERR_INVALID);
        CHECK_EQ_STR(err.code, "convert_failed");
        CHECK(pdf == NULL);
        free(progs[i]);
    }
    CHECK_EQ_INT(entries(), 0);
}

/* Is process pid gone (or a zombie, waiting for whoever adopted it)? */
static int gone(long pid)
{
    char path[64], buf[256];
    snprintf(path, sizeof path, "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 1;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *p = strrchr(buf, ')');
    return p && p[1] == ' ' && (p[2] == 'Z' || p[2] == 'X');
}

TEST(killed_at_the_time_limit)
{
    char body[600], pidfile[300];
    snprintf(pidfile, sizeof pidfile, "%s/child.pid", dir);
    /* The program starts a child of its own and waits: both must go. */
    snprintf(body, sizeof body, "sleep 60 &\necho $! > '%s'\nwait\n", pidfile);
    struct convert_opts o = {.program = script("slow.sh", body), .tmp_dir = runs,
                             .timeout_ms = 300};
    struct derr err = {0};
    unsigned char *pdf;
    size_t len;
    CHECK_EQ_INT(convert_docx_to_pdf(DOCX, sizeof DOCX - 1, &o, &pdf, &len, &err), -1);
    CHECK_EQ_INT(err.kind, DERR_INVALID);
    CHECK_EQ_STR(err.code, "convert_timeout");
    CHECK(pdf == NULL);
    FILE *f = fopen(pidfile, "r");
    long child = 0;
    CHECK(f != NULL);
    if (f) {
        CHECK(fscanf(f, "%ld", &child) == 1);
        fclose(f);
    }
    /* SIGKILL is delivered before kill() returns for a process that is
     * not blocked in the kernel uninterruptibly; give it a moment to die. */
    for (int i = 0; i < 100 && child > 0 && !gone(child); i++)
        usleep(20000);
    CHECK(child > 0 && gone(child));
    CHECK_EQ_INT(entries(), 0);
}

TEST(missing_program)
{
    char path[400];
    snprintf(path, sizeof path, "%s/no-such-soffice", dir);
    struct convert_opts o = {.program = path, .tmp_dir = runs};
    struct derr err = {0};
    unsigned char *pdf;
    size_t len;
    CHECK_EQ_INT(convert_docx_to_pdf(DOCX, sizeof DOCX - 1, &o, &pdf, &len, &err), -1);
    CHECK_EQ_INT(err.kind, DERR_INTERNAL);
    CHECK_EQ_STR(err.code, "converter_missing");
    o.program = "motcua-no-such-converter";
    derr_clear(&err);
    CHECK_EQ_INT(convert_docx_to_pdf(DOCX, sizeof DOCX - 1, &o, &pdf, &len, &err), -1);
    CHECK_EQ_STR(err.code, "converter_missing");
    CHECK_EQ_INT(entries(), 0);
}

TEST(slots)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int expect = cpus > 2 ? (int)cpus - 1 : 1, n = 0;
    while (n < 1000 && convert_slot_take())
        n++;
    CHECK_EQ_INT(n, expect);
    CHECK_EQ_INT(convert_slot_take(), 0);
    convert_slot_release();
    CHECK_EQ_INT(convert_slot_take(), 1);
    for (int i = 0; i < n; i++)
        convert_slot_release();
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/motcua-test-convert-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    snprintf(runs, sizeof runs, "%s/runs", dir);
    mkdir(runs, 0700);
    RUN(is_docx);
    RUN(pdf_written_and_clean_environment);
    RUN(too_large);
    RUN(no_pdf);
    RUN(killed_at_the_time_limit);
    RUN(missing_program);
    RUN(slots);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return harness_done();
}
