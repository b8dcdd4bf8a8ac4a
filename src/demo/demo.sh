#!/usr/bin/env bash
# demo.sh - the living demo behind `make demo` and `make demo-reset`.
#
#   demo.sh run     create (first time) or reuse the demo's PostgreSQL
#                   cluster, start itrace-cmdd and itrace-endpoint-sim,
#                   open the console; quitting it stops everything
#   demo.sh reset   stop whatever of the demo is left and wipe it
#
# Everything lives in ${XDG_STATE_HOME:-$HOME/.local/state}/itrace-tui/demo:
#   pg/data pg/server.log   the cluster (unix socket only, no TCP)
#   sock/                   its socket directory
#   data/                   the generated data set (itrace-demo-gen)
#   secrets/                analyst and endpoint tokens (0700, files 0600)
#   log/                    daemons, loader, API replay
#   run/                    pids, the smoke test's tmux socket
#   ready                   written once the data set is loaded and replayed
# As root the server runs as the postgres user (runuser), like
# tests/lib/pg.sh; directories above the cluster that postgres cannot
# traverse get o+x (and the script says so).
#
# Environment: ITRACE_BIN (programs; default build/bin), ITRACE_DEMO_SEED
# (default 1), ITRACE_DEMO_DAYS (days of logs, default 8, at least 3: the
# tests use fewer), ITRACE_DEMO_SMOKE=1 (the console runs in tmux on a private
# socket, the script waits until the queue shows all three tenants, quits
# it with q and checks that nothing of the demo is left running; exit 0 if
# all went well), ITRACE_DEMO_SIZE=WxH (smoke window, default 120x40).
set -eu -o pipefail

top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${ITRACE_BIN:-$top/build/bin}
state=${XDG_STATE_HOME:-$HOME/.local/state}/itrace-tui/demo
seed=${ITRACE_DEMO_SEED:-1}
days=${ITRACE_DEMO_DAYS:-8}
smoke=${ITRACE_DEMO_SMOKE:-}
size=${ITRACE_DEMO_SIZE:-120x40}
tenants="acme globex initech"
export LC_ALL=C.UTF-8

say() { printf 'demo: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
now_s() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now_s)" 'BEGIN { printf "%.1f", b - a }'; }

case "$state" in /*) ;; *) die "state directory must be absolute: $state" ;; esac
bindir=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || pg_config --bindir 2>/dev/null || true)
[ -x "$bindir/pg_ctl" ] || die "PostgreSQL 15 server binaries not found (apt-get install postgresql-15)"
if [ "$(id -u)" = 0 ]; then
	pgrun() { runuser -u postgres -- "$@"; }
	pgsu=postgres
else
	pgrun() { "$@"; }
	pgsu=$(id -un)
fi

data=$state/pg/data
sock=$state/sock
# a unix socket path is at most 107 bytes
if [ $((${#sock} + 16)) -gt 107 ]; then
	sock=/tmp/itrace-demo-$(id -u)-$(printf '%s' "$state" | cksum | cut -d' ' -f1)
fi
db="host=$sock dbname=itrace user=$pgsu"
db_console="host=$sock dbname=itrace user=demo_console"

pg_start() {
	mkdir -p "$sock"
	[ "$(id -u)" = 0 ] && chown postgres "$sock"
	chmod 700 "$sock"
	pgrun "$bindir/pg_ctl" -D "$data" -l "$state/pg/server.log" -w -t 60 \
		-o "-c unix_socket_directories='$sock' -c listen_addresses=''" start >/dev/null 9>&- ||
		{ tail -n 20 "$state/pg/server.log" >&2; die "PostgreSQL did not start"; }
}

pg_stop() {
	if [ -f "$data/postmaster.pid" ]; then
		pgrun "$bindir/pg_ctl" -D "$data" -w -t 60 -m fast stop >/dev/null 2>&1 ||
			pgrun "$bindir/pg_ctl" -D "$data" -w -t 10 -m immediate stop >/dev/null 2>&1 || true
	fi
}

# Stop a daemon recorded in run/NAME.pid if it is still ours.
stop_pidfile() {
	local f=$state/run/$1.pid pid
	[ -f "$f" ] || return 0
	pid=$(cat "$f")
	if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null &&
		{ tr '\0' ' ' <"/proc/$pid/cmdline"; } 2>/dev/null | grep -q -- "$2"; then
		kill -TERM "$pid" 2>/dev/null || true
		for _ in $(seq 1 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$f"
}

tmux_sock=$state/run/tmux.sock
stop_all() {
	if [ -S "$tmux_sock" ]; then
		tmux -S "$tmux_sock" kill-server 2>/dev/null || true
		rm -f "$tmux_sock"
	fi
	stop_pidfile sim itrace-endpoint-sim
	stop_pidfile cmdd itrace-cmdd
	pg_stop
}

# Processes of the demo: our programs, PostgreSQL and tmux whose command
# line names the demo's directories ("PID CMDLINE" lines).
leftovers() {
	local p cmd exe
	for p in /proc/[0-9]*; do
		[ "${p#/proc/}" = "$$" ] && continue
		cmd=$( { tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null) || continue
		case "$cmd" in
		*"$state/"* | *"$sock "* | *"$sock/"* | *"$sock'"*) ;;
		*) continue ;;
		esac
		exe=${cmd%% *}
		case "${exe##*/}" in
		itrace-* | postgres | postmaster | tmux) printf '%s %s\n' "${p#/proc/}" "$cmd" ;;
		esac
	done
}

# Stop what stop_all could not name: a console left by a killed run.
kill_leftovers() {
	local pid rest
	leftovers | while read -r pid rest; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for _ in $(seq 1 50); do
		[ -z "$(leftovers)" ] && return 0
		sleep 0.1
	done
	leftovers | while read -r pid rest; do
		kill -KILL "$pid" 2>/dev/null || true
	done
}

# As root: let the postgres user reach the cluster directory.
make_reachable() {
	[ "$(id -u)" = 0 ] || return 0
	local d="" part
	local IFS=/
	for part in $1; do
		[ -n "$part" ] || continue
		d="$d/$part"
		if ! runuser -u postgres -- test -x "$d" 2>/dev/null; then
			chmod o+x "$d"
			say "made $d traversable (o+x) for the postgres server"
		fi
	done
}

if [ "${1:-run}" = reset ]; then
	if [ -d "$state" ]; then
		stop_all
		kill_leftovers
		rm -rf "$state"
		[ "$sock" = "$state/sock" ] || rm -rf "$sock"
		say "removed $state"
	else
		say "nothing to reset ($state does not exist)"
	fi
	exit 0
fi
[ "${1:-run}" = run ] || die "usage: demo.sh [run|reset]"

for p in itrace-tui itrace-cmdd itrace-ingest itrace-endpoint-sim itrace-demo-gen; do
	[ -x "$bin/$p" ] || die "$bin/$p missing: run make first"
done
if [ -n "$smoke" ]; then
	command -v tmux >/dev/null || die "ITRACE_DEMO_SMOKE needs tmux"
fi

t_begin=$(now_s)
mkdir -p "$state"
exec 9>"$state/lock"
flock -n 9 || die "another demo is running on $state (or remove it with make demo-reset)"
mkdir -p "$state/log" "$state/run"
umask 077
mkdir -p "$state/secrets"
umask 022

# shellcheck disable=SC2317 # run by the EXIT trap
cleanup() {
	local rc=$? left
	trap - EXIT INT TERM HUP
	stop_all
	if [ -z "$smoke" ] && [ -n "$opened" ]; then
		say "stopped the daemons and the database (make demo comes back to this data, make demo-reset wipes it)"
	fi
	if [ -n "$smoke" ]; then
		left=$(leftovers)
		if [ -n "$left" ]; then
			say "left running after the console quit:"
			printf '%s\n' "$left" >&2
			rc=1
		else
			say "smoke: nothing of the demo is left running"
		fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP

# Something of an earlier run (killed -9) may still be about.
stop_all
kill_leftovers

created=""
opened=""
if [ -f "$state/ready" ] && [ -f "$data/PG_VERSION" ]; then
	say "reusing $state (data of $(cut -d' ' -f1 "$state/ready"); make demo-reset for fresh data)"
	pg_start
else
	if [ -e "$state/pg" ]; then
		say "an earlier setup did not finish: starting over"
		rm -rf "$state/pg" "$state/data" "$state/secrets"/* "$state/ready"
	fi
	created=1
	mkdir -p "$state/pg"
	make_reachable "$state/pg"
	[ "$(id -u)" = 0 ] && chown postgres "$state/pg"
	chmod 700 "$state/pg"
	say "creating a PostgreSQL 15 cluster in $data"
	pgrun "$bindir/initdb" -D "$data" -U "$pgsu" -A trust -E UTF8 --locale=C.UTF-8 \
		>"$state/log/initdb.log" 2>&1 || { cat "$state/log/initdb.log" >&2; die "initdb failed"; }
	cat >>"$data/postgresql.conf" <<CONF
# itrace demo: unix socket only (the directory is given at start)
listen_addresses = ''
synchronous_commit = off
shared_buffers = 256MB
max_wal_size = 2GB
checkpoint_timeout = 15min
log_min_messages = warning
CONF
	pg_start
	pgrun "$bindir/createdb" -h "$sock" -U "$pgsu" itrace
	"$bin/itrace-ingest" --db "$db" --migrate 2>"$state/log/migrate.log" ||
		{ cat "$state/log/migrate.log" >&2; die "migration failed"; }
	# the console reads with a role that can only SELECT and LISTEN
	pgrun "$bindir/psql" -q -h "$sock" -U "$pgsu" -d itrace -v ON_ERROR_STOP=1 \
		-c "CREATE ROLE demo_console LOGIN IN ROLE itrace_console" >/dev/null

	t_gen=$(now_s)
	"$bin/itrace-demo-gen" --seed "$seed" --days "$days" --now "$(date -u +%Y-%m-%dT%H:%M:%SZ)" -o "$state/data" \
		2>"$state/log/gen.log" || { cat "$state/log/gen.log" >&2; die "generation failed"; }
	say "generated the data set in $(since "$t_gen") s: $(tail -n 1 "$state/log/gen.log" | sed 's/^itrace-demo-gen: //')"

	# hearing sheets, tokens
	grep -v '^#' "$state/data/tenants.txt" | while read -r name opts; do
		# shellcheck disable=SC2086
		"$bin/itrace-cmdd" --db "$db" tenant add "$name" $opts >/dev/null 2>>"$state/log/admin.log" ||
			die "tenant add $name failed (log/admin.log)"
	done
	umask 077
	: >"$state/secrets/endpoints.tokens"
	grep -v '^#' "$state/data/endpoints.txt" | while read -r t host; do
		tok=$("$bin/itrace-cmdd" --db "$db" token add --endpoint "$host" --tenant "$t" 2>>"$state/log/admin.log") ||
			tok=""
		[ -n "$tok" ] || die "token add --endpoint $host failed (log/admin.log)"
		printf '%s %s\n' "$host" "$tok"
	done >"$state/secrets/endpoints.tokens"
	"$bin/itrace-cmdd" --db "$db" token add --analyst sato --role lead >"$state/secrets/sato.token"
	"$bin/itrace-cmdd" --db "$db" token add --analyst tanaka --role analyst >"$state/secrets/tanaka.token"
	umask 022

	t_load=$(now_s)
	pids=""
	for t in $tenants; do
		"$bin/itrace-ingest" --db "$db" --tenant "$t" --rejects "$state/log/$t.rejects" \
			"$state/data/$t.ndjson" >"$state/log/ingest-$t.out" 2>"$state/log/ingest-$t.log" &
		pids="$pids $!"
	done
	for p in $pids; do
		wait "$p" || { tail -n 5 "$state"/log/ingest-*.log >&2; die "loading failed"; }
	done
	say "loaded $(cat "$state"/log/ingest-*.out | grep -c '^alert ') alerts and their events in $(since "$t_load") s"
	# the database has them now; itrace-demo-gen makes them again on demand
	for t in $tenants; do rm -f "$state/data/$t.ndjson"; done
fi

# the daemon, on a free loopback port
"$bin/itrace-cmdd" --db "$db" --listen 127.0.0.1:0 --job-interval 10 \
	>"$state/log/cmdd.out" 2>>"$state/log/cmdd.log" 9>&- &
echo $! >"$state/run/cmdd.pid"
port=""
for _ in $(seq 1 200); do
	port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9][0-9]*\)$/\1/p' "$state/log/cmdd.out")
	[ -n "$port" ] && break
	kill -0 "$(cat "$state/run/cmdd.pid")" 2>/dev/null || break
	sleep 0.05
done
[ -n "$port" ] || { tail -n 20 "$state/log/cmdd.log" >&2; die "itrace-cmdd did not start"; }
api=http://127.0.0.1:$port

# the endpoints: long-polling heartbeats, commands, and a few fresh alerts
"$bin/itrace-endpoint-sim" --api "$api" --tokens "$state/secrets/endpoints.tokens" --wait \
	--alerts "$state/data/live-alerts.ndjson" >"$state/log/sim.out" 2>>"$state/log/sim.log" 9>&- &
echo $! >"$state/run/sim.pid"

if [ -n "$created" ]; then
	# the analysts' work so far, through the API (the daemon owns writes)
	"$bin/itrace-demo-gen" drive --db "$db" --api "$api" --token-file "$state/secrets/tanaka.token" \
		"$state/data/actions.txt" >"$state/log/drive.out" 2>"$state/log/drive.log" ||
		{ cat "$state/log/drive.out" "$state/log/drive.log" >&2; die "replaying the analysts' work failed"; }
	say "replayed the analysts' work: $(tail -n 1 "$state/log/drive.log" | sed 's/^itrace-demo-gen: drive: //')"
	printf '%s seed %s\n' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$seed" >"$state/ready"
fi

tui=("$bin/itrace-tui" --db "$db_console" --api "$api" --token-file "$state/secrets/sato.token")
say "console after $(since "$t_begin") s: ${tui[*]}"
say "logs in $state/log; quitting the console (q) stops the daemons and the database"

opened=1
if [ -z "$smoke" ]; then
	rc=0
	"${tui[@]}" 9>&- || rc=$?
	[ "$rc" = 0 ] || say "the console exited with status $rc"
	exit "$rc"
fi

# ---- smoke: the console in tmux on a private socket ----
w=${size%x*}
h=${size#*x}
rm -f "$state/run/tui.rc"
printf -v cmd '%q ' env TERM=xterm-256color "${tui[@]}"
tmux -S "$tmux_sock" -f /dev/null new-session -d -x "$w" -y "$h" \
	"$cmd 2>$state/log/tui.err; echo \$? >$state/run/tui.rc" 9>&-
screen=""
seen=""
deadline=$(($(date +%s) + 90))
while [ "$(date +%s)" -lt "$deadline" ]; do
	screen=$(tmux -S "$tmux_sock" capture-pane -p 2>/dev/null || true)
	seen=1
	# at 80x24 the tenant column shows "inite…"
	for t in acme globe inite; do
		printf '%s' "$screen" | grep -q "$t" || seen=""
	done
	[ -n "$seen" ] && break
	[ -f "$state/run/tui.rc" ] && break
	sleep 0.1 # poll interval, not a wait for an effect
done
# The data set always has folded duplicates: give the first full sync a
# moment to fold them (slow under sanitizers) before the screen is shown.
if [ -n "$seen" ]; then
	fold_deadline=$(($(date +%s) + 30))
	while [ "$(date +%s)" -lt "$fold_deadline" ]; do
		printf '%s' "$screen" | grep -q '×' && break
		[ -f "$state/run/tui.rc" ] && break
		sleep 0.1 # poll interval, not a wait for an effect
		screen=$(tmux -S "$tmux_sock" capture-pane -p 2>/dev/null || true)
	done
fi
printf '%s\n' "$screen"
[ -n "$seen" ] || { cat "$state/log/tui.err" >&2 2>/dev/null || true; die "smoke: the queue did not show all three tenants"; }
say "smoke: the queue shows acme, globex and initech"
tmux -S "$tmux_sock" send-keys q
deadline=$(($(date +%s) + 20))
while [ ! -f "$state/run/tui.rc" ] && [ "$(date +%s)" -lt "$deadline" ]; do
	sleep 0.1
done
[ -f "$state/run/tui.rc" ] || die "smoke: the console did not quit on q"
say "smoke: the console quit with status $(cat "$state/run/tui.rc")"
[ "$(cat "$state/run/tui.rc")" = 0 ] || die "smoke: the console failed"
exit 0
