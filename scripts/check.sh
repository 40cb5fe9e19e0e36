#!/usr/bin/env bash
# `make check`: installs what the tests need, builds motcua twice (normal
# with -Werror, and ASan+UBSan), and runs every test: unit tests on both
# builds, API tests on both builds, the browser test, and short fuzz runs.
# Closes with "N passed, N failed"; exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=()
log_dir=build/test-logs
fuzz_seconds=${MOTCUA_FUZZ_SECONDS:-20}

step() { printf '\n=== %s\n' "$*"; }
record() { # name, passed, failed
  passed=$((passed + $2)); failed=$((failed + $3))
  if [[ $3 -gt 0 ]]; then failures+=("$1 ($3 failed)"); fi
}

step "dependencies"
scripts/install-deps.sh test || { echo "cannot install test dependencies"; exit 1; }
if [[ -f package-lock.json ]]; then
  npm ci --no-audit --no-fund --loglevel=error || { echo "npm ci failed"; exit 1; }
fi

step "build (warnings are errors)"
make -j2 WERROR=1 all unit-tests || { echo "build failed"; exit 1; }
step "build with AddressSanitizer + UndefinedBehaviorSanitizer"
make -j2 WERROR=1 SAN=1 BUILD=build/asan all unit-tests || { echo "sanitizer build failed"; exit 1; }
mkdir -p "$log_dir"

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0

# Unit tests print "N passed, N failed" as their last line.
run_unit() { # binary
  local bin=$1 name out
  name=$(basename "$(dirname "$(dirname "$bin")")")/$(basename "$bin")
  out=$("$bin" 2>&1); local rc=$?
  printf '%s\n' "$out" > "$log_dir/${name//\//_}.log"
  local line; line=$(printf '%s\n' "$out" | grep -E '^[0-9]+ passed, [0-9]+ failed' | tail -n 1)
  if [[ -z $line ]]; then
    printf '%s\n' "$out" | tail -n 20
    echo "FAIL $bin: no summary line (exit $rc)"; record "$bin" 0 1; return
  fi
  local p f; p=${line%% passed*}; f=${line#*, }; f=${f%% failed*}
  if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; fi   # e.g. a sanitizer report after the summary
  [[ $f -gt 0 ]] && printf '%s\n' "$out" | grep -v '^ok ' | tail -n 40
  printf '%-50s %s\n' "$bin" "$line"
  record "$bin" "$p" "$f"
}

step "layers"
if scripts/check-layers.sh; then record "layers" 1 0; else record "layers" 0 1; fi

step "unit tests"
for b in build/tests/test_* build/asan/tests/test_*; do
  [[ -x $b ]] && run_unit "$b"
done

# node's test runner with the TAP reporter ends with "# pass N" / "# fail N".
run_node() { # label, env..., -- files...
  local label=$1; shift
  local out; out=$(env "$@" 2>&1); local rc=$?
  printf '%s\n' "$out" > "$log_dir/${label//[^a-z0-9]/_}.log"
  local p f
  p=$(printf '%s\n' "$out" | sed -n 's/^# pass \([0-9]*\)$/\1/p' | tail -n 1)
  f=$(printf '%s\n' "$out" | sed -n 's/^# fail \([0-9]*\)$/\1/p' | tail -n 1)
  p=${p:-0}; f=${f:-0}
  if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; fi
  if [[ $p -eq 0 && $f -eq 0 ]]; then f=1; echo "$label ran no test"; fi
  [[ $f -gt 0 ]] && printf '%s\n' "$out" | grep -E -B2 -A25 '^not ok' | head -n 150
  printf '%-50s %s passed, %s failed\n' "$label" "$p" "$f"
  record "$label" "$p" "$f"
}

step "API tests (normal build)"
run_node "api tests" MOTCUA_BIN=build/motcua node --test --test-reporter=tap tests/api/
step "API tests (sanitizer build)"
run_node "api tests (asan)" MOTCUA_BIN=build/asan/motcua node --test --test-reporter=tap tests/api/

step "browser test (Chromium)"
run_node "e2e tests" MOTCUA_BIN=build/motcua node --test --test-reporter=tap tests/e2e/

step "fuzzing (${fuzz_seconds}s per target)"
for src in tests/fuzz/fuzz_*.c; do
  [[ -f $src ]] || continue
  name=$(basename "$src" .c)
  if ! make -s -f tests/fuzz/Makefile "build/fuzz/$name" >"$log_dir/$name.build.log" 2>&1; then
    cat "$log_dir/$name.build.log"; echo "FAIL $name: does not build"; record "$name" 0 1; continue
  fi
  mkdir -p "build/fuzz/corpus-$name"
  seeds=tests/fuzz/corpus/$name
  if "build/fuzz/$name" -max_total_time="$fuzz_seconds" -max_len=8192 \
       "build/fuzz/corpus-$name" $( [[ -d $seeds ]] && echo "$seeds" ) \
       >"$log_dir/$name.log" 2>&1; then
    printf '%-50s %s\n' "$name" "$(grep -Eo 'Done [0-9]+ runs' "$log_dir/$name.log" | tail -n 1)"
    record "$name" 1 0
  else
    tail -n 30 "$log_dir/$name.log"; echo "FAIL $name"; record "$name" 0 1
  fi
done

echo
if [[ ${#failures[@]} -gt 0 ]]; then
  echo "Failed:"; printf '  %s\n' "${failures[@]}"
fi
echo "Logs: $log_dir/"
echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
