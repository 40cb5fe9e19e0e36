// Result documents (kết quả giải quyết) officers attach to a dossier: who may attach them and
// when (processing or done, never after the result was returned), what is accepted, and the
// applicant's download once the result was returned. Every refusal leaves the database as it
// was.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  COMMUNE, COMMUNE2, Client, startServer, newCitizen, readyBirthDraft, motcua, expectRefused,
  samplePdf, samplePng, sql,
} from './lib/server.mjs';
import { giveOfficialKey } from './lib/keys.mjs';

// An officer created through the CLI, without TOTP, with one role on one unit.
async function cliOfficer(srv, login, role, unit) {
  const r = motcua(['user', 'add', '--data', srv.dataDir, '--kind', 'staff', '--login', login, '--name', `Cán bộ ${login}`,
    '--password', 'mat-khau-can-bo', '--role', role, '--unit', unit, '--no-totp']);
  assert.equal(r.status, 0, r.stderr);
  const c = new Client(srv.url);
  await c.login(login, 'mat-khau-can-bo');
  return c;
}

const act = async (c, id, action, body = {}) => {
  const r = await c.post(`/api/v1/staff/dossiers/${id}/actions/${action}`, body);
  assert.equal(r.status, 200, `${action}: ${r.text}`);
  return r.json;
};
const put = (c, id, name, body, type) => c.req('PUT', `/api/v1/staff/dossiers/${id}/results/${name}`, { body, type });

test('officers attach result documents while processing; the applicant downloads them once returned', async (t) => {
  const srv = await startServer(t);
  const citizen = await newCitizen(srv.url);
  const draft = await readyBirthDraft(citizen);
  const sub = await citizen.post(`/api/v1/dossiers/${draft.id}/submit`, {});
  assert.equal(sub.status, 200, sub.text);
  const id = sub.json.id;
  const reception = await cliOfficer(srv, 'kq.tiepnhan', 'reception', COMMUNE);
  const specialist = await cliOfficer(srv, 'kq.chuyenvien', 'specialist', COMMUNE);
  const leader = await cliOfficer(srv, 'kq.lanhdao', 'leader', COMMUNE);
  giveOfficialKey(srv.dataDir, 'kq.lanhdao', COMMUNE); // the approval signs (issued.test.mjs)
  const other = await cliOfficer(srv, 'kq.khac', 'specialist', COMMUNE2);
  const decision = samplePdf('Quyet dinh - ban ky so');

  // Not yet processing: refused, and nothing changes.
  await expectRefused(srv, () => put(specialist, id, 'trich-luc.pdf', decision, 'application/pdf'), { status: 409, code: 'results_closed' });
  await act(reception, id, 'accept');
  await act(leader, id, 'assign', { assignee: 'kq.chuyenvien' });

  // Who may: process or approve on the unit. Reception may not; another commune sees nothing.
  await expectRefused(srv, () => put(reception, id, 'trich-luc.pdf', decision, 'application/pdf'), { status: 403, code: 'forbidden' });
  await expectRefused(srv, () => put(other, id, 'trich-luc.pdf', decision, 'application/pdf'), { status: 404, code: 'not_found' });
  await expectRefused(srv, () => other.get(`/api/v1/staff/dossiers/${id}/results/trich-luc.pdf`), { status: 404, code: 'not_found' });
  // What: a PDF, JPEG or PNG that is what it says, not empty, with a plain name.
  await expectRefused(srv, () => put(specialist, id, 'ghi-chu.txt', Buffer.from('chỉ là chữ'), 'text/plain'), { status: 415, code: 'unsupported_file_type', field: 'ghi-chu.txt' });
  await expectRefused(srv, () => put(specialist, id, 'anh.pdf', samplePng(), 'application/pdf'), { status: 415, code: 'unsupported_file_type' });
  await expectRefused(srv, () => put(specialist, id, 'rong.pdf', Buffer.alloc(0), 'application/pdf'), { status: 422, code: 'empty_file' });
  await expectRefused(srv, () => put(specialist, id, '.an.pdf', decision, 'application/pdf'), { status: 422, code: 'bad_file_name', field: 'name' });
  await expectRefused(srv, () => specialist.req('PUT', `/api/v1/staff/dossiers/${id}/results/a.pdf`, { body: decision, type: 'application/pdf', csrf: false }), { status: 403, code: 'csrf' });

  let r = await put(specialist, id, 'trich-luc.pdf', decision, 'application/pdf');
  assert.equal(r.status, 201, r.text);
  assert.deepEqual([r.json.result.name, r.json.result.content_type, r.json.result.size], ['trich-luc.pdf', 'application/pdf', decision.length]);
  r = await put(specialist, id, 'ban-quet.png', samplePng(), 'image/png');
  assert.equal(r.status, 201, r.text);
  assert.ok(Math.abs(Date.parse(r.json.result.uploaded_at) - Date.now()) < 120e3, r.text);
  // "If-None-Match: *" asks not to replace: a second officer's file of the same name is refused.
  await expectRefused(srv, () => specialist.req('PUT', `/api/v1/staff/dossiers/${id}/results/ban-quet.png`,
    { body: samplePng(), type: 'image/png', headers: { 'if-none-match': '*' } }), { status: 409, code: 'file_exists', field: 'ban-quet.png' });
  // Replacing by name keeps one entry.
  const signed = samplePdf('Quyet dinh - ban da ky');
  r = await put(specialist, id, 'trich-luc.pdf', signed, 'application/pdf');
  assert.equal(r.status, 201, r.text);
  r = await specialist.get(`/api/v1/staff/dossiers/${id}`);
  assert.deepEqual(r.json.results.map((x) => x.name), ['trich-luc.pdf', 'ban-quet.png'], 'in the order first attached');
  assert.equal(r.json.results.find((x) => x.name === 'trich-luc.pdf').size, signed.length);
  assert.equal(r.json.can_edit_results, true);
  assert.equal((await reception.get(`/api/v1/staff/dossiers/${id}`)).json.can_edit_results, false);
  r = await reception.get(`/api/v1/staff/dossiers/${id}/results/trich-luc.pdf`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get('content-type'), 'application/pdf');
  assert.ok(r.buf.equals(signed), 'the stored file is the one sent');
  // Removing: one that exists; one that does not is 404 and changes nothing.
  r = await specialist.del(`/api/v1/staff/dossiers/${id}/results/ban-quet.png`);
  assert.equal(r.status, 204, r.text);
  await expectRefused(srv, () => specialist.del(`/api/v1/staff/dossiers/${id}/results/ban-quet.png`), { status: 404, code: 'not_found' });

  // The applicant sees nothing of them before the result is returned.
  r = await citizen.get(`/api/v1/dossiers/${id}`);
  assert.equal(r.json.results, undefined);
  await expectRefused(srv, () => citizen.get(`/api/v1/dossiers/${id}/results/trich-luc.pdf`), { status: 409, code: 'no_result' });

  // Done (status 9): the leader may still attach; returned (status 10): closed for everyone.
  await act(specialist, id, 'propose');
  await act(leader, id, 'approve');
  r = await put(leader, id, 'quyet-dinh.pdf', decision, 'application/pdf');
  assert.equal(r.status, 201, r.text);
  await act(reception, id, 'return_result');
  await expectRefused(srv, () => put(leader, id, 'them.pdf', decision, 'application/pdf'), { status: 409, code: 'results_closed' });
  await expectRefused(srv, () => leader.del(`/api/v1/staff/dossiers/${id}/results/quyet-dinh.pdf`), { status: 409, code: 'results_closed' });
  assert.equal((await leader.get(`/api/v1/staff/dossiers/${id}`)).json.can_edit_results, false);

  r = await citizen.get(`/api/v1/dossiers/${id}`);
  assert.deepEqual(r.json.results.map((x) => x.name), ['trich-luc.pdf', 'quyet-dinh.pdf']);
  r = await citizen.get(`/api/v1/dossiers/${id}/results/trich-luc.pdf`);
  assert.equal(r.status, 200, r.text);
  // Attached before the approval, so signed by it: the file sent, then the signatures
  // appended (an incremental update; issued.test.mjs checks them).
  assert.ok(r.buf.length > signed.length && r.buf.subarray(0, signed.length).equals(signed));
  assert.equal(sql(srv.dataDir, `SELECT sha256 FROM dossier_results WHERE dossier_id = ${id} AND name = 'trich-luc.pdf'`)[0].sha256,
    sql(srv.dataDir, `SELECT sha256 FROM issued_documents WHERE dossier_id = ${id} AND ref = 'trich-luc.pdf'`)[0].sha256);
  assert.match(r.headers.get('content-disposition'), /filename="trich-luc\.pdf"/);
  await expectRefused(srv, () => citizen.get(`/api/v1/dossiers/${id}/results/khong-co.pdf`), { status: 404, code: 'not_found' });
  const stranger = await newCitizen(srv.url);
  await expectRefused(srv, () => stranger.get(`/api/v1/dossiers/${id}/results/trich-luc.pdf`), { status: 404, code: 'not_found' });

  // Every change is in the audit chain, with the file's hash.
  const audit = sql(srv.dataDir, "SELECT action, detail FROM audit_log WHERE action LIKE 'dossier.result.%' ORDER BY id");
  assert.deepEqual(audit.map((a) => a.action), ['dossier.result.add', 'dossier.result.add', 'dossier.result.add', 'dossier.result.remove', 'dossier.result.add']);
  assert.match(audit[0].detail, /"sha256":"[0-9a-f]{64}"/);
});
