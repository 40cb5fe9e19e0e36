// Helpers of the tests of documents between nodes (tests/api/exchange*.test.mjs): officers
// of a node, polling, a công văn of Hạc Thành drafted, signed and issued to Quảng Phú on node
// A, what node B received, a raw post to a node's inbox.

import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { COMMUNE, COMMUNE2, Client, DEMO_OFFICERS, samplePdf, sql, sqlValue, totp } from './server.mjs';

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A demo officer logged in on the node at url; their client. */
export async function officer(url, who, step = 0) {
  const c = new Client(url);
  const r = await c.post('/api/v1/auth/login', { login: who.login, password: who.password, totp: totp(who.secret, Date.now(), step) });
  assert.equal(r.status, 200, `${who.login}: ${r.text}`);
  return c;
}

/** Polls pred() (every 100 ms, at most ms) until it is true; fails with what. */
export async function until(pred, what, ms = 30000) {
  for (let waited = 0; waited < ms; waited += 100) {
    if (await pred()) return;
    await sleep(100);
  }
  assert.fail(`timed out waiting for ${what}`);
}

export const count = (dataDir, q) => Number(sqlValue(dataDir, q));

/** Quảng Phú's incoming documents on node n, in the order they were written. */
export const incomingOf = (n) => sql(n.dataDir, `SELECT d.notation, d.state, d.sender_name, d.sha256, d.summary
  FROM documents d JOIN units u ON u.id = d.unit_id WHERE d.direction = 'in' AND u.code = '${COMMUNE2}' ORDER BY d.id`);

/** Hạc Thành's specialist, leader and clerk on node a (started), the unit's and the leader's ids. */
export async function hacThanhPeople(a) {
  return {
    specialist: await officer(a.url, DEMO_OFFICERS.specialist),
    leader: await officer(a.url, DEMO_OFFICERS.leader),
    clerk: await officer(a.url, DEMO_OFFICERS.clerk),
    unit: count(a.dataDir, `SELECT id FROM units WHERE code = '${COMMUNE}'`),
    leaderId: count(a.dataDir, `SELECT id FROM accounts WHERE login = '${DEMO_OFFICERS.leader.login}'`),
  };
}

/**
 * A công văn of Hạc Thành on node A, drafted (over: more draft fields), its body `pdf`
 * (a small one by default), signed and issued; its document JSON.
 */
export async function issueCongVan(a, people, summary, over = {}, pdf = samplePdf(summary)) {
  const { specialist, leader, clerk, unit, leaderId } = people;
  let r = await specialist.post('/api/v1/documents', {
    unit_id: unit, type: 'cong_van', department: 'VP', summary, signer_id: leaderId, signer_title: 'CHỦ TỊCH',
    recipients_exchange: [COMMUNE2], ...over,
  });
  assert.equal(r.status, 201, r.text);
  const doc = r.json.document;
  assert.deepEqual(doc.recipients_exchange, over.recipients_exchange || [COMMUNE2]);
  r = await specialist.req('PUT', `/api/v1/documents/${doc.id}/body/cong-van.pdf`, { body: pdf, type: 'application/pdf' });
  assert.equal(r.status, 200, r.text);
  assert.equal((await specialist.post(`/api/v1/documents/${doc.id}/submit`, {})).status, 200);
  assert.equal((await leader.post(`/api/v1/documents/${doc.id}/review`, { decision: 'approve' })).status, 200);
  assert.equal((await leader.post(`/api/v1/documents/${doc.id}/sign`, {})).status, 200);
  r = await clerk.post(`/api/v1/documents/${doc.id}/issue`, {});
  assert.equal(r.status, 200, r.text);
  return r.json.document;
}

/**
 * A valid one-page PDF of about `size` bytes: the page shows `text`; an object nothing
 * refers to carries `size` random bytes (incompressible, as a scan is), so its envelope is
 * large (a mid-transfer cut has somewhere to fall).
 */
export function largePdf(text, size) {
  const stream = `BT /F1 18 Tf 72 760 Td (${text}) Tj ET`;
  const parts = [];
  const offs = [];
  let len = 0;
  const add = (b) => { parts.push(b); len += b.length; };
  add(Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1'));
  const objs = [
    '<< /Type /Catalog /Pages 2 0 R >>',
    '<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
    '<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>',
    `<< /Length ${stream.length} >>\nstream\n${stream}\nendstream`,
    '<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>',
  ];
  objs.forEach((o, i) => { offs.push(len); add(Buffer.from(`${i + 1} 0 obj\n${o}\nendobj\n`, 'latin1')); });
  offs.push(len);
  add(Buffer.from(`6 0 obj\n<< /Length ${size} >>\nstream\n`, 'latin1'));
  add(crypto.randomBytes(size));
  add(Buffer.from('\nendstream\nendobj\n', 'latin1'));
  const xref = len;
  let tail = `xref\n0 ${offs.length + 1}\n0000000000 65535 f \n`;
  for (const o of offs) tail += `${String(o).padStart(10, '0')} 00000 n \n`;
  tail += `trailer\n<< /Size ${offs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  add(Buffer.from(tail, 'latin1'));
  return Buffer.concat(parts);
}

/** POSTs body to node n's inbox as a sender would; {status, text, json}. */
export async function postInbox(n, body) {
  const res = await fetch(`${n.url}/api/v1/exchange/inbox`, { method: 'POST', headers: { 'content-type': 'application/xml' }, body });
  const text = await res.text();
  return { status: res.status, text, json: JSON.parse(text) };
}
