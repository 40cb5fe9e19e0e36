// Work records (docs/records.md): Phường Hạc Thành's specialist drafts the year's list of
// records, the leader approves it, a record is opened from an entry and another outside the
// list with a reason; an issued công văn (by its notation), a draft and a refused one-stop
// dossier are filed; closing takes the draft out, changes the retention (the old one kept)
// and sets the end date; the record is then due for handover a year later, and handed over.
// Phường Quảng Phú files a registered incoming document and an unregistered one into a record
// of its own; closing takes the unregistered one out. Every refusal leaves the database as it
// was: another unit's officer (404), approving without the right (403), twice (409), filing
// an unfinished dossier (409), a document of another unit (404, or 422 for the province's
// administrator, who can read it), a dossier of another unit (422), filing into a closed record.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COMMUNE, COMMUNE2, Client, DEMO_OFFICERS, startServer, samplePdf, sql, sqlValue, totp,
  expectRefused, motcua, newCitizen, readyBirthDraft, officerSession as officer, addStaff,
} from './lib/server.mjs';

/** A day shifted by `days` from today in Vietnam (UTC+7), YYYY-MM-DD. */
const day = (days = 0) => new Date(Date.now() + 7 * 3600e3 + days * 86400e3).toISOString().slice(0, 10);
/** The same day a year later (written here: 29 February gives 28 February). */
function yearLater(d) {
  const [y, m, dd] = d.split('-').map(Number);
  const leap = (x) => (x % 4 === 0 && x % 100 !== 0) || x % 400 === 0;
  const d2 = m === 2 && dd === 29 && !leap(y + 1) ? 28 : dd;
  return `${y + 1}-${String(m).padStart(2, '0')}-${String(d2).padStart(2, '0')}`;
}

test('work records: the yearly list approved, records opened, documents and a finished dossier filed, closed, handed over; refusals change nothing', async (t) => {
  const srv = await startServer(t);
  const id = (q) => Number(sqlValue(srv.dataDir, q));
  const unit = id(`SELECT id FROM units WHERE code = '${COMMUNE}'`);
  const unit2 = id(`SELECT id FROM units WHERE code = '${COMMUNE2}'`);
  const accountId = (login) => id(`SELECT id FROM accounts WHERE login = '${login}'`);
  const leaderId = accountId(DEMO_OFFICERS.leader.login);
  const specialistId = accountId(DEMO_OFFICERS.specialist.login);
  const clerkId = accountId(DEMO_OFFICERS.clerk.login);
  const year = Number(day().slice(0, 4));

  const specialist = await officer(srv.url, DEMO_OFFICERS.specialist);
  const leader = await officer(srv.url, DEMO_OFFICERS.leader);
  const clerk = await officer(srv.url, DEMO_OFFICERS.clerk);
  const reception = await officer(srv.url, DEMO_OFFICERS.reception);

  // Quảng Phú's clerk and specialist (another unit).
  const q = {};
  for (const [role, login, name] of [['clerk', 'vt.quangphu', 'Lê Thị Văn'], ['specialist', 'cv.quangphu', 'Phạm Thị Chuyên']]) {
    q[role] = (await addStaff(srv, { login, name, role, unit: COMMUNE2 })).c;
  }

  // The units where each keeps records.
  let r = await leader.get('/api/v1/records/units');
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((u) => [u.id, u.can_manage, u.can_approve]), [[unit, true, true]]);
  assert.equal(r.json.year, year);
  r = await specialist.get('/api/v1/records/units');
  assert.deepEqual(r.json.items.map((u) => [u.id, u.can_manage, u.can_approve]), [[unit, true, false]]);

  // No list yet.
  r = await specialist.get(`/api/v1/records/lists?unit_id=${unit}&year=${year}`);
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.list, null);

  // The list: two entries, the second kept permanently and owned by the clerk.
  const entry = (o) => specialist.post('/api/v1/records/lists/entries', { unit_id: unit, year, ...o });
  r = await entry({ code: '01.VP', title: 'Hồ sơ rà soát hộ nghèo năm 2026', retention: 10 });
  assert.equal(r.status, 201, r.text);
  assert.equal(r.json.list.state, 'draft');
  r = await entry({ code: '02.VP', title: 'Hồ sơ quy hoạch sử dụng đất', retention: 'vinh_vien', owner_id: clerkId });
  assert.equal(r.status, 201, r.text);
  const list = r.json.list;
  assert.deepEqual(list.entries.map((e) => [e.code, e.retention_years, e.retention, e.owner.id, e.record_id]),
    [['01.VP', 10, '10 năm', specialistId, null], ['02.VP', 0, 'Vĩnh viễn', clerkId, null]]);
  const [e1, e2] = list.entries;

  // Refusals on the list.
  await expectRefused(srv, () => entry({ code: '01.VP', title: 'Trùng ký hiệu', retention: 5 }), { status: 409, code: 'code_taken', field: 'code' });
  await expectRefused(srv, () => entry({ code: '03.VP', title: 'Không có thời hạn', retention: 0 }), { status: 422, code: 'invalid_retention', field: 'retention' });
  await expectRefused(srv, () => entry({ code: '03.VP', title: 'Quá hạn', retention: 71 }), { status: 422, code: 'invalid_retention', field: 'retention' });
  await expectRefused(srv, () => entry({ code: '03.VP', title: 'Năm xa', retention: 5, year: year + 3 }), { status: 422, code: 'invalid_year', field: 'year' });
  await expectRefused(srv, () => entry({ code: '03.VP', title: 'Người lập ở đơn vị khác', retention: 5, owner_id: accountId('cv.quangphu') }), { status: 422, code: 'owner_invalid', field: 'owner_id' });
  await expectRefused(srv, () => entry({ code: 'x'.repeat(41), title: 'Ký hiệu dài', retention: 5 }), { status: 422, code: 'bad_length', field: 'code' });
  await expectRefused(srv, () => entry({ code: '   ', title: 'Ký hiệu toàn dấu cách', retention: 5 }), { status: 422, code: 'invalid_code', field: 'code' });
  await expectRefused(srv, () => entry({ code: '04.VP', title: ' ', retention: 5 }), { status: 422, code: 'invalid_title', field: 'title' });
  await expectRefused(srv, () => q.specialist.post('/api/v1/records/lists/entries', { unit_id: unit, year, code: '09', title: 'Đơn vị khác', retention: 5 }), { status: 404, code: 'unit_not_found' });
  await expectRefused(srv, () => q.specialist.get(`/api/v1/records/lists?unit_id=${unit}&year=${year}`), { status: 404, code: 'unit_not_found' });
  // Opening from an entry of a list not yet approved; the specialist cannot approve.
  await expectRefused(srv, () => specialist.post('/api/v1/records', { unit_id: unit, entry_id: e1.id }), { status: 409, code: 'list_not_approved' });
  await expectRefused(srv, () => specialist.post('/api/v1/records/lists/approve', { unit_id: unit, year }), { status: 403, code: 'forbidden' });
  await expectRefused(srv, () => q.clerk.post('/api/v1/records/lists/approve', { unit_id: unit, year }), { status: 404, code: 'unit_not_found' });
  await expectRefused(srv, () => leader.post('/api/v1/records/lists/approve', { unit_id: unit, year: year + 1 }), { status: 404, code: 'list_not_found' });

  // The leader approves.
  r = await leader.post('/api/v1/records/lists/approve', { unit_id: unit, year });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.list.state, 'approved');
  assert.equal(r.json.list.approved_by.id, leaderId);
  assert.ok(r.json.list.approved_at > 0);
  await expectRefused(srv, () => leader.post('/api/v1/records/lists/approve', { unit_id: unit, year }), { status: 409, code: 'already_approved' });
  await expectRefused(srv, () => entry({ code: '03.VP', title: 'Sau phê duyệt', retention: 5 }), { status: 409, code: 'list_approved' });

  // A record from the first entry: its code, title, retention, owner; the list shows it.
  r = await specialist.post('/api/v1/records', { unit_id: unit, entry_id: e1.id, start_date: day(-10) });
  assert.equal(r.status, 201, r.text);
  const rec = r.json.record;
  assert.deepEqual([rec.code, rec.title, rec.retention_years, rec.owner.id, rec.state, rec.start_date, rec.year, rec.entry_id, rec.items.length],
    ['01.VP', 'Hồ sơ rà soát hộ nghèo năm 2026', 10, specialistId, 'open', day(-10), year, e1.id, 0]);
  r = await specialist.get(`/api/v1/records/lists?unit_id=${unit}&year=${year}`);
  assert.deepEqual(r.json.list.entries.map((e) => e.record_id), [rec.id, null]);
  await expectRefused(srv, () => specialist.post('/api/v1/records', { unit_id: unit, entry_id: e1.id }), { status: 409, code: 'code_taken' });
  // Outside the list: the reason is required.
  const adhoc = { unit_id: unit, code: 'PS.01', title: 'Hồ sơ xử lý sự cố ngập úng', retention: 5 };
  await expectRefused(srv, () => specialist.post('/api/v1/records', adhoc), { status: 422, code: 'reason_required', field: 'reason' });
  await expectRefused(srv, () => specialist.post('/api/v1/records', { ...adhoc, reason: 'Phát sinh', start_date: '2026-02-30' }), { status: 422, code: 'invalid_date', field: 'start_date' });
  await expectRefused(srv, () => q.specialist.post('/api/v1/records', { ...adhoc, reason: 'Phát sinh' }), { status: 404, code: 'unit_not_found' });
  r = await specialist.post('/api/v1/records', { ...adhoc, reason: 'Công việc phát sinh ngoài danh mục' });
  assert.equal(r.status, 201, r.text);
  const rec2 = r.json.record;
  assert.deepEqual([rec2.entry_id, rec2.reason, rec2.start_date, rec2.retention], [null, 'Công việc phát sinh ngoài danh mục', day(), '5 năm']);

  // Documents: a công văn issued to Quảng Phú, and a draft.
  async function draft(summary, recipients = []) {
    const x = await specialist.post('/api/v1/documents', {
      unit_id: unit, type: 'cong_van', department: 'VP', summary, signer_id: leaderId, signer_title: 'CHỦ TỊCH',
      recipients_internal: recipients,
    });
    assert.equal(x.status, 201, x.text);
    return x.json.document;
  }
  async function issueCongVan(summary, recipients) {
    const doc = await draft(summary, recipients);
    let x = await specialist.req('PUT', `/api/v1/documents/${doc.id}/body/cong-van.pdf`, { body: samplePdf(summary.slice(0, 20)), type: 'application/pdf' });
    assert.equal(x.status, 200, x.text);
    assert.equal((await specialist.post(`/api/v1/documents/${doc.id}/submit`, {})).status, 200);
    assert.equal((await leader.post(`/api/v1/documents/${doc.id}/review`, { decision: 'approve' })).status, 200);
    x = await leader.post(`/api/v1/documents/${doc.id}/sign`, {});
    assert.equal(x.status, 200, x.text);
    x = await clerk.post(`/api/v1/documents/${doc.id}/issue`, {});
    assert.equal(x.status, 200, x.text);
    return x.json.document;
  }
  const cv = await issueCongVan('V/v rà soát hộ nghèo năm 2026', [unit2]);
  const cv2 = await issueCongVan('V/v gửi số liệu dân cư', [unit2]);
  const dr = await draft('V/v dự thảo kế hoạch chưa ban hành');
  const copyOf = (src) => id(`SELECT id FROM documents WHERE source_id = ${src} AND unit_id = ${unit2}`);
  const in1 = copyOf(cv.id), in2 = copyOf(cv2.id);

  // Filed: the công văn by its notation, the draft by id.
  r = await specialist.post(`/api/v1/records/${rec.id}/items`, { notation: cv.notation });
  assert.equal(r.status, 201, r.text);
  r = await clerk.post(`/api/v1/records/${rec.id}/items`, { document_id: dr.id });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(r.json.record.items.map((i) => [i.kind, i.document.id, i.document.state, i.document.notation]),
    [['document', cv.id, 'issued', cv.notation], ['document', dr.id, 'draft', null]]);
  const items = r.json.record.items;

  // Refusals on filing.
  const I = `/api/v1/records/${rec.id}/items`;
  await expectRefused(srv, () => specialist.post(I, { document_id: cv.id }), { status: 409, code: 'already_filed' });
  await expectRefused(srv, () => specialist.post(`/api/v1/records/${rec2.id}/items`, { notation: cv.notation }), { status: 409, code: 'already_filed' });
  await expectRefused(srv, () => specialist.post(I, { document_id: in1 }), { status: 404, code: 'document_not_found' });
  await expectRefused(srv, () => specialist.post(I, { notation: '999/UBND-VP' }), { status: 404, code: 'document_not_found', field: 'notation' });
  await expectRefused(srv, () => specialist.post(I, {}), { status: 400, code: 'item_required' });
  await expectRefused(srv, () => specialist.post(I, { document_id: dr.id, dossier_id: 1 }), { status: 400, code: 'item_required' });

  // A one-stop dossier: refused while submitted, filed once the desk refused it (handling ended).
  const citizen = await newCitizen(srv.url);
  const d = await readyBirthDraft(citizen);
  r = await citizen.post(`/api/v1/dossiers/${d.id}/submit`, {});
  assert.equal(r.status, 200, r.text);
  const dossierCode = r.json.code;
  await expectRefused(srv, () => specialist.post(I, { dossier_code: dossierCode }), { status: 409, code: 'dossier_not_finished' });
  await expectRefused(srv, () => specialist.post(I, { dossier_id: d.id }), { status: 409, code: 'dossier_not_finished' });
  r = await reception.post(`/api/v1/staff/dossiers/${d.id}/actions/refuse`, { note: 'Hồ sơ không thuộc thẩm quyền' });
  assert.equal(r.status, 200, r.text);
  // The clerk holds no dossier permission: the dossier is not found for them.
  await expectRefused(srv, () => clerk.post(I, { dossier_code: dossierCode }), { status: 404, code: 'dossier_not_found' });
  r = await specialist.post(I, { dossier_code: dossierCode });
  assert.equal(r.status, 201, r.text);
  const dossierItem = r.json.record.items[2];
  assert.deepEqual([dossierItem.kind, dossierItem.dossier.id, dossierItem.dossier.code, dossierItem.dossier.status_code],
    ['dossier', d.id, dossierCode, 3]);
  await expectRefused(srv, () => specialist.post(`/api/v1/records/${rec2.id}/items`, { dossier_id: d.id }), { status: 409, code: 'already_filed' });

  // Another unit's officer sees nothing of the record.
  for (const send of [
    () => q.specialist.get(`/api/v1/records/${rec.id}`),
    () => q.specialist.post(I, { document_id: in1 }),
    () => q.specialist.del(`${I}/${items[1].id}`),
    () => q.clerk.post(`/api/v1/records/${rec.id}/close`, {}),
    () => q.clerk.post(`/api/v1/records/${rec.id}/handover`, {}),
    () => specialist.get('/api/v1/records/999999'),
  ]) await expectRefused(srv, send, { status: 404, code: 'record_not_found' });
  await expectRefused(srv, () => q.specialist.get(`/api/v1/records?unit_id=${unit}`), { status: 404, code: 'unit_not_found' });

  // Taking out by hand and putting back: the second công văn in and out of record 2.
  r = await specialist.post(`/api/v1/records/${rec2.id}/items`, { document_id: cv2.id });
  assert.equal(r.status, 201, r.text);
  const out = r.json.record.items[0].id;
  r = await specialist.del(`/api/v1/records/${rec2.id}/items/${out}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.record.items, []);
  await expectRefused(srv, () => specialist.del(`/api/v1/records/${rec2.id}/items/${out}`), { status: 404, code: 'item_not_found' });

  // The province's administrator sees every unit's documents and dossiers, and still files
  // into Hạc Thành's record only what belongs to Hạc Thành.
  const admin = await officer(srv.url, DEMO_OFFICERS.province_admin);
  const d2 = await readyBirthDraft(citizen, COMMUNE2);
  r = await citizen.post(`/api/v1/dossiers/${d2.id}/submit`, {});
  assert.equal(r.status, 200, r.text);
  r = await admin.post(`/api/v1/staff/dossiers/${d2.id}/actions/refuse`, { note: 'Không thuộc thẩm quyền' });
  assert.equal(r.status, 200, r.text);
  await expectRefused(srv, () => admin.post(`/api/v1/records/${rec2.id}/items`, { dossier_id: d2.id }), { status: 422, code: 'dossier_other_unit' });
  await expectRefused(srv, () => admin.post(`/api/v1/records/${rec2.id}/items`, { document_id: in1 }), { status: 422, code: 'document_other_unit' });

  // The records of the year.
  r = await specialist.get(`/api/v1/records?unit_id=${unit}&year=${year}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((x) => [x.code, x.state, x.items]), [['01.VP', 'open', 3], ['PS.01', 'open', 0]]);
  r = await specialist.get(`/api/v1/records?unit_id=${unit}&year=${year}&state=closed`);
  assert.deepEqual(r.json.items, []);

  // Closing: an end date before the start is refused; then the draft is taken out, the
  // retention made permanent (the old kept), the end date today.
  const C = `/api/v1/records/${rec.id}/close`;
  await expectRefused(srv, () => specialist.post(C, { end_date: day(-11) }), { status: 422, code: 'invalid_date', field: 'end_date' });
  await expectRefused(srv, () => specialist.post(C, { retention: 'mãi mãi' }), { status: 422, code: 'invalid_retention', field: 'retention' });
  r = await specialist.post(C, { retention: 'vinh_vien' });
  assert.equal(r.status, 200, r.text);
  const closed = r.json.record;
  assert.deepEqual([closed.state, closed.end_date, closed.retention_years, closed.retention, closed.retention_before, closed.closed_by.id],
    ['closed', day(), 0, 'Vĩnh viễn', 10, specialistId]);
  assert.deepEqual(closed.items.map((i) => i.kind === 'document' ? i.document.id : `dossier ${i.dossier.id}`), [cv.id, `dossier ${d.id}`]);
  assert.deepEqual(closed.removed.map((i) => i.document.id), [dr.id]);
  assert.equal(closed.handover_due, yearLater(day()));
  assert.deepEqual(sql(srv.dataDir, `SELECT removed_reason FROM work_record_items WHERE record_id = ${rec.id} ORDER BY id`).map((x) => x.removed_reason),
    ['', 'draft', '']);
  // A closed record takes nothing more, and cannot be closed twice.
  await expectRefused(srv, () => specialist.post(I, { document_id: cv2.id }), { status: 409, code: 'record_not_open' });
  await expectRefused(srv, () => specialist.del(`${I}/${items[0].id}`), { status: 409, code: 'record_not_open' });
  await expectRefused(srv, () => specialist.post(C, {}), { status: 409, code: 'record_not_open' });
  // The draft is free again: it can go into an open record.
  r = await specialist.post(`/api/v1/records/${rec2.id}/items`, { document_id: dr.id });
  assert.equal(r.status, 201, r.text);

  // Due for handover: record 1 a year after today, not overdue. Record 2, closed and then
  // given a closing time two years back (01/03/2024 in Vietnam), is overdue since 01/03/2025.
  await expectRefused(srv, () => specialist.post(`/api/v1/records/${rec2.id}/handover`, {}), { status: 409, code: 'record_not_closed' });
  r = await specialist.post(`/api/v1/records/${rec2.id}/close`, { end_date: day() });
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.record.removed.map((i) => i.document.id), [dr.id]);
  assert.equal(r.json.record.retention_before, null);
  sql(srv.dataDir, `UPDATE work_records SET closed_at = ${Date.UTC(2024, 2, 1, 3)} / 1000 WHERE id = ${rec2.id}`);
  r = await clerk.get(`/api/v1/records/handover-due?unit_id=${unit}`);
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.items.map((x) => [x.id, x.due, x.overdue]), [[rec2.id, '2025-03-01', true], [rec.id, yearLater(day()), false]]);
  r = await q.clerk.get('/api/v1/records/handover-due');
  assert.deepEqual(r.json.items, []);
  await expectRefused(srv, () => q.clerk.get(`/api/v1/records/handover-due?unit_id=${unit}`), { status: 404, code: 'unit_not_found' });

  // Handed over.
  r = await clerk.post(`/api/v1/records/${rec.id}/handover`, {});
  assert.equal(r.status, 200, r.text);
  assert.equal(r.json.record.state, 'handed_over');
  assert.equal(r.json.record.handed_over_by.id, clerkId);
  await expectRefused(srv, () => clerk.post(`/api/v1/records/${rec.id}/handover`, {}), { status: 409, code: 'already_handed_over' });
  r = await clerk.get(`/api/v1/records/handover-due?unit_id=${unit}`);
  assert.deepEqual(r.json.items.map((x) => x.id), [rec2.id]);

  // Quảng Phú: a record outside the list with the registered copy and the arrived one.
  r = await q.clerk.post(`/api/v1/incoming/${in1}/register`, {});
  assert.equal(r.status, 200, r.text);
  r = await q.specialist.post('/api/v1/records', { unit_id: unit2, code: 'VB.01', title: 'Văn bản đến về hộ nghèo', retention: 2, reason: 'Chưa lập danh mục' });
  assert.equal(r.status, 201, r.text);
  const qrec = r.json.record;
  for (const doc of [in1, in2]) {
    r = await q.specialist.post(`/api/v1/records/${qrec.id}/items`, { document_id: doc });
    assert.equal(r.status, 201, r.text);
  }
  // Hạc Thành's own documents are not Quảng Phú's to file.
  await expectRefused(srv, () => q.specialist.post(`/api/v1/records/${qrec.id}/items`, { document_id: cv2.id }), { status: 404, code: 'document_not_found' });
  r = await q.specialist.post(`/api/v1/records/${qrec.id}/close`, {});
  assert.equal(r.status, 200, r.text);
  assert.deepEqual(r.json.record.items.map((i) => [i.document.id, i.document.state, i.document.incoming_number]), [[in1, 'registered', 1]]);
  assert.deepEqual(r.json.record.removed.map((i) => i.document.id), [in2]);

  // The audit log has every step.
  const actions = sql(srv.dataDir, "SELECT action FROM audit_log WHERE action LIKE 'record.%' ORDER BY id").map((x) => x.action);
  assert.deepEqual(actions.filter((a) => a === 'record.list_entry').length, 2);
  assert.deepEqual(actions.filter((a) => a === 'record.list_approve').length, 1);
  assert.deepEqual(actions.filter((a) => a === 'record.close').length, 3);
  assert.deepEqual(actions.filter((a) => a === 'record.handover').length, 1);
});
