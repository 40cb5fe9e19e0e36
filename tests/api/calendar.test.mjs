// Appointments around the holidays, under a fixed clock (lib/fakeclock.mjs): the server's
// clock is set to a chosen moment, a dossier is submitted, and its appointment must be the
// one worked out BY HAND below from the rules (DOMAIN.md, docs/calendar.md) and the official
// decisions in data/holiday-overrides.csv, never from motcua's calendar code. Each case
// shows its reasoning.
//
// The rules used: sessions 07:00-11:30 (270 min) and 13:30-17:00 (210 min), 480 working
// minutes a day, so 1 working day = 480 min; Saturdays and Sundays off; Tết = the last day
// of the lunar year and lunar 1/1-1/4; 30/4, 1/5; 2/9 and one adjacent day; a holiday on a
// weekend gives a compensation day on the next working weekday not already off; official
// swaps and make-up Saturdays (which get a weekday's sessions). Birth registration: 1
// working day, cut-off 15:00 (received later on a working day: counted from the next
// working morning). Certificate of marital status: 3 working days (1440 min), no cut-off.
//
// Tết Bính Ngọ: lunar 1/1 = Tuesday 17 February 2026. Tết Đinh Mùi: lunar 1/1 = Saturday
// 6 February 2027.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  BIRTH, COMMUNE, newCitizen, readyBirthDraft, birthForm, startServer, parseLocalIso, formatLocalIso,
} from './lib/server.mjs';
import { FakeClock } from './lib/fakeclock.mjs';
import { dueOn } from './lib/workcal.mjs';

const MARITAL = '1.004873.000.00.00.H56'; // Cấp Giấy xác nhận tình trạng hôn nhân: 3 working days
const BIRTH_DAY = { days: 1, cutoff: 15 * 60 };
const MARITAL_DAYS = { days: 3, cutoff: null };

/** Local (UTC+7) "YYYY-MM-DDTHH:MM" as Unix ms. */
const at = (s) => parseLocalIso(`${s}:00+07:00`);

// received (local), procedure, expected appointment (local, to the minute), and whether the
// clock started at receipt (then the appointment keeps the receipt's seconds) or at the
// start of a session (seconds :00). In the order of time: the clock only moves forward.
const CASES = [
  {
    at: '2025-12-31T10:00', proc: BIRTH, due: '2026-01-05T10:00', fromReceipt: true,
    // Wednesday 31/12: 10:00-11:30 (90) + 13:30-17:00 (210) = 300 min; 180 left.
    // Thu 1/1 Tết Dương lịch; Fri 2/1 off by the official swap; Sat 3, Sun 4.
    // Monday 5/1: 07:00 + 180 min = 10:00.
  },
  {
    at: '2026-01-09T16:00', proc: MARITAL, due: '2026-01-13T16:00', fromReceipt: true,
    // Friday 9/1: 16:00-17:00 = 60; Saturday 10/1 is the make-up day for 2/1, worked with
    // a weekday's sessions: 480 (540); Mon 12/1: 480 (1020); 420 left on Tue 13/1:
    // 270 in the morning, 150 from 13:30 = 16:00.
  },
  {
    at: '2026-02-12T14:00', proc: MARITAL, due: '2026-02-24T14:00', fromReceipt: true,
    // Thursday 12/2: 14:00-17:00 = 180; Fri 13/2: 480 (660). Sat 14, Sun 15; Tết:
    // Mon 16/2 (the last day of Ất Tỵ), Tue 17/2 (1/1 Bính Ngọ) to Fri 20/2 (1/4); Sat 21,
    // Sun 22. Mon 23/2: 480 (1140); 300 left on Tue 24/2: 270 in the morning, 30 from
    // 13:30 = 14:00.
  },
  {
    at: '2026-02-13T10:00', proc: BIRTH, due: '2026-02-23T10:00', fromReceipt: true,
    // Friday 13/2 before the cut-off: 300 min that day, 180 left. Sat 14 to Sun 22 off
    // (weekends and Tết 16/2-20/2). Monday 23/2: 07:00 + 180 = 10:00.
  },
  {
    at: '2026-02-13T15:30', proc: BIRTH, due: '2026-02-23T17:00', fromReceipt: false,
    // Friday 13/2 after the 15:00 cut-off: counted from the next working morning, Monday
    // 23/2 07:00 (14/2-22/2 are off); + 480 = 17:00.
  },
  {
    at: '2026-02-18T09:00', proc: BIRTH, due: '2026-02-23T17:00', fromReceipt: false,
    // Wednesday 18/2 is lunar 1/2, a Tết day: counted from the next working session,
    // Monday 23/2 07:00; + 480 = 17:00.
  },
  {
    at: '2026-04-24T09:00', proc: MARITAL, due: '2026-05-04T09:00', fromReceipt: true,
    // Friday 24/4: 09:00-11:30 (150) + 210 = 360. Sat 25; Sun 26/4 is Giỗ Tổ Hùng Vương
    // (lunar 10/3) on a weekend, so Monday 27/4 is its compensation day. Tue 28/4: 480
    // (840); Wed 29/4: 480 (1320); 120 left. Thu 30/4, Fri 1/5 holidays; Sat 2, Sun 3.
    // Monday 4/5: 07:00 + 120 = 09:00.
  },
  {
    at: '2026-04-29T10:00', proc: BIRTH, due: '2026-05-04T10:00', fromReceipt: true,
    // Wednesday 29/4: 300, 180 left. Thu 30/4, Fri 1/5, Sat 2, Sun 3 off. Monday 4/5:
    // 07:00 + 180 = 10:00.
  },
  {
    at: '2026-08-21T16:00', proc: MARITAL, due: '2026-08-25T16:00', fromReceipt: true,
    // Friday 21/8: 60. Saturday 22/8 is the make-up day for Monday 31/8: 480 (540).
    // Mon 24/8: 480 (1020); 420 left on Tue 25/8: 270 + 150 from 13:30 = 16:00.
  },
  {
    at: '2026-08-22T09:00', proc: BIRTH, due: '2026-08-24T09:00', fromReceipt: true,
    // Saturday 22/8, the make-up day, is worked like a weekday: 09:00-11:30 (150) + 210 =
    // 360; 120 left. Sunday 23/8 off. Monday 24/8: 07:00 + 120 = 09:00.
  },
  {
    at: '2026-08-28T10:00', proc: BIRTH, due: '2026-09-03T10:00', fromReceipt: true,
    // Friday 28/8: 300, 180 left. Sat 29, Sun 30; Mon 31/8 off by the official swap;
    // Quốc khánh Wed 2/9 with its adjacent day Tue 1/9 (the day before, a working weekday).
    // Thursday 3/9: 07:00 + 180 = 10:00.
  },
  {
    at: '2027-02-04T10:00', proc: BIRTH, due: '2027-02-12T10:00', fromReceipt: true,
    // Thursday 4/2: 300, 180 left. Tết Đinh Mùi: Fri 5/2 (last day of Bính Ngọ), Sat 6/2
    // (1/1) to Tue 9/2 (1/4); Sat 6/2 and Sun 7/2 are weekly rest days, so the next working
    // weekdays not already off, Wed 10/2 and Thu 11/2, are compensation days.
    // Friday 12/2: 07:00 + 180 = 10:00.
  },
  {
    at: '2027-02-04T15:20', proc: BIRTH, due: '2027-02-12T17:00', fromReceipt: false,
    // Thursday 4/2 after the cut-off: from the next working morning, Friday 12/2 07:00
    // (5/2-11/2 off, as above); + 480 = 17:00.
  },
  {
    at: '2027-04-29T10:00', proc: BIRTH, due: '2027-05-04T10:00', fromReceipt: true,
    // Thursday 29/4: 300, 180 left. Fri 30/4 holiday; Sat 1/5 is a holiday on a weekend:
    // compensated on the next working weekday, Monday 3/5; Sun 2/5. Tuesday 4/5:
    // 07:00 + 180 = 10:00.
  },
  {
    at: '2027-09-01T14:00', proc: BIRTH, due: '2027-09-06T14:00', fromReceipt: true,
    // Wednesday 1/9: 14:00-17:00 = 180, 300 left. Quốc khánh Thu 2/9, and as 2/9 is a
    // Thursday its adjacent day is Fri 3/9; Sat 4, Sun 5. Monday 6/9: 270 in the morning,
    // 30 from 13:30 = 14:00.
  },
];

function maritalForm() {
  return {
    requester_name: 'Lê Văn Hùng', requester_residence: 'Số 12 phố Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa',
    requester_id_number: '038090012345', requester_relationship: 'Bản thân', requester_phone: '0903123456',
    subject_name: 'Lê Văn Hùng', subject_dob: '1990-05-12', subject_sex: 'nam', subject_ethnicity: 'Kinh',
    subject_nationality: 'Việt Nam', subject_residence: 'Số 12 phố Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa',
    subject_id_number: '038090012345', marital_status: 'chua_ket_hon', purpose: 'Để đăng ký kết hôn',
    copies_requested: 1, commitment: true,
  };
}

/** A draft of the case's procedure, ready to submit; its id. */
async function draft(c, proc) {
  if (proc === BIRTH) return (await readyBirthDraft(c, COMMUNE, { child_dob: '2025-11-15' })).id;
  let r = await c.post('/api/v1/dossiers', { procedure_code: proc, unit_code: COMMUNE });
  assert.equal(r.status, 201, r.text);
  const id = r.json.id;
  r = await c.put(`/api/v1/dossiers/${id}/form`, maritalForm());
  assert.equal(r.status, 200, r.text);
  return id;
}

test('the hand-worked cases agree with the tests\' own calendar table (lib/workcal.mjs)', () => {
  // Two hand-written oracles checked against each other: the table used by the other API
  // tests, and the reasoning above.
  for (const c of CASES) {
    const { days, cutoff } = c.proc === BIRTH ? BIRTH_DAY : MARITAL_DAYS;
    assert.equal(formatLocalIso(dueOn(at(c.at), days * 480, cutoff)).slice(0, 16), c.due, c.at);
  }
});

test('appointments around Tết, 30/4-1/5, 2/9, swaps and make-up days, under a fixed clock', async (t) => {
  const clock = new FakeClock(at(CASES[0].at) - 10 * 60e3);
  const srv = await startServer(t, { env: clock.env() });
  for (const c of CASES) {
    // The citizen and the draft a few minutes before; the submission at the case's time.
    clock.set(at(c.at) - 5 * 60e3);
    const citizen = await newCitizen(srv.url);
    const id = await draft(citizen, c.proc);
    clock.set(at(c.at));
    const r = await citizen.post(`/api/v1/dossiers/${id}/submit`, {});
    assert.equal(r.status, 200, `${c.at}: ${r.text}`);
    const d = r.json;
    const label = `${c.proc === BIRTH ? 'birth registration' : 'marital status'} received ${c.at}`;
    assert.equal(d.submitted_at.slice(0, 16), c.at, `${label}: the fixed clock holds`);
    const seconds = c.fromReceipt ? d.submitted_at.slice(16, 19) : ':00';
    assert.equal(d.due_at, `${c.due}${seconds}+07:00`, label);
    assert.equal(d.first_due_at, d.due_at, label);
    if (c.proc === BIRTH) assert.deepEqual(d.form, birthForm({ child_dob: '2025-11-15' }));
  }
});
