// The LGSP interface (docs/exchange.md "The LGSP interface"): an e-office product that is not
// motcua uses this node as its provincial hub. One server (`init --demo`) is node 'tinh' of a
// directory that lists on it Phường Hạc Thành (a unit with a clerk here) and two organisations of
// e-office products, Sở Tài chính (X) and Xã Nam Xuân (Y), registered with `motcua exchange lgsp
// add`; another node 'khac' hosts Phường Quảng Phú. X sends a công văn signed with its seal to
// Hạc Thành, Y and Quảng Phú: Hạc Thành's clerk sees it arrived, Y finds it pending and gets the
// very bytes X sent, confirms, and it leaves the list; the envelope for Quảng Phú is queued for
// its node (this node is the hub). The same envelope again counts once. Y's status goes back to X
// the same way, and an envelope from another node's unit to Y reaches Y through the inbox. A wrong
// token, an unknown or revoked organisation, another organisation's document, a From that is not
// the caller, an altered envelope, a recipient no node hosts: refused with their reason, and
// nothing but the log of a refused sendDocument changes. Failed credentials are rate-limited.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  COMMUNE, COMMUNE2, DEMO_OFFICERS, PROVINCE, assertUnchanged, freePort, initDataDir, motcua,
  officerSession, snapshot, sql, sqlValue, startServer,
} from './lib/server.mjs';
import { nodeCert } from './lib/network.mjs';

const X = '000.00.04.H56'; // Sở Tài chính: an e-office product's organisation
const Y = '000.01.91.H56'; // Xã Nam Xuân: another product's organisation
const Z = '000.00.06.H56'; // Sở Xây dựng: registered, then revoked
const W = '000.02.91.H56'; // registered here, but the directory puts it on the other node
const NS = 'http://www.mic.gov.vn/TBT/QCVN_102_2016';
const iso = (ms) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
const DAY = 86400 * 1000;
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

function ok(args) {
  const r = motcua(args);
  assert.equal(r.status, 0, `motcua ${args.join(' ')}: ${r.stderr}`);
  return r;
}

/** A document envelope (unsigned), written here from QCVN 102:2016. */
function documentXml({ from, fromName, to, number, subject }) {
  const tos = to.map((c) => `<edXML:To><edXML:OrganId>${c}</edXML:OrganId></edXML:To>`).join('');
  return `<?xml version="1.0" encoding="UTF-8"?>
<edXML:edXML xmlns:edXML="${NS}"><edXML:edXMLEnvelope><edXML:edXMLHeader><edXML:MessageHeader>
<edXML:From><edXML:OrganId>${from}</edXML:OrganId><edXML:OrganName>${fromName}</edXML:OrganName></edXML:From>
${tos}
<edXML:DocumentId>${from},2026/12/07,${number}/VP</edXML:DocumentId>
<edXML:Code><edXML:CodeNumber>${number}</edXML:CodeNumber><edXML:CodeNotation>VP</edXML:CodeNotation></edXML:Code>
<edXML:PromulgationInfo><edXML:Place>Thanh Hóa</edXML:Place><edXML:PromulgationDate>07/12/2026</edXML:PromulgationDate></edXML:PromulgationInfo>
<edXML:DocumentType><edXML:Type>1</edXML:Type><edXML:TypeName>Công văn</edXML:TypeName></edXML:DocumentType>
<edXML:Subject>${subject}</edXML:Subject>
</edXML:MessageHeader></edXML:edXMLHeader><edXML:edXMLBody><edXML:edXMLManifest/></edXML:edXMLBody></edXML:edXMLEnvelope></edXML:edXML>
`;
}

/** A status envelope (unsigned) of from about document id of organ. */
function statusXml({ from, organ, id, code }) {
  return `<?xml version="1.0" encoding="UTF-8"?>
<edXML:edXML xmlns:edXML="${NS}"><edXML:edXMLEnvelope><edXML:edXMLHeader><edXML:MessageHeader>
<edXML:From><edXML:OrganId>${from}</edXML:OrganId></edXML:From>
<edXML:ResponseFor><edXML:OrganId>${organ}</edXML:OrganId><edXML:DocumentId>${id}</edXML:DocumentId></edXML:ResponseFor>
<edXML:StatusCode>${code}</edXML:StatusCode><edXML:Description>Đã đến</edXML:Description>
<edXML:Timestamp>2026/12/07 09:30:00</edXML:Timestamp>
</edXML:MessageHeader></edXML:edXMLHeader></edXML:edXMLEnvelope></edXML:edXML>
`;
}

test('lgsp: an e-office product sends and fetches signed envelopes through this node; refusals change nothing', async (t) => {
  const dataDir = initDataDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'motcua-lgsp-'));
  t.after(() => {
    for (const d of [dir, dataDir]) fs.rmSync(d, { recursive: true, force: true });
  });
  const port = await freePort();
  const source = {
    version: 1, issued_at: iso(Date.now() - DAY), expires_at: iso(Date.now() + 30 * DAY), issuer: PROVINCE,
    nodes: [
      { id: 'tinh', name: 'LGSP tỉnh Thanh Hóa', address: `http://127.0.0.1:${port}`, level: 'province', hub: true,
        upstream: null, certificate: nodeCert(dir, 'tinh'), units: [COMMUNE, X, Y, Z] },
      { id: 'khac', name: 'Phường Quảng Phú', address: 'http://127.0.0.1:9', level: 'commune', hub: false,
        upstream: 'tinh', certificate: nodeCert(dir, 'khac'), units: [COMMUNE2, W] },
    ],
  };
  fs.writeFileSync(path.join(dir, 'directory.json'), JSON.stringify(source));
  ok(['directory', 'sign', '--data', dataDir, '--unit', PROVINCE, path.join(dir, 'directory.json'), path.join(dir, 'directory.cms')]);
  ok(['directory', 'install', '--data', dataDir, path.join(dir, 'directory.cms')]);
  ok(['exchange', 'node', '--data', dataDir, '--id', 'tinh']);

  // Registration: a token printed once (64 hex), only its SHA-256 kept.
  const tokenX = ok(['exchange', 'lgsp', 'add', '--data', dataDir, '--organ', X, '--name', 'Sở Tài chính (phần mềm QLVB)']).stdout.trim();
  const tokenY = ok(['exchange', 'lgsp', 'add', '--data', dataDir, '--organ', Y, '--name', 'Xã Nam Xuân (phần mềm QLVB)']).stdout.trim();
  const tokenZ = ok(['exchange', 'lgsp', 'add', '--data', dataDir, '--organ', Z, '--name', 'Sở Xây dựng']).stdout.trim();
  const tokenW = ok(['exchange', 'lgsp', 'add', '--data', dataDir, '--organ', W, '--name', 'Nút khác']).stdout.trim();
  for (const tk of [tokenX, tokenY, tokenZ]) assert.match(tk, /^[0-9a-f]{64}$/);
  assert.notEqual(tokenX, tokenY);
  assert.equal(sqlValue(dataDir, `SELECT token_sha256 FROM lgsp_organs WHERE organ = '${X}'`),
    (await import('node:crypto')).createHash('sha256').update(tokenX).digest('hex'));
  assert.equal(Number(sqlValue(dataDir, `SELECT count(*) FROM lgsp_organs WHERE token_sha256 = '${tokenX}'`)), 0);
  let m = motcua(['exchange', 'lgsp', 'add', '--data', dataDir, '--organ', X, '--name', 'Lần hai']);
  assert.equal(m.status, 1);
  assert.match(m.stderr, /\(organ_exists\)/);
  m = motcua(['exchange', 'lgsp', 'add', '--data', dataDir, '--organ', 'abc', '--name', 'Sai mã']);
  assert.equal(m.status, 1);
  assert.match(m.stderr, /\(bad_organ\)/);
  ok(['exchange', 'lgsp', 'revoke', '--data', dataDir, '--organ', Z]);
  m = motcua(['exchange', 'lgsp', 'revoke', '--data', dataDir, '--organ', Z]);
  assert.equal(m.status, 1);
  assert.match(m.stderr, /\(unknown_organ\)/);
  const listed = JSON.parse(ok(['exchange', 'lgsp', 'list', '--data', dataDir]).stdout);
  assert.deepEqual(listed.map((o) => [o.organ, o.name, o.revoked_at === null, o.pending]),
    [[X, 'Sở Tài chính (phần mềm QLVB)', true, 0], [Z, 'Sở Xây dựng', false, 0], [Y, 'Xã Nam Xuân (phần mềm QLVB)', true, 0], [W, 'Nút khác', true, 0]]);

  // A retry's backoff times 100: the relayed envelope's second attempt comes after the test.
  const srv = await startServer(t, { dataDir, port, env: { MOTCUA_EXCHANGE_BACKOFF_SCALE: '100' } });
  assert.equal(srv.port, port);

  const call = async (method, route, { organ, token, headers = {}, body } = {}) => {
    const h = { ...headers };
    if (organ !== undefined) h.from = organ;
    if (token !== undefined) h.token = token;
    if (body !== undefined) h['content-type'] = 'application/xml';
    const res = await fetch(`${srv.url}/api/lgsp/${route}`, { method, headers: h, body });
    const buf = Buffer.from(await res.arrayBuffer());
    const ctype = res.headers.get('content-type') || '';
    return { status: res.status, ctype, buf, text: buf.toString('utf8'), json: ctype.startsWith('application/json') ? JSON.parse(buf.toString('utf8')) : undefined };
  };
  const asX = { organ: X, token: tokenX };
  const asY = { organ: Y, token: tokenY };
  let n = 0;
  const sign = (unit, xml) => {
    const src = path.join(dir, `in${++n}.edxml`);
    const out = path.join(dir, `out${n}.edxml`);
    fs.writeFileSync(src, xml);
    ok(['edxml', 'sign', '--data', dataDir, '--unit', unit, src, out]);
    return fs.readFileSync(out);
  };
  const isFail = (r, status, code) => {
    assert.equal(r.status, status, r.text);
    assert.equal(r.json.status, 'FAIL', r.text);
    assert.equal(r.json.ErrorCode, code, r.text);
    assert.ok(r.json.ErrorDesc.length > 0);
    assert.equal(r.json.error.code, code);
  };
  /** A refused read: answered status/code, the database exactly as before. */
  const refusedRead = async (send, status, code) => {
    const before = snapshot(dataDir);
    isFail(await send(), status, code);
    assertUnchanged(dataDir, before, [], `(${code})`);
  };
  /** A refused sendDocument: answered status/code, one row 'refused' with that verdict logged, nothing else (nor in the file store). */
  const logRows = () => sql(dataDir, 'SELECT * FROM exchange_messages ORDER BY id');
  const files = () => fs.readdirSync(path.join(dataDir, 'files'), { recursive: true }).sort();
  const refusedSend = async (send, status, code) => {
    const before = snapshot(dataDir);
    const rowsBefore = logRows();
    const filesBefore = files();
    isFail(await send(), status, code);
    assert.deepEqual(files(), filesBefore, `nothing stored for ${code}`);
    const after = snapshot(dataDir);
    const rows = logRows();
    assert.equal(rows.length, rowsBefore.length + 1, `one refusal logged for ${code}`);
    assert.deepEqual(rows.slice(0, -1), rowsBefore);
    const last = rows[rows.length - 1];
    assert.equal(last.direction, 'in');
    assert.equal(last.state, 'refused');
    assert.equal(last.verdict, code);
    for (const s of [before, after]) {
      delete s['table:exchange_messages'];
      delete s.counts.exchange_messages;
    }
    assert.deepEqual(after, before, `only the log changed after ${code}`);
    return last;
  };

  // X sends a công văn to Hạc Thành (a unit here), Y (a product's organisation here) and Quảng
  // Phú (on another node).
  const subject = 'V/v phối hợp thử nghiệm liên thông qua LGSP';
  const docId = `${X},2026/12/07,15/VP`;
  const envelope = sign(X, documentXml({ from: X, fromName: 'Sở Tài chính tỉnh Thanh Hóa', to: [COMMUNE, Y, COMMUNE2], number: 15, subject }));
  let r = await call('POST', 'sendDocument', { ...asX, body: envelope });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, {
    status: 'OK', ErrorCode: '', ErrorDesc: '',
    data: { DocumentId: docId, messagetype: 'edoc', created: 3, duplicates: 0,
      to: [{ OrganId: COMMUNE, result: 'delivered' }, { OrganId: Y, result: 'delivered' },
        { OrganId: COMMUNE2, result: 'relayed' }] },
  });
  // This node is the province's hub: the envelope for Quảng Phú is queued, unchanged, for its
  // node (docs/exchange.md "Hubs"), which is down here: it waits, retried with backoff.
  const relayRow = () => sql(dataDir, `SELECT kind, from_organ, to_organ, relay, verdict, envelope_sha256 FROM exchange_messages
    WHERE direction = 'out' AND to_organ = '${COMMUNE2}'`);
  assert.deepEqual(relayRow().map(({ envelope_sha256: _, ...x }) => x),
    [{ kind: 'document', from_organ: X, to_organ: COMMUNE2, relay: 1, verdict: 'relayed' }]);
  assert.equal(relayRow()[0].envelope_sha256, crypto.createHash('sha256').update(envelope).digest('hex'));

  // Hạc Thành's status 01 (arrived), queued when the document was written, goes out through this
  // node's sender, signed by Hạc Thành's seal, to X's node: this one. Let it settle before the
  // refusals below compare the database.
  // (The relayed envelope's first attempt fails at once; the next is a quarter of an hour away.)
  const outState = () => sqlValue(dataDir, `SELECT group_concat(state || ':' || (attempts > 0), ',') FROM exchange_messages
    WHERE direction = 'out' ORDER BY id`);
  for (let i = 0; i < 300 && !/^(delivered:1|pending:1)(,(delivered:1|pending:1))*$/.test(outState()); i++) await sleep(100);
  assert.deepEqual(sql(dataDir, "SELECT kind, to_organ, state, attempts > 0 AS tried FROM exchange_messages WHERE direction = 'out' ORDER BY kind, to_organ"), [
    { kind: 'document', to_organ: COMMUNE2, state: 'pending', tried: 1 }, // relayed, its node down
    { kind: 'status', to_organ: X, state: 'delivered', tried: 1 }, // Hạc Thành's 01
  ]);

  // Hạc Thành's clerk sees it arrived, from Sở Tài chính.
  const clerk = await officerSession(srv.url, DEMO_OFFICERS.clerk);
  r = await clerk.get('/api/v1/incoming?box=arrived');
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.total, 1);
  assert.equal(r.json.items[0].sender, 'Sở Tài chính tỉnh Thanh Hóa');
  assert.equal(r.json.items[0].notation, '15/VP');

  // Y: one pending envelope, the bytes X sent.
  r = await call('GET', 'getPendingDocIds', asY);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status, 'OK');
  assert.equal(r.json.data.length, 1);
  const pending = r.json.data[0];
  assert.deepEqual({ ...pending, created_time: undefined, docId: undefined },
    { docId: undefined, DocumentId: docId, from: X, messagetype: 'edoc', created_time: undefined });
  assert.match(pending.created_time, /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
  assert.match(pending.docId, /^\d+$/);
  r = await call('GET', 'getDocument', { ...asY, headers: { docId: pending.docId } });
  assert.equal(r.status, 200, r.text);
  assert.match(r.ctype, /^application\/xml/);
  assert.deepEqual(r.buf, envelope);
  // X has nothing pending, and cannot read Y's envelope, nor confirm it.
  r = await call('GET', 'getPendingDocIds', { ...asX, headers: { messagetype: 'edoc' } });
  assert.deepEqual(r.json.data, []);
  await refusedRead(() => call('GET', 'getDocument', { ...asX, headers: { docId: pending.docId } }), 404, 'not_found');
  await refusedRead(() => call('POST', 'confirmReceived', { ...asX, headers: { docId: pending.docId } }), 404, 'not_found');
  await refusedRead(() => call('GET', 'getDocument', { ...asY, headers: { docId: 'abc' } }), 422, 'bad_doc_id');

  // The same envelope again: answered OK, counted once.
  const countsBefore = sql(dataDir, "SELECT (SELECT count(*) FROM documents) d, (SELECT count(*) FROM lgsp_pending) p, (SELECT count(*) FROM exchange_messages WHERE state = 'received') m")[0];
  r = await call('POST', 'sendDocument', { ...asX, body: envelope });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.created, 0);
  assert.equal(r.json.data.duplicates, 3); // Hạc Thành, Y, and Quảng Phú's relayed copy
  assert.deepEqual(sql(dataDir, "SELECT (SELECT count(*) FROM documents) d, (SELECT count(*) FROM lgsp_pending) p, (SELECT count(*) FROM exchange_messages WHERE state = 'received') m")[0], countsBefore);

  // checkExistDocument: known to its sender and its recipient, not otherwise.
  r = await call('GET', 'checkExistDocument', { ...asX, headers: { documentid: docId } });
  assert.deepEqual(r.json.data, { DocumentId: docId, exists: true });
  r = await call('GET', 'checkExistDocument', { ...asY, headers: { documentid: docId } });
  assert.deepEqual(r.json.data, { DocumentId: docId, exists: true });
  r = await call('GET', 'checkExistDocument', { ...asX, headers: { documentid: `${X},2026/12/07,99/VP` } });
  assert.deepEqual(r.json.data, { DocumentId: `${X},2026/12/07,99/VP`, exists: false });
  await refusedRead(() => call('GET', 'checkExistDocument', asX), 422, 'missing_field');

  // Y confirms: it leaves the list; confirming again is fine.
  r = await call('POST', 'confirmReceived', { ...asY, headers: { docId: pending.docId } });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.data, { docId: pending.docId, already: false });
  r = await call('POST', 'confirmReceived', { ...asY, headers: { docId: pending.docId } });
  assert.deepEqual(r.json.data, { docId: pending.docId, already: true });
  r = await call('GET', 'getPendingDocIds', asY);
  assert.deepEqual(r.json.data, []);

  // Y's product answers with status 01, signed by Y, through this node: it waits for X.
  const status = sign(Y, statusXml({ from: Y, organ: X, id: docId, code: '01' }));
  r = await call('POST', 'sendDocument', { ...asY, body: status });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.data, { DocumentId: docId, messagetype: 'status', created: 1, duplicates: 0, to: [{ OrganId: X, result: 'delivered' }] });
  // X's queue: Hạc Thành's status 01 (above), then Y's.
  r = await call('GET', 'getPendingDocIds', { ...asX, headers: { messagetype: 'status' } });
  assert.deepEqual(r.json.data.map((p) => [p.DocumentId, p.from, p.messagetype]), [[docId, COMMUNE, 'status'], [docId, Y, 'status']]);
  r = await call('GET', 'getPendingDocIds', { ...asX, headers: { messagetype: 'edoc' } });
  assert.deepEqual(r.json.data, []);
  await refusedRead(() => call('GET', 'getPendingDocIds', { ...asX, headers: { messagetype: 'fax' } }), 422, 'bad_messagetype');

  // A unit of another node sends to Y through this node's inbox: held for Y.
  const fromOther = sign(COMMUNE2, documentXml({ from: COMMUNE2, fromName: 'Phường Quảng Phú', to: [Y], number: 7, subject: 'V/v báo cáo' }));
  const res = await fetch(`${srv.url}/api/v1/exchange/inbox`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body: fromOther });
  assert.equal(res.status, 200, await res.text());
  r = await call('GET', 'getPendingDocIds', asY);
  assert.deepEqual(r.json.data.map((p) => [p.DocumentId, p.from]), [[`${COMMUNE2},2026/12/07,7/VP`, COMMUNE2]]);
  r = await call('GET', 'getDocument', { ...asY, headers: { docId: r.json.data[0].docId } });
  assert.deepEqual(r.buf, fromOther);

  // getOrganizations: the directory's units with their node and name, which are products'.
  r = await call('GET', 'getOrganizations', asX);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.data, [
    { OrganId: COMMUNE, OrganName: 'Phường Hạc Thành', node: 'tinh', lgsp: false },
    { OrganId: X, OrganName: 'Sở Tài chính (phần mềm QLVB)', node: 'tinh', lgsp: true },
    { OrganId: Y, OrganName: 'Xã Nam Xuân (phần mềm QLVB)', node: 'tinh', lgsp: true },
    { OrganId: Z, OrganName: 'Sở Xây dựng tỉnh Thanh Hóa', node: 'tinh', lgsp: false },
    { OrganId: COMMUNE2, OrganName: 'Phường Quảng Phú', node: 'khac', lgsp: false },
    { OrganId: W, OrganName: 'Nút khác', node: 'khac', lgsp: true },
  ]);

  // Credentials: a wrong token, an unknown organisation, a revoked one, none.
  await refusedRead(() => call('GET', 'getPendingDocIds', { organ: Y, token: tokenX }), 401, 'unauthorized');
  await refusedRead(() => call('GET', 'getPendingDocIds', { organ: '000.00.09.H56', token: tokenX }), 401, 'unauthorized');
  await refusedRead(() => call('GET', 'getPendingDocIds', { organ: Z, token: tokenZ }), 401, 'unauthorized');
  await refusedRead(() => call('GET', 'getOrganizations', {}), 401, 'unauthorized');
  await refusedRead(() => call('GET', 'getDocument', { organ: Y, token: tokenY.replace(/.$/, (c) => (c === '0' ? '1' : '0')), headers: { docId: pending.docId } }), 401, 'unauthorized');

  // sendDocument refusals, each logged: a wrong token; a From that is not the caller; one byte
  // altered; every recipient on another node.
  const second = sign(X, documentXml({ from: X, fromName: 'Sở Tài chính tỉnh Thanh Hóa', to: [COMMUNE], number: 16, subject: 'V/v thứ hai' }));
  await refusedSend(() => call('POST', 'sendDocument', { organ: X, token: tokenY, body: second }), 401, 'unauthorized');
  let row = await refusedSend(() => call('POST', 'sendDocument', { ...asY, body: second }), 403, 'not_your_organ');
  const altered = Buffer.from(second.toString('utf8').replace('V/v thứ hai', 'V/v thứ ba'));
  row = await refusedSend(() => call('POST', 'sendDocument', { ...asX, body: altered }), 422, 'digest_mismatch');
  const elsewhere = sign(X, documentXml({ from: X, fromName: 'Sở Tài chính tỉnh Thanh Hóa', to: ['000.99.99.H56'], number: 17, subject: 'V/v nơi khác' }));
  row = await refusedSend(() => call('POST', 'sendDocument', { ...asX, body: elsewhere }), 422, 'recipient_unknown');
  assert.equal(row.edxml_id, `${X},2026/12/07,17/VP`);
  assert.equal(row.from_organ, X);
  // An organisation the directory puts on another node cannot send through this one.
  const fromW = sign(W, documentXml({ from: W, fromName: 'Nút khác', to: [COMMUNE], number: 3, subject: 'V/v sai nút' }));
  row = await refusedSend(() => call('POST', 'sendDocument', { organ: W, token: tokenW, body: fromW }), 403, 'not_hosted_here');
  assert.equal(row.from_organ, ''); // refused before its signature was checked: nothing of it believed

  // And the second document, sent properly, arrives.
  r = await call('POST', 'sendDocument', { ...asX, body: second });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.data.created, 1);
  r = await clerk.get('/api/v1/incoming?box=arrived');
  assert.equal(r.json.total, 2);
  // Its status 01 reaches X's queue as the first did (and the sender is idle before the end).
  const outRows = () => sql(dataDir, "SELECT kind, to_organ, state FROM exchange_messages WHERE direction = 'out' ORDER BY kind, to_organ, id");
  const settled = [
    { kind: 'document', to_organ: COMMUNE2, state: 'pending' }, // still waiting for Quảng Phú's node
    { kind: 'status', to_organ: X, state: 'delivered' },
    { kind: 'status', to_organ: X, state: 'delivered' },
  ];
  for (let i = 0; i < 300 && JSON.stringify(outRows()) !== JSON.stringify(settled); i++) await sleep(100);
  assert.deepEqual(outRows(), settled);
  r = await call('GET', 'getPendingDocIds', { ...asX, headers: { messagetype: 'status' } });
  assert.deepEqual(r.json.data.map((p) => [p.DocumentId, p.from]),
    [[docId, COMMUNE], [docId, Y], [`${X},2026/12/07,16/VP`, COMMUNE]]);

  // Failed credentials count against the address as failed logins do: 50 in 15 minutes (six
  // above), then every call from it waits, a right token too; nothing is written meanwhile.
  const before = snapshot(dataDir);
  let refused = 0;
  for (; refused < 60; refused++) {
    r = await call('GET', 'getPendingDocIds', { organ: Y, token: tokenX });
    if (r.status !== 401) break;
  }
  assert.equal(refused, 44);
  assert.equal(r.status, 429, r.text);
  assert.equal(r.json.error.code, 'too_many_attempts');
  r = await call('GET', 'getPendingDocIds', asY);
  assert.equal(r.status, 429, r.text);
  assertUnchanged(dataDir, before, [], '(too_many_attempts)');
});
