// Issuing is one transaction (docs/documents.md "Why the numbers cannot gap or repeat"): a
// crash never leaves a number without its register line, its issued file or its deliveries.
// Phường Hạc Thành has DOCS documents signed by its leader, each addressed to Phường Quảng
// Phú; two clerks issue them concurrently, six at a time (each waits its turn in the unit's
// lane: none is refused), and the server is killed with SIGKILL once
// KILL_AFTER issues are acknowledged. Restarted on the same data directory: every
// acknowledged document is issued with the number it was given; the register holds 1..K with
// no gap or repeat and one line per issued document; every issued document has its file in
// the store and exactly one incoming copy; nothing that is not issued has a number. The
// documents left are then issued and the numbers go on from K + 1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import {
  COMMUNE, COMMUNE2, Client, DEMO_OFFICERS, startServer, samplePdf, sql, sqlValue, totp, officerSession as officer,
} from './lib/server.mjs';

const DOCS = 36;
const KILL_AFTER = 12;
const IN_FLIGHT = 6;

/** The same session on another server address (sessions are durable). */
function moved(c, url) {
  const n = new Client(url);
  n.cookie = c.cookie;
  n.csrf = c.csrf;
  return n;
}

const expectedNotation = (n) => `${String(n).padStart(2, '0')}/TB-UBND`;

test('SIGKILL while two clerks issue: no number without its register line, file and delivery; numbers go on after restart', { timeout: 300000 }, async (t) => {
  const first = await startServer(null, { keep: true });
  let second = null;
  const dataDir = first.dataDir;
  t.after(async () => {
    await first.kill9();
    if (second) await second.stop({ keep: true });
    fs.rmSync(dataDir, { recursive: true, force: true });
  });
  const unit = Number(sqlValue(dataDir, `SELECT id FROM units WHERE code = '${COMMUNE}'`));
  const unit2 = Number(sqlValue(dataDir, `SELECT id FROM units WHERE code = '${COMMUNE2}'`));
  const leaderId = Number(sqlValue(dataDir, `SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.leader.login}'`));
  const specialist = await officer(first.url, DEMO_OFFICERS.specialist);
  const leader = await officer(first.url, DEMO_OFFICERS.leader);
  const clerks = [await officer(first.url, DEMO_OFFICERS.clerk), await officer(first.url, DEMO_OFFICERS.clerk, 1)];

  // DOCS signed Thông báo, each to Quảng Phú.
  const ids = [];
  for (let i = 0; i < DOCS; i++) {
    let r = await specialist.post('/api/v1/documents', {
      unit_id: unit, type: 'thong_bao', priority: 'thuong', signer_id: leaderId, signer_title: 'CHỦ TỊCH',
      summary: `Thông báo lịch tiếp công dân tuần ${i + 1}`, recipients_internal: [unit2],
    });
    assert.equal(r.status, 201, r.text);
    const id = r.json.document.id;
    r = await specialist.req('PUT', `/api/v1/documents/${id}/body/thong-bao.pdf`, { body: samplePdf(`Thong bao ${i + 1}`), type: 'application/pdf' });
    assert.equal(r.status, 200, r.text);
    assert.equal((await specialist.post(`/api/v1/documents/${id}/submit`, {})).status, 200);
    assert.equal((await leader.post(`/api/v1/documents/${id}/review`, { decision: 'approve' })).status, 200);
    r = await leader.post(`/api/v1/documents/${id}/sign`, {});
    assert.equal(r.status, 200, r.text);
    ids.push(id);
  }

  // The clerks issue them, IN_FLIGHT at a time, until KILL_AFTER are acknowledged.
  const acked = new Map(); // id -> number
  const outcome = { interrupted: 0 };
  let next = 0;
  let killed = null;
  async function worker(k) {
    while (!killed && next < ids.length) {
      const id = ids[next++];
      try {
        const r = await clerks[k % 2].post(`/api/v1/documents/${id}/issue`, {});
        if (r.status === 200) {
          assert.equal(r.json.document.notation, expectedNotation(r.json.document.number));
          acked.set(id, r.json.document.number);
          if (acked.size >= KILL_AFTER && !killed) killed = first.kill9();
        } else {
          // The issues of one unit wait their turn (src/http/lane.h): none is refused busy.
          assert.fail(`issue ${id} refused: ${r.status} ${r.text}`);
        }
      } catch (e) {
        if (e.code === 'ERR_ASSERTION') throw e;
        outcome.interrupted++; // the connection died with the server
      }
    }
  }
  await Promise.all(Array.from({ length: IN_FLIGHT }, (_, k) => worker(k)));
  if (killed) await killed; else await first.kill9();
  assert.ok(acked.size >= KILL_AFTER, `${acked.size} issues acknowledged before the kill`);
  assert.ok(next < ids.length, 'documents were left to issue when the server died');
  t.diagnostic(`${acked.size} acknowledged, ${outcome.interrupted} interrupted`);

  second = await startServer(null, { dataDir, keep: true });
  const check = () => {
    const docs = sql(dataDir, `SELECT id, state, number, notation, sha256 FROM documents WHERE direction = 'out' AND unit_id = ${unit}`);
    const issued = docs.filter((d) => d.state === 'issued');
    const lines = sql(dataDir, `SELECT e.number, e.document_id, e.notation FROM document_register_entries e
      JOIN document_registers r ON r.id = e.register_id WHERE r.unit_id = ${unit} AND r.direction = 'out' ORDER BY e.number`);
    // The register: 1..K, one line per issued document, the same number and notation.
    assert.deepEqual(lines.map((l) => l.number), Array.from({ length: issued.length }, (_, i) => i + 1), 'no gap, no repeat');
    const last = Number(sqlValue(dataDir, `SELECT last_number FROM document_registers WHERE unit_id = ${unit} AND direction = 'out'`));
    assert.equal(last, issued.length, 'the register counter is the last line');
    for (const d of issued) {
      const line = lines.find((l) => l.document_id === d.id);
      assert.ok(line, `document ${d.id} has its register line`);
      assert.deepEqual([line.number, line.notation], [d.number, d.notation]);
      assert.equal(d.notation, expectedNotation(d.number));
      const p = path.join(dataDir, 'files', d.sha256.slice(0, 2), d.sha256);
      assert.ok(fs.existsSync(p), `the issued file of ${d.id} is in the store`);
      assert.equal(crypto.createHash('sha256').update(fs.readFileSync(p)).digest('hex'), d.sha256);
      const copies = sql(dataDir, `SELECT unit_id, notation FROM documents WHERE source_id = ${d.id}`);
      assert.deepEqual(copies, [{ unit_id: unit2, notation: d.notation }], `one delivery of ${d.id}`);
    }
    for (const d of docs.filter((x) => x.state !== 'issued')) {
      assert.equal(d.state, 'signed');
      assert.equal(d.number, null, `document ${d.id}, not issued, has no number`);
      assert.equal(Number(sqlValue(dataDir, `SELECT count(*) FROM documents WHERE source_id = ${d.id}`)), 0);
    }
    return { issued, rest: docs.filter((x) => x.state !== 'issued') };
  };

  const after = check();
  for (const [id, number] of acked) {
    const d = after.issued.find((x) => x.id === id);
    assert.ok(d, `acknowledged document ${id} is issued after the restart`);
    assert.equal(d.number, number);
  }
  assert.deepEqual(sql(dataDir, 'PRAGMA integrity_check'), [{ integrity_check: 'ok' }]);

  // The rest, issued after the restart: the numbers go on from K + 1.
  const clerk = moved(clerks[0], second.url);
  let n = after.issued.length;
  for (const d of after.rest) {
    const r = await clerk.post(`/api/v1/documents/${d.id}/issue`, {});
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.document.number, ++n);
  }
  assert.equal(check().issued.length, DOCS);
});

test('ten issues of one ward at once: each waits its turn, stamps the number it gets, none is redone', { timeout: 300000 }, async (t) => {
  const srv = await startServer(t);
  const unit = Number(sqlValue(srv.dataDir, `SELECT id FROM units WHERE code = '${COMMUNE}'`));
  const leaderId = Number(sqlValue(srv.dataDir, `SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.leader.login}'`));
  const specialist = await officer(srv.url, DEMO_OFFICERS.specialist);
  const leader = await officer(srv.url, DEMO_OFFICERS.leader);
  const clerks = [await officer(srv.url, DEMO_OFFICERS.clerk), await officer(srv.url, DEMO_OFFICERS.clerk, 1)];
  const ids = [];
  for (let i = 0; i < 10; i++) {
    let r = await specialist.post('/api/v1/documents', {
      unit_id: unit, type: 'thong_bao', priority: 'thuong', signer_id: leaderId, signer_title: 'CHỦ TỊCH',
      summary: `Thông báo số ${i + 1} trong ngày`,
    });
    assert.equal(r.status, 201, r.text);
    const id = r.json.document.id;
    r = await specialist.req('PUT', `/api/v1/documents/${id}/body/tb.pdf`, { body: samplePdf(`Thong bao ${i}`), type: 'application/pdf' });
    assert.equal(r.status, 200, r.text);
    assert.equal((await specialist.post(`/api/v1/documents/${id}/submit`, {})).status, 200);
    assert.equal((await leader.post(`/api/v1/documents/${id}/review`, { decision: 'approve' })).status, 200);
    assert.equal((await leader.post(`/api/v1/documents/${id}/sign`, {})).status, 200);
    ids.push(id);
  }
  const restamps = async () => {
    const m = await new Client(srv.url).get('/metrics');
    assert.equal(m.status, 200);
    const line = m.text.split('\n').find((l) => l.startsWith('motcua_document_restamps_total '));
    assert.ok(line, 'the metric is there');
    return Number(line.split(' ')[1]);
  };
  assert.equal(await restamps(), 0);
  const answers = await Promise.all(ids.map((id, k) => clerks[k % 2].post(`/api/v1/documents/${id}/issue`, {})));
  for (const r of answers) assert.equal(r.status, 200, r.text);
  assert.deepEqual(answers.map((r) => r.json.document.number).sort((a, b) => a - b), Array.from({ length: 10 }, (_, i) => i + 1));
  for (const r of answers) assert.equal(r.json.document.notation, expectedNotation(r.json.document.number));
  assert.equal(await restamps(), 0, 'no issue was stamped and sealed again');
});
