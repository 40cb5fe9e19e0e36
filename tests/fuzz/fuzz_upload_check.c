/* libFuzzer target for dossier/filestore: filestore_check_upload with any
 * file name, declared Content-Type and first bytes, its verdict checked
 * against the rules written out again here.
 * Input: the name, a NUL, the declared type, a NUL, then the file's bytes
 * (a missing NUL means no declared type). The size is the bytes' length,
 * or past the limit when the first byte of the name is '~'. */
#include <assert.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "dossier/filestore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n > k && strcasecmp(s + n - k, suffix) == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char name[256], declared[256];
    const uint8_t *p = data, *end = data + size, *nul;
    const char *sniffed = (const char *)1, *why = (const char *)1, *type = NULL;
    size_t n, file_size;
    int have_type = 0;

    nul = memchr(p, 0, (size_t)(end - p));
    n = (size_t)((nul ? nul : end) - p);
    if (n >= sizeof name)
        return 0;
    memcpy(name, p, n);
    name[n] = '\0';
    p = nul ? nul + 1 : end;
    declared[0] = '\0';
    if (p < end && (nul = memchr(p, 0, (size_t)(end - p)))) {
        n = (size_t)(nul - p);
        if (n >= sizeof declared)
            return 0;
        memcpy(declared, p, n);
        declared[n] = '\0';
        have_type = 1;
        p = nul + 1;
    }
    file_size = (size_t)(end - p);
    if (name[0] == '~')
        file_size += FILESTORE_MAX_BYTES;

    enum filestore_verdict v = filestore_check_upload(
        name, have_type ? declared : NULL, p, (size_t)(end - p), file_size, &sniffed, &why);
    assert(v >= FILESTORE_OK && v <= FILESTORE_EXT_MISMATCH);
    if (v != FILESTORE_OK) {
        assert(sniffed == NULL);
        assert(why != NULL && why[0] != '\0');
    }
    if (!filestore_name_valid(name)) {
        assert(v == FILESTORE_BAD_NAME);
        return 0;
    }
    assert(v != FILESTORE_BAD_NAME);
    if (file_size > FILESTORE_MAX_BYTES) {
        assert(v == FILESTORE_TOO_LARGE);
        return 0;
    }
    if (file_size == 0) {
        assert(v == FILESTORE_EMPTY);
        return 0;
    }
    /* The content's type, by its magic bytes. */
    if (file_size >= 5 && memcmp(p, "%PDF-", 5) == 0)
        type = "application/pdf";
    else if (file_size >= 8 && memcmp(p, "\x89PNG\r\n\x1a\n", 8) == 0)
        type = "image/png";
    else if (file_size >= 3 && p[0] == 0xFF && p[1] == 0xD8 && p[2] == 0xFF)
        type = "image/jpeg";
    if (!type || !have_type) {
        assert(v == FILESTORE_BAD_TYPE);
        return 0;
    }
    size_t tl = strlen(type);
    int declared_ok = strncasecmp(declared, type, tl) == 0 &&
                      (declared[tl] == '\0' || declared[tl] == ';' || declared[tl] == ' ');
    if (!declared_ok) {
        assert(v == FILESTORE_BAD_TYPE);
        return 0;
    }
    int ext_ok = strcmp(type, "application/pdf") == 0 ? ends_with(name, ".pdf")
                 : strcmp(type, "image/png") == 0
                     ? ends_with(name, ".png")
                     : ends_with(name, ".jpg") || ends_with(name, ".jpeg");
    if (!ext_ok) {
        assert(v == FILESTORE_EXT_MISMATCH);
        return 0;
    }
    assert(v == FILESTORE_OK);
    assert(sniffed != NULL && strcmp(sniffed, type) == 0);
    assert(why == NULL);
    return 0;
}
