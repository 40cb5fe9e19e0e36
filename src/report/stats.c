/* stats: counting dossier changes and ratings into stat_daily and
 * stat_monthly, live (the hook) or all over again (the rebuild). */
#include "report/stats.h"
#include "report/stats_sql.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "calendar/calendar.h"
#include "dossier/changes.h"
#include "dossier/status.h"
#include "store/store.h"

const char *const stat_fig_columns[STAT_NFIGS] = {
    "received", "with_files", "early",    "on_time",     "late",       "late_apology", "refused",
    "withdrawn", "stopped",   "returned", "supplements", "rated_very", "rated_ok",     "rated_not",
    "paid_online", "paid_desk",
};
const char *const stat_channel_names[STAT_NCH] = {"online", "desk", "post"};
const char *const stat_level42_names[STAT_NL42] = {"toan_trinh", "mot_phan"};

int stat_channel_index(const char *channel)
{
    for (int i = 0; i < STAT_NCH; i++)
        if (strcmp(channel, stat_channel_names[i]) == 0)
            return i;
    return -1;
}

int stat_level42_index(const char *level)
{
    for (int i = 0; i < STAT_NL42; i++)
        if (strcmp(level, stat_level42_names[i]) == 0)
            return i;
    return -1;
}

int stat_level_old_index(int64_t level) { return level >= 2 && level <= 4 ? (int)level - 2 : -1; }

int stat_local_ymd(int64_t t)
{
    time_t local = (time_t)(t + CAL_TZ_OFFSET);
    struct tm tm;
    if (!gmtime_r(&local, &tm))
        return 0;
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

/* Local day number (days since 1970-01-01 in UTC+7). */
static int64_t local_day(int64_t t)
{
    int64_t l = t + CAL_TZ_OFFSET;
    return l >= 0 ? l / 86400 : -((-l + 86399) / 86400);
}

int stat_rating_fig(const char *level)
{
    if (strcmp(level, "rat_hai_long") == 0)
        return STAT_RATED_VERY;
    if (strcmp(level, "hai_long") == 0)
        return STAT_RATED_OK;
    return strcmp(level, "khong_hai_long") == 0 ? STAT_RATED_NOT : -1;
}

int stat_payment_fig(const char *method)
{
    if (strcmp(method, "gateway") == 0 || strcmp(method, "bank_transfer") == 0)
        return STAT_PAID_ONLINE;
    return strcmp(method, "desk") == 0 ? STAT_PAID_DESK : -1;
}

int stat_timeliness(int64_t finished, int64_t due, int apologized)
{
    if (finished > due || apologized)
        return STAT_LATE;
    return local_day(finished) < local_day(due) ? STAT_EARLY : STAT_ON_TIME;
}

int stat_classify(int from_status, int to_status, int64_t at, const struct stat_facts *facts,
                  int64_t delta[STAT_NFIGS])
{
    int any = 0;
    memset(delta, 0, sizeof(int64_t) * STAT_NFIGS);
    if (from_status == STATUS_DRAFT && to_status > STATUS_DRAFT) { /* a draft submitted: received */
        delta[STAT_RECEIVED] = 1;
        delta[STAT_WITH_FILES] = facts->has_files ? 1 : 0;
        any = 1;
    }
    if (to_status == from_status)
        return any;
    int fig = -1;
    switch (to_status) {
    case STATUS_DONE:
        fig = stat_timeliness(at, facts->due_at, facts->apologized);
        if (fig == STAT_LATE && facts->apologized)
            delta[STAT_LATE_APOLOGY] = 1;
        break;
    case STATUS_REFUSED:
        fig = STAT_REFUSED;
        break;
    case STATUS_SUPPLEMENT:
        fig = STAT_SUPPLEMENTS;
        break;
    case STATUS_WITHDRAWN:
        fig = STAT_WITHDRAWN;
        break;
    case STATUS_STOPPED:
        fig = STAT_STOPPED;
        break;
    case STATUS_RETURNED:
        fig = STAT_RETURNED;
        break;
    default:
        break;
    }
    if (fig >= 0) {
        delta[fig] += 1;
        any = 1;
    }
    return any;
}

/* --- adding to the counters ---------------------------------------------- */

static const char upsert_daily[] = STATS_UPSERT_DAILY_SQL;
static const char upsert_monthly[] = STATS_UPSERT_MONTHLY_SQL;

struct stat_key {
    int64_t unit_id, procedure_id;
    int32_t date; /* yyyymmdd or yyyymm */
    int8_t ch, l42, old;
};

static int write_row(struct store *db, const char *sql, const struct stat_key *k,
                     const int64_t *figs)
{
    struct store_stmt *st;
    int rc = store_prepare(db, sql, &st);
    if (rc)
        return rc;
    store_bind_int(st, 1, k->unit_id);
    store_bind_int(st, 2, k->date);
    store_bind_int(st, 3, k->procedure_id);
    store_bind_text(st, 4, stat_channel_names[k->ch]);
    store_bind_text(st, 5, stat_level42_names[k->l42]);
    store_bind_int(st, 6, k->old + 2);
    for (int i = 0; i < STAT_NFIGS; i++)
        store_bind_int(st, 7 + i, figs[i]);
    rc = store_step(st);
    store_done(st);
    return rc == STORE_DONE ? 0 : (rc < 0 ? rc : STORE_ERR);
}

static int add_both(struct store *db, struct stat_key *k, int ymd, const int64_t *figs)
{
    k->date = ymd;
    int rc = write_row(db, upsert_daily, k, figs);
    k->date = ymd / 100;
    return rc ? rc : write_row(db, upsert_monthly, k, figs);
}

/* The key of a dossier's counters (unit, procedure, channel, levels) and
 * the facts the counting needs. */
struct key_and_facts {
    struct stat_key k;
    struct stat_facts facts;
};

static int read_key(struct store_stmt *st, void *arg)
{
    struct key_and_facts *o = arg;
    int ch = stat_channel_index(store_col_text(st, 2));
    int l42 = stat_level42_index(store_col_text(st, 3));
    int old = stat_level_old_index(store_col_int(st, 4));
    memset(o, 0, sizeof *o);
    o->k.unit_id = store_col_int(st, 0);
    o->k.procedure_id = store_col_int(st, 1);
    o->k.ch = (int8_t)ch;
    o->k.l42 = (int8_t)l42;
    o->k.old = (int8_t)old;
    o->facts.due_at = store_col_int(st, 5);
    o->facts.has_files = (int)store_col_int(st, 6);
    o->facts.apologized = (int)store_col_int(st, 7);
    return ch < 0 || l42 < 0 || old < 0 ? STORE_ERR : STORE_ROW;
}

static int dossier_key(struct store *db, int64_t dossier_id, struct stat_key *k,
                       struct stat_facts *facts)
{
    struct key_and_facts o;
    int rc = store_one(db,
                       "SELECT d.unit_id, d.procedure_id, d.channel, p.level_d42, p.level_old,"
                       " coalesce(d.due_at, 0),"
                       " EXISTS (SELECT 1 FROM dossier_files f WHERE f.dossier_id = d.id),"
                       " EXISTS (SELECT 1 FROM dossier_apologies a WHERE a.dossier_id = d.id)"
                       " FROM dossiers d JOIN procedures p ON p.id = d.procedure_id"
                       " WHERE d.id = ?",
                       read_key, &o, BIND_INT(dossier_id));
    if (rc != STORE_ROW)
        return rc < 0 ? rc : STORE_ERR;
    *k = o.k;
    if (facts)
        *facts = o.facts;
    return 0;
}

int stats_add_for_dossier(struct store *db, int64_t dossier_id, int64_t at,
                          const int64_t delta[STAT_NFIGS])
{
    struct stat_key k;
    int rc = dossier_key(db, dossier_id, &k, NULL);
    return rc ? rc : add_both(db, &k, stat_local_ymd(at), delta);
}

static int stats_dossier_changed(struct store *db, const struct dossier_change *c)
{
    int64_t delta[STAT_NFIGS];
    struct stat_facts facts = {0};
    /* A first look without the database: most steps count nothing. */
    if (!stat_classify(c->from_status, c->to_status, c->at, &facts, delta))
        return 0;
    struct stat_key k;
    int rc = dossier_key(db, c->dossier_id, &k, &facts);
    if (rc)
        return rc;
    stat_classify(c->from_status, c->to_status, c->at, &facts, delta);
    return add_both(db, &k, stat_local_ymd(c->at), delta);
}

const struct dossier_listener stats_listener = {
    .name = "stats",
    .changed = stats_dossier_changed,
};

/* --- rebuild --------------------------------------------------------------- */

/* An open-addressing table from key to figures, for the rebuild. */
struct stat_entry {
    struct stat_key key;
    int used;
    int64_t figs[STAT_NFIGS];
};

struct stat_map {
    struct stat_entry *e;
    size_t cap, n;
};

static uint64_t key_hash(const struct stat_key *k)
{
    uint64_t h = (uint64_t)k->unit_id * 0x9E3779B97F4A7C15ull;
    h ^= (uint64_t)k->procedure_id * 0xC2B2AE3D27D4EB4Full + (h << 6) + (h >> 2);
    h ^= (uint64_t)(uint32_t)k->date * 0x165667B19E3779F9ull + (h << 6) + (h >> 2);
    h ^= (uint64_t)(k->ch * 9 + k->l42 * 3 + k->old) * 0x27D4EB2F165667C5ull;
    return h ^ (h >> 29);
}

static int key_eq(const struct stat_key *a, const struct stat_key *b)
{
    return a->unit_id == b->unit_id && a->procedure_id == b->procedure_id &&
           a->date == b->date && a->ch == b->ch && a->l42 == b->l42 && a->old == b->old;
}

static int map_grow(struct stat_map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 4096;
    struct stat_entry *e = calloc(cap, sizeof *e);
    if (!e)
        return -1;
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->e[i].used)
            continue;
        size_t j = key_hash(&m->e[i].key) & (cap - 1);
        while (e[j].used)
            j = (j + 1) & (cap - 1);
        e[j] = m->e[i];
    }
    free(m->e);
    m->e = e;
    m->cap = cap;
    return 0;
}

static int map_add(struct stat_map *m, const struct stat_key *k, const int64_t *figs)
{
    if ((m->n + 1) * 10 > m->cap * 7 && map_grow(m))
        return -1;
    size_t j = key_hash(k) & (m->cap - 1);
    while (m->e[j].used && !key_eq(&m->e[j].key, k))
        j = (j + 1) & (m->cap - 1);
    if (!m->e[j].used) {
        m->e[j].used = 1;
        m->e[j].key = *k;
        m->n++;
    }
    for (int i = 0; i < STAT_NFIGS; i++)
        m->e[j].figs[i] += figs[i];
    return 0;
}

static int entry_cmp(const void *a, const void *b)
{
    const struct stat_key *x = &((const struct stat_entry *)a)->key;
    const struct stat_key *y = &((const struct stat_entry *)b)->key;
#define CMP(f)                                                                                     \
    if (x->f != y->f)                                                                              \
        return x->f < y->f ? -1 : 1;
    CMP(unit_id)
    CMP(date)
    CMP(procedure_id)
    CMP(ch)
    CMP(l42)
    CMP(old)
#undef CMP
    return 0;
}

/* Writes the entries in key order, so that the rows of one unit's days lie
 * together in the table as well as in its key's index. */
static int map_write(struct store *db, struct stat_map *m, const char *sql)
{
    size_t n = 0;
    for (size_t i = 0; i < m->cap; i++)
        if (m->e[i].used)
            m->e[n++] = m->e[i];
    qsort(m->e, n, sizeof *m->e, entry_cmp);
    for (size_t i = 0; i < n; i++) {
        int rc = write_row(db, sql, &m->e[i].key, m->e[i].figs);
        if (rc)
            return rc;
    }
    return 0;
}

static int add_to_maps(struct stat_map *daily, struct stat_map *monthly, struct stat_key *k,
                       int ymd, const int64_t *figs)
{
    k->date = ymd;
    if (map_add(daily, k, figs))
        return -1;
    k->date = ymd / 100;
    return map_add(monthly, k, figs);
}

/* Reads the key columns at offset off of a row: unit, procedure, channel,
 * level_d42, level_old. */
static int row_key(struct store_stmt *st, int off, struct stat_key *k)
{
    int ch = stat_channel_index(store_col_text(st, off + 2));
    int l42 = stat_level42_index(store_col_text(st, off + 3));
    int old = stat_level_old_index(store_col_int(st, off + 4));
    if (ch < 0 || l42 < 0 || old < 0)
        return STORE_ERR;
    memset(k, 0, sizeof *k);
    k->unit_id = store_col_int(st, off);
    k->procedure_id = store_col_int(st, off + 1);
    k->ch = (int8_t)ch;
    k->l42 = (int8_t)l42;
    k->old = (int8_t)old;
    return 0;
}

/* Replays every event of every submitted dossier in order. */
static int replay_events(struct store *db, struct stat_map *daily, struct stat_map *monthly,
                         int64_t *events)
{
    struct store_stmt *st;
    int rc = store_prepare(
        db,
        "SELECT e.dossier_id, e.at, coalesce(e.status_code, 0),"
        " d.unit_id, d.procedure_id, d.channel, p.level_d42, p.level_old, coalesce(d.due_at, 0),"
        " EXISTS (SELECT 1 FROM dossier_files f WHERE f.dossier_id = e.dossier_id"
        "  AND f.uploaded_at <= e.at),"
        " EXISTS (SELECT 1 FROM dossier_apologies a WHERE a.dossier_id = e.dossier_id"
        "  AND a.at <= e.at)"
        " FROM dossier_events e JOIN dossiers d ON d.id = e.dossier_id"
        " JOIN procedures p ON p.id = d.procedure_id"
        " WHERE d.code IS NOT NULL ORDER BY e.dossier_id, e.id",
        &st);
    if (rc)
        return rc;
    int64_t cur = -1, delta[STAT_NFIGS];
    int prev = 0;
    while ((rc = store_step(st)) == STORE_ROW) {
        int64_t id = store_col_int(st, 0), at = store_col_int(st, 1);
        int status = (int)store_col_int(st, 2);
        if (id != cur) {
            cur = id;
            prev = 0;
        }
        (*events)++;
        struct stat_facts facts = {.due_at = store_col_int(st, 8),
                                   .has_files = (int)store_col_int(st, 9),
                                   .apologized = (int)store_col_int(st, 10)};
        if (stat_classify(prev, status, at, &facts, delta)) {
            struct stat_key k;
            if ((rc = row_key(st, 3, &k)) ||
                (rc = add_to_maps(daily, monthly, &k, stat_local_ymd(at), delta)))
                break;
        }
        prev = status;
    }
    store_done(st);
    return rc == STORE_DONE ? 0 : (rc < 0 ? rc : STORE_ERR);
}

/* Replays rows of (time, what, unit, procedure, channel, level_d42,
 * level_old), each counting once in the figure fig_of(what). */
static int replay_rows(struct store *db, const char *sql, int (*fig_of)(const char *),
                       struct stat_map *daily, struct stat_map *monthly)
{
    struct store_stmt *st;
    int rc = store_prepare(db, sql, &st);
    if (rc)
        return rc;
    while ((rc = store_step(st)) == STORE_ROW) {
        int64_t delta[STAT_NFIGS] = {0};
        int fig = fig_of(store_col_text(st, 1));
        if (fig < 0)
            continue;
        delta[fig] = 1;
        struct stat_key k;
        if ((rc = row_key(st, 2, &k)) ||
            (rc = add_to_maps(daily, monthly, &k, stat_local_ymd(store_col_int(st, 0)), delta)))
            break;
    }
    store_done(st);
    return rc == STORE_DONE ? 0 : (rc < 0 ? rc : STORE_ERR);
}

static const char replay_ratings[] =
    "SELECT r.rated_at, r.level, d.unit_id, d.procedure_id, d.channel, p.level_d42, p.level_old"
    " FROM dossier_ratings r JOIN dossiers d ON d.id = r.dossier_id"
    " JOIN procedures p ON p.id = d.procedure_id";
static const char replay_payments[] =
    "SELECT q.paid_at, q.method, d.unit_id, d.procedure_id, d.channel, p.level_d42, p.level_old"
    " FROM payments q JOIN dossiers d ON d.id = q.dossier_id"
    " JOIN procedures p ON p.id = d.procedure_id WHERE q.status = 'paid'";

int stats_rebuild(struct store *db, int64_t *events)
{
    struct stat_map daily = {0}, monthly = {0};
    int64_t n = 0;
    int rc = store_exec(db, "DELETE FROM stat_daily; DELETE FROM stat_monthly;"
                            " DELETE FROM settings WHERE key = 'report.rebuild_needed'");
    if (rc == 0 && (map_grow(&daily) || map_grow(&monthly)))
        rc = -1;
    if (rc == 0)
        rc = replay_events(db, &daily, &monthly, &n);
    if (rc == 0)
        rc = replay_rows(db, replay_ratings, stat_rating_fig, &daily, &monthly);
    if (rc == 0)
        rc = replay_rows(db, replay_payments, stat_payment_fig, &daily, &monthly);
    if (rc == 0)
        rc = map_write(db, &daily, upsert_daily);
    if (rc == 0)
        rc = map_write(db, &monthly, upsert_monthly);
    free(daily.e);
    free(monthly.e);
    if (events)
        *events = n;
    return rc;
}
