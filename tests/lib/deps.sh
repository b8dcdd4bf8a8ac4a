#!/usr/bin/env bash
# Install the Debian packages the build and the tests need, if missing:
# apt-get when root, else sudo -n, else name them and stop.
set -eu
pkgs="build-essential pkg-config libncurses-dev libcurl4-openssl-dev libjansson-dev
libpq-dev libpcre2-dev libmicrohttpd-dev libcmocka-dev postgresql-15
postgresql-client-15 tmux python3-aiosmtpd valgrind groff-base locales"
missing=""
for p in $pkgs; do
  st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  case "$st" in *"install ok installed"*) ;; *) missing="$missing $p" ;; esac
done
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing" >&2
if [ "$(id -u)" = 0 ]; then
  as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  as_root="sudo -n"
else
  echo "deps: missing Debian packages:$missing" >&2
  echo "deps: install them (apt-get install$missing) and run again" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
$as_root apt-get install -y -q --no-install-recommends $missing >/dev/null 2>&1 || {
  $as_root apt-get update -q >/dev/null
  $as_root apt-get install -y -q --no-install-recommends $missing >/dev/null
}
