/* libFuzzer target for render/regprint_rows_parse, the reader of the rows
 * of a register of documents (motcua render register --rows, see
 * docs/registers.md). Input: the first byte picks the register (odd:
 * incoming, even: outgoing), the rest is the CSV text.
 *
 * Checked on every input: the answer is 0 or -1; a refusal explains itself
 * (a kind, a code, a message) and leaves the rows empty; accepted rows have
 * every column of the register (and none of the other's), each cell NUL-
 * terminated and within REGPRINT_MAX_CELL; and rows that pass the printing
 * checks, printed as CSV by regprint_csv and read back, are the same rows,
 * cell by cell (in NFC, as the CSV writes them), unless NFC made a cell
 * longer than the reader takes.
 * Build and run: see docs/architecture.md ("Fuzzing"). */
#include <glib.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "render/register_print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every field of a row, in the order of struct regprint_row. */
static void fields(const struct regprint_row *r, const char *f[14])
{
    const char *all[14] = {r->number,       r->date,           r->summary, r->signer,
                           r->recipients,   r->file_copy_to,   r->copies,  r->sent_on,
                           r->arrival_date, r->arrival_number, r->author,  r->handler,
                           r->sign,         r->note};
    memcpy(f, all, sizeof all);
}

/* Which fields of struct regprint_row a register has. */
static const int used_out[14] = {1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1};
static const int used_in[14] = {1, 1, 1, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1};

static int same_nfc(const char *printed, const char *original)
{
    char *nfc = g_utf8_normalize(original, -1, G_NORMALIZE_NFC);
    int same = nfc && strcmp(nfc, printed) == 0;

    g_free(nfc);
    return same;
}

static int nfc_too_long(const struct regprint_rows *rows, const int *used)
{
    for (size_t i = 0; i < rows->nrows; i++) {
        const char *f[14];
        fields(&rows->rows[i], f);
        for (int k = 0; k < 14; k++) {
            char *nfc = used[k] ? g_utf8_normalize(f[k], -1, G_NORMALIZE_NFC) : NULL;
            int over = nfc && strlen(nfc) > REGPRINT_MAX_CELL;
            g_free(nfc);
            if (over)
                return 1;
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct regprint_rows rows, back;
    struct derr err = {0};
    enum regprint_direction dir;
    const int *used;

    if (size < 1)
        return 0;
    dir = (data[0] & 1) ? REGPRINT_IN : REGPRINT_OUT;
    used = dir == REGPRINT_IN ? used_in : used_out;
    if (regprint_rows_parse(dir, (const char *)data + 1, size - 1, &rows, &err) != 0) {
        if ((err.kind != DERR_INVALID && err.kind != DERR_TOO_LARGE) || !err.code ||
            !err.message[0])
            abort();
        if (rows.rows || rows.text || rows.nrows)
            abort();
        derr_clear(&err);
        return 0;
    }
    if (rows.nrows > REGPRINT_MAX_ROWS)
        abort();
    for (size_t i = 0; i < rows.nrows; i++) {
        const char *f[14];
        fields(&rows.rows[i], f);
        for (int k = 0; k < 14; k++) {
            if (!used[k] != !f[k])
                abort();
            if (f[k] && strnlen(f[k], REGPRINT_MAX_CELL + 1) > REGPRINT_MAX_CELL)
                abort();
        }
    }

    struct regprint_register r = {.direction = dir, .unit_name = "UBND xã A", .year = 2026,
                                  .rows = rows.rows, .nrows = rows.nrows};
    char *csv = NULL;
    size_t len = 0;
    if (regprint_csv(&r, &csv, &len, &err) == 0) {
        if (regprint_rows_parse(dir, csv, len, &back, &err) != 0) {
            /* Only a cell that NFC made longer than the limit (U+0344 is two
             * bytes, its NFC four) may keep the printed CSV from reading back. */
            if (strcmp(err.code, "cell_too_long") != 0 || !nfc_too_long(&rows, used))
                abort();
            free(csv);
            derr_clear(&err);
            regprint_rows_free(&rows);
            return 0;
        }
        if (back.nrows != rows.nrows)
            abort();
        for (size_t i = 0; i < rows.nrows; i++) {
            const char *a[14], *b[14];
            fields(&rows.rows[i], a);
            fields(&back.rows[i], b);
            for (int k = 0; k < 14; k++)
                if (used[k] && !same_nfc(b[k], a[k]))
                    abort();
        }
        regprint_rows_free(&back);
        free(csv);
    } else if (err.kind != DERR_INVALID || csv || len) {
        /* The only refusal of parsed rows: a control character in a cell. */
        abort();
    }
    derr_clear(&err);
    regprint_rows_free(&rows);
    return 0;
}
