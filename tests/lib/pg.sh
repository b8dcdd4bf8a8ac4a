#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests: unix socket only, in a temp dir.
#   pg.sh start DIR   -> initdb + start; prints nothing; socket in DIR/sock
#   pg.sh stop DIR    -> stop and remove DIR
# As root the server runs as the postgres user (runuser); tests connect as
# the cluster's superuser (PGUSER printed by `pg.sh user`).
set -eu
cmd=$1 dir=$2
bindir=$(ls -d /usr/lib/postgresql/15/bin 2>/dev/null || pg_config --bindir)
if [ "$(id -u)" = 0 ]; then
  run() { runuser -u postgres -- "$@"; }
  su=postgres
else
  run() { "$@"; }
  su=$(id -un)
fi
case "$cmd" in
start)
  mkdir -p "$dir/sock"
  [ "$(id -u)" = 0 ] && chown -R postgres "$dir" && chmod 755 "$dir"
  run "$bindir/initdb" -D "$dir/data" -U "$su" -A trust -E UTF8 --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 ||
    { cat "$dir/initdb.log" >&2; exit 1; }
  cat >>"$dir/data/postgresql.conf" <<CONF
listen_addresses = ''
unix_socket_directories = '$dir/sock'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
shared_buffers = 256MB
log_min_messages = warning
CONF
  run "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 start >/dev/null ||
    { cat "$dir/server.log" >&2; exit 1; }
  ;;
restart)
  run "$bindir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -m fast restart >/dev/null
  ;;
stop)
  if [ -f "$dir/data/postmaster.pid" ]; then
    run "$bindir/pg_ctl" -D "$dir/data" -w -t 60 -m immediate stop >/dev/null 2>&1 || true
  fi
  rm -rf "$dir"
  ;;
user) echo "$su" ;;
*) echo "usage: pg.sh start|stop|restart|user DIR" >&2; exit 2 ;;
esac
