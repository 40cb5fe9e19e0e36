// Complaints and suggestions (phản ánh, kiến nghị): a citizen sends one about a unit, the
// unit's leader assigns it, the specialist answers, the citizen rates the answer. Other
// citizens and officers of other communes see nothing; refused requests change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COMMUNE, COMMUNE2, Client, startServer, newCitizen, readyBirthDraft, motcua, expectRefused,
} from './lib/server.mjs';

async function officer(srv, login, role, unit) {
  const r = motcua(['user', 'add', '--data', srv.dataDir, '--kind', 'staff', '--login', login, '--name', 'Cán bộ',
    '--password', 'mat-khau-can-bo', '--role', role, '--unit', unit, '--no-totp']);
  assert.equal(r.status, 0, r.stderr);
  const c = new Client(srv.url);
  await c.login(login, 'mat-khau-can-bo');
  return c;
}

test('a complaint is received, assigned, answered on time and rated', async (t) => {
  const srv = await startServer(t);
  const citizen = await newCitizen(srv.url);
  const d = await readyBirthDraft(citizen);
  const sub = await citizen.post(`/api/v1/dossiers/${d.id}/submit`, {});
  assert.equal(sub.status, 200, sub.text);
  const body = { kind: 'complaint', unit_code: COMMUNE, dossier_code: sub.json.code, subject: 'Hồ sơ chậm', content: 'Tôi chưa nhận được kết quả đúng hẹn.' };

  await expectRefused(srv, () => citizen.post('/api/v1/feedback', { ...body, kind: 'praise' }), { status: 422, code: 'bad_kind', field: 'kind' });
  await expectRefused(srv, () => citizen.post('/api/v1/feedback', { ...body, unit_code: '999.99.99.H56' }), { status: 404, code: 'unknown_unit', field: 'unit_code' });
  await expectRefused(srv, () => citizen.post('/api/v1/feedback', { ...body, content: 'x'.repeat(4001) }), { status: 422, code: 'bad_length', field: 'content' });
  // Line breaks are text; other control characters are not, and the subject is one line.
  await expectRefused(srv, () => citizen.post('/api/v1/feedback', { ...body, content: 'Chuông\u0007' }), { status: 422, code: 'bad_text', field: 'content' });
  await expectRefused(srv, () => citizen.post('/api/v1/feedback', { ...body, subject: 'Hai\ndòng' }), { status: 422, code: 'bad_text', field: 'subject' });
  body.content = 'Tôi chưa nhận được kết quả đúng hẹn.\nĐã hỏi tại quầy hai lần.\r\n\tXin cho biết lý do.';
  const stranger = await newCitizen(srv.url);
  await expectRefused(srv, () => stranger.post('/api/v1/feedback', body), { status: 404, code: 'unknown_dossier', field: 'dossier_code' });

  let r = await citizen.post('/api/v1/feedback', body);
  assert.equal(r.status, 201, r.text);
  const id = r.json.id;
  assert.equal(r.json.state, 'received');
  assert.equal(r.json.dossier_code, sub.json.code);
  assert.equal(r.json.content, body.content);
  assert.equal(r.json.sender, undefined, 'the citizen\'s own view does not repeat who sent it');
  assert.ok(Date.parse(r.json.due_at) > Date.parse(r.json.received_at) + 10 * 86400e3, 'ten working days are more than ten days');
  await expectRefused(srv, () => stranger.get(`/api/v1/feedback/${id}`), { status: 404, code: 'not_found' });
  await expectRefused(srv, () => citizen.post(`/api/v1/feedback/${id}/rating`, { level: 'hai_long' }), { status: 409, code: 'not_answered' });

  const leader = await officer(srv, 'pakn.lanhdao', 'leader', COMMUNE);
  const specialist = await officer(srv, 'pakn.chuyenvien', 'specialist', COMMUNE);
  const other = await officer(srv, 'pakn.khac', 'leader', COMMUNE2);
  r = await other.get('/api/v1/staff/feedback?view=all');
  assert.deepEqual(r.json.items, []);
  await expectRefused(srv, () => other.post(`/api/v1/staff/feedback/${id}/assign`, { assignee: 'pakn.chuyenvien' }), { status: 404, code: 'not_found' });
  await expectRefused(srv, () => specialist.post(`/api/v1/staff/feedback/${id}/assign`, { assignee: 'pakn.chuyenvien' }), { status: 403, code: 'forbidden' });
  await expectRefused(srv, () => leader.post(`/api/v1/staff/feedback/${id}/assign`, { assignee: 'pakn.khac' }), { status: 422, code: 'assignee_not_allowed', field: 'assignee' });
  r = await leader.get('/api/v1/staff/feedback?view=open');
  assert.deepEqual(r.json.items.map((x) => x.id), [id]);
  // Officers see who sent it and how to reach them.
  const me = (await citizen.get('/api/v1/auth/me')).json;
  assert.ok(me.account.full_name.length > 0);
  assert.deepEqual(r.json.items[0].sender, { name: me.account.full_name, phone: me.account.phone, email: me.account.email });
  assert.equal((await leader.get(`/api/v1/staff/feedback/${id}`)).json.sender.name, r.json.items[0].sender.name);
  r = await leader.post(`/api/v1/staff/feedback/${id}/assign`, { assignee: 'pakn.chuyenvien' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'assigned');
  await expectRefused(srv, () => leader.post(`/api/v1/staff/feedback/${id}/answer`, { answer: 'x' }), { status: 403, code: 'forbidden' });
  r = await specialist.post(`/api/v1/staff/feedback/${id}/answer`, { answer: 'Hồ sơ đã được giải quyết,\nmời ông/bà nhận kết quả.' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.state, 'answered');
  assert.equal(r.json.on_time, true);
  await expectRefused(srv, () => specialist.post(`/api/v1/staff/feedback/${id}/answer`, { answer: 'lần hai' }), { status: 409, code: 'already_answered' });

  r = await citizen.get(`/api/v1/feedback/${id}`);
  assert.equal(r.json.answer, 'Hồ sơ đã được giải quyết,\nmời ông/bà nhận kết quả.');
  await expectRefused(srv, () => citizen.post(`/api/v1/feedback/${id}/rating`, { level: 'tuyet_voi' }), { status: 422, code: 'bad_level', field: 'level' });
  r = await citizen.post(`/api/v1/feedback/${id}/rating`, { level: 'hai_long' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.rating, 'hai_long');
  await expectRefused(srv, () => citizen.post(`/api/v1/feedback/${id}/rating`, { level: 'rat_hai_long' }), { status: 409, code: 'already_rated' });
  r = await citizen.get('/api/v1/feedback');
  assert.deepEqual(r.json.items.map((x) => [x.id, x.rating]), [[id, 'hai_long']]);
  // The unit's report counts it: answered on time, and the citizen satisfied.
  const today = new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);
  r = await leader.get(`/api/v1/reports/summary?unit=${COMMUNE}&from=${today}&to=${today}`);
  assert.equal(r.status, 200, r.text);
  const ind = Object.fromEntries(r.json.qd766.groups.flatMap((g) => g.indicators.map((i) => [i.key, i])));
  assert.deepEqual([ind.pakn_dung_han.numerator, ind.pakn_dung_han.denominator], [1, 1]);
  assert.deepEqual([ind.hai_long_pakn.numerator, ind.hai_long_pakn.denominator], [1, 1]);
  r = await other.get(`/api/v1/reports/summary?unit=${COMMUNE2}&from=${today}&to=${today}`);
  assert.equal(r.status, 200, r.text);
  const otherInd = Object.fromEntries(r.json.qd766.groups.flatMap((g) => g.indicators.map((i) => [i.key, i])));
  assert.equal(otherInd.pakn_dung_han.denominator, 0);
  assert.equal(motcua(['audit', 'verify', '--data', srv.dataDir]).status, 0);
});
