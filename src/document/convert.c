/* convert: DOCX to PDF through LibreOffice headless (document/convert.h). */
#include "document/convert.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/log.h"
#include "base/util.h"

#define POLL_MS 20

static _Atomic int running;

int convert_slot_take(void)
{
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    int limit = cpus > 2 ? (int)cpus - 1 : 1;
    if (atomic_fetch_add(&running, 1) < limit)
        return 1;
    atomic_fetch_sub(&running, 1);
    return 0;
}

void convert_slot_release(void)
{
    atomic_fetch_sub(&running, 1);
}

int convert_is_docx(const unsigned char *data, size_t len)
{
    return len >= 4 && memcmp(data, "PK\x03\x04", 4) == 0;
}

static int fail(struct derr *err, const char *why)
{
    log_warn("convert: %s: %s", why, strerror(errno));
    return derr_set(err, DERR_INTERNAL, "internal", "Lỗi hệ thống khi chuyển đổi tệp Word.", "");
}

static int write_file(const char *path, const unsigned char *p, size_t n)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            close(fd);
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return close(fd);
}

/* The whole of path, at most max bytes (0: any). Returns 0 with *out, 1
 * when it is larger, -1 when it cannot be read (missing). */
static int read_file(const char *path, size_t max, unsigned char **out, size_t *len)
{
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    *out = NULL;
    if (fd < 0)
        return -1;
    if (fstat(fd, &sb) || !S_ISREG(sb.st_mode) || sb.st_size <= 0) {
        close(fd);
        return -1;
    }
    if (max && (size_t)sb.st_size > max) {
        close(fd);
        return 1;
    }
    size_t n = (size_t)sb.st_size, got = 0;
    unsigned char *buf = malloc(n);
    while (buf && got < n) {
        ssize_t r = read(fd, buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);
    if (!buf || got != n) {
        free(buf);
        return -1;
    }
    *out = buf;
    *len = n;
    return 0;
}

static int remove_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    remove(path);
    return 0;
}

/* The program's path: as given when it has a '/', else the first
 * executable of that name in PATH. Returns 0 or -1. */
static int find_program(const char *name, char *out, size_t cap)
{
    if (strchr(name, '/'))
        return copy_str(out, cap, name) == 0 && access(out, X_OK) == 0 ? 0 : -1;
    const char *path = getenv("PATH");
    if (!path || !path[0])
        path = "/usr/local/bin:/usr/bin:/bin";
    while (*path) {
        size_t n = strcspn(path, ":");
        int w = snprintf(out, cap, "%.*s/%s", (int)n, path, name);
        if (n && w > 0 && (size_t)w < cap && access(out, X_OK) == 0)
            return 0;
        path += n;
        if (*path == ':')
            path++;
    }
    return -1;
}

/* In the child, between fork and exec: only async-signal-safe calls. Its
 * own process group (killed whole on the time limit), the signal mask the
 * pool's thread had cleared, no network where the kernel gives a private
 * network namespace (as root directly, else inside a user namespace; the
 * conversion works the same without, so a refusal is not fatal), standard
 * streams to /dev/null, every other descriptor closed. */
static void child(const char *prog, char *const argv[], char *const envp[])
{
    sigset_t none;
    setpgid(0, 0);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGPIPE, SIG_DFL);
    if (unshare(CLONE_NEWNET) != 0)
        (void)unshare(CLONE_NEWUSER | CLONE_NEWNET);
    int fd = open("/dev/null", O_RDWR);
    if (fd >= 0) {
        dup2(fd, 0);
        dup2(fd, 1);
        dup2(fd, 2);
        if (fd > 2)
            close(fd);
    }
    /* Nothing of the server's (its sockets, the database) goes with it. */
    if (close_range(3, ~0U, 0) != 0)
        for (int i = 3; i < 4096; i++)
            close(i);
    execve(prog, argv, envp);
    _exit(127);
}

/* Runs argv until it exits or timeout_ms pass. Returns 0 (exited; *status
 * its wait status), 1 (timed out: the group killed), or -1 (no process). */
static int run(const char *prog, char *const argv[], char *const envp[], int timeout_ms,
               int *status)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0)
        child(prog, argv, envp);
    /* Also here, so the group exists before any kill below. */
    setpgid(pid, pid);
    int64_t deadline = now_usec() + (int64_t)timeout_ms * 1000;
    int timed_out = 0;
    for (;;) {
        pid_t w = waitpid(pid, status, WNOHANG);
        if (w == pid)
            break;
        if (w < 0 && errno != EINTR)
            return -1;
        if (now_usec() >= deadline) {
            kill(-pid, SIGKILL);
            while (waitpid(pid, status, 0) < 0 && errno == EINTR)
                ;
            timed_out = 1;
            break;
        }
        struct timespec ts = {0, POLL_MS * 1000000L};
        nanosleep(&ts, NULL);
    }
    /* LibreOffice's launcher may leave a helper behind in the group. */
    kill(-pid, SIGKILL);
    return timed_out;
}

int convert_docx_to_pdf(const unsigned char *docx, size_t len, const struct convert_opts *o,
                        unsigned char **pdf, size_t *pdf_len, struct derr *err)
{
    struct convert_opts d = {0};
    char dir[512], in[600], out_dir[600], out[640], profile[640], home[600], tmp[600];
    char prog[512];
    int rc = -1, status = 0;
    if (!o)
        o = &d;
    *pdf = NULL;
    *pdf_len = 0;
    if (find_program(o->program ? o->program : CONVERT_SOFFICE, prog, sizeof prog)) {
        log_warn("convert: %s not found (install libreoffice-writer-nogui)",
                 o->program ? o->program : CONVERT_SOFFICE);
        return derr_set(err, DERR_INTERNAL, "converter_missing",
                        "Máy chủ chưa cài công cụ chuyển đổi tệp Word; hãy tải lên bản PDF.", "");
    }
    const char *base = o->tmp_dir ? o->tmp_dir : getenv("TMPDIR");
    if (!base || !base[0])
        base = "/tmp";
    if (snprintf(dir, sizeof dir, "%s/motcua-convert-XXXXXX", base) >= (int)sizeof dir)
        return fail(err, "temporary directory name too long");
    if (!mkdtemp(dir))
        return fail(err, "cannot make the temporary directory");
    snprintf(in, sizeof in, "%s/body.docx", dir);
    snprintf(out_dir, sizeof out_dir, "%s/out", dir);
    snprintf(out, sizeof out, "%s/out/body.pdf", dir);
    /* A URL: mkdtemp's letters and the base directory need no escaping
     * for LibreOffice as long as the base has no space or '%'. */
    snprintf(profile, sizeof profile, "-env:UserInstallation=file://%s/profile", dir);
    snprintf(home, sizeof home, "HOME=%s", dir);
    snprintf(tmp, sizeof tmp, "TMPDIR=%s", dir);
    if (strpbrk(dir, " %") || write_file(in, docx, len) || mkdir(out_dir, 0700)) {
        fail(err, "cannot prepare the conversion");
        goto done;
    }
    char *argv[] = {prog,        "--headless", "--norestore", "--nologo", "--nolockcheck",
                    "--nodefault", profile,    "--convert-to", "pdf",     "--outdir",
                    out_dir,     in,           NULL};
    /* A clean environment: no proxy, no display, nothing of the server's. */
    char *envp[] = {"PATH=/usr/local/bin:/usr/bin:/bin", home, tmp, "LANG=C.UTF-8", NULL};
    int timeout = o->timeout_ms > 0 ? o->timeout_ms : CONVERT_TIMEOUT_MS;
    int64_t started = now_usec();
    int ran = run(prog, argv, envp, timeout, &status);
    if (ran < 0) {
        fail(err, "cannot start the converter");
        goto done;
    }
    if (ran == 1) {
        log_warn("convert: %s killed after %d ms", prog, timeout);
        derr_set(err, DERR_INVALID, "convert_timeout",
                 "Chuyển đổi tệp Word sang PDF quá thời gian cho phép; hãy tải lên bản PDF.", "");
        goto done;
    }
    int got = read_file(out, o->max_out, pdf, pdf_len);
    if (got == 1) {
        derr_set(err, DERR_TOO_LARGE, "converted_too_large",
                 "Bản PDF chuyển từ tệp Word quá lớn.", "");
        goto done;
    }
    if (got < 0 || *pdf_len < 5 || memcmp(*pdf, "%PDF-", 5) != 0) {
        log_info("convert: no PDF from %s (exit status %d)", prog, status);
        free(*pdf);
        *pdf = NULL;
        *pdf_len = 0;
        derr_set(err, DERR_INVALID, "convert_failed",
                 "Không chuyển được tệp Word sang PDF (tệp hỏng hoặc có mật khẩu).", "");
        goto done;
    }
    log_info("convert: %zu bytes of DOCX to %zu bytes of PDF in %lld ms", len, *pdf_len,
             (long long)((now_usec() - started) / 1000));
    rc = 0;
done:
    nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    return rc;
}
