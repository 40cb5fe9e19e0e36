// Complaints and suggestions (phản ánh, kiến nghị): a citizen sends one about a unit, the
// unit's leader assigns it, the specialist answers, the citizen rates the answer. Other
// citizens and officers of other communes see nothing; refused requests change nothing.
// The officers' list: counts of every view, kind filter, search without diacritics
// (không dấu), paging, refused parameters, and the search key of items sent before
// db/010_feedback_search.sql filled by the migration exactly as the server folds new ones.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  COMMUNE, COMMUNE2, PROVINCE, ROOT, Client, startServer, newCitizen, readyBirthDraft, motcua,
  expectRefused, sql, sqlValue,
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

/* ---------------- the officers' list ---------------- */

const VIEWS = ['open', 'to_assign', 'mine', 'due_soon', 'overdue', 'answered', 'all'];
const NOW = () => Math.floor(Date.now() / 1000);

/** Local midnight (UTC+7) after now, Unix seconds, as the server works it out. */
function endOfLocalDay(now) {
  const local = now + 7 * 3600;
  return local - (local % 86400) + 86400 - 7 * 3600;
}

/** Does row r belong to view v for officer `me` (an account id) at `now`? */
function inView(v, r, me, now) {
  const open = r.state !== 'answered';
  switch (v) {
    case 'open': return open;
    case 'to_assign': return r.state === 'received';
    case 'mine': return r.state === 'assigned' && r.assignee_id === me;
    case 'due_soon': return open && r.due_at >= now && r.due_at < endOfLocalDay(now) + 2 * 86400;
    case 'overdue': return open && r.due_at < now;
    case 'answered': return r.state === 'answered';
    default: return true;
  }
}

/** The list's order: due date first, the answered ones last (latest answer first), then id. */
function byListOrder(a, b) {
  const ka = a.state === 'answered' ? [1, -a.answered_at] : [0, a.due_at];
  const kb = b.state === 'answered' ? [1, -b.answered_at] : [0, b.due_at];
  return ka[0] - kb[0] || ka[1] - kb[1] || a.id - b.id;
}

/** The rows an officer may see (units under the one they hold a role on), from the database. */
function rowsUnder(dataDir, unitCode) {
  return sql(dataDir, `SELECT f.id, f.kind, f.state, f.assignee_id, f.due_at, coalesce(f.answered_at, 0) AS answered_at,
    coalesce(d.code, '') AS code FROM feedback f LEFT JOIN dossiers d ON d.id = f.dossier_id
    JOIN units u ON u.id = f.unit_id JOIN units top ON top.code = '${unitCode}'
    WHERE substr(u.path, 1, length(top.path)) = top.path`);
}

/** Every view's count and the view's ids in order, counted here from the rows. */
function expected(rows, view, me, now) {
  const counts = Object.fromEntries(VIEWS.map((v) => [v, rows.filter((r) => inView(v, r, me, now)).length]));
  return { counts, ids: rows.filter((r) => inView(view, r, me, now)).sort(byListOrder).map((r) => r.id) };
}

function query(params) {
  const q = new URLSearchParams(params).toString();
  return '/api/v1/staff/feedback' + (q ? '?' + q : '');
}

/** Asserts the list answer against the rows: counts, total and the page of ids. */
async function checkList(c, rows, me, params, what) {
  const r = await c.get(query(params));
  assert.equal(r.status, 200, `${what}: ${r.text}`);
  const view = params.view || 'open';
  const exp = expected(rows, view, me, NOW());
  const offset = Number(params.offset || 0);
  const limit = Number(params.limit || 50);
  assert.deepEqual(r.json.counts, exp.counts, `${what}: counts`);
  assert.equal(r.json.total, exp.counts[view], `${what}: total is the view's count`);
  assert.deepEqual(r.json.items.map((x) => x.id), exp.ids.slice(offset, offset + limit), `${what}: items`);
  assert.equal(r.json.answer_within_working_days, 10);
  return r.json;
}

test('the officers\' list: counts, kind, search without diacritics, paging, scope, refused parameters', async (t) => {
  const srv = await startServer(t);
  const an = await newCitizen(srv.url, { full_name: 'Trần Thị Hồng Nhung' });
  const duc = await newCitizen(srv.url, { full_name: 'Lê Văn Đức' });
  const d = await readyBirthDraft(an);
  const sub = await an.post(`/api/v1/dossiers/${d.id}/submit`, {});
  assert.equal(sub.status, 200, sub.text);
  const send = async (c, body) => {
    const r = await c.post('/api/v1/feedback', { unit_code: COMMUNE, ...body });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.json.answer_within_working_days, 10);
    return r.json.id;
  };
  const slow = await send(an, { kind: 'complaint', dossier_code: sub.json.code, subject: 'Hồ sơ khai sinh CHẬM', content: 'Đã quá hẹn ba ngày mà chưa có kết quả.' });
  const posted = await send(duc, { kind: 'suggestion', subject: 'Niêm yết phí, lệ phí', content: 'Đề nghị niêm yết đầy đủ phí và lệ phí tại bộ phận một cửa.' });
  // Decomposed marks (NFD), a no-break space and a tab: folded like the rest.
  const manner = await send(duc, { kind: 'complaint', subject: 'Thái độ cán bộ'.normalize('NFD'), content: 'Cán bộ\u00a0tiếp nhận\tkhông hướng dẫn.' });
  const words = ['giờ làm việc', 'bãi đỗ xe', 'nước uống', 'ghế chờ', 'máy lấy số', 'wifi miễn phí', 'biển chỉ dẫn', 'nhà vệ sinh', 'quạt mát'];
  const more = [];
  for (const [i, w] of words.entries()) more.push(await send(i % 2 ? an : duc, { kind: i % 3 ? 'suggestion' : 'complaint', subject: `Góp ý về ${w}`, content: `Đề nghị cải thiện ${w} tại trụ sở.` }));
  const elsewhere = await send(duc, { unit_code: COMMUNE2, kind: 'complaint', subject: 'Hồ sơ chậm ở xã khác', content: 'Chưa có kết quả.' });

  const leader = await officer(srv, 'ds.lanhdao', 'leader', COMMUNE);
  const specialist = await officer(srv, 'ds.chuyenvien', 'specialist', COMMUNE);
  const other = await officer(srv, 'ds.khac', 'leader', COMMUNE2);
  const province = await officer(srv, 'ds.tinh', 'unit_admin', PROVINCE);
  const idOf = (login) => sqlValue(srv.dataDir, `SELECT id FROM accounts WHERE login = '${login}'`);
  const [leaderId, specialistId, otherId, provinceId] = ['ds.lanhdao', 'ds.chuyenvien', 'ds.khac', 'ds.tinh'].map(idOf);

  // Every view gets something: assigned, answered, overdue, due soon.
  let r = await leader.post(`/api/v1/staff/feedback/${manner}/assign`, { assignee: 'ds.chuyenvien' });
  assert.equal(r.status, 200, r.text);
  r = await leader.post(`/api/v1/staff/feedback/${more[0]}/assign`, { assignee: 'ds.chuyenvien' });
  assert.equal(r.status, 200, r.text);
  r = await specialist.post(`/api/v1/staff/feedback/${posted}/answer`, { answer: 'Đã niêm yết.' });
  assert.equal(r.status, 200, r.text);
  r = await specialist.post(`/api/v1/staff/feedback/${more[1]}/answer`, { answer: 'Đã bố trí.' });
  assert.equal(r.status, 200, r.text);
  const now = NOW();
  sql(srv.dataDir, `UPDATE feedback SET due_at = ${now - 2 * 86400} WHERE id IN (${slow}, ${more[2]}, ${elsewhere});
    UPDATE feedback SET due_at = ${now + 3600} WHERE id IN (${more[3]}, ${manner});
    UPDATE feedback SET answered_at = answered_at - 60 WHERE id = ${posted}`);
  const rows = rowsUnder(srv.dataDir, COMMUNE);
  assert.equal(rows.length, 12);

  // Every view, with the counts and the total as counted here from the rows.
  for (const view of VIEWS) {
    await checkList(leader, rows, leaderId, { view, limit: 200 }, `leader ${view}`);
    await checkList(specialist, rows, specialistId, { view, limit: 200 }, `specialist ${view}`);
  }
  let j = await checkList(leader, rows, leaderId, {}, 'default view');
  assert.ok(j.counts.open > 0 && j.counts.overdue === 2 && j.counts.due_soon === 2 && j.counts.answered === 2, JSON.stringify(j.counts));
  assert.equal(j.counts.mine, 0);
  assert.equal((await specialist.get(query({ view: 'mine' }))).json.total, 2);
  // The province sees every commune's; the other commune only its own: never ours, not even counted.
  await checkList(province, sql(srv.dataDir, 'SELECT f.id, f.kind, f.state, f.assignee_id, f.due_at, coalesce(f.answered_at, 0) AS answered_at FROM feedback f'), provinceId, { view: 'all', limit: 200 }, 'province');
  const theirs = rowsUnder(srv.dataDir, COMMUNE2);
  assert.deepEqual(theirs.map((x) => x.id), [elsewhere]);
  for (const view of VIEWS) await checkList(other, theirs, otherId, { view }, `other commune ${view}`);
  j = (await other.get(query({ view: 'all', q: 'niem yet' }))).json;
  assert.deepEqual([j.items, j.total, Object.values(j.counts).every((n) => n === 0)], [[], 0, true]);
  assert.equal((await other.get(query({ q: String(slow) }))).json.total, 0);

  // Kind: the list, the total and every count.
  for (const kind of ['complaint', 'suggestion']) {
    const mine = rows.filter((x) => x.kind === kind);
    for (const view of ['open', 'all', 'overdue']) await checkList(leader, mine, leaderId, { view, kind, limit: 200 }, `${kind} ${view}`);
  }

  // Search: subject, content, sender's name, with or without diacritics, any case, as
  // precomposed or decomposed letters; the dossier's code as typed; the item's number.
  const search = async (q, ids, params = {}) => {
    const subset = rows.filter((x) => ids.includes(x.id));
    await checkList(leader, subset, leaderId, { view: 'all', q, limit: 200, ...params }, `q=${q}`);
  };
  await search('chậm', [slow]);
  await search('cham', [slow]);
  await search('CHẬM', [slow]);
  await search('khai sinh chậm'.normalize('NFD'), [slow]);
  await search('thai do', [manner]);
  await search('Thái độ', [manner]);
  await search('tiếp nhận không', [manner], {}); // the no-break space and the tab are spaces
  await search('huong dan', [manner]);
  await search('đức', [posted, manner, ...more.filter((_, i) => i % 2 === 0)]);
  await search('Duc', [posted, manner, ...more.filter((_, i) => i % 2 === 0)]);
  await search('hong nhung', [slow, ...more.filter((_, i) => i % 2 === 1)]);
  await search('  niêm   yết ', [posted]);
  await search('NIEM YET', [posted], { kind: 'suggestion' });
  await search('niem yet', [], { kind: 'complaint' });
  await search(sub.json.code, [slow]);
  await search(sub.json.code.toLowerCase(), [slow]);
  const n = String(more[4]);
  await search(n, rows.filter((x) => x.id === more[4] || x.code.includes(n)).map((x) => x.id));
  await search('chậm đã', []); // never across the subject and the content
  await search('%', []);
  await search('_', []);
  await search('   ', rows.map((x) => x.id)); // only spaces: no search
  await search('ệ'.repeat(100), []); // 100 characters: allowed

  // Paging: pages put together are the whole list; past the end, no items but the total.
  const all = expected(rows, 'all', leaderId, NOW()).ids;
  const paged = [];
  for (let offset = 0; offset < all.length; offset += 5) {
    j = await checkList(leader, rows, leaderId, { view: 'all', limit: 5, offset }, `page at ${offset}`);
    assert.ok(j.items.length <= 5);
    paged.push(...j.items.map((x) => x.id));
  }
  assert.deepEqual(paged, all);
  await checkList(leader, rows, leaderId, { view: 'all', limit: 1 }, 'limit 1');
  await checkList(leader, rows, leaderId, { view: 'all', limit: 200 }, 'limit 200');
  j = await checkList(leader, rows, leaderId, { view: 'all', offset: all.length }, 'offset at the end');
  assert.deepEqual([j.items, j.total], [[], 12]);
  await checkList(leader, rows, leaderId, { view: 'all', offset: 1000000 }, 'offset 1000000');

  // Refused with the parameter named, and nothing changed.
  const refused = [
    [{ view: 'late' }, 'view'], [{ view: '' }, 'view'],
    [{ kind: 'praise' }, 'kind'], [{ kind: '' }, 'kind'], [{ kind: 'Complaint' }, 'kind'],
    [{ limit: '0' }, 'limit'], [{ limit: '201' }, 'limit'], [{ limit: 'abc' }, 'limit'], [{ limit: '5x' }, 'limit'], [{ limit: '' }, 'limit'],
    [{ offset: '-1' }, 'offset'], [{ offset: '1000001' }, 'offset'], [{ offset: '1.5' }, 'offset'],
    [{ q: 'ệ'.repeat(101) }, 'q'], [{ q: 'x'.repeat(101) }, 'q'],
  ];
  for (const [params, field] of refused) {
    await expectRefused(srv, () => leader.get(query(params)), { status: 400, code: 'bad_parameter', field, what: JSON.stringify(params) });
  }
  // Not UTF-8.
  await expectRefused(srv, () => leader.get('/api/v1/staff/feedback?q=%FF%FE'), { status: 400, code: 'bad_parameter', field: 'q' });
  // Citizens have no officers' list: to them it does not exist.
  assert.equal((await an.get(query({}))).status, 404);

  // The citizen's list says the limit too.
  r = await duc.get('/api/v1/feedback');
  assert.equal(r.json.answer_within_working_days, 10);
  assert.equal((await leader.get(`/api/v1/staff/feedback/${slow}`)).json.answer_within_working_days, 10);

  // Items from before the migration: it folds them in SQL exactly as the server folds
  // new ones (src/base/text.c), so searching finds them the same way.
  const before = sql(srv.dataDir, 'SELECT id, search_folded FROM feedback ORDER BY id');
  assert.equal(before.find((x) => x.id === manner).search_folded,
    'thai do can bo\ncan bo tiep nhan khong huong dan.\nle van duc');
  const migration = fs.readdirSync(path.join(ROOT, 'db')).find((f) => /^\d+_feedback_search\.sql$/.test(f));
  assert.ok(migration, 'the migration that adds feedback.search_folded');
  sql(srv.dataDir, 'ALTER TABLE feedback DROP COLUMN search_folded');
  sql(srv.dataDir, '\n' + fs.readFileSync(path.join(ROOT, 'db', migration), 'utf8')); // not read as an option
  assert.deepEqual(sql(srv.dataDir, 'SELECT id, search_folded FROM feedback ORDER BY id'), before);
  await search('thai do', [manner]);
});
