// The state machine and the roles, against a matrix written out here by hand (not read from
// data/roles.json or data/workflows.json, which the server loads): which role holds which
// permission, and which role (or the dossier's owner) may take each step from each state,
// with the state it leads to. Every step is tried by every role and by the owner: allowed
// exactly where the matrix says, refused otherwise with nothing changed. The permissions
// that are not workflow steps (reading a dossier, registering a walk-in, the apology letter,
// the reports) are tried through their routes, and the roles the server loaded are compared
// with the matrix, so an edit of roles.json that the matrix does not share fails here.
//
// The matrix follows DOMAIN.md's roles: the reception desk receives, refuses, asks for
// supplements at receipt, registers walk-ins and hands back results; the specialist examines
// (asks for supplements while processing, asks for the fee, proposes the result); the
// leader assigns, forwards, approves or sends back, and stops; the unit's administrator reads
// dossiers and reports and manages users; the province's administrator may do everything.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { giveOfficialKey } from './lib/keys.mjs';
import {
  ROOT, COMMUNE, PROVINCE, Client, startServer, newCitizen, readyBirthDraft, motcua, expectRefused, sql,
} from './lib/server.mjs';

const JUSTICE = '000.00.03.H56'; // a department under the province, for "forward"
// The clerk (văn thư) holds only document permissions (docs/documents.md): a dossier is
// not found for it, like for anyone without dossier.read.
const ROLES = ['reception', 'specialist', 'leader', 'clerk', 'unit_admin', 'province_admin'];

// Role -> permissions, as data/roles.json has them today, written out.
const PERMISSIONS = {
  reception: ['dossier.read', 'dossier.receive', 'dossier.return', 'dossier.walkin', 'dossier.apologize', 'document.read'],
  specialist: ['dossier.read', 'dossier.process', 'payment.request', 'document.read', 'document.draft', 'document.handle',
    'record.manage'],
  leader: ['dossier.read', 'dossier.assign', 'dossier.forward', 'dossier.approve', 'dossier.stop', 'dossier.apologize', 'report.read', 'copy.certify',
    'document.read', 'document.review', 'document.sign', 'document.assign', 'record.manage', 'record.approve_list'],
  clerk: ['document.read', 'document.issue', 'document.receive', 'record.manage'],
  unit_admin: ['dossier.read', 'report.read', 'user.admin'],
  province_admin: ['dossier.read', 'dossier.receive', 'dossier.return', 'dossier.walkin', 'dossier.process', 'payment.request',
    'dossier.assign', 'dossier.forward', 'dossier.approve', 'dossier.stop', 'dossier.apologize', 'report.read', 'user.admin', 'unit.admin',
    'copy.certify', 'document.read', 'document.draft', 'document.review', 'document.sign', 'document.issue',
    'document.receive', 'document.assign', 'document.handle', 'record.manage', 'record.approve_list'],
};

// Every step: from, action, to ('@resume': back to where the dossier was paused), who may take
// it (roles, 'owner' or 'system'), and what the request carries (a note, an assignee, a unit).
const DESK = ['reception', 'province_admin'];
const SPECIALIST = ['specialist', 'province_admin'];
const LEADER = ['leader', 'province_admin'];
const STEPS = [
  ['submitted', 'accept', 'received', DESK],
  ['submitted', 'refuse', 'refused', DESK, { note: true }],
  ['submitted', 'request_supplement', 'supplement', DESK, { note: true }],
  ['received', 'request_supplement', 'supplement', SPECIALIST, { note: true }],
  ['processing', 'request_supplement', 'supplement', SPECIALIST, { note: true }],
  ['supplement', 'supply', '@resume', 'owner'],
  ['supplement', 'supply_at_desk', '@resume', DESK],
  ['received', 'assign', 'processing', LEADER, { assignee: true }],
  ['processing', 'assign', 'processing', LEADER, { assignee: true }],
  ['processing', 'forward', 'processing', LEADER, { unit: true, note: true }],
  ['processing', 'request_payment', 'payment', SPECIALIST, { note: true }],
  ['payment', 'confirm_payment', '@resume', 'system'],
  ['processing', 'propose', 'awaiting_approval', SPECIALIST],
  ['awaiting_approval', 'approve', 'done', LEADER],
  ['awaiting_approval', 'send_back', 'processing', LEADER, { note: true }],
  ['done', 'return_result', 'returned', DESK],
  ['submitted', 'withdraw', 'withdrawn', 'owner', { note: true }],
  ['received', 'withdraw', 'withdrawn', 'owner', { note: true }],
  ['supplement', 'withdraw', 'withdrawn', 'owner', { note: true }],
  ['payment', 'withdraw', 'withdrawn', 'owner', { note: true }],
  ['received', 'stop', 'stopped', LEADER, { note: true }],
  ['processing', 'stop', 'stopped', LEADER, { note: true }],
  ['awaiting_approval', 'stop', 'stopped', LEADER, { note: true }],
  ['supplement', 'stop', 'stopped', LEADER, { note: true }],
  ['payment', 'stop', 'stopped', LEADER, { note: true }],
].map(([from, action, to, who, carries = {}]) => ({ from, action, to, who, carries }));

// How to bring a fresh dossier into each state (steps the province's administrator takes).
const PATHS = {
  submitted: [],
  received: ['accept'],
  processing: ['accept', 'assign'],
  awaiting_approval: ['accept', 'assign', 'propose'],
  supplement: ['request_supplement'],
  payment: ['accept', 'assign', 'request_payment'],
  done: ['accept', 'assign', 'propose', 'approve'],
};

test('the matrix is complete: every step of the shipped workflow is in it, and no other', () => {
  // Read only to find steps the matrix would miss; the expectations never come from here.
  const workflow = JSON.parse(fs.readFileSync(path.join(ROOT, 'data/workflows.json'), 'utf8')).workflows.find((w) => w.name === 'default');
  const shipped = workflow.transitions.map((x) => `${x.from} --${x.action}--> ${x.to}`).sort();
  assert.deepEqual(STEPS.map((s) => `${s.from} --${s.action}--> ${s.to}`).sort(), shipped);
  const roles = JSON.parse(fs.readFileSync(path.join(ROOT, 'data/roles.json'), 'utf8')).roles.map((r) => r.name).sort();
  assert.deepEqual([...ROLES].sort(), roles);
});

test('every step, allowed and refused, for every role and for the owner', async (t) => {
  const srv = await startServer(t);
  const login = async (name, role, unit) => {
    const r = motcua(['user', 'add', '--data', srv.dataDir, '--kind', 'staff', '--login', name, '--name', `Cán bộ ${role}`,
      '--password', 'mat-khau-can-bo', '--role', role, '--unit', unit, '--no-totp']);
    assert.equal(r.status, 0, r.stderr);
    const c = new Client(srv.url);
    await c.login(name, 'mat-khau-can-bo');
    return c;
  };
  const officers = {};
  for (const role of ROLES) officers[role] = await login(`sm.${role}`, role, role === 'province_admin' ? PROVINCE : COMMUNE);
  // The approval signs the result: the officers allowed to approve need a personal key for
  // the commune (without one the approval is refused, issued.test.mjs).
  for (const role of LEADER) giveOfficialKey(srv.dataDir, `sm.${role}`, COMMUNE);
  const admin = officers.province_admin;
  const body = (s) => ({
    ...(s.carries.note ? { note: 'Lý do thử nghiệm' } : {}),
    ...(s.carries.assignee ? { assignee: 'sm.specialist' } : {}),
    ...(s.carries.unit ? { unit: JUSTICE } : {}),
  });
  const find = (from, action) => STEPS.find((x) => x.from === from && x.action === action);
  const citizen = await newCitizen(srv.url);

  async function dossierIn(state) {
    const d = await readyBirthDraft(citizen);
    let r = await citizen.post(`/api/v1/dossiers/${d.id}/submit`, {});
    assert.equal(r.status, 200, r.text);
    let at = 'submitted';
    for (const action of PATHS[state]) {
      r = await admin.post(`/api/v1/staff/dossiers/${d.id}/actions/${action}`, body(find(at, action)));
      assert.equal(r.status, 200, `${action} from ${at}: ${r.text}`);
      at = r.json.state;
    }
    assert.equal(at, state);
    return d.id;
  }

  let checked = 0;
  for (const s of STEPS) {
    if (s.who === 'system') continue; // taken by the payment confirmation (payment.test.mjs)
    for (const who of [...ROLES, 'owner']) {
      const id = await dossierIn(s.from);
      const client = who === 'owner' ? citizen : officers[who];
      const url = who === 'owner' ? `/api/v1/dossiers/${id}/actions/${s.action}` : `/api/v1/staff/dossiers/${id}/actions/${s.action}`;
      const payload = who === 'owner' && s.action === 'withdraw' ? { reason: 'Nộp nhầm' } : body(s);
      const allowed = s.who === 'owner' ? who === 'owner' : s.who.includes(who);
      const label = `${s.from} --${s.action}--> ${s.to} by ${who}`;
      if (who === 'owner' && s.who !== 'owner') {
        // Citizens have no route for officers' steps at all.
        await expectRefused(srv, () => client.post(url, payload), { status: 404, code: 'unknown_action', what: label });
      } else if (allowed) {
        const r = await client.post(url, payload);
        assert.equal(r.status, 200, `${label}: ${r.text}`);
        assert.equal(r.json.state, s.to === '@resume' ? 'submitted' : s.to, label);
      } else if (who !== 'owner' && !PERMISSIONS[who].includes('dossier.read')) {
        await expectRefused(srv, () => client.post(url, payload), { status: 404, code: 'not_found', what: label });
      } else if (s.who === 'owner') {
        await expectRefused(srv, () => client.post(url, payload), { status: 409, code: 'action_not_allowed', what: label });
      } else {
        await expectRefused(srv, () => client.post(url, payload), { status: 403, code: 'forbidden', what: label });
      }
      checked++;
    }
  }
  assert.equal(checked, STEPS.filter((s) => s.who !== 'system').length * (ROLES.length + 1));
});

test('the other permissions, through their routes: read, walk-in, apology, reports; the roles loaded are the matrix', async (t) => {
  const srv = await startServer(t);
  // The roles and permissions the server loaded from its data, against the matrix.
  const loaded = {};
  for (const row of sql(srv.dataDir, 'SELECT role, permission FROM role_permissions ORDER BY role, permission')) {
    (loaded[row.role] ||= []).push(row.permission);
  }
  const want = Object.fromEntries(Object.entries(PERMISSIONS).map(([r, p]) => [r, [...p].sort()]));
  assert.deepEqual(loaded, want, 'role_permissions as loaded from data/roles.json');

  const citizen = await newCitizen(srv.url);
  const holds = (role, perm) => PERMISSIONS[role].includes(perm);
  for (const role of ROLES) {
    const login = `perm.${role}`;
    const r0 = motcua(['user', 'add', '--data', srv.dataDir, '--kind', 'staff', '--login', login, '--name', `Cán bộ ${role}`,
      '--password', 'mat-khau-can-bo', '--role', role, '--unit', COMMUNE, '--no-totp']);
    assert.equal(r0.status, 0, r0.stderr);
    const c = new Client(srv.url);
    await c.login(login, 'mat-khau-can-bo');

    // A dossier of the commune, late by an hour (as time would make it).
    const d = await readyBirthDraft(citizen);
    let r = await citizen.post(`/api/v1/dossiers/${d.id}/submit`, {});
    assert.equal(r.status, 200, r.text);
    sql(srv.dataDir, `UPDATE dossiers SET due_at = ${Math.floor(Date.now() / 1000) - 3600} WHERE id = ${d.id}`);

    // dossier.read
    r = await c.get(`/api/v1/staff/dossiers/${d.id}`);
    if (holds(role, 'dossier.read')) assert.equal(r.status, 200, `${role} reads: ${r.text}`);
    else await expectRefused(srv, () => c.get(`/api/v1/staff/dossiers/${d.id}`), { status: 404, code: 'not_found', what: `${role} reads` });

    // dossier.walkin
    const walkin = () => c.post('/api/v1/staff/dossiers', {
      procedure_code: '1.001193.000.00.00.H56', unit_code: COMMUNE, channel: 'desk',
      applicant: { name: 'Hoàng Thị Lan', phone: '0903123456', address: 'Thôn 3' },
    });
    if (holds(role, 'dossier.walkin')) {
      r = await walkin();
      assert.equal(r.status, 201, `${role} registers a walk-in: ${r.text}`);
    } else {
      await expectRefused(srv, walkin, { status: 404, code: 'unknown_unit', field: 'unit_code', what: `${role} registers a walk-in` });
    }

    // dossier.apologize
    const apology = () => c.post(`/api/v1/staff/dossiers/${d.id}/apology`, {
      new_due_at: new Date(Date.now() + 7 * 3600e3 + 5 * 86400e3).toISOString().slice(0, 10) + 'T16:00', reason: 'Chờ xác minh',
    });
    if (holds(role, 'dossier.apologize')) {
      r = await apology();
      assert.equal(r.status, 201, `${role} writes an apology: ${r.text}`);
    } else if (!holds(role, 'dossier.read')) {
      await expectRefused(srv, apology, { status: 404, code: 'not_found', what: `${role} writes an apology` });
    } else {
      await expectRefused(srv, apology, { status: 403, code: 'forbidden', what: `${role} writes an apology` });
    }

    // report.read
    const report = () => c.get(`/api/v1/reports/summary?unit=${COMMUNE}&from=2026-01-01&to=2026-03-31`);
    if (holds(role, 'report.read')) {
      r = await report();
      assert.equal(r.status, 200, `${role} reads the report: ${r.text}`);
    } else {
      await expectRefused(srv, report, { status: 404, code: 'not_found', field: 'unit', what: `${role} reads the report` });
    }
  }
});
