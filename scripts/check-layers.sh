#!/usr/bin/env bash
# check-layers: the include graph of src/ must follow the layer order below.
#
# A module is a folder under src/ (src/dossier/ is "dossier"); the files at
# the top of src/ are modules of their own: app (app.c, app.h: the shared
# server state and the wiring of the dossier-change listeners) and main.
# Every `#include "..."` in src/ is an edge from the including file's module
# to the included file's module. The check fails on:
#   - an include that names no file under src/;
#   - a cycle between files, or between modules;
#   - an upward or sideways include: a module may include its own files and
#     modules of lower layers only (modules on one line are peers and do not
#     include each other).
#
# Usage: scripts/check-layers.sh [--print]
#   --print  also prints the module graph, one "a -> b (n includes)" a line.
# Exits 0 when the tree follows the rules, 1 otherwise (reasons on stderr).
# Needs bash and awk only.
set -euo pipefail
cd "$(dirname "$0")/.."

# Lowest first. A new module gets a line here (the check names any module
# missing from the list).
LAYERS=(
  "base"                   # UTF-8, CSV, logging, pool, assets, dynbuf, jsonload
  "store"                  # the database interface, SQLite, migrations, writer
  "search"                 # full-text search: the index, queries, PDF text
  "calendar audit render"  # working time; the audit chain; PDF layout, QR
  "sign"                   # keys and certificates, PDF signatures, timestamps
  "exchange"               # edXML envelopes between units: parse, build, sign, verify
  "auth"                   # accounts, sessions, TOTP, passwords, permissions
  "catalog"                # units, procedures, e-forms
  "dossier"                # drafts, submission, files, the change hub, lookups
  "workflow"               # the state machine as data
  "issued"                 # signed documents the platform issues, their public ids
  "copies"                 # certified copies: the register, issuing, reuse by code
  "notify report feedback" # listeners and areas built on dossiers
  "payment"                # fees: uses the workflow and the report counters
  "document"               # official documents: types, registers, numbering, the flow
  "node"                   # this server as a node: sending and receiving documents
  "app"                    # shared state; registers the listeners
  "http"                   # the HTTP layer and handlers
  "cli"                    # subcommands
  "main"
)

print=0
case "${1:-}" in
  --print) print=1 ;;
  "") ;;
  *) echo "usage: $0 [--print]" >&2; exit 2 ;;
esac

layers=""
for i in "${!LAYERS[@]}"; do
  for m in ${LAYERS[$i]}; do layers+="$m $i"$'\n'; done
done

# One line per include: the including file, the included path (both
# relative to src/), and whether the included file exists.
edges=$(find src -type f \( -name '*.c' -o -name '*.h' \) | sort | while read -r f; do
  rel=${f#src/}
  sed -n 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1/p' "$f" |
    while read -r inc; do
      if [[ -f src/$inc ]]; then echo "$rel $inc 1"; else echo "$rel $inc 0"; fi
    done
done)

awk -v print_graph="$print" -v layers="$layers" '
function module(path,    parts, n, base) {
  n = split(path, parts, "/")
  if (n > 1) return parts[1]
  base = parts[1]
  sub(/\.[ch]$/, "", base)
  return base
}
# Depth-first search for a cycle; marks 1 = on the path, 2 = done.
function visit(node, adj, mark, stack, depth,    i, n, next_nodes, nxt, k, cycle) {
  mark[node] = 1
  stack[depth] = node
  n = split(adj[node], next_nodes, " ")
  for (i = 1; i <= n; i++) {
    nxt = next_nodes[i]
    if (nxt == "") continue
    if (mark[nxt] == 1) {
      cycle = nxt
      for (k = depth; k >= 1 && stack[k] != nxt; k--) cycle = stack[k] " -> " cycle
      cycle = nxt " -> " cycle
      return cycle
    }
    if (mark[nxt] == 0) {
      cycle = visit(nxt, adj, mark, stack, depth + 1)
      if (cycle != "") return cycle
    }
  }
  mark[node] = 2
  return ""
}
BEGIN {
  nl = split(layers, lines, "\n")
  for (i = 1; i <= nl; i++) {
    if (lines[i] == "") continue
    split(lines[i], kv, " ")
    rank[kv[1]] = kv[2]
  }
}
{
  from = $1; to = $2; found = $3
  if (!(from in files)) { files[from] = 1; nfiles++ }
  if (!found) { printf "check-layers: %s includes \"%s\", which is not under src/\n", from, to > "/dev/stderr"; bad = 1; next }
  if (!(to in files)) { files[to] = 1; nfiles++ }
  if (!((from, to) in fedge)) { fedge[from, to] = 1; fadj[from] = fadj[from] " " to }
  a = module(from); b = module(to)
  if (!(a in mods)) { mods[a] = 1; nmods++ }
  if (!(b in mods)) { mods[b] = 1; nmods++ }
  if (a == b) next
  if (!((a, b) in medge)) { order[++nedges] = a SUBSEP b; madj[a] = madj[a] " " b }
  medge[a, b]++
  example[a, b] = from " includes " to
}
END {
  for (m in mods)
    if (!(m in rank)) { printf "check-layers: module %s is not in the layer list of scripts/check-layers.sh\n", m > "/dev/stderr"; bad = 1 }
  for (e = 1; e <= nedges; e++) {
    split(order[e], ab, SUBSEP); a = ab[1]; b = ab[2]
    if ((a in rank) && (b in rank) && rank[b] >= rank[a]) {
      printf "check-layers: %s -> %s goes %s (%s)\n", a, b, rank[b] == rank[a] ? "sideways" : "up", example[a, b] > "/dev/stderr"
      bad = 1
    }
  }
  for (f in files) fmark[f] = 0
  for (f in files) if (fmark[f] == 0) {
    c = visit(f, fadj, fmark, fstack, 1)
    if (c != "") { printf "check-layers: include cycle between files: %s\n", c > "/dev/stderr"; bad = 1; break }
  }
  for (m in mods) mmark[m] = 0
  for (m in mods) if (mmark[m] == 0) {
    c = visit(m, madj, mmark, mstack, 1)
    if (c != "") { printf "check-layers: cycle between modules: %s\n", c > "/dev/stderr"; bad = 1; break }
  }
  if (print_graph) {
    # Highest layer first, then by name: the graph reads top-down.
    n = 0
    for (e = 1; e <= nedges; e++) {
      split(order[e], ab, SUBSEP)
      keys[++n] = sprintf("%02d %-10s %02d %s", 99 - rank[ab[1]], ab[1], 99 - rank[ab[2]], ab[2])
      line[keys[n]] = sprintf("%s -> %s (%d include%s)", ab[1], ab[2], medge[ab[1], ab[2]], medge[ab[1], ab[2]] == 1 ? "" : "s")
    }
    for (i = 2; i <= n; i++) { k = keys[i]; for (j = i - 1; j >= 1 && keys[j] > k; j--) keys[j + 1] = keys[j]; keys[j + 1] = k }
    for (i = 1; i <= n; i++) print line[keys[i]]
  }
  if (bad) exit 1
  if (!print_graph) printf "check-layers: %d files, %d modules, %d module edges: no cycle, nothing upward\n", nfiles, nmods, nedges
}
' <<< "$edges"
