// Documents through the hubs (docs/exchange.md "Hubs"), five nodes on loopback in the
// province's levels: the national axis on top, the province's LGSP below it, and under the
// LGSP the Sở Tài chính's node and two communes' (Phường Hạc Thành, Phường Quảng Phú). Hạc
// Thành issues a Quyết định to the Sở, to Quảng Phú and to a unit on the axis: the envelope
// goes to the LGSP only, which sends it on, unchanged, down to the Sở and Quảng Phú and up to
// the axis; each registers it once with Hạc Thành's signed PDF (xmlsec1 and pdfsig agree), and
// the statuses come back the same way.
// The Sở registers it (03). The leader recalls it: a revoke follows on the same path, each copy
// is marked recalled and 13 then 15 come back. A replacing công văn marks the Sở's copy of the
// one it replaces. The LGSP killed (SIGKILL) while it holds an envelope for the Sở, whose node
// is down: after both restart, the Sở gets it once. A công văn sent afterwards to one more
// unit reaches it, and the Sở, which had it, gets an update naming both and answers 15.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import {
  COMMUNE, COMMUNE2, PROVINCE, Client, sql, sqlValue, motcua, expectRefused,
} from './lib/server.mjs';
import { network } from './lib/network.mjs';
import { nssTrusting, pdfsig } from './lib/pdf.mjs';
import { hacThanhPeople, issueCongVan, sleep, until as untilIn } from './lib/exchange.mjs';

const DEPT = '000.00.04.H56'; // Sở Tài chính tỉnh Thanh Hóa
// The demo catalog holds only the province's units (and their seals): the axis node hosts one
// of them so that a message has a recipient above the province.
const AXIS_UNIT = '000.03.90.H56';

const SPECS = [
  { id: 'national', name: 'Trục liên thông quốc gia', level: 'national', hub: true, units: [AXIS_UNIT] },
  { id: 'lgsp', name: 'LGSP Thanh Hóa', level: 'province', hub: true, upstream: 'national', units: [PROVINCE] },
  { id: 'so-tai-chinh', name: 'Sở Tài chính', level: 'department', upstream: 'lgsp', units: [DEPT] },
  { id: 'hac-thanh', name: 'Phường Hạc Thành', level: 'commune', upstream: 'lgsp', units: [COMMUNE] },
  { id: 'quang-phu', name: 'Phường Quảng Phú', level: 'commune', upstream: 'lgsp', units: [COMMUNE2] },
];

const count = (n, q) => Number(sqlValue(n.dataDir, q));
// (lib/exchange.mjs's until, with a minute: five nodes, two hops)
const until = (pred, what) => untilIn(pred, what, 60000);
/** The incoming documents of unit on node n, oldest first. */
const incoming = (n, unit) => sql(n.dataDir, `SELECT d.id, d.notation, d.sender_name, d.sha256 FROM documents d
  JOIN units u ON u.id = d.unit_id WHERE d.direction = 'in' AND u.code = '${unit}' ORDER BY d.id`);
const marksOf = (n, id) => sql(n.dataDir, `SELECT kind, reason, notation FROM document_marks WHERE document_id = ${id} ORDER BY id`);

/** A document of Hạc Thành (a công văn unless over says) issued to recipients on other nodes. */
const issue = (people, summary, recipients, over = {}) =>
  issueCongVan(null, people, summary, { recipients_exchange: recipients, ...over });

test('exchange through the hubs: commune to department, commune and axis via the LGSP; statuses back; revoke and replace; the hub killed', async (t) => {
  const { nodes, dir } = await network(t, SPECS, { tls: true }); // mutual TLS between the nodes
  const { national, lgsp } = nodes;
  const dept = nodes['so-tai-chinh'];
  const hac = nodes['hac-thanh'];
  const quang = nodes['quang-phu'];
  for (const n of Object.values(nodes)) await n.start();
  const people = await hacThanhPeople(hac);
  const m = motcua(['user', 'add', '--data', dept.dataDir, '--kind', 'staff', '--login', 'vanthu.stc', '--name', 'Hoàng Thị Lan',
    '--password', 'mat-khau-can-bo', '--role', 'clerk', '--unit', DEPT, '--no-totp']);
  assert.equal(m.status, 0, m.stderr);
  const deptClerk = new Client(dept.url);
  await deptClerk.login('vanthu.stc', 'mat-khau-can-bo');

  // 1. One Quyết định, three recipients on three nodes, all through the LGSP.
  const summary = 'Về việc phê duyệt kế hoạch đối chiếu số liệu thu ngân sách quý IV';
  const cv = await issue(people, summary, [DEPT, COMMUNE2, AXIS_UNIT], { type: 'quyet_dinh', department: undefined });
  assert.equal(cv.notation, '01/QĐ-UBND');
  const sha = sqlValue(hac.dataDir, `SELECT sha256 FROM documents WHERE id = ${cv.id}`);
  const targets = [[dept, DEPT], [quang, COMMUNE2], [national, AXIS_UNIT]];
  for (const [n, unit] of targets) {
    await until(() => incoming(n, unit).length > 0, `the công văn on ${n.id}`);
    const rows = incoming(n, unit);
    assert.deepEqual(rows.map((r) => [r.notation, r.sender_name, r.sha256]), [[cv.notation, 'Phường Hạc Thành', sha]]);
    assert.deepEqual(fs.readFileSync(path.join(n.dataDir, 'files', sha.slice(0, 2), sha)),
      fs.readFileSync(path.join(hac.dataDir, 'files', sha.slice(0, 2), sha)));
  }
  // Hạc Thành handed all three to the LGSP, never to the recipients' nodes.
  assert.deepEqual(sql(hac.dataDir, `SELECT to_organ, node_id, state FROM exchange_messages
    WHERE direction = 'out' AND kind = 'document' ORDER BY to_organ`),
  [DEPT, AXIS_UNIT, COMMUNE2].sort().map((to) => ({ to_organ: to, node_id: 'lgsp', state: 'delivered' })));
  // The LGSP made no document of them: it logged each once and sent it on to the next node.
  assert.equal(count(lgsp, "SELECT count(*) FROM documents WHERE direction = 'in'"), 0);
  const relayed = () => sql(lgsp.dataDir, `SELECT direction, to_organ, node_id, state, relay FROM exchange_messages
    WHERE kind = 'document' AND edxml_id = '${COMMUNE},${cv.issued_on.replace(/-/g, '/')},${cv.notation}' AND business = 0
    ORDER BY direction, to_organ`);
  await until(() => relayed().filter((r) => r.state === 'delivered').length === 3, 'the LGSP to send all three on');
  assert.deepEqual(relayed(), [
    { direction: 'in', to_organ: DEPT, node_id: 'hac-thanh', state: 'received', relay: 1 },
    { direction: 'in', to_organ: COMMUNE2, node_id: 'hac-thanh', state: 'received', relay: 1 },
    { direction: 'in', to_organ: AXIS_UNIT, node_id: 'hac-thanh', state: 'received', relay: 1 },
    { direction: 'out', to_organ: DEPT, node_id: 'so-tai-chinh', state: 'delivered', relay: 1 },
    { direction: 'out', to_organ: COMMUNE2, node_id: 'quang-phu', state: 'delivered', relay: 1 },
    { direction: 'out', to_organ: AXIS_UNIT, node_id: 'national', state: 'delivered', relay: 1 },
  ]);
  // The envelope the Sở got is the very one Hạc Thành signed (the hub changes no byte), and tools
  // no one here wrote, trusting only Hạc Thành's root, find both signatures good: xmlsec1 the
  // envelope's (the ward's seal), pdfsig the decision's (the leader's, then the seal).
  const envOf = (n, dir) => sqlValue(n.dataDir, `SELECT envelope_sha256 FROM exchange_messages WHERE direction = '${dir}'
    AND kind = 'document' AND to_organ = '${DEPT}' AND business = 0`);
  const envSha = envOf(dept, 'in');
  assert.equal(envSha, envOf(hac, 'out'));
  const root = path.join(dir, 'hac-thanh-root.pem');
  const xs = spawnSync('xmlsec1', ['--verify', '--trusted-pem', root, path.join(dept.dataDir, 'files', envSha.slice(0, 2), envSha)],
    { encoding: 'utf8' });
  assert.equal(xs.status, 0, xs.stderr);
  assert.match(xs.stderr, /^OK$/m);
  const nss = path.join(dir, 'nss');
  nssTrusting(nss, root);
  const sigs = pdfsig(path.join(dept.dataDir, 'files', sha.slice(0, 2), sha), nss).sigs;
  assert.equal(sigs.length, 2);
  assert.ok(sigs.every((x) => x.valid && x.trusted), JSON.stringify(sigs));

  // Statuses 01 come back through the LGSP for the three recipients.
  const view = async () => Object.fromEntries((await people.clerk.get(`/api/v1/documents/${cv.id}`)).json.document
    .deliveries_exchange.map((d) => [d.organ, d.status_code]));
  await until(async () => Object.values(await view()).every((c) => c === '01') && Object.keys(await view()).length === 3,
    'status 01 from the three recipients');

  // 2. The Sở registers it: 03 back.
  const [deptCopy] = incoming(dept, DEPT);
  let r = await deptClerk.post(`/api/v1/incoming/${deptCopy.id}/register`, {});
  assert.equal(r.status, 200, r.text);
  await until(async () => (await view())[DEPT] === '03', 'status 03 from the Sở');

  // 3. The leader recalls it: each copy is marked recalled with the reason; 13 then 15 back.
  const reason = 'Số liệu kèm theo chưa đúng, đề nghị trả lại';
  r = await people.leader.post(`/api/v1/documents/${cv.id}/recall`, { reason });
  assert.equal(r.status, 200, r.text);
  for (const [n, unit] of targets) {
    const [copy] = incoming(n, unit);
    await until(() => marksOf(n, copy.id).length > 0, `the recall on ${n.id}`);
    assert.deepEqual(marksOf(n, copy.id), [{ kind: 'recalled', reason, notation: '' }]);
  }
  await until(async () => Object.values(await view()).every((c) => c === '15'), 'status 15 from the three recipients');
  // Each recipient answered 13 (asked) then 15 (agreed), once each, in that order.
  assert.deepEqual(sql(hac.dataDir, `SELECT status_code FROM exchange_messages WHERE direction = 'in' AND kind = 'status'
    AND from_organ = '${DEPT}' ORDER BY id`).map((x) => x.status_code), ['01', '03', '13', '15']);
  // The recalled copy refuses the Sở's further steps.
  r = await deptClerk.get(`/api/v1/incoming/${deptCopy.id}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.document.marks.map((x) => [x.kind, x.reason]), [['recalled', reason]]);

  // 4. A công văn replaced by another: the Sở's copy of the first is marked replaced by its copy
  // of the second.
  const first = await issue(people, 'V/v lịch họp giao ban tháng 12', [DEPT]);
  await until(() => incoming(dept, DEPT).length === 2, 'the second công văn at the Sở');
  const second = await issue(people, 'V/v lịch họp giao ban tháng 12 (thay thế)', [DEPT], { replaces: first.id });
  await until(() => incoming(dept, DEPT).length === 3, 'the replacing công văn at the Sở');
  const [, firstCopy, secondCopy] = incoming(dept, DEPT);
  assert.equal(secondCopy.notation, second.notation);
  await until(() => marksOf(dept, firstCopy.id).length > 0, 'the mark on the replaced copy');
  assert.deepEqual(marksOf(dept, firstCopy.id), [{ kind: 'replaced', reason: '', notation: second.notation }]);
  assert.equal(count(dept, `SELECT by_document_id FROM document_marks WHERE document_id = ${firstCopy.id}`), secondCopy.id);

  // 5. Sent afterwards to one more unit: Quảng Phú gets the document, the Sở (which had it) an
  // update naming both, kept on its copy, and answers 15. The clerk alone may; a unit already
  // named, or unknown, is refused and nothing changes.
  const more = await issue(people, 'V/v kế hoạch kiểm tra quyết toán năm 2026', [DEPT]);
  await until(() => incoming(dept, DEPT).length === 4, 'the fourth công văn at the Sở');
  const moreCopy = incoming(dept, DEPT)[3];
  assert.equal(moreCopy.notation, more.notation);
  const moreUrl = `/api/v1/documents/${more.id}/recipients-exchange`;
  const moreView = async () => Object.fromEntries((await people.clerk.get(`/api/v1/documents/${more.id}`)).json.document
    .deliveries_exchange.map((d) => [d.organ, d.status_code]));
  // Quiet for the snapshots of the refusals: the status back, every envelope logged stamped.
  await until(async () => (await moreView())[DEPT] === '01', 'status 01 of the fourth công văn');
  await until(() => count(hac, `SELECT count(*) FROM exchange_messages WHERE tsa_token IS NULL
    AND envelope_sha256 IS NOT NULL`) === 0, 'the log stamped');
  await expectRefused(hac.srv, () => people.specialist.post(moreUrl, { add: [COMMUNE2] }), { status: 403, code: 'forbidden' });
  await expectRefused(hac.srv, () => people.clerk.post(moreUrl, { add: [DEPT] }),
    { status: 422, code: 'recipient_already', field: 'recipients_exchange' });
  await expectRefused(hac.srv, () => people.clerk.post(moreUrl, { add: ['000.99.99.H56'] }),
    { status: 422, code: 'recipient_unknown', field: 'recipients_exchange' });
  r = await people.clerk.post(moreUrl, { add: [COMMUNE2] });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.document.recipients_exchange, [DEPT, COMMUNE2]);
  await until(() => incoming(quang, COMMUNE2).some((x) => x.notation === more.notation), 'the công văn at Quảng Phú');
  await until(async () => (await moreView())[DEPT] === '15' && (await moreView())[COMMUNE2] === '01', 'the update answered');
  assert.deepEqual(JSON.parse(sqlValue(dept.dataDir, `SELECT recipients_exchange FROM documents WHERE id = ${moreCopy.id}`)),
    [DEPT, COMMUNE2]);
  assert.equal(incoming(dept, DEPT).filter((x) => x.notation === more.notation).length, 1);
  // Then recalled: the Sở answers the revoke with its own 13 and 15 (not taken for the update's).
  r = await people.leader.post(`/api/v1/documents/${more.id}/recall`, { reason: 'Thay đổi kế hoạch' });
  assert.equal(r.status, 200, r.text);
  await until(() => marksOf(dept, moreCopy.id).length > 0, 'the recall at the Sở');
  await until(() => sql(hac.dataDir, `SELECT status_code FROM exchange_messages WHERE direction = 'in' AND kind = 'status'
    AND from_organ = '${DEPT}' AND edxml_id = '${COMMUNE},${more.issued_on.replace(/-/g, '/')},${more.notation}' ORDER BY id`)
    .map((x) => x.status_code).join(' ') === '01 15 13 15', 'the answers to the update and to the revoke');

  // 6. The Sở's node down; the LGSP takes the next công văn and holds it; the LGSP killed.
  await dept.srv.kill9();
  const held = await issue(people, 'V/v báo cáo tiến độ giải ngân', [DEPT]);
  const heldId = `${COMMUNE},${held.issued_on.replace(/-/g, '/')},${held.notation}`;
  const atHub = () => sql(lgsp.dataDir, `SELECT state, attempts FROM exchange_messages WHERE direction = 'out'
    AND kind = 'document' AND edxml_id = '${heldId}'`);
  await until(() => atHub().length === 1 && atHub()[0].attempts >= 1, 'the LGSP to hold the envelope');
  await lgsp.srv.kill9();
  await lgsp.start();
  await dept.start();
  await until(() => incoming(dept, DEPT).some((x) => x.notation === held.notation), 'the held công văn at the Sở');
  const heldView = async () => (await people.clerk.get(`/api/v1/documents/${held.id}`)).json.document.deliveries_exchange;
  await until(async () => (await heldView())[0]?.status_code === '01', 'status 01 of the held công văn');
  await sleep(1500); // a retry that would double it has had its chance
  assert.equal(incoming(dept, DEPT).filter((x) => x.notation === held.notation).length, 1);
  assert.equal(count(dept, `SELECT count(*) FROM exchange_messages WHERE direction = 'in' AND kind = 'document'
    AND edxml_id = '${heldId}'`), 1);
  assert.deepEqual(atHub().map((x) => x.state), ['delivered']);
});

test('exchange: a new directory installed on the LGSP reaches the nodes below it; the top keeps its own', async (t) => {
  const { nodes, directory, signDirectory } = await network(t, SPECS.filter((s) => ['national', 'lgsp', 'hac-thanh'].includes(s.id)),
    { tls: true, env: { MOTCUA_DIRECTORY_REFRESH_SECONDS: '1' } });
  const versionOf = (n) => count(n, 'SELECT max(version) FROM exchange_directory');
  for (const n of Object.values(nodes)) await n.start();
  // Version 2 names Quảng Phú's unit on the commune node too.
  const next = structuredClone(directory);
  next.version = 2;
  next.nodes.find((n) => n.id === 'hac-thanh').units.push(COMMUNE2);
  const r = motcua(['directory', 'install', '--data', nodes.lgsp.dataDir, signDirectory(next)]);
  assert.equal(r.status, 0, r.stderr);
  await until(() => versionOf(nodes['hac-thanh']) === 2, 'the commune node to fetch version 2 from the LGSP');
  assert.equal(sqlValue(nodes['hac-thanh'].dataDir, 'SELECT source FROM exchange_directory WHERE version = 2'),
    `${nodes.lgsp.nodeUrl}/api/v1/exchange/directory`); // over mutual TLS, from the LGSP's node listener
  const lookup = motcua(['directory', 'lookup', '--data', nodes['hac-thanh'].dataDir, '--unit', COMMUNE2]);
  assert.equal(lookup.status, 0, lookup.stderr);
  assert.match(lookup.stdout, /hac-thanh/);
  // The axis has no upstream: its operator installs its copy. The LGSP asked it and kept its own.
  await sleep(2500);
  assert.equal(versionOf(nodes.national), 1);
  assert.equal(versionOf(nodes.lgsp), 2);
});
