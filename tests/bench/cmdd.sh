#!/usr/bin/env bash
# cmdd.sh - itrace-cmdd benchmarks (issue 3, section 8), run by run.sh.
#
# Starts its own throwaway PostgreSQL (tests/lib/pg.sh) and itrace-cmdd on
# loopback (clock inside business hours through ITRACE_FAKE_NOW), makes a
# tenant and N endpoint tokens (default 1,000) with the admin subcommands,
# and measures:
#   1. N simulated endpoints heartbeating (itrace-endpoint-sim, every
#      endpoint every 0.2 s: 5,000 requests/s offered, a little less
#      achieved as each endpoint waits 0.2 s after its answer; then every
#      0.18 s, 5,500/s offered; then every 2 s): requests/s, latency, CPU
#      per heartbeat of daemon, database, simulator; and the daemon's
#      memory counters (heartbeats answered without the database, barriers);
#   2. the same heartbeat route under wrk (closed loop, N connections, each
#      request another endpoint's token): requests/s, latency percentiles;
#   3. isolate-to-endpoint latency with long-poll: N endpoints waiting in
#      long-poll heartbeats, ~20 isolations and releases through the API
#      (tests/bench/cmdd_latency.c), p50/p99.
# Goals (issue 3): >= 5,000 requests/s with p99 <= 20 ms; isolate <= 1 s.
# Prints figures; stops everything it started on every exit path.
#   ITRACE_BENCH_ENDPOINTS=N  ITRACE_BENCH_SECONDS=S (each load run, 15)
#   ITRACE_BENCH_RUNS=R (isolations, 20)  BUILD=DIR  ITRACE_BIN=DIR
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
bin=${ITRACE_BIN:-$build/bin}
N=${ITRACE_BENCH_ENDPOINTS:-1000}
secs=${ITRACE_BENCH_SECONDS:-15}
runs=${ITRACE_BENCH_RUNS:-20}

for p in itrace-cmdd itrace-endpoint-sim itrace-ingest; do
  [ -x "$bin/$p" ] || { echo "cmdd.sh: $bin/$p missing (make first)" >&2; exit 1; }
done

work=$(mktemp -d /tmp/itrace-bench.XXXXXX)
chmod 755 "$work"
pids=""
cleanup() {
  for p in $pids; do
    kill -TERM "$p" 2>/dev/null && wait "$p" 2>/dev/null
  done
  "$top/tests/lib/pg.sh" stop "$work/pg" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$top/tests/lib/pg.sh" start "$work/pg" || { echo "cmdd.sh: cannot start PostgreSQL" >&2; exit 1; }
pguser=$("$top/tests/lib/pg.sh" user "$work/pg")
psql -X -q -h "$work/pg/sock" -U "$pguser" -d postgres -c 'CREATE DATABASE bench' || exit 1
db="host=$work/pg/sock user=$pguser dbname=bench"
q() { psql -X -qAt -h "$work/pg/sock" -U "$pguser" -d bench -c "$1"; }
"$bin/itrace-ingest" --db "$db" --migrate >/dev/null || exit 1
"$bin/itrace-cmdd" --db "$db" tenant add acme --allow 10.0.0.0/8:443 \
  --service-start 2025-01-01 >/dev/null || exit 1
analyst=$("$bin/itrace-cmdd" --db "$db" token add --analyst bench --role analyst) || exit 1

echo "cmdd.sh: making $N endpoint tokens"
tokens=$work/tokens
: >"$tokens"
chmod 600 "$tokens"
seq -f 'ep%04g' 1 "$N" | xargs -P 4 -I{} sh -c \
  't=$("$0" --db "$1" token add --endpoint {} --tenant acme 2>/dev/null) && printf "%s %s\n" {} "$t"' \
  "$bin/itrace-cmdd" "$db" >>"$tokens"
have=$(wc -l <"$tokens")
[ "$have" = "$N" ] || { echo "cmdd.sh: only $have of $N tokens made" >&2; exit 1; }

# The daemon: Wednesday 2026-11-25 10:00 JST, so analysts may isolate.
cat >"$work/cmdd.conf" <<CONF
job_interval = 5
CONF
ITRACE_FAKE_NOW=2026-11-25T01:00:00Z "$bin/itrace-cmdd" --db "$db" --listen 127.0.0.1:0 \
  --config "$work/cmdd.conf" >"$work/cmdd.out" 2>"$work/cmdd.log" &
pids="$!"
port=""
for _ in $(seq 1 150); do
  port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$work/cmdd.out")
  [ -n "$port" ] && break
  sleep 0.1
done
[ -n "$port" ] || { echo "cmdd.sh: itrace-cmdd did not start" >&2; tail "$work/cmdd.log" >&2; exit 1; }
api=http://127.0.0.1:$port
echo "cmdd.sh: itrace-cmdd on $api ($(nproc) cores), $N endpoints"

# Every endpoint syncs once (connections, tokens, caches warm).
"$bin/itrace-endpoint-sim" --api "$api" --tokens "$tokens" --once 2>"$work/warm.err" >/dev/null ||
  { echo "cmdd.sh: warm-up sync failed" >&2; tail -3 "$work/warm.err" >&2; exit 1; }

# CPU time (1/100 s ticks) of a process, and of the cluster's processes.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
pg_ticks() {
  local pm t=0 p
  pm=$(head -1 "$work/pg/data/postmaster.pid")
  for p in "$pm" $(pgrep -P "$pm"); do t=$((t + $(ticks "$p"))); done
  echo "$t"
}
cmdd_pid=$pids

# One load run of the simulator: heartbeats every $1 s for $secs s.
sim_load() {
  local c0 g0 c1 g1 n
  c0=$(ticks "$cmdd_pid"); g0=$(pg_ticks)
  TIMEFORMAT="%U %S"
  { time "$bin/itrace-endpoint-sim" --api "$api" --tokens "$tokens" --interval "$1" \
      --duration "$secs" --stats >/dev/null 2>"$work/load.err"; } 2>"$work/load.time"
  c1=$(ticks "$cmdd_pid"); g1=$(pg_ticks)
  sed -n 's/^itrace-endpoint-sim: stats: /   /p' "$work/load.err"
  grep -o 'heartbeats [0-9]* ok [0-9]* failed' "$work/load.err" | sed 's/^/   /'
  n=$(sed -n 's/.*stats: \([0-9]*\) heartbeats.*/\1/p' "$work/load.err")
  if [ "${n:-0}" -gt 0 ]; then
    awk -v n="$n" -v c=$((c1 - c0)) -v g=$((g1 - g0)) -v s="$(cat "$work/load.time")" \
      'BEGIN { split(s, t, " ");
               printf "   CPU per heartbeat: itrace-cmdd %.0f us, PostgreSQL %.0f us, simulator %.0f us\n",
                      c * 1e4 / n, g * 1e4 / n, (t[1] + t[2]) * 1e6 / n }'
  fi
}

# The daemon's memory counters (GET /v1/health "cache"), as a difference.
cache_counters() {
  curl -s "$api/v1/health" | sed -n 's/.*"cache": *{\([^}]*\)}.*/\1/p' | tr -d '" ' | tr ',' '\n'
}
cache_diff() {
  awk -F: 'NR == FNR { a[$1] = $2; next } $1 in a && $2 ~ /^[0-9]+$/ { d[$1] = $2 - a[$1] }
    END { if (d["heartbeats_idle"] + d["heartbeats_db"] > 0)
            printf "   daemon memory: %d heartbeats without the database, %d with; %d barriers\n",
                   d["heartbeats_idle"], d["heartbeats_db"], d["barriers"] }' "$1" "$2"
}

echo
echo "1. $N endpoints heartbeating every 0.2 s (itrace-endpoint-sim, ${secs} s, $((N * 5))/s offered):"
cache_counters >"$work/cache0"
sim_load 0.2
cache_counters >"$work/cache1"
cache_diff "$work/cache0" "$work/cache1"
echo
echo "   the same, every 0.18 s ($((N * 50 / 9))/s offered):"
sim_load 0.18
echo
echo "   the same, every 2 s ($((N / 2))/s offered: latency below saturation):"
sim_load 2

echo
if command -v wrk >/dev/null; then
  echo "2. wrk, $N connections, heartbeats back to back (${secs} s):"
  ITRACE_BENCH_TOKENS=$tokens wrk -t 2 -c "$N" -d "${secs}s" --timeout 10s --latency \
    -s "$top/tests/bench/heartbeat.lua" "$api" >"$work/wrk.out" 2>&1
  grep -E 'Requests/sec|Non-2xx|Socket errors|^ +(50|90|99)%' "$work/wrk.out" | sed 's/^ */   /'
else
  echo "2. wrk not installed: skipped (apt-get install wrk)"
fi

echo
lat=$build/bench/cmdd_latency
if [ -x "$lat" ]; then
  "$bin/itrace-endpoint-sim" --api "$api" --tokens "$tokens" --wait --timestamps \
    >"$work/sim.out" 2>"$work/sim.err" &
  simpid=$!
  pids="$simpid $pids"
  # Wait until every endpoint is in its long-poll.
  for _ in $(seq 1 100); do
    w=$(curl -s "$api/v1/health" | sed -n 's/.*"waiting": *\([0-9]*\).*/\1/p')
    [ "${w:-0}" -ge "$N" ] && break
    sleep 0.1
  done
  echo "3. isolate-to-endpoint, ${w:-?} endpoints waiting in long-poll:"
  ids=$(q "SELECT string_agg(id::text, ',') FROM (SELECT id FROM endpoint ORDER BY id LIMIT $runs) e")
  "$lat" --api "$api" --token "$analyst" --sim-out "$work/sim.out" --endpoints "$ids" \
    --runs "$runs" | sed 's/^/   /'
  kill -TERM "$simpid" 2>/dev/null && wait "$simpid" 2>/dev/null
  pids=$(echo "$pids" | sed "s/\b$simpid\b//")
else
  echo "3. $lat missing (make bench builds it): skipped"
fi
echo
exit 0
