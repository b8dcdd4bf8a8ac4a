#!/usr/bin/env bash
# tests/lib/lint.sh - `make lint`: static analysis of src/ with the
# checked-in configuration; fails on any finding.
#   cppcheck    --enable=warning,portability,performance, suppressions in
#               .cppcheck (each justified there)
#   clang-tidy  the checks of .clang-tidy (bugprone, cert, the clang static
#               analyzer), per-file exceptions below (each justified)
#   rand()      only in src/sim and src/demo (simulated jitter)
# Both get the build's flags (-std=c17 -D_GNU_SOURCE -Isrc, pkg-config).
# Arguments: files to lint instead of every src/**/*.c. LINT_JOBS sets the
# parallelism (default: number of CPUs). Exit status:
# 0 clean, 1 findings, 2 a tool is missing.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
jobs=${LINT_JOBS:-$(nproc 2>/dev/null || echo 2)}
t0=$(date +%s)

tidy=""
for c in clang-tidy clang-tidy-14 clang-tidy-15 clang-tidy-16; do
  command -v "$c" >/dev/null 2>&1 && { tidy=$c; break; }
done
if ! command -v cppcheck >/dev/null 2>&1 || [ -z "$tidy" ]; then
  want="cppcheck clang-tidy-14"
  if [ "$(id -u)" = 0 ]; then sudo=""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"
  else echo "lint: cppcheck and clang-tidy are needed: apt-get install $want" >&2; exit 2
  fi
  echo "lint: installing $want" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $want >/dev/null 2>&1 ||
    { echo "lint: cannot install $want" >&2; exit 2; }
  [ -n "$tidy" ] || tidy=clang-tidy-14
fi

pkgs="ncursesw libcurl jansson libpq libpcre2-8 libmicrohttpd"
pk=$(pkg-config --cflags $pkgs 2>/dev/null) || { echo "lint: pkg-config $pkgs failed (make deps)" >&2; exit 2; }
defs="-D_GNU_SOURCE -DITRACE_DATADIR=\"/usr/local/share/itrace-tui\" -Isrc"
files=${*:-$(find src -name '*.c' | sort)}
work=$(mktemp -d /tmp/itrace-lint.XXXXXX)
trap 'rm -rf "$work"' EXIT
found=0

# ---- cppcheck ---------------------------------------------------------------------
# System headers are left out on purpose (cppcheck's advice): their macros
# only confuse it. --std=c11 is the newest C it knows.
# shellcheck disable=SC2086
cppcheck -q --std=c11 --enable=warning,portability,performance --inline-suppr \
  --library=posix --suppressions-list=.cppcheck -D_GNU_SOURCE \
  -DITRACE_DATADIR='"/usr/local/share/itrace-tui"' -Isrc -j "$jobs" \
  --template='{file}:{line}:{column}: {severity}: {message} [{id}]' $files \
  >"$work/cppcheck.out" 2>&1
cpp_rc=$?
n_cpp=$(grep -cE '^src/.*: (error|warning|portability|performance|style)' "$work/cppcheck.out")
if [ "$n_cpp" -gt 0 ]; then
  echo "== cppcheck: $n_cpp findings"
  grep -E '^src/' "$work/cppcheck.out"
  found=1
fi
if [ "$cpp_rc" != 0 ]; then      # it did not run (bad option or suppression)
  echo "== cppcheck failed (exit $cpp_rc):"
  head -20 "$work/cppcheck.out"
  n_cpp="failed"
  found=1
fi

# ---- clang-tidy -------------------------------------------------------------------
# Per-file exceptions: CHECK FILE  reason. A check named here is silenced
# only in that file.
exceptions="
bugprone-misplaced-widening-cast src/tui/timeline.c  (long long)(int64_t expression) on LP64: the cast widens nothing, so nothing overflows before it
clang-analyzer-core.CallAndMessage src/cmdd/admin.c  tenants[0..nt) are set by tenant_id() on every path that goes on; the analyzer loses the loop count
clang-analyzer-core.NonNullParamChecker src/tui/report_cmd.c  argv[i] for i < argc is never NULL
clang-analyzer-core.NonNullParamChecker src/tui/report_monthly.c  argv[i] for i < argc is never NULL
clang-analyzer-security.insecureAPI.strcpy src/cmdd/admin.c  array literals into buffers sized from their parts beforehand
clang-analyzer-security.insecureAPI.strcpy src/cmdd/jv.c  the choices message: strcat of fixed short words into msg[256], then a bounded strncat
clang-analyzer-security.insecureAPI.strcpy src/cmdd/routes_reports.c  at most MAX_ALERTS ids of 21 bytes into arr[MAX_ALERTS * 22 + 3]
clang-analyzer-core.UndefinedBinaryOperatorResult src/cmdd/routes_reports.c  next[i] is set for every alert once st == 0: rules_transition() answered RULES_OK for each
clang-analyzer-unix.Malloc src/cmdd/routes_endpoints.c  ep_open() frees e->before only on paths that return rs_err()'s status, never 0 (jv.c is out of the analyzer's sight)
clang-analyzer-core.NullDereference src/cmdd/http.c  cs->buf is NULL only while cs->len is 0 (parse_body's loop never runs then)
clang-analyzer-core.NullDereference src/core/logline.c  reserve() allocates whenever cap is 0, so c->buf is set after it succeeds
clang-analyzer-core.NullDereference src/tui/actions.c  a theme load with errors has r.errors set (cf_error counts only what it stored)
clang-analyzer-unix.Malloc src/tui/endpoints.c  rows move into p->v by struct copy and the local is refilled by ep_fill() before any free
clang-analyzer-unix.Malloc src/sim/run.c  the head of the live list has prev NULL, so unlink_rq() moves L.live on before free()
clang-analyzer-core.NonNullParamChecker src/demo/drive.c  argv[i] for i < argc is never NULL
"
export tidy work defs pk
# shellcheck disable=SC2016
printf '%s\n' $files | xargs -P "$jobs" -n 1 sh -c '
  out="$work/tidy.$(echo "$0" | tr / _)"
  $tidy -quiet --config-file=.clang-tidy "$0" -- -std=c17 $defs $pk >"$out.txt" 2>&1
  echo $? >"$out.rc"'
cat "$work"/tidy.*.txt 2>/dev/null | grep -E '^(/[^:]*/)?src/[^:]+:[0-9]+:[0-9]+: (warning|error):' |
  sed "s|^$top/||" | sort -u >"$work/tidy.all"
# A file clang-tidy could not even parse is a finding too.
for rc in "$work"/tidy.*.rc; do
  [ "$(cat "$rc")" = 0 ] && continue
  txt=${rc%.rc}.txt
  grep -qE ': (warning|error):' "$txt" ||
    echo "src/$(basename "${rc%.rc}" | sed 's/^tidy\.src_//; s|_|/|'):0:0: error: clang-tidy failed: $(head -c 200 "$txt" | tr '\n' ' ') [lint]" >>"$work/tidy.all"
done
: >"$work/tidy.kept"
while IFS= read -r line; do
  file=${line%%:*}
  check=$(printf '%s\n' "$line" | sed -n 's/.*\[\([^]]*\)\]$/\1/p')
  skip=0
  while read -r ec ef _; do
    [ -n "$ec" ] || continue
    [ "$ec" = "$check" ] && [ "$ef" = "$file" ] && skip=1
  done <<EOF
$exceptions
EOF
  [ "$skip" = 1 ] || printf '%s\n' "$line" >>"$work/tidy.kept"
done <"$work/tidy.all"
n_tidy=$(wc -l <"$work/tidy.kept")
if [ "$n_tidy" -gt 0 ]; then
  echo "== clang-tidy: $n_tidy findings"
  cat "$work/tidy.kept"
  found=1
fi

# ---- rand() ---------------------------------------------------------------------
bad_rand=$(grep -HnE '(^|[^a-z_])s?rand[[:space:]]*\(' $files | grep -vE '^src/(sim|demo)/' || true)
if [ -n "$bad_rand" ]; then
  echo "== rand() outside src/sim and src/demo (use getrandom()):"
  echo "$bad_rand"
  found=1
fi

nfiles=$(printf '%s\n' $files | wc -l)
echo "lint: $nfiles files, cppcheck $n_cpp, clang-tidy $n_tidy findings," \
  "$(( $(date +%s) - t0 )) s"
exit "$found"
