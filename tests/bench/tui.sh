#!/usr/bin/env bash
# tui.sh - the console's figures (issue 4): runs tests/tui/bench.sh with the
# build directory `make bench` used.
top=$(cd "$(dirname "$0")/../.." && pwd)
exec bash "$top/tests/tui/bench.sh" "${BUILD:-build}"
