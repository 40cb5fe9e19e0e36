// The state machine, from the data: every transition of data/workflows.json, taken by every
// role of data/roles.json (allowed exactly when the role holds the transition's permission)
// and by the dossier's owner (allowed exactly for owner steps). A refused step changes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  ROOT, COMMUNE, PROVINCE, Client, startServer, newCitizen, readyBirthDraft, motcua, expectRefused,
} from './lib/server.mjs';

const workflow = JSON.parse(fs.readFileSync(path.join(ROOT, 'data/workflows.json'), 'utf8')).workflows.find((w) => w.name === 'default');
const roles = JSON.parse(fs.readFileSync(path.join(ROOT, 'data/roles.json'), 'utf8')).roles;
const JUSTICE = '000.00.03.H56'; // a department under the province, for "forward"

// How to bring a fresh dossier into each state, with officers who may take every step.
const PATHS = {
  submitted: [],
  received: ['accept'],
  processing: ['accept', 'assign'],
  awaiting_approval: ['accept', 'assign', 'propose'],
  supplement: ['request_supplement'],
  payment: ['accept', 'assign', 'request_payment'],
  done: ['accept', 'assign', 'propose', 'approve'],
};

test('every transition, allowed and refused, for every role and for the owner', async (t) => {
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
  for (const r of roles) officers[r.name] = await login(`sm.${r.name}`, r.name, r.name === 'province_admin' ? PROVINCE : COMMUNE);
  const admin = officers.province_admin;
  const body = (tr) => ({
    ...(tr.needs_note ? { note: 'Lý do thử nghiệm' } : {}),
    ...(tr.param === 'assignee' ? { assignee: 'sm.specialist' } : {}),
    ...(tr.param === 'unit' ? { unit: JUSTICE } : {}),
  });
  const find = (from, action) => workflow.transitions.find((x) => x.from === from && x.action === action);
  const citizen = await newCitizen(srv.url);

  async function dossierIn(state) {
    const d = await readyBirthDraft(citizen);
    let r = await citizen.post(`/api/v1/dossiers/${d.id}/submit`, {});
    assert.equal(r.status, 200, r.text);
    let at = 'submitted';
    for (const action of PATHS[state]) {
      const tr = find(at, action);
      r = await admin.post(`/api/v1/staff/dossiers/${d.id}/actions/${action}`, body(tr));
      assert.equal(r.status, 200, `${action} from ${at}: ${r.text}`);
      at = r.json.state;
    }
    assert.equal(at, state);
    return d.id;
  }

  let checked = 0;
  for (const tr of workflow.transitions) {
    if (!PATHS[tr.from]) continue; // system steps from states reached only by the system
    const actors = tr.actor === 'system' ? [] : [...roles.map((r) => r.name), 'owner'];
    for (const who of actors) {
      const id = await dossierIn(tr.from);
      const client = who === 'owner' ? citizen : officers[who];
      const url = who === 'owner' ? `/api/v1/dossiers/${id}/actions/${tr.action}` : `/api/v1/staff/dossiers/${id}/actions/${tr.action}`;
      const payload = who === 'owner' && tr.action === 'withdraw' ? { reason: 'Nộp nhầm' } : body(tr);
      const role = roles.find((r) => r.name === who);
      const allowed = tr.actor === 'owner' ? who === 'owner' : role && role.permissions.includes(tr.permission);
      const label = `${tr.from} --${tr.action}--> ${tr.to} by ${who}`;
      if (who === 'owner' && !['withdraw', 'supply'].includes(tr.action)) {
        // Citizens have no route for officers' steps at all.
        await expectRefused(srv, () => client.post(url, payload), { status: 404, code: 'unknown_action', what: label });
      } else if (allowed) {
        const r = await client.post(url, payload);
        assert.equal(r.status, 200, `${label}: ${r.text}`);
        const want = tr.to === '@resume' ? 'submitted' : tr.to;
        assert.equal(r.json.state, want, label);
      } else if (tr.actor === 'owner') {
        await expectRefused(srv, () => client.post(url, payload), { status: 409, code: 'action_not_allowed', what: label });
      } else {
        await expectRefused(srv, () => client.post(url, payload), { status: 403, code: 'forbidden', what: label });
      }
      checked++;
    }
  }
  // Every staff and owner transition reachable here was checked for all six actors.
  const reachable = workflow.transitions.filter((tr) => PATHS[tr.from] && tr.actor !== 'system').length;
  assert.equal(checked, reachable * (roles.length + 1));
});
