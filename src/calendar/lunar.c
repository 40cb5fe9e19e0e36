/* lunar: Vietnamese lunar calendar from astronomical positions, for UTC+7.
 *
 * New moons: Meeus, "Astronomical Algorithms" (2nd ed.), chapter 49 (mean
 * phase plus periodic and planetary corrections; a few seconds of error).
 * Sun: apparent geocentric longitude from the truncated VSOP87 series of
 * Meeus's appendix III, with the FK5 correction, nutation in longitude and
 * aberration (chapters 22, 25, 32); about one arc-second.
 * Times of the ephemeris (TT) are turned into UT with the Espenak-Meeus
 * polynomials for delta T, then into local days at UTC+7.
 *
 * The month structure of every lunar year in the supported range is built
 * once (pthread_once) into a table; conversions are then table look-ups. */
#include "calendar/lunar.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stddef.h>

#define TZ_HOURS 7.0
#define SYNODIC 29.530588861
#define DEG (M_PI / 180.0)
#define JDN_NM0 2451550L /* local day of the new moon k = 0 (2000-01-06) */

/* Suì (solstice years): suì Y runs from the month-11 start of solar year Y to
 * the month-11 start of Y + 1. The table covers what the supported solar
 * range needs, with one year of margin on each side. */
#define SUI_FIRST (LUNAR_YEAR_MIN - 2)
#define SUI_LAST (LUNAR_YEAR_MAX + 1)
#define SUI_COUNT (SUI_LAST - SUI_FIRST + 1)

struct sui {
    long start[14]; /* local JDN of each month start; start[n] = next suì */
    int n;          /* months: 12 or 13 */
    int leap;       /* index (1..12) of the leap month in start[], or 0 */
};

static struct sui sui_table[SUI_COUNT];
static pthread_once_t sui_once = PTHREAD_ONCE_INIT;

/* ---- calendar arithmetic --------------------------------------------- */

long lunar_jdn(int y, int m, int d)
{
    long a = (14 - m) / 12;
    long yy = (long)y + 4800 - a;
    long mm = m + 12 * a - 3;
    return d + (153 * mm + 2) / 5 + 365 * yy + yy / 4 - yy / 100 + yy / 400 -
           32045;
}

void lunar_jdn_to_ymd(long jdn, int *y, int *m, int *d)
{
    long a = jdn + 32044;
    long b = (4 * a + 3) / 146097;
    long c = a - 146097 * b / 4;
    long dd = (4 * c + 3) / 1461;
    long e = c - 1461 * dd / 4;
    long mm = (5 * e + 2) / 153;
    *d = (int)(e - (153 * mm + 2) / 5 + 1);
    *m = (int)(mm + 3 - 12 * (mm / 10));
    *y = (int)(100 * b + dd - 4800 + mm / 10);
}

static int valid_ymd(int y, int m, int d)
{
    static const int mdays[12] = {31, 28, 31, 30, 31, 30,
                                  31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return 0;
    int n = mdays[m - 1];
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        n = 29;
    return d <= n;
}

/* ---- delta T = TT - UT, seconds (Espenak & Meeus, NASA 2006) ---------- */

static double delta_t(double year)
{
    double t, u;
    if (year < 1900) {
        t = year - 1860;
        return 7.62 + 0.5737 * t - 0.251754 * t * t +
               0.01680668 * t * t * t - 0.0004473624 * t * t * t * t +
               t * t * t * t * t / 233174;
    }
    if (year < 1920) {
        t = year - 1900;
        return -2.79 + 1.494119 * t - 0.0598939 * t * t +
               0.0061966 * t * t * t - 0.000197 * t * t * t * t;
    }
    if (year < 1941) {
        t = year - 1920;
        return 21.20 + 0.84493 * t - 0.076100 * t * t +
               0.0020936 * t * t * t;
    }
    if (year < 1961) {
        t = year - 1950;
        return 29.07 + 0.407 * t - t * t / 233 + t * t * t / 2547;
    }
    if (year < 1986) {
        t = year - 1975;
        return 45.45 + 1.067 * t - t * t / 260 - t * t * t / 718;
    }
    if (year < 2005) {
        t = year - 2000;
        return 63.86 + 0.3345 * t - 0.060374 * t * t +
               0.0017275 * t * t * t + 0.000651814 * t * t * t * t +
               0.00002373599 * t * t * t * t * t;
    }
    if (year < 2050) {
        t = year - 2000;
        return 62.92 + 0.32217 * t + 0.005589 * t * t;
    }
    u = (year - 1820) / 100;
    if (year < 2150)
        return -20 + 32 * u * u - 0.5628 * (2150 - year);
    return -20 + 32 * u * u;
}

static double jd_to_year(double jd) { return 2000.0 + (jd - 2451545.0) / 365.25; }

/* ---- new moon (Meeus ch. 49), JDE of lunation k (k = 0: 2000-01-06) --- */

static double new_moon_jde(int k)
{
    double kk = k;
    double t = kk / 1236.85, t2 = t * t, t3 = t2 * t, t4 = t3 * t;
    double jde = 2451550.09766 + SYNODIC * kk + 0.00015437 * t2 -
                 0.000000150 * t3 + 0.00000000073 * t4;
    double e = 1 - 0.002516 * t - 0.0000074 * t2;
    double m = (2.5534 + 29.10535670 * kk - 0.0000014 * t2 -
                0.00000011 * t3) * DEG;
    double mp = (201.5643 + 385.81693528 * kk + 0.0107582 * t2 +
                 0.00001238 * t3 - 0.000000058 * t4) * DEG;
    double f = (160.7108 + 390.67050284 * kk - 0.0016118 * t2 -
                0.00000227 * t3 + 0.000000011 * t4) * DEG;
    double om = (124.7746 - 1.56375588 * kk + 0.0020672 * t2 +
                 0.00000215 * t3) * DEG;

    double c = -0.40720 * sin(mp) + 0.17241 * e * sin(m) +
               0.01608 * sin(2 * mp) + 0.01039 * sin(2 * f) +
               0.00739 * e * sin(mp - m) - 0.00514 * e * sin(mp + m) +
               0.00208 * e * e * sin(2 * m) - 0.00111 * sin(mp - 2 * f) -
               0.00057 * sin(mp + 2 * f) + 0.00056 * e * sin(2 * mp + m) -
               0.00042 * sin(3 * mp) + 0.00042 * e * sin(m + 2 * f) +
               0.00038 * e * sin(m - 2 * f) - 0.00024 * e * sin(2 * mp - m) -
               0.00017 * sin(om) - 0.00007 * sin(mp + 2 * m) +
               0.00004 * sin(2 * mp - 2 * f) + 0.00004 * sin(3 * m) +
               0.00003 * sin(mp + m - 2 * f) + 0.00003 * sin(2 * mp + 2 * f) -
               0.00003 * sin(mp + m + 2 * f) + 0.00003 * sin(mp - m + 2 * f) -
               0.00002 * sin(mp - m - 2 * f) - 0.00002 * sin(3 * mp + m) +
               0.00002 * sin(4 * mp);

    /* planetary arguments */
    static const double pa[14][3] = {
        {299.77, 0.107408, 0.000325}, {251.88, 0.016321, 0.000165},
        {251.83, 26.651886, 0.000164}, {349.42, 36.412478, 0.000126},
        {84.66, 18.206239, 0.000110},  {141.74, 53.303771, 0.000062},
        {207.14, 2.453732, 0.000060},  {154.84, 7.306860, 0.000056},
        {34.52, 27.261239, 0.000047},  {207.19, 0.121824, 0.000042},
        {291.34, 1.844379, 0.000040},  {161.72, 24.198154, 0.000037},
        {239.56, 25.513099, 0.000035}, {331.55, 3.592518, 0.000023},
    };
    double w = 0;
    for (int i = 0; i < 14; i++) {
        double a = pa[i][0] + pa[i][1] * kk;
        if (i == 0)
            a -= 0.009173 * t2;
        w += pa[i][2] * sin(a * DEG);
    }
    return jde + c + w;
}

/* Local (UTC+7) Julian Day Number of the day holding new moon k. */
static long new_moon_day(int k)
{
    double jde = new_moon_jde(k);
    double jd = jde - delta_t(jd_to_year(jde)) / 86400.0;
    return (long)floor(jd + 0.5 + TZ_HOURS / 24.0);
}

/* ---- the Sun (VSOP87 truncated, Meeus appendix III) -------------------- */

struct vterm {
    double a, b, c;
};

static const struct vterm L0[] = {
    {175347046, 0, 0},
    {3341656, 4.6692568, 6283.0758500},
    {34894, 4.62610, 12566.15170},
    {3497, 2.7441, 5753.3849},
    {3418, 2.8289, 3.5231},
    {3136, 3.6277, 77713.7715},
    {2676, 4.4181, 7860.4194},
    {2343, 6.1352, 3930.2097},
    {1324, 0.7425, 11506.7698},
    {1273, 2.0371, 529.6910},
    {1199, 1.1096, 1577.3435},
    {990, 5.233, 5884.927},
    {902, 2.045, 26.298},
    {857, 3.508, 398.149},
    {780, 1.179, 5223.694},
    {753, 2.533, 5507.553},
    {505, 4.583, 18849.228},
    {492, 4.205, 775.523},
    {357, 2.920, 0.067},
    {317, 5.849, 11790.629},
    {284, 1.899, 796.298},
    {271, 0.315, 10977.079},
    {243, 0.345, 5486.778},
    {206, 4.806, 2544.314},
    {205, 1.869, 5573.143},
    {202, 2.458, 6069.777},
    {156, 0.833, 213.299},
    {132, 3.411, 2942.463},
    {126, 1.083, 20.775},
    {115, 0.645, 0.980},
    {103, 0.636, 4694.003},
    {102, 0.976, 15720.839},
    {102, 4.267, 7.114},
    {99, 6.21, 2146.17},
    {98, 0.68, 155.42},
    {86, 5.98, 161000.69},
    {85, 1.30, 6275.96},
    {85, 3.67, 71430.70},
    {80, 1.81, 17260.15},
    {79, 3.04, 12036.46},
    {75, 1.76, 5088.63},
    {74, 3.50, 3154.69},
    {74, 4.68, 801.82},
    {70, 0.83, 9437.76},
    {62, 3.98, 8827.39},
    {61, 1.82, 7084.90},
    {57, 2.78, 6286.60},
    {56, 4.39, 14143.50},
    {56, 3.47, 6279.55},
    {52, 0.19, 12139.55},
    {52, 1.33, 1748.02},
    {51, 0.28, 5856.48},
    {49, 0.49, 1194.45},
    {41, 5.37, 8429.24},
    {41, 2.40, 19651.05},
    {39, 6.17, 10447.39},
    {37, 6.04, 10213.29},
    {37, 2.57, 1059.38},
    {36, 1.71, 2352.87},
    {36, 1.78, 6812.77},
    {33, 0.59, 17789.85},
    {30, 0.44, 83996.85},
    {30, 2.74, 1349.87},
    {25, 3.16, 4690.48},
};

static const struct vterm L1[] = {
    {628331966747.0, 0, 0},
    {206059, 2.678235, 6283.075850},
    {4303, 2.6351, 12566.1517},
    {425, 1.590, 3.523},
    {119, 5.796, 26.298},
    {109, 2.966, 1577.344},
    {93, 2.59, 18849.23},
    {72, 1.14, 529.69},
    {68, 1.87, 398.15},
    {67, 4.41, 5507.55},
    {59, 2.89, 5223.69},
    {56, 2.17, 155.42},
    {45, 0.40, 796.30},
    {36, 0.47, 775.52},
    {29, 2.65, 7.11},
    {21, 5.34, 0.98},
    {19, 1.85, 5486.78},
    {19, 4.97, 213.30},
    {17, 2.99, 6275.96},
    {16, 0.03, 2544.31},
    {16, 1.43, 2146.17},
    {15, 1.21, 10977.08},
    {12, 2.83, 1748.02},
    {12, 3.26, 5088.63},
    {12, 5.27, 1194.45},
    {12, 2.08, 4694.00},
    {11, 0.77, 553.57},
    {10, 1.30, 6286.60},
    {10, 4.24, 1349.87},
    {9, 2.70, 242.73},
    {9, 5.64, 951.72},
    {8, 5.30, 2352.87},
    {6, 2.65, 9437.76},
    {6, 4.67, 4690.48},
};

static const struct vterm L2[] = {
    {52919, 0, 0},          {8720, 1.0721, 6283.0758}, {309, 0.867, 12566.152},
    {27, 0.05, 3.52},       {16, 5.19, 26.30},         {16, 3.68, 155.42},
    {10, 0.76, 18849.23},   {9, 2.06, 77713.77},       {7, 0.83, 775.52},
    {5, 4.66, 1577.34},     {4, 1.03, 7.11},           {4, 3.44, 5573.14},
    {3, 5.14, 796.30},      {3, 6.05, 5507.55},        {3, 1.19, 242.73},
    {3, 6.12, 529.69},      {3, 0.31, 398.15},         {3, 2.28, 553.57},
    {2, 4.38, 5223.69},     {2, 3.75, 0.98},
};

static const struct vterm L3[] = {
    {289, 5.844, 6283.076}, {35, 0, 0},          {17, 5.49, 12566.15},
    {3, 5.20, 155.42},      {1, 4.72, 3.52},     {1, 5.30, 18849.23},
    {1, 5.97, 242.73},
};

static const struct vterm L4[] = {
    {114, 3.142, 0}, {8, 4.13, 6283.08}, {1, 3.84, 12566.15}};

static const struct vterm L5[] = {{1, 3.14, 0}};

static const struct vterm R0[] = {
    {100013989, 0, 0},
    {1670700, 3.0984635, 6283.0758500},
    {13956, 3.05525, 12566.15170},
    {3084, 5.1985, 77713.7715},
    {1628, 1.1739, 5753.3849},
    {1576, 2.8469, 7860.4194},
};

static const struct vterm R1[] = {
    {103019, 1.107490, 6283.075850}, {1721, 1.0644, 12566.1517}};

static double vsum(const struct vterm *v, size_t n, double tau)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += v[i].a * cos(v[i].b + v[i].c * tau);
    return s;
}

#define VSUM(tab, tau) vsum(tab, sizeof tab / sizeof tab[0], tau)

/* Apparent geocentric longitude of the Sun, degrees in [0, 360), at JDE. */
static double sun_longitude(double jde)
{
    double tau = (jde - 2451545.0) / 365250.0;
    double t = tau * 10;
    double l = (VSUM(L0, tau) +
                tau * (VSUM(L1, tau) +
                       tau * (VSUM(L2, tau) +
                              tau * (VSUM(L3, tau) +
                                     tau * (VSUM(L4, tau) +
                                            tau * VSUM(L5, tau)))))) /
               1e8;
    double r = (VSUM(R0, tau) + tau * VSUM(R1, tau)) / 1e8;

    double theta = l / DEG + 180.0; /* geometric, dynamical equinox */
    double fk5 = -0.09033 / 3600.0;

    /* nutation in longitude, main terms (Meeus ch. 22), arc-seconds */
    double om = (125.04452 - 1934.136261 * t) * DEG;
    double ls = (280.4665 + 36000.7698 * t) * DEG;
    double lm = (218.3165 + 481267.8813 * t) * DEG;
    double dpsi = -17.20 * sin(om) - 1.32 * sin(2 * ls) - 0.23 * sin(2 * lm) +
                  0.21 * sin(2 * om);

    double aberr = -20.4898 / r;
    double lon = theta + fk5 + (dpsi + aberr) / 3600.0;
    lon = fmod(lon, 360.0);
    if (lon < 0)
        lon += 360.0;
    return lon;
}

/* Sun longitude at the start (local midnight) of local day jdn. */
static double sun_at_day_start(long jdn)
{
    double jd = (double)jdn - 0.5 - TZ_HOURS / 24.0;
    return sun_longitude(jd + delta_t(jd_to_year(jd)) / 86400.0);
}

/* ---- month structure --------------------------------------------------- */

/* Lunation index k whose new moon falls on or before local day jdn and the
 * next one after it: the k with new_moon_day(k) <= jdn < new_moon_day(k+1). */
static int lunation_at(long jdn)
{
    int k = (int)floor((double)(jdn - JDN_NM0) / SYNODIC);
    while (new_moon_day(k) > jdn)
        k--;
    while (new_moon_day(k + 1) <= jdn)
        k++;
    return k;
}

/* Lunation index of month 11 of solar year y: the month holding the local
 * day of the winter solstice (sun longitude 270 degrees). */
static int month11(int y)
{
    int k = lunation_at(lunar_jdn(y, 12, 31));
    /* That month starts in December. If the solstice came before the start
     * of its first day, month 11 is the one before. Longitudes here are all
     * between about 245 and 285 degrees, so no wrap-around at 360. */
    if (sun_at_day_start(new_moon_day(k)) >= 270.0)
        k--;
    return k;
}

static void build_sui(void)
{
    int k = month11(SUI_FIRST);
    for (int i = 0; i < SUI_COUNT; i++) {
        struct sui *s = &sui_table[i];
        int knext = month11(SUI_FIRST + i + 1);
        s->n = knext - k;
        s->leap = 0;
        for (int j = 0; j <= s->n; j++)
            s->start[j] = new_moon_day(k + j);
        if (s->n == 13) {
            /* the first month after month 11 without a major term (the
             * sun's longitude does not cross a multiple of 30 degrees) */
            double prev = floor(sun_at_day_start(s->start[1]) / 30.0);
            for (int j = 1; j < 13; j++) {
                double next = floor(sun_at_day_start(s->start[j + 1]) / 30.0);
                if (next == prev) {
                    s->leap = j;
                    break;
                }
                prev = next;
            }
        }
        k = knext;
    }
}

static void ensure_table(void) { pthread_once(&sui_once, build_sui); }

/* Month number (1..12) and year offset (0: the suì's solar year, 1: the
 * next) of month index j in a suì. */
static void month_of_index(const struct sui *s, int j, int *month, int *leap,
                           int *yoff)
{
    int n = j;
    *leap = 0;
    if (s->leap && j >= s->leap) {
        n = j - 1;
        *leap = (j == s->leap);
    }
    *month = (10 + n) % 12 + 1;
    *yoff = n >= 2;
}

int lunar_from_solar(int y, int m, int d, struct lunar_date *out)
{
    if (!valid_ymd(y, m, d))
        return -EINVAL;
    if (y < LUNAR_YEAR_MIN || y > LUNAR_YEAR_MAX)
        return -ERANGE;
    ensure_table();
    long jdn = lunar_jdn(y, m, d);
    /* the suì is that of solar year y or y - 1 */
    int i = y - SUI_FIRST;
    if (jdn < sui_table[i].start[0])
        i--;
    const struct sui *s = &sui_table[i];
    int j = 0;
    while (s->start[j + 1] <= jdn)
        j++;
    int yoff;
    month_of_index(s, j, &out->month, &out->leap, &yoff);
    out->year = SUI_FIRST + i + yoff;
    out->day = (int)(jdn - s->start[j]) + 1;
    return 0;
}

/* Finds the suì and month index of a lunar month. */
static int find_month(int year, int month, int leap, const struct sui **sp,
                      int *jp)
{
    if (month < 1 || month > 12 || (leap != 0 && leap != 1))
        return -EINVAL;
    /* months 11 and 12 of lunar year Y are in suì Y, the others in Y - 1 */
    int sy = month >= 11 ? year : year - 1;
    if (sy < SUI_FIRST || sy > SUI_LAST)
        return -ERANGE;
    ensure_table();
    const struct sui *s = &sui_table[sy - SUI_FIRST];
    int n = (month + 1) % 12; /* 11 -> 0, 12 -> 1, 1 -> 2, ..., 10 -> 11 */
    int j;
    if (leap) {
        if (!s->leap || s->leap - 1 != n)
            return -EINVAL;
        j = s->leap;
    } else {
        j = (s->leap && n >= s->leap) ? n + 1 : n;
    }
    *sp = s;
    *jp = j;
    return 0;
}

int lunar_month_length(int year, int month, int leap)
{
    const struct sui *s;
    int j;
    int rc = find_month(year, month, leap, &s, &j);
    if (rc)
        return rc;
    return (int)(s->start[j + 1] - s->start[j]);
}

int lunar_to_solar(const struct lunar_date *ld, int *y, int *m, int *d)
{
    const struct sui *s;
    int j;
    int rc = find_month(ld->year, ld->month, ld->leap, &s, &j);
    if (rc)
        return rc;
    long len = s->start[j + 1] - s->start[j];
    if (ld->day < 1 || ld->day > len)
        return -EINVAL;
    long jdn = s->start[j] + ld->day - 1;
    int yy, mm, dd;
    lunar_jdn_to_ymd(jdn, &yy, &mm, &dd);
    if (yy < LUNAR_YEAR_MIN || yy > LUNAR_YEAR_MAX)
        return -ERANGE;
    *y = yy;
    *m = mm;
    *d = dd;
    return 0;
}

int lunar_leap_month(int year)
{
    if (year < LUNAR_YEAR_MIN - 1 || year > LUNAR_YEAR_MAX)
        return -ERANGE;
    ensure_table();
    /* leap 1..10 sit in suì year - 1 at index >= 3; leap 11, 12 in suì year */
    const struct sui *a = &sui_table[year - 1 - SUI_FIRST];
    if (a->leap >= 3)
        return (a->leap + 9) % 12 + 1;
    const struct sui *b = &sui_table[year - SUI_FIRST];
    if (b->leap == 1 || b->leap == 2)
        return b->leap == 1 ? 11 : 12;
    return 0;
}
