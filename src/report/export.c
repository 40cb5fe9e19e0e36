/* export: CSV and XLSX of a report. */
#include "report/export.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "base/dynbuf.h"
#include "calendar/calendar.h"
#include "report/report.h"

/* --- the table's columns, shared by CSV and XLSX ------------------------------- */

enum col_kind { COUNT, RATE };

struct col {
    const char *group;   /* the upper header in the workbook */
    const char *sub;     /* the lower header */
    const char *csv;     /* the CSV header */
    enum col_kind kind;
};

static const struct col cols[] = {
    {"Hồ sơ tiếp nhận", "Tổng số", "Tiếp nhận", COUNT},
    {"Hồ sơ tiếp nhận", "Trực tuyến", "Tiếp nhận trực tuyến", COUNT},
    {"Hồ sơ tiếp nhận", "Trực tiếp", "Tiếp nhận trực tiếp", COUNT},
    {"Hồ sơ tiếp nhận", "Bưu chính", "Tiếp nhận qua bưu chính", COUNT},
    {"Hồ sơ tiếp nhận", "Tỷ lệ trực tuyến", "Tỷ lệ tiếp nhận trực tuyến (%)", RATE},
    {"Hồ sơ đã giải quyết", "Tổng số", "Đã giải quyết", COUNT},
    {"Hồ sơ đã giải quyết", "Trước hạn", "Giải quyết trước hạn", COUNT},
    {"Hồ sơ đã giải quyết", "Đúng hạn", "Giải quyết đúng hạn", COUNT},
    {"Hồ sơ đã giải quyết", "Quá hạn", "Giải quyết quá hạn", COUNT},
    {"Hồ sơ đã giải quyết", "Tỷ lệ trước hạn, đúng hạn", "Tỷ lệ trước hạn và đúng hạn (%)",
     RATE},
    {"Hồ sơ khác", "Từ chối tiếp nhận", "Từ chối tiếp nhận", COUNT},
    {"Hồ sơ khác", "Rút hồ sơ", "Rút hồ sơ", COUNT},
    {"Hồ sơ khác", "Dừng xử lý", "Dừng xử lý", COUNT},
    {"Hồ sơ khác", "Đã trả kết quả", "Đã trả kết quả", COUNT},
    {"Đang giải quyết", "Tổng số", "Đang giải quyết", COUNT},
    {"Đang giải quyết", "Quá hạn", "Đang giải quyết quá hạn", COUNT},
    {"Đánh giá của người dân", "Lượt đánh giá", "Lượt đánh giá", COUNT},
    {"Đánh giá của người dân", "Rất hài lòng", "Rất hài lòng", COUNT},
    {"Đánh giá của người dân", "Hài lòng", "Hài lòng", COUNT},
    {"Đánh giá của người dân", "Không hài lòng", "Không hài lòng", COUNT},
    {"Đánh giá của người dân", "Tỷ lệ hài lòng", "Tỷ lệ hài lòng (%)", RATE},
    {"Phí, lệ phí đã nộp", "Số khoản", "Khoản phí đã nộp", COUNT},
    {"Phí, lệ phí đã nộp", "Trực tuyến", "Nộp phí trực tuyến", COUNT},
    {"Phí, lệ phí đã nộp", "Tỷ lệ trực tuyến", "Tỷ lệ nộp phí trực tuyến (%)", RATE},
};
#define NCOLS (sizeof cols / sizeof cols[0])

/* The values of a row in column order; rates are fractions, -1 for none. */
static void row_values(const struct report_figs *g, double v[NCOLS])
{
    int64_t recv = g->f[STAT_RECEIVED], online = report_received_by(g, STAT_CH_ONLINE);
    int64_t handled = report_handled(g);
    double all[] = {
        (double)recv,
        (double)online,
        (double)report_received_by(g, STAT_CH_DESK),
        (double)report_received_by(g, STAT_CH_POST),
        report_rate(online, recv),
        (double)handled,
        (double)g->f[STAT_EARLY],
        (double)g->f[STAT_ON_TIME],
        (double)g->f[STAT_LATE],
        report_rate(g->f[STAT_EARLY] + g->f[STAT_ON_TIME], handled),
        (double)g->f[STAT_REFUSED],
        (double)g->f[STAT_WITHDRAWN],
        (double)g->f[STAT_STOPPED],
        (double)g->f[STAT_RETURNED],
        (double)g->pending,
        (double)g->overdue,
        (double)report_ratings(g),
        (double)g->f[STAT_RATED_VERY],
        (double)g->f[STAT_RATED_OK],
        (double)g->f[STAT_RATED_NOT],
        report_rate(report_satisfied(g), report_ratings(g)),
        (double)(g->f[STAT_PAID_ONLINE] + g->f[STAT_PAID_DESK]),
        (double)g->f[STAT_PAID_ONLINE],
        report_rate(g->f[STAT_PAID_ONLINE], g->f[STAT_PAID_ONLINE] + g->f[STAT_PAID_DESK]),
    };
    _Static_assert(sizeof all / sizeof all[0] == NCOLS, "one value per column");
    memcpy(v, all, sizeof all);
}

static void own_name(const struct report *r, const struct report_row *row, char *buf, size_t cap)
{
    if (r->nrows > 1)
        snprintf(buf, cap, "%s (hồ sơ tiếp nhận tại đơn vị)", row->name);
    else
        snprintf(buf, cap, "%s", row->name);
}

void report_file_name(const struct report *r, const char *ext, char *buf, size_t cap)
{
    char from[16], to[16];
    report_format_ymd(r->from_ymd, from, sizeof from);
    report_format_ymd(r->to_ymd, to, sizeof to);
    snprintf(buf, cap, "bao-cao-%s-%s-%s.%s", r->unit.code, from, to, ext);
}

/* "dd/mm/yyyy" of yyyymmdd. */
static void vn_date(int ymd, char *buf, size_t cap)
{
    snprintf(buf, cap, "%02d/%02d/%04d", ymd % 100, ymd / 100 % 100, ymd / 10000);
}

/* --- CSV -------------------------------------------------------------------------- */

/* A report has one row per unit below the one asked for: far below this. */
#define CSV_MAX (32 * 1024 * 1024)

static void field(struct dynbuf *b, const char *s, int first)
{
    if (!first)
        dynbuf_adds(b, ",");
    if (strpbrk(s, ",\"\r\n")) {
        dynbuf_adds(b, "\"");
        for (const char *q = s; *q; q++) /* a quote is doubled */
            dynbuf_add(b, *q == '"' ? "\"\"" : q, *q == '"' ? 2 : 1);
        dynbuf_adds(b, "\"");
    } else {
        dynbuf_adds(b, s);
    }
}

static void fieldf(struct dynbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void fieldf(struct dynbuf *b, const char *fmt, ...)
{
    char tmp[64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    field(b, tmp, 0);
}

static void csv_row(struct dynbuf *b, const char *code, const char *name, const struct report_figs *g)
{
    double v[NCOLS];
    row_values(g, v);
    field(b, code, 1);
    field(b, name, 0);
    for (size_t i = 0; i < NCOLS; i++) {
        if (cols[i].kind == COUNT)
            fieldf(b, "%lld", (long long)v[i]);
        else if (v[i] < 0)
            field(b, "", 0);
        else
            fieldf(b, "%.2f", v[i] * 100.0);
    }
    dynbuf_adds(b, "\r\n");
}

int report_csv(const struct report *r, char **out, size_t *len)
{
    struct dynbuf b;
    dynbuf_init(&b, CSV_MAX);
    dynbuf_adds(&b, "\xEF\xBB\xBF");
    field(&b, "Mã đơn vị", 1);
    field(&b, "Tên đơn vị", 0);
    for (size_t i = 0; i < NCOLS; i++)
        field(&b, cols[i].csv, 0);
    dynbuf_adds(&b, "\r\n");
    for (size_t i = 0; i < r->nrows; i++) {
        char name[320];
        if (r->rows[i].own)
            own_name(r, &r->rows[i], name, sizeof name);
        else
            snprintf(name, sizeof name, "%s", r->rows[i].name);
        csv_row(&b, r->rows[i].code, name, &r->rows[i].figs);
    }
    csv_row(&b, "", "Tổng cộng", &r->total);
    *out = dynbuf_take(&b, len);
    return *out ? 0 : -1;
}

/* --- XLSX ------------------------------------------------------------------------- */

struct formats {
    lxw_format *plain, *bold_center, *motto, *title, *subtitle, *note, *head, *cell_text,
        *cell_center, *cell_count, *cell_rate, *total_text, *total_count, *total_rate, *indent,
        *warn;
};

static lxw_format *fmt(lxw_workbook *wb, int bold, int size, int border)
{
    lxw_format *f = workbook_add_format(wb);
    format_set_font_name(f, "Times New Roman");
    format_set_font_size(f, size);
    if (bold)
        format_set_bold(f);
    if (border)
        format_set_border(f, LXW_BORDER_THIN);
    format_set_align(f, LXW_ALIGN_VERTICAL_CENTER);
    return f;
}

static void make_formats(lxw_workbook *wb, struct formats *f)
{
    f->plain = fmt(wb, 0, 12, 0);
    f->bold_center = fmt(wb, 1, 12, 0);
    format_set_align(f->bold_center, LXW_ALIGN_CENTER);
    format_set_text_wrap(f->bold_center);
    f->motto = fmt(wb, 1, 12, 0);
    format_set_align(f->motto, LXW_ALIGN_CENTER);
    format_set_underline(f->motto, LXW_UNDERLINE_SINGLE);
    f->title = fmt(wb, 1, 14, 0);
    format_set_align(f->title, LXW_ALIGN_CENTER);
    f->subtitle = fmt(wb, 0, 12, 0);
    format_set_italic(f->subtitle);
    format_set_align(f->subtitle, LXW_ALIGN_CENTER);
    f->note = fmt(wb, 0, 11, 0);
    format_set_italic(f->note);
    f->warn = fmt(wb, 1, 11, 0);
    format_set_font_color(f->warn, 0x9C0006);
    f->head = fmt(wb, 1, 11, 1);
    format_set_align(f->head, LXW_ALIGN_CENTER);
    format_set_text_wrap(f->head);
    format_set_bg_color(f->head, 0xDDEBF7);
    f->cell_text = fmt(wb, 0, 12, 1);
    format_set_text_wrap(f->cell_text);
    f->indent = fmt(wb, 0, 12, 1);
    format_set_indent(f->indent, 2);
    format_set_text_wrap(f->indent);
    f->cell_center = fmt(wb, 0, 12, 1);
    format_set_align(f->cell_center, LXW_ALIGN_CENTER);
    f->cell_count = fmt(wb, 0, 12, 1);
    format_set_num_format(f->cell_count, "#,##0");
    f->cell_rate = fmt(wb, 0, 12, 1);
    format_set_num_format(f->cell_rate, "0.00%");
    f->total_text = fmt(wb, 1, 12, 1);
    format_set_bg_color(f->total_text, 0xF2F2F2);
    f->total_count = fmt(wb, 1, 12, 1);
    format_set_num_format(f->total_count, "#,##0");
    format_set_bg_color(f->total_count, 0xF2F2F2);
    f->total_rate = fmt(wb, 1, 12, 1);
    format_set_num_format(f->total_rate, "0.00%");
    format_set_bg_color(f->total_rate, 0xF2F2F2);
}

/* The heading of every sheet: agency and national motto, title, unit,
 * period, as-of time. Returns the next free row. */
static lxw_row_t heading(lxw_worksheet *ws, const struct report *r, const struct formats *f,
                         const char *title, lxw_col_t last_col)
{
    char line[600], d1[16], d2[16], asof[CAL_LOCAL_LEN];
    lxw_col_t left_end = last_col >= 6 ? 2 : 1, right_start = left_end + 1;
    worksheet_merge_range(ws, 0, 0, 1, left_end, r->unit.name, f->bold_center);
    worksheet_merge_range(ws, 0, right_start, 0, last_col, "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
                          f->bold_center);
    worksheet_merge_range(ws, 1, right_start, 1, last_col, "Độc lập - Tự do - Hạnh phúc",
                          f->motto);
    worksheet_set_row(ws, 0, 32, NULL);
    worksheet_merge_range(ws, 3, 0, 3, last_col, title, f->title);
    worksheet_set_row(ws, 3, 22, NULL);
    snprintf(line, sizeof line, "Đơn vị: %s (mã %s) và các đơn vị trực thuộc", r->unit.name,
             r->unit.code);
    worksheet_merge_range(ws, 4, 0, 4, last_col, line, f->subtitle);
    vn_date(r->from_ymd, d1, sizeof d1);
    vn_date(r->to_ymd, d2, sizeof d2);
    snprintf(line, sizeof line, "Kỳ báo cáo: từ ngày %s đến ngày %s", d1, d2);
    worksheet_merge_range(ws, 5, 0, 5, last_col, line, f->subtitle);
    if (cal_format_local(r->as_of, asof, sizeof asof) < 0)
        asof[0] = '\0';
    snprintf(line, sizeof line,
             "Số hồ sơ đang giải quyết, quá hạn tính đến %s (giờ Việt Nam). Ngày theo giờ"
             " Việt Nam (UTC+7).",
             asof);
    worksheet_write_string(ws, 6, 0, line, f->note);
    lxw_row_t row = 7;
    if (r->incomplete)
        worksheet_write_string(ws, row++, 0,
                               "Lưu ý: số liệu chưa đầy đủ; quản trị cần chạy \"motcua report"
                               " rebuild\" sau khi nâng cấp.",
                               f->warn);
    return row + 1;
}

static void page_setup(lxw_worksheet *ws, lxw_row_t head_first, lxw_row_t head_last)
{
    worksheet_set_landscape(ws);
    worksheet_set_paper(ws, 9); /* A4 */
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_repeat_rows(ws, head_first, head_last);
    worksheet_set_margins(ws, 0.4, 0.4, 0.6, 0.6);
}

static void write_value(lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, enum col_kind kind,
                        double v, int total, const struct formats *f)
{
    lxw_format *fc = total ? f->total_count : f->cell_count;
    lxw_format *fr = total ? f->total_rate : f->cell_rate;
    if (kind == RATE && v < 0)
        worksheet_write_string(ws, row, col, "–", total ? f->total_text : f->cell_center);
    else
        worksheet_write_number(ws, row, col, v, kind == RATE ? fr : fc);
}

static void sheet_summary(lxw_workbook *wb, const struct report *r, const struct formats *f)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Tổng hợp");
    const struct report_figs *g = &r->total;
    lxw_row_t row = heading(ws, r, f,
                            "BÁO CÁO TÌNH HÌNH TIẾP NHẬN VÀ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH", 4);
    worksheet_set_column(ws, 0, 0, 7, NULL);
    worksheet_set_column(ws, 1, 1, 62, NULL);
    worksheet_set_column(ws, 2, 4, 16, NULL);
    lxw_row_t head = row;
    const char *heads[] = {"STT", "Chỉ tiêu", "Số hồ sơ", "Tỷ lệ", "Cách tính tỷ lệ"};
    for (lxw_col_t c = 0; c < 5; c++)
        worksheet_write_string(ws, row, c, heads[c], f->head);
    row++;
    int64_t recv = g->f[STAT_RECEIVED], handled = report_handled(g), ratings = report_ratings(g);
    int64_t paid = g->f[STAT_PAID_ONLINE] + g->f[STAT_PAID_DESK];
    struct line {
        const char *stt, *label;
        int64_t n, num, den;
        int sub, rate;
        const char *basis;
    } lines[32];
    size_t n = 0;
#define LINE(STT, LABEL, N, SUB, NUM, DEN, BASIS)                                                  \
    lines[n++] = (struct line){STT, LABEL, N, NUM, DEN, SUB, (DEN) >= 0, BASIS}
    LINE("1", "Hồ sơ tiếp nhận trong kỳ", recv, 0, 0, -1, "");
    LINE("", "Tiếp nhận trực tuyến", report_received_by(g, STAT_CH_ONLINE), 1,
         report_received_by(g, STAT_CH_ONLINE), recv, "trên tổng số tiếp nhận");
    LINE("", "Tiếp nhận trực tiếp", report_received_by(g, STAT_CH_DESK), 1,
         report_received_by(g, STAT_CH_DESK), recv, "trên tổng số tiếp nhận");
    LINE("", "Tiếp nhận qua dịch vụ bưu chính", report_received_by(g, STAT_CH_POST), 1,
         report_received_by(g, STAT_CH_POST), recv, "trên tổng số tiếp nhận");
    LINE("", "Có thành phần hồ sơ điện tử (tệp đính kèm, bản quét)", g->f[STAT_WITH_FILES], 1,
         g->f[STAT_WITH_FILES], recv, "trên tổng số tiếp nhận");
    LINE("2", "Hồ sơ đã giải quyết xong trong kỳ", handled, 0, 0, -1, "");
    LINE("", "Giải quyết trước hạn", g->f[STAT_EARLY], 1, g->f[STAT_EARLY], handled,
         "trên số đã giải quyết");
    LINE("", "Giải quyết đúng hạn", g->f[STAT_ON_TIME], 1, g->f[STAT_ON_TIME], handled,
         "trên số đã giải quyết");
    LINE("", "Giải quyết quá hạn", g->f[STAT_LATE], 1, g->f[STAT_LATE], handled,
         "trên số đã giải quyết");
    LINE("", "Trong đó: có phiếu xin lỗi và hẹn lại ngày trả", g->f[STAT_LATE_APOLOGY], 1,
         g->f[STAT_LATE_APOLOGY], g->f[STAT_LATE], "trên số giải quyết quá hạn");
    LINE("3", "Hồ sơ từ chối tiếp nhận", g->f[STAT_REFUSED], 0, 0, -1, "");
    LINE("4", "Hồ sơ công dân rút", g->f[STAT_WITHDRAWN], 0, 0, -1, "");
    LINE("5", "Hồ sơ dừng xử lý", g->f[STAT_STOPPED], 0, 0, -1, "");
    LINE("6", "Hồ sơ đã trả kết quả", g->f[STAT_RETURNED], 0, 0, -1, "");
    LINE("7", "Lượt yêu cầu bổ sung hồ sơ", g->f[STAT_SUPPLEMENTS], 0, 0, -1, "");
    LINE("8", "Hồ sơ đang giải quyết (tại thời điểm lập báo cáo)", g->pending, 0, 0, -1, "");
    LINE("", "Trong đó: đã quá hạn", g->overdue, 1, g->overdue, g->pending,
         "trên số đang giải quyết");
    LINE("9", "Lượt đánh giá của người dân, doanh nghiệp", ratings, 0, 0, -1, "");
    LINE("", "Rất hài lòng", g->f[STAT_RATED_VERY], 1, g->f[STAT_RATED_VERY], ratings,
         "trên số lượt đánh giá");
    LINE("", "Hài lòng", g->f[STAT_RATED_OK], 1, g->f[STAT_RATED_OK], ratings,
         "trên số lượt đánh giá");
    LINE("", "Không hài lòng", g->f[STAT_RATED_NOT], 1, g->f[STAT_RATED_NOT], ratings,
         "trên số lượt đánh giá");
    LINE("10", "Khoản phí, lệ phí đã nộp", paid, 0, 0, -1, "");
    LINE("", "Nộp trực tuyến (cổng thanh toán, chuyển khoản)", g->f[STAT_PAID_ONLINE], 1,
         g->f[STAT_PAID_ONLINE], paid, "trên số khoản đã nộp");
    LINE("", "Nộp tại quầy", g->f[STAT_PAID_DESK], 1, g->f[STAT_PAID_DESK], paid,
         "trên số khoản đã nộp");
#undef LINE
    for (size_t i = 0; i < n; i++, row++) {
        const struct line *l = &lines[i];
        worksheet_write_string(ws, row, 0, l->stt, f->cell_center);
        worksheet_write_string(ws, row, 1, l->label, l->sub ? f->indent : f->total_text);
        worksheet_write_number(ws, row, 2, (double)l->n, l->sub ? f->cell_count : f->total_count);
        if (l->rate)
            write_value(ws, row, 3, RATE, report_rate(l->num, l->den), 0, f);
        else
            worksheet_write_blank(ws, row, 3, f->cell_text);
        worksheet_write_string(ws, row, 4, l->basis, f->cell_text);
    }
    row++;
    worksheet_write_string(ws, row++, 1,
                           "Trước hạn: xong trước ngày hẹn trả; đúng hạn: xong trong ngày hẹn"
                           " trả, không muộn hơn giờ hẹn; quá hạn: xong sau giờ hẹn trả, hoặc đã"
                           " phải xin lỗi và hẹn lại.",
                           f->note);
    worksheet_write_string(ws, row, 1, "Tỷ lệ hài lòng = (rất hài lòng + hài lòng) / lượt đánh giá.",
                           f->note);
    page_setup(ws, head, head);
}

static void sheet_units(lxw_workbook *wb, const struct report *r, const struct formats *f)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Theo đơn vị");
    lxw_col_t last = (lxw_col_t)(NCOLS + 1);
    lxw_row_t row = heading(ws, r, f, "SỐ LIỆU TIẾP NHẬN VÀ GIẢI QUYẾT HỒ SƠ THEO ĐƠN VỊ", last);
    worksheet_set_column(ws, 0, 0, 6, NULL);
    worksheet_set_column(ws, 1, 1, 40, NULL);
    worksheet_set_column(ws, 2, last, 11.5, NULL);
    lxw_row_t head = row;
    worksheet_merge_range(ws, row, 0, row + 1, 0, "STT", f->head);
    worksheet_merge_range(ws, row, 1, row + 1, 1, "Đơn vị", f->head);
    for (size_t i = 0; i < NCOLS;) {
        size_t j = i;
        while (j + 1 < NCOLS && strcmp(cols[j + 1].group, cols[i].group) == 0)
            j++;
        if (j > i)
            worksheet_merge_range(ws, row, (lxw_col_t)(i + 2), row, (lxw_col_t)(j + 2),
                                  cols[i].group, f->head);
        else
            worksheet_write_string(ws, row, (lxw_col_t)(i + 2), cols[i].group, f->head);
        for (size_t k = i; k <= j; k++)
            worksheet_write_string(ws, row + 1, (lxw_col_t)(k + 2), cols[k].sub, f->head);
        i = j + 1;
    }
    worksheet_set_row(ws, row + 1, 45, NULL);
    row += 2;
    worksheet_freeze_panes(ws, row, 2);
    for (size_t i = 0; i < r->nrows; i++, row++) {
        char name[400], stt[24];
        double v[NCOLS];
        if (r->rows[i].own)
            own_name(r, &r->rows[i], name, sizeof name);
        else
            snprintf(name, sizeof name, "%s", r->rows[i].name);
        snprintf(stt, sizeof stt, "%zu", i + 1);
        worksheet_write_string(ws, row, 0, stt, f->cell_center);
        worksheet_write_string(ws, row, 1, name, f->cell_text);
        row_values(&r->rows[i].figs, v);
        for (size_t c = 0; c < NCOLS; c++)
            write_value(ws, row, (lxw_col_t)(c + 2), cols[c].kind, v[c], 0, f);
    }
    double v[NCOLS];
    row_values(&r->total, v);
    worksheet_write_blank(ws, row, 0, f->total_text);
    worksheet_write_string(ws, row, 1, "Tổng cộng", f->total_text);
    for (size_t c = 0; c < NCOLS; c++)
        write_value(ws, row, (lxw_col_t)(c + 2), cols[c].kind, v[c], 1, f);
    page_setup(ws, head, head + 1);
}

static void sheet_series(lxw_workbook *wb, const struct report *r, const struct formats *f)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Theo thời gian");
    static const char *const heads[] = {"Ngày", "Tiếp nhận", "Trực tuyến", "Trực tiếp",
                                        "Bưu chính", "Đã giải quyết", "Trước hạn", "Đúng hạn",
                                        "Quá hạn", "Lượt đánh giá", "Hài lòng, rất hài lòng"};
    lxw_row_t row = heading(ws, r, f,
                            r->grain == REPORT_DAY ? "SỐ LIỆU THEO NGÀY" : "SỐ LIỆU THEO THÁNG",
                            10);
    worksheet_set_column(ws, 0, 0, 13, NULL);
    worksheet_set_column(ws, 1, 10, 12, NULL);
    lxw_row_t head = row;
    for (lxw_col_t c = 0; c < 11; c++)
        worksheet_write_string(ws, row, c, c == 0 && r->grain == REPORT_MONTH ? "Tháng" : heads[c],
                               f->head);
    worksheet_set_row(ws, row, 32, NULL);
    row++;
    worksheet_freeze_panes(ws, row, 1);
    for (size_t i = 0; i < r->npoints; i++, row++) {
        const struct report_figs *g = &r->points[i].figs;
        char key[16];
        int k = r->points[i].key;
        if (r->grain == REPORT_DAY)
            vn_date(k, key, sizeof key);
        else
            snprintf(key, sizeof key, "%02d/%04d", k % 100, k / 100);
        double v[] = {(double)g->f[STAT_RECEIVED],
                      (double)report_received_by(g, STAT_CH_ONLINE),
                      (double)report_received_by(g, STAT_CH_DESK),
                      (double)report_received_by(g, STAT_CH_POST),
                      (double)report_handled(g),
                      (double)g->f[STAT_EARLY],
                      (double)g->f[STAT_ON_TIME],
                      (double)g->f[STAT_LATE],
                      (double)report_ratings(g),
                      (double)report_satisfied(g)};
        worksheet_write_string(ws, row, 0, key, f->cell_center);
        for (lxw_col_t c = 0; c < 10; c++)
            worksheet_write_number(ws, row, c + 1, v[c], f->cell_count);
    }
    page_setup(ws, head, head);
}

static void sheet_qd766(lxw_workbook *wb, const struct report *r, const struct formats *f)
{
    lxw_worksheet *ws = workbook_add_worksheet(wb, "Chỉ số QĐ 766");
    lxw_row_t row = heading(ws, r, f,
                            "CHỈ SỐ CHẤT LƯỢNG PHỤC VỤ (QUYẾT ĐỊNH 766/QĐ-TTg)", 5);
    worksheet_set_column(ws, 0, 0, 6, NULL);
    worksheet_set_column(ws, 1, 1, 60, NULL);
    worksheet_set_column(ws, 2, 4, 13, NULL);
    worksheet_set_column(ws, 5, 5, 55, NULL);
    lxw_row_t head = row;
    const char *heads[] = {"STT", "Chỉ tiêu", "Giá trị", "Tử số", "Mẫu số", "Ghi chú"};
    for (lxw_col_t c = 0; c < 6; c++)
        worksheet_write_string(ws, row, c, heads[c], f->head);
    row++;
    struct report_indicator ind[32];
    size_t n = report_indicators(r, ind, 32);
    for (int gi = 1; gi <= REPORT_GROUPS; gi++) {
        char title[160], stt[8];
        snprintf(stt, sizeof stt, "%d", gi);
        snprintf(title, sizeof title, "Nhóm %d. %s", gi, report_group_titles[gi - 1]);
        worksheet_write_string(ws, row, 0, stt, f->total_text);
        worksheet_merge_range(ws, row, 1, row, 5, title, f->total_text);
        row++;
        for (size_t i = 0; i < n; i++) {
            if (ind[i].group != gi)
                continue;
            worksheet_write_blank(ws, row, 0, f->cell_text);
            worksheet_write_string(ws, row, 1, ind[i].title, f->indent);
            if (!ind[i].available) {
                worksheet_write_string(ws, row, 2, "Chưa có dữ liệu", f->cell_center);
                worksheet_write_blank(ws, row, 3, f->cell_text);
                worksheet_write_blank(ws, row, 4, f->cell_text);
            } else if (ind[i].is_count) {
                worksheet_write_number(ws, row, 2, (double)ind[i].num, f->cell_count);
                worksheet_write_blank(ws, row, 3, f->cell_text);
                worksheet_write_blank(ws, row, 4, f->cell_text);
            } else {
                write_value(ws, row, 2, RATE, report_rate(ind[i].num, ind[i].den), 0, f);
                worksheet_write_number(ws, row, 3, (double)ind[i].num, f->cell_count);
                worksheet_write_number(ws, row, 4, (double)ind[i].den, f->cell_count);
            }
            worksheet_write_string(ws, row, 5, ind[i].note, f->cell_text);
            row++;
        }
    }
    row++;
    worksheet_write_string(ws, row, 1,
                           "Báo cáo tính các tỷ lệ mà dữ liệu của hệ thống cho phép; điểm số theo"
                           " thang 100 chưa được tính.",
                           f->note);
    page_setup(ws, head, head);
}

static int read_file(const char *path, unsigned char **out, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return -1;
    int rc = -1;
    unsigned char *data = NULL;
    if (fseek(fp, 0, SEEK_END) == 0) {
        long size = ftell(fp);
        if (size > 0 && size <= REPORT_XLSX_MAX && fseek(fp, 0, SEEK_SET) == 0 &&
            (data = malloc((size_t)size)) && fread(data, 1, (size_t)size, fp) == (size_t)size) {
            *out = data;
            *len = (size_t)size;
            data = NULL;
            rc = 0;
        }
    }
    free(data);
    fclose(fp);
    return rc;
}

int report_xlsx(const struct report *r, unsigned char **out, size_t *len)
{
    const char *tmp = getenv("TMPDIR");
    char path[1024];
    if (!tmp || !*tmp || strlen(tmp) > 900)
        tmp = "/tmp";
    snprintf(path, sizeof path, "%s/motcua-report-XXXXXX", tmp);
    int fd = mkstemp(path);
    if (fd < 0)
        return -1;
    close(fd);
    int rc = -1;
    lxw_workbook *wb = workbook_new(path);
    if (wb) {
        struct formats f;
        char title[400];
        snprintf(title, sizeof title, "Báo cáo tiếp nhận và giải quyết hồ sơ – %s", r->unit.name);
        char company[256], author[] = "motcua";
        snprintf(company, sizeof company, "%s", r->unit.name);
        lxw_doc_properties props = {.title = title, .author = author, .company = company};
        workbook_set_properties(wb, &props);
        make_formats(wb, &f);
        sheet_summary(wb, r, &f);
        sheet_units(wb, r, &f);
        sheet_series(wb, r, &f);
        sheet_qd766(wb, r, &f);
        if (workbook_close(wb) == LXW_NO_ERROR)
            rc = read_file(path, out, len);
    }
    unlink(path);
    return rc;
}
