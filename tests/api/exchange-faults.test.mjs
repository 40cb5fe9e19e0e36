// Faults between nodes (docs/exchange.md "Faults"), two nodes on loopback
// (tests/api/lib/nodes.mjs) with a proxy the test controls (tests/api/lib/proxy.mjs) where the
// directory says node B is:
// - a partition, the link dropped then stalled, while Hạc Thành on node A issues three
//   documents each time and goes on working (registers paper documents): once the link is
//   back every document reaches B exactly once, in issue order, and every status 01 comes
//   back; a stalled POST ends by the sender's own timeout;
// - a large envelope cut mid-transfer; B's answer lost after it wrote the document; node B
//   killed (SIGKILL) with a request half received; node A killed while posting one: each
//   arrives once, status 01 comes back, B's database and audit chain are intact;
// - B's disk full while A sends: A keeps the message and retries, B writes nothing (no row,
//   no file); space freed, it arrives once;
// - an envelope signed with an expired seal (of a CA B trusts): refused, logged with the
//   reason, nothing else written; the same envelope signed with a valid seal of that CA passes.
// Every expected value comes from the test's own bookkeeping; waits poll with a deadline.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { COMMUNE, COMMUNE2, addStaff, motcua, rowCounts, samplePdf, sql } from './lib/server.mjs';
import { twoNodes } from './lib/nodes.mjs';
import { startProxy } from './lib/proxy.mjs';
import { count, hacThanhPeople, incomingOf, issueCongVan, largePdf, postInbox, sleep, until } from './lib/exchange.mjs';
import { fill, tmpfs } from './lib/disk.mjs';

// For the stalled link: the sender's POST given 1 s to connect, 6 s in all (its envelopes are
// small). The other tests keep the default timeouts (a large envelope under a sanitizer build
// on a busy machine may need more than seconds); no fault of theirs waits for one.
const SHORT_TIMEOUTS = { MOTCUA_EXCHANGE_TIMEOUT_SCALE: '0.1' };
const LONG = 90000; // deadline of a wait that spans retries and restarts

/** Two nodes, B behind a proxy (passing); env: of both servers. */
async function nodesBehindProxy(t, env = {}) {
  const proxy = await startProxy(t);
  const nodes = await twoNodes(t, { directoryPort: { b: proxy.port }, env });
  proxy.target = nodes.b.port;
  return { ...nodes, proxy };
}

/** A's outgoing row for its document id. */
const outRow = (a, id) => sql(a.dataDir, `SELECT state, attempts, last_error, last_status, envelope_size
  FROM exchange_messages WHERE direction = 'out' AND kind = 'document' AND document_id = ${id}`)[0];

/** What B received, in the order it wrote it: the DocumentIds of its log and its documents' notations. */
const receivedOn = (b) => ({
  log: sql(b.dataDir, "SELECT edxml_id FROM exchange_messages WHERE direction = 'in' AND kind = 'document' AND state = 'received' ORDER BY id").map((r) => r.edxml_id),
  notations: incomingOf(b).map((d) => d.notation),
});

/** The DocumentId A gives an issued document (docs/exchange.md "Sending"). */
const edxmlId = (doc) => `${COMMUNE},${doc.issued_on.replace(/-/g, '/')},${doc.notation}`;

/** Every file under DATA/files, temporary ones included. */
function storedFiles(dataDir) {
  const root = path.join(dataDir, 'files');
  const out = [];
  for (const d of fs.readdirSync(root)) {
    const p = path.join(root, d);
    if (fs.statSync(p).isDirectory()) for (const f of fs.readdirSync(p)) out.push(`${d}/${f}`);
    else out.push(d);
  }
  return out.sort();
}

/**
 * Waits until B holds exactly the documents `docs` (A's, in issue order), once each, and A
 * sees status 01 of Quảng Phú on each (from A's API); then checks again a moment later
 * (a late retry would show as a second copy).
 */
async function allArrived(a, b, people, docs, what) {
  const want = { log: docs.map(edxmlId), notations: docs.map((d) => d.notation) };
  await until(() => incomingOf(b).length >= docs.length, `${what}: ${docs.length} documents on B`, LONG);
  await until(async () => {
    for (const d of docs) {
      const r = await people.clerk.get(`/api/v1/documents/${d.id}`);
      const v = r.json.document.deliveries_exchange;
      if (v.length !== 1 || v[0].status_code !== '01' || v[0].state !== 'delivered') return false;
    }
    return true;
  }, `${what}: every document delivered and its status 01 on A`, LONG);
  assert.deepEqual(receivedOn(b), want);
  for (const d of docs) {
    const v = (await people.clerk.get(`/api/v1/documents/${d.id}`)).json.document.deliveries_exchange;
    assert.equal(v.length, 1);
    assert.deepEqual([v[0].organ, v[0].node, v[0].state, v[0].status_code, v[0].document_id],
      [COMMUNE2, 'quang-phu', 'delivered', '01', edxmlId(d)]);
  }
  await sleep(1500);
  assert.deepEqual(receivedOn(b), want);
  // One status 01 per document, received once on A; B sent each once.
  assert.equal(count(a.dataDir, "SELECT count(*) FROM exchange_messages WHERE direction = 'in' AND kind = 'status' AND status_code = '01' AND state = 'received'"), docs.length);
  assert.equal(count(a.dataDir, "SELECT count(DISTINCT edxml_id) FROM exchange_messages WHERE direction = 'in' AND kind = 'status'"), docs.length);
  assert.equal(count(b.dataDir, "SELECT count(*) FROM exchange_messages WHERE direction = 'out' AND kind = 'status'"), docs.length);
}

/** A yesterday in Vietnam (UTC+7), YYYY-MM-DD. */
const yesterday = () => new Date(Date.now() + 7 * 3600e3 - 86400e3).toISOString().slice(0, 10);

/** Hạc Thành's clerk on A enters, scans and registers a paper document; its số đến. */
async function registerPaper(a, people, notation) {
  const c = people.clerk;
  let r = await c.post('/api/v1/incoming/paper', {
    unit_id: people.unit, type: 'cong_van', notation, issued_on: yesterday(), sender: 'Công an tỉnh Thanh Hóa',
    summary: `V/v phối hợp bảo đảm an ninh trật tự (${notation})`,
  });
  assert.equal(r.status, 201, r.text);
  const id = r.json.document.id;
  r = await c.req('PUT', `/api/v1/incoming/${id}/scan/ban-quet.pdf`, { body: samplePdf(notation), type: 'application/pdf' });
  assert.equal(r.status, 200, r.text);
  r = await c.post(`/api/v1/incoming/${id}/register`, {});
  assert.equal(r.status, 200, r.text);
  return r.json.document.incoming.number;
}

test('exchange faults: the link to B dropped, then stalled, while A issues three documents each time and keeps working; after each, every document reaches B once, in issue order, and status 01 comes back', async (t) => {
  const { a, b, proxy } = await nodesBehindProxy(t, SHORT_TIMEOUTS);
  await a.start();
  await b.start();
  const people = await hacThanhPeople(a);
  const docs = [];

  // Dropped: every connection to B reset.
  proxy.drop();
  for (let i = 1; i <= 3; i++) docs.push(await issueCongVan(a, people, `V/v rà soát khi mất kết nối, lần ${i}`));
  assert.deepEqual(docs.map((d) => d.notation), ['01/UBND-VP', '02/UBND-VP', '03/UBND-VP']);
  await until(() => { const x = outRow(a, docs[0].id); return x.attempts >= 2 && x.state === 'pending'; },
    'two attempts of the first document', LONG);
  let first = outRow(a, docs[0].id);
  assert.match(first.last_error, /^quang-phu unreachable: /);
  // The later ones wait behind the first (in order per recipient): never tried.
  // (Their envelopes may be built and signed already: the sender prepares the next ones ahead.)
  for (const d of docs.slice(1)) {
    const { envelope_size: _, ...row } = outRow(a, d.id);
    assert.deepEqual(row, { state: 'pending', attempts: 0, last_error: '', last_status: '' });
  }
  assert.ok(proxy.stats.dropped >= 2, `the proxy dropped the attempts (${JSON.stringify(proxy.stats)})`);
  assert.equal(count(b.dataDir, 'SELECT count(*) FROM exchange_messages'), 0);
  assert.equal(incomingOf(b).length, 0);
  // A keeps working: its clerk registers a paper document.
  assert.equal(await registerPaper(a, people, '11/CAT-PV01'), 1);

  proxy.pass();
  await allArrived(a, b, people, docs, 'after the drop');

  // Stalled: connections accepted, not a byte forwarded; the sender's POST must end by its
  // own timeout, and the connection it held stays dead after the link is back.
  proxy.stall();
  const claimOf = (id) => sql(a.dataDir, `SELECT state, attempts, claimed_at FROM exchange_messages
    WHERE direction = 'out' AND document_id = ${id}`)[0];
  docs.push(await issueCongVan(a, people, 'V/v rà soát khi đường truyền treo, lần 4'));
  await until(() => claimOf(docs[3].id).state === 'sending', 'the first attempt on the stalled link', LONG);
  const firstClaim = claimOf(docs[3].id);
  assert.equal(firstClaim.attempts, 1);
  for (let i = 5; i <= 6; i++) docs.push(await issueCongVan(a, people, `V/v rà soát khi đường truyền treo, lần ${i}`));
  assert.deepEqual(docs.slice(3).map((d) => d.notation), ['04/UBND-VP', '05/UBND-VP', '06/UBND-VP']);
  // A keeps working while its sender waits on the stalled link.
  assert.equal(await registerPaper(a, people, '12/CAT-PV01'), 2);
  // (last_error stays while the next attempt is under way.)
  await until(() => /timed out/i.test(outRow(a, docs[3].id).last_error), 'the first stalled attempt given up', LONG);
  first = outRow(a, docs[3].id);
  assert.match(first.last_error, /^quang-phu unreachable: Operation timed out after \d+ milliseconds/);
  for (const d of docs.slice(4)) assert.equal(outRow(a, d.id).attempts, 0);
  assert.ok(proxy.stats.held >= 1, `the proxy held the attempt (${JSON.stringify(proxy.stats)})`);
  assert.equal(incomingOf(b).length, 3);

  proxy.pass();
  await allArrived(a, b, people, docs, 'after the stall');
  // The attempt that passed was claimed a backoff (at least 1 s here) after the end of the one
  // that timed out (6 s after its claim), not right away: the schedule A recorded says so.
  const lastClaim = claimOf(docs[3].id);
  assert.ok(lastClaim.attempts >= 2 && lastClaim.claimed_at >= firstClaim.claimed_at + 6 + 1,
    `first ${JSON.stringify(firstClaim)}, last ${JSON.stringify(lastClaim)}`);

  // B's clerk sees the six in its incoming box, and A's register has its two paper documents.
  const bClerk = (await addStaff(b.srv, { login: 'vt.quangphu', name: 'Lê Thị Văn', role: 'clerk', unit: COMMUNE2 })).c;
  const r = await bClerk.get('/api/v1/incoming?box=arrived');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((x) => x.notation).sort(), docs.map((d) => d.notation).sort());
  assert.deepEqual(sql(a.dataDir, `SELECT i.number, d.notation FROM document_incoming i JOIN documents d ON d.id = i.document_id
    WHERE d.unit_id = ${people.unit} AND i.status = 'registered' ORDER BY i.number`),
  [{ number: 1, notation: '11/CAT-PV01' }, { number: 2, notation: '12/CAT-PV01' }]);
});

test('exchange faults: a large envelope cut mid-transfer, the answer lost, node B killed with a request half received, node A killed while posting: each document arrives once, status 01 comes back, B intact', async (t) => {
  const { a, b, proxy } = await nodesBehindProxy(t);
  await a.start();
  await b.start();
  const people = await hacThanhPeople(a);
  const SIZE = 3 << 20; // 3 MiB of the PDF: an envelope of about 4 MiB
  const docs = [];
  const filesBefore = storedFiles(b.dataDir);

  // Cut after 256 KiB of each request.
  proxy.cutAfter(256 << 10);
  docs.push(await issueCongVan(a, people, 'V/v gửi bản quét lớn, cắt giữa chừng', {}, largePdf('cat giua chung', SIZE)));
  await until(() => outRow(a, docs[0].id).attempts >= 2 && proxy.stats.cut >= 2, 'two attempts cut', LONG);
  assert.ok(outRow(a, docs[0].id).envelope_size > SIZE, 'the cut falls within the envelope');
  assert.match(outRow(a, docs[0].id).last_error, /^quang-phu unreachable: /);
  assert.equal(count(b.dataDir, 'SELECT count(*) FROM exchange_messages'), 0);
  assert.equal(incomingOf(b).length, 0);
  assert.deepEqual(storedFiles(b.dataDir), filesBefore, 'nothing of a cut envelope is kept on B');
  proxy.pass();
  await allArrived(a, b, people, docs, 'after the cut');
  const sha = (n, id) => sql(n.dataDir, `SELECT sha256 FROM documents WHERE id = ${id}`)[0].sha256;
  assert.equal(incomingOf(b)[0].sha256, sha(a, docs[0].id), 'B has the very PDF A issued');

  // The answer lost: B takes the envelope whole and writes the document, A never hears of it
  // and sends it again; B answers it has it already, and counts it once.
  proxy.loseAnswers();
  docs.push(await issueCongVan(a, people, 'V/v gửi lại khi mất câu trả lời'));
  await until(() => proxy.stats.answersLost >= 2, 'two answers lost', LONG);
  assert.equal(incomingOf(b).length, 2);
  let x = outRow(a, docs[1].id);
  assert.match(x.state, /^(pending|sending)$/);
  assert.match(x.last_error, /^quang-phu unreachable: /);
  proxy.pass();
  await allArrived(a, b, people, docs, 'after the lost answers');

  // B killed (SIGKILL) with the first MiB of a request received, the rest held by the proxy.
  proxy.stallAfter(1 << 20);
  docs.push(await issueCongVan(a, people, 'V/v gửi bản quét lớn khi nút nhận dừng đột ngột', {}, largePdf('nut nhan dung', SIZE)));
  await until(() => proxy.stats.heldAfter >= 1, 'a request half received by B', LONG);
  await b.srv.kill9();
  proxy.pass();
  await until(() => outRow(a, docs[2].id).attempts >= 2, 'A retrying while B is down', LONG);
  assert.equal(outRow(a, docs[2].id).last_status, '');
  await b.start();
  await allArrived(a, b, people, docs, 'after B was killed');
  assert.equal(incomingOf(b)[2].sha256, sha(a, docs[2].id));
  assert.equal(sql(b.dataDir, 'PRAGMA integrity_check')[0].integrity_check, 'ok');
  const audit = motcua(['audit', 'verify', '--data', b.dataDir]);
  assert.equal(audit.status, 0, audit.stdout + audit.stderr);

  // A killed (SIGKILL) while posting: its row stays 'sending'; started again, it sends the
  // envelope again and B takes it once.
  proxy.stallAfter(1 << 20);
  docs.push(await issueCongVan(a, people, 'V/v gửi bản quét lớn khi nút gửi dừng đột ngột', {}, largePdf('nut gui dung', SIZE)));
  await until(() => proxy.stats.heldAfter >= 2, 'a request of A half posted', LONG);
  await a.srv.kill9();
  x = outRow(a, docs[3].id);
  assert.deepEqual([x.state, x.attempts], ['sending', 1]);
  assert.equal(incomingOf(b).length, 3);
  proxy.pass();
  await a.start();
  await allArrived(a, b, people, docs, 'after A was killed');
  assert.equal(incomingOf(b)[3].sha256, sha(a, docs[3].id));
  assert.deepEqual(sql(a.dataDir, "SELECT state FROM exchange_messages WHERE direction = 'out' AND kind = 'document' ORDER BY id").map((r) => r.state),
    ['delivered', 'delivered', 'delivered', 'delivered']);
  assert.equal(sql(b.dataDir, 'PRAGMA integrity_check')[0].integrity_check, 'ok');
  assert.equal(count(b.dataDir, "SELECT count(*) FROM documents WHERE direction = 'in'"), 4);
});

// --- a full disk ----------------------------------------------------------------------

function run(cmd, args) {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  return r;
}

test('exchange faults: B\'s disk full while A sends: A keeps the message and retries, nothing is written on B; once space is freed it arrives once', async (t) => {
  const { a, b } = await twoNodes(t);
  // B's data directory moved onto a small file system of its own.
  const mnt = tmpfs(t, '32m');
  const moved = path.join(mnt, 'data');
  assert.equal(run('cp', ['-a', b.dataDir, moved]).status, 0);
  fs.rmSync(b.dataDir, { recursive: true, force: true });
  b.dataDir = moved;
  await a.start();
  await b.start();
  const people = await hacThanhPeople(a);
  const docs = [await issueCongVan(a, people, 'V/v gửi trước khi đĩa đầy')];
  await allArrived(a, b, people, docs, 'before the disk is full');

  const rowsBefore = rowCounts(b.dataDir);
  const filesBefore = storedFiles(b.dataDir);
  const filler = fill(mnt);
  docs.push(await issueCongVan(a, people, 'V/v gửi khi đĩa của nút nhận đầy'));
  await until(() => outRow(a, docs[1].id).attempts >= 2, 'two attempts refused for want of space', LONG);
  const x = outRow(a, docs[1].id);
  assert.match(x.state, /^(pending|sending)$/);
  assert.equal(x.last_error, 'quang-phu answered HTTP 507');
  assert.equal(x.last_status, '');
  assert.deepEqual(rowCounts(b.dataDir), rowsBefore, 'no row written on B');
  assert.deepEqual(storedFiles(b.dataDir), filesBefore, 'no file (nor a temporary one) left on B');
  assert.equal((await fetch(`${b.url}/healthz`)).status, 200, 'B keeps running');

  fs.rmSync(filler);
  await allArrived(a, b, people, docs, 'after space was freed');
  assert.equal(sql(b.dataDir, 'PRAGMA integrity_check')[0].integrity_check, 'ok');
});

// --- an expired seal ------------------------------------------------------------------

function openssl(args) {
  const r = run('openssl', args);
  assert.equal(r.status, 0, `openssl ${args.join(' ')}: ${r.stderr}`);
}

/**
 * A test CA (trusted by node B) and two seals of Hạc Thành it issued (organizationIdentifier
 * its code, no title: a unit's seal): one expired yesterday, one valid. Their key and
 * certificate files.
 */
function sealsOfTestCa(dir) {
  const ca = path.join(dir, 'ca.pem');
  const caKey = path.join(dir, 'ca.key');
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', caKey, '-out', ca,
    '-days', '3650', '-subj', '/C=VN/O=Test CA/CN=Test Seals CA',
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign']);
  fs.writeFileSync(path.join(dir, 'index.txt'), '');
  fs.writeFileSync(path.join(dir, 'serial'), `${crypto.randomBytes(8).toString('hex')}\n`);
  fs.writeFileSync(path.join(dir, 'ca.cnf'), [
    '[ca]', 'default_ca = test', '[test]', `dir = ${dir}`, 'database = $dir/index.txt', 'new_certs_dir = $dir',
    'serial = $dir/serial', 'default_md = sha256', 'policy = any', 'copy_extensions = none', 'x509_extensions = leaf',
    'unique_subject = no', '[any]', 'commonName = supplied', '[leaf]', 'keyUsage = critical,digitalSignature,nonRepudiation', ''].join('\n'));
  const utc = (ms) => new Date(ms).toISOString().replace(/[-:T]/g, '').slice(2, 14) + 'Z';
  const DAY = 86400e3;
  const seal = (name, from, to) => {
    const key = path.join(dir, `${name}.key`);
    const csr = path.join(dir, `${name}.csr`);
    const crt = path.join(dir, `${name}.pem`);
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', csr,
      '-utf8', '-subj', `/C=VN/organizationIdentifier=${COMMUNE}/O=Phường Hạc Thành/CN=Phường Hạc Thành`]);
    openssl(['ca', '-batch', '-config', path.join(dir, 'ca.cnf'), '-cert', ca, '-keyfile', caKey, '-in', csr, '-out', crt,
      '-utf8', '-notext', '-preserveDN', '-startdate', utc(from), '-enddate', utc(to)]);
    return { key, crt };
  };
  return {
    ca,
    expired: seal('expired', Date.now() - 60 * DAY, Date.now() - DAY),
    valid: seal('valid', Date.now() - DAY, Date.now() + 30 * DAY),
  };
}

/** The envelope's signature replaced by a template xmlsec1 fills (the profile of
 * docs/exchange.md "The signature", ECDSA-SHA256), signed with seal; the signed bytes. */
function signWith(dir, envelope, seal, name) {
  const text = envelope.toString('utf8');
  const sig = /<Signature xmlns="http:\/\/www\.w3\.org\/2000\/09\/xmldsig#">[\s\S]*?<\/Signature>/;
  assert.match(text, sig);
  const template = '<Signature xmlns="http://www.w3.org/2000/09/xmldsig#"><SignedInfo>'
    + '<CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>'
    + '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>'
    + '<Reference URI=""><Transforms><Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>'
    + '<Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></Transforms>'
    + '<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><DigestValue/></Reference></SignedInfo>'
    + '<SignatureValue/><KeyInfo><X509Data><X509Certificate/></X509Data></KeyInfo></Signature>';
  const tpl = path.join(dir, `${name}.tpl.xml`);
  const out = path.join(dir, `${name}.edxml`);
  fs.writeFileSync(tpl, text.replace(sig, template));
  const r = run('xmlsec1', ['--sign', '--privkey-pem', `${seal.key},${seal.crt}`, '--output', out, tpl]);
  assert.equal(r.status, 0, `xmlsec1 --sign: ${r.stderr}`);
  return fs.readFileSync(out);
}

test('exchange faults: an envelope signed with an expired seal is refused and logged with the reason, nothing else written; signed with a valid seal of the same CA it passes', async (t) => {
  const { a, b, dir } = await twoNodes(t);
  const seals = sealsOfTestCa(dir);
  const m = motcua(['key', 'trust', '--data', b.dataDir, seals.ca]);
  assert.equal(m.status, 0, m.stderr);
  await a.start();
  await b.start();
  const people = await hacThanhPeople(a);
  const docs = [await issueCongVan(a, people, 'V/v phối hợp kiểm tra con dấu số')];
  await allArrived(a, b, people, docs, 'the document');
  const envSha = sql(a.dataDir, `SELECT envelope_sha256 FROM exchange_messages WHERE direction = 'out' AND document_id = ${docs[0].id}`)[0].envelope_sha256;
  const envelope = fs.readFileSync(path.join(a.dataDir, 'files', envSha.slice(0, 2), envSha));

  // Expired yesterday: refused (its chain does not verify now), a refused row with the
  // reason, nothing else; the refused bytes are not kept.
  const expired = signWith(dir, envelope, seals.expired, 'expired');
  const rowsBefore = rowCounts(b.dataDir);
  const filesBefore = storedFiles(b.dataDir);
  let r = await postInbox(b, expired);
  assert.equal(r.status, 422, r.text);
  assert.equal(r.json.error.code, 'untrusted');
  assert.match(r.json.error.message, /certificate has expired/);
  assert.deepEqual(rowCounts(b.dataDir), { ...rowsBefore, exchange_messages: rowsBefore.exchange_messages + 1 });
  assert.deepEqual(storedFiles(b.dataDir), filesBefore);
  const logged = sql(b.dataDir, 'SELECT direction, state, verdict, last_error, envelope_sha256, envelope_size FROM exchange_messages ORDER BY id DESC LIMIT 1')[0];
  assert.deepEqual({ ...logged, last_error: undefined }, {
    direction: 'in', state: 'refused', verdict: 'untrusted', last_error: undefined,
    envelope_sha256: crypto.createHash('sha256').update(expired).digest('hex'), envelope_size: expired.length,
  });
  assert.match(logged.last_error, /certificate has expired/);

  // The same envelope signed with the valid seal of the same CA: accepted (B already has
  // that document: a duplicate, nothing written).
  const valid = signWith(dir, envelope, seals.valid, 'valid');
  r = await postInbox(b, valid);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json, { result: 'duplicate', created: 0, duplicates: 1 });
  assert.deepEqual(rowCounts(b.dataDir), { ...rowsBefore, exchange_messages: rowsBefore.exchange_messages + 1 });
  assert.equal(incomingOf(b).length, 1);
});
