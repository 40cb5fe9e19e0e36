// Officers: TOTP login, the desk queue, the workflow from submission to the
// returned result, permissions scoped to the unit tree, the paused clock.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  ROOT, COMMUNE, COMMUNE2, PROVINCE, Client, startServer, newCitizen, readyBirthDraft, motcua,
  expectRefused, assertError, sqlValue, sql, totp, DEMO_OFFICERS, officerSession as officer,
} from './lib/server.mjs';

// The demo officers, with their TOTP secrets, from the seed file.
const DEMO = DEMO_OFFICERS;


// An officer created through the CLI, without TOTP, with one role on one unit.
async function cliOfficer(srv, login, role, unit) {
  const r = motcua(['user', 'add', '--data', srv.dataDir, '--kind', 'staff', '--login', login, '--name', 'Cán bộ thử',
    '--password', 'mat-khau-can-bo', '--role', role, '--unit', unit, '--no-totp']);
  assert.equal(r.status, 0, r.stderr);
  const c = new Client(srv.url);
  await c.login(login, 'mat-khau-can-bo');
  return c;
}

async function submitted(srv, unit = COMMUNE) {
  const c = await newCitizen(srv.url);
  const d = await readyBirthDraft(c, unit);
  const r = await c.post(`/api/v1/dossiers/${d.id}/submit`, {});
  assert.equal(r.status, 200, r.text);
  return { citizen: c, dossier: r.json };
}

const act = (c, id, action, body = {}) => c.post(`/api/v1/staff/dossiers/${id}/actions/${action}`, body);

test('officers log in with a password and a one-time code', async (t) => {
  const srv = await startServer(t);
  const who = DEMO.reception;
  const c = new Client(srv.url);
  let r = await c.post('/api/v1/auth/login', { login: who.login, password: who.password });
  assertError(r, 401, 'totp_required', 'totp');
  assert.equal(c.cookie, null);
  r = await c.post('/api/v1/auth/login', { login: who.login, password: who.password, totp: '000000' === totp(who.secret) ? '111111' : '000000' });
  assertError(r, 401, 'bad_totp');
  const code = totp(who.secret);
  r = await c.post('/api/v1/auth/login', { login: who.login, password: who.password, totp: code });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.account.kind, 'staff');
  assert.deepEqual(r.json.roles.map((x) => [x.role, x.unit.code]), [['reception', COMMUNE]]);
  // The same code cannot be used a second time.
  const again = new Client(srv.url);
  r = await again.post('/api/v1/auth/login', { login: who.login, password: who.password, totp: code });
  assertError(r, 401, 'bad_totp');
  // A wrong password with a right code is still refused.
  r = await again.post('/api/v1/auth/login', { login: who.login, password: 'sai-mat-khau', totp: totp(who.secret, Date.now(), 1) });
  assertError(r, 401, 'bad_credentials');
});

test('a dossier goes from submission to the returned result', async (t) => {
  const srv = await startServer(t);
  const { citizen, dossier } = await submitted(srv);
  const reception = await officer(srv.url, DEMO.reception);
  const leader = await officer(srv.url, DEMO.leader);
  const specialist = await officer(srv.url, DEMO.specialist);

  let r = await reception.get('/api/v1/staff/dossiers?view=new');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((x) => x.code), [dossier.code]);
  assert.equal(r.json.counts.new, 1);

  r = await reception.get(`/api/v1/staff/dossiers/${dossier.id}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.applicant.name, dossier.form.requester_name); // the form names the applicant
  assert.deepEqual(r.json.actions.map((a) => a.action).sort(), ['accept', 'refuse', 'request_supplement']);

  // A supplement request needs a reason; without one nothing changes.
  await expectRefused(srv, () => act(reception, dossier.id, 'request_supplement', {}), { status: 422, code: 'required', field: 'note' });
  r = await act(reception, dossier.id, 'request_supplement', { note: 'Bản chụp giấy chứng sinh bị mờ' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status.code, 5);
  assert.equal(r.json.clock, 'paused');
  assert.ok(Number.isInteger(r.json.remaining_minutes) && r.json.remaining_minutes >= 0);

  // The citizen sees the request, supplies, and the clock runs again.
  r = await citizen.get(`/api/v1/dossiers/${dossier.id}`);
  assert.equal(r.json.status.code, 5);
  assert.ok(r.json.history.some((h) => h.note === 'Bản chụp giấy chứng sinh bị mờ'));
  r = await citizen.post(`/api/v1/dossiers/${dossier.id}/actions/supply`, { note: 'Đã tải lại bản rõ' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status.code, 1);

  r = await act(reception, dossier.id, 'accept');
  assert.equal(r.json.status.code, 2, r.text);
  // The specialist cannot take the leader's step.
  await expectRefused(srv, () => act(specialist, dossier.id, 'assign', { assignee: DEMO.specialist.login }), { status: 403, code: 'forbidden' });
  await expectRefused(srv, () => act(leader, dossier.id, 'assign', { assignee: 'khong.co.ai' }), { status: 422, code: 'unknown_assignee', field: 'assignee' });
  await expectRefused(srv, () => act(leader, dossier.id, 'assign', { assignee: DEMO.reception.login }), { status: 422, code: 'assignee_not_allowed', field: 'assignee' });
  r = await act(leader, dossier.id, 'assign', { assignee: DEMO.specialist.login });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.assignee.login, DEMO.specialist.login);
  r = await specialist.get('/api/v1/staff/dossiers?view=mine');
  assert.deepEqual(r.json.items.map((x) => x.code), [dossier.code]);

  r = await act(specialist, dossier.id, 'propose');
  assert.equal(r.json.state, 'awaiting_approval', r.text);
  await expectRefused(srv, () => act(leader, dossier.id, 'send_back', {}), { status: 422, code: 'required', field: 'note' });
  r = await act(leader, dossier.id, 'send_back', { note: 'Kiểm tra lại quê quán' });
  assert.equal(r.json.state, 'processing', r.text);
  r = await act(specialist, dossier.id, 'propose');
  r = await act(leader, dossier.id, 'approve');
  assert.equal(r.json.status.code, 9, r.text);
  // A step that does not exist in this state changes nothing.
  await expectRefused(srv, () => act(leader, dossier.id, 'approve'), { status: 409, code: 'action_not_allowed' });
  // Done, its result waiting to be handed back: the desk's "Chờ trả kết quả" view.
  r = await reception.get('/api/v1/staff/dossiers?view=to_return');
  assert.deepEqual(r.json.items.map((x) => x.code), [dossier.code]);
  assert.equal(r.json.counts.to_return, 1);
  assert.equal(r.json.counts.active, 0, 'a finished dossier is not in processing any more');
  r = await act(reception, dossier.id, 'return_result');
  assert.equal(r.json.status.code, 10, r.text);

  // The public lookup shows every status, in order, and nothing personal.
  r = await fetch(`${srv.url}/api/v1/lookup/${dossier.code}`);
  const pub = await r.json();
  assert.equal((await reception.get('/api/v1/staff/dossiers?view=to_return')).json.counts.to_return, 0);
  assert.deepEqual(pub.history.map((h) => h.status.code), [1, 5, 1, 2, 4, 4, 4, 4, 9, 10]);
  assert.ok(!JSON.stringify(pub).includes('Bản chụp giấy chứng sinh bị mờ'));
  // Every step is in the audit chain, which still verifies.
  assert.equal(Number(sqlValue(srv.dataDir, `SELECT count(*) FROM audit_log WHERE action = 'dossier.step' AND object_id = '${dossier.id}'`)), 9);
  const v = motcua(['audit', 'verify', '--data', srv.dataDir]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
});

test('an officer\'s note may span lines and hold 1,000 Vietnamese characters, kept whole', async (t) => {
  const srv = await startServer(t);
  const { citizen, dossier } = await submitted(srv);
  const reception = await officer(srv.url, DEMO.reception);
  // One character too many (1,001 letters of three bytes each), or a control character: refused.
  await expectRefused(srv, () => act(reception, dossier.id, 'request_supplement', { note: 'ữ'.repeat(1001) }), { status: 422, code: 'bad_length', field: 'note' });
  await expectRefused(srv, () => act(reception, dossier.id, 'request_supplement', { note: 'Thiếu\u0007' }), { status: 422, code: 'bad_text', field: 'note' });
  const missing = 'Cần bổ sung:\n- Bản chụp giấy chứng sinh rõ hơn\n- ' + 'ữ'.repeat(1000 - 49);
  assert.equal([...missing].length, 1000);
  const r = await act(reception, dossier.id, 'request_supplement', { note: missing });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.history.at(-1).note, missing);
  const mine = await citizen.get(`/api/v1/dossiers/${dossier.id}`);
  assert.equal(mine.json.history.at(-1).note, missing, 'the citizen reads all of it');
});

test('officers of another commune see nothing of this commune', async (t) => {
  const srv = await startServer(t);
  const { dossier } = await submitted(srv, COMMUNE);
  const other = await cliOfficer(srv, 'tiepnhan.khac', 'reception', COMMUNE2);
  const otherLeader = await cliOfficer(srv, 'lanhdao.khac', 'leader', COMMUNE2);
  let r = await other.get('/api/v1/staff/dossiers?view=all');
  assert.equal(r.status, 200);
  assert.equal(r.json.total, 0);
  assert.equal(r.json.counts.active, 0);
  assert.equal(r.json.counts.all, null); // not counted on every page
  r = await other.get(`/api/v1/staff/dossiers?view=all&q=${encodeURIComponent(dossier.code)}`);
  assert.equal(r.json.total, 0);
  await expectRefused(srv, () => other.get(`/api/v1/staff/dossiers/${dossier.id}`), { status: 404, code: 'not_found' });
  await expectRefused(srv, () => other.get(`/api/v1/staff/dossiers/${dossier.code}`), { status: 404, code: 'not_found' });
  await expectRefused(srv, () => act(other, dossier.id, 'accept'), { status: 404, code: 'not_found' });
  await expectRefused(srv, () => act(otherLeader, dossier.id, 'stop', { note: 'x' }), { status: 404, code: 'not_found' });
  await expectRefused(srv, () => other.get(`/api/v1/staff/dossiers/${dossier.id}/files/giay-chung-sinh.pdf`), { status: 404, code: 'not_found' });
  // The province's administrator holds the role above both communes.
  const admin = await officer(srv.url, DEMO.province_admin);
  r = await admin.get('/api/v1/staff/dossiers?view=new');
  assert.deepEqual(r.json.items.map((x) => x.code), [dossier.code]);
  r = await admin.get(`/api/v1/staff/dossiers/${dossier.id}/files/giay-chung-sinh.pdf`);
  assert.equal(r.status, 200);
  assert.equal(r.buf.subarray(0, 5).toString(), '%PDF-');
});

test('the officers to assign to: only for a unit in the asker\'s subtree, and exactly those who may process there', async (t) => {
  const srv = await startServer(t);
  const mk = (login, name, role, unit) => {
    const r = motcua(['user', 'add', '--data', srv.dataDir, '--kind', 'staff', '--login', login, '--name', name,
      '--password', 'mat-khau-can-bo', '--role', role, '--unit', unit, '--no-totp']);
    assert.equal(r.status, 0, r.stderr);
  };
  // Commune B (Phường Quảng Phú): a specialist (dossier.process), a reception officer
  // and a leader (neither may process, so neither is listed).
  mk('chuyenvien.quangphu', 'Ngô Thị Lan', 'specialist', COMMUNE2);
  mk('tiepnhan.quangphu', 'Vũ Văn Bình', 'reception', COMMUNE2);
  mk('lanhdao.quangphu', 'Hà Văn Cường', 'leader', COMMUNE2);
  // The department of justice, a sibling of both communes under the province.
  mk('chuyenvien.tuphap', 'Mai Thị Dung', 'specialist', '000.00.03.H56');
  const list = (c, unit) => c.get(`/api/v1/staff/officers?unit=${encodeURIComponent(unit)}`);
  const byLogin = (items) => [...items].sort((a, b) => (a.login < b.login ? -1 : 1));
  // Written by hand from data/demo-accounts.csv and the officers made above: who holds
  // dossier.process (specialist, province_admin) on the unit or on a unit above it.
  const PROVINCE_ADMIN = { login: 'quantri.tinh', full_name: 'Lê Thanh Sơn' };
  const WANT = {
    [COMMUNE]: [{ login: 'chuyenvien.hacthanh', full_name: 'Đỗ Minh Tuấn' }, PROVINCE_ADMIN],
    [COMMUNE2]: [{ login: 'chuyenvien.quangphu', full_name: 'Ngô Thị Lan' }, PROVINCE_ADMIN],
  };
  const inScope = async (c, unit, who) => {
    const r = await list(c, unit);
    assert.equal(r.status, 200, `${who} asks for ${unit}: ${r.text}`);
    assert.deepEqual(Object.keys(r.json), ['items']);
    assert.deepEqual(byLogin(r.json.items), WANT[unit], `${who} asks for ${unit}`);
  };
  const outOfScope = (c, unit, who) => expectRefused(srv, () => list(c, unit),
    { status: 404, code: 'not_found', field: 'unit', what: `${who} asks for ${unit}` });

  // An officer of commune A (Phường Hạc Thành) sees the officers of A only.
  const reception = await officer(srv.url, DEMO.reception);
  await inScope(reception, COMMUNE, 'reception of A');
  await outOfScope(reception, COMMUNE2, 'reception of A'); // commune B
  await outOfScope(reception, '000.00.03.H56', 'reception of A'); // a sibling department
  await outOfScope(reception, PROVINCE, 'reception of A'); // the unit above: not in the subtree
  await outOfScope(reception, '999.99.99.H56', 'reception of A'); // no such unit: the same answer
  // Commune B's leader, the other way round.
  const leaderB = new Client(srv.url);
  await leaderB.login('lanhdao.quangphu', 'mat-khau-can-bo');
  await inScope(leaderB, COMMUNE2, 'leader of B');
  await outOfScope(leaderB, COMMUNE, 'leader of B');
  // The province's administrator holds a role above both communes.
  const admin = await officer(srv.url, DEMO.province_admin);
  await inScope(admin, COMMUNE, 'province admin');
  await inScope(admin, COMMUNE2, 'province admin');
});

test('citizens cannot use the officers\' API, officers cannot act without CSRF', async (t) => {
  const srv = await startServer(t);
  const { citizen, dossier } = await submitted(srv);
  await expectRefused(srv, () => citizen.get('/api/v1/staff/dossiers'), { status: 404, code: 'not_found' });
  await expectRefused(srv, () => act(citizen, dossier.id, 'accept'), { status: 404, code: 'not_found' });
  const reception = await officer(srv.url, DEMO.reception);
  await expectRefused(srv, () => reception.post(`/api/v1/staff/dossiers/${dossier.id}/actions/accept`, {}, { csrf: false }), { status: 403, code: 'csrf' });
  await expectRefused(srv, () => reception.get('/api/v1/staff/dossiers?view=everything'), { status: 400, code: 'bad_parameter', field: 'view' });
  // An officer acting as a citizen: owner steps are not theirs.
  r_ok(await act(reception, dossier.id, 'request_supplement', { note: 'Thiếu giấy tờ' }));
  await expectRefused(srv, () => act(reception, dossier.id, 'supply', {}), { status: 409, code: 'action_not_allowed' });
});

function r_ok(r) { assert.equal(r.status, 200, r.text); return r; }

test('forwarding moves the dossier to another unit and keeps who held it', async (t) => {
  const srv = await startServer(t);
  const { dossier } = await submitted(srv);
  const reception = await officer(srv.url, DEMO.reception);
  const leader = await officer(srv.url, DEMO.leader);
  r_ok(await act(reception, dossier.id, 'accept'));
  r_ok(await act(leader, dossier.id, 'assign', { assignee: DEMO.specialist.login }));
  await expectRefused(srv, () => act(leader, dossier.id, 'forward', { note: 'x', unit: COMMUNE }), { status: 422, code: 'same_unit', field: 'unit' });
  await expectRefused(srv, () => act(leader, dossier.id, 'forward', { note: 'x', unit: '999.99.99.H56' }), { status: 422, code: 'unknown_unit', field: 'unit' });
  const justice = '000.00.03.H56';
  r_ok(await act(leader, dossier.id, 'forward', { note: 'Chuyển Sở Tư pháp thẩm định', unit: justice }));
  const holds = sql(srv.dataDir, `SELECT u.code, h.to_at IS NOT NULL AS closed FROM dossier_holds h JOIN units u ON u.id = h.unit_id WHERE dossier_id = ${dossier.id} ORDER BY h.id`);
  assert.deepEqual(holds.map((h) => [h.code, h.closed]), [[COMMUNE, 1], [justice, 0]]);
  // The department now holds it; the commune that received it still sees it.
  const dept = await cliOfficer(srv, 'lanhdao.sotuphap', 'leader', justice);
  let r = await dept.get(`/api/v1/staff/dossiers/${dossier.id}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.current_unit.code, justice);
  assert.equal(r.json.assignee, null);
  r = await leader.get(`/api/v1/staff/dossiers/${dossier.id}`);
  assert.equal(r.status, 200);
  // The commune leader no longer holds a role on the unit holding it: no actions.
  assert.deepEqual(r.json.actions, []);
});

test('during a supplement the citizen adds files but replaces none; the desk prints the receipt', async (t) => {
  const srv = await startServer(t);
  const { citizen, dossier } = await submitted(srv);
  const reception = await officer(srv.url, DEMO.reception);
  const put = (name, body = Buffer.from('%PDF-1.4\n% bo sung\n')) =>
    citizen.req('PUT', `/api/v1/dossiers/${dossier.id}/files/${name}?document=giay_chung_sinh`, { body, type: 'application/pdf' });
  // Submitted, not asked for anything: no uploads.
  await expectRefused(srv, () => put('them.pdf'), { status: 409, code: 'not_a_draft' });
  r_ok(await act(reception, dossier.id, 'request_supplement', { note: 'Cần bản chụp rõ hơn' }));
  const r = await put('ban-ro.pdf');
  assert.equal(r.status, 201, r.text);
  await expectRefused(srv, () => put('giay-chung-sinh.pdf'), { status: 409, code: 'file_exists' });
  // A file sent by mistake with this supplement can be taken back; what was handed in before cannot.
  assert.equal((await put('nham.pdf')).status, 201);
  assert.equal((await citizen.del(`/api/v1/dossiers/${dossier.id}/files/nham.pdf`)).status, 204);
  await expectRefused(srv, () => citizen.del(`/api/v1/dossiers/${dossier.id}/files/giay-chung-sinh.pdf`), { status: 409, code: 'file_locked', field: 'giay-chung-sinh.pdf' });
  await expectRefused(srv, () => citizen.del(`/api/v1/dossiers/${dossier.id}/files/khong-co.pdf`), { status: 404, code: 'not_found' });
  r_ok(await citizen.post(`/api/v1/dossiers/${dossier.id}/actions/supply`, { note: 'Đã tải bản rõ' }));
  await expectRefused(srv, () => put('muon.pdf'), { status: 409, code: 'not_a_draft' });
  await expectRefused(srv, () => citizen.del(`/api/v1/dossiers/${dossier.id}/files/ban-ro.pdf`), { status: 409, code: 'not_a_draft' });
  const files = sql(srv.dataDir, `SELECT name FROM dossier_files WHERE dossier_id = ${dossier.id} ORDER BY id`).map((f) => f.name);
  assert.deepEqual(files, ['giay-chung-sinh.pdf', 'ban-ro.pdf']);
  // Officers see which file came with the supplement.
  const seen = (await reception.get(`/api/v1/staff/dossiers/${dossier.id}`)).json.files;
  assert.deepEqual(seen.map((f) => [f.name, f.with_supplement]), [['giay-chung-sinh.pdf', false], ['ban-ro.pdf', true]]);

  const pdf = await reception.get(`/api/v1/staff/dossiers/${dossier.id}/receipt.pdf`);
  assert.equal(pdf.status, 200);
  assert.equal(pdf.headers.get('content-type'), 'application/pdf');
  assert.equal(pdf.buf.subarray(0, 5).toString(), '%PDF-');
  const other = await cliOfficer(srv, 'tiepnhan.xakhac', 'reception', COMMUNE2);
  await expectRefused(srv, () => other.get(`/api/v1/staff/dossiers/${dossier.id}/receipt.pdf`), { status: 404, code: 'not_found' });
});

test('the queue finds applicants without diacritics, lists dossiers waiting for assignment, and the history names who acted', async (t) => {
  const srv = await startServer(t);
  const { dossier } = await submitted(srv);
  const reception = await officer(srv.url, DEMO.reception);
  const leader = await officer(srv.url, DEMO.leader);
  // The birth form names the applicant "Lê Văn Hùng".
  assert.equal(dossier.form.requester_name, 'Lê Văn Hùng');
  for (const q of ['le van hung', 'LÊ VĂN', 'Hùng', dossier.code.slice(-4)]) {
    const r = await reception.get(`/api/v1/staff/dossiers?view=all&q=${encodeURIComponent(q)}`);
    assert.deepEqual(r.json.items.map((x) => x.code), [dossier.code], `q=${q}`);
  }
  let r = await reception.get(`/api/v1/staff/dossiers?view=all&q=${encodeURIComponent('nguyen')}`);
  assert.equal(r.json.total, 0);
  r_ok(await act(reception, dossier.id, 'accept'));
  r = await leader.get('/api/v1/staff/dossiers?view=to_assign');
  assert.deepEqual(r.json.items.map((x) => x.code), [dossier.code]);
  assert.equal(r.json.counts.to_assign, 1);
  r = await leader.get(`/api/v1/staff/dossiers/${dossier.id}`);
  const last = r.json.history.at(-1);
  assert.equal(last.action, 'accept');
  assert.equal(last.actor.login, DEMO.reception.login);
  assert.equal(last.unit.code, COMMUNE);
  assert.equal(r.json.finished_at, null);
});

test('the desk registers a walk-in: draft, scans, submit, received at once, receipt names the officer', async (t) => {
  const { birthForm, samplePdf, BIRTH } = await import('./lib/server.mjs');
  const srv = await startServer(t);
  const reception = await officer(srv.url, DEMO.reception);
  const specialist = await officer(srv.url, DEMO.specialist);
  // The applicant has an account registered under their ID number. The number was only
  // typed in at registration (anyone can type anyone's), so the walk-in is never linked to it.
  const citizen = await newCitizen(srv.url);
  const body = {
    procedure_code: BIRTH, unit_code: COMMUNE, channel: 'desk',
    applicant: { citizen_id: citizen.person.citizen_id, name: 'Lê Văn Hùng', phone: '0903123456', address: 'Số 12 phố Lê Lợi' },
  };
  await expectRefused(srv, () => specialist.post('/api/v1/staff/dossiers', body), { status: 404, code: 'unknown_unit', field: 'unit_code' });
  await expectRefused(srv, () => reception.post('/api/v1/staff/dossiers', { ...body, channel: 'fax' }), { status: 422, code: 'bad_channel', field: 'channel' });
  await expectRefused(srv, () => reception.post('/api/v1/staff/dossiers', { ...body, applicant: { ...body.applicant, phone: '12' } }), { status: 422, code: 'invalid_form', field: 'phone' });
  await expectRefused(srv, () => reception.post('/api/v1/staff/dossiers', { ...body, unit_code: COMMUNE2 }), { status: 404, code: 'unknown_unit', field: 'unit_code' });
  let r = await reception.post('/api/v1/staff/dossiers', body);
  assert.equal(r.status, 201, r.text);
  const id = r.json.id;
  assert.equal(r.json.channel, 'desk');
  assert.equal(r.json.code, null);
  assert.equal(sqlValue(srv.dataDir, `SELECT owner_id IS NULL FROM dossiers WHERE id = ${id}`), 1, 'not linked to the account');
  assert.equal(sqlValue(srv.dataDir, `SELECT applicant_id_number FROM dossiers WHERE id = ${id}`), citizen.person.citizen_id);
  // Nobody else works on the officer's draft.
  await expectRefused(srv, () => specialist.put(`/api/v1/staff/dossiers/${id}/form`, birthForm()), { status: 404, code: 'not_found' });
  r = await reception.put(`/api/v1/staff/dossiers/${id}/form`, birthForm());
  assert.equal(r.status, 200, r.text);
  r = await reception.req('PUT', `/api/v1/staff/dossiers/${id}/files/ban-quet.pdf?document=giay_chung_sinh`, { body: samplePdf(), type: 'application/pdf' });
  assert.equal(r.status, 201, r.text);
  // The account under the applicant's ID number neither sees nor touches the desk's draft
  // (the regression: it could save the form of a walk-in the desk was still registering).
  const notFound = { status: 404, code: 'not_found' };
  assert.equal((await citizen.get(`/api/v1/dossiers/${id}`)).status, 404);
  await expectRefused(srv, () => citizen.put(`/api/v1/dossiers/${id}/form`, birthForm({ child_name: 'Lê Minh Quân' })), { ...notFound, what: 'form' });
  await expectRefused(srv, () => citizen.req('PUT', `/api/v1/dossiers/${id}/files/cua-toi.pdf?document=giay_chung_sinh`, { body: samplePdf(), type: 'application/pdf' }), { ...notFound, what: 'upload' });
  await expectRefused(srv, () => citizen.del(`/api/v1/dossiers/${id}/files/ban-quet.pdf`), { ...notFound, what: 'delete file' });
  await expectRefused(srv, () => citizen.post(`/api/v1/dossiers/${id}/submit`, {}), { ...notFound, what: 'submit' });
  r = await reception.post(`/api/v1/staff/dossiers/${id}/submit`, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status.code, 2);
  assert.equal(r.json.channel, 'desk');
  assert.deepEqual(r.json.history.map((h) => h.status.code), [1, 2]);
  const code = r.json.code;
  // The desk sees the claim code to hand over; the receipt prints it and names the officer.
  const claimCode = r.json.claim_code;
  assert.match(claimCode, /^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$/);
  assert.equal((await reception.get(`/api/v1/staff/dossiers/${id}`)).json.applicant.id_number, citizen.person.citizen_id);
  const pdf = await reception.get(`/api/v1/staff/dossiers/${id}/receipt.pdf`);
  assert.equal(pdf.status, 200);
  const txt = pdfText(pdf.buf);
  assert.match(txt, /Phạm Thu Hà/);
  assert.match(txt, /Trực tiếp/);
  assert.match(txt, new RegExp(code.replace(/\./g, '\\.')));
  assert.ok(txt.includes(`Mã nhận hồ sơ: ${claimCode}`), `the receipt prints the claim code: ${txt}`);
  // Not among the account's dossiers; the public lookup works.
  r = await citizen.get('/api/v1/dossiers');
  assert.deepEqual(r.json.items.map((x) => x.code), []);
  r = await fetch(`${srv.url}/api/v1/lookup/${code}`);
  assert.equal(r.status, 200);
  // After registration the draft routes refuse it.
  await expectRefused(srv, () => reception.post(`/api/v1/staff/dossiers/${id}/submit`, {}), { status: 404, code: 'not_found' });
  // A walk-in without an ID number has no owner either.
  r = await reception.post('/api/v1/staff/dossiers', { ...body, channel: 'post', applicant: { name: 'Hoàng Thị Lan', address: 'Thôn 3' } });
  assert.equal(r.status, 201, r.text);
  assert.equal(sqlValue(srv.dataDir, `SELECT owner_id IS NULL FROM dossiers WHERE id = ${r.json.id}`), 1);
});

test('the applicant claims a walk-in with the receipt\'s code: once, by one account, guesses limited', async (t) => {
  const { birthForm, samplePdf, BIRTH } = await import('./lib/server.mjs');
  const srv = await startServer(t);
  const reception = await officer(srv.url, DEMO.reception);
  let r = await reception.post('/api/v1/staff/dossiers', {
    procedure_code: BIRTH, unit_code: COMMUNE, channel: 'desk', applicant: { name: 'Lê Văn Hùng', phone: '0903123456' },
  });
  const id = r.json.id;
  r_ok(await reception.put(`/api/v1/staff/dossiers/${id}/form`, birthForm()));
  r = await reception.req('PUT', `/api/v1/staff/dossiers/${id}/files/ban-quet.pdf?document=giay_chung_sinh`, { body: samplePdf(), type: 'application/pdf' });
  assert.equal(r.status, 201, r.text);
  r = await reception.post(`/api/v1/staff/dossiers/${id}/submit`, {});
  r_ok(r);
  const { code, claim_code: claimCode } = r.json;
  const applicant = await newCitizen(srv.url);
  const CLAIM = '/api/v1/dossiers/claim';
  // Wrong codes, an unknown dossier, malformed bodies: refused alike, nothing changes.
  const wrong = claimCode.replace(/^./, (c) => (c === 'A' ? 'B' : 'A'));
  await expectRefused(srv, () => applicant.post(CLAIM, { code, claim_code: wrong }), { status: 404, code: 'not_found' });
  await expectRefused(srv, () => applicant.post(CLAIM, { code: code.replace(/\d{4}$/, '9999'), claim_code: claimCode }), { status: 404, code: 'not_found' });
  await expectRefused(srv, () => applicant.post(CLAIM, { code, claim_code: 'ABC' }), { status: 404, code: 'not_found' });
  await expectRefused(srv, () => applicant.post(CLAIM, { code }), { status: 422, code: 'required', field: 'claim_code' });
  await expectRefused(srv, () => reception.post(CLAIM, { code, claim_code: claimCode }), { status: 403, code: 'citizens_only' });
  // The right code, typed loosely (lower case, a space instead of the dash).
  r = await applicant.post(CLAIM, { code, claim_code: claimCode.toLowerCase().replace('-', ' ') });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.id, id);
  assert.equal(sqlValue(srv.dataDir, `SELECT owner_id FROM dossiers WHERE id = ${id}`), applicant.account.id);
  assert.equal(sqlValue(srv.dataDir, `SELECT claim_code IS NULL FROM dossiers WHERE id = ${id}`), 1, 'the code is used up');
  assert.equal(sqlValue(srv.dataDir, `SELECT count(*) FROM audit_log WHERE action = 'dossier.claim' AND object_id = '${id}'`), 1);
  r = await applicant.get('/api/v1/dossiers');
  assert.deepEqual(r.json.items.map((x) => x.code), [code]);
  assert.equal((await applicant.get(`/api/v1/dossiers/${id}/receipt.pdf`)).status, 200);
  // The same code again, by someone else: nothing to claim.
  const other = await newCitizen(srv.url);
  await expectRefused(srv, () => other.post(CLAIM, { code, claim_code: claimCode }), { status: 404, code: 'not_found' });
  // Guessing: after 5 wrong tries from one account and address, the next one waits.
  for (let i = 0; i < 4; i++) await other.post(CLAIM, { code, claim_code: 'ABCD-EFGH' });
  r = await expectRefused(srv, () => other.post(CLAIM, { code, claim_code: 'ABCD-EFGJ' }), { status: 429, code: 'too_many_attempts' });
  assert.ok(Number(r.headers.get('retry-after')) > 0);
});

// The PDF's text with runs of white space (line wraps included) as one space.
function pdfText(buf) {
  return spawnSync('pdftotext', ['-layout', '-', '-'], { input: buf, encoding: 'utf8' }).stdout.replace(/\s+/g, ' ');
}

// Walks a submitted dossier to the returned result.
async function toReturned(srv, dossier) {
  const reception = await officer(srv.url, DEMO.reception);
  const leader = await officer(srv.url, DEMO.leader);
  const specialist = await officer(srv.url, DEMO.specialist);
  r_ok(await act(reception, dossier.id, 'accept'));
  r_ok(await act(leader, dossier.id, 'assign', { assignee: DEMO.specialist.login }));
  r_ok(await act(specialist, dossier.id, 'propose'));
  return { reception, leader, specialist };
}

test('the result document is drawn from the template with the form data, for the citizen once returned', async (t) => {
  const srv = await startServer(t);
  const { citizen, dossier } = await submitted(srv);
  const { reception, leader } = await toReturned(srv, dossier);
  await expectRefused(srv, () => citizen.get(`/api/v1/dossiers/${dossier.id}/result.pdf`), { status: 409, code: 'no_result' });
  await expectRefused(srv, () => reception.get(`/api/v1/staff/dossiers/${dossier.id}/result.pdf`), { status: 409, code: 'no_result' });
  r_ok(await act(leader, dossier.id, 'approve'));
  // The officers see it at "done"; the citizen only once it is returned.
  let r = await reception.get(`/api/v1/staff/dossiers/${dossier.id}/result.pdf`);
  assert.equal(r.status, 200, r.text);
  await expectRefused(srv, () => citizen.get(`/api/v1/dossiers/${dossier.id}/result.pdf`), { status: 409, code: 'no_result' });
  r_ok(await act(reception, dossier.id, 'return_result'));
  r = await citizen.get(`/api/v1/dossiers/${dossier.id}/result.pdf`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers.get('content-type'), 'application/pdf');
  const text = pdfText(r.buf);
  const form = dossier.form;
  for (const want of ['TRÍCH LỤC KHAI SINH', 'UBND PHƯỜNG HẠC THÀNH', form.child_name, form.child_dob.split('-').reverse().join('/'),
    form.mother_name, form.child_birth_place, 'Trịnh Văn Long', `Số: ${dossier.code}`]) {
    assert.ok(text.includes(want), `result PDF lacks "${want}":\n${text}`);
  }
  // The select's label is printed, not its stored value.
  assert.match(text, /Giới tính: Nam/);
  const stranger = await newCitizen(srv.url);
  await expectRefused(srv, () => stranger.get(`/api/v1/dossiers/${dossier.id}/result.pdf`), { status: 404, code: 'not_found' });
});

test('a late dossier gets an apology letter with a new appointment; the first one is kept', async (t) => {
  const srv = await startServer(t);
  const { citizen, dossier } = await submitted(srv);
  const reception = await officer(srv.url, DEMO.reception);
  const specialist = await officer(srv.url, DEMO.specialist);
  const later = (days) => {
    const d = new Date(Date.now() + 7 * 3600e3 + days * 86400e3);
    return d.toISOString().slice(0, 10) + 'T16:00';
  };
  // Not late yet (the appointment is days away, or the calendar says so): refused, nothing changes.
  const dueMs = Date.parse(dossier.due_at);
  if (dueMs - Date.now() > 86400e3) {
    await expectRefused(srv, () => reception.post(`/api/v1/staff/dossiers/${dossier.id}/apology`, { new_due_at: later(10), reason: 'x' }), { status: 409, code: 'not_late' });
  }
  // Make the dossier late, as time would: its appointment passed an hour ago.
  const overdue = Math.floor(Date.now() / 1000) - 3600;
  sql(srv.dataDir, `UPDATE dossiers SET due_at = ${overdue} WHERE id = ${dossier.id}`);
  await expectRefused(srv, () => specialist.post(`/api/v1/staff/dossiers/${dossier.id}/apology`, { new_due_at: later(3), reason: 'x' }), { status: 403, code: 'forbidden' });
  await expectRefused(srv, () => reception.post(`/api/v1/staff/dossiers/${dossier.id}/apology`, { new_due_at: '2020-01-01T08:00', reason: 'x' }), { status: 422, code: 'bad_new_due', field: 'new_due_at' });
  await expectRefused(srv, () => reception.post(`/api/v1/staff/dossiers/${dossier.id}/apology`, { new_due_at: '2026-13-45T99:99', reason: 'x' }), { status: 422, code: 'bad_date', field: 'new_due_at' });
  await expectRefused(srv, () => reception.post(`/api/v1/staff/dossiers/${dossier.id}/apology`, { new_due_at: later(3) }), { status: 422, code: 'required', field: 'reason' });
  let r = await reception.post(`/api/v1/staff/dossiers/${dossier.id}/apology`, { new_due_at: later(3), reason: 'Chờ xác minh thông tin nơi sinh' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.apology, 1);
  assert.equal(r.json.first_due_at, dossier.due_at);
  assert.equal(r.json.due_at.slice(0, 16), later(3));
  assert.equal(r.json.apologies.length, 1);
  // The citizen sees both dates and downloads the letter.
  r = await citizen.get(`/api/v1/dossiers/${dossier.id}`);
  assert.equal(r.json.first_due_at, dossier.due_at);
  assert.equal(r.json.due_at.slice(0, 16), later(3));
  r = await citizen.get(`/api/v1/dossiers/${dossier.id}/apologies/1`);
  assert.equal(r.status, 200, r.text);
  const text = pdfText(r.buf);
  for (const want of ['PHIẾU XIN LỖI VÀ HẸN LẠI NGÀY TRẢ KẾT QUẢ', dossier.code, 'Chờ xác minh thông tin nơi sinh', 'Phạm Thu Hà']) {
    assert.ok(text.includes(want), `apology PDF lacks "${want}":\n${text}`);
  }
  await expectRefused(srv, () => citizen.get(`/api/v1/dossiers/${dossier.id}/apologies/2`), { status: 404, code: 'not_found' });
  // The public lookup shows the new appointment; its history has no reason text.
  r = await fetch(`${srv.url}/api/v1/lookup/${dossier.code}`);
  const pub = await r.json();
  assert.equal(pub.due_at.slice(0, 16), later(3));
  assert.ok(!JSON.stringify(pub).includes('xác minh'));
  assert.equal(motcua(['audit', 'verify', '--data', srv.dataDir]).status, 0);
});

test('an officer who opens a dossier\'s file leaves an audit entry; the applicant reading their own does not', async (t) => {
  const { readyBirthDraft } = await import('./lib/server.mjs');
  const srv = await startServer(t);
  const c = await newCitizen(srv.url);
  const d = await readyBirthDraft(c);
  r_ok(await c.post(`/api/v1/dossiers/${d.id}/submit`, {}));
  const reception = await officer(srv.url, DEMO.reception);
  const name = d.files[0].name;
  const count = () => sqlValue(srv.dataDir, "SELECT count(*) FROM audit_log WHERE action = 'dossier.file.read'");
  const mine = await c.get(`/api/v1/dossiers/${d.id}/files/${name}`);
  assert.equal(mine.status, 200);
  assert.equal(count(), 0, "the applicant's own read is not an officer's");
  const r = await reception.get(`/api/v1/staff/dossiers/${d.id}/files/${name}`);
  assert.equal(r.status, 200);
  assert.deepEqual(r.buf, mine.buf, 'the same bytes');
  const e = sql(srv.dataDir, "SELECT actor_id, object_type, object_id, detail FROM audit_log WHERE action = 'dossier.file.read'");
  assert.deepEqual(e.map((x) => [x.actor_id, x.object_type, x.object_id, JSON.parse(x.detail)]),
    [[reception.account.id, 'dossier', String(d.id), { file: name, kind: 'handed_in' }]]);
  // A file that does not exist: 404, and nothing recorded.
  assert.equal((await reception.get(`/api/v1/staff/dossiers/${d.id}/files/khong-co.pdf`)).status, 404);
  assert.equal(count(), 1);
});
