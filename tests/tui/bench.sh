#!/usr/bin/env bash
# bench.sh - the console's figures of issue 4 with 100,000 alerts and 1,000
# endpoints: first paint, keypress to doupdate (p50/p99, in-process), RSS,
# bytes written per cursor move, idle wallboard bytes per second, and a
# committed alert on screen. Runs the real console in tmux against a
# throwaway PostgreSQL; the console measures itself (ITRACE_TUI_STATS).
# A hundred moves down from the top and a hundred back up: 20 move the
# cursor over the rows in view, 80 scroll the list by a row.
#
#   tests/tui/bench.sh [BUILD-DIR]      (default build; run from the top)
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
cd "$top"
bin=${1:-build}/bin
[ -x "$bin/itrace-tui" ] || { echo "bench: build first (make)" >&2; exit 2; }
work=$(mktemp -d /tmp/itrace-tuibench.XXXXXX)
chmod 755 "$work"   # the postgres user must reach its cluster below
pg="$work/pg"
sock="$work/tmux.sock"
cleanup() {
  tmux -S "$sock" kill-server 2>/dev/null || true
  tests/lib/pg.sh stop "$pg" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
tests/lib/pg.sh start "$pg"
user=$(tests/lib/pg.sh user "$pg")
db="host=$pg/sock user=$user dbname=postgres"
"$bin/itrace-ingest" --db "$db" --migrate >/dev/null
psql -q "$db" <<'SQL'
INSERT INTO tenant (name, service_start) VALUES ('acme', '2025-01-01'), ('beta', '2025-01-01');
INSERT INTO endpoint (tenant_id, name, hostname, client_version, last_seen)
  SELECT 1 + g % 2, 'host' || g, 'HOST' || g, '1.0.' || (g % 3), now() - g * interval '1 s'
  FROM generate_series(1, 1000) g;
INSERT INTO alert (tenant_id, endpoint_id, detected_at, received_at, path, sha256, detection,
                   action, state, quick_due)
  SELECT e.tenant_id, e.id, now() - g * interval '1 s', now() - (g % 7000) * interval '1 s',
         'C:\Users\user' || g || '\Downloads\file' || g || '.exe', md5(g::text) || md5((g + 1)::text),
         'Trojan/Gen' || (g % 50), 'allowed', 'new', now() - (g % 7000) * interval '1 s' + interval '2 hours'
  FROM generate_series(1, 100000) g JOIN endpoint e ON e.name = 'host' || (1 + g % 1000);
ANALYZE;
SQL

ms() { date +%s%3N; }
wait_for() { # MARKER TIMEOUT-MS
  local end=$(( $(ms) + $2 ))
  until tmux -S "$sock" capture-pane -p | grep -qF -- "$1"; do
    [ "$(ms)" -lt "$end" ] || { echo "bench: timeout waiting for $1" >&2; tmux -S "$sock" capture-pane -p >&2; exit 1; }
    sleep 0.01
  done
}
run() { # STATS-FILE FLAGS (a new server on a new socket each time)
  tmux -S "$sock" kill-server 2>/dev/null || true
  sock="$work/tmux$RANDOM.sock"
  tmux -S "$sock" -f /dev/null new-session -d -x 80 -y 24 \
    "env TERM=xterm-256color LANG=C.UTF-8 LC_ALL=C.UTF-8 XDG_CONFIG_HOME=$work/cfg XDG_STATE_HOME=$work/state ITRACE_TUI_STATS=$1 $bin/itrace-tui --db '$db' $2; sleep 30"
}

echo "== queue: 100,000 alerts, 1,000 endpoints, 80x24"
run "$work/q.stats" ""
wait_for "file" 10000
wait_for "100000 open" 20000
sleep 1.2   # past a clock tick, then count the bytes of cursor moves only
tmux -S "$sock" pipe-pane -o "cat > $work/keys.out"
for i in $(seq 1 100); do tmux -S "$sock" send-keys j; done
sleep 0.5   # let the last keys reach the console
tmux -S "$sock" pipe-pane
bytes=$(wc -c < "$work/keys.out")
echo "bytes written for 100 cursor moves down: $bytes, $(( bytes / 100 )) a move (includes clock ticks meanwhile)"
tmux -S "$sock" pipe-pane -o "cat > $work/keys-up.out"
for i in $(seq 1 100); do tmux -S "$sock" send-keys k; done
sleep 0.5
tmux -S "$sock" pipe-pane
up=$(wc -c < "$work/keys-up.out")
echo "bytes written for 100 cursor moves up: $up, $(( up / 100 )) a move"
# a committed alert on screen (psql's own start-up measured and taken off)
t0=$(ms); psql -q "$db" -c "SELECT 1" >/dev/null; psql_ms=$(( $(ms) - t0 ))
t0=$(ms)
psql -q "$db" -c "INSERT INTO alert (tenant_id, endpoint_id, detected_at, received_at, path,
  detection, action, state, quick_due) SELECT tenant_id, id, now(), now(), 'C:\\Temp\\bench-fresh.exe',
  'Bench', 'allowed', 'new', now() + interval '1 minute' FROM endpoint WHERE id = 1"
wait_for "bench-fresh.exe" 5000
echo "committed alert on screen: $(( $(ms) - t0 - psql_ms )) ms (psql start-up of $psql_ms ms taken off; tmux polls every 10 ms)"
tmux -S "$sock" send-keys q
until [ -s "$work/q.stats" ]; do sleep 0.05; done
cat "$work/q.stats"

echo "== idle wallboard, 20 s"
run "$work/w.stats" "--wallboard"
wait_for "WALLBOARD" 10000
sleep 2
tmux -S "$sock" pipe-pane -o "cat > $work/wall.out"
sleep 20
tmux -S "$sock" pipe-pane
echo "idle wallboard: $(( $(wc -c < "$work/wall.out") / 20 )) bytes/s over 20 s"
tmux -S "$sock" send-keys q
until [ -s "$work/w.stats" ]; do sleep 0.05; done
grep -E "frames|seconds|rss" "$work/w.stats"
