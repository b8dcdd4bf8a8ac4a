#!/usr/bin/env bash
# `make check`: build, start a throwaway PostgreSQL, run unit and integration
# tests, then rebuild under ASan+UBSan and run them again.  The cluster is
# stopped and removed on every exit path.
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
jobs=$(nproc 2>/dev/null || echo 2)
export ITRACE_SHARED=${ITRACE_SHARED:-$top/../shared}
export LC_ALL=C.UTF-8

pgdir=$(mktemp -d /tmp/itrace-pg.XXXXXX)
cleanup() { tests/lib/pg.sh stop "$pgdir"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

tests/lib/pg.sh start "$pgdir" || { echo "check: cannot start PostgreSQL" >&2; exit 1; }
export ITRACE_TEST_PGHOST="$pgdir/sock"
export ITRACE_TEST_PGUSER=$(tests/lib/pg.sh user "$pgdir")
export ITRACE_TEST_PGCTL="$top/tests/lib/pg.sh restart $pgdir"

failed=0
run_suite() { # BUILD-DIR LABEL
  local b=$1 label=$2 t n=0 bad=0
  export ITRACE_BIN="$top/$b/bin"
  for t in "$b"/tests/unit/test_* "$b"/tests/integ/test_*; do
    [ -x "$t" ] || continue
    n=$((n + 1))
    if ! "$t" >"$t.log" 2>&1; then
      bad=$((bad + 1)); echo "FAIL [$label] $t  (log follows)"; tail -n 60 "$t.log"
    else
      echo "ok   [$label] $t ($(grep -c '\[       OK \]' "$t.log") cases)"
    fi
  done
  echo "== $label: $n test programs, $bad failed"
  [ "$bad" = 0 ] || failed=1
}

make --no-print-directory -j"$jobs" tests >/dev/null || { echo "check: build failed" >&2; make -j1 tests 2>&1 | tail -40; exit 1; }
run_suite build plain

make --no-print-directory -j"$jobs" BUILD=build/asan SANITIZE=1 OPT="-O1 -g" tests >/dev/null ||
  { echo "check: sanitizer build failed" >&2; exit 1; }
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
run_suite build/asan asan+ubsan

if command -v valgrind >/dev/null; then
  vbad=0
  for t in build/tests/unit/test_*; do
    [ -x "$t" ] || continue
    if ! ITRACE_PCRE2_JIT=0 valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite "$t" >"$t.vg.log" 2>&1; then
      vbad=$((vbad + 1)); echo "FAIL [valgrind] $t"; tail -n 40 "$t.vg.log"
    fi
  done
  echo "== valgrind (unit tests): $vbad failed"
  [ "$vbad" = 0 ] || failed=1
fi
# Static analysis with the checked-in configuration (.cppcheck, .clang-tidy).
if tests/lib/lint.sh >build/lint.log 2>&1; then
  echo "== lint (cppcheck, clang-tidy): clean"
else
  echo "FAIL [lint]"; tail -n 40 build/lint.log; failed=1
fi

# Man pages: groff -ww must be silent on each (issue 5).
mbad=0
for m in *.1 src/*/*.1; do
  [ -f "$m" ] || continue
  out=$(groff -ww -man -z "$m" 2>&1)
  if [ -n "$out" ]; then mbad=$((mbad + 1)); echo "FAIL [man] $m"; echo "$out"; fi
done
echo "== man pages: $mbad with groff warnings"
[ "$mbad" = 0 ] || failed=1

[ "$failed" = 0 ] && echo "check: all passed" || echo "check: FAILED"
exit "$failed"
