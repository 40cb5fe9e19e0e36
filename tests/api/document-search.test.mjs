// Search over official documents (docs/documents.md, "Search"; docs/search.md): Phường Hạc
// Thành drafts a Quyết định on founding a working group and a Thông báo whose body (the PDF's
// text) speaks of that decision; the other commune drafts a Quyết định of its own. Typed
// without diacritics, "quyet dinh thanh lap" finds the Quyết định first (its title) and the
// Thông báo after it (its body), never the other commune's; the other commune's officer finds
// theirs and not Hạc Thành's. Every step re-indexes: the submitted one is found in review, the issued one by its
// status, with its notation. Filters by type and date; a hostile query (quotes, AND, *, NEAR) is
// answered 200; a bad status or a page too deep is refused and changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COMMUNE, COMMUNE2, Client, DEMO_OFFICERS, startServer, samplePdf, sqlValue, totp, motcua,
  expectRefused, officerSession as officer,
} from './lib/server.mjs';

/** Today in Vietnam (UTC+7), YYYY-MM-DD. */
const today = () => new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);

/** A draft with its body; returns its id. */
async function drafted(c, draft, text) {
  let r = await c.post('/api/v1/documents', draft);
  assert.equal(r.status, 201, r.text);
  const id = r.json.document.id;
  r = await c.req('PUT', `/api/v1/documents/${id}/body/du-thao.pdf`, { body: samplePdf(text), type: 'application/pdf' });
  assert.equal(r.status, 200, r.text);
  return id;
}

test('documents are found without diacritics, ranked, within the officer\'s units only', async (t) => {
  const srv = await startServer(t);
  const id = (q) => Number(sqlValue(srv.dataDir, q));
  const unit = id(`SELECT id FROM units WHERE code = '${COMMUNE}'`);
  const unit2 = id(`SELECT id FROM units WHERE code = '${COMMUNE2}'`);
  const leaderId = id(`SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.leader.login}'`);
  const specialist = await officer(srv.url, DEMO_OFFICERS.specialist);
  const leader = await officer(srv.url, DEMO_OFFICERS.leader);
  const clerk = await officer(srv.url, DEMO_OFFICERS.clerk);

  // The other commune: a specialist and a leader of its own.
  for (const [login, name, role] of [['cv.xa2', 'Lò Văn Tâm', 'specialist'], ['ld.xa2', 'Hà Thị Mai', 'leader']]) {
    const add = motcua(['user', 'add', '--data', srv.dataDir, '--kind', 'staff', '--login', login, '--name', name,
      '--password', 'mat-khau-can-bo', '--role', role, '--unit', COMMUNE2, '--no-totp']);
    assert.equal(add.status, 0, add.stderr);
  }
  const specialist2 = new Client(srv.url);
  await specialist2.login('cv.xa2', 'mat-khau-can-bo');
  const leader2Id = id("SELECT id FROM accounts WHERE login = 'ld.xa2'");

  const base = { unit_id: unit, priority: 'thuong', signer_id: leaderId, signer_title: 'CHỦ TỊCH' };
  const qd = await drafted(specialist, { ...base, type: 'quyet_dinh', summary: 'Về việc thành lập Tổ công tác chuyển đổi số phường' },
    'Dieu 1. Thanh lap To cong tac chuyen doi so');
  const tb = await drafted(specialist, { ...base, type: 'thong_bao', summary: 'Kết quả rà soát hồ sơ trực tuyến tháng 11' },
    'Thuc hien Quyet dinh thanh lap To cong tac, Uy ban thong bao ket qua ra soat');
  const other = await drafted(specialist2, { unit_id: unit2, type: 'quyet_dinh', priority: 'thuong', signer_id: leader2Id,
    summary: 'Về việc thành lập Hội đồng thi đua khen thưởng xã' }, 'Quyet dinh thanh lap Hoi dong');

  // Hạc Thành: the Quyết định first (its title), the Thông báo after (its body); not the other commune's.
  let r = await clerk.get('/api/v1/documents/search?q=quyet%20dinh%20thanh%20lap');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((x) => x.id), [qd, tb], r.text);
  assert.equal(r.json.items[0].title, 'Quyết định về việc thành lập Tổ công tác chuyển đổi số phường');
  assert.equal(r.json.items[0].status, 'draft');
  assert.equal(r.json.items[0].unit_id, unit);
  assert.equal(r.json.has_more, false);
  assert.ok(r.json.items[0].snippet.some((p) => p.match), 'the snippet marks what matched');
  // The body's text is searched: a word only the Thông báo's PDF holds.
  r = await clerk.get('/api/v1/documents/search?q=ra%20soat%20ket%20qua');
  assert.deepEqual(r.json.items.map((x) => x.id), [tb], r.text);

  // The other commune's officer sees theirs, not Hạc Thành's.
  r = await specialist2.get('/api/v1/documents/search?q=quyet%20dinh%20thanh%20lap');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((x) => x.id), [other], r.text);
  r = await specialist2.get('/api/v1/documents/search?q=chuyen%20doi%20so');
  assert.deepEqual(r.json.items, []);
  r = await specialist2.get('/api/v1/documents/search');
  assert.deepEqual(r.json.items.map((x) => x.id), [other], 'no words: the filters alone, within the scope');

  // Issued: found by its status, with its notation.
  assert.equal((await specialist.post(`/api/v1/documents/${qd}/submit`, {})).status, 200);
  r = await clerk.get('/api/v1/documents/search?q=thanh%20lap%20to%20cong%20tac&status=in_review');
  assert.deepEqual(r.json.items.map((x) => x.id), [qd], 'every step re-indexes the state, body text kept');
  assert.equal((await leader.post(`/api/v1/documents/${qd}/review`, { decision: 'approve' })).status, 200);
  assert.equal((await leader.post(`/api/v1/documents/${qd}/sign`, {})).status, 200);
  r = await clerk.post(`/api/v1/documents/${qd}/issue`, {});
  assert.equal(r.status, 200, r.text);
  r = await clerk.get('/api/v1/documents/search?status=issued');
  assert.deepEqual(r.json.items.map((x) => [x.id, x.number, x.date]), [[qd, '01/QĐ-UBND', today()]], r.text);
  r = await clerk.get(`/api/v1/documents/search?q=${encodeURIComponent('01/QĐ-UBND')}`);
  assert.deepEqual(r.json.items.map((x) => x.id), [qd], r.text);
  r = await clerk.get('/api/v1/documents/search?q=thanh%20lap%20dieu%201');
  assert.deepEqual(r.json.items.map((x) => x.id), [qd], 'the issued PDF\'s text is indexed');

  // Filters: type, dates (today, then a day long past), paging.
  r = await clerk.get('/api/v1/documents/search?q=thanh%20lap&type=thong_bao');
  assert.deepEqual(r.json.items.map((x) => x.id), [tb]);
  r = await clerk.get(`/api/v1/documents/search?from=${today()}&to=${today()}`);
  assert.deepEqual(r.json.items.map((x) => x.id).sort(), [qd, tb].sort());
  r = await clerk.get('/api/v1/documents/search?from=2001-01-01&to=2001-12-31');
  assert.deepEqual(r.json.items, []);
  r = await clerk.get('/api/v1/documents/search?q=thanh%20lap&limit=1');
  assert.equal(r.json.items.length, 1);
  assert.equal(r.json.has_more, true);

  // Hostile queries: answered, never an FTS5 error.
  for (const q of ['"quyet" AND dinh*', 'NEAR(quyet dinh, 2) OR "', '*', '"', 'thanh lap" OR 1=1 --', "quy'et ^dinh -lap"]) {
    r = await clerk.get(`/api/v1/documents/search?q=${encodeURIComponent(q)}`);
    assert.equal(r.status, 200, `${q}: ${r.text}`);
    assert.ok(Array.isArray(r.json.items), q);
    assert.ok(r.json.items.every((x) => x.unit_id === unit), q);
  }

  // Refusals change nothing.
  await expectRefused(srv, () => clerk.get('/api/v1/documents/search?status=bogus'), { status: 422, code: 'invalid', field: 'status' });
  await expectRefused(srv, () => clerk.get('/api/v1/documents/search?q=thanh&offset=5000'), { status: 422, code: 'offset_too_large' });
  await expectRefused(srv, () => clerk.get('/api/v1/documents/search?from=07-12-2026'), { status: 422, code: 'date_invalid', field: 'from' });
  const anon = new Client(srv.url);
  r = await anon.get('/api/v1/documents/search?q=thanh');
  assert.equal(r.status, 401);
});
