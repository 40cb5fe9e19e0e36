// API tests: the public catalog (procedures, units, which units handle a procedure).
// Expected values come from the reference data files (data/procedures.json,
// data/units-thanh-hoa.csv and the generated data/units-thanh-hoa-don-vi.csv that init --demo
// loads after it), read here independently of the server.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { startServer, Client, assertError, expectRefused, ROOT, BIRTH, MARRIAGE, ENTERPRISE, COMMUNE, PROVINCE } from './lib/server.mjs';

const CATALOG = JSON.parse(fs.readFileSync(path.join(ROOT, 'data/procedures.json'), 'utf8')).procedures;

/** RFC 4180 CSV (quoted fields may hold commas). */
function parseCsv(text) {
  const rows = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const f = [];
    let cur = '';
    let q = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i];
      if (q) {
        if (ch === '"' && line[i + 1] === '"') { cur += '"'; i++; } else if (ch === '"') q = false; else cur += ch;
      } else if (ch === '"') q = true; else if (ch === ',') { f.push(cur); cur = ''; } else cur += ch;
    }
    f.push(cur.replace(/\r$/, ''));
    rows.push(f);
  }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i]])));
}
const UNITS = ['data/units-thanh-hoa.csv', 'data/units-thanh-hoa-don-vi.csv']
  .flatMap((f) => parseCsv(fs.readFileSync(path.join(ROOT, f), 'utf8')));

let srv;
let c;
before(async () => { srv = await startServer(null); c = new Client(srv.url); });
after(() => srv && srv.stop());

const ITEM_KEYS = ['code', 'fee', 'fee_note', 'field', 'handling_level', 'level_d42', 'level_old', 'name', 'processing_time', 'processing_time_text'];

function checkItem(item) {
  const src = CATALOG.find((p) => p.code === item.code);
  assert.ok(src, `unknown procedure in the answer: ${item.code}`);
  for (const k of ITEM_KEYS) assert.ok(k in item, `${item.code}: missing ${k}`);
  assert.equal(item.name, src.name);
  assert.equal(item.field, src.field);
  assert.equal(item.level_d42, src.level_d42);
  assert.ok(['toan_trinh', 'mot_phan'].includes(item.level_d42));
  assert.equal(item.level_old, src.level_old);
  assert.equal(item.processing_time.amount, src.processing_time.amount);
  assert.equal(item.processing_time.unit, src.processing_time.unit);
  assert.ok(['day', 'hour'].includes(item.processing_time.unit));
  const unitWord = src.processing_time.unit === 'day' ? 'ngày làm việc' : 'giờ làm việc';
  assert.equal(item.processing_time_text, `${src.processing_time.amount} ${unitWord}`);
  assert.equal(item.fee, src.fee.vnd);
  assert.equal(item.fee_note, src.fee.note);
  assert.equal(item.handling_level, src.handling_level);
}

async function allPages(p, limit) {
  const items = [];
  let total = null;
  for (let offset = 0, guard = 0; guard < 100; guard++, offset += limit) {
    const r = await c.get(`${p}${p.includes('?') ? '&' : '?'}limit=${limit}&offset=${offset}`);
    assert.equal(r.status, 200, r.text);
    if (total === null) total = r.json.total;
    assert.equal(r.json.total, total, 'total is the same on every page');
    assert.ok(r.json.items.length <= limit);
    items.push(...r.json.items);
    if (r.json.items.length < limit) break;
  }
  return { items, total };
}

// --- procedures ----------------------------------------------------------------------------

test('GET /procedures lists the whole catalog, paged, without login', async () => {
  const r = await c.get('/api/v1/procedures');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json).sort(), ['items', 'total']);
  assert.equal(r.json.total, CATALOG.length);
  assert.equal(r.json.items.length, Math.min(20, CATALOG.length));
  r.json.items.forEach(checkItem);

  const { items, total } = await allPages('/api/v1/procedures', 3);
  assert.equal(total, CATALOG.length);
  assert.deepEqual(items.map((i) => i.code).sort(), CATALOG.map((p) => p.code).sort(), 'pages cover every procedure exactly once');

  const tail = await c.get(`/api/v1/procedures?offset=${CATALOG.length - 1}`);
  assert.equal(tail.json.items.length, 1);
  const past = await c.get(`/api/v1/procedures?offset=${CATALOG.length + 5}`);
  assert.equal(past.status, 200);
  assert.deepEqual(past.json, { items: [], total: CATALOG.length }, 'total counts the matches, also past the last page');
});

test('search finds "Đăng ký khai sinh" with or without diacritics, in any case', async () => {
  for (const q of ['khai sinh', 'dang ky khai sinh', 'ĐĂNG KÝ KHAI SINH', 'Đăng ký khai sinh', 'DANG KY KHAI SINH', '  khai   sinh ']) {
    const r = await c.get('/api/v1/procedures?q=' + encodeURIComponent(q));
    assert.equal(r.status, 200, r.text);
    const hit = r.json.items.find((i) => i.code === BIRTH);
    assert.ok(hit, `q=${JSON.stringify(q)} did not find Đăng ký khai sinh: ${r.text}`);
    assert.equal(hit.name, 'Đăng ký khai sinh');
    assert.equal(r.json.total, r.json.items.length);
    for (const i of r.json.items) checkItem(i);
    assert.ok(!r.json.items.some((i) => i.code === MARRIAGE), `q=${q} must not match Đăng ký kết hôn`);
  }
  // A form with "+" for the space, as browsers send it.
  const plus = await c.get('/api/v1/procedures?q=khai+sinh');
  assert.ok(plus.json.items.some((i) => i.code === BIRTH), plus.text);
  // Nothing matches.
  const none = await c.get('/api/v1/procedures?q=' + encodeURIComponent('xyzzy không có'));
  assert.equal(none.status, 200);
  assert.deepEqual(none.json, { items: [], total: 0 });
  // LIKE wildcards typed by a user are plain characters: no name has "%" or "_" in it.
  for (const q of ['%', '_', '%%', 'khai%sinh', 'kh_i']) {
    const w = await c.get('/api/v1/procedures?q=' + encodeURIComponent(q));
    assert.deepEqual(w.json, { items: [], total: 0 }, `q=${q} must match literally`);
    const u = await c.get('/api/v1/units?q=' + encodeURIComponent(q));
    assert.deepEqual(u.json, { items: [], total: 0 }, `units q=${q} must match literally`);
  }
  // "dang ky" finds every "Đăng ký ..." procedure of the catalog.
  const dk = await c.get('/api/v1/procedures?q=dang+ky&limit=200');
  const expected = CATALOG.filter((p) => p.name.normalize('NFD').replace(/\p{M}/gu, '').replace(/đ/gi, 'd').toLowerCase().includes('dang ky')).map((p) => p.code).sort();
  assert.deepEqual(dk.json.items.map((i) => i.code).sort(), expected);
});

test('search: the field filter and bad parameters', async () => {
  const field = 'Hộ tịch';
  const r = await c.get('/api/v1/procedures?limit=200&field=' + encodeURIComponent(field));
  assert.equal(r.status, 200);
  const expected = CATALOG.filter((p) => p.field === field).map((p) => p.code).sort();
  assert.ok(expected.length >= 3);
  assert.deepEqual(r.json.items.map((i) => i.code).sort(), expected);
  assert.equal(r.json.total, expected.length);
  const both = await c.get('/api/v1/procedures?q=khai+sinh&field=' + encodeURIComponent(field));
  assert.deepEqual(both.json.items.map((i) => i.code), [BIRTH]);
  const other = await c.get('/api/v1/procedures?q=khai+sinh&field=' + encodeURIComponent('Chứng thực'));
  assert.deepEqual(other.json, { items: [], total: 0 });

  for (const qs of ['limit=0', 'limit=201', 'limit=abc', 'limit=-1', 'limit=1.5', 'limit=', 'offset=-1', 'offset=x', 'offset=99999999999']) {
    const name = qs.split('=')[0];
    assertError(await c.get('/api/v1/procedures?' + qs), 400, 'bad_parameter', name);
  }
  assertError(await c.get('/api/v1/procedures?q=' + 'a'.repeat(201)), 400, 'bad_parameter', 'q');
  assertError(await c.get('/api/v1/procedures?field=' + 'a'.repeat(201)), 400, 'bad_parameter', 'field');
  assert.equal((await c.get('/api/v1/procedures?limit=200')).json.items.length, CATALOG.length);
  assert.equal((await c.get('/api/v1/procedures?q=' + 'a'.repeat(200))).status, 200);
});

test('GET /procedures/{code}: the full record, its documents and e-form', async () => {
  const src = CATALOG.find((p) => p.code === BIRTH);
  const r = await c.get('/api/v1/procedures/' + BIRTH);
  assert.equal(r.status, 200, r.text);
  const p = r.json;
  checkItem(p);
  assert.equal(p.cutoff, '15:00');
  assert.equal(p.result_type, src.result);
  assert.deepEqual(p.legal_basis, src.legal_basis);
  assert.equal(p.documents.length, src.documents.length);
  src.documents.forEach((d, i) => {
    const got = p.documents[i];
    for (const k of ['key', 'name', 'originals', 'copies', 'required']) assert.deepEqual(got[k], d[k], `document ${d.key}.${k}`);
  });
  assert.deepEqual(p.form, src.form, 'the e-form schema is served as loaded');
  assert.ok(p.form.sections.length >= 3);

  // A procedure without cut-off.
  const m = await c.get('/api/v1/procedures/' + MARRIAGE);
  assert.equal(m.status, 200);
  assert.equal(m.json.cutoff, null);
  checkItem(m.json);

  // Every procedure of the catalog is served.
  for (const s of CATALOG) {
    const x = await c.get('/api/v1/procedures/' + encodeURIComponent(s.code));
    assert.equal(x.status, 200, `${s.code}: ${x.text}`);
    assert.equal(x.json.code, s.code);
    assert.equal(x.json.cutoff, s.cutoff);
  }
});

test('GET /procedures/{code}: unknown codes -> 404', async () => {
  for (const code of ['9.999999.000.00.00.H56', 'nope', '1.001193.000.00.00.H5', BIRTH.toLowerCase(), BIRTH + ' ', "1.001193' OR '1'='1"]) {
    assertError(await c.get('/api/v1/procedures/' + encodeURIComponent(code)), 404, 'not_found');
    assertError(await c.get('/api/v1/procedures/' + encodeURIComponent(code) + '/units'), 404, 'not_found');
  }
});

test('GET /procedures/{code}/units: the units that handle it', async () => {
  const communes = UNITS.filter((u) => u.level === 'commune');
  assert.equal(communes.length, 166);
  const r = await c.get(`/api/v1/procedures/${BIRTH}/units`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(Object.keys(r.json), ['items']);
  assert.deepEqual(r.json.items.map((u) => u.code).sort(), communes.map((u) => u.code).sort(), 'a commune procedure is handled by every commune');
  for (const u of r.json.items) {
    const src = communes.find((x) => x.code === u.code);
    assert.equal(u.name, src.name);
    assert.equal(u.level, 'commune');
  }
  const e = await c.get(`/api/v1/procedures/${ENTERPRISE}/units`);
  assert.equal(e.status, 200);
  assert.deepEqual(e.json.items, [{ code: '000.00.04.H56', name: UNITS.find((u) => u.code === '000.00.04.H56').name, level: 'department' }]);
});

// --- units -------------------------------------------------------------------------------

test('GET /units: all units, by level, by parent, by name without diacritics, paged', async () => {
  const all = await allPages('/api/v1/units', 50);
  assert.equal(all.total, UNITS.length);
  assert.deepEqual(all.items.map((u) => u.code).sort(), UNITS.map((u) => u.code).sort());
  for (const u of all.items) {
    const src = UNITS.find((x) => x.code === u.code);
    const { kind_label: label, ...rest } = u;
    assert.deepEqual(rest, { code: src.code, name: src.name, level: src.level, parent_code: src.parent_code || null, kind: src.kind });
    assert.ok(typeof label === 'string' && label.length > 0, `${u.code}: kind_label`);
  }
  for (const level of ['commune', 'department', 'province']) {
    const r = await c.get(`/api/v1/units?level=${level}&limit=200`);
    const expected = UNITS.filter((u) => u.level === level).map((u) => u.code).sort();
    assert.equal(r.json.total, expected.length, level);
    assert.deepEqual(r.json.items.map((u) => u.code).sort(), expected, level);
  }
  assert.deepEqual((await c.get('/api/v1/units?level=district')).json, { items: [], total: 0 });
  const past = await c.get(`/api/v1/units?offset=${UNITS.length + 10}`);
  assert.equal(past.status, 200);
  assert.deepEqual(past.json, { items: [], total: UNITS.length }, 'total counts the matches, also past the last page');
  const children = await c.get(`/api/v1/units?parent=${PROVINCE}&limit=1`);
  assert.equal(children.json.total, UNITS.filter((u) => u.parent_code === PROVINCE).length);
  for (const q of ['hac thanh', 'Hạc Thành', 'HẠC THÀNH', 'phuong hac thanh']) {
    const r = await c.get('/api/v1/units?q=' + encodeURIComponent(q));
    assert.equal(r.status, 200);
    assert.ok(r.json.items.some((u) => u.code === COMMUNE && u.name === 'Phường Hạc Thành'), `q=${q}: ${r.text}`);
  }
  const xa = await c.get('/api/v1/units?level=commune&q=xa&limit=200');
  assert.equal(xa.json.total, UNITS.filter((u) => u.level === 'commune' && u.name.startsWith('Xã ')).length, 'xã units found by "xa"');
  for (const qs of ['limit=0', 'limit=201', 'offset=-5', 'limit=ten']) assertError(await c.get('/api/v1/units?' + qs), 400, 'bad_parameter', qs.split('=')[0]);
  for (const name of ['q', 'level', 'parent']) assertError(await c.get(`/api/v1/units?${name}=${'x'.repeat(201)}`), 400, 'bad_parameter', name);
});

test('GET /units/{code}: one unit, 404 for an unknown code', async () => {
  const r = await c.get('/api/v1/units/' + COMMUNE);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { code: COMMUNE, name: 'Phường Hạc Thành', level: 'commune', parent_code: PROVINCE, kind: 'ubnd_xa', kind_label: 'Ủy ban nhân dân xã, phường' });
  const p = await c.get('/api/v1/units/' + PROVINCE);
  assert.deepEqual(p.json, { code: PROVINCE, name: 'Ủy ban nhân dân tỉnh Thanh Hóa', level: 'province', parent_code: null, kind: 'ubnd_tinh', kind_label: 'Ủy ban nhân dân tỉnh' });
  for (const code of ['000.99.99.H56', 'x', COMMUNE + '.', '%25']) assertError(await c.get('/api/v1/units/' + code), 404, 'not_found');
});

test('the catalog is read-only: writes to catalog paths -> 405, nothing changes', async () => {
  const a = new Client(srv.url);
  for (const [m, p] of [['POST', '/api/v1/procedures'], ['PUT', `/api/v1/procedures/${BIRTH}`], ['DELETE', `/api/v1/procedures/${BIRTH}`],
    ['POST', `/api/v1/procedures/${BIRTH}/units`], ['PUT', `/api/v1/units/${COMMUNE}`], ['DELETE', '/api/v1/units'], ['PATCH', `/api/v1/units/${COMMUNE}`]]) {
    await expectRefused(srv, () => a.req(m, p, { json: { name: 'x' } }), { status: 405, code: 'method_not_allowed' },
      ['SELECT * FROM procedures ORDER BY id', 'SELECT * FROM units ORDER BY id', 'SELECT * FROM procedure_units ORDER BY 1, 2']);
  }
});
