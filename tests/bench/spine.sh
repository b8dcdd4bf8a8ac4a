#!/usr/bin/env bash
# spine.sh - benchmarks of the evidence spine (issue 2, section 6), run by
# run.sh. Starts its own throwaway PostgreSQL (tests/lib/pg.sh) and stops
# it on every exit path. Prints figures; never fails the build.
#
# (a) Ingest rate: one data set from tests/bench/gen (seeded, realistic),
#     loaded into fresh migrated databases with the same schema, indexes,
#     tenant, endpoints and daily partitions: by itrace-ingest from the
#     native NDJSON, and by `psql \copy` from the same rows already in COPY
#     text format (db_event_encode; the loader itself sends binary rows);
#     alternating, ITRACE_BENCH_RATE_ROUNDS times (3). Rows/s of each round,
#     the ratio of the medians and of the best rounds (goal: itrace-ingest
#     >= 0.8x of \copy), and CPU-seconds per 100k rows of client and server
#     (the machine may be shared: wall clock is then noise, CPU less so).
# (b) Evidence of one alert: a larger data set (ITRACE_BENCH_SCALE) loaded
#     by two parallel \copy sessions (the same rows itrace-ingest stores;
#     loading it twice would only cost time), its alerts by itrace-ingest,
#     VACUUM ANALYZE; then for 50 alerts spread over the list: `itrace-tui
#     report quick --format json` end to end, and a bare indexed fetch of
#     the rows it needs (tests/bench/spine_fetch.c: on a new connection per
#     alert like the report, and on one warm session). p50/p95 and the
#     ratio (goals: p50 <= 20 ms, <= 2x the bare fetch). Two rounds, the
#     second timed. Each report's --timing splits its time into phases
#     (outside main: exec, loading the libraries, exit; connect; each
#     query; build and render). When pgbouncer is installed the same runs
#     go through it too (session pool: warm server backends, what a pooled
#     deployment or the console and itrace-cmdd see): "(b) pooled" lines.
#
# ITRACE_BENCH_SCALE=small|medium|full (default medium):
#     small    100 endpoints x 8 days x 2,000 events/day   (~1.4 M rows)
#     medium 1,000 endpoints x 8 days x   800 events/day   (~6.6 M rows)
#     full   1,000 endpoints x 8 days x 10,000 events/day  (~80 M rows: the
#            issue's scale; hours and ~100 GB of disk on this machine)
# (events/day is per endpoint, an average over weekdays and quieter nights
# and weekends; the generator prints the count it made.) The ingest-rate set
# is one working day of the same endpoints at ITRACE_BENCH_RATE_PER_DAY
# (default 500) events each (~0.6 M rows).
# Other knobs: ITRACE_BENCH_ENDPOINTS, ITRACE_BENCH_DAYS,
# ITRACE_BENCH_PER_DAY (override the scale), ITRACE_BENCH_RATE_ROUNDS (3),
# ITRACE_BENCH_ALERTS (50), ITRACE_BENCH_SEED (1), ITRACE_BENCH_PARTS (ab:
# the parts to run, e.g. b for the evidence part alone), ITRACE_BENCH_POOL
# (1: the pooled runs when pgbouncer is installed; 0: never), BUILD=DIR,
# ITRACE_BIN=DIR, TMPDIR (data files: ~5 GB at medium scale).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
build=${BUILD:-build}
case $build in /*) ;; *) build=$top/$build ;; esac
bin=${ITRACE_BIN:-$build/bin}
gen=$build/bench/gen
fetch=$build/bench/spine_fetch

scale=${ITRACE_BENCH_SCALE:-medium}
case $scale in
small) eps=100 days=8 perday=2000 ;;
medium) eps=1000 days=8 perday=800 ;;
full) eps=1000 days=8 perday=10000 ;;
*) echo "spine.sh: ITRACE_BENCH_SCALE must be small, medium or full" >&2; exit 1 ;;
esac
eps=${ITRACE_BENCH_ENDPOINTS:-$eps}
days=${ITRACE_BENCH_DAYS:-$days}
perday=${ITRACE_BENCH_PER_DAY:-$perday}
rate_perday=${ITRACE_BENCH_RATE_PER_DAY:-500}
rate_rounds=${ITRACE_BENCH_RATE_ROUNDS:-3}
nalerts=${ITRACE_BENCH_ALERTS:-50}
seed=${ITRACE_BENCH_SEED:-1}
parts=${ITRACE_BENCH_PARTS:-ab}
start=2024-03-04            # a Monday

for p in "$bin/itrace-ingest" "$bin/itrace-tui" "$gen" "$fetch"; do
  [ -x "$p" ] || { echo "spine.sh: $p missing (make all and the bench programs first)" >&2; exit 1; }
done
command -v psql >/dev/null || { echo "spine.sh: psql missing" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/itrace-spine.XXXXXX")
chmod 755 "$work"
cleanup() {
  [ -f "$work/pgb/pgb.pid" ] && kill "$(cat "$work/pgb/pgb.pid")" 2>/dev/null
  "$top/tests/lib/pg.sh" stop "$work/pg" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

now() { date +%s.%N; }
# CPU seconds, so that a loaded machine can be read: this shell's reaped
# children (a command run in the foreground: the loader, psql), and the
# cluster (postmaster, its live processes and the backends it has reaped).
tck=$(getconf CLK_TCK)
cpu_client() {
  local a
  read -r -a a </proc/$$/stat
  echo $((a[15] + a[16]))
}
cpu_server() {
  local pm a t=0 c
  pm=$(head -1 "$work/pg/data/postmaster.pid" 2>/dev/null) || { echo 0; return; }
  read -r -a a </proc/"$pm"/stat && t=$((a[13] + a[14] + a[15] + a[16]))
  for c in $(ps --ppid "$pm" -o pid=); do
    { read -r -a a </proc/"$c"/stat && t=$((t + a[13] + a[14])); } 2>/dev/null
  done
  echo "$t"
}
ticks() { awk -v t="$1" -v k="$tck" 'BEGIN { printf "%.1f", t / k }'; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", b - a }'; }
rate() { awk -v n="$1" -v s="$2" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }'; }
load() { awk '{ print $1 }' /proc/loadavg; }

"$top/tests/lib/pg.sh" start "$work/pg" || { echo "spine.sh: cannot start PostgreSQL" >&2; exit 1; }
pguser=$("$top/tests/lib/pg.sh" user "$work/pg")
sock=$work/pg/sock
conn() { echo "host=$sock user=$pguser dbname=$1"; }
q() { psql -X -qAt -v ON_ERROR_STOP=1 -h "$sock" -U "$pguser" -d "$1" -c "$2"; }
cols=$("$gen" --columns)

# A fresh database: schema, the tenant, the endpoints with the generator's
# ids, the daily partitions of the window. $1 name, $2 hosts file, $3 days.
fresh_db() {
  q postgres "CREATE DATABASE $1" || return 1
  "$bin/itrace-ingest" --db "$(conn "$1")" --migrate >/dev/null 2>"$work/migrate.err" ||
    { cat "$work/migrate.err" >&2; return 1; }
  psql -X -q -v ON_ERROR_STOP=1 -h "$sock" -U "$pguser" -d "$1" >/dev/null <<SQL || return 1
INSERT INTO tenant (id, name) VALUES (1, 'bench');
SELECT setval('tenant_id_seq', 1);
\copy endpoint (id, tenant_id, name, hostname) from '$2'
SELECT setval('endpoint_id_seq', (SELECT max(id) FROM endpoint));
SELECT itrace_event_partition(d::date)
  FROM generate_series('$start'::date, '$start'::date + $3 - 1, interval '1 day') d;
SQL
}

echo "spine: machine: $(nproc) cores, load average $(load) at start"

# ---- (a) ingest rate ---------------------------------------------------------
part_a() {
echo "spine: (a) ingest rate: generating $eps endpoints x 1 day x $rate_perday events/day (seed $seed)"
"$gen" --seed "$seed" --endpoints "$eps" --days 1 --per-day "$rate_perday" --start "$start" \
  -o "$work/rate.ndjson" --copy-text "$work/rate.copy" --hosts "$work/hosts.tsv" \
  --chains 0 --quiet || { echo "spine.sh: gen failed" >&2; exit 1; }
lines=$(wc -l <"$work/rate.ndjson")
mb=$(du -m "$work/rate.ndjson" | cut -f1)
echo "spine: (a) $lines lines, $mb MB of NDJSON; $rate_rounds rounds, the loaders alternating, each into a fresh database"

# One timed load: $1 ingest|copy. Sets rows, wall, cpu_c, cpu_s (ticks).
load_once() {
  fresh_db rate "$work/hosts.tsv" 1 || { echo "spine.sh: database setup failed" >&2; return 1; }
  sync
  local c0 s0 t0 t1 st=0
  c0=$(cpu_client) s0=$(cpu_server) t0=$(now)
  if [ "$1" = ingest ]; then
    "$bin/itrace-ingest" --db "$(conn rate)" --tenant bench "$work/rate.ndjson" \
      >/dev/null 2>"$work/ingest.err" || st=$?
  else
    q rate "\\copy event ($cols) from '$work/rate.copy'" >/dev/null || st=$?
  fi
  t1=$(now)
  sleep 0.5                 # let the postmaster reap the loader's backends
  cpu_c=$(($(cpu_client) - c0)) cpu_s=$(($(cpu_server) - s0))
  wall=$(secs "$t0" "$t1")
  rows=$(q rate "SELECT count(*) FROM event")
  [ "$st" = 0 ] || { echo "spine: (a) $1 exited $st"; tail -3 "$work/ingest.err"; }
  [ "$rows" = "$lines" ] || echo "spine: (a) NOTE: $1 stored $rows rows of $lines lines"
  q postgres "DROP DATABASE rate" >/dev/null
}

best_ing=0 best_copy=0 cpu_ing=0 cpu_copy=0 rows_ing=0 rows_copy=0
all_ing="" all_copy="" cli_ing=0 srv_ing=0 cli_copy=0 srv_copy=0
for round in $(seq 1 "$rate_rounds"); do
  for kind in ingest copy; do
    load_once "$kind" || exit 1
    r=$(rate "$rows" "$wall")
    printf 'spine: (a) round %s %-13s %7s s %8s rows/s   CPU %6s s client %6s s server   (load %s)\n' \
      "$round" "$([ "$kind" = ingest ] && echo itrace-ingest || echo 'psql \copy')" "$wall" "$r" \
      "$(ticks "$cpu_c")" "$(ticks "$cpu_s")" "$(load)"
    if [ "$kind" = ingest ]; then
      [ "$r" -gt "$best_ing" ] && best_ing=$r
      cpu_ing=$((cpu_ing + cpu_c + cpu_s)) rows_ing=$((rows_ing + rows))
      all_ing="$all_ing $r" cli_ing=$((cli_ing + cpu_c)) srv_ing=$((srv_ing + cpu_s))
    else
      [ "$r" -gt "$best_copy" ] && best_copy=$r
      cpu_copy=$((cpu_copy + cpu_c + cpu_s)) rows_copy=$((rows_copy + rows))
      all_copy="$all_copy $r" cli_copy=$((cli_copy + cpu_c)) srv_copy=$((srv_copy + cpu_s))
    fi
  done
done
median() { echo "$@" | tr ' ' '\n' | grep . | sort -n | awk '{ v[NR] = $1 } END { print (NR % 2 ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)) }'; }
med_ing=$(median $all_ing) med_copy=$(median $all_copy)
echo "spine: (a) medians: itrace-ingest $med_ing rows/s, psql \\copy $med_copy rows/s; best rounds: $best_ing, $best_copy"
awk -v a="$med_ing" -v b="$med_copy" -v c="$best_ing" -v d="$best_copy" 'BEGIN { if (b > 0 && d > 0) printf "spine: (a) ratio itrace-ingest / \\copy: %.2fx of the medians, %.2fx of the best rounds (goal >= 0.8x)\n", a / b, c / d }'
awk -v n1="$rows_ing" -v n2="$rows_copy" -v a="$cli_ing" -v b="$srv_ing" -v c="$cli_copy" -v d="$srv_copy" -v k="$tck" 'BEGIN {
  if (n1 > 0 && n2 > 0)
    printf "spine: (a) CPU-seconds per 100k rows: itrace-ingest %.2f client + %.2f server, \\copy %.2f client + %.2f server\n", a / k / n1 * 1e5, b / k / n1 * 1e5, c / k / n2 * 1e5, d / k / n2 * 1e5 }'
awk -v n1="$rows_ing" -v c1="$cpu_ing" -v n2="$rows_copy" -v c2="$cpu_copy" -v k="$tck" 'BEGIN {
  if (c1 > 0 && c2 > 0)
    printf "spine: (a) rows per CPU-second (client + server): itrace-ingest %.0f, \\copy %.0f: %.2fx (wall clock on a busy machine is noise; on an idle one the loader parses on one core while the server copies on the other, so its wall ratio can exceed this)\n", n1 / c1 * k, n2 / c2 * k, (n1 / c1) / (n2 / c2) }'
rm -f "$work/rate.ndjson" "$work/rate.copy" "$work/rate.ndjson.rejects"
echo "spine: load average $(load) after (a)"
}
case $parts in *a*) part_a ;; esac

# ---- (b) evidence for one alert ------------------------------------------------
case $parts in *b*) ;; *) exit 0 ;; esac
echo "spine: (b) evidence: scale $scale: generating $eps endpoints x $days days x $perday events/day (seed $seed)"
t0=$(now)
"$gen" --seed "$seed" --endpoints "$eps" --days "$days" --per-day "$perday" --start "$start" \
  -o /dev/null --copy-text "$work/big.copy" --alerts "$work/alerts.ndjson" \
  --hosts "$work/hosts.tsv" 2>"$work/gen.err" || { cat "$work/gen.err" >&2; exit 1; }
t1=$(now)
sed 's/^gen: /spine: (b) gen: /' "$work/gen.err"
echo "spine: (b) generated in $(secs "$t0" "$t1") s"
fresh_db ev "$work/hosts.tsv" "$days" || { echo "spine.sh: database setup failed" >&2; exit 1; }
# two \copy sessions in parallel, one per core (halves the wait), each
# taking every other line of the file (no second copy of it on disk)
t0=$(now)
lpids=""
for first in 1 2; do
  q ev "\\copy event ($cols) from program 'sed -n ${first}~2p $work/big.copy'" >/dev/null &
  lpids="$lpids $!"
done
for p in $lpids; do
  wait "$p" || { echo "spine.sh: loading the evidence data set failed" >&2; exit 1; }
done
t1=$(now)
rm -f "$work/big.copy"
rows=$(q ev "SELECT count(*) FROM event")
echo "spine: (b) loaded $rows rows by two \\copy sessions in $(secs "$t0" "$t1") s ($(rate "$rows" "$(secs "$t0" "$t1")") rows/s)"
"$bin/itrace-ingest" --db "$(conn ev)" --tenant bench "$work/alerts.ndjson" \
  >"$work/alerts.out" 2>"$work/alerts.err"
ids=$(awk '$1 == "alert" { print $2 }' "$work/alerts.out")
total=$(echo "$ids" | grep -c .)
t0=$(now)
q ev "VACUUM ANALYZE" >/dev/null
echo "spine: (b) $total alerts stored; VACUUM ANALYZE $(secs "$t0" "$(now)") s; database $(q ev "SELECT pg_size_pretty(pg_database_size('ev'))")"
if [ "$total" -eq 0 ]; then
  echo "spine: (b) no alerts stored, nothing to time"; tail -3 "$work/alerts.err"
  exit 0
fi
# $nalerts ids spread evenly over the list (all of them if fewer)
# Through pgbouncer (session pooling, trust): a socket under $work/pgb.
# As root it runs as the cluster's user (it refuses root), as pg.sh does.
# It cannot pass the bare fetch's options='-c jit=off' on: every server
# connection gets it from connect_query, and no reset query undoes it.
pool_start() {
  command -v pgbouncer >/dev/null || return 1
  mkdir -p "$work/pgb" || return 1
  cat >"$work/pgb/pgb.ini" <<INI
[databases]
ev = host=$sock dbname=ev user=$pguser connect_query='SET jit = off'
[pgbouncer]
listen_addr =
unix_socket_dir = $work/pgb
listen_port = 6432
auth_type = trust
auth_file = $work/pgb/users.txt
pool_mode = session
default_pool_size = 4
server_reset_query =
ignore_startup_parameters = options
logfile = $work/pgb/pgb.log
pidfile = $work/pgb/pgb.pid
INI
  echo "\"$pguser\" \"\"" >"$work/pgb/users.txt"
  if [ "$(id -u)" = 0 ]; then
    chown -R "$pguser" "$work/pgb" && runuser -u "$pguser" -- pgbouncer -d -q "$work/pgb/pgb.ini"
  else
    pgbouncer -d -q "$work/pgb/pgb.ini"
  fi || return 1
  for _ in 1 2 3 4 5 6 7 8 9 10; do
    [ -S "$work/pgb/.s.PGSQL.6432" ] && return 0
    sleep 0.2
  done
  return 1
}
pool_stop() {
  [ -f "$work/pgb/pgb.pid" ] && kill "$(cat "$work/pgb/pgb.pid")" 2>/dev/null
}
pick=$(echo "$ids" | awk -v n="$nalerts" -v t="$total" \
  'BEGIN { srand(1) } { a[NR] = $1 } END { if (t <= n) { for (i = 1; i <= t; i++) print a[i] } else for (i = 0; i < n; i++) print a[int(i * t / n) + 1] }')
echo "spine: load average $(load) before the evidence runs"
# shellcheck disable=SC2086
"$fetch" --db "$(conn ev)" --report "$bin/itrace-tui" --rounds 2 $pick
if [ "${ITRACE_BENCH_POOL:-1}" != 0 ] && command -v pgbouncer >/dev/null; then
  if pool_start; then
    echo "spine: (b) pooled: the same through pgbouncer (session pool of warm backends); load average $(load)"
    # shellcheck disable=SC2086
    "$fetch" --db "host=$work/pgb port=6432 user=$pguser dbname=ev" --report "$bin/itrace-tui" \
      --rounds 2 $pick | sed 's/^spine: /spine: (b) pooled: /'
    pool_stop
  else
    echo "spine: (b) pooled: pgbouncer did not start"; tail -3 "$work/pgb/pgb.log" 2>/dev/null
  fi
fi
echo "spine: (b) scale $scale: $rows rows, $eps endpoints, $days days ($(awk -v r="$rows" -v e="$eps" -v d="$days" 'BEGIN { printf "%.0f", r / e / d }') events per endpoint-day; the issue's full scale is 10,000)"
echo "spine: load average $(load) at the end"
exit 0
