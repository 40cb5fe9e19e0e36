// Data-sharing services between two nodes on loopback: node A hosts Phường Hạc Thành, node B
// Phường Quảng Phú, each with its own data directory and demo CA, each trusting the other's
// root, both with the same directory signed by the province. B lets Hạc Thành call
// dossier-status; an officer of A asks B, through A, for the status of a dossier a citizen
// submitted on B and gets what B's public lookup shows. Both nodes log the call with the signed
// request and the signed answer, which openssl verifies against the roots. A service A is not
// allowed to call, a replayed request, a request signed by a unit the directory does not list,
// a tampered request, a stale one: refused and logged; nothing but the log changes. And the
// other way round: an officer of B asks A for the công văn Hạc Thành issued to Quảng Phú.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

import {
  startServer, Client, motcua, newCitizen, readyBirthDraft, sql, sqlValue, snapshot, samplePdf, totp,
  DEMO_OFFICERS,
} from './lib/server.mjs';
import { nodeCert } from './lib/network.mjs';

const PROVINCE = '000.00.00.H56';
const HAC_THANH = '000.01.90.H56'; // on node A
const QUANG_PHU = '000.02.90.H56'; // on node B
const DEPT = '000.00.04.H56'; // Sở Tài chính: in no node of this directory
const LOG_TABLES = ['exchange_calls', 'exchange_nonces'];

function tmpDir(t) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-sharing-'));
  t.after(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

function run(cmd, args, input) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', input });
  if (r.error) throw r.error;
  return r;
}

function ok(r) {
  assert.equal(r.status, 0, r.stderr);
  return r;
}

const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const DAY = 86400 * 1000;

/** The database minus the call log: what a call must leave as it was. */
function state(dataDir) {
  const s = snapshot(dataDir);
  for (const t of LOG_TABLES) {
    delete s[`table:${t}`];
    delete s.counts[t];
  }
  return s;
}

function logRows(dataDir, side) {
  return sql(dataDir, `SELECT id, service, from_organ, to_organ, nonce, status, result, account_id,
    request_sha256, hex(request) AS request, answer_sha256, hex(answer) AS answer
    FROM exchange_calls WHERE side = '${side}' ORDER BY id`);
}

/** openssl checks a logged signed blob against a root; returns the signed JSON and the signer's subject. */
function opensslVerify(dir, hexBlob, rootPem, name) {
  const blob = path.join(dir, `${name}.cms`);
  const root = path.join(dir, `${name}-root.pem`);
  const out = path.join(dir, `${name}.json`);
  const signer = path.join(dir, `${name}-signer.pem`);
  fs.writeFileSync(blob, Buffer.from(hexBlob, 'hex'));
  fs.writeFileSync(root, rootPem);
  const r = run('openssl', ['cms', '-verify', '-binary', '-inform', 'DER', '-in', blob, '-CAfile', root,
    '-out', out, '-signer', signer]);
  assert.equal(r.status, 0, r.stderr);
  const subj = ok(run('openssl', ['x509', '-in', signer, '-noout', '-subject', '-nameopt', 'RFC2253,-esc_msb'])).stdout;
  return { json: JSON.parse(fs.readFileSync(out, 'utf8')), subject: subj };
}

async function officer(srv, login, role, unit) {
  ok(motcua(['user', 'add', '--data', srv.dataDir, '--kind', 'staff', '--login', login, '--name', 'Cán bộ thử',
    '--password', 'mat-khau-can-bo', '--role', role, '--unit', unit, '--no-totp']));
  const c = new Client(srv.url);
  await c.login(login, 'mat-khau-can-bo');
  return c;
}

async function postSigned(srv, service, bytes) {
  const res = await fetch(`${srv.url}/api/v1/exchange/services/${service}`, {
    method: 'POST', headers: { 'content-type': 'application/pkcs7-mime; smime-type=signed-data' }, body: bytes,
  });
  const buf = Buffer.from(await res.arrayBuffer());
  const ctype = res.headers.get('content-type') || '';
  return { status: res.status, ctype, buf, json: ctype.startsWith('application/json') ? JSON.parse(buf.toString('utf8')) : undefined };
}

/**
 * Two nodes on loopback, each with its own data directory and demo CA, each trusting the other's
 * root; the province (A's data directory holds its seal) signs a directory of the two, both
 * install it. Node A hosts Hạc Thành, node B Quảng Phú.
 */
async function twoNodes(t) {
  const dir = tmpDir(t);
  const A = await startServer(t);
  const B = await startServer(t);
  const rootA = sqlValue(A.dataDir, 'SELECT cert_pem FROM trust_anchors WHERE demo = 1');
  const rootB = sqlValue(B.dataDir, 'SELECT cert_pem FROM trust_anchors WHERE demo = 1');
  assert.notEqual(rootA, rootB);
  fs.writeFileSync(path.join(dir, 'rootA.pem'), rootA);
  fs.writeFileSync(path.join(dir, 'rootB.pem'), rootB);
  ok(motcua(['key', 'trust', '--data', A.dataDir, path.join(dir, 'rootB.pem')]));
  ok(motcua(['key', 'trust', '--data', B.dataDir, path.join(dir, 'rootA.pem')]));

  // the province (A's data directory holds its seal) lists the two nodes; both install it
  const source = {
    version: 1, issued_at: iso(Date.now() - DAY), expires_at: iso(Date.now() + 30 * DAY), issuer: PROVINCE,
    nodes: [
      { id: 'hac-thanh', name: 'Phường Hạc Thành', address: A.url, level: 'commune', hub: false, upstream: null,
        certificate: nodeCert(dir, 'a'), units: [HAC_THANH] },
      { id: 'quang-phu', name: 'Phường Quảng Phú', address: `${B.url}/`, level: 'commune', hub: false, upstream: null,
        certificate: nodeCert(dir, 'b'), units: [QUANG_PHU] },
    ],
  };
  fs.writeFileSync(path.join(dir, 'dir.json'), JSON.stringify(source));
  ok(motcua(['directory', 'sign', '--data', A.dataDir, '--unit', PROVINCE, path.join(dir, 'dir.json'), path.join(dir, 'dir.cms')]));
  ok(motcua(['directory', 'install', '--data', A.dataDir, path.join(dir, 'dir.cms')]));
  ok(motcua(['directory', 'install', '--data', B.dataDir, path.join(dir, 'dir.cms')]));

  return { dir, A, B, rootA, rootB };
}

test('data-sharing: dossier-status from node B to an officer of node A; access list, replay, forgery refused and logged', async (t) => {
  const { dir, A, B, rootA, rootB } = await twoNodes(t);

  // B lets Hạc Thành call dossier-status, and nothing else
  let r = ok(motcua(['exchange', 'service', 'allow', '--data', B.dataDir, '--service', 'dossier-status', '--organ', HAC_THANH]));
  r = ok(motcua(['exchange', 'service', 'list', '--data', B.dataDir]));
  const list = JSON.parse(r.stdout);
  assert.deepEqual(list.find((s) => s.service === 'dossier-status').organs.map((o) => o.organ), [HAC_THANH]);
  assert.deepEqual(list.find((s) => s.service === 'documents-sent').organs, []);
  r = motcua(['exchange', 'service', 'allow', '--data', B.dataDir, '--service', 'no-such-service', '--organ', HAC_THANH]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\(unknown_service\)/);

  // a citizen submits a birth registration to Quảng Phú on node B
  const citizen = await newCitizen(B.url);
  const draft = await readyBirthDraft(citizen, QUANG_PHU);
  const submitted = await citizen.post(`/api/v1/dossiers/${draft.id}/submit`);
  assert.equal(submitted.status, 200, submitted.text);
  const code = submitted.json.code;
  const lookup = await new Client(B.url).get(`/api/v1/lookup/${encodeURIComponent(code)}`);
  assert.equal(lookup.status, 200, lookup.text);

  const off = await officer(A, 'tiepnhan.thu', 'reception', HAC_THANH);
  const beforeA = state(A.dataDir);
  const beforeB = state(B.dataDir);

  // the officer of A asks, as Hạc Thành, B's Quảng Phú for the dossier's status
  r = await off.post('/api/v1/exchange/call', { organ: QUANG_PHU, service: 'dossier-status', params: { code }, as: HAC_THANH });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.service, 'dossier-status');
  assert.equal(r.json.organ, QUANG_PHU);
  assert.equal(r.json.as, HAC_THANH);
  assert.deepEqual(r.json.result, lookup.json); // what B's public lookup shows, no more
  assert.equal(r.json.result.unit.code, QUANG_PHU);
  assert.match(r.json.call.nonce, /^[0-9a-f]{32}$/);

  // both sides logged it, with the same signed request; B's answer is what A kept
  const [ca] = logRows(A.dataDir, 'consumer');
  const [pb] = logRows(B.dataDir, 'provider');
  assert.equal(logRows(A.dataDir, 'consumer').length, 1);
  assert.equal(logRows(B.dataDir, 'provider').length, 1);
  assert.equal(ca.service, 'dossier-status');
  assert.equal(ca.from_organ, HAC_THANH);
  assert.equal(ca.to_organ, QUANG_PHU);
  assert.equal(ca.status, 200);
  assert.equal(ca.result, 'ok');
  assert.equal(ca.account_id, off.account.id);
  assert.equal(ca.nonce, r.json.call.nonce);
  assert.equal(pb.nonce, ca.nonce);
  assert.equal(pb.from_organ, HAC_THANH);
  assert.equal(pb.to_organ, QUANG_PHU);
  assert.equal(pb.status, 200);
  assert.equal(pb.result, 'ok');
  assert.equal(pb.request, ca.request);
  assert.equal(pb.answer, ca.answer);
  assert.equal(pb.request_sha256, ca.request_sha256);
  assert.equal(ca.request_sha256, r.json.call.request_sha256);
  assert.equal(ca.answer_sha256, r.json.call.answer_sha256);
  // openssl, which motcua did not write, checks both signatures against the two roots
  const req = opensslVerify(dir, ca.request, rootA, 'request');
  assert.match(req.subject, /organizationIdentifier=000\.01\.90\.H56/);
  assert.doesNotMatch(req.subject, /title=/);
  assert.deepEqual(req.json.params, { code });
  assert.equal(req.json.from, HAC_THANH);
  assert.equal(req.json.to, QUANG_PHU);
  assert.equal(req.json.service, 'dossier-status');
  assert.equal(req.json.nonce, ca.nonce);
  const ans = opensslVerify(dir, ca.answer, rootB, 'answer');
  assert.match(ans.subject, /organizationIdentifier=000\.02\.90\.H56/);
  assert.deepEqual(ans.json.result, lookup.json);
  assert.equal(ans.json.nonce, ca.nonce);
  assert.equal(ans.json.request_sha256, ca.request_sha256);
  // and nothing else changed on either node
  assert.deepEqual(state(A.dataDir), beforeA);
  assert.deepEqual(state(B.dataDir), beforeB);
  // the log from the command line: one call, the same hashes on both sides
  const cliA = JSON.parse(ok(motcua(['exchange', 'calls', '--data', A.dataDir])).stdout);
  const cliB = JSON.parse(ok(motcua(['exchange', 'calls', '--data', B.dataDir])).stdout);
  assert.deepEqual(cliA.map((c) => [c.side, c.service, c.from, c.to, c.status, c.result, c.nonce, c.request_sha256, c.answer_sha256]),
    [['consumer', 'dossier-status', HAC_THANH, QUANG_PHU, 200, 'ok', ca.nonce, ca.request_sha256, ca.answer_sha256]]);
  assert.deepEqual(cliB.map((c) => [c.side, c.service, c.from, c.to, c.status, c.result, c.nonce, c.request_sha256, c.answer_sha256]),
    [['provider', 'dossier-status', HAC_THANH, QUANG_PHU, 200, 'ok', ca.nonce, ca.request_sha256, ca.answer_sha256]]);
  assert.equal(cliA[0].account_id, off.account.id);
  assert.equal(cliB[0].account_id, null);

  // another service: Hạc Thành is not on its access list -> 403, logged on both sides
  r = await off.post('/api/v1/exchange/call', { organ: QUANG_PHU, service: 'documents-sent', params: {}, as: HAC_THANH });
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json.error.code, 'not_allowed');
  assert.match(r.json.error.message, /không được phép gọi dịch vụ documents-sent/);
  let rowsA = logRows(A.dataDir, 'consumer');
  let rowsB = logRows(B.dataDir, 'provider');
  assert.equal(rowsA.length, 2);
  assert.equal(rowsB.length, 2);
  assert.deepEqual([rowsA[1].service, rowsA[1].status, rowsA[1].result], ['documents-sent', 403, 'not_allowed']);
  assert.deepEqual([rowsB[1].service, rowsB[1].status, rowsB[1].result], ['documents-sent', 403, 'not_allowed']);
  assert.equal(rowsB[1].request, rowsA[1].request); // the caller's signature kept
  assert.equal(rowsB[1].answer_sha256, null); // a refusal is not signed
  assert.equal(rowsB[1].answer, '');
  assert.deepEqual(state(A.dataDir), beforeA);
  assert.deepEqual(state(B.dataDir), beforeB);

  // a dossier of another unit is as unknown as no dossier
  r = await off.post('/api/v1/exchange/call', { organ: QUANG_PHU, service: 'dossier-status', params: { code: 'KHONG-CO' }, as: HAC_THANH });
  assert.equal(r.status, 404, r.text);
  assert.equal(r.json.error.code, 'not_found');

  // an officer of A may not call as a unit they do not work in
  r = await off.post('/api/v1/exchange/call', { organ: QUANG_PHU, service: 'dossier-status', params: { code }, as: DEPT });
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json.error.code, 'forbidden');
  // a unit the directory does not list cannot be called
  r = await off.post('/api/v1/exchange/call', { organ: DEPT, service: 'dossier-status', params: { code }, as: HAC_THANH });
  assert.equal(r.status, 404, r.text);
  assert.equal(r.json.error.code, 'not_in_directory');
  // a service name goes into the provider's URL as it is: only [a-z0-9-]
  r = await off.post('/api/v1/exchange/call', { organ: QUANG_PHU, service: '../directory?x=', params: {}, as: HAC_THANH });
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.error.code, 'bad_request');
  // these three were refused before any call: not logged (the two above and the not_found are)
  assert.equal(logRows(A.dataDir, 'consumer').length, 3);
  assert.equal(logRows(B.dataDir, 'provider').length, 3);

  // --- requests made by hand and POSTed to B directly
  const signed = (name, args) => {
    const out = path.join(dir, `${name}.cms`);
    const rr = motcua(['exchange', 'request', '--data', A.dataDir, '--service', 'dossier-status',
      '--params', JSON.stringify({ code }), ...args, out]);
    assert.equal(rr.status, 0, rr.stderr);
    return fs.readFileSync(out);
  };
  const refusedOnB = async (bytes, status, errCode, message) => {
    const before = state(B.dataDir);
    const n = logRows(B.dataDir, 'provider').length;
    const res = await postSigned(B, 'dossier-status', bytes);
    assert.equal(res.status, status, res.buf.toString());
    assert.equal(res.json.error.code, errCode);
    assert.match(res.json.error.message, message);
    const rows = logRows(B.dataDir, 'provider');
    assert.equal(rows.length, n + 1, 'the refusal was not logged');
    assert.equal(rows[n].status, status);
    assert.equal(rows[n].result, errCode);
    assert.deepEqual(state(B.dataDir), before);
    return rows[n];
  };

  // one well-signed request is answered once; the same bytes again are a replay
  const once = signed('once', ['--as', HAC_THANH, '--organ', QUANG_PHU]);
  let res = await postSigned(B, 'dossier-status', once);
  assert.equal(res.status, 200, res.buf.toString());
  assert.match(res.ctype, /^application\/pkcs7-mime/);
  const replay = await refusedOnB(once, 409, 'replay', /đã được nhận/);
  assert.equal(replay.request, once.toString('hex').toUpperCase());

  // signed by the seal of a unit no node of the directory hosts
  await refusedOnB(signed('dept', ['--as', DEPT, '--organ', QUANG_PHU]), 403, 'unknown_sender', /không có trong danh bạ/);

  // a byte of the signed content changed: the code asked for
  const good = signed('tamper', ['--as', HAC_THANH, '--organ', QUANG_PHU]);
  const at = good.indexOf(Buffer.from(code));
  assert.ok(at > 0);
  const tampered = Buffer.from(good);
  tampered[at + code.length - 1] ^= 0x01;
  const tamperedRow = await refusedOnB(tampered, 422, 'signature_invalid', /đã bị sửa/);
  // what no trusted unit signed is logged by its hash only
  assert.equal(tamperedRow.request, '');
  assert.equal(tamperedRow.request_sha256, crypto.createHash('sha256').update(tampered).digest('hex'));
  // the untouched request still works (the tampered one did not burn its nonce)
  res = await postSigned(B, 'dossier-status', good);
  assert.equal(res.status, 200, res.buf.toString());

  // an hour old
  await refusedOnB(signed('stale', ['--as', HAC_THANH, '--organ', QUANG_PHU, '--time', String(Math.floor(Date.now() / 1000) - 3600)]),
    422, 'stale', /lệch quá 5 phút/);

  // signed for dossier-status, sent to another service's address
  const other = await postSigned(B, 'documents-sent', signed('other', ['--as', HAC_THANH, '--organ', QUANG_PHU]));
  assert.equal(other.status, 422);
  assert.equal(other.json.error.code, 'bad_request');

  // signed under a root B does not trust: B's own demo CA issued it? no: a fresh node's
  const C = await startServer(t);
  const foreign = path.join(dir, 'foreign.cms');
  ok(motcua(['exchange', 'request', '--data', C.dataDir, '--service', 'dossier-status', '--params', JSON.stringify({ code }),
    '--as', HAC_THANH, '--organ', QUANG_PHU, foreign]));
  await refusedOnB(fs.readFileSync(foreign), 403, 'untrusted', /không được máy chủ này tin cậy/);

  // not CMS at all
  await refusedOnB(Buffer.from('{"service":"dossier-status"}'), 422, 'not_cms', /không phải dữ liệu đã ký/);

  // deny takes the right back: the officer's next call is refused
  ok(motcua(['exchange', 'service', 'deny', '--data', B.dataDir, '--service', 'dossier-status', '--organ', HAC_THANH]));
  r = await off.post('/api/v1/exchange/call', { organ: QUANG_PHU, service: 'dossier-status', params: { code }, as: HAC_THANH });
  assert.equal(r.status, 403, r.text);
  assert.equal(r.json.error.code, 'not_allowed');
  r = motcua(['exchange', 'service', 'deny', '--data', B.dataDir, '--service', 'dossier-status', '--organ', HAC_THANH]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /\(not_allowed\)/);
  assert.deepEqual(state(A.dataDir), beforeA);
});

test('data-sharing: documents-sent: the công văn node A issued to Quảng Phú, asked by an officer of B', async (t) => {
  const { A, B } = await twoNodes(t);
  const id = (q) => Number(sqlValue(A.dataDir, q));
  const hac = id(`SELECT id FROM units WHERE code = '${HAC_THANH}'`);
  const quang = id(`SELECT id FROM units WHERE code = '${QUANG_PHU}'`);
  const finance = id(`SELECT id FROM units WHERE code = '${DEPT}'`);
  const leaderId = id(`SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.leader.login}'`);
  const demo = async (who) => {
    const c = new Client(A.url);
    const r = await c.post('/api/v1/auth/login', { login: who.login, password: who.password, totp: totp(who.secret, Date.now()) });
    assert.equal(r.status, 200, r.text);
    return c;
  };
  const specialist = await demo(DEMO_OFFICERS.specialist);
  const leader = await demo(DEMO_OFFICERS.leader);
  const clerk = await demo(DEMO_OFFICERS.clerk);
  // Hạc Thành issues two công văn on node A: one to Quảng Phú and Sở Tài chính, one to Sở Tài chính only
  async function issue(summary, recipients) {
    let r = await specialist.post('/api/v1/documents', {
      unit_id: hac, type: 'cong_van', department: 'VP', summary, signer_id: leaderId, signer_title: 'CHỦ TỊCH',
      recipients_internal: recipients,
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
    return r.json.document;
  }
  const toQuang = await issue('V/v phối hợp rà soát hộ nghèo năm 2026', [quang, finance]);
  await issue('V/v báo cáo quyết toán ngân sách', [finance]);
  assert.match(toQuang.notation, /\//);

  ok(motcua(['exchange', 'service', 'allow', '--data', A.dataDir, '--service', 'documents-sent', '--organ', QUANG_PHU]));
  const off = await officer(B, 'vanthu.thu', 'clerk', QUANG_PHU);
  const beforeA = state(A.dataDir);
  const r = await off.post('/api/v1/exchange/call', { organ: HAC_THANH, service: 'documents-sent', as: QUANG_PHU });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.result.from, HAC_THANH);
  assert.equal(r.json.result.to, QUANG_PHU);
  assert.deepEqual(r.json.result.documents, [{
    notation: toQuang.notation, issued_on: toQuang.issued_on, type: 'cong_van',
    summary: 'V/v phối hợp rà soát hộ nghèo năm 2026', delivery: 'arrived',
  }]);
  assert.deepEqual(state(A.dataDir), beforeA);
  assert.equal(logRows(A.dataDir, 'provider').length, 1);
  assert.equal(logRows(B.dataDir, 'consumer').length, 1);
  // dossier-status was not opened to Quảng Phú on A
  const r2 = await off.post('/api/v1/exchange/call', { organ: HAC_THANH, service: 'dossier-status', params: { code: 'X' }, as: QUANG_PHU });
  assert.equal(r2.status, 403, r2.text);
  assert.equal(r2.json.error.code, 'not_allowed');
});
