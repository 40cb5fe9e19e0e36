// The leaders' follow-up board of incoming documents (docs/documents.md "The follow-up board").
// Phường Hạc Thành issues seven công văn to Phường Quảng Phú; Quảng Phú's clerk registers them
// (one is refused back), the leader assigns them to the specialist, to the whole ward or to two of
// its offices with deadlines in the past and the future, reassigns one, and the specialist handles
// and completes some, one before its deadline and one after. The test keeps its own model of
// where each document stands (lead unit, deadline, state) as it goes; at the end the counters
// (followup_counts), the board and its drill-down must equal what the model says — the counters
// are a recount of the rows, and so is the migration's fill of the counters from the documents
// (run on a copy of the database). The board is scoped to the officer's units and the units below;
// refused requests change nothing, the counters included.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  ROOT, COMMUNE, COMMUNE2, Client, DEMO_OFFICERS, startServer, samplePdf, sql, sqlValue, totp,
  expectRefused, motcua, officerSession as officer, addStaff,
} from './lib/server.mjs';

const ECON = '002.02.90.H56'; // Phòng Kinh tế, Hạ tầng và Đô thị phường Quảng Phú
const CULTURE = '003.02.90.H56'; // Phòng Văn hóa – Xã hội phường Quảng Phú

/** Today and a day shifted by `days`, in Vietnam (UTC+7), YYYY-MM-DD. */
const day = (days = 0) => new Date(Date.now() + 7 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);

test('follow-up board: counters follow every step, equal a recount, drill down to the documents, scoped to the units', async (t) => {
  const srv = await startServer(t);
  const id = (q) => Number(sqlValue(srv.dataDir, q));
  const unitId = (code) => id(`SELECT id FROM units WHERE code = '${code}'`);
  const unit = unitId(COMMUNE), ward = unitId(COMMUNE2), econ = unitId(ECON), culture = unitId(CULTURE);
  const leaderId = id(`SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.leader.login}'`);

  const staff = {};
  for (const [role, login, name, code] of [['clerk', 'vt.quangphu', 'Lê Thị Văn', COMMUNE2],
    ['leader', 'ld.quangphu', 'Trịnh Văn Lãnh', COMMUNE2], ['specialist', 'cv.quangphu', 'Phạm Thị Chuyên', COMMUNE2],
    ['specialist', 'cv.vanhoa', 'Đỗ Thị Hòa', CULTURE]]) {
    staff[login] = await addStaff(srv, { login, name, role, unit: code });
  }
  const qClerk = staff['vt.quangphu'].c, qLeader = staff['ld.quangphu'].c, qSpec = staff['cv.quangphu'].c;
  const specId = staff['cv.quangphu'].id, cultureSpec = staff['cv.vanhoa'].c;
  const specialist = await officer(srv.url, DEMO_OFFICERS.specialist);
  const leader = await officer(srv.url, DEMO_OFFICERS.leader);
  const clerk = await officer(srv.url, DEMO_OFFICERS.clerk);

  /** A công văn of Hạc Thành through its outgoing flow, issued to Quảng Phú; its copy there. */
  async function incoming(summary) {
    let r = await specialist.post('/api/v1/documents', {
      unit_id: unit, type: 'cong_van', department: 'VP', summary, signer_id: leaderId, signer_title: 'CHỦ TỊCH',
      recipients_internal: [ward],
    });
    assert.equal(r.status, 201, r.text);
    const doc = r.json.document;
    r = await specialist.req('PUT', `/api/v1/documents/${doc.id}/body/cong-van.pdf`, { body: samplePdf(summary.slice(0, 20)), type: 'application/pdf' });
    assert.equal(r.status, 200, r.text);
    assert.equal((await specialist.post(`/api/v1/documents/${doc.id}/submit`, {})).status, 200);
    assert.equal((await leader.post(`/api/v1/documents/${doc.id}/review`, { decision: 'approve' })).status, 200);
    assert.equal((await leader.post(`/api/v1/documents/${doc.id}/sign`, {})).status, 200);
    r = await clerk.post(`/api/v1/documents/${doc.id}/issue`, {});
    assert.equal(r.status, 200, r.text);
    return id(`SELECT id FROM documents WHERE source_id = ${doc.id} AND unit_id = ${ward}`);
  }
  const names = ['A', 'B', 'C', 'D', 'E', 'F', 'G'];
  const doc = {};
  for (const n of names) doc[n] = await incoming(`V/v công việc ${n} cần theo dõi`);

  // The model: for each document on the board, its lead unit, deadline and state.
  const model = {};
  const ok = (r) => assert.equal(r.status, 200, r.text);
  const assign = async (n, body) => {
    ok(await qLeader.post(`/api/v1/incoming/${doc[n]}/assign`, { instruction: `Xử lý việc ${n}.`, ...body }));
    model[n] = { unit: body.lead_unit_id || ward, deadline: body.deadline, state: 'assigned' };
  };
  const start = async (n) => { ok(await qSpec.post(`/api/v1/incoming/${doc[n]}/start`, {})); model[n].state = 'handling'; };
  const complete = async (n) => {
    ok(await qSpec.post(`/api/v1/incoming/${doc[n]}/complete`, { note: 'Đã xong.' }));
    // Completed today: on time when the deadline (the last day) is today or later.
    model[n].state = model[n].deadline >= day(0) ? 'on_time' : 'late';
  };

  for (const n of ['A', 'B', 'C', 'D', 'E', 'F']) ok(await qClerk.post(`/api/v1/incoming/${doc[n]}/register`, {}));
  ok(await qClerk.post(`/api/v1/incoming/${doc.G}/refuse`, { reason: 'Gửi nhầm nơi nhận.' }));
  // Registered or refused: nothing on the board yet.
  let r = await qLeader.get('/api/v1/incoming/board');
  ok(r);
  assert.deepEqual(r.json.units, []);
  assert.equal(sqlValue(srv.dataDir, 'SELECT count(*) FROM followup_counts WHERE n <> 0'), 0);

  await assign('A', { lead_account_id: specId, deadline: day(5) });
  await start('A');
  await complete('A'); // on time
  await assign('B', { lead_account_id: specId, deadline: day(-1) }); // overdue
  await assign('C', { lead_unit_id: econ, deadline: day(3) });
  await start('C'); // the ward's specialist handles for its office
  await assign('D', { lead_unit_id: culture, deadline: day(-2) });
  await complete('D'); // late
  await assign('E', { lead_unit_id: culture, deadline: day(10) });
  await assign('E', { lead_account_id: specId, deadline: day(-3) }); // reassigned: leaves the office

  // Refusals change nothing, the counters included: a lead outside the unit (refused after the
  // step has taken the document off its counter: the rollback puts it back), a completed one
  // reassigned, the board of a unit outside one's own, bad filters.
  await expectRefused(srv, () => qLeader.post(`/api/v1/incoming/${doc.B}/assign`, { lead_account_id: leaderId, deadline: day(1) }),
    { status: 422, code: 'lead_invalid' });
  await expectRefused(srv, () => qLeader.post(`/api/v1/incoming/${doc.A}/assign`, { lead_account_id: specId, deadline: day(1) }),
    { status: 409, code: 'wrong_state' });
  await expectRefused(srv, () => clerk.get(`/api/v1/incoming/board/${ward}`), { status: 404, code: 'unit_not_found' });
  await expectRefused(srv, () => cultureSpec.get(`/api/v1/incoming/board/${ward}`), { status: 404, code: 'unit_not_found' });
  await expectRefused(srv, () => qLeader.get('/api/v1/incoming/board?state=pending'), { status: 400, code: 'bad_parameter', field: 'state' });
  await expectRefused(srv, () => qLeader.get('/api/v1/incoming/board?from=7/12/2026'), { status: 400, code: 'bad_parameter', field: 'from' });
  await expectRefused(srv, () => qLeader.get('/api/v1/incoming/board/abc'), { status: 404, code: 'not_found' });

  // The counters equal the model, key by key.
  const rows = sql(srv.dataDir, 'SELECT unit_id, deadline, state, n FROM followup_counts WHERE n <> 0 ORDER BY 1, 2, 3');
  const expectKeys = {};
  for (const m of Object.values(model)) {
    const k = `${m.unit}|${m.deadline}|${m.state}`;
    expectKeys[k] = (expectKeys[k] || 0) + 1;
  }
  assert.deepEqual(Object.fromEntries(rows.map((x) => [`${x.unit_id}|${x.deadline}|${x.state}`, x.n])), expectKeys);
  assert.equal(sqlValue(srv.dataDir, 'SELECT count(*) FROM followup_counts WHERE n < 0'), 0);

  // The migration's fill of the counters from the documents (db/027, for a database that had
  // assigned documents before it) gives the same counters: run on a copy, emptied first.
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-followup-'));
  t.after(() => fs.rmSync(scratch, { recursive: true, force: true }));
  const copy = path.join(scratch, 'copy.db');
  const sqlite = (db, input) => {
    const x = spawnSync('sqlite3', ['-json', '-cmd', '.timeout 5000', db], { input, encoding: 'utf8' });
    assert.equal(x.status, 0, x.stderr);
    assert.equal(x.stderr, '');
    return x.stdout.trim() ? JSON.parse(x.stdout) : [];
  };
  sqlite(path.join(srv.dataDir, 'motcua.db'), `.backup '${copy}'\n`);
  const migration = fs.readFileSync(path.join(ROOT, 'db/027_followup.sql'), 'utf8');
  const fill = /INSERT INTO followup_counts[\s\S]*?;/.exec(migration);
  assert.ok(fill, 'the migration fills the counters');
  const refilled = sqlite(copy, `DELETE FROM followup_counts;\n${fill[0]}\n` +
    'SELECT unit_id, deadline, state, n FROM followup_counts WHERE n <> 0 ORDER BY 1, 2, 3;\n');
  assert.deepEqual(Object.fromEntries(refilled.map((x) => [`${x.unit_id}|${x.deadline}|${x.state}`, x.n])), expectKeys);

  /** The board's figures the model gives, per unit, for documents passing keep(). */
  const expectBoard = (keep = () => true, state = null) => {
    const per = {};
    for (const m of Object.values(model).filter(keep)) {
      const f = per[m.unit] ||= { assigned: 0, handling: 0, overdue: 0, on_time: 0, late: 0, total: 0 };
      f[m.state]++;
      f.total++;
      if ((m.state === 'assigned' || m.state === 'handling') && m.deadline < day(0)) f.overdue++;
    }
    return Object.entries(per).filter(([, f]) => !state || f[state] > 0)
      .map(([u, f]) => [Number(u), f]).sort((a, b) => a[0] - b[0]);
  };
  const board = (json) => json.units.map((x) => { const { unit: u, ...f } = x; return [u.id, f]; }).sort((a, b) => a[0] - b[0]);
  const sum = (list) => list.reduce((s, [, f]) => {
    for (const k of Object.keys(f)) s[k] = (s[k] || 0) + f[k];
    return s;
  }, { assigned: 0, handling: 0, overdue: 0, on_time: 0, late: 0, total: 0 });

  // The ward's leader: the ward, its economy and its culture offices.
  r = await qLeader.get('/api/v1/incoming/board');
  ok(r);
  const all = expectBoard();
  assert.deepEqual(board(r.json), all);
  assert.deepEqual(r.json.totals, sum(all));
  // Written out once, so that the model itself is checked by hand.
  assert.deepEqual(all, [
    [ward, { assigned: 2, handling: 0, overdue: 2, on_time: 1, late: 0, total: 3 }],
    [econ, { assigned: 0, handling: 1, overdue: 0, on_time: 0, late: 0, total: 1 }],
    [culture, { assigned: 0, handling: 0, overdue: 0, on_time: 0, late: 1, total: 1 }],
  ].sort((a, b) => a[0] - b[0]));
  assert.equal(r.json.units.find((x) => x.unit.id === culture).unit.name, 'Phòng Văn hóa – Xã hội phường Quảng Phú');
  assert.equal(r.json.today, day(0));

  // Filters: deadlines from today; up to yesterday; overdue only.
  r = await qLeader.get(`/api/v1/incoming/board?from=${day(0)}`);
  assert.deepEqual(board(r.json), expectBoard((m) => m.deadline >= day(0)));
  r = await qLeader.get(`/api/v1/incoming/board?to=${day(-1)}`);
  assert.deepEqual(board(r.json), expectBoard((m) => m.deadline <= day(-1)));
  r = await qLeader.get(`/api/v1/incoming/board?from=${day(-2)}&to=${day(3)}&state=late`);
  assert.deepEqual(board(r.json), expectBoard((m) => m.deadline >= day(-2) && m.deadline <= day(3), 'late'));
  r = await qLeader.get('/api/v1/incoming/board?state=overdue');
  assert.deepEqual(board(r.json).map(([u]) => u), [ward]);

  // The drill-down: the documents behind each figure, by deadline.
  const expectList = (u, state) => Object.entries(model)
    .filter(([, m]) => m.unit === u && (!state || m.state === state ||
      (state === 'overdue' && ['assigned', 'handling'].includes(m.state) && m.deadline < day(0))))
    .sort((a, b) => a[1].deadline.localeCompare(b[1].deadline) || doc[a[0]] - doc[b[0]])
    .map(([n, m]) => [doc[n], m.state, m.deadline]);
  for (const u of [ward, econ, culture]) {
    for (const state of [null, 'assigned', 'handling', 'overdue', 'on_time', 'late']) {
      r = await qLeader.get(`/api/v1/incoming/board/${u}${state ? `?state=${state}` : ''}`);
      ok(r);
      assert.deepEqual(r.json.items.map((x) => [x.id, x.state, x.deadline]), expectList(u, state), `${u} ${state}`);
      assert.equal(r.json.total, expectList(u, state).length);
    }
  }
  r = await qLeader.get(`/api/v1/incoming/board/${ward}?state=overdue`);
  assert.deepEqual(r.json.items.map((x) => [x.id, x.overdue, x.code, x.lead && x.lead.name, x.sender]),
    [[doc.E, true, '04', 'Phạm Thị Chuyên', 'Phường Hạc Thành'], [doc.B, true, '04', 'Phạm Thị Chuyên', 'Phường Hạc Thành']]);
  r = await qLeader.get(`/api/v1/incoming/board/${ward}?limit=1&offset=1`);
  assert.deepEqual(r.json.items.map((x) => x.id), [expectList(ward)[1][0]]);
  assert.equal(r.json.total, 3);

  // The leader's form's choices: the ward's officers who may lead, the ward and its offices.
  r = await qLeader.get(`/api/v1/incoming/${doc.F}/assignees`);
  ok(r);
  assert.ok(r.json.officers.some((o) => o.id === specId && o.name === 'Phạm Thị Chuyên'), r.text);
  assert.ok(!r.json.officers.some((o) => o.id === staff['vt.quangphu'].id), 'the clerk does not handle');
  assert.ok(!r.json.officers.some((o) => o.id === staff['cv.vanhoa'].id), 'an office\'s officer does not hold document.handle on the ward');
  assert.equal(r.json.units[0].id, ward);
  assert.ok([econ, culture].every((u) => r.json.units.some((x) => x.id === u)));
  await expectRefused(srv, () => qClerk.get(`/api/v1/incoming/${doc.F}/assignees`), { status: 403, code: 'forbidden' });
  await expectRefused(srv, () => leader.get(`/api/v1/incoming/${doc.F}/assignees`), { status: 404, code: 'document_not_found' });

  // Scope: the culture office's specialist sees its office only; Hạc Thành sees none of it.
  r = await cultureSpec.get('/api/v1/incoming/board');
  assert.deepEqual(board(r.json), expectBoard((m) => m.unit === culture));
  r = await cultureSpec.get(`/api/v1/incoming/board/${culture}`);
  assert.deepEqual(r.json.items.map((x) => x.id), [doc.D]);
  r = await clerk.get('/api/v1/incoming/board');
  assert.deepEqual(r.json.units, []);
});
