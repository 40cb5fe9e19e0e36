// The province's whole organisation: the demo tree of `motcua init --demo` (the hand-kept
// data/units-thanh-hoa.csv, then the generated data/units-thanh-hoa-don-vi.csv), its units
// counted by level and by kind; unit kinds through `motcua unit import` (a good file, an older
// file without the column, refused files that change nothing) and `unit list --kind`; and
// GET /api/v1/units paging through some 1,400 units with its filters. Expected figures are
// computed here from the CSV files, and the kinds' labels are written out by hand.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startServer, Client, assertError, motcua, sql, snapshot, assertUnchanged, ROOT, BIRTH, ENTERPRISE, COMMUNE, PROVINCE } from './lib/server.mjs';

/** RFC 4180 CSV (quoted fields may hold commas), as objects keyed by the header. */
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
    f.push(cur);
    rows.push(f);
  }
  const [head, ...body] = rows;
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])));
}
const BASE = parseCsv(fs.readFileSync(path.join(ROOT, 'data/units-thanh-hoa.csv'), 'utf8'));
const GENERATED = parseCsv(fs.readFileSync(path.join(ROOT, 'data/units-thanh-hoa-don-vi.csv'), 'utf8'));
const UNITS = [...BASE, ...GENERATED];

// The kinds and their labels, as docs (data/README.md) give them.
const KINDS = [
  ['ubnd_tinh', 'Ủy ban nhân dân tỉnh'],
  ['van_phong', 'Văn phòng'],
  ['so', 'Sở'],
  ['thanh_tra', 'Thanh tra'],
  ['trung_tam_hcc', 'Trung tâm Phục vụ hành chính công'],
  ['chi_cuc', 'Chi cục'],
  ['phong', 'Phòng'],
  ['ubnd_xa', 'Ủy ban nhân dân xã, phường'],
  ['truong_mam_non', 'Trường mầm non'],
  ['truong_tieu_hoc', 'Trường tiểu học'],
  ['truong_thcs', 'Trường trung học cơ sở'],
  ['truong_thpt', 'Trường trung học phổ thông'],
  ['truong_cao_dang', 'Trường cao đẳng'],
  ['benh_vien', 'Bệnh viện'],
  ['tram_y_te', 'Trạm y tế'],
  ['don_vi_su_nghiep', 'Đơn vị sự nghiệp công lập khác'],
];

/** {key: count} of a list by a function of each item. */
function countBy(items, key) {
  const out = {};
  for (const x of items) out[key(x)] = (out[key(x)] || 0) + 1;
  return out;
}

let srv;
let c;
before(async () => { srv = await startServer(null); c = new Client(srv.url); });
after(() => srv && srv.stop());

test('the demo files: the 180 hand-kept units, some 1,400 in all, codes one QĐ 20 level below their parents', () => {
  assert.equal(BASE.length, 180);
  assert.equal(BASE.filter((u) => u.level === 'commune').length, 166);
  assert.ok(UNITS.length >= 1300 && UNITS.length <= 1500, `${UNITS.length} units`);
  const byCode = new Map(UNITS.map((u) => [u.code, u]));
  assert.equal(byCode.size, UNITS.length, 'codes are unique');
  const seenBefore = new Set(BASE.map((u) => u.code));
  for (const u of GENERATED) {
    assert.equal(u.demo_code, '1', u.code);
    assert.equal(u.level, 'office', u.code);
    assert.ok(seenBefore.has(u.parent_code), `${u.code}: its parent ${u.parent_code} comes first`);
    assert.ok(KINDS.some(([k]) => k === u.kind), `${u.code}: kind ${u.kind}`);
    assert.match(u.abbreviation, /^[\p{L}\d]{1,24}$/u, u.code);
    // V1V2V3.Z1Z2.Y1Y2.H56: a department 000.00.YY has children 000.NN.YY; a commune
    // 000.NN.YY has children VVV.NN.YY.
    const [v, z, y] = u.code.split('.');
    const [pv, pz, py] = u.parent_code.split('.');
    const parent = byCode.get(u.parent_code);
    if (parent.level === 'department') assert.ok(v === '000' && z !== '00' && pz === '00' && y === py, `${u.code} under ${u.parent_code}`);
    else assert.ok(parent.level === 'commune' && v !== '000' && pv === '000' && z === pz && y === py, `${u.code} under ${u.parent_code}`);
    seenBefore.add(u.code);
  }
  // Under each commune: its one-stop centre, two offices, a kindergarten, a lower-secondary
  // school, a health station, and one primary school (two in a phường).
  for (const commune of BASE.filter((u) => u.level === 'commune')) {
    const kids = countBy(GENERATED.filter((u) => u.parent_code === commune.code), (u) => u.kind);
    const ward = commune.name.startsWith('Phường ');
    assert.deepEqual(kids, { trung_tam_hcc: 1, phong: 2, truong_mam_non: 1, truong_tieu_hoc: ward ? 2 : 1, truong_thcs: 1, tram_y_te: 1 }, commune.name);
  }
  const hacThanh = GENERATED.filter((u) => u.parent_code === COMMUNE).map((u) => u.name);
  assert.ok(hacThanh.includes('Trường Tiểu học Hạc Thành 1') && hacThanh.includes('Trạm Y tế phường Hạc Thành'), hacThanh.join('; '));
});

test('init --demo: the units by level and by kind are those of the two files', async () => {
  const db = sql(srv.dataDir, 'SELECT code, name, level, kind, abbreviation, demo_code, (SELECT code FROM units p WHERE p.id = u.parent_id) AS parent FROM units u');
  assert.equal(db.length, UNITS.length);
  const byCode = new Map(db.map((u) => [u.code, u]));
  for (const u of UNITS) {
    const d = byCode.get(u.code);
    assert.ok(d, `${u.code} is in the database`);
    assert.deepEqual([d.name, d.level, d.kind, d.abbreviation, d.demo_code, d.parent ?? ''],
      [u.name, u.level, u.kind, u.abbreviation, Number(u.demo_code), u.parent_code], u.code);
  }
  const levels = countBy(UNITS, (u) => u.level);
  const kinds = countBy(UNITS, (u) => u.kind);
  assert.deepEqual(Object.fromEntries(sql(srv.dataDir, 'SELECT level, count(*) AS n FROM units GROUP BY level').map((r) => [r.level, r.n])), levels);
  assert.deepEqual(Object.fromEntries(sql(srv.dataDir, 'SELECT kind, count(*) AS n FROM units GROUP BY kind').map((r) => [r.kind, r.n])), kinds);
  // The same counts through the API's filters.
  for (const [level, n] of Object.entries(levels)) assert.equal((await c.get(`/api/v1/units?level=${level}&limit=1`)).json.total, n, level);
  for (const [kind] of KINDS) assert.equal((await c.get(`/api/v1/units?kind=${kind}&limit=1`)).json.total, kinds[kind] || 0, kind);
  assert.equal(kinds.tram_y_te, 166);
  assert.equal(kinds.ubnd_xa, 166);
});

test('GET /unit-kinds: every kind with its Vietnamese label', async () => {
  const r = await c.get('/api/v1/unit-kinds');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { items: KINDS.map(([kind, label]) => ({ kind, label })) });
});

test('GET /units pages through the whole tree: no unit twice, none missed, 200 at most a page', async () => {
  const seen = [];
  let total = null;
  for (let offset = 0; ; offset += 200) {
    const r = await c.get(`/api/v1/units?limit=200&offset=${offset}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.items.length <= 200);
    total ??= r.json.total;
    assert.equal(r.json.total, total, 'the total does not move between pages');
    seen.push(...r.json.items.map((u) => u.code));
    if (r.json.items.length < 200) break;
    assert.ok(offset < 10000, 'the pages end');
  }
  assert.equal(total, UNITS.length);
  assert.equal(new Set(seen).size, seen.length, 'no unit on two pages');
  assert.deepEqual(seen.slice().sort(), UNITS.map((u) => u.code).sort());
  // Without limit: a default page, never the whole tree.
  const d = await c.get('/api/v1/units');
  assert.ok(d.json.items.length > 0 && d.json.items.length <= 200 && d.json.items.length < UNITS.length, `${d.json.items.length} items`);
  assertError(await c.get('/api/v1/units?limit=201'), 400, 'bad_parameter', 'limit');
  for (const name of ['kind', 'under', 'procedure']) assertError(await c.get(`/api/v1/units?${name}=${'x'.repeat(201)}`), 400, 'bad_parameter', name);
});

test('GET /units: by kind, in a subtree, among a procedure\'s units, combined with the name', async () => {
  const codes = async (qs) => {
    const r = await c.get(`/api/v1/units?limit=200&${qs}`);
    assert.equal(r.status, 200, r.text);
    assert.ok(r.json.total <= 200, qs);
    return r.json.items.map((u) => u.code).sort();
  };
  const below = (top) => {
    const out = new Set([top]);
    for (const u of UNITS) if (out.has(u.parent_code)) out.add(u.code); // parents come first
    return out;
  };
  const hac = below(COMMUNE);
  assert.deepEqual(await codes(`under=${COMMUNE}`), UNITS.filter((u) => hac.has(u.code)).map((u) => u.code).sort());
  assert.deepEqual(await codes(`under=${COMMUNE}&kind=truong_tieu_hoc`),
    UNITS.filter((u) => u.parent_code === COMMUNE && u.kind === 'truong_tieu_hoc').map((u) => u.code).sort());
  const health = UNITS.find((u) => u.name === 'Sở Y tế tỉnh Thanh Hóa').code;
  assert.deepEqual(await codes(`parent=${health}&kind=benh_vien`),
    UNITS.filter((u) => u.parent_code === health && u.kind === 'benh_vien').map((u) => u.code).sort());
  assert.ok((await codes(`parent=${health}&kind=benh_vien`)).length >= 5, 'provincial hospitals under the health department');
  // Health stations named "hac thanh" (without diacritics): Hạc Thành's, and nothing else.
  assert.deepEqual(await codes('kind=tram_y_te&q=' + encodeURIComponent('hac thanh')),
    UNITS.filter((u) => u.name === 'Trạm Y tế phường Hạc Thành').map((u) => u.code));
  // The birth registration is handled by every commune (its handling level), not by their
  // schools; in a commune's subtree, by the commune alone.
  const birth = await c.get(`/api/v1/units?procedure=${BIRTH}&limit=1`);
  assert.equal(birth.json.total, UNITS.filter((u) => u.level === 'commune').length);
  assert.deepEqual(await codes(`procedure=${BIRTH}&under=${COMMUNE}`), [COMMUNE]);
  assert.deepEqual(await codes(`procedure=${ENTERPRISE}`), ['000.00.04.H56']);
  assert.deepEqual(await codes(`procedure=${BIRTH}&under=000.00.04.H56`), []);
  // A whole province's subtree is every unit, counted, one page of it sent.
  const all = await c.get(`/api/v1/units?under=${PROVINCE}&limit=5`);
  assert.deepEqual([all.json.total, all.json.items.length], [UNITS.length, 5]);
  // Unknown values find nothing (they are not errors).
  for (const qs of ['kind=truong_dai_hoc', 'under=000.99.99.H56', 'procedure=1.999999.000.00.00.H56', 'parent=000.99.99.H56']) {
    assert.deepEqual((await c.get(`/api/v1/units?${qs}`)).json, { items: [], total: 0 }, qs);
  }
});

// --- unit import and list -------------------------------------------------------------------

/** A scratch CSV file removed after the test. */
function csvFile(t, text) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-units-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const f = path.join(dir, 'units.csv');
  fs.writeFileSync(f, text);
  return f;
}

const unitRow = (data, code) => sql(data, `SELECT u.name, u.level, u.kind, u.abbreviation, p.code AS parent FROM units u LEFT JOIN units p ON p.id = u.parent_id WHERE u.code = '${code}'`)[0];

test('unit import: the kind column, optional; unknown kinds refuse the whole file', async (t) => {
  const s = await startServer(t);
  const data = s.dataDir;
  const station = UNITS.find((u) => u.name === 'Trạm Y tế phường Hạc Thành');

  // A new school with its kind; an existing station without the column keeps its kind, and so
  // does one with the column empty.
  const good = csvFile(t, 'code,name,level,parent_code,demo_code,abbreviation,kind\n'
    + `009.01.90.H56,Trường Trung học phổ thông Hạc Thành,office,${COMMUNE},1,THPTHT,truong_thpt\n`
    + `${station.code},${station.name},office,${COMMUNE},1,TYT\n`
    + `010.01.90.H56,"Nhà văn hóa, thư viện phường Hạc Thành",office,${COMMUNE},1,,\n`);
  let r = motcua(['unit', 'import', '--data', data, good]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^imported 3 units from /);
  assert.deepEqual(unitRow(data, '009.01.90.H56'), { name: 'Trường Trung học phổ thông Hạc Thành', level: 'office', kind: 'truong_thpt', abbreviation: 'THPTHT', parent: COMMUNE });
  assert.equal(unitRow(data, station.code).kind, 'tram_y_te');
  assert.equal(unitRow(data, '010.01.90.H56').kind, '', 'no kind given: not classified');
  // An older file, four columns: imported, the unit's kind kept.
  const old = csvFile(t, `code,name,level,parent_code\n${station.code},${station.name},office,${COMMUNE}\n`);
  r = motcua(['unit', 'import', '--data', data, old]);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(unitRow(data, station.code).kind, 'tram_y_te');
  // A kind changed by a later file.
  const again = csvFile(t, `code,name,level,parent_code,demo_code,abbreviation,kind\n010.01.90.H56,"Nhà văn hóa, thư viện phường Hạc Thành",office,${COMMUNE},1,,don_vi_su_nghiep\n`);
  assert.equal(motcua(['unit', 'import', '--data', data, again]).status, 0);
  assert.equal(unitRow(data, '010.01.90.H56').kind, 'don_vi_su_nghiep');

  // Refused: the whole file, the line named, the database untouched (the good first line too).
  const before = snapshot(data);
  const refused = [
    [`011.01.90.H56,Trường Đại học Hạc Thành,office,${COMMUNE},1,ĐHHT,truong_dai_hoc`, /line 3: unknown kind 'truong_dai_hoc'/],
    [`011.01.90.H56,Trạm Y tế 2,office,${COMMUNE},1,TYT,TRAM_Y_TE`, /line 3: unknown kind 'TRAM_Y_TE'/],
    [`011.01.90.H56,Trạm Y tế 2,office,${COMMUNE},1,TYT,tram_y_te,extra`, /line 3: expected code,name,level,parent_code\[,demo_code\[,abbreviation\[,kind\]\]\]/],
    [`011.01.90.H56,Trạm Y tế 2,office,${COMMUNE},1,TYT,tram y te`, /line 3: unknown kind 'tram y te'/],
  ];
  for (const [line, why] of refused) {
    const f = csvFile(t, 'code,name,level,parent_code,demo_code,abbreviation,kind\n'
      + `012.01.90.H56,Trường Mầm non Hạc Thành 2,office,${COMMUNE},1,MNHT2,truong_mam_non\n${line}\n`);
    r = motcua(['unit', 'import', '--data', data, f]);
    assert.equal(r.status, 1, line);
    assert.match(r.stderr, why, r.stderr);
    assert.match(r.stderr, /\(nothing imported\)/);
    assertUnchanged(data, before, [], line);
  }
});

test('unit list: the kind shown, and a filter by kind', async (t) => {
  const r = motcua(['unit', 'list', '--data', srv.dataDir, '--kind', 'tram_y_te']);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => l.split('\t'));
  const expected = UNITS.filter((u) => u.kind === 'tram_y_te');
  assert.deepEqual(lines.map((l) => l[0]).sort(), expected.map((u) => u.code).sort());
  for (const l of lines) assert.deepEqual(l.slice(1, 3), ['office', 'tram_y_te']);
  const both = motcua(['unit', 'list', '--data', srv.dataDir, '--level', 'department', '--kind', 'so']);
  assert.equal(both.stdout.trim().split('\n').length, UNITS.filter((u) => u.level === 'department' && u.kind === 'so').length);
  const all = motcua(['unit', 'list', '--data', srv.dataDir]);
  assert.equal(all.stdout.trim().split('\n').length, UNITS.length);
  const bad = motcua(['unit', 'list', '--data', srv.dataDir, '--kind', 'truong_dai_hoc']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /unknown kind 'truong_dai_hoc'/);
  const kinds = motcua(['unit', 'kinds']);
  assert.equal(kinds.status, 0);
  assert.deepEqual(kinds.stdout.trim().split('\n'), KINDS.map(([k, l]) => `${k}\t${l}`));
});
