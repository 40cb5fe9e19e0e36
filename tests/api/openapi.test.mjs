// docs/openapi.yaml must describe exactly the routes the server has: the set of
// "METHOD /path" under `paths:` equals the output of `motcua routes` (path parameters are
// written {name} in both). A minimal line-based reader, no YAML package. The test fails
// (it does not skip) while docs/openapi.yaml is missing.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { ROOT, motcua } from './lib/server.mjs';

const SPEC = path.join(ROOT, 'docs/openapi.yaml');
const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch', 'head', 'options', 'trace']);

/**
 * Reads the keys under the top-level `paths:` mapping and, under each path, the HTTP
 * method keys. Returns ["GET /api/v1/x", ...]. Block-style YAML only (what OpenAPI files
 * use); comments and blank lines are ignored; keys may be quoted.
 */
function openapiOperations(text) {
  const lines = text.split(/\r?\n/);
  const indentOf = (l) => l.length - l.trimStart().length;
  const isContent = (l) => l.trim() !== '' && !l.trimStart().startsWith('#');
  const keyOf = (l) => {
    const m = /^\s*(?:'([^']*)'|"([^"]*)"|([^\s'"#][^:#]*?))\s*:(\s.*)?$/.exec(l);
    return m ? (m[1] ?? m[2] ?? m[3]) : null;
  };
  const start = lines.findIndex((l) => /^paths:\s*(#.*)?$/.test(l));
  assert.ok(start >= 0, 'no top-level "paths:" in the OpenAPI document');
  const ops = [];
  let pathIndent = -1;
  let methodIndent = -1;
  let current = null;
  for (const l of lines.slice(start + 1)) {
    if (!isContent(l)) continue;
    const ind = indentOf(l);
    if (ind === 0) break; // the next top-level key
    if (pathIndent < 0) pathIndent = ind;
    if (ind === pathIndent) {
      const k = keyOf(l);
      assert.ok(k && k.startsWith('/'), `a key under paths: must be a path, got ${JSON.stringify(l)}`);
      current = k;
      methodIndent = -1;
      continue;
    }
    if (ind < pathIndent) throw new Error(`bad indentation under paths: ${JSON.stringify(l)}`);
    if (methodIndent < 0) methodIndent = ind;
    if (ind === methodIndent) {
      const k = keyOf(l);
      if (k && METHODS.has(k.toLowerCase())) ops.push(`${k.toUpperCase()} ${current}`);
    }
  }
  return ops;
}

test('the OpenAPI reader reads paths and methods (self-check on a sample)', () => {
  const sample = [
    'openapi: 3.1.0',
    'info:',
    '  title: x',
    'paths:',
    '  # comment',
    '  /a:',
    '    summary: A',
    '    parameters: []',
    '    get:',
    '      responses:',
    "        '200':",
    '          description: ok',
    '          post: not-a-method-at-this-depth',
    '    post:',
    '      responses: {}',
    '',
    "  '/b/{id}':",
    '    delete: {responses: {}}',
    '  "/c":',
    '    put:',
    '      x: 1',
    'components:',
    '  schemas:',
    '    /not-a-path: {}',
  ].join('\n');
  assert.deepEqual(openapiOperations(sample), ['GET /a', 'POST /a', 'DELETE /b/{id}', 'PUT /c']);
});

test('docs/openapi.yaml describes exactly the routes of `motcua routes`', () => {
  assert.ok(fs.existsSync(SPEC), 'docs/openapi.yaml is missing: the API must be described in OpenAPI');
  const text = fs.readFileSync(SPEC, 'utf8');
  assert.match(text, /^openapi: ["']?3\.\d+\.\d+["']?\s*$/m, 'an OpenAPI 3.x document');
  const documented = openapiOperations(text);
  assert.equal(new Set(documented).size, documented.length, `an operation is listed twice: ${documented.join(', ')}`);

  const r = motcua(['routes']);
  assert.equal(r.status, 0, r.stderr);
  const routes = r.stdout.trim().split('\n').filter(Boolean);
  assert.ok(routes.length >= 20, `motcua routes printed ${routes.length} routes`);
  for (const l of routes) assert.match(l, /^(GET|POST|PUT|DELETE|PATCH) \/\S*$/, `route line: ${l}`);

  const missing = routes.filter((x) => !documented.includes(x));
  const extra = documented.filter((x) => !routes.includes(x));
  assert.deepEqual({ missing, extra }, { missing: [], extra: [] },
    'docs/openapi.yaml and `motcua routes` differ (missing: routes not documented; extra: documented but not served)');
});
