// Fees and payment: an officer requests the fee (status 6, the clock paused), the citizen
// pays online through the local test gateway (`motcua serve --test-gateway`), which confirms
// server to server with a signed notification, and the dossier resumes (status 4). The
// signatures (HMAC-SHA512 over the sorted, percent-encoded parameters) are computed here
// with node:crypto, independently of the server; the VietQR payload is decoded by the npm
// package vietnam-qr-pay and the QR image by zbarimg. Refused notifications (tampered,
// replayed with another transaction, unknown payment) leave the database exactly as it was;
// the same notification twice changes nothing. What an officer records when confirming a
// payment at the desk or from the bank statement (the receipt or transaction number, a remark)
// is kept with the payment and shown with the officer's name, to officers and to the payer,
// and listed in the reconciliation report; migration 008 recovers it for older payments from
// the audit log.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { QRPay } from 'vietnam-qr-pay';
import {
  ROOT, BIRTH, COMMUNE, COMMUNE2, Client, newCitizen, readyBirthDraft,
  expectRefused, assertError, snapshot, assertUnchanged, sql, sqlValue, motcua, startServer, totp, DEMO_OFFICERS, officerSession as officer,
} from './lib/server.mjs';

const SECRET = 'motcua-api-test-secret-0123456789';
const MERCHANT = 'MOTCUA-DEMO'; // data/payment.json
const COPY = '2.000635.000.00.00.H56'; // Cấp bản sao Trích lục hộ tịch: 8.000 đồng
const BANK = JSON.parse(fs.readFileSync(path.join(ROOT, 'data/payment.json'), 'utf8')).bank;
// --- the server, with the test gateway ---------------------------------------------------

/**
 * Starts `motcua serve --test-gateway` with the secret given by --payment-secret or by
 * MOTCUA_PAYMENT_SECRET (env: true). Stopped with SIGTERM (and checked for sanitizer reports)
 * in t.after.
 */
async function startPayServer(t, { env = false } = {}) {
  return startServer(t, {
    loops: 2,
    args: ['--test-gateway', ...(env ? [] : ['--payment-secret', SECRET])],
    env: { MOTCUA_PAYMENT_SECRET: env ? SECRET : undefined },
  });
}

// --- officers (TOTP, RFC 6238 written here) ----------------------------------------------

const DEMO = DEMO_OFFICERS;

/** The commune's reception, leader and specialist, logged in once per server. */
async function officers(srv) {
  return {
    reception: await officer(srv.url, DEMO.reception),
    leader: await officer(srv.url, DEMO.leader),
    specialist: await officer(srv.url, DEMO.specialist),
  };
}
const act = (c, id, action, body = {}) => c.post(`/api/v1/staff/dossiers/${id}/actions/${action}`, body);

// --- dossiers ---------------------------------------------------------------------------

function copyForm() {
  return {
    requester_name: 'Lê Văn Hùng',
    requester_residence: 'Số 12 phố Lê Lợi, phường Hạc Thành, tỉnh Thanh Hóa',
    requester_id_number: '038090012345',
    requester_relationship: 'Bản thân',
    record_type: 'khai_sinh',
    subject_name: 'Lê Văn Hùng',
    record_office: 'UBND phường Hạc Thành',
    copies_requested: 1,
    commitment: true,
  };
}

/** A submitted dossier of `procedure` (COPY has a fee; BIRTH is free), owned by a new citizen. */
async function submitted(srv, procedure = COPY, formOver = {}) {
  const citizen = await newCitizen(srv.url);
  let d;
  if (procedure === BIRTH) {
    d = await readyBirthDraft(citizen, COMMUNE);
  } else {
    let r = await citizen.post('/api/v1/dossiers', { procedure_code: procedure, unit_code: COMMUNE });
    assert.equal(r.status, 201, r.text);
    d = r.json;
    r = await citizen.put(`/api/v1/dossiers/${d.id}/form`, { ...copyForm(), ...formOver });
    assert.equal(r.status, 200, r.text);
  }
  const r = await citizen.post(`/api/v1/dossiers/${d.id}/submit`, {});
  assert.equal(r.status, 200, r.text);
  return { citizen, dossier: r.json };
}

/** Submitted, accepted and assigned: in processing (status 4). */
async function processing(srv, o, procedure = COPY, formOver = {}) {
  const s = await submitted(srv, procedure, formOver);
  let r = await act(o.reception, s.dossier.id, 'accept');
  assert.equal(r.status, 200, r.text);
  r = await act(o.leader, s.dossier.id, 'assign', { assignee: DEMO.specialist.login });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.status.code, 4);
  return s;
}

/** Processing, then the specialist's payment request (the procedure's fee unless amount). */
async function awaitingPayment(srv, o, { procedure = COPY, amount } = {}) {
  const s = await processing(srv, o, procedure);
  const body = { note: 'Nộp lệ phí cấp 1 bản sao trích lục' };
  if (amount !== undefined) body.amount = amount;
  const r = await o.specialist.post(`/api/v1/staff/dossiers/${s.dossier.id}/payment-request`, body);
  assert.equal(r.status, 201, r.text);
  s.payment = r.json.payment;
  return s;
}

// --- signing, written from docs/payments.md --------------------------------------------

/** RFC 3986 percent-encoding: unreserved characters kept, the rest %XX in capitals. */
const enc = (s) => encodeURIComponent(s).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
/** The canonical string: sorted by name, secure_hash left out. */
const canonical = (p) => Object.keys(p).filter((k) => k !== 'secure_hash').sort().map((k) => `${enc(k)}=${enc(p[k])}`).join('&');
const hmac = (p, secret = SECRET) => crypto.createHmac('sha512', secret).update(canonical(p)).digest('hex');
const signed = (p, secret = SECRET) => ({ ...p, secure_hash: hmac(p, secret) });
const form = (p) => Object.entries(p).map(([k, v]) => `${enc(k)}=${enc(v)}`).join('&');

function vnDate(ms = Date.now()) {
  return new Date(ms + 7 * 3600e3).toISOString().replace(/[-:T]/g, '').slice(0, 14);
}
function today() {
  return new Date(Date.now() + 7 * 3600e3).toISOString().slice(0, 10);
}

function result(payment, over = {}) {
  return {
    merchant: MERCHANT, txn_ref: payment.reference, amount: String(payment.amount),
    gateway_txn: 'GW' + crypto.randomInt(1e9, 1e10), response_code: '00', pay_date: vnDate(), bank_code: 'NCB', ...over,
  };
}

function notify(url, body, type = 'application/x-www-form-urlencoded') {
  return new Client(url).req('POST', '/api/v1/payments/notify', { body: typeof body === 'string' ? body : form(body), type });
}

const statusCodes = (d) => d.history.map((h) => h.status && h.status.code);

// --- tests ----------------------------------------------------------------------------

test('an officer requests the fee, the citizen pays through the gateway, the dossier resumes', async (t) => {
  const srv = await startPayServer(t);
  const o = await officers(srv);
  const { citizen, dossier } = await processing(srv, o);

  // The procedure's fee (8.000 đồng) when no amount is given.
  let r = await o.specialist.post(`/api/v1/staff/dossiers/${dossier.id}/payment-request`, { note: 'Nộp lệ phí cấp 1 bản sao trích lục' });
  assert.equal(r.status, 201, r.text);
  const pay = r.json.payment;
  assert.equal(pay.amount, 8000);
  assert.equal(pay.status, 'pending');
  assert.match(pay.reference, /^MC\d{6,}$/);
  assert.equal(r.json.dossier.status.code, 6);
  await expectRefused(srv, () => o.specialist.post(`/api/v1/staff/dossiers/${dossier.id}/payment-request`, { note: 'Lần nữa', amount: 1000 }),
    { status: 409, code: 'payment_pending' });

  r = await citizen.get(`/api/v1/dossiers/${dossier.id}`);
  assert.equal(r.json.status.code, 6);
  r = await o.specialist.get(`/api/v1/staff/dossiers/${dossier.id}`);
  assert.equal(r.json.clock, 'paused');

  // The payment page: amount, VietQR decoded by an independent decoder, and its image.
  r = await citizen.get(`/api/v1/dossiers/${dossier.id}/payment`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.payment.amount, 8000);
  assert.equal(r.json.payment.status, 'pending');
  assert.equal(r.json.fee.amount, 8000);
  assert.equal(r.json.bank.demo, true);
  assert.equal(r.json.online.available, true);
  const qr = new QRPay(r.json.vietqr.payload);
  assert.equal(qr.isValid, true, 'VietQR CRC and layout');
  assert.equal(qr.provider.guid, 'A000000727'); // NAPAS
  assert.equal(qr.consumer.bankBin, BANK.bin);
  assert.equal(qr.consumer.bankNumber, BANK.account);
  assert.equal(qr.amount, '8000');
  assert.equal(qr.currency, '704');
  assert.equal(qr.nation, 'VN');
  assert.equal(qr.additionalData.purpose, pay.reference);
  assert.equal(r.json.vietqr.content, pay.reference);
  const png = Buffer.from(r.json.vietqr.image.replace(/^data:image\/png;base64,/, ''), 'base64');
  assert.equal(png.subarray(1, 4).toString(), 'PNG');
  const tmp = path.join(os.tmpdir(), `motcua-vietqr-${process.pid}.png`);
  fs.writeFileSync(tmp, png);
  const z = spawnSync('zbarimg', ['--raw', '-q', tmp], { encoding: 'utf8' });
  fs.rmSync(tmp, { force: true });
  assert.equal(z.status, 0, z.stderr);
  assert.equal(z.stdout.trim(), r.json.vietqr.payload, 'the image encodes the payload');

  // Someone else cannot see or pay it.
  const other = await newCitizen(srv.url);
  await expectRefused(srv, () => other.get(`/api/v1/dossiers/${dossier.id}/payment`), { status: 404, code: 'not_found' });
  await expectRefused(srv, () => other.post(`/api/v1/dossiers/${dossier.id}/payment/checkout`, {}), { status: 404, code: 'not_found' });

  // Checkout: a signed redirect to the gateway, nothing written.
  const before = snapshot(srv.dataDir);
  r = await citizen.post(`/api/v1/dossiers/${dossier.id}/payment/checkout`, {});
  assert.equal(r.status, 200, r.text);
  assertUnchanged(srv.dataDir, before, [], '(checkout)');
  const redirect = new URL(r.json.redirect_url);
  assert.equal(redirect.origin + redirect.pathname, `${srv.url}/test-gateway/pay`);
  const order = Object.fromEntries(redirect.searchParams);
  assert.equal(order.secure_hash, hmac(order), 'the checkout is signed as documented');
  assert.equal(order.txn_ref, pay.reference);
  assert.equal(order.amount, '8000');
  assert.equal(order.merchant, MERCHANT);
  assert.equal(order.return_url, `${srv.url}/api/v1/payments/return`);

  // The gateway's page, then "approve": it records, notifies us, sends the browser back.
  r = await citizen.get(redirect.pathname + redirect.search);
  assert.equal(r.status, 200, r.text);
  assert.match(r.headers.get('content-type'), /^text\/html/);
  assert.match(r.text, /8\.000 ₫/);
  assert.match(r.text, /Cổng thanh toán thử nghiệm/);
  // A tampered checkout (a lower amount) is refused by the gateway.
  const cheap = new URL(redirect);
  cheap.searchParams.set('amount', '80');
  r = await citizen.get(cheap.pathname + cheap.search);
  assert.equal(r.status, 403);
  r = await citizen.req('POST', '/test-gateway/pay', { body: form({ ...order, amount: '80', decision: 'approve' }), type: 'application/x-www-form-urlencoded' });
  assert.equal(r.status, 403);
  assert.equal(Number(sqlValue(srv.dataDir, 'SELECT count(*) FROM gateway_records')), 0);

  r = await citizen.req('POST', '/test-gateway/pay', { body: form({ ...order, decision: 'approve' }), type: 'application/x-www-form-urlencoded' });
  assert.equal(r.status, 303, r.text);
  const back = new URL(r.headers.get('location'));
  assert.equal(back.origin + back.pathname, `${srv.url}/api/v1/payments/return`);
  const res = Object.fromEntries(back.searchParams);
  assert.equal(res.secure_hash, hmac(res), 'the result is signed as documented');
  assert.equal(res.response_code, '00');

  // Paid; the dossier is processing again, its history shows 6 then 4.
  const [row] = sql(srv.dataDir, `SELECT status, method, gateway, gateway_txn, amount FROM payments WHERE id = ${pay.id}`);
  assert.deepEqual(row, { status: 'paid', method: 'gateway', gateway: 'testgw', gateway_txn: res.gateway_txn, amount: 8000 });
  r = await o.specialist.get(`/api/v1/staff/dossiers/${dossier.id}`);
  assert.equal(r.json.clock, 'running');
  r = await citizen.get(`/api/v1/dossiers/${dossier.id}`);
  assert.equal(r.json.status.code, 4);
  const codes = statusCodes(r.json);
  assert.deepEqual(codes.slice(-2), [6, 4]);
  r = await citizen.get(`/api/v1/dossiers/${dossier.id}/payment`);
  assert.equal(r.json.payment.status, 'paid');
  assert.equal(r.json.payment.paid_note, null, 'a gateway payment has no officer\'s note');
  assert.equal(r.json.payment.confirmed_by, null);
  assert.equal(r.json.vietqr, null);
  assert.equal(r.json.online.available, false);

  // The return URL: signature checked, browser sent to the dossier page; nothing changes.
  const paidState = snapshot(srv.dataDir);
  r = await citizen.get(back.pathname + back.search);
  assert.equal(r.status, 303);
  assert.equal(r.headers.get('location'), `/ho-so?id=${dossier.id}&thanh-toan=thanh-cong`);
  const forged = new URL(back);
  forged.searchParams.set('response_code', '24');
  await expectRefused(srv, () => citizen.get(forged.pathname + forged.search), { status: 403, code: 'bad_signature' });

  // The gateway sends the same notification again (a retry): 200, nothing changes.
  r = await notify(srv.url, res);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.result, 'already_confirmed');
  // And approving the same order again re-sends the same transaction: nothing changes.
  r = await citizen.req('POST', '/test-gateway/pay', { body: form({ ...order, decision: 'approve' }), type: 'application/x-www-form-urlencoded' });
  assert.equal(r.status, 303);
  assert.equal(new URL(r.headers.get('location')).searchParams.get('gateway_txn'), res.gateway_txn);
  assertUnchanged(srv.dataDir, paidState, [], '(repeated notification)');
  // Nothing is left to check out.
  await expectRefused(srv, () => citizen.post(`/api/v1/dossiers/${dossier.id}/payment/checkout`, {}), { status: 409, code: 'no_pending_payment' });

  const v = motcua(['audit', 'verify', '--data', srv.dataDir]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.equal(Number(sqlValue(srv.dataDir, `SELECT count(*) FROM audit_log WHERE object_type = 'payment' AND object_id = '${pay.id}'`)), 2);
});

test('notifications: signatures checked, tampering and replays refused, confirmation idempotent', async (t) => {
  const srv = await startPayServer(t, { env: true });
  const o = await officers(srv);
  const { citizen, dossier, payment } = await awaitingPayment(srv, o);
  const good = result(payment);

  // Tampered after signing: the amount, or the signature itself.
  await expectRefused(srv, () => notify(srv.url, { ...signed(good), amount: '1' }), { status: 403, code: 'bad_signature' });
  await expectRefused(srv, () => notify(srv.url, { ...signed(good), response_code: '00', txn_ref: 'MC999999' }), { status: 403, code: 'bad_signature' });
  await expectRefused(srv, () => notify(srv.url, { ...good, secure_hash: crypto.randomBytes(64).toString('hex') }), { status: 403, code: 'bad_signature' });
  await expectRefused(srv, () => notify(srv.url, good), { status: 403, code: 'bad_signature' });
  await expectRefused(srv, () => notify(srv.url, signed(good, 'another-secret-0123456789')), { status: 403, code: 'bad_signature' });
  await expectRefused(srv, () => notify(srv.url, { ...signed(good), extra: 'x' }), { status: 403, code: 'bad_signature' });
  // Signed, but for another merchant, or malformed, or not the amount due.
  await expectRefused(srv, () => notify(srv.url, signed({ ...good, merchant: 'KHAC' })), { status: 403, code: 'wrong_merchant' });
  await expectRefused(srv, () => notify(srv.url, signed({ ...good, amount: 'abc' })), { status: 400, code: 'malformed' });
  await expectRefused(srv, () => notify(srv.url, signed({ ...good, amount: '80000' })), { status: 400, code: 'amount_mismatch' });
  await expectRefused(srv, () => notify(srv.url, form(signed(good)) + '&amount=1'), { status: 400, code: 'malformed' });
  await expectRefused(srv, () => notify(srv.url, JSON.stringify(signed(good)), 'application/json'), { status: 415, code: 'unsupported_media_type' });
  // A payment that does not exist.
  await expectRefused(srv, () => notify(srv.url, signed({ ...good, txn_ref: 'MC999999' })), { status: 404, code: 'unknown_payment' });
  // A failed payment is acknowledged and changes nothing.
  let before = snapshot(srv.dataDir);
  let r = await notify(srv.url, signed({ ...good, response_code: '24' }));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.result, 'not_paid');
  assertUnchanged(srv.dataDir, before, [], '(failed payment)');

  // The real one: confirmed, the dossier resumes.
  r = await notify(srv.url, signed(good));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.result, 'confirmed');
  r = await citizen.get(`/api/v1/dossiers/${dossier.id}`);
  assert.equal(r.json.status.code, 4);
  assert.deepEqual(statusCodes(r.json).slice(-2), [6, 4]);

  // The same again: 200, nothing changes. Another transaction for it: refused.
  before = snapshot(srv.dataDir);
  r = await notify(srv.url, signed(good));
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.result, 'already_confirmed');
  assertUnchanged(srv.dataDir, before, [], '(same notification again)');
  await expectRefused(srv, () => notify(srv.url, signed({ ...good, gateway_txn: 'GW1' })), { status: 409, code: 'already_paid' });
  // A late failure notice for it does not undo anything.
  r = await notify(srv.url, signed({ ...good, response_code: '24' }));
  assert.equal(r.json.result, 'not_paid');
  assertUnchanged(srv.dataDir, before, [], '(failure notice after payment)');

  // Another payment, the gateway's transaction already used for the first: refused.
  const second = await awaitingPayment(srv, o);
  await expectRefused(srv, () => notify(srv.url, signed(result(second.payment, { gateway_txn: good.gateway_txn }))), { status: 409, code: 'txn_used' });

  // The same notification sent many times at once: confirmed exactly once.
  const body = signed(result(second.payment));
  const answers = await Promise.all(Array.from({ length: 8 }, () => notify(srv.url, body)));
  assert.deepEqual(answers.map((a) => a.status), Array(8).fill(200));
  assert.equal(answers.filter((a) => a.json.result === 'confirmed').length, 1);
  assert.equal(answers.filter((a) => a.json.result === 'already_confirmed').length, 7);
  assert.equal(Number(sqlValue(srv.dataDir, `SELECT count(*) FROM dossier_events WHERE dossier_id = ${second.dossier.id} AND action = 'confirm_payment'`)), 1);
  const v = motcua(['audit', 'verify', '--data', srv.dataDir]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
});

test('exemptions, the desk, the generic workflow step, cancellation by stopping', async (t) => {
  const srv = await startPayServer(t);
  const o = await officers(srv);

  // Birth registration on time is free: no fee unless the officer names one (late).
  const birth = await processing(srv, o, BIRTH);
  const url = `/api/v1/staff/dossiers/${birth.dossier.id}/payment-request`;
  await expectRefused(srv, () => o.specialist.post(url, { note: 'Lệ phí' }), { status: 422, code: 'fee_exempt', field: 'amount' });
  await expectRefused(srv, () => o.specialist.post(url, { note: 'Lệ phí', amount: 0 }), { status: 422, code: 'bad_amount', field: 'amount' });
  await expectRefused(srv, () => o.specialist.post(url, { note: 'Lệ phí', amount: '5000' }), { status: 422, code: 'bad_amount', field: 'amount' });
  await expectRefused(srv, () => o.specialist.post(url, { amount: 5000 }), { status: 422, code: 'required', field: 'note' });
  // Reception may not request payments; citizens and other communes do not see the route.
  await expectRefused(srv, () => o.reception.post(url, { note: 'Lệ phí', amount: 5000 }), { status: 403, code: 'forbidden' });
  await expectRefused(srv, () => birth.citizen.post(url, { note: 'Lệ phí', amount: 5000 }), { status: 404, code: 'not_found' });
  const otherCommune = new Client(srv.url);
  assert.equal(motcua(['user', 'add', '--data', srv.dataDir, '--kind', 'staff', '--login', 'chuyenvien.khac', '--name', 'Cán bộ khác',
    '--password', 'mat-khau-can-bo', '--role', 'specialist', '--unit', COMMUNE2, '--no-totp']).status, 0);
  await otherCommune.login('chuyenvien.khac', 'mat-khau-can-bo');
  await expectRefused(srv, () => otherCommune.post(url, { note: 'Lệ phí', amount: 5000 }), { status: 404, code: 'not_found' });

  let r = await o.specialist.post(url, { note: 'Đăng ký khai sinh quá hạn: lệ phí theo nghị quyết của tỉnh', amount: 5000 });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.payment.amount, 5000);
  assert.equal(r.json.dossier.status.code, 6);

  // Paid in cash at the desk: reception confirms (the specialist may not).
  const desk = `/api/v1/staff/dossiers/${birth.dossier.id}/payment/confirm-desk`;
  await expectRefused(srv, () => o.specialist.post(desk, {}), { status: 403, code: 'forbidden' });
  await expectRefused(srv, () => o.reception.post(desk, { method: 'card' }), { status: 422, code: 'bad_method', field: 'method' });
  r = await o.reception.post(desk, { note: 'Biên lai số 0001234' });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.payment.status, 'paid');
  assert.equal(r.json.payment.method, 'desk');
  assert.equal(r.json.payment.paid_note, 'Biên lai số 0001234');
  assert.equal(r.json.payment.confirmed_by, DEMO.reception.name);
  assert.equal(r.json.dossier.status.code, 4);
  await expectRefused(srv, () => o.reception.post(desk, {}), { status: 409, code: 'no_pending_payment' });
  r = await birth.citizen.get(`/api/v1/dossiers/${birth.dossier.id}`);
  assert.deepEqual(statusCodes(r.json).slice(-2), [6, 4]);

  // The generic step request_payment (the officers' page) on a procedure with a fee creates
  // the payment for the procedure's fee; stopping the dossier cancels it.
  const copy = await processing(srv, o, COPY);
  r = await act(o.specialist, copy.dossier.id, 'request_payment', { note: 'Nộp lệ phí' });
  assert.equal(r.status, 200, r.text);
  r = await copy.citizen.get(`/api/v1/dossiers/${copy.dossier.id}/payment`);
  assert.equal(r.json.payment.amount, 8000);
  assert.equal(r.json.payment.status, 'pending');
  r = await act(o.leader, copy.dossier.id, 'stop', { note: 'Người yêu cầu không nộp lệ phí' });
  assert.equal(r.status, 200, r.text);
  r = await copy.citizen.get(`/api/v1/dossiers/${copy.dossier.id}/payment`);
  assert.equal(r.json.payment.status, 'cancelled');
  assert.equal(r.json.vietqr, null);
  // A late notification for the cancelled payment is refused; the money is for reconciliation.
  await expectRefused(srv, () => notify(srv.url, signed(result(r.json.payment))), { status: 409, code: 'payment_cancelled' });

  // The generic step on a free procedure creates nothing; the officer then names the amount
  // and the dossier, already waiting, takes no second step.
  const free = await processing(srv, o, BIRTH);
  r = await act(o.specialist, free.dossier.id, 'request_payment', { note: 'Đăng ký quá hạn' });
  assert.equal(r.status, 200, r.text);
  r = await free.citizen.get(`/api/v1/dossiers/${free.dossier.id}/payment`);
  assert.equal(r.json.payment, null);
  assert.equal(r.json.fee.exempt, true);
  const events = Number(sqlValue(srv.dataDir, `SELECT count(*) FROM dossier_events WHERE dossier_id = ${free.dossier.id}`));
  r = await o.specialist.post(`/api/v1/staff/dossiers/${free.dossier.id}/payment-request`, { note: 'Đăng ký quá hạn', amount: 5000 });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.dossier.status.code, 6);
  assert.equal(Number(sqlValue(srv.dataDir, `SELECT count(*) FROM dossier_events WHERE dossier_id = ${free.dossier.id}`)), events);
  r = await o.specialist.get(`/api/v1/staff/dossiers/${free.dossier.id}/payment`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.payment.amount, 5000);
  assert.ok(new QRPay(r.json.vietqr.payload).isValid);

  // A payment request is only possible while processing.
  const fresh = await submitted(srv, COPY);
  await expectRefused(srv, () => o.specialist.post(`/api/v1/staff/dossiers/${fresh.dossier.id}/payment-request`, { note: 'Lệ phí' }),
    { status: 409, code: 'action_not_allowed' });
});

test('the reconciliation report compares payments with the gateway\'s records', async (t) => {
  const srv = await startPayServer(t);
  const o = await officers(srv);
  const day = today();

  // 1. Paid through the test gateway: the gateway has its record (matched).
  const a = await awaitingPayment(srv, o);
  let r = await a.citizen.post(`/api/v1/dossiers/${a.dossier.id}/payment/checkout`, {});
  const order = Object.fromEntries(new URL(r.json.redirect_url).searchParams);
  r = await a.citizen.req('POST', '/test-gateway/pay', { body: form({ ...order, decision: 'approve' }), type: 'application/x-www-form-urlencoded' });
  assert.equal(r.status, 303);
  // 2. Confirmed by a notification the gateway has no record of (missing at the gateway).
  const b = await awaitingPayment(srv, o, { amount: 20000 });
  assert.equal((await notify(srv.url, signed(result(b.payment, { gateway_txn: 'GWB1' })))).json.result, 'confirmed');
  // 3. The gateway's record says another amount (mismatched).
  const c = await awaitingPayment(srv, o, { amount: 30000 });
  assert.equal((await notify(srv.url, signed(result(c.payment, { gateway_txn: 'GWC1' })))).json.result, 'confirmed');
  const now = Math.floor(Date.now() / 1000);
  sql(srv.dataDir, `INSERT INTO gateway_records(gateway, gateway_txn, txn_ref, amount, paid_at, recorded_at) VALUES ('testgw', 'GWC1', '${c.payment.reference}', 3000, ${now}, ${now})`);
  // 4. The gateway collected for a payment still pending here (missing here), and for a
  //    reference nobody knows (shown only at the province).
  const d = await awaitingPayment(srv, o, { amount: 40000 });
  sql(srv.dataDir, `INSERT INTO gateway_records(gateway, gateway_txn, txn_ref, amount, paid_at, recorded_at) VALUES ('testgw', 'GWD1', '${d.payment.reference}', 40000, ${now}, ${now}), ('testgw', 'GWX1', 'MC999999', 1000, ${now}, ${now})`);
  // 5. Confirmed by officers: a bank transfer seen on the statement, a cash payment at the desk.
  const e = await awaitingPayment(srv, o, { amount: 50000 });
  const eNote = 'Giao dịch ngân hàng số FT26331001234. Sao kê ngày ' + day;
  let ePaid = await o.reception.post(`/api/v1/staff/dossiers/${e.dossier.id}/payment/confirm-desk`, { method: 'bank_transfer', note: eNote });
  assert.equal(ePaid.status, 200, ePaid.text);
  ePaid = ePaid.json.payment;
  const admin = await officer(srv.url, DEMO.province_admin);
  const f = await awaitingPayment(srv, o, { amount: 60000 });
  let fPaid = await admin.post(`/api/v1/staff/dossiers/${f.dossier.id}/payment/confirm-desk`, { method: 'desk', note: 'Biên lai số 0000777' });
  assert.equal(fPaid.status, 200, fPaid.text);
  fPaid = fPaid.json.payment;

  const q = `/api/v1/staff/payments/reconciliation?unit=${COMMUNE}&from=${day}&to=${day}`;
  r = await o.leader.get(q);
  assert.equal(r.status, 200, r.text);
  const rep = r.json;
  assert.equal(rep.unit.code, COMMUNE);
  assert.deepEqual(rep.summary.by_method, {
    gateway: { count: 3, total: 8000 + 20000 + 30000 },
    bank_transfer: { count: 1, total: 50000 },
    desk: { count: 1, total: 60000 },
  });
  assert.equal(rep.summary.payments, 5);
  assert.equal(rep.summary.total, 168000);
  // The payments confirmed by officers, one by one, in the order they were paid.
  const nonGateway = [
    { reference: e.payment.reference, dossier_code: e.dossier.code, amount: 50000, method: 'bank_transfer',
      paid_at: ePaid.paid_at, confirmed_by: DEMO.reception.name, paid_note: eNote },
    { reference: f.payment.reference, dossier_code: f.dossier.code, amount: 60000, method: 'desk',
      paid_at: fPaid.paid_at, confirmed_by: DEMO.province_admin.name, paid_note: 'Biên lai số 0000777' },
  ];
  assert.deepEqual(rep.non_gateway, nonGateway);
  assert.equal(rep.summary.non_gateway, 2);
  assert.equal(rep.truncated, false);
  assert.deepEqual(rep.truncated_lists, []);
  assert.deepEqual(rep.matched.map((x) => x.reference), [a.payment.reference]);
  assert.deepEqual(rep.missing_at_gateway.map((x) => [x.reference, x.gateway_txn]), [[b.payment.reference, 'GWB1']]);
  assert.deepEqual(rep.mismatched.map((x) => [x.reference, x.amount, x.gateway_amount]), [[c.payment.reference, 30000, 3000]]);
  assert.deepEqual(rep.missing_locally.map((x) => [x.reference, x.gateway_amount, x.local_status]), [[d.payment.reference, 40000, 'pending']]);
  assert.equal(rep.matched[0].dossier_code, a.dossier.code);
  assert.deepEqual([rep.summary.matched, rep.summary.missing_at_gateway, rep.summary.mismatched, rep.summary.missing_locally], [1, 1, 1, 1]);

  // The province sees the same, plus the unknown reference.
  r = await admin.get(`/api/v1/staff/payments/reconciliation?unit=000.00.00.H56&from=${day}&to=${day}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.missing_locally.map((x) => x.reference), [d.payment.reference, 'MC999999']);
  assert.deepEqual(r.json.non_gateway, nonGateway);
  // Another period is empty.
  r = await o.leader.get(`/api/v1/staff/payments/reconciliation?unit=${COMMUNE}&from=2020-01-01&to=2020-01-31`);
  assert.equal(r.json.summary.payments, 0);
  assert.equal(r.json.missing_locally.length, 0);
  assert.deepEqual(r.json.non_gateway, []);

  // Each list is bounded: 1,001 desk payments on one day (written straight into the table)
  // list the first 1,000 by time of payment; the summary counts them all and names the list cut.
  const day0 = Date.UTC(2020, 2, 2) / 1000 - 7 * 3600; // 2020-03-02 00:00, Vietnam time
  sql(srv.dataDir, `WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1001)
    INSERT INTO payments(dossier_id, reference, amount, purpose, status, method, confirmed_by, paid_note, created_at, paid_at)
    SELECT ${e.dossier.id}, 'MT' || i, 1000, 'Thử', 'paid', 'desk', (SELECT id FROM accounts WHERE login = '${DEMO.reception.login}'),
      'Biên lai số ' || i, ${day0}, ${day0} + 60 + i FROM n`);
  r = await o.leader.get(`/api/v1/staff/payments/reconciliation?unit=${COMMUNE}&from=2020-03-02&to=2020-03-02`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.summary.payments, 1001);
  assert.equal(r.json.summary.non_gateway, 1001);
  assert.deepEqual(r.json.summary.by_method, { desk: { count: 1001, total: 1001000 } });
  assert.equal(r.json.non_gateway.length, 1000);
  assert.equal(r.json.non_gateway[0].reference, 'MT1');
  assert.equal(r.json.non_gateway[999].reference, 'MT1000');
  assert.equal(r.json.non_gateway[999].paid_note, 'Biên lai số 1000');
  assert.equal(r.json.truncated, true);
  assert.deepEqual(r.json.truncated_lists, ['non_gateway']);
  // Permission report.read on the unit; dates checked.
  await expectRefused(srv, () => o.specialist.get(q), { status: 404, code: 'not_found', field: 'unit' });
  await expectRefused(srv, () => o.leader.get(`/api/v1/staff/payments/reconciliation?unit=${COMMUNE2}&from=${day}&to=${day}`), { status: 404, code: 'not_found' });
  await expectRefused(srv, () => a.citizen.get(q), { status: 404, code: 'not_found' });
  await expectRefused(srv, () => o.leader.get(`/api/v1/staff/payments/reconciliation?unit=${COMMUNE}&from=2026-02-30&to=${day}`), { status: 400, code: 'bad_parameter', field: 'from' });
  await expectRefused(srv, () => o.leader.get(`/api/v1/staff/payments/reconciliation?unit=${COMMUNE}&from=2024-01-01&to=2026-01-01`), { status: 400, code: 'bad_parameter', field: 'to' });
  await expectRefused(srv, () => o.leader.get(`/api/v1/staff/payments/reconciliation?unit=${COMMUNE}&from=${day}`), { status: 400, code: 'bad_parameter', field: 'to' });
});

test('the gateway\'s "deny" leaves the payment waiting; without --test-gateway there is no gateway', async (t) => {
  const srv = await startPayServer(t);
  const o = await officers(srv);
  const { citizen, dossier, payment } = await awaitingPayment(srv, o);
  let r = await citizen.post(`/api/v1/dossiers/${dossier.id}/payment/checkout`, {});
  const order = Object.fromEntries(new URL(r.json.redirect_url).searchParams);
  const before = snapshot(srv.dataDir);
  r = await citizen.req('POST', '/test-gateway/pay', { body: form({ ...order, decision: 'deny' }), type: 'application/x-www-form-urlencoded' });
  assert.equal(r.status, 303, r.text);
  const back = new URL(r.headers.get('location'));
  assert.equal(back.searchParams.get('response_code'), '24');
  r = await citizen.get(back.pathname + back.search);
  assert.equal(r.headers.get('location'), `/ho-so?id=${dossier.id}&thanh-toan=khong-thanh-cong`);
  assertUnchanged(srv.dataDir, before, [], '(denied payment)');
  r = await citizen.get(`/api/v1/dossiers/${dossier.id}/payment`);
  assert.equal(r.json.payment.status, 'pending');
  assert.equal(r.json.payment.reference, payment.reference);
  // An expired checkout is refused by the gateway.
  const old = { ...order, expire_date: vnDate(Date.now() - 60000) };
  r = await citizen.get('/test-gateway/pay?' + form(signed(old)));
  assert.equal(r.status, 410);

  // A server started without the option and without a secret: no gateway, no online payment;
  // the citizen can still pay by bank transfer (VietQR).
  const plain = await startServer(t);
  r = await fetch(`${plain.url}/test-gateway/pay?` + form(signed(order)));
  assert.equal(r.status, 404);
  const po = await officers(plain);
  const p = await awaitingPayment(plain, po);
  r = await p.citizen.get(`/api/v1/dossiers/${p.dossier.id}/payment`);
  assert.equal(r.json.online.available, false);
  assert.ok(new QRPay(r.json.vietqr.payload).isValid);
  await expectRefused(plain, () => p.citizen.post(`/api/v1/dossiers/${p.dossier.id}/payment/checkout`, {}), { status: 503, code: 'payment_unavailable' });
  await expectRefused(plain, () => notify(plain.url, signed(result(p.payment))), { status: 503, code: 'payment_unavailable' });
});

test('the officer\'s confirmation: the receipt number and the officer are kept and shown; refusals change nothing; older notes come back from the audit log', async (t) => {
  const srv = await startPayServer(t);
  const o = await officers(srv);
  const s1 = await awaitingPayment(srv, o);
  const desk = `/api/v1/staff/dossiers/${s1.dossier.id}/payment/confirm-desk`;
  const receptionId = Number(sqlValue(srv.dataDir, `SELECT id FROM accounts WHERE login = '${DEMO.reception.login}'`));

  // Waiting: nothing recorded yet.
  let r = await o.reception.get(`/api/v1/staff/dossiers/${s1.dossier.id}/payment`);
  assert.equal(r.json.payment.status, 'pending');
  assert.equal(r.json.payment.paid_note, null);
  assert.equal(r.json.payment.confirmed_by, null);

  // Refused confirmations change nothing: another role, another person, a bad method, a note
  // too long or on several lines.
  const NOTE = 'Giao dịch ngân hàng số FT26331009876. Người thân chuyển thay';
  await expectRefused(srv, () => o.specialist.post(desk, { method: 'bank_transfer', note: NOTE }), { status: 403, code: 'forbidden' });
  await expectRefused(srv, () => s1.citizen.post(desk, { method: 'desk', note: NOTE }), { status: 404, code: 'not_found' });
  await expectRefused(srv, () => o.reception.post(desk, { method: 'cash', note: NOTE }), { status: 422, code: 'bad_method', field: 'method' });
  await expectRefused(srv, () => o.reception.post(desk, { method: 'desk', note: 'ữ'.repeat(1001) }), { status: 422, code: 'bad_length', field: 'note' });
  await expectRefused(srv, () => o.reception.post(desk, { method: 'desk', note: 'Biên lai số 1\nsố 2' }), { status: 422, code: 'bad_text', field: 'note' });
  await expectRefused(srv, () => o.reception.post(desk, { method: 'desk', note: 12345 }), { status: 422, code: 'bad_type', field: 'note' });
  r = await o.reception.get(`/api/v1/staff/dossiers/${s1.dossier.id}/payment`);
  assert.equal(r.json.payment.status, 'pending');

  // Confirmed: the note and the officer are kept with the payment and returned.
  r = await o.reception.post(desk, { method: 'bank_transfer', note: NOTE });
  assert.equal(r.status, 200, r.text);
  const paid = r.json.payment;
  assert.equal(paid.status, 'paid');
  assert.equal(paid.method, 'bank_transfer');
  assert.equal(paid.paid_note, NOTE);
  assert.equal(paid.confirmed_by, DEMO.reception.name);
  assert.equal(paid.note, 'Nộp lệ phí cấp 1 bản sao trích lục', 'the request\'s note is unchanged');
  assert.deepEqual(sql(srv.dataDir, `SELECT paid_note, confirmed_by FROM payments WHERE id = ${paid.id}`), [{ paid_note: NOTE, confirmed_by: receptionId }]);
  // The officers' view and the payer's view show the same (docs/payments.md).
  r = await o.leader.get(`/api/v1/staff/dossiers/${s1.dossier.id}/payment`);
  assert.deepEqual(r.json.payment, paid);
  r = await s1.citizen.get(`/api/v1/dossiers/${s1.dossier.id}/payment`);
  assert.deepEqual(r.json.payment, paid);
  // The audit entry still carries it.
  const detail = JSON.parse(sqlValue(srv.dataDir, `SELECT detail FROM audit_log WHERE action = 'payment.paid' AND object_id = '${paid.id}'`));
  assert.equal(detail.note, NOTE);

  // A second confirmation, with another note, is refused and changes nothing.
  await expectRefused(srv, () => o.reception.post(desk, { method: 'desk', note: 'Biên lai số 0009999' }), { status: 409, code: 'no_pending_payment' });
  r = await s1.citizen.get(`/api/v1/dossiers/${s1.dossier.id}/payment`);
  assert.deepEqual(r.json.payment, paid);

  // A note of 1,000 Vietnamese characters (3 bytes each in UTF-8) is kept whole; no note is "".
  const s2 = await awaitingPayment(srv, o);
  const long = 'Biên lai số 0000001. ' + 'ữ'.repeat(979);
  assert.equal([...long].length, 1000);
  r = await o.reception.post(`/api/v1/staff/dossiers/${s2.dossier.id}/payment/confirm-desk`, { method: 'desk', note: long });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.payment.paid_note, long);
  const s3 = await awaitingPayment(srv, o);
  r = await o.reception.post(`/api/v1/staff/dossiers/${s3.dossier.id}/payment/confirm-desk`, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.payment.method, 'desk');
  assert.equal(r.json.payment.paid_note, '');
  assert.equal(r.json.payment.confirmed_by, DEMO.reception.name);

  // Migration 008 on a database confirmed before it: the column comes back filled from the
  // audit entries payment.paid (its SQL run again on the live database, the column removed
  // first; later migrations do not depend on it). The audit chain is untouched.
  const m008 = fs.readdirSync(path.join(ROOT, 'db')).find((f) => /^008_.*\.sql$/.test(f));
  sql(srv.dataDir, 'ALTER TABLE payments DROP COLUMN paid_note');
  sql(srv.dataDir, `BEGIN;\n${fs.readFileSync(path.join(ROOT, 'db', m008), 'utf8')}\nCOMMIT;`); // in one transaction, as the server runs it
  const v = motcua(['audit', 'verify', '--data', srv.dataDir]);
  assert.equal(v.status, 0, v.stdout + v.stderr);
  assert.deepEqual(sql(srv.dataDir, `SELECT id, paid_note FROM payments WHERE id IN (${paid.id}, ${s2.payment.id}, ${s3.payment.id}) ORDER BY id`),
    [{ id: paid.id, paid_note: NOTE }, { id: s2.payment.id, paid_note: long }, { id: s3.payment.id, paid_note: '' }]);
  r = await s1.citizen.get(`/api/v1/dossiers/${s1.dossier.id}/payment`);
  assert.deepEqual(r.json.payment, paid);
});

test('a fee per copy: the request without an amount charges the copies the form asks for', async (t) => {
  const srv = await startPayServer(t);
  const o = await officers(srv);
  const { citizen, dossier } = await processing(srv, o, COPY, { copies_requested: 3 });
  let r = await o.specialist.get(`/api/v1/staff/dossiers/${dossier.id}/payment`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual([r.json.fee.amount, r.json.fee.unit_amount, r.json.fee.quantity, r.json.fee.per_field, r.json.fee.exempt],
    [24000, 8000, 3, 'copies_requested', false]);
  r = await o.specialist.post(`/api/v1/staff/dossiers/${dossier.id}/payment-request`, { note: 'Lệ phí cấp 3 bản sao trích lục' });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.payment.amount, 24000);
  r = await citizen.get(`/api/v1/dossiers/${dossier.id}/payment`);
  assert.equal(r.json.payment.amount, 24000);
  assert.equal(new QRPay(r.json.vietqr.payload).amount, '24000');
  // One copy asked for: the fee once.
  const one = await o.specialist.get(`/api/v1/staff/dossiers/${(await processing(srv, o)).dossier.id}/payment`);
  assert.deepEqual([one.json.fee.amount, one.json.fee.quantity], [8000, 1]);
});
