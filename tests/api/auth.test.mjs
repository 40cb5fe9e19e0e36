// API tests: registration, login, logout, the current session, CSRF and login rate limiting.
// Every refused write is followed by a check that the database is exactly as before.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import {
  startServer, Client, newCitizen, person, citizenId, sql, sqlValue, snapshot, assertUnchanged,
  expectRefused, expectRefusedAudited, assertError, BIRTH, COMMUNE, DEMO_CITIZEN, motcua,
} from './lib/server.mjs';

let srv;
// This file registers far more accounts from one address than the default allows in an
// hour (20); the limit itself is tested on servers of their own below.
before(async () => { srv = await startServer(null, { args: ['--register-limit', '1000'] }); });
after(() => srv && srv.stop());

const REGISTER = '/api/v1/auth/register';
const LOGIN = '/api/v1/auth/login';
const sha256hex = (s) => crypto.createHash('sha256').update(s).digest('hex');

function sessionCookie(r) {
  const all = r.headers.getSetCookie().filter((c) => c.startsWith('motcua_session='));
  assert.equal(all.length, 1, `one session cookie expected, got ${JSON.stringify(all)}`);
  return all[0];
}

function assertSessionCookie(r) {
  const c = sessionCookie(r);
  const m = /^motcua_session=([0-9a-f]{64});/.exec(c);
  assert.ok(m, `session cookie value: ${c}`);
  const attrs = c.split(';').map((s) => s.trim().toLowerCase());
  assert.ok(attrs.includes('httponly'), `HttpOnly missing: ${c}`);
  assert.ok(attrs.includes('samesite=lax'), `SameSite=Lax missing: ${c}`);
  assert.ok(attrs.includes('path=/'), `Path=/ missing: ${c}`);
  assert.ok(!attrs.includes('secure'), `Secure set without --secure-cookies: ${c}`);
  const maxAge = attrs.find((a) => a.startsWith('max-age='));
  assert.ok(maxAge && Number(maxAge.slice(8)) > 0, `Max-Age missing: ${c}`);
  return m[1];
}

function assertAccount(acc, p) {
  assert.deepEqual(Object.keys(acc).sort(), ['citizen_id', 'email', 'full_name', 'id', 'kind', 'phone']);
  assert.ok(Number.isInteger(acc.id) && acc.id > 0);
  assert.equal(acc.kind, 'citizen');
  assert.equal(acc.citizen_id, p.citizen_id);
  assert.equal(acc.full_name, p.full_name);
  assert.equal(acc.phone, p.phone);
  assert.equal(acc.email, p.email || '');
}

// --- register ------------------------------------------------------------------------

test('register creates a citizen account and a session, and logs in', async () => {
  const c = new Client(srv.url);
  const p = person({ full_name: 'Phạm Thị Ngọc Ánh' });
  const before = sql(srv.dataDir, 'SELECT count(*) AS n FROM sessions')[0].n;
  const r = await c.post(REGISTER, p);
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(Object.keys(r.json).sort(), ['account', 'csrf_token']);
  assertAccount(r.json.account, p);
  assert.match(r.json.csrf_token, /^[0-9a-f]{64}$/);
  const token = assertSessionCookie(r);

  const [row] = sql(srv.dataDir, `SELECT * FROM accounts WHERE login = '${p.citizen_id}'`);
  assert.equal(row.id, r.json.account.id);
  assert.equal(row.kind, 'citizen');
  assert.equal(row.full_name, 'Phạm Thị Ngọc Ánh');
  assert.equal(row.phone, p.phone);
  assert.equal(row.email, p.email);
  assert.equal(row.disabled, 0);
  assert.match(row.password_hash, /^\$argon2id\$/, 'passwords are stored as Argon2id hashes');
  assert.ok(!row.password_hash.includes(p.password), 'the password must not be stored');

  const sessions = sql(srv.dataDir, `SELECT * FROM sessions WHERE account_id = ${row.id}`);
  assert.equal(sessions.length, 1);
  assert.equal(sql(srv.dataDir, 'SELECT count(*) AS n FROM sessions')[0].n, before + 1);
  assert.equal(sessions[0].token_hash, sha256hex(token), 'the session table keeps a hash of the token, not the token');
  assert.equal(sessions[0].csrf_token, r.json.csrf_token);
  assert.ok(sessions[0].expires_at > sessions[0].created_at);

  const me = await c.get('/api/v1/auth/me');
  assert.equal(me.status, 200, me.text);
  assertAccount(me.json.account, p);
  assert.equal(me.json.csrf_token, r.json.csrf_token);
});

test('register: email is optional (absent or empty)', async () => {
  for (const email of [undefined, '']) {
    const p = person();
    if (email === undefined) delete p.email; else p.email = email;
    const c = new Client(srv.url);
    const r = await c.post(REGISTER, p);
    assert.equal(r.status, 201, r.text);
    assertAccount(r.json.account, { ...p, email: '' });
  }
});

test('register: fields the form does not have cannot make a staff account', async () => {
  const c = new Client(srv.url);
  const p = { ...person(), kind: 'staff', role: 'admin', unit_code: COMMUNE };
  const r = await c.post(REGISTER, p);
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.account.kind, 'citizen');
  const [row] = sql(srv.dataDir, `SELECT * FROM accounts WHERE login = '${p.citizen_id}'`);
  assert.equal(row.kind, 'citizen');
  for (const col of ['role', 'unit_id']) if (col in row) assert.equal(row[col], null, col);
  if (sqlValue(srv.dataDir, "SELECT count(*) FROM sqlite_master WHERE name = 'staff_roles'")) {
    assert.equal(sqlValue(srv.dataDir, `SELECT count(*) FROM staff_roles WHERE account_id = ${row.id}`), 0, 'no officer role');
  }
  // And it is a citizen for the staff API too.
  assertError(await c.get('/api/v1/staff/dossiers'), 404, 'not_found');
});

test('register: a valid citizen ID from each century digit and several provinces', async () => {
  // 001 Hà Nội, 038 Thanh Hóa, 079 TP HCM, 096 Cà Mau; sex/century 0..3.
  const ids = ['001090123456', '038195654321', '079203000111', '096305000222'];
  for (const id of ids) {
    const r = await new Client(srv.url).post(REGISTER, person({ citizen_id: id }));
    assert.equal(r.status, 201, `${id}: ${r.text}`);
    assert.equal(r.json.account.citizen_id, id);
  }
});

test('register: invalid citizen IDs are refused with 422 naming citizen_id', async () => {
  const thisYY = String(new Date().getUTCFullYear() + 1).slice(2); // next year: a future birth
  const bad = [
    '03809500123', // 11 digits
    '0380950012345', // 13 digits
    '03809500123a',
    ' 038095001234',
    '000095001234', // province 000 does not exist
    '003095001234', // 003 is not a province code
    '097095001234', // past the last code (096)
    '099095001234',
    `0382${thisYY}001234`, // born next year
    '038495001234', // century digit 4 = 2100s: in the future
    '０３８０９５００１２３４', // full-width digits
  ];
  for (const id of bad) {
    const e = await expectRefused(srv, () => new Client(srv.url).post(REGISTER, person({ citizen_id: id })),
      { status: 422, code: 'invalid_form', field: 'citizen_id' });
    assert.ok(Array.isArray(e.json.error.fields) && e.json.error.fields.length >= 1, e.text);
    assert.equal(e.json.error.fields[0].field, 'citizen_id');
    assert.equal(e.json.error.fields[0].code, 'bad_citizen_id', `${id}: ${e.text}`);
  }
  // Missing, null, wrong types.
  for (const v of [undefined, null, 38095001234, true, ['038095001234'], { id: '038095001234' }]) {
    const p = person();
    if (v === undefined) delete p.citizen_id; else p.citizen_id = v;
    const r = await expectRefused(srv, () => new Client(srv.url).post(REGISTER, p),
      { status: 422, code: 'invalid_form', field: 'citizen_id' });
    const f = r.json.error.fields.find((x) => x.field === 'citizen_id');
    assert.equal(f.code, v === undefined || v === null ? 'required' : 'bad_type', `${JSON.stringify(v)}: ${r.text}`);
  }
});

test('register: invalid name, phone, email and password are refused with the field', async () => {
  const cases = [
    [{ full_name: undefined }, 'full_name'],
    [{ full_name: '' }, 'full_name'],
    [{ full_name: '   ' }, 'full_name'],
    [{ full_name: 'A'.repeat(101) }, 'full_name'],
    [{ full_name: 'Nguyễn\u0007Văn' }, 'full_name'],
    [{ full_name: 42 }, 'full_name'],
    [{ phone: undefined }, 'phone'],
    [{ phone: '12345' }, 'phone'],
    [{ phone: '0112345678' }, 'phone'], // no mobile prefix 01x
    [{ phone: '09123456789' }, 'phone'], // 11 digits
    [{ phone: 912345678 }, 'phone'],
    [{ email: 'not-an-email' }, 'email'],
    [{ email: 'a@b' }, 'email'],
    [{ email: 'nguyễn@example.vn' }, 'email'],
    [{ email: 5 }, 'email'],
  ];
  for (const [over, field] of cases) {
    const p = { ...person(), ...over };
    for (const k of Object.keys(over)) if (over[k] === undefined) delete p[k];
    await expectRefused(srv, () => new Client(srv.url).post(REGISTER, p), { status: 422, code: 'invalid_form', field });
  }
  const pw = [
    [undefined, 'required'],
    ['', 'required'],
    ['1234567', 'bad_length'], // 7 characters
    ['x'.repeat(129), 'bad_length'],
    [12345678, 'bad_type'],
    ['mật\u0001khẩu-dài', 'bad_text'],
  ];
  for (const [password, code] of pw) {
    const p = person();
    if (password === undefined) delete p.password; else p.password = password;
    await expectRefused(srv, () => new Client(srv.url).post(REGISTER, p), { status: 422, code, field: 'password' });
  }
  // Boundaries that are fine: 8 and 128 characters (counted as characters, not bytes; the
  // long one is over 128 bytes). Both are hard to guess, or the strength check would refuse them.
  const long = [...'Đường lên xứ Lạng, cà phê sữa đá lúc 6 giờ sáng; '.repeat(4)].slice(0, 128).join('');
  assert.equal([...long].length, 128);
  assert.ok(Buffer.byteLength(long) > 128);
  for (const password of ['tHa9#kLm', long]) {
    const r = await new Client(srv.url).post(REGISTER, person({ password }));
    assert.equal(r.status, 201, r.text);
  }
});

// Regression (issue 7): "12345678" and a password equal to the citizen ID were accepted.
test('register: easily guessed passwords are refused with 422 weak_password and a Vietnamese reason', async () => {
  const cid = citizenId();
  const base = person({ citizen_id: cid, full_name: 'Trần Thị Hồng Nhung' });
  const weak = ['12345678', 'password', 'matkhau123', 'Matkhau@123', 'qwertyui', '11111111', cid, `${cid}!`, 'tranthihongnhung', 'Trần Thị Hồng Nhung 1990'];
  for (const password of weak) {
    const r = await expectRefused(srv, () => new Client(srv.url).post(REGISTER, { ...base, password }), { status: 422, code: 'weak_password', field: 'password', what: password });
    assert.match(r.json.error.message, /^Mật khẩu /, `a Vietnamese reason for ${password}`);
  }
  let r = await new Client(srv.url).post(REGISTER, { ...base, password: cid });
  assert.match(r.json.error.message, /số định danh/);
  r = await new Client(srv.url).post(REGISTER, { ...base, password: 'tran-thi-hong-nhung' });
  assert.match(r.json.error.message, /họ tên/);
  // The same person with a strong password is registered.
  r = await new Client(srv.url).post(REGISTER, { ...base, password: 'ngựa ô bờ sông Mã' });
  assert.equal(r.status, 201, r.text);
});

test('register: a citizen ID that already has an account -> 409, nothing changes', async () => {
  const p = person();
  await new Client(srv.url).register(p);
  const row = `SELECT * FROM accounts WHERE login = '${p.citizen_id}'`;
  // Same ID, different everything else (and the original password).
  await expectRefused(srv, () => new Client(srv.url).post(REGISTER, person({ citizen_id: p.citizen_id, full_name: 'Kẻ Mạo Danh', password: 'another-password-1' })),
    { status: 409, code: 'citizen_id_taken', field: 'citizen_id' }, [row]);
  await expectRefused(srv, () => new Client(srv.url).post(REGISTER, p), { status: 409, code: 'citizen_id_taken', field: 'citizen_id' }, [row]);
  // The demo citizen exists from `init --demo`.
  await expectRefused(srv, () => new Client(srv.url).post(REGISTER, person({ citizen_id: DEMO_CITIZEN.login })),
    { status: 409, code: 'citizen_id_taken', field: 'citizen_id' });
  // The original password still works.
  await new Client(srv.url).login(p.citizen_id, p.password);
});

test('register: concurrent registrations of one citizen ID -> exactly one 201, the others 409', async () => {
  const id = citizenId();
  const rs = await Promise.all(Array.from({ length: 6 }, (_, i) => new Client(srv.url).post(REGISTER, person({ citizen_id: id, full_name: `Người Thứ ${i}` }))));
  const statuses = rs.map((r) => r.status).sort();
  assert.deepEqual(statuses, [201, 409, 409, 409, 409, 409], rs.map((r) => r.text).join('\n'));
  for (const r of rs.filter((x) => x.status === 409)) assertError(r, 409, 'citizen_id_taken', 'citizen_id');
  const rows = sql(srv.dataDir, `SELECT id, full_name FROM accounts WHERE login = '${id}'`);
  assert.equal(rows.length, 1);
  const winner = rs.find((r) => r.status === 201).json.account;
  assert.deepEqual(rows[0], { id: winner.id, full_name: winner.full_name });
  assert.equal(sqlValue(srv.dataDir, `SELECT count(*) FROM sessions WHERE account_id = ${winner.id}`), 1, 'only the winner got a session');
});

test('register: malformed JSON, wrong Content-Type, oversized body', async () => {
  const c = new Client(srv.url);
  await expectRefused(srv, () => c.post(REGISTER, '{"citizen_id": "038095001299",'), { status: 400, code: 'malformed_json' });
  await expectRefused(srv, () => c.post(REGISTER, ''), { status: 400, code: 'malformed_json' });
  await expectRefused(srv, () => c.post(REGISTER, '[]'), { status: 400, code: 'malformed_json' });
  await expectRefused(srv, () => c.post(REGISTER, '"text"'), { status: 400, code: 'malformed_json' });
  await expectRefused(srv, () => c.post(REGISTER, '{"citizen_id":"1","citizen_id":"2"}'), { status: 400, code: 'malformed_json' });
  await expectRefused(srv, () => c.post(REGISTER, person(), { type: 'text/plain' }), { status: 415, code: 'unsupported_media_type' });
  await expectRefused(srv, () => c.post(REGISTER, person(), { type: 'application/x-www-form-urlencoded' }), { status: 415, code: 'unsupported_media_type' });
  await expectRefused(srv, () => c.post(REGISTER, person(), { type: null }), { status: 415, code: 'unsupported_media_type' });
  const big = person({ full_name: 'A'.repeat(65 * 1024) });
  await expectRefused(srv, () => c.post(REGISTER, big), { status: 413, code: 'body_too_large' });
  // A charset parameter is fine.
  const r = await c.post(REGISTER, person(), { type: 'application/json; charset=utf-8' });
  assert.equal(r.status, 201, r.text);
});

// --- login -----------------------------------------------------------------------------

test('login with the citizen ID and password: 200, a new session each time', async () => {
  const a = await newCitizen(srv.url);
  const p = a.person;
  const c = new Client(srv.url);
  const r = await c.post(LOGIN, { login: p.citizen_id, password: p.password });
  assert.equal(r.status, 200, r.text);
  assertAccount(r.json.account, p);
  const token = assertSessionCookie(r);
  assert.match(r.json.csrf_token, /^[0-9a-f]{64}$/);
  assert.notEqual(r.json.csrf_token, a.csrf, 'each session has its own CSRF token');
  assert.notEqual(`motcua_session=${token}`, a.cookie);
  const rows = sql(srv.dataDir, `SELECT token_hash, csrf_token FROM sessions WHERE account_id = ${r.json.account.id} ORDER BY created_at`);
  assert.equal(rows.length, 2);
  assert.ok(rows.some((s) => s.token_hash === sha256hex(token) && s.csrf_token === r.json.csrf_token));
  // Both sessions work.
  assert.equal((await a.get('/api/v1/auth/me')).status, 200);
  assert.equal((await c.get('/api/v1/auth/me')).status, 200);
});

test('login: the demo citizen from init --demo', async () => {
  const c = new Client(srv.url);
  const r = await c.post(LOGIN, { login: DEMO_CITIZEN.login, password: DEMO_CITIZEN.password });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.account.full_name, DEMO_CITIZEN.name);
  assert.equal(r.json.account.citizen_id, DEMO_CITIZEN.login);
});

test('login: wrong password and unknown login -> 401 bad_credentials, no cookie, only the audit entry written', async () => {
  const a = await newCitizen(srv.url);
  const FAILED = ['auth.login_failed'];
  const wrong = await expectRefusedAudited(srv, () => new Client(srv.url).post(LOGIN, { login: a.person.citizen_id, password: 'wrong-password' }),
    { status: 401, code: 'bad_credentials' }, FAILED);
  assert.equal(wrong.headers.getSetCookie().length, 0, 'no cookie on a failed login');
  const stranger = citizenId();
  const unknown = await expectRefusedAudited(srv, () => new Client(srv.url).post(LOGIN, { login: stranger, password: 'wrong-password' }),
    { status: 401, code: 'bad_credentials' }, FAILED);
  assert.equal(unknown.json.error.message, wrong.json.error.message, 'unknown login and wrong password must look the same');
  // The audit entries say which account (or which login name) and from where.
  const rows = sql(srv.dataDir, "SELECT object_type, object_id, actor_id, detail FROM audit_log WHERE action = 'auth.login_failed' ORDER BY id DESC LIMIT 2");
  assert.deepEqual(rows.map((x) => [x.object_type, x.object_id, x.actor_id]), [['login', stranger, null], ['account', String(a.account.id), null]]);
  for (const x of rows) assert.deepEqual(JSON.parse(x.detail), { client: '127.0.0.1', reason: 'bad_credentials' });
  // The password is case-sensitive.
  await expectRefusedAudited(srv, () => new Client(srv.url).post(LOGIN, { login: a.person.citizen_id, password: a.person.password.toUpperCase() }),
    { status: 401, code: 'bad_credentials' }, FAILED);
});

test('login: missing fields, wrong types, malformed JSON, wrong Content-Type, oversized', async () => {
  const c = new Client(srv.url);
  await expectRefused(srv, () => c.post(LOGIN, { password: 'x' }), { status: 422, code: 'required', field: 'login' });
  await expectRefused(srv, () => c.post(LOGIN, { login: '038095001234' }), { status: 422, code: 'required', field: 'password' });
  await expectRefused(srv, () => c.post(LOGIN, { login: '', password: 'x' }), { status: 422, code: 'required', field: 'login' });
  await expectRefused(srv, () => c.post(LOGIN, { login: 38095001234, password: 'x' }), { status: 422, code: 'bad_type', field: 'login' });
  await expectRefused(srv, () => c.post(LOGIN, { login: '038095001234', password: ['x'] }), { status: 422, code: 'bad_type', field: 'password' });
  await expectRefused(srv, () => c.post(LOGIN, { login: 'x'.repeat(64), password: 'x' }), { status: 422, code: 'bad_length', field: 'login' });
  await expectRefused(srv, () => c.post(LOGIN, '{"login":'), { status: 400, code: 'malformed_json' });
  await expectRefused(srv, () => c.post(LOGIN, 'null'), { status: 400, code: 'malformed_json' });
  await expectRefused(srv, () => c.post(LOGIN, { login: DEMO_CITIZEN.login, password: DEMO_CITIZEN.password }, { type: 'text/plain' }),
    { status: 415, code: 'unsupported_media_type' });
  await expectRefused(srv, () => c.post(LOGIN, { login: DEMO_CITIZEN.login, password: 'p'.repeat(70 * 1024) }),
    { status: 413, code: 'body_too_large' });
});

test('login rate limiting: after 5 failures for one login -> 429 with Retry-After, even with the right password', async (t) => {
  const s = await startServer(t); // own server: the limiter's memory starts empty
  const a = await newCitizen(s.url);
  const other = await newCitizen(s.url);
  const login = a.person.citizen_id;
  for (let i = 0; i < 5; i++) {
    await expectRefusedAudited(s, () => new Client(s.url).post(LOGIN, { login, password: `wrong-${i}-password` }), { status: 401, code: 'bad_credentials' }, ['auth.login_failed']);
  }
  for (const password of ['wrong-6-password', a.person.password]) {
    const r = await expectRefused(s, () => new Client(s.url).post(LOGIN, { login, password }), { status: 429, code: 'too_many_attempts' });
    const retry = r.headers.get('retry-after');
    assert.match(retry || '', /^\d+$/, `Retry-After must be a number of seconds: ${retry}`);
    assert.ok(Number(retry) > 0 && Number(retry) <= 15 * 60, `Retry-After ${retry}`);
    assert.equal(r.headers.getSetCookie().length, 0);
  }
  // Another login from the same address is not blocked.
  const ok = await new Client(s.url).post(LOGIN, { login: other.person.citizen_id, password: other.person.password });
  assert.equal(ok.status, 200, ok.text);
  // An existing session of the blocked account keeps working.
  assert.equal((await a.get('/api/v1/auth/me')).status, 200);
});

test('login rate limiting: a successful login resets the count of failures', async (t) => {
  const s = await startServer(t);
  const a = await newCitizen(s.url);
  const login = a.person.citizen_id;
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 4; i++) {
      await expectRefusedAudited(s, () => new Client(s.url).post(LOGIN, { login, password: 'wrong-password' }), { status: 401, code: 'bad_credentials' }, ['auth.login_failed']);
    }
    await new Client(s.url).login(login, a.person.password);
  }
});

test('login rate limiting holds for concurrent attempts: at most 5 are checked', async (t) => {
  const s = await startServer(t);
  const a = await newCitizen(s.url);
  const before = snapshot(s.dataDir);
  const rs = await Promise.all(Array.from({ length: 12 }, (_, i) =>
    new Client(s.url).post(LOGIN, { login: a.person.citizen_id, password: `wrong-${i}-password` })));
  const statuses = rs.map((r) => r.status).sort();
  for (const r of rs) assert.ok([401, 429].includes(r.status), r.text);
  // Each checked attempt is in the audit log; nothing else changed.
  const after = snapshot(s.dataDir);
  const added = after['table:audit_log'].slice(before['table:audit_log'].length);
  assert.deepEqual(added.map((e) => e.action), statuses.filter((x) => x === 401).map(() => 'auth.login_failed'));
  for (const k of Object.keys(before)) if (k !== 'counts' && k !== 'table:audit_log') assert.deepEqual(after[k], before[k], k);
  assert.ok(statuses.filter((x) => x === 401).length <= 5,
    `12 concurrent wrong passwords for one login: ${statuses.join(',')} (more than 5 were checked)`);
});

test('login delays are per login name and address: the owner from another address gets in at once', async (t) => {
  // Behind the reverse proxy, X-Forwarded-For names each client's address.
  const s = await startServer(t, { args: ['--trusted-proxy', '127.0.0.1'] });
  const a = await newCitizen(s.url);
  const login = a.person.citizen_id;
  const from = (ip) => ({ headers: { 'X-Forwarded-For': ip } });
  for (let i = 0; i < 5; i++) {
    await expectRefusedAudited(s, () => new Client(s.url).post(LOGIN, { login, password: `wrong-${i}-password` }, from('203.0.113.7')),
      { status: 401, code: 'bad_credentials' }, ['auth.login_failed']);
  }
  const r = await expectRefused(s, () => new Client(s.url).post(LOGIN, { login, password: a.person.password }, from('203.0.113.7')),
    { status: 429, code: 'too_many_attempts' });
  // The first delay after five failures is 30 s (then 60, 120, ... up to 15 minutes).
  const retry = Number(r.headers.get('retry-after'));
  assert.ok(retry > 0 && retry <= 30, `Retry-After ${retry}`);
  // The real owner, from home: no delay, whatever the guesser does.
  const ok = await new Client(s.url).post(LOGIN, { login, password: a.person.password }, from('198.51.100.23'));
  assert.equal(ok.status, 200, ok.text);
  // Ten accounts guessed at from one address: none of their owners is kept out elsewhere.
  const others = [];
  for (let i = 0; i < 10; i++) others.push(await newCitizen(s.url));
  for (const o of others) {
    for (let i = 0; i < 5; i++) await new Client(s.url).post(LOGIN, { login: o.person.citizen_id, password: 'sai-mat-khau' }, from('203.0.113.8'));
  }
  for (const o of others) {
    const x = await new Client(s.url).post(LOGIN, { login: o.person.citizen_id, password: o.person.password }, from('192.0.2.44'));
    assert.equal(x.status, 200, x.text);
  }
});

test('one address guessing many login names is stopped after 50 failures; other addresses are not', async (t) => {
  const s = await startServer(t, { args: ['--trusted-proxy', '127.0.0.1'] });
  const a = await newCitizen(s.url);
  const from = (ip) => ({ headers: { 'X-Forwarded-For': ip } });
  // Fifty different names (unknown ones cost a full password check too), one guess each.
  for (let i = 0; i < 50; i++) {
    const r = await new Client(s.url).post(LOGIN, { login: `0380950${String(10000 + i)}`, password: 'sai-mat-khau' }, from('203.0.113.50'));
    assertError(r, 401, 'bad_credentials');
  }
  const r = await expectRefused(s, () => new Client(s.url).post(LOGIN, { login: a.person.citizen_id, password: a.person.password }, from('203.0.113.50')),
    { status: 429, code: 'too_many_attempts' });
  assert.ok(Number(r.headers.get('retry-after')) > 0);
  const ok = await new Client(s.url).post(LOGIN, { login: a.person.citizen_id, password: a.person.password }, from('203.0.113.51'));
  assert.equal(ok.status, 200, ok.text);
});

test('registrations are limited per address: the 21st in an hour gets 429 and creates nothing', async (t) => {
  const s = await startServer(t, { args: ['--trusted-proxy', '127.0.0.1'] });
  const from = (ip) => ({ headers: { 'X-Forwarded-For': ip } });
  for (let i = 0; i < 20; i++) {
    const r = await new Client(s.url).post(REGISTER, person(), from('203.0.113.60'));
    assert.equal(r.status, 201, r.text);
  }
  const r = await expectRefused(s, () => new Client(s.url).post(REGISTER, person(), from('203.0.113.60')),
    { status: 429, code: 'too_many_registrations' });
  const retry = Number(r.headers.get('retry-after'));
  assert.ok(retry > 0 && retry <= 3600, `Retry-After ${retry}`);
  // Another address registers as usual.
  const ok = await new Client(s.url).post(REGISTER, person(), from('203.0.113.61'));
  assert.equal(ok.status, 201, ok.text);
});

test('a flood of registrations fills the hashing queue: 503 with Retry-After, and receipts still render', async (t) => {
  const s = await startServer(t, { args: ['--register-limit', '100000', '--loops', '2'] });
  const c = await newCitizen(s.url, {});
  const d = await (await import('./lib/server.mjs')).readyBirthDraft(c);
  const sub = await c.post(`/api/v1/dossiers/${d.id}/submit`);
  assert.equal(sub.status, 200, sub.text);
  const before = sqlValue(s.dataDir, 'SELECT count(*) FROM accounts');
  // 200 registrations at once: each costs a password hash on the workers.
  const flood = Array.from({ length: 200 }, () => new Client(s.url).post(REGISTER, person()));
  // Meanwhile a receipt (rendered on the worker left for documents) comes back.
  const receipt = await c.get(`/api/v1/dossiers/${d.id}/receipt.pdf`);
  assert.equal(receipt.status, 200);
  assert.equal(receipt.buf.subarray(0, 5).toString(), '%PDF-');
  const rs = await Promise.all(flood);
  const busy = rs.filter((r) => r.status === 503);
  const created = rs.filter((r) => r.status === 201);
  assert.equal(busy.length + created.length, rs.length, `only 201 or 503: ${[...new Set(rs.map((r) => r.status))]}`);
  assert.ok(busy.length > 0, 'the bounded queue refused some registrations');
  for (const b of busy) {
    assertError(b, 503, 'busy');
    assert.ok(Number(b.headers.get('retry-after')) > 0);
  }
  assert.equal(sqlValue(s.dataDir, 'SELECT count(*) FROM accounts'), before + created.length, 'a refused registration creates nothing');
});

// --- me, logout, CSRF ---------------------------------------------------------------------

test('me: not logged in, or a cookie that names no session -> 401', async () => {
  const c = new Client(srv.url);
  assertError(await c.get('/api/v1/auth/me'), 401, 'unauthenticated');
  for (const cookie of ['motcua_session=' + 'a'.repeat(64), 'motcua_session=short', 'motcua_session=', 'other=1',
    'xmotcua_session=' + 'b'.repeat(64)]) {
    assertError(await c.get('/api/v1/auth/me', { cookie }), 401, 'unauthenticated');
  }
  // A real token under another cookie name is not a session.
  const a = await newCitizen(srv.url);
  const token = a.cookie.split('=')[1];
  assertError(await c.get('/api/v1/auth/me', { cookie: `xmotcua_session=${token}` }), 401, 'unauthenticated');
  // Among other cookies it is found.
  const r = await c.get('/api/v1/auth/me', { cookie: `theme=dark; motcua_session=${token}; lang=vi` });
  assert.equal(r.status, 200, r.text);
});

test('logout: CSRF required, then 204, the cookie is cleared and the old one refused', async () => {
  const a = await newCitizen(srv.url);
  const second = new Client(srv.url);
  await second.login(a.person.citizen_id, a.person.password);
  const other = await newCitizen(srv.url);
  const oldCookie = a.cookie;
  const oldCsrf = a.csrf;

  await expectRefused(srv, () => a.post('/api/v1/auth/logout', undefined, { csrf: false }), { status: 403, code: 'csrf' });
  await expectRefused(srv, () => a.post('/api/v1/auth/logout', undefined, { csrf: 'f'.repeat(64) }), { status: 403, code: 'csrf' });
  await expectRefused(srv, () => a.post('/api/v1/auth/logout', undefined, { csrf: oldCsrf.slice(0, 63) }), { status: 403, code: 'csrf' });
  await expectRefused(srv, () => a.post('/api/v1/auth/logout', undefined, { csrf: second.csrf }), { status: 403, code: 'csrf' });
  await expectRefused(srv, () => a.post('/api/v1/auth/logout', undefined, { csrf: other.csrf }), { status: 403, code: 'csrf' });
  await expectRefused(srv, () => new Client(srv.url).post('/api/v1/auth/logout', undefined, { csrf: oldCsrf }), { status: 401, code: 'unauthenticated' });
  assert.equal((await a.get('/api/v1/auth/me')).status, 200, 'refused logouts leave the session alive');

  const tokenHash = sha256hex(oldCookie.split('=')[1]);
  const r = await a.post('/api/v1/auth/logout');
  assert.equal(r.status, 204, r.text);
  assert.equal(r.buf.length, 0);
  const cleared = sessionCookie(r);
  assert.match(cleared, /^motcua_session=;/);
  assert.match(cleared, /Max-Age=0/i);
  assert.equal(sql(srv.dataDir, `SELECT count(*) AS n FROM sessions WHERE token_hash = '${tokenHash}'`)[0].n, 0);
  // The logout is in the audit log, as the account's own act.
  const last = sql(srv.dataDir, "SELECT action, actor_id, object_id FROM audit_log ORDER BY id DESC LIMIT 1")[0];
  assert.deepEqual(last, { action: 'auth.logout', actor_id: a.account.id, object_id: String(a.account.id) });

  // The old cookie and token are dead everywhere.
  assertError(await a.get('/api/v1/auth/me', { cookie: oldCookie }), 401, 'unauthenticated');
  await expectRefused(srv, () => a.post('/api/v1/dossiers', { procedure_code: BIRTH, unit_code: COMMUNE }, { cookie: oldCookie, csrf: oldCsrf }),
    { status: 401, code: 'unauthenticated' });
  await expectRefused(srv, () => a.post('/api/v1/auth/logout', undefined, { cookie: oldCookie, csrf: oldCsrf }), { status: 401, code: 'unauthenticated' });
  assertError(await a.get('/api/v1/dossiers', { cookie: oldCookie }), 401, 'unauthenticated');
  // The account's other session is untouched.
  assert.equal((await second.get('/api/v1/auth/me')).status, 200);
});

test('CSRF: a write without the token, with another session\'s token, or with no session -> 403/401', async () => {
  const a = await newCitizen(srv.url);
  const b = await newCitizen(srv.url);
  const body = { procedure_code: BIRTH, unit_code: COMMUNE };
  await expectRefused(srv, () => a.post('/api/v1/dossiers', body, { csrf: false }), { status: 403, code: 'csrf' });
  await expectRefused(srv, () => a.post('/api/v1/dossiers', body, { csrf: '' }), { status: 403, code: 'csrf' });
  await expectRefused(srv, () => a.post('/api/v1/dossiers', body, { csrf: b.csrf }), { status: 403, code: 'csrf' });
  await expectRefused(srv, () => a.post('/api/v1/dossiers', body, { csrf: a.csrf.toUpperCase() }), { status: 403, code: 'csrf' });
  await expectRefused(srv, () => a.post('/api/v1/dossiers', body, { csrf: a.csrf + '0' }), { status: 403, code: 'csrf' });
  await expectRefused(srv, () => a.post('/api/v1/dossiers', body, { cookie: false }), { status: 401, code: 'unauthenticated' });
  // The token from register works, and so does the one from /me.
  const me = await a.get('/api/v1/auth/me');
  assert.equal(me.json.csrf_token, a.csrf);
  const r = await a.post('/api/v1/dossiers', body);
  assert.equal(r.status, 201, r.text);
});

test('a successful login adds exactly one session row and its audit entry, and changes nothing else', async () => {
  const a = await newCitizen(srv.url);
  const before = snapshot(srv.dataDir);
  await new Client(srv.url).login(a.person.citizen_id, a.person.password);
  const after = snapshot(srv.dataDir);
  assert.equal(after.counts.sessions, before.counts.sessions + 1);
  assert.equal(after.counts.audit_log, before.counts.audit_log + 1);
  const entry = after['table:audit_log'].at(-1);
  assert.deepEqual([entry.action, entry.actor_id, entry.object_id], ['auth.login', a.account.id, String(a.account.id)]);
  for (const k of Object.keys(before.counts)) if (k !== 'sessions' && k !== 'audit_log') assert.equal(after.counts[k], before.counts[k], k);
  assert.deepEqual(after['table:accounts'], before['table:accounts']);
  assert.deepEqual(after['table:sessions'].slice(0, before['table:sessions'].length), before['table:sessions']);
});

// Regression (issue 7): `motcua user add` took any password of 8 characters.
test('motcua user add refuses an easily guessed password and creates nothing', async () => {
  const before = snapshot(srv.dataDir);
  const cid = citizenId();
  for (const password of ['12345678', cid, 'matkhau2026']) {
    const r = motcua(['user', 'add', '--data', srv.dataDir, '--login', cid, '--name', 'Lê Văn Tám', '--password', password]);
    assert.equal(r.status, 2, `${password}: ${r.stdout} ${r.stderr}`);
    assert.match(r.stderr, /^motcua user add: the password is refused: Mật khẩu /, password);
  }
  let r = motcua(['user', 'add', '--data', srv.dataDir, '--kind', 'staff', '--login', 'canbo.thu', '--name', 'Cán bộ thử',
    '--password', 'canbo.thu-1', '--role', 'reception', '--unit', COMMUNE, '--no-totp']);
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /tên đăng nhập/);
  assertUnchanged(srv.dataDir, before);
  r = motcua(['user', 'add', '--data', srv.dataDir, '--login', cid, '--name', 'Lê Văn Tám', '--password', 'ngựa ô bờ sông Mã']);
  assert.equal(r.status, 0, r.stderr);
  await new Client(srv.url).login(cid, 'ngựa ô bờ sông Mã');
});
