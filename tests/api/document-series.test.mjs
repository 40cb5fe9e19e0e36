// A board's own number series (Decree 30 Art. 15.2; docs/documents.md "Series"): the leader
// of Phường Hạc Thành sets up the series of the ward's Emulation and Commendation Council;
// its Quyết định are numbered 01, 02 in that series with its abbreviation (01/QĐ-HĐTĐKT),
// while the ward's own Quyết định starts its own series at 01/QĐ-UBND. The register of the
// series lists its two lines and prints the council's name on its cover. Refused, with the
// database unchanged: a specialist setting up a series, another ward's unit, codes that are
// taken or malformed, an abbreviation with punctuation, the same code twice, a draft naming
// an unknown series or a legal normative type in a board's series.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  COMMUNE, COMMUNE2, Client, DEMO_OFFICERS, startServer, samplePdf, sqlValue, totp, motcua, expectRefused, officerSession as officer,
} from './lib/server.mjs';

const BOARD = 'Hội đồng Thi đua - Khen thưởng phường Hạc Thành';

test('a board\'s own series: set up by the leader, numbered apart, printed with its name; refusals change nothing', async (t) => {
  const srv = await startServer(t);
  const id = (q) => Number(sqlValue(srv.dataDir, q));
  const unit = id(`SELECT id FROM units WHERE code = '${COMMUNE}'`);
  const unit2 = id(`SELECT id FROM units WHERE code = '${COMMUNE2}'`);
  const leaderId = id(`SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.leader.login}'`);
  const specialist = await officer(srv.url, DEMO_OFFICERS.specialist);
  const leader = await officer(srv.url, DEMO_OFFICERS.leader);
  const clerk = await officer(srv.url, DEMO_OFFICERS.clerk);

  const add = (c, body) => c.post('/api/v1/documents/series', { unit_id: unit, code: 'hdtdkt', name: BOARD, abbreviation: 'HĐTĐKT', ...body });
  for (const [c, body, expect] of [
    [specialist, {}, { status: 404, code: 'unit_not_found', field: 'unit_id' }],
    [leader, { unit_id: unit2 }, { status: 404, code: 'unit_not_found', field: 'unit_id' }],
    [leader, { code: 'hanh_chinh' }, { status: 422, code: 'invalid_code', field: 'code' }],
    [leader, { code: 'den' }, { status: 422, code: 'invalid_code', field: 'code' }],
    [leader, { code: 'Hoi Dong' }, { status: 422, code: 'invalid_code', field: 'code' }],
    [leader, { abbreviation: 'HĐ-TĐ' }, { status: 422, code: 'invalid_abbreviation', field: 'abbreviation' }],
    [leader, { name: undefined }, { status: 422, code: 'required', field: 'name' }],
  ]) await expectRefused(srv, () => add(c, body), expect);
  // A legal normative type's series is taken too (its code is in the document types).
  const legalSeries = sqlValue(srv.dataDir, "SELECT series FROM document_types WHERE series <> 'hanh_chinh' LIMIT 1");
  await expectRefused(srv, () => add(leader, { code: legalSeries }), { status: 422, code: 'invalid_code', field: 'code' });

  let r = await add(leader, {});
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.items, [{ code: 'hdtdkt', name: BOARD, abbreviation: 'HĐTĐKT' }]);
  await expectRefused(srv, () => add(leader, {}), { status: 409, code: 'series_exists', field: 'code' });
  r = await specialist.get(`/api/v1/documents/series?unit_id=${unit}`);
  assert.deepEqual(r.json.items.map((x) => x.code), ['hdtdkt']);
  r = await specialist.get('/api/v1/documents/drafting');
  assert.deepEqual(r.json.units.find((u) => u.id === unit).series, [{ code: 'hdtdkt', name: BOARD, abbreviation: 'HĐTĐKT' }]);

  const base = { unit_id: unit, type: 'quyet_dinh', priority: 'thuong', signer_id: leaderId, signer_title: 'CHỦ TỊCH HỘI ĐỒNG' };
  await expectRefused(srv, () => specialist.post('/api/v1/documents', { ...base, summary: 'x', series: 'khong_co' }),
    { status: 422, code: 'invalid_series', field: 'series' });
  await expectRefused(srv, () => specialist.post('/api/v1/documents', { ...base, type: 'quyet_dinh_qppl', summary: 'x', series: 'hdtdkt' }),
    { status: 422, code: 'invalid_series', field: 'series' });

  async function issue(draft) {
    let res = await specialist.post('/api/v1/documents', draft);
    assert.equal(res.status, 201, res.text);
    const doc = res.json.document.id;
    assert.equal((await specialist.req('PUT', `/api/v1/documents/${doc}/body/qd.pdf`, { body: samplePdf('Quyet dinh khen thuong'), type: 'application/pdf' })).status, 200);
    assert.equal((await specialist.post(`/api/v1/documents/${doc}/submit`, {})).status, 200);
    assert.equal((await leader.post(`/api/v1/documents/${doc}/review`, { decision: 'approve' })).status, 200);
    assert.equal((await leader.post(`/api/v1/documents/${doc}/sign`, {})).status, 200);
    res = await clerk.post(`/api/v1/documents/${doc}/issue`, {});
    assert.equal(res.status, 200, res.text);
    return res.json.document;
  }
  const b1 = await issue({ ...base, series: 'hdtdkt', summary: 'Về việc khen thưởng tập thể, cá nhân có thành tích trong phong trào thi đua năm 2026' });
  const own = await issue({ ...base, signer_title: 'CHỦ TỊCH', summary: 'Về việc kiện toàn Tổ công tác cải cách hành chính' });
  const b2 = await issue({ ...base, series: 'hdtdkt', summary: 'Về việc khen thưởng đột xuất' });
  assert.deepEqual([b1.notation, own.notation, b2.notation], ['01/QĐ-HĐTĐKT', '01/QĐ-UBND', '02/QĐ-HĐTĐKT']);
  assert.deepEqual(b1.series, { code: 'hdtdkt', name: BOARD, abbreviation: 'HĐTĐKT' });
  assert.equal(own.series, null);

  // The board's register: its two lines; the printout names the council on its cover.
  const year = b1.issued_on.slice(0, 4);
  r = await clerk.get(`/api/v1/documents/registers?unit_id=${unit}&year=${year}&series=hdtdkt`);
  assert.deepEqual(r.json.items.map((e) => [e.number, e.notation]), [[1, '01/QĐ-HĐTĐKT'], [2, '02/QĐ-HĐTĐKT']]);
  r = await clerk.get(`/api/v1/documents/registers?unit_id=${unit}&year=${year}`);
  assert.deepEqual(r.json.items.map((e) => e.notation), ['01/QĐ-UBND']);
  const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-series-'));
  t.after(() => fs.rmSync(scratch, { recursive: true, force: true }));
  const pdf = path.join(scratch, 'so.pdf');
  const p = motcua(['document', 'register', '--data', srv.dataDir, '--unit', COMMUNE, '--year', year, '--direction', 'out',
    '--series', 'hdtdkt', '--format', 'pdf', '--out', pdf]);
  assert.equal(p.status, 0, p.stderr);
  const text = execFileSync('pdftotext', ['-layout', pdf, '-']).toString('utf8').replace(/\s+/g, ' ');
  assert.match(text, /Hội đồng Thi đua - Khen thưởng phường Hạc Thành/);
  // The notation wraps in its narrow column: its two halves.
  assert.match(text, /01\/QĐ- /);
  assert.match(text, /02\/QĐ- /);
  assert.match(text, /HĐTĐKT/);
  assert.ok(!text.includes('01/QĐ-UBND'), 'the ward\'s own Quyết định is not in the board\'s register');
});
