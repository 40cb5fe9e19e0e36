// Browser test of fees and payment on the officers' side: a citizen's dossier of a procedure
// with a fee (Cấp bản sao Trích lục hộ tịch, 8.000 đồng) is submitted and accepted; the
// specialist asks for the fee from the dossier page ("Phí, lệ phí" panel and its dialog); the
// citizen's dossier page shows the request and the payment page the amount; the reception
// officer records the payment at the desk with a receipt number; both sides show it paid (the
// officers' panel with the receipt number and the officer who confirmed it, the citizen's
// dossier page with one line "Đã nộp phí, lệ phí: …", the payment page with the receipt); the
// leader's reconciliation page (/can-bo/doi-soat) counts it and lists it in "Nộp tại quầy,
// chuyển khoản", beside a second dossier paid online through the local test gateway (listed
// as matched). A dossier that never had a fee costs its page no payment request. Refused cases change nothing
// (checked through the API and a snapshot of the database): an amount of 0 (refused on the
// page), an exempt procedure without an amount (the server's fee_exempt, shown on the field),
// and a second desk confirmation from a page opened before the first (409, shown, reloaded).
//
// Starts the real server (`motcua serve --test-gateway`, binary from MOTCUA_BIN, default
// build/motcua) on a free port with a fresh data directory and drives Debian's chromium with
// playwright-core (lib/browser.mjs); one context per person. Setup steps go through the API
// as the province admin (each officer's one-time code is good for one login, so the people in
// the browser do not log in through the API too). Screenshots: /tmp/pay-NN-*.png (/tmp/pay-failure-*.png).
// Run: node --test tests/e2e/

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BIRTH, COMMUNE, newCitizen, snapshot, assertUnchanged, DEMO_OFFICERS } from '../api/lib/server.mjs';
import { browserTest, failedResource, startGatewayServer, submitDossier, ok, localDay, COPY } from './lib/browser.mjs';

const SECRET = 'motcua-e2e-payment-secret-0123456789';
const O = DEMO_OFFICERS;

/* ---------------- harness; setup through the API as the province admin ---------------- */

let admin = null;

const e2e = browserTest({
  shots: '/tmp',
  prefix: 'pay-',
  start: () => startGatewayServer({ secret: SECRET }),
  async setup() { admin = await e2e.apiLogin(O.province_admin); },
});
const { step } = e2e;

/** The officers' dossier page, loaded with its fee panel. */
async function openStaffDossier(page, d) {
  await page.goto(`${e2e.srv.url}/can-bo/ho-so?id=${d.id}`);
  await page.locator('#dossier-code', { hasText: d.code }).waitFor();
  await page.locator('#payment').waitFor();
}

/** A submitted dossier of the citizen, accepted and assigned to the specialist (status 4). */
async function processing(citizen, procedure) {
  const d = await submitDossier(citizen, procedure);
  ok(await admin.post(`/api/v1/staff/dossiers/${d.id}/actions/accept`, {}));
  const r = ok(await admin.post(`/api/v1/staff/dossiers/${d.id}/actions/assign`, { assignee: O.specialist.login }));
  assert.equal(r.status.code, 4);
  return { id: d.id, code: d.code };
}

const paymentOf = async (d) => ok(await admin.get(`/api/v1/staff/dossiers/${d.id}/payment`));
const dossierOf = async (d) => ok(await admin.get(`/api/v1/staff/dossiers/${d.id}`));
const today = () => localDay().iso;

test('the fee is requested, paid at the desk and reconciled; refusals change nothing', { timeout: 300000 }, async () => {
  const { srv } = e2e;
  const citizen = await newCitizen(srv.url);
  const A = await processing(citizen, COPY); // paid at the desk
  const B = await processing(citizen, BIRTH); // exempt: the server refuses a request without an amount
  const C = await processing(citizen, COPY); // paid online through the test gateway
  const D = await processing(citizen, BIRTH); // never asked for a fee
  const NOTE = 'Lệ phí cấp 01 bản sao trích lục khai sinh';
  const RECEIPT = '0012345';
  const PAID_NOTE = `Biên lai số ${RECEIPT}. Nộp tiền mặt`; // the format of docs/payments.md
  let reference = '';

  await step('chuyen-vien-ho-so', 'specialist', async (page) => {
    await e2e.officerLogin(page, O.specialist);
    await openStaffDossier(page, A);
    assert.match(await page.locator('#fee-amount').innerText(), /8\.000 đồng/);
    await page.locator('#pay-none').waitFor();
    assert.equal(await page.locator('#deskpay-open').count(), 0, 'a specialist does not record payments');
    const actions = await page.locator('#actions [data-action]').evaluateAll((bs) => bs.map((b) => b.dataset.action));
    assert.ok(actions.includes('request_payment'), `request_payment offered: ${actions}`);
  });

  await step('yeu-cau-phi-so-tien-0', 'specialist', async (page) => {
    const before = snapshot(srv.dataDir);
    await page.click('#actions [data-action="request_payment"]');
    const dlg = page.locator('#fee-dialog[open]');
    await dlg.waitFor();
    assert.equal(await dlg.locator('#fee-amount-input').inputValue(), '8000', 'the amount is the procedure\'s fee');
    assert.match(await dlg.locator('#fee-info').innerText(), /8\.000 đồng/);
    await dlg.locator('#fee-amount-input').fill('0');
    await dlg.locator('#fee-note').fill(NOTE);
    await dlg.locator('#fee-confirm').click();
    await dlg.locator('.field.has-error #fee-amount-input').waitFor();
    assert.match(await dlg.locator('#fee-amount-input-error').innerText(), /số nguyên dương/);
    assertUnchanged(srv.dataDir, before, [], '(amount 0)');
    const p = await paymentOf(A);
    assert.equal(p.payment, null);
    assert.equal(p.dossier.status.code, 4);
  });

  await step('yeu-cau-phi', 'specialist', async (page) => {
    const dlg = page.locator('#fee-dialog[open]');
    await dlg.locator('#fee-amount-input').fill('8.000');
    await dlg.locator('#fee-confirm').click();
    await page.locator('#action-ok').waitFor();
    assert.equal(await page.locator('#fee-dialog[open]').count(), 0, 'the dialog closed');
    assert.match(await page.locator('#state').innerText(), /Chờ thực hiện nghĩa vụ tài chính/);
    assert.equal(await page.locator('#clock').getAttribute('data-clock'), 'paused');
    assert.equal(await page.locator('#pay-status').getAttribute('data-status'), 'pending');
    assert.match(await page.locator('#pay-amount').innerText(), /^8\.000 đồng$/);
    assert.ok((await page.locator('#pay-note').innerText()).includes(NOTE));
    reference = (await page.locator('#pay-reference .mono').innerText()).trim();
    assert.match(reference, /^MC\d{6,}$/);
    assert.ok((await page.locator('#action-ok').innerText()).includes(reference));
    assert.equal(await page.locator('#actions [data-action="request_payment"]').count(), 0);
    const p = await paymentOf(A);
    assert.equal(p.payment.status, 'pending');
    assert.equal(p.payment.amount, 8000);
    assert.equal(p.payment.reference, reference);
    assert.equal(p.payment.note, NOTE);
    assert.equal(p.dossier.status.code, 6);
  });

  await step('mien-phi-khong-so-tien', 'specialist', async (page) => {
    await openStaffDossier(page, B);
    assert.match(await page.locator('#fee-amount').innerText(), /Miễn phí, lệ phí/);
    await page.click('#actions [data-action="request_payment"]');
    const dlg = page.locator('#fee-dialog[open]');
    await dlg.waitFor();
    assert.match(await dlg.locator('#fee-exempt').innerText(), /Luật Hộ tịch/);
    assert.equal(await dlg.locator('#fee-amount-input').inputValue(), '');
    await dlg.locator('#fee-note').fill('Lệ phí đăng ký khai sinh');
    const before = snapshot(srv.dataDir);
    e2e.expectConsoleError(failedResource(422), /\/payment-request$/); // the refusal asked for
    await dlg.locator('#fee-confirm').click(); // no amount: the server answers fee_exempt
    await dlg.locator('.field.has-error #fee-amount-input').waitFor();
    assert.match(await dlg.locator('#fee-amount-input-error').innerText(), /miễn phí/i);
    assertUnchanged(srv.dataDir, before, [], '(fee_exempt)');
    const p = await paymentOf(B);
    assert.equal(p.payment, null);
    assert.equal(p.dossier.status.code, 4);
    await dlg.locator('#fee-cancel').click();
  });

  // The generic step taken elsewhere on the exempt dossier: waiting for payment, no amount
  // named yet; the panel offers the request, which then creates only the payment.
  await step('mien-phi-dang-ky-qua-han', 'specialist', async (page) => {
    ok(await admin.post(`/api/v1/staff/dossiers/${B.id}/actions/request_payment`, { note: 'Đăng ký khai sinh quá hạn' }));
    assert.equal((await paymentOf(B)).payment, null);
    await openStaffDossier(page, B);
    assert.match(await page.locator('#pay-none').innerText(), /chưa có khoản phải nộp/);
    assert.match(await page.locator('#no-actions').innerText(), /Phí, lệ phí/);
    await page.click('#fee-request-open');
    const dlg = page.locator('#fee-dialog[open]');
    await dlg.waitFor();
    await dlg.locator('#fee-amount-input').fill('5000');
    await dlg.locator('#fee-note').fill('Lệ phí đăng ký khai sinh quá hạn theo nghị quyết của tỉnh');
    await dlg.locator('#fee-confirm').click();
    await page.locator('#action-ok').waitFor();
    assert.match(await page.locator('#pay-amount').innerText(), /^5\.000 đồng$/);
    assert.equal(await page.locator('#fee-request-open').count(), 0);
    const p = await paymentOf(B);
    assert.equal(p.payment.amount, 5000);
    assert.equal(p.payment.status, 'pending');
    assert.equal(p.dossier.status.code, 6);
    assert.equal((await dossierOf(B)).history.filter((h) => h.action === 'request_payment').length, 1, 'no second step');
  });

  await step('cong-dan-thay-yeu-cau', 'citizen', async (page) => {
    await e2e.citizenLogin(page, citizen.person.citizen_id, citizen.person.password);
    await page.goto(`${srv.url}/ho-so?id=${A.id}`);
    await page.locator('#payment-request').waitFor();
    assert.match(await page.locator('#status').innerText(), /nghĩa vụ tài chính/);
    await page.click('#pay-link');
    await page.waitForURL(/\/thanh-toan\?id=/);
    assert.match(await page.locator('#amount').innerText(), /8\.000 đồng/);
    assert.equal((await page.locator('#reference').innerText()).trim(), reference);
    assert.ok((await page.locator('#payment-note').innerText()).includes(NOTE));
  });

  // Two pages of the reception officer on the same dossier: the second, opened before the
  // payment is recorded on the first, tries again and is refused.
  let stale = null;
  await step('tiep-nhan-thay-cho-nop', 'reception', async (page) => {
    await e2e.officerLogin(page, O.reception);
    await openStaffDossier(page, A);
    assert.equal(await page.locator('#pay-status').getAttribute('data-status'), 'pending');
    await page.locator('#deskpay-open').waitFor();
    stale = await page.context().newPage();
    e2e.watch(stale, 'reception, second tab');
    await openStaffDossier(stale, A);
    await stale.locator('#deskpay-open').waitFor();
  });

  await step('xac-nhan-tai-quay-hop-thoai', 'reception', async (page) => {
    await page.click('#deskpay-open');
    const dlg = page.locator('#deskpay-dialog[open]');
    await dlg.waitFor();
    assert.match(await dlg.locator('#deskpay-due').innerText(), /8\.000 đồng[\s\S]*MC\d+/);
    assert.equal(await dlg.locator('input[name="method"]:checked').inputValue(), 'desk');
    await dlg.locator('#deskpay-confirm').click(); // no receipt number
    await dlg.locator('.field.has-error #deskpay-receipt').waitFor();
    assert.match(await dlg.locator('#deskpay-receipt-error').innerText(), /biên lai/);
    await dlg.locator('#deskpay-receipt').fill(RECEIPT);
    await dlg.locator('#deskpay-note').fill('Nộp tiền mặt');
  });

  await step('xac-nhan-tai-quay', 'reception', async (page) => {
    await page.locator('#deskpay-dialog #deskpay-confirm').click();
    await page.locator('#action-ok').waitFor();
    assert.equal(await page.locator('#deskpay-dialog[open]').count(), 0, 'the dialog closed');
    assert.ok((await page.locator('#action-ok').innerText()).includes(RECEIPT));
    assert.match(await page.locator('#state').innerText(), /Đang xử lý/);
    assert.equal(await page.locator('#clock').getAttribute('data-clock'), 'running');
    assert.equal(await page.locator('#pay-status').getAttribute('data-status'), 'paid');
    assert.match(await page.locator('#pay-method').innerText(), /Nộp tại Bộ phận một cửa/);
    assert.match(await page.locator('#pay-paid-at').innerText(), /\d{2}\/\d{2}\/\d{4} \d{2}:\d{2}/);
    assert.equal(await page.locator('#deskpay-open').count(), 0);
    assert.match(await page.locator('#history-list').innerText(), /Đã nộp phí, lệ phí/);
    // What the officer recorded, and who: kept with the payment and shown in the panel.
    assert.equal((await page.locator('#pay-paid-note').innerText()).trim(), PAID_NOTE);
    assert.equal((await page.locator('#pay-confirmed-by').innerText()).trim(), O.reception.name);
    assert.ok((await page.locator('#action-ok').innerText()).includes(PAID_NOTE));
    const p = await paymentOf(A);
    assert.equal(p.payment.status, 'paid');
    assert.equal(p.payment.method, 'desk');
    assert.equal(p.payment.paid_note, PAID_NOTE);
    assert.equal(p.payment.confirmed_by, O.reception.name);
    assert.equal(p.dossier.status.code, 4);
  });

  await step('xac-nhan-lan-hai', 'reception', async () => {
    const page = stale;
    const before = snapshot(srv.dataDir);
    const paidBefore = await paymentOf(A);
    await page.click('#deskpay-open');
    const dlg = page.locator('#deskpay-dialog[open]');
    await dlg.waitFor();
    await dlg.locator('#deskpay-receipt').fill('0012346');
    e2e.expectConsoleError(failedResource(409), /\/payment\/confirm-desk$/); // the refusal asked for
    await dlg.locator('#deskpay-confirm').click();
    await page.locator('#action-error').waitFor();
    assert.match(await page.locator('#action-error').innerText(), /không có khoản phí, lệ phí nào đang chờ nộp/i);
    assert.equal(await page.locator('#pay-status').getAttribute('data-status'), 'paid', 'the page shows the state as it is now');
    assert.equal((await page.locator('#pay-paid-note').innerText()).trim(), PAID_NOTE, 'the first receipt number stays');
    assertUnchanged(srv.dataDir, before, [], '(second desk confirmation)');
    assert.deepEqual(await paymentOf(A), paidBefore);
    const d = await dossierOf(A);
    assert.equal(d.history.filter((h) => h.action === 'confirm_payment').length, 1);
    await e2e.snap(page, 'xac-nhan-lan-hai-loi');
  });

  await step('cong-dan-thay-da-nop', 'citizen', async (page) => {
    await page.goto(`${srv.url}/ho-so?id=${A.id}`);
    await page.locator('#status').waitFor();
    assert.match(await page.locator('#status').innerText(), /Đang xử lý/);
    assert.equal(await page.locator('#payment-request').count(), 0);
    // One line says the fee was paid: how much, the day, where.
    const paidDay = new Date(Date.parse((await paymentOf(A)).payment.paid_at) + 7 * 3600e3).toISOString().slice(0, 10).split('-').reverse().join('/');
    assert.equal((await page.locator('#payment-paid').innerText()).trim(), `Đã nộp phí, lệ phí: 8.000 đồng, ngày ${paidDay}, tại quầy. Xem chi tiết`);
    // The citizen's history names statuses: the request (6), then processing again (4).
    assert.match(await page.locator('#content').innerText(), /Đang xử lý\s+[^]*Yêu cầu thực hiện nghĩa vụ tài chính/);
    await page.click('#payment-paid a');
    await page.waitForURL(/\/thanh-toan\?id=/);
    await page.locator('.alert-success', { hasText: 'Đã nộp phí, lệ phí' }).waitFor();
    assert.match(await page.locator('#content').innerText(), /8\.000 đồng[\s\S]*Nộp tại Bộ phận một cửa/);
    // The payer sees the receipt number and the officer who took the money (docs/payments.md).
    assert.equal((await page.locator('#paid-note').innerText()).trim(), PAID_NOTE);
    assert.equal((await page.locator('#confirmed-by').innerText()).trim(), O.reception.name);
  });

  await step('cong-dan-ho-so-khong-phi', 'citizen', async (page) => {
    // A dossier never asked for a fee: its page asks nothing about payment.
    const asked = [];
    const watch = (req) => { if (/\/payment(\?|$)/.test(new URL(req.url()).pathname + '?')) asked.push(req.url()); };
    page.on('request', watch);
    await page.goto(`${srv.url}/ho-so?id=${D.id}`);
    await page.locator('#status').waitFor();
    await page.waitForLoadState('networkidle');
    page.off('request', watch);
    assert.deepEqual(asked, []);
    assert.equal(await page.locator('#payment-paid').count(), 0);
  });

  // The second dossier: the fee asked through the API, paid online through the test gateway.
  await step('cong-dan-thanh-toan-truc-tuyen', 'citizen', async (page) => {
    ok(await admin.post(`/api/v1/staff/dossiers/${C.id}/payment-request`, { note: NOTE }), 201);
    await page.goto(`${srv.url}/thanh-toan?id=${C.id}`);
    await page.click('#pay-online');
    await page.waitForURL(/\/test-gateway\/pay/);
    await page.click('#approve');
    await page.waitForURL(/thanh-toan=thanh-cong/);
    await page.locator('.alert-success', { hasText: 'Thanh toán thành công' }).waitFor();
    await page.locator('#payment-paid').waitFor();
    assert.match(await page.locator('#payment-paid').innerText(), /^Đã nộp phí, lệ phí: 8\.000 đồng, ngày \d{2}\/\d{2}\/\d{4}, trực tuyến\./);
    const p = await paymentOf(C);
    assert.equal(p.payment.status, 'paid');
    assert.equal(p.payment.method, 'gateway');
    assert.equal(p.payment.paid_note, null);
    assert.equal(p.payment.confirmed_by, null);
  });

  await step('tiep-nhan-khong-doi-soat', 'reception', async (page) => {
    await page.goto(srv.url + '/can-bo/');
    await page.locator('[data-testid="account-name"]').waitFor();
    assert.equal(await page.locator('#nav-recon').count(), 0, 'no reconciliation link without report.read');
    await page.goto(srv.url + '/can-bo/doi-soat');
    await page.locator('#alert .alert-warn').waitFor();
    assert.match(await page.locator('#alert').innerText(), /Chưa được giao quyền đối soát/);
  });

  await step('lanh-dao-doi-soat', 'leader', async (page) => {
    await e2e.officerLogin(page, O.leader);
    await page.click('#nav-recon');
    await page.waitForURL(/\/can-bo\/doi-soat\?/);
    await page.locator('#by-method').waitFor();
    const url = new URL(page.url());
    assert.equal(url.searchParams.get('unit'), COMMUNE);
    assert.equal(url.searchParams.get('from'), today());
    assert.equal(url.searchParams.get('to'), today());
    assert.equal(await page.locator('#nav-recon').getAttribute('aria-current'), 'page');
    const r = ok(await admin.get(`/api/v1/staff/payments/reconciliation?unit=${COMMUNE}&from=${today()}&to=${today()}`));
    assert.equal(r.summary.payments, 2);
    assert.equal(r.summary.total, 16000);
    assert.match(await page.locator('#k-total').innerText(), /16\.000 đồng[\s\S]*2 khoản/);
    assert.match(await page.locator('#k-matched .k-value').innerText(), /^1$/);
    assert.match(await page.locator('#by-method tr[data-method="desk"]').innerText(), /Nộp tại quầy\s+1\s+8\.000 đồng/);
    assert.match(await page.locator('#by-method tr[data-method="gateway"]').innerText(), /1\s+8\.000 đồng/);
    assert.match(await page.locator('#by-method tfoot').innerText(), /Tổng cộng\s+2\s+16\.000 đồng/);
    const cRef = (await paymentOf(C)).payment.reference;
    assert.deepEqual(r.matched.map((x) => x.reference), [cRef]);
    const row = page.locator(`#list-matched tr[data-reference="${cRef}"]`);
    await row.waitFor();
    assert.ok((await row.innerText()).includes(C.code));
    for (const id of ['list-mismatched', 'list-missing-gw', 'list-missing-here']) {
      assert.match(await page.locator(`#${id}`).innerText(), /Không có\./, id);
    }
    // The desk payment, one by one in its own table: reference, dossier, amount, how, when,
    // who confirmed it and the receipt number.
    const a = (await paymentOf(A)).payment;
    assert.deepEqual(r.non_gateway, [{ reference: a.reference, dossier_code: A.code, amount: 8000, method: 'desk',
      paid_at: a.paid_at, confirmed_by: O.reception.name, paid_note: PAID_NOTE }]);
    assert.match(await page.locator('#h-non-gateway').innerText(), /Nộp tại quầy, chuyển khoản\s*1 khoản/);
    const desk = page.locator(`#list-non-gateway tbody tr[data-reference="${a.reference}"]`);
    const cells = (await desk.locator('td').allInnerTexts()).map((x) => x.trim());
    assert.deepEqual(cells, [a.reference, A.code, '8.000 đồng', 'Tại quầy', cells[4], O.reception.name, PAID_NOTE]);
    assert.match(cells[4], /\d{2}\/\d{2}\/\d{4}/);
    assert.match(await page.locator('#list-non-gateway tfoot').innerText(), /Tổng cộng 1 khoản\s+8\.000 đồng/);
    assert.equal(await page.locator('#list-non-gateway .rc-cut').count(), 0);
    assert.equal(await page.locator(`#list-non-gateway tr[data-reference="${cRef}"]`).count(), 0, 'gateway payments are not in it');
    await desk.locator('a', { hasText: A.code }).click();
    await page.locator('#dossier-code', { hasText: A.code }).waitFor();
    assert.equal((await page.locator('#pay-paid-note').innerText()).trim(), PAID_NOTE);
    await page.goBack();
    await page.locator('#list-non-gateway').waitFor();
    // The dossier code opens the dossier.
    await row.locator('a', { hasText: C.code }).click();
    await page.locator('#dossier-code', { hasText: C.code }).waitFor();
    await page.goBack();
    await page.locator('#by-method').waitFor();
  });

  await step('lanh-dao-doi-soat-ky-sai', 'leader', async (page) => {
    await page.fill('#from', '2026-12-31');
    await page.fill('#to', '2026-01-01');
    await page.click('#show');
    await page.locator('#alert .alert-warn').waitFor();
    assert.match(await page.locator('#alert').innerText(), /Ngày bắt đầu phải trước/);
    // Yesterday: nothing was paid then.
    await page.selectOption('#preset', 'yesterday');
    await page.locator('#by-method-empty').waitFor();
    assert.match(await page.locator('#k-total').innerText(), /0 đồng/);
    assert.match(await page.locator('#list-non-gateway').innerText(), /Không có\./);
  });

});
