#!/usr/bin/env bash
# run.sh - `make bench`: runs every tests/bench/*.sh in name order (each
# starts and stops what it needs) and prints their figures. Benchmarks
# report, they do not judge: a script that cannot finish is named, and the
# run goes on; the exit status is always 0.
#   BUILD=DIR (as given to make) selects the build directory, default build.
set -u
here=$(cd "$(dirname "$0")" && pwd)
export LC_ALL=C.UTF-8
for s in "$here"/*.sh; do
  [ "$(basename "$s")" = run.sh ] && continue
  echo "== bench: $(basename "$s")"
  bash "$s"
  st=$?
  [ "$st" = 0 ] || echo "== bench: $(basename "$s") did not finish (status $st)"
done
exit 0
