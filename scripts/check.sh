#!/usr/bin/env bash
# `make check`: installs what the tests need, builds motcua twice (normal
# with -Werror, and ASan+UBSan), and runs every test: unit tests on both
# builds, API tests on the sanitizer build, the browser tests on the normal
# build, and short fuzz runs.
# Every step has a time limit; a step that runs out of time is a failure
# named after the step. A skipped or todo test counts as a failure.
# Closes with "N passed, N failed"; exits non-zero if anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."

passed=0
failed=0
failures=()
log_dir=build/test-logs
fuzz_seconds=${MOTCUA_FUZZ_SECONDS:-20}

# Time limits (seconds) of the steps. Generous: a limit is there to turn a hang
# into a named failure, never to judge speed.
limit_deps=1800
limit_build=2400
limit_unit=600        # one unit test binary
limit_api_asan=4800   # the API suite on the sanitizer build
limit_e2e=2400
limit_fuzz_build=600  # one fuzz target
limit_fuzz=$((fuzz_seconds + 180))

# Each step says how long the one before it took, and the closing lines the
# whole: the suite's time is watched (it must stay well inside CI's limit).
step_started=
step() {
  [[ -n $step_started ]] && printf '(%ss)\n' "$((SECONDS - step_started))"
  printf '\n=== %s\n' "$*"
  step_started=$SECONDS
}
record() { # name, passed, failed
  passed=$((passed + $2)); failed=$((failed + $3))
  if [[ $3 -gt 0 ]]; then failures+=("$1 ($3 failed)"); fi
}

# limited SECONDS command...: runs the command (and everything it starts: timeout
# puts it in a process group of its own and signals the group) for at most SECONDS,
# then TERM, and KILL 30 s later. Exit status 124 or 137: it ran out of time.
limited() { local s=$1; shift; timeout --kill-after=30 "$s" "$@"; }
timed_out() { [[ $1 -eq 124 || $1 -eq 137 ]]; }
# A failure of the step itself (timeout, build error): counted once, named.
step_failed() { # name, why
  echo "FAIL $1: $2"; record "$1" 0 1
}

# The closing lines; exit status 0 only if nothing failed.
finish() {
  echo
  if [[ ${#failures[@]} -gt 0 ]]; then
    echo "Failed:"; printf '  %s\n' "${failures[@]}"
  fi
  echo "Logs: $log_dir/"
  echo "Time: $((SECONDS / 60)) min $((SECONDS % 60)) s"
  echo "$passed passed, $failed failed"
  [[ $failed -eq 0 ]]
  exit
}
mkdir -p "$log_dir"

# run_fatal NAME SECONDS command...: a step the others need; on failure or
# timeout it is recorded and the run ends with the closing lines.
run_fatal() {
  local name=$1 secs=$2; shift 2
  limited "$secs" "$@"; local rc=$?
  if timed_out $rc; then step_failed "$name" "timed out after ${secs}s"; finish; fi
  if [[ $rc -ne 0 ]]; then step_failed "$name" "exit status $rc"; finish; fi
}

step "dependencies"
run_fatal "dependencies" "$limit_deps" scripts/install-deps.sh test
if [[ -f package-lock.json ]]; then
  run_fatal "npm ci" "$limit_deps" npm ci --no-audit --no-fund --loglevel=error
fi

step "build (warnings are errors)"
run_fatal "build" "$limit_build" make -j2 WERROR=1 all unit-tests
step "build with AddressSanitizer + UndefinedBehaviorSanitizer"
run_fatal "sanitizer build" "$limit_build" make -j2 WERROR=1 SAN=1 BUILD=build/asan all unit-tests

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export LSAN_OPTIONS=suppressions=$PWD/tests/lsan.supp:print_suppressions=0

# Unit tests print "N passed, N failed" as their last line.
run_unit() { # binary
  local bin=$1 name out
  name=$(basename "$(dirname "$(dirname "$bin")")")/$(basename "$bin")
  out=$(limited "$limit_unit" "$bin" 2>&1); local rc=$?
  printf '%s\n' "$out" > "$log_dir/${name//\//_}.log"
  if timed_out $rc; then
    printf '%s\n' "$out" | tail -n 20; step_failed "$bin" "timed out after ${limit_unit}s"; return
  fi
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

# node's test runner with the TAP reporter ends with "# pass N" / "# fail N" and
# "# skipped N" / "# todo N"; a skipped or todo test is a test that did not run, so it
# counts as failed (and is named).
run_node() { # label, seconds, env..., -- files...
  local label=$1 secs=$2; shift 2
  local out; out=$(limited "$secs" env "$@" 2>&1); local rc=$?
  printf '%s\n' "$out" > "$log_dir/${label//[^a-z0-9]/_}.log"
  local p f s t
  p=$(printf '%s\n' "$out" | sed -n 's/^# pass \([0-9]*\)$/\1/p' | tail -n 1)
  f=$(printf '%s\n' "$out" | sed -n 's/^# fail \([0-9]*\)$/\1/p' | tail -n 1)
  s=$(printf '%s\n' "$out" | sed -n 's/^# skipped \([0-9]*\)$/\1/p' | tail -n 1)
  t=$(printf '%s\n' "$out" | sed -n 's/^# todo \([0-9]*\)$/\1/p' | tail -n 1)
  p=${p:-0}; f=${f:-0}; s=${s:-0}; t=${t:-0}
  if timed_out $rc; then
    printf '%s\n' "$out" | tail -n 40
    step_failed "$label" "timed out after ${secs}s"
    record "$label" "$p" "$f"
    return
  fi
  if [[ $((s + t)) -gt 0 ]]; then
    echo "$label: $s skipped, $t todo (counted as failed):"
    printf '%s\n' "$out" | grep -E '^ *(not )?ok [0-9]+ .*# (SKIP|TODO)' | sed 's/^ */  /'
    f=$((f + s + t))
  fi
  if [[ $rc -ne 0 && $f -eq 0 ]]; then f=1; fi
  if [[ $p -eq 0 && $f -eq 0 ]]; then f=1; echo "$label ran no test"; fi
  [[ $f -gt 0 ]] && printf '%s\n' "$out" | grep -E -B2 -A25 '^ *not ok' | head -n 150
  printf '%-50s %s passed, %s failed (%s skipped, %s todo)\n' "$label" "$p" "$f" "$s" "$t"
  record "$label" "$p" "$f"
}

# One pass of the API suite, on the sanitizer build: the same requests as on
# the normal build, with memory errors, undefined behaviour and leaks caught
# (the browser tests below run the normal build). Two files at a time: most
# of a file's time is spent waiting on its servers.
step "API tests (sanitizer build, two files at a time)"
run_node "api tests (asan)" "$limit_api_asan" MOTCUA_BIN=build/asan/motcua node --test --test-concurrency=2 --test-reporter=tap tests/api/

step "browser tests (Chromium)"
run_node "e2e tests" "$limit_e2e" MOTCUA_BIN=build/motcua node --test --test-reporter=tap tests/e2e/

# Each target starts from its committed seeds (tests/fuzz/corpus/<target>, read only)
# and its working corpus (build/fuzz/corpus-<target>, where new inputs go), with its
# dictionary; crash, leak and timeout inputs go to build/fuzz/crashes-<target>/.
step "fuzzing (${fuzz_seconds}s per target)"
for src in tests/fuzz/fuzz_*.c; do
  [[ -f $src ]] || continue
  name=$(basename "$src" .c)
  limited "$limit_fuzz_build" make -s -f tests/fuzz/Makefile "build/fuzz/$name" >"$log_dir/$name.build.log" 2>&1
  rc=$?
  if [[ $rc -ne 0 ]]; then
    cat "$log_dir/$name.build.log"
    if timed_out $rc; then step_failed "$name" "build timed out after ${limit_fuzz_build}s"
    else step_failed "$name" "does not build"; fi
    continue
  fi
  corpus=build/fuzz/corpus-$name
  crashes=build/fuzz/crashes-$name
  mkdir -p "$corpus" "$crashes"
  args=(-max_total_time="$fuzz_seconds" -max_len=8192 -timeout=30 -artifact_prefix="$crashes/")
  [[ -f tests/fuzz/$name.dict ]] && args+=(-dict="tests/fuzz/$name.dict")
  dirs=("$corpus")
  [[ -d tests/fuzz/corpus/$name ]] && dirs+=("tests/fuzz/corpus/$name")
  limited "$limit_fuzz" "build/fuzz/$name" "${args[@]}" "${dirs[@]}" >"$log_dir/$name.log" 2>&1
  rc=$?
  if [[ $rc -eq 0 ]]; then
    printf '%-50s %s\n' "$name" "$(grep -Eo 'Done [0-9]+ runs' "$log_dir/$name.log" | tail -n 1), corpus $(find "$corpus" -type f | wc -l) inputs"
    record "$name" 1 0
  else
    tail -n 30 "$log_dir/$name.log"
    if timed_out $rc; then
      step_failed "$name" "timed out after ${limit_fuzz}s"
    else
      # libFuzzer names the file it wrote: "Test unit written to <path>".
      unit=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log_dir/$name.log" | tail -n 1)
      step_failed "$name" "crash file: ${unit:-none written (exit status $rc; see $log_dir/$name.log)}"
      [[ -n $unit ]] && echo "  reproduce: build/fuzz/$name $unit"
    fi
  fi
done

finish
