// Signing keys through the CLI (docs/keys.md): `motcua init --demo` makes the demo CA and its
// keys, which `key list` shows and the openssl CLI verifies on its own; a PKCS#12 file made
// here with the openssl CLI is imported (password on standard input), trusted, revoked; and
// every refused command (unknown unit or login, a bad file, a wrong password, a missing or
// exposed master key, a second revocation, a leaf offered as a root) changes nothing in the
// database. Expected names and dates are written out here, not read from the code.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { BIN, initDataDir, sql, sqlValue, snapshot, assertUnchanged, samplePng, COMMUNE, COMMUNE2, PROVINCE } from './lib/server.mjs';

/** Runs motcua with text on standard input. */
function motcuaIn(args, input = '') {
  const r = spawnSync(BIN, args, { encoding: 'utf8', input, timeout: 60000 });
  if (r.error) throw r.error;
  return r;
}

function openssl(args, opts = {}) {
  const r = spawnSync('openssl', args, { encoding: 'utf8', ...opts });
  if (r.error) throw r.error;
  assert.equal(r.status, 0, `openssl ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}

/** A scratch directory removed after the test. */
function scratch(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-keys-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A data directory made by `motcua init --demo`, removed after the test. */
function demoDir(t) {
  const data = initDataDir();
  t.after(() => fs.rmSync(data, { recursive: true, force: true }));
  return data;
}

/** A test CA and a leaf certificate from it, made with the openssl CLI, as PKCS#12. */
function makeP12(dir, { cn, org, password, days = 30, usage = 'digitalSignature,nonRepudiation', name = 'leaf' }) {
  const ca = path.join(dir, 'ca.pem');
  if (!fs.existsSync(ca)) {
    openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes',
      '-keyout', path.join(dir, 'ca.key'), '-out', ca, '-days', '3650', '-subj', '/C=VN/O=Test CA/CN=Test Root CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  }
  const key = path.join(dir, `${name}.key`), csr = path.join(dir, `${name}.csr`), crt = path.join(dir, `${name}.pem`);
  const ext = path.join(dir, `${name}.ext`), p12 = path.join(dir, `${name}.p12`);
  openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr,
    '-utf8', '-subj', `/C=VN/O=${org}/CN=${cn}`]);
  fs.writeFileSync(ext, `keyUsage=critical,${usage}\n`);
  openssl(['x509', '-req', '-in', csr, '-CA', ca, '-CAkey', path.join(dir, 'ca.key'), '-CAcreateserial',
    '-out', crt, '-days', String(days), '-extfile', ext]);
  openssl(['pkcs12', '-export', '-inkey', key, '-in', crt, '-certfile', ca, '-out', p12, '-passout', `pass:${password}`]);
  const serial = openssl(['x509', '-in', crt, '-noout', '-serial']).trim().replace(/^serial=/, '');
  return { p12, crt, ca, serial };
}

function listJson(data, extra = []) {
  const r = motcuaIn(['key', 'list', '--data', data, '--json', ...extra]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout);
}

const DAY = 86400;

test('init --demo makes the demo CA; key list shows what signs for whom; openssl verifies the chain', (t) => {
  const data = demoDir(t);
  const dir = scratch(t);

  // The text listing: one line per key, the demo keys valid for two years.
  let r = motcuaIn(['key', 'list', '--data', data]);
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.split('\n');
  assert.match(lines[0], /^ID\s+UNIT\s+OFFICIAL\s+KIND\s+SOURCE\s+NOT AFTER\s+STATUS$/);
  const rows = lines.filter((l) => /^\d+\s/.test(l)).map((l) => l.split(/\s+/));
  const summary = rows.map(([, unit, login, kind, source]) => `${unit} ${login} ${kind} ${source}`).sort();
  // A seal for every unit that handles a procedure or where an officer holds a role, and for
  // every unit above those (worked out here by walking parent_id, from the tables), a personal
  // key for the demo leader, the platform's keys on the province. Schools, health stations and
  // sub-departments that do neither get no seal.
  const all = sql(data, 'SELECT id, code, parent_id FROM units');
  const byId = new Map(all.map((u) => [u.id, u]));
  const signing = sql(data, 'SELECT unit_id FROM procedure_units UNION ALL SELECT unit_id FROM staff_roles');
  const sealed = new Set();
  for (const { unit_id: id } of signing) for (let u = byId.get(id); u; u = byId.get(u.parent_id)) sealed.add(u.code);
  const units = [...sealed];
  assert.ok(units.length > 100, `${units.length} units`);
  assert.ok(all.length > units.length + 1000, `${all.length} units in all, ${units.length} with a seal`);
  assert.ok(!sealed.has('005.01.90.H56') && sealed.has('000.01.90.H56'), 'a commune has a seal, its primary school none');
  assert.deepEqual(summary, [
    `${PROVINCE} - ca demo`,
    `${PROVINCE} - system demo`,
    `${PROVINCE} - tsa demo`,
    `${COMMUNE} lanhdao.hacthanh official demo`,
    ...units.map((code) => `${code} - seal demo`),
  ].sort());
  for (const l of lines.filter((x) => /^\d+\s/.test(x) && !/\sca\s/.test(x))) assert.match(l, /EXPIRES IN 730 DAYS$/, l);
  assert.match(r.stdout, /subject: CN=Phường Hạc Thành,organizationIdentifier=000\.01\.90\.H56,OU=motcua DEMO \(không dùng thật\),O=Phường Hạc Thành,C=VN\n/);
  assert.match(r.stdout, /subject: CN=Trịnh Văn Long,title=Lãnh đạo,organizationIdentifier=000\.01\.90\.H56,/);
  assert.match(r.stdout, /issuer: {2}CN=motcua DEMO Root CA \(không dùng thật\),OU=motcua DEMO \(không dùng thật\),O=motcua DEMO,C=VN\n/);

  // JSON, and a unit's keys only.
  const keys = listJson(data);
  assert.equal(keys.length, units.length + 4);
  const now = Date.now() / 1000;
  for (const k of keys.filter((x) => x.kind !== 'ca')) {
    assert.equal(k.issuer, 'CN=motcua DEMO Thanh Hóa CA,OU=motcua DEMO (không dùng thật),O=motcua DEMO,C=VN');
    assert.equal(k.state, 'valid');
    assert.ok(Math.abs(k.not_after - (now + 730 * DAY)) < 600, `${k.common_name} valid for two years`);
    assert.equal(k.has_image, k.kind === 'seal' || k.kind === 'official', k.common_name);
  }
  assert.deepEqual(listJson(data, ['--unit', COMMUNE]).map((k) => k.common_name).sort(), ['Phường Hạc Thành', 'Trịnh Văn Long']);
  assert.deepEqual(listJson(data, ['--unit', COMMUNE2]).map((k) => `${k.kind} ${k.source}`), ['seal demo']);

  // The openssl CLI verifies each demo certificate: the chain stored with it, the root
  // trusted by the data directory. The TSA's certificate is for time-stamping, critically.
  const root = path.join(dir, 'root.pem');
  fs.writeFileSync(root, sqlValue(data, 'SELECT cert_pem FROM trust_anchors WHERE demo = 1'));
  assert.match(openssl(['x509', '-in', root, '-noout', '-subject', '-nameopt', 'utf8,sep_comma_plus_space']),
    /CN=motcua DEMO Root CA \(không dùng thật\)\n$/);
  // Every kind once (the seal of the commune, not all of them).
  for (const k of sql(data, `SELECT kind, cert_pem, chain_pem FROM signing_keys WHERE kind NOT IN ('ca', 'seal')
      OR (kind = 'seal' AND unit_id = (SELECT id FROM units WHERE code = '${COMMUNE}'))`)) {
    const crt = path.join(dir, `${k.kind}.pem`), chain = path.join(dir, `${k.kind}-chain.pem`);
    fs.writeFileSync(crt, k.cert_pem);
    fs.writeFileSync(chain, k.chain_pem);
    assert.equal(openssl(['verify', '-CAfile', root, '-untrusted', chain, crt]).trim(), `${crt}: OK`);
    const text = openssl(['x509', '-in', crt, '-noout', '-text']);
    assert.match(text, /X509v3 Key Usage: critical\n\s+Digital Signature, Non Repudiation\n/);
    assert.match(text, /Public Key Algorithm: id-ecPublicKey[\s\S]*NIST CURVE: P-256/);
    if (k.kind === 'tsa') assert.match(text, /X509v3 Extended Key Usage: critical\n\s+Time Stamping\n/);
  }

  // The master key: 32 bytes, mode 0600. Running init again issues nothing new.
  const st = fs.statSync(path.join(data, 'keys', 'master.key'));
  assert.equal(st.size, 32);
  assert.equal(st.mode & 0o777, 0o600);
  const before = snapshot(data);
  r = motcuaIn(['init', '--data', data, '--demo']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /, 0 new demo keys\)\n$/);
  assert.deepEqual(snapshot(data)['table:signing_keys'], before['table:signing_keys']);
});

test('key import: a PKCS#12 made with openssl, the password on stdin; trust its root; revoke it', (t) => {
  const data = demoDir(t);
  const dir = scratch(t);
  const seal = makeP12(dir, { cn: 'Phường Quảng Phú', org: 'Phường Quảng Phú', password: 'mật khẩu p12' });

  let r = motcuaIn(['key', 'import', '--data', data, '--unit', COMMUNE2, seal.p12], 'mật khẩu p12\n');
  assert.equal(r.status, 0, r.stderr);
  const id = Number(/^imported key (\d+): CN=Phường Quảng Phú,O=Phường Quảng Phú,C=VN \(seal, valid until \d{4}-\d\d-\d\d\)$/m.exec(r.stdout)?.[1]);
  assert.ok(id > 0, r.stdout);
  assert.match(r.stdout, /note: the certificate does not lead to a trusted root/);

  // Beside the unit's demo seal.
  const mine = (x) => x.id === id;
  let k = listJson(data, ['--unit', COMMUNE2]).find(mine);
  assert.ok(k, 'the imported key is listed');
  assert.equal(k.kind, 'seal');
  assert.equal(k.source, 'p12');
  assert.equal(k.login, null);
  assert.equal(k.issuer, 'CN=Test Root CA,O=Test CA,C=VN');
  assert.equal(k.serial.replace(/^0+/, ''), seal.serial.toUpperCase().replace(/^0+/, ''));
  assert.equal(k.days_left, 30);
  assert.equal(k.has_image, true, 'a seal image is drawn when no scan is given');
  const pem = sqlValue(data, `SELECT key_pem FROM signing_keys WHERE id = ${id}`);
  assert.match(pem, /^-----BEGIN ENCRYPTED PRIVATE KEY-----\n/);
  assert.equal(sqlValue(data, `SELECT count(*) FROM audit_log WHERE action = 'key.add' AND object_id = '${id}'`), 1);

  // An official's key with a scan of the signature.
  const own = makeP12(dir, { cn: 'Trịnh Văn Long', org: 'Phường Hạc Thành', password: 'x', name: 'long' });
  const png = path.join(dir, 'chu-ky.png');
  fs.writeFileSync(png, samplePng());
  r = motcuaIn(['key', 'import', '--data', data, '--unit', COMMUNE, '--login', 'lanhdao.hacthanh', '--image', png, own.p12], 'x\n');
  assert.equal(r.status, 0, r.stderr);
  const ownId = Number(/^imported key (\d+):/m.exec(r.stdout)[1]);
  assert.equal(sqlValue(data, `SELECT hex(image_png) FROM signing_keys WHERE id = ${ownId}`), samplePng().toString('hex').toUpperCase());
  const ownRow = listJson(data, ['--unit', COMMUNE]).find((x) => x.id === ownId);
  assert.equal(ownRow.kind, 'official');
  assert.equal(ownRow.login, 'lanhdao.hacthanh');

  // Trusting the test root.
  const anchors = sqlValue(data, 'SELECT count(*) FROM trust_anchors');
  r = motcuaIn(['key', 'trust', '--data', data, seal.ca]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /^trusted root \d+\n$/);
  assert.equal(sqlValue(data, 'SELECT count(*) FROM trust_anchors'), anchors + 1);
  assert.equal(sqlValue(data, 'SELECT subject FROM trust_anchors ORDER BY id DESC LIMIT 1'), 'CN=Test Root CA,O=Test CA,C=VN');

  // Revoking: listed as revoked with the reason.
  r = motcuaIn(['key', 'revoke', '--data', data, '--id', String(id), '--reason', 'Mất thiết bị']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, `revoked key ${id}\n`);
  k = listJson(data, ['--unit', COMMUNE2]).find(mine);
  assert.equal(k.state, 'revoked');
  r = motcuaIn(['key', 'list', '--data', data, '--unit', COMMUNE2]);
  assert.match(r.stdout, new RegExp(`^${id}\\s+${COMMUNE2.replace(/\./g, '\\.')}\\s+-\\s+seal\\s+p12\\s+\\S+\\s+REVOKED \\(Mất thiết bị\\)$`, 'm'));
  assert.equal(sqlValue(data, `SELECT revoked_reason FROM signing_keys WHERE id = ${id}`), 'Mất thiết bị');
});

test('refused key commands change nothing', (t) => {
  const data = demoDir(t);
  const dir = scratch(t);
  const good = makeP12(dir, { cn: 'Phường Quảng Phú', org: 'Phường Quảng Phú', password: 'pw' });
  const expired = makeP12(dir, { cn: 'Phường Quảng Phú', org: 'Phường Quảng Phú', password: 'pw', days: -1, name: 'old' });
  const encrypt = makeP12(dir, { cn: 'Phường Quảng Phú', org: 'Phường Quảng Phú', password: 'pw', usage: 'keyEncipherment', name: 'enc' });
  const junk = path.join(dir, 'junk.p12');
  fs.writeFileSync(junk, 'this is not a PKCS#12 file');
  const demoId = sqlValue(data, "SELECT id FROM signing_keys WHERE kind = 'seal' ORDER BY id LIMIT 1");
  motcuaIn(['key', 'revoke', '--data', data, '--id', String(demoId), '--reason', 'thử']);

  const cases = [
    [['import', '--unit', '000.09.99.H56', good.p12], 'pw\n', 1, /^motcua key import: unknown unit 000\.09\.99\.H56\n$/],
    [['import', '--unit', COMMUNE, '--login', 'khong.co.ai', good.p12], 'pw\n', 1, /^motcua key import: no officer with login khong\.co\.ai\n$/],
    [['import', '--unit', COMMUNE, '--login', '038095001234', good.p12], 'pw\n', 1, /no officer with login 038095001234/],
    [['import', '--unit', COMMUNE2, junk], 'pw\n', 1, /^motcua key import: Tệp không phải tệp PKCS#12 \(\.p12, \.pfx\)\.\n$/],
    [['import', '--unit', COMMUNE2, path.join(dir, 'missing.p12')], 'pw\n', 1, /^motcua key import: cannot read .*missing\.p12 \(No such file or directory/],
    [['import', '--unit', COMMUNE2, good.p12], 'sai mật khẩu\n', 1, /^motcua key import: Mật khẩu của tệp PKCS#12 không đúng\.\n$/],
    [['import', '--unit', COMMUNE2, expired.p12], 'pw\n', 1, /^motcua key import: Chứng thư số của Phường Quảng Phú đã hết hạn ngày \d\d\/\d\d\/\d{4}\.\n$/],
    [['import', '--unit', COMMUNE2, encrypt.p12], 'pw\n', 1, /không dùng để ký số/],
    [['import', '--unit', COMMUNE2, '--kind', 'root', good.p12], 'pw\n', 1, /--kind is seal, official, system or tsa/],
    [['import', '--unit', COMMUNE2, '--image', junk, good.p12], 'pw\n', 1, /Ảnh con dấu hoặc chữ ký phải là tệp PNG/],
    [['import', '--unit', COMMUNE2], '', 2, /--data, --unit and the PKCS#12 file are required/],
    [['revoke', '--id', '99999', '--reason', 'x'], '', 1, /^motcua key revoke: Không có khóa ký số này\.\n$/],
    [['revoke', '--id', String(demoId), '--reason', 'lần hai'], '', 1, new RegExp(`^motcua key revoke: Khóa số ${demoId} đã bị thu hồi ngày \\d\\d/\\d\\d/\\d{4}\\.\\n$`)],
    [['revoke', '--id', 'abc', '--reason', 'x'], '', 2, /--id N and --reason are required/],
    [['trust', good.crt], '', 1, /^motcua key trust: Chỉ tin cậy chứng thư số gốc/],
    [['trust', junk], '', 1, /^motcua key trust: Tệp không phải chứng thư số dạng PEM\.\n$/],
    [['list', '--unit', '000.09.99.H56'], '', 1, /^motcua key list: unknown unit 000\.09\.99\.H56\n$/],
    [['nonsense'], '', 2, /^motcua key: unknown subcommand 'nonsense'/],
  ];
  const before = snapshot(data);
  for (const [args, input, status, stderr] of cases) {
    const [sub, ...rest] = args;
    const r = motcuaIn(['key', sub, ...(sub === 'nonsense' ? [] : ['--data', data]), ...rest], input);
    assert.equal(r.status, status, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, stderr, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
    assertUnchanged(data, before, [], args.join(' '));
  }

  // The master key missing, or readable by others: nothing is imported.
  const master = path.join(data, 'keys', 'master.key');
  fs.renameSync(master, `${master}.away`);
  let r = motcuaIn(['key', 'import', '--data', data, '--unit', COMMUNE2, good.p12], 'pw\n');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /^motcua key import: Máy chủ thiếu khóa chủ của kho khóa ký số \(keys\/master\.key\)/);
  assertUnchanged(data, before, [], 'without a master key');
  fs.renameSync(`${master}.away`, master);
  fs.chmodSync(master, 0o644);
  r = motcuaIn(['key', 'import', '--data', data, '--unit', COMMUNE2, good.p12], 'pw\n');
  assert.equal(r.status, 1);
  assert.match(r.stderr, /đang để người khác đọc được; .*\(chmod 600\)/);
  assertUnchanged(data, before, [], 'with a master key others can read');
  fs.chmodSync(master, 0o600);
  r = motcuaIn(['key', 'import', '--data', data, '--unit', COMMUNE2, good.p12], 'pw\n');
  assert.equal(r.status, 0, r.stderr);
});

test('every key subcommand has --help', () => {
  for (const sub of ['list', 'import', 'import-pkcs11', 'revoke', 'trust', 'demo']) {
    const r = motcuaIn(['key', sub, '--help']);
    assert.equal(r.status, 0, sub);
    assert.match(r.stdout, new RegExp(`^usage: motcua key ${sub} --data DIR`), sub);
  }
  const r = motcuaIn(['key', '--help']);
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^usage: motcua key list\|import\|import-pkcs11\|revoke\|trust\|demo/);
  assert.match(motcuaIn(['--help']).stdout, /\n {2}key {7}signing keys and certificates/);
});
