// The tests' own working calendar: the default sessions and the days off and make-up days
// of 2025 to 2027, written out by hand from the rules (DOMAIN.md, docs/calendar.md: Labour
// Code 2019 art. 112, compensation days) and the official decisions in
// data/holiday-overrides.csv, and an appointment calculator on top. Nothing here comes
// from motcua's calendar code, so a wrong holiday there makes the appointments differ.
//
// Outside 2025-2027 the calculator refuses to answer (extend the table by hand).

const H = 3600e3;
const MIN = 60e3;
/** Sessions of a working day, minutes since local midnight: 07:00-11:30, 13:30-17:00. */
export const SESSIONS = [[7 * 60, 11 * 60 + 30], [13 * 60 + 30, 17 * 60]];
/** The first and last year the table below covers. */
export const TABLE_YEARS = [2025, 2027];

// Weekdays (and holidays on weekends, for the record) that are not worked.
export const DAYS_OFF = new Set([
  // 2025. 1/1 is a Wednesday.
  '2025-01-01',
  // Tết Ất Tỵ: lunar 1/1 is Wednesday 29/1; the rules give Tue 28/1 - Sat 1/2 and a
  // compensation day on Monday 3/2 for the Saturday; the government gave Monday 27/1
  // instead and kept 3/2 a working day (holiday-overrides.csv): 25/1 - 2/2 off.
  '2025-01-27', '2025-01-28', '2025-01-29', '2025-01-30', '2025-01-31', '2025-02-01',
  // Giỗ Tổ Hùng Vương (lunar 10/3) is Monday 7/4.
  '2025-04-07',
  // 30/4 is a Wednesday, 1/5 a Thursday; Friday 2/5 swapped with Saturday 26/4.
  '2025-04-30', '2025-05-01', '2025-05-02',
  // Quốc khánh: 2/9 is a Tuesday, so the adjacent day is Monday 1/9.
  '2025-09-01', '2025-09-02',
  // 2026. 1/1 is a Thursday; the government swapped Friday 2/1 with Saturday 10/1.
  '2026-01-01', '2026-01-02',
  // Tết Bính Ngọ: lunar 1/1 is Tuesday 17/2; the 5 days are the last day of the lunar
  // year (Mon 16/2) and lunar 1/1-1/4 (Tue 17/2 - Fri 20/2). None falls on a weekend,
  // so no compensation; with the weekends, 14/2 - 22/2 are off.
  '2026-02-16', '2026-02-17', '2026-02-18', '2026-02-19', '2026-02-20',
  // Giỗ Tổ Hùng Vương (lunar 10/3) is Sunday 26/4 (data/holiday-overrides.csv): the next
  // working weekday, Monday 27/4, is the compensation day.
  '2026-04-26', '2026-04-27',
  // 30/4 is a Thursday, 1/5 a Friday.
  '2026-04-30', '2026-05-01',
  // Quốc khánh: 2/9 is a Wednesday; the adjacent day is 1/9 (a working weekday, so the
  // day before); Monday 31/8 swapped with Saturday 22/8 (holiday-overrides.csv).
  '2026-08-31', '2026-09-01', '2026-09-02',
  // 2027. 1/1 is a Friday.
  '2027-01-01',
  // Tết Đinh Mùi: lunar 1/1 is Saturday 6/2; the 5 days are Fri 5/2 (last day of the
  // lunar year) and Sat 6/2 - Tue 9/2. Saturday 6/2 and Sunday 7/2 are weekly rest days:
  // each gives a compensation day on the next working weekday not already off, in date
  // order: Wednesday 10/2 and Thursday 11/2. Friday 12/2 is worked.
  '2027-02-05', '2027-02-06', '2027-02-07', '2027-02-08', '2027-02-09', '2027-02-10', '2027-02-11',
  // Giỗ Tổ Hùng Vương: lunar 3/1 is Wednesday 7/4 (the new moon of 6 April 2027 falls at
  // 06:51 on the 7th in UTC+7), so lunar 10/3 is Friday 16/4.
  '2027-04-16',
  // 30/4 is a Friday; 1/5 a Saturday, compensated on Monday 3/5.
  '2027-04-30', '2027-05-01', '2027-05-03',
  // Quốc khánh: 2/9 is a Thursday, so the adjacent day is Friday 3/9.
  '2027-09-02', '2027-09-03',
]);

// Saturdays worked (ngày làm bù), with the sessions of a weekday.
export const MAKE_UP_DAYS = new Set([
  '2025-04-26', // for Friday 2/5/2025
  '2026-01-10', // for Friday 2/1
  '2026-08-22', // for Monday 31/8
]);

/** Vietnam local "YYYY-MM-DD" of Unix ms. */
export const localDay = (ms) => new Date(ms + 7 * H).toISOString().slice(0, 10);
/** Unix ms of local midnight of the day holding ms. */
export const localMidnight = (ms) => Math.floor((ms + 7 * H) / (24 * H)) * 24 * H - 7 * H;

/** Whether the local day starting at midnight ms is worked, by the table. */
export function isWorkingDay(dayMs) {
  const ymd = localDay(dayMs);
  const year = Number(ymd.slice(0, 4));
  if (year < TABLE_YEARS[0] || year > TABLE_YEARS[1]) {
    throw new Error(`the tests' hand-written calendar covers ${TABLE_YEARS.join('-')}, not ${ymd}: add the year to tests/api/lib/workcal.mjs`);
  }
  if (MAKE_UP_DAYS.has(ymd)) return true;
  const wd = new Date(dayMs + 7 * H).getUTCDay();
  return wd >= 1 && wd <= 5 && !DAYS_OFF.has(ymd);
}

/**
 * The appointment by the table: the clock starts at receipt inside a session, at 13:30 at
 * lunch, at the next working session after 17:00, before 07:00 or on a day off, or (with a
 * cut-off, minutes since midnight) at the start of the next working day when received on
 * a working day strictly after the cut-off; then `minutes` of working time. A result at
 * the very end of a session stays there. Returns Unix ms.
 */
export function dueOn(receivedMs, minutes, cutoffMin = null) {
  let day = localMidnight(receivedMs);
  let cur = receivedMs;
  if (cutoffMin != null && isWorkingDay(day) && receivedMs - day > cutoffMin * MIN) {
    day += 24 * H;
    cur = day;
  }
  let left = minutes * MIN;
  for (let guard = 0; guard < 800; guard++) {
    if (isWorkingDay(day)) {
      for (const [s, e] of SESSIONS) {
        const start = Math.max(cur, day + s * MIN);
        const end = day + e * MIN;
        if (start >= end) continue;
        if (left <= end - start) return start + left;
        left -= end - start;
      }
    }
    day += 24 * H;
    cur = day;
  }
  throw new Error('the calculator did not terminate');
}
