#!/usr/bin/env bash
# tests/fuzz/run.sh - `make fuzz`: build the libFuzzer targets with clang
# (-fsanitize=fuzzer,address,undefined), seed them from the shared OTRF
# data, run each for a bounded time and print executions and crashes.
#
#   tests/fuzz/run.sh [TARGET...]     fuzz (default: every target)
#   tests/fuzz/run.sh --replay        build the targets with gcc and a plain
#                                     main() (replay.c) and replay the
#                                     regression inputs (no clang needed)
#
# Environment:
#   FUZZ_SECONDS  time per target (default 60)
#   FUZZ_JOBS     targets fuzzed at once (default: number of CPUs)
#   FUZZ_BUILD    build and work directory (default build/fuzz); the corpus
#                 grown by earlier runs is kept in FUZZ_BUILD/corpus
#   ITRACE_SHARED the shared folder (default ../shared); seeds are cut from
#                 its data/otrf files at every run, never copied into the repo
#
# A crash leaves its input in FUZZ_BUILD/crashes/TARGET/. Keep it as a
# regression test: copy it to tests/fuzz/regress/TARGET/ (replayed by
# tests/unit/test_fuzz_regress.c in `make check`), fix the bug, commit.
# Exit status: 0 no crash, 1 crashes found, 2 the build or setup failed.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
secs=${FUZZ_SECONDS:-60}
jobs=${FUZZ_JOBS:-$(nproc 2>/dev/null || echo 2)}
fb=${FUZZ_BUILD:-build/fuzz}
case "$fb" in /*) ;; *) fb="$top/$fb" ;; esac
shared=${ITRACE_SHARED:-$top/../shared}
otrf="$shared/data/otrf"
all_targets="fuzz_logline fuzz_config fuzz_api fuzz_sanitize fuzz_ptree"
pkgs="ncursesw libcurl jansson libpq libpcre2-8 libmicrohttpd"
pk_cflags=$(pkg-config --cflags $pkgs 2>/dev/null) || { echo "fuzz: pkg-config $pkgs failed (make deps)" >&2; exit 2; }
pk_libs=$(pkg-config --libs $pkgs)
defs="-D_GNU_SOURCE -DITRACE_DATADIR=\"/nonexistent\" -Isrc -Itests/fuzz"

# ---- replay mode: gcc, no libFuzzer ------------------------------------------
if [ "${1:-}" = "--replay" ]; then
  cc=${CC:-cc}
  mkdir -p "$fb/replay"
  make --no-print-directory -s BUILD="$fb/gcc" "$fb/gcc/libitrace.a" >/dev/null || exit 2
  bad=0
  for t in $all_targets; do
    $cc -std=c17 -O1 -g $defs $pk_cflags -fsanitize=address,undefined \
      "tests/fuzz/$t.c" tests/fuzz/replay.c "$fb/gcc/libitrace.a" $pk_libs -lm -lpthread \
      -o "$fb/replay/$t" || { echo "fuzz: cannot build replay $t" >&2; exit 2; }
    dir="tests/fuzz/regress/$t"
    if [ -d "$dir" ]; then
      printf '%-14s ' "$t"; "$fb/replay/$t" "$dir" || bad=1
    fi
  done
  exit "$bad"
fi

# ---- clang and its fuzzer runtime ---------------------------------------------
clang=${FUZZ_CC:-}
if [ -z "$clang" ]; then
  for c in clang-14 clang clang-15 clang-16; do
    command -v "$c" >/dev/null 2>&1 && { clang=$c; break; }
  done
fi
have_runtime() {
  [ -n "$clang" ] || return 1
  local d; d=$(mktemp -d)
  printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n);\nint LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$d/t.c"
  "$clang" -fsanitize=fuzzer,address,undefined "$d/t.c" -o "$d/t" >/dev/null 2>&1
  local rc=$?; rm -rf "$d"; return $rc
}
if ! have_runtime; then
  want="libclang-rt-14-dev"
  [ -n "$clang" ] || want="clang-14 libclang-rt-14-dev"
  if [ "$(id -u)" = 0 ]; then sudo=""
  elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then sudo="sudo -n"
  else
    echo "fuzz: clang with libFuzzer is needed: apt-get install $want" >&2; exit 2
  fi
  echo "fuzz: installing $want" >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $want >/dev/null 2>&1 ||
    { $sudo apt-get update -q >/dev/null; DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends $want >/dev/null; }
  [ -n "$clang" ] || clang=clang-14
  have_runtime || { echo "fuzz: $clang cannot link -fsanitize=fuzzer" >&2; exit 2; }
fi

# ---- build ----------------------------------------------------------------------
targets=${*:-$all_targets}
san="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
mkdir -p "$fb/bin"
cmdd_objs=""
for f in src/cmdd/*.c; do
  b=$(basename "$f" .c)
  case $b in main|http|jv|idem) continue ;; esac
  cmdd_objs="$cmdd_objs $fb/obj/src/cmdd/$b.o"
done
# The library (and the daemon's objects, for fuzz_api's handlers) built by
# the Makefile's own rules with clang and coverage instrumentation; clang's
# warnings differ from gcc's, so they are not errors here.
echo "fuzz: building with $clang into $fb"
if ! make --no-print-directory -s -j"$jobs" BUILD="$fb" CC="$clang" WARN="-w" OPT="-O1 -g" \
     CFLAGS="-fsanitize=fuzzer-no-link $san" "$fb/libitrace.a" >"$fb/build.log" 2>&1; then
  cat "$fb/build.log" >&2; echo "fuzz: library build failed" >&2; exit 2
fi
api_mode=handlers
make --no-print-directory -s -j"$jobs" BUILD="$fb" CC="$clang" WARN="-w" OPT="-O1 -g" \
  CFLAGS="-fsanitize=fuzzer-no-link $san" $cmdd_objs >>"$fb/build.log" 2>&1 || api_mode=pure
for t in $targets; do
  extra="" xdef=""
  if [ "$t" = fuzz_api ] && [ "$api_mode" = handlers ]; then
    extra=$cmdd_objs xdef=-DFUZZ_API_HANDLERS
  fi
  if ! $clang -std=c17 -O1 -g $defs $xdef $pk_cflags -fsanitize=fuzzer $san \
       "tests/fuzz/$t.c" $extra "$fb/libitrace.a" $pk_libs -lm -lpthread \
       -o "$fb/bin/$t" >>"$fb/build.log" 2>&1; then
    if [ -n "$xdef" ]; then      # the daemon's objects did not link: pure only
      api_mode=pure
      $clang -std=c17 -O1 -g $defs $pk_cflags -fsanitize=fuzzer $san "tests/fuzz/$t.c" \
        "$fb/libitrace.a" $pk_libs -lm -lpthread -o "$fb/bin/$t" >>"$fb/build.log" 2>&1 && continue
    fi
    tail -30 "$fb/build.log" >&2; echo "fuzz: cannot build $t" >&2; exit 2
  fi
done
case " $targets " in
*" fuzz_api "*)
  if [ "$api_mode" = pure ]; then
    echo "fuzz: note: fuzz_api without the route handlers (the daemon's objects did not build)"
  else
    echo "fuzz: fuzz_api with the route handlers (database unreachable)"
  fi ;;
esac

# ---- seeds (rebuilt every run from the shared data) ----------------------------
seeds="$fb/seeds"
rm -rf "$seeds"
mkdir -p "$seeds"
for t in $all_targets; do mkdir -p "$seeds/$t" "$fb/corpus/$t" "$fb/crashes/$t"; done
n_otrf=0
if [ -d "$otrf" ]; then
  for f in "$otrf"/*.json; do
    [ -f "$f" ] || continue
    n_otrf=$((n_otrf + 1))
    b=$(basename "$f" .json)
    # logline: a few lines of every event id (all layouts and channels).
    for id in 1 2 3 5 7 8 10 11 12 13 15 17 18 22 23 4624 4688 4663; do
      grep -m 3 -E "\"(EventID|event_id)\": ?\"?$id\"?[,}]" "$f" |
        awk -v p="$seeds/fuzz_logline/${b}_$id" '{ print > (p "_" NR); close(p "_" NR) }'
    done
    # ptree: windows of process, file, network, registry and DNS events.
    grep -E '"(EventID|event_id)": ?"?(1|3|5|7|11|13|22|4688)"?[,}]' "$f" | head -480 |
      awk -v p="$seeds/fuzz_ptree/$b" 'NR % 12 == 1 { if (o) close(o); o = p "_" NR } { print > o }'
    # sanitize: command lines as logged (still JSON-escaped) and whole lines.
    grep -o -E '"(CommandLine|command_line)": ?"[^"]{1,400}"' "$f" | sort -u | head -40 |
      awk -v p="$seeds/fuzz_sanitize/${b}_cmd" '{ print > (p NR); close(p NR) }'
    head -3 "$f" | awk -v p="$seeds/fuzz_sanitize/${b}_line" '{ print > (p NR); close(p NR) }'
    # api: a few lines as a POST /v1/agent/events body.
    { printf 'POST /v1/agent/events\nk-1\n\003'; grep -m 4 -E '"(EventID|event_id)": ?"?1"?[,}]' "$f"; } \
      >"$seeds/fuzz_api/events_$b"
  done
fi
[ "$n_otrf" -gt 0 ] || echo "fuzz: note: no OTRF files under $otrf; hand-made seeds only"

# Hand-made seeds: native lines, hostile text, config files, API requests.
nat='{"type":"event","kind":"process_start","time":"2024-05-01T10:00:00Z","host":"PC1","proc_guid":"{11111111-2222-3333-4444-555555555555}","pid":100,"image":"C:\\Users\\x\\evil.exe","cmdline":"evil.exe \u001b[2J","parent_guid":"{11111111-2222-0000-4444-555555555555}","parent_pid":"50","sha256":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA","signed":false,"extra":{"k":"v"}}'
ale='{"type":"alert","host":"PC1","detected_at":"2024-05-01T10:00:02+09:00","path":"C:\\Users\\x\\evil.exe","detection":"Test","action":"blocked","sha256":null}'
printf '%s' "$nat" >"$seeds/fuzz_logline/native_event"
printf '%s' "$ale" >"$seeds/fuzz_logline/native_alert"
printf '%s\n%s\n' "$nat" "$ale" >"$seeds/fuzz_ptree/native"
printf '\033[2J\033]52;c;cHduZWQ=\007 \302\233 31m \342\200\256gpj.exe \342\201\246x\342\201\251' >"$seeds/fuzz_sanitize/hostile"
printf '\377\376\300\257 \355\240\200 \364\220\200\200 \xe6\xa4\x9c\xe6\x9f\xbb \xcc\x81 \xf0\x9f\x98\x80' >"$seeds/fuzz_sanitize/utf8"
for f in keymaps/*.keys; do [ -f "$f" ] && { printf '\002'; cat "$f"; } >"$seeds/fuzz_config/key_$(basename "$f")"; done
for f in themes/*.theme; do [ -f "$f" ] && { printf '\003'; cat "$f"; } >"$seeds/fuzz_config/theme_$(basename "$f")"; done
printf '\000tz +09:00\nhours 09:00-17:30\nweekdays mon-fri\nholidays jp\nannual-off 12-29..01-03 year end\noff 2026-08-13 obon\non 2026-11-23 work # comment\noff 2026-12-01..2026-12-05\n' >"$seeds/fuzz_config/calendar1"
printf '\000tz UTC\nhours 00:00-24:00\nweekdays sat-mon,wed\nholidays none\nannual-off none\nannual-off 05-05\n' >"$seeds/fuzz_config/calendar2"
printf '\001# rules\nexclude image /\\\\svchost\\.exe$/i\nexclude cmdline /^C:\\\\Windows\\\\.*(x|y)+ # c/xsmu\nexclude registry /HKLM\\\\Software/\nexclude target /a\\/b/\n' >"$seeds/fuzz_config/tuning1"
api() { printf '%s\n%s\n%b%s' "$1" "$2" "$3" "$4" >"$seeds/fuzz_api/$5"; }
api 'POST /v1/alerts/12/verdict' 'v-1' '\001' '{"phase":"quick","verdict":"gray","comment":"c","needs_explanatory":true,"version":3}' verdict
api 'POST /v1/alerts/12/claim' '' '\002' '{"version":1}' claim
api 'POST /v1/alerts/12/reports' 'r' '\001' '{"kind":"quick","alerts":[12,13],"lang":"ja","comment":"x"}' reports
api 'POST /v1/alerts/12/answer' 'a' '\001' '{"intended":true,"by":"me","note":"n","version":2}' answer
api 'POST /v1/alerts/12/escalate' 'a' '\001' '{"reason":"r"}' escalate
api 'POST /v1/alerts/12/close/' 'a' '\001' '{"comment":"c"}' close
api 'POST /v1/endpoints/3/isolate' 'i' '\002' '{"reason":"r","alert_id":12,"urgent":true}' isolate
api 'POST /v1/endpoints/3/files/fetch' 'f' '\001' '{"path":"C:\\\\x.exe","sha256":"ABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCDEFABCD"}' fetch
api 'POST /v1/tenants/1/exceptions' 'e' '\002' '{"sha256":"abcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcdefabcd","path":"p"}' exceptions
api 'POST /v1/agent/heartbeat' 'h' '\003' '{"client_version":"1.2","errors":["e1","e2"],"wait":true}' heartbeat
api 'POST /v1/agent/commands/7/result' 'c' '\003' '{"status":"done","detail":{"x":[1,2]}}' result
api 'POST /v1/agent/alerts' 'al' '\003' '{"detected_at":"2026-11-25T01:00:00Z","path":"C:\\\\x","action":"blocked","detection":"d"}' agent_alert
api 'GET /v1/alerts/99999' '' '\000' '' get
api 'DELETE /v1/alerts/1' 'bad key' '\000' '{"a":1,"a":2}' delete
api 'POST /v1/health' '' '\000' '' health

# ---- run ----------------------------------------------------------------------
logs="$fb/logs"
mkdir -p "$logs"
echo "fuzz: $secs s per target, $jobs at once: $targets"
run_one() { # TARGET
  local t=$1 maxlen=65536
  [ "$t" = fuzz_sanitize ] && maxlen=1024
  [ "$t" = fuzz_config ] && maxlen=8192
  local dirs="$fb/corpus/$t $seeds/$t"
  [ -d "tests/fuzz/regress/$t" ] && dirs="$dirs tests/fuzz/regress/$t"
  # shellcheck disable=SC2086
  "$fb/bin/$t" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2560 -max_len=$maxlen \
    -print_final_stats=1 -artifact_prefix="$fb/crashes/$t/" $dirs >"$logs/$t.log" 2>&1
  echo $? >"$logs/$t.rc"
}
for t in $targets; do
  rm -f "$fb/crashes/$t"/* "$logs/$t.rc"
  run_one "$t" &
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do wait -n; done
done
wait

total_crash=0
printf '%-14s %12s %9s %10s %8s\n' target executions exec/s new-units crashes
for t in $targets; do
  l="$logs/$t.log"
  ex=$(sed -n 's/^stat::number_of_executed_units: *//p' "$l" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$l" | tail -1)
  nu=$(sed -n 's/^stat::new_units_added: *//p' "$l" | tail -1)
  nc=$(find "$fb/crashes/$t" -type f 2>/dev/null | wc -l)
  rc=$(cat "$logs/$t.rc" 2>/dev/null || echo '?')
  [ "$rc" = 0 ] || [ "$nc" -gt 0 ] || nc="?(exit $rc)"
  printf '%-14s %12s %9s %10s %8s\n' "$t" "${ex:-?}" "${rate:-?}" "${nu:-?}" "$nc"
  if [ "$nc" != 0 ]; then
    total_crash=1
    grep -m 3 -E 'invariant broken|ERROR: |runtime error' "$l" | sed 's/^/    /'
    for c in "$fb/crashes/$t"/*; do [ -f "$c" ] && echo "    input: $c"; done
  fi
done
if [ "$total_crash" != 0 ]; then
  echo "fuzz: crashes found (logs in $logs): keep each input in tests/fuzz/regress/TARGET/"
  exit 1
fi
echo "fuzz: no crashes"
