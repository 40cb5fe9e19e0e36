// Notifications to citizens: status changes queue e-mail (and SMS) in the outbox in the same
// transaction; the worker delivers them to a real SMTP server (the npm package smtp-server,
// in this test process, on a loopback port) with retries and backoff; nothing is lost or sent
// twice across kill -9 outside the acceptance window, and the duplicate inside it (the server
// kept the message, its acknowledgment was lost) carries the same Message-ID.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import {
  COMMUNE, Client, startServer, initDataDir, freePort, newCitizen, readyBirthDraft, sql, sqlValue, totp, DEMO_OFFICERS, officerSession as officer,
} from './lib/server.mjs';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const FROM = 'Cổng dịch vụ công tỉnh Thanh Hóa <no-reply@dichvucong.example.vn>';
const BASE = 'https://dichvucong.example.vn';

/** Polls fn until it returns a truthy value; fails after timeout ms with what. */
async function waitFor(fn, what, timeout = 20000) {
  const end = Date.now() + timeout;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

// --- a real SMTP server in this process ------------------------------------------------

/** Decodes RFC 2047 encoded-words (UTF-8, B) in a header value; adjacent words join. */
function decodeWords(v) {
  return v.replace(/=\?UTF-8\?B\?([A-Za-z0-9+/=]*)\?=(?:\s+(?==\?UTF-8\?B\?))?/gi,
    (m, b64) => Buffer.from(b64, 'base64').toString('utf8'));
}

/** Parses a message as sent: headers (unfolded, lower-case names), subject and body decoded. */
function parseMail(raw) {
  const sep = raw.indexOf('\r\n\r\n');
  assert.ok(sep > 0, 'a blank line ends the header');
  const head = raw.slice(0, sep);
  const headers = {};
  let last = null;
  for (const line of head.split('\r\n')) {
    if (/^[ \t]/.test(line)) { headers[last] += line; continue; }
    const i = line.indexOf(':');
    assert.ok(i > 0, `header line ${JSON.stringify(line)}`);
    last = line.slice(0, i).toLowerCase();
    assert.ok(!(last in headers), `header ${last} appears once`);
    headers[last] = line.slice(i + 1).trim();
  }
  const bodyRaw = raw.slice(sep + 4);
  assert.match(headers['content-transfer-encoding'] || '', /^base64$/i);
  const body = Buffer.from(bodyRaw.replace(/\r\n/g, ''), 'base64').toString('utf8');
  return { raw, headers, subject: decodeWords(headers.subject || ''), from: decodeWords(headers.from || ''), body, messageId: headers['message-id'] };
}

/**
 * Starts smtp-server on 127.0.0.1:port (a free one if not given). Only messages the server
 * accepted (it answered 250 to the end of DATA) are in `messages`.
 * Hooks: rejectRcpt (a Set of addresses refused with 550), stallNext (hold the next message
 * after its data arrived, without answering and without keeping it), keepNext (a function:
 * keep the next message but never answer, then call it).
 */
async function startSmtp(port) {
  port = port || await freePort();
  const state = {
    port, messages: [], rejectRcpt: new Set(), stallNext: false, stalled: null, keepNext: null,
  };
  let stalledResolve;
  state.stalled = new Promise((r) => { stalledResolve = r; });
  const server = new SMTPServer({
    authOptional: true,
    hideSTARTTLS: true,
    disableReverseLookup: true,
    logger: false,
    closeTimeout: 100,
    size: 1 << 20,
    onRcptTo(address, session, cb) {
      if (state.rejectRcpt.has(address.address)) {
        const err = new Error('Mailbox unavailable');
        err.responseCode = 550;
        cb(err);
        return;
      }
      cb();
    },
    onData(stream, session, cb) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('error', () => { /* the client went away mid-message: nothing accepted */ });
      stream.on('end', () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        if (state.keepNext) {
          // Keep the message, never answer: the acknowledgment is lost.
          const hook = state.keepNext;
          state.keepNext = null;
          state.messages.push({ ...parseMail(raw), envelope: { from: session.envelope.mailFrom.address, to: session.envelope.rcptTo.map((r) => r.address) } });
          hook();
          return;
        }
        if (state.stallNext) {
          state.stallNext = false;
          stalledResolve({ raw, session }); // never answered: not accepted
          return;
        }
        const msg = {
          ...parseMail(raw),
          envelope: { from: session.envelope.mailFrom.address, to: session.envelope.rcptTo.map((r) => r.address) },
        };
        state.messages.push(msg);
        cb(null, 'queued');
      });
    },
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => { server.off('error', reject); resolve(); });
  });
  server.on('error', () => { /* a killed client resets its connection */ });
  state.stop = () => new Promise((r) => server.close(() => r()));
  return state;
}

// --- motcua with notification options ----------------------------------------------------

/**
 * Starts `motcua serve` with notification options: smtpPort (--smtp-url), smsUrl, scale
 * (MOTCUA_NOTIFY_BACKOFF_SCALE), dataDir (reuse; else a fresh one, removed at the end).
 * Stopped in t.after with SIGTERM and checked for sanitizer reports (lib/server.mjs);
 * the tests that kill it on purpose use kill9().
 */
function startMotcua(t, o = {}) {
  const args = ['--base-url', BASE];
  if (o.smtpPort) args.push('--smtp-url', `smtp://127.0.0.1:${o.smtpPort}`, '--smtp-from', FROM);
  if (o.smsUrl) args.push('--sms-url', o.smsUrl);
  return startServer(t, {
    dataDir: o.dataDir,
    loops: 2,
    args,
    env: { MOTCUA_NOTIFY_BACKOFF_SCALE: o.scale !== undefined ? String(o.scale) : undefined },
  });
}

// --- officers (TOTP from the demo accounts, RFC 6238 written here) -------------------------

const DEMO = DEMO_OFFICERS;



const act = (c, id, action, body = {}) => c.post(`/api/v1/staff/dossiers/${id}/actions/${action}`, body);

async function submitDossier(srv, formOver = {}) {
  const c = await newCitizen(srv.url);
  const d = await readyBirthDraft(c, COMMUNE, formOver);
  const r = await c.post(`/api/v1/dossiers/${d.id}/submit`, {});
  assert.equal(r.status, 200, r.text);
  return { citizen: c, dossier: r.json };
}

const outbox = (dir, where = '1') => sql(dir, `SELECT * FROM notify_outbox WHERE ${where} ORDER BY id`);
const messageIdOf = (row) => `<motcua.${row.id}.${row.created_at}@dichvucong.example.vn>`;

// --- tests -----------------------------------------------------------------------------------

test('submitting a dossier and officers\' steps deliver e-mails with the code and status', async (t) => {
  const smtp = await startSmtp();
  t.after(() => smtp.stop());
  const srv = await startMotcua(t, { smtpPort: smtp.port });
  const { citizen, dossier } = await submitDossier(srv);
  const code = dossier.code;

  // The submission queued one e-mail in its own transaction: the row exists as soon as the
  // answer came back, addressed to the applicant named by the form.
  let rows = outbox(srv.dataDir);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].channel, 'email');
  assert.equal(rows[0].recipient, 'hung.le@example.vn');
  assert.equal(rows[0].dossier_id, dossier.id);

  const first = await waitFor(() => smtp.messages[0], 'the submission e-mail');
  assert.deepEqual(first.envelope, { from: 'no-reply@dichvucong.example.vn', to: ['hung.le@example.vn'] });
  assert.equal(first.subject, `Hồ sơ ${code}: Mới đăng ký`);
  assert.match(first.headers.subject, /^=\?UTF-8\?B\?/, 'a non-ASCII subject is RFC 2047 encoded');
  assert.equal(first.from, FROM);
  assert.equal(first.headers.to, '<hung.le@example.vn>');
  assert.equal(first.headers['mime-version'], '1.0');
  assert.match(first.headers['content-type'], /^text\/plain; charset=UTF-8$/i);
  assert.match(first.headers.date, /^(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} \+0700$/);
  assert.equal(first.headers['auto-submitted'], 'auto-generated');
  rows = outbox(srv.dataDir);
  assert.equal(first.messageId, messageIdOf(rows[0]), 'the Message-ID is derived from the outbox row');
  for (const line of first.raw.split('\r\n')) assert.ok(line.length <= 78, `line too long: ${line}`);
  assert.ok(!/[^\r]\n/.test(first.raw), 'every line ends with CRLF');
  assert.match(first.body, /^Kính gửi Ông\/Bà Lê Văn Hùng,/);
  assert.ok(first.body.includes(`Mã hồ sơ: ${code}`), first.body);
  assert.ok(first.body.includes('Trạng thái: Mới đăng ký'), first.body);
  assert.ok(first.body.includes('Thủ tục: Đăng ký khai sinh'), first.body);
  assert.match(first.body, /Ngày hẹn trả kết quả: \d{2}:\d{2} ngày \d{2}\/\d{2}\/\d{4}/);
  assert.ok(first.body.includes(`${BASE}/tra-cuu?ma=${code}`), 'the public lookup link');
  await waitFor(() => outbox(srv.dataDir)[0].status === 'sent', 'the row marked sent');
  rows = outbox(srv.dataDir);
  assert.equal(rows[0].attempts, 1);
  assert.ok(rows[0].sent_at >= rows[0].created_at);
  assert.equal(rows[0].last_error, '');

  const reception = await officer(srv.url, DEMO.reception);
  const leader = await officer(srv.url, DEMO.leader);
  const specialist = await officer(srv.url, DEMO.specialist);
  const note = 'Bản chụp giấy chứng sinh bị mờ, đề nghị tải lại bản rõ';
  let r = await act(reception, dossier.id, 'request_supplement', { note });
  assert.equal(r.status, 200, r.text);
  const supp = await waitFor(() => smtp.messages[1], 'the supplement request e-mail');
  assert.equal(supp.subject, `Hồ sơ ${code}: Yêu cầu bổ sung giấy tờ`);
  assert.ok(supp.body.includes(`Nội dung yêu cầu bổ sung: ${note}`), supp.body);
  assert.ok(supp.body.includes('tạm dừng'), 'the clock is paused');

  r = await citizen.post(`/api/v1/dossiers/${dossier.id}/actions/supply`, { note: 'Đã tải lại' });
  assert.equal(r.status, 200, r.text);
  r = await act(reception, dossier.id, 'accept');
  assert.equal(r.status, 200, r.text);
  r = await act(leader, dossier.id, 'assign', { assignee: DEMO.specialist.login });
  assert.equal(r.status, 200, r.text);
  // Steps inside "Đang xử lý" are not news for the citizen: nothing is queued for them.
  const before = outbox(srv.dataDir).length;
  r = await act(specialist, dossier.id, 'propose');
  assert.equal(r.status, 200, r.text);
  assert.equal(outbox(srv.dataDir).length, before, 'propose keeps the national status: no message');
  r = await act(leader, dossier.id, 'approve');
  assert.equal(r.status, 200, r.text);
  r = await act(reception, dossier.id, 'return_result');
  assert.equal(r.status, 200, r.text);

  const expected = ['Mới đăng ký', 'Yêu cầu bổ sung giấy tờ', 'Mới đăng ký', 'Được tiếp nhận', 'Đang xử lý', 'Đã xử lý xong', 'Đã trả kết quả'];
  await waitFor(() => smtp.messages.length >= expected.length && outbox(srv.dataDir).every((x) => x.status === 'sent'), 'every e-mail');
  await sleep(300);
  assert.deepEqual(smtp.messages.map((m) => m.subject), expected.map((s) => `Hồ sơ ${code}: ${s}`));
  rows = outbox(srv.dataDir);
  assert.equal(rows.length, expected.length);
  assert.deepEqual(smtp.messages.map((m) => m.messageId), rows.map(messageIdOf), 'one delivery per row, in order');
  // One row per status-changing event, each tied to its event.
  const events = sql(srv.dataDir, `SELECT id, status_code FROM dossier_events WHERE dossier_id = ${dossier.id} ORDER BY id`);
  const changed = events.filter((e, i) => i === 0 || e.status_code !== events[i - 1].status_code).map((e) => e.id);
  assert.deepEqual(rows.map((x) => x.event_id), changed);
});

test('without an SMTP server configured e-mail stays queued, untouched', async (t) => {
  const srv = await startMotcua(t, {});
  // No applicant e-mail in the form: the account's address is used.
  const { citizen, dossier } = await submitDossier(srv, { requester_email: undefined });
  await sleep(1000);
  const rows = outbox(srv.dataDir);
  assert.equal(rows.length, 1);
  assert.equal(rows[0].recipient, citizen.person.email);
  assert.equal(rows[0].status, 'pending');
  assert.equal(rows[0].attempts, 0);
  assert.equal(rows[0].dossier_id, dossier.id);
  // No SMS gateway: no SMS queued, although the citizen has a phone.
  assert.equal(sqlValue(srv.dataDir, "SELECT count(*) FROM notify_outbox WHERE channel = 'sms'"), 0);
});

test('SMTP server down: the message stays pending with attempts counted, then is delivered', async (t) => {
  const port = await freePort(); // nothing listens there yet
  const srv = await startMotcua(t, { smtpPort: port, scale: 0.001 });
  const { dossier } = await submitDossier(srv);
  const row = await waitFor(() => {
    const x = outbox(srv.dataDir)[0];
    return x && x.attempts >= 3 && x.status === 'pending' ? x : null;
  }, 'three failed attempts');
  assert.notEqual(row.last_error, '', 'the error is recorded');
  assert.ok(row.next_attempt_at >= row.created_at);

  const smtp = await startSmtp(port);
  t.after(() => smtp.stop());
  const m = await waitFor(() => smtp.messages[0], 'delivery once the server is up', 30000);
  assert.equal(m.subject, `Hồ sơ ${dossier.code}: Mới đăng ký`);
  const done = await waitFor(() => { const x = outbox(srv.dataDir)[0]; return x.status === 'sent' ? x : null; }, 'sent');
  assert.ok(done.attempts > row.attempts);
  assert.equal(done.last_error, '');
  await sleep(300);
  assert.equal(smtp.messages.length, 1, 'delivered once');
});

test('a permanent refusal (550) fails the message at once; others go on', async (t) => {
  const smtp = await startSmtp();
  t.after(() => smtp.stop());
  smtp.rejectRcpt.add('khong.ton.tai@example.vn');
  const srv = await startMotcua(t, { smtpPort: smtp.port, scale: 0.001 });
  await submitDossier(srv, { requester_email: 'khong.ton.tai@example.vn' });
  const { dossier } = await submitDossier(srv);
  await waitFor(() => outbox(srv.dataDir).every((x) => x.status === 'sent' || x.status === 'failed'), 'both settled');
  const [bad, good] = outbox(srv.dataDir);
  assert.equal(bad.status, 'failed');
  assert.equal(bad.attempts, 1);
  assert.match(bad.last_error, /550/);
  assert.equal(good.status, 'sent');
  assert.deepEqual(smtp.messages.map((m) => m.subject), [`Hồ sơ ${dossier.code}: Mới đăng ký`]);
});

test('SMS through the HTTP gateway: JSON {to, text} with an idempotency key', async (t) => {
  const received = [];
  const gw = http.createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      received.push({ method: req.method, type: req.headers['content-type'], key: req.headers['idempotency-key'], json: JSON.parse(body) });
      res.writeHead(202, { 'content-type': 'application/json' });
      res.end('{"ok":true}');
    });
  });
  await new Promise((r) => gw.listen(0, '127.0.0.1', r));
  t.after(() => new Promise((r) => gw.close(r)));
  const srv = await startMotcua(t, { smsUrl: `http://127.0.0.1:${gw.address().port}/send` });
  const { dossier } = await submitDossier(srv);
  const sms = await waitFor(() => received[0], 'the SMS');
  assert.equal(sms.method, 'POST');
  assert.match(sms.type, /^application\/json/);
  assert.equal(sms.json.to, '0903123456');
  assert.ok(sms.json.text.startsWith(`Hồ sơ ${dossier.code}: Mới đăng ký.`), sms.json.text);
  assert.ok(sms.json.text.includes(`${BASE}/tra-cuu?ma=${dossier.code}`));
  const rows = outbox(srv.dataDir);
  const smsRow = rows.find((x) => x.channel === 'sms');
  assert.equal(sms.key, `motcua-${smsRow.id}-${smsRow.created_at}`);
  await waitFor(() => outbox(srv.dataDir).find((x) => x.channel === 'sms').status === 'sent', 'sms sent');
  // E-mail has no server here: it stays queued beside the SMS.
  assert.equal(rows.find((x) => x.channel === 'email').status, 'pending');
});

test('kill -9 with messages pending: after a restart every one is delivered, none twice', async (t) => {
  const port = await freePort(); // the SMTP server is down at first
  const dataDir = initDataDir();
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const srv = await startMotcua(t, { smtpPort: port, scale: 0.001, dataDir });
  const reception = await officer(srv.url, DEMO.reception);
  const codes = [];
  for (let i = 0; i < 3; i++) {
    const { dossier } = await submitDossier(srv);
    codes.push(dossier.code);
    if (i < 2) {
      const r = await act(reception, dossier.id, 'accept');
      assert.equal(r.status, 200, r.text);
    }
  }
  const queued = outbox(dataDir);
  assert.equal(queued.length, 5);
  await waitFor(() => outbox(dataDir).some((x) => x.attempts > 0), 'a failed attempt');
  await srv.kill9();
  assert.ok(outbox(dataDir).every((x) => x.status === 'pending' || x.status === 'sending'), 'nothing was sent');

  const smtp = await startSmtp(port);
  t.after(() => smtp.stop());
  const again = await startMotcua(t, { smtpPort: port, scale: 0.001, dataDir });
  await waitFor(() => outbox(dataDir).every((x) => x.status === 'sent'), 'every message sent', 30000);
  await sleep(300);
  const rows = outbox(dataDir);
  assert.equal(smtp.messages.length, rows.length, 'as many deliveries as rows');
  assert.deepEqual(smtp.messages.map((m) => m.messageId).sort(), rows.map(messageIdOf).sort(), 'each row exactly once');
  const subjects = smtp.messages.map((m) => m.subject).sort();
  const want = [...codes.map((c) => `Hồ sơ ${c}: Mới đăng ký`), ...codes.slice(0, 2).map((c) => `Hồ sơ ${c}: Được tiếp nhận`)].sort();
  assert.deepEqual(subjects, want);
  await again.stop();
});

test('delivered once after the worker is killed mid-delivery, before the server accepted', async (t) => {
  const smtp = await startSmtp();
  t.after(() => smtp.stop());
  smtp.stallNext = true; // the message arrives, the server never answers the end of DATA
  const dataDir = initDataDir();
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const srv = await startMotcua(t, { smtpPort: smtp.port, dataDir });
  const { dossier } = await submitDossier(srv);
  const stalled = await smtp.stalled;
  assert.ok(stalled.raw.includes('Message-ID:'));
  assert.equal(outbox(dataDir)[0].status, 'sending', 'claimed and committed before any byte was sent');
  await srv.kill9();
  assert.equal(smtp.messages.length, 0, 'nothing was accepted');

  const again = await startMotcua(t, { smtpPort: smtp.port, dataDir });
  await waitFor(() => outbox(dataDir)[0].status === 'sent', 'sent after the restart');
  await sleep(300);
  await again.stop();
  const row = outbox(dataDir)[0];
  assert.equal(row.attempts, 2, 'the interrupted attempt counts');
  assert.equal(smtp.messages.length, 1, 'exactly one delivery');
  assert.equal(smtp.messages[0].messageId, messageIdOf(row));
  assert.equal(smtp.messages[0].subject, `Hồ sơ ${dossier.code}: Mới đăng ký`);
  assert.equal(smtp.messages[0].raw, stalled.raw, 'the retry is the same message, byte for byte');
});

test('the duplicate window: a message kept by the server whose acknowledgment was lost comes again with the same Message-ID', async (t) => {
  // The server keeps the message (as a real one may once the data is in) but the 250 never
  // reaches motcua, which is killed: from its side the delivery did not happen, so after the
  // restart it sends the message again. That is the one duplicate at-least-once allows, and
  // the receiving side can drop it by its Message-ID.
  const smtp = await startSmtp();
  t.after(() => smtp.stop());
  const dataDir = initDataDir();
  t.after(() => fs.rmSync(dataDir, { recursive: true, force: true }));
  const srv = await startMotcua(t, { smtpPort: smtp.port, dataDir });
  smtp.keepNext = () => srv.proc.kill('SIGKILL');
  await submitDossier(srv);
  await waitFor(() => smtp.messages.length === 1, 'the kept copy');
  await srv.kill9();
  assert.equal(outbox(dataDir)[0].status, 'sending', 'motcua never saw the acknowledgment');

  const again = await startMotcua(t, { smtpPort: smtp.port, dataDir });
  await waitFor(() => outbox(dataDir)[0].status === 'sent', 'sent after the restart');
  await sleep(300);
  await again.stop();
  const row = outbox(dataDir)[0];
  assert.equal(smtp.messages.length, 2, 'one duplicate');
  assert.equal(row.attempts, 2);
  for (const m of smtp.messages) assert.equal(m.messageId, messageIdOf(row), 'both copies carry the same Message-ID');
  assert.equal(smtp.messages[1].raw, smtp.messages[0].raw, 'and are the same message, byte for byte');
});
