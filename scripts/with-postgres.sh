#!/usr/bin/env bash
# Runs a command against a throwaway PostgreSQL cluster: initdb in a temp dir,
# a server on a unix socket there, DATABASE_URL pointed at it, everything
# removed afterwards. Uses Debian's postgresql binaries.
set -euo pipefail
bindir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n1)
if [ -z "$bindir" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    bindir=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n1)
  else
    echo "PostgreSQL is not installed (Debian: apt-get install postgresql)" >&2; exit 1
  fi
fi
tmp=$(mktemp -d)
chmod 755 "$tmp"
runas=()
# initdb refuses to run as root: run the cluster as the unprivileged postgres user.
if [ "$(id -u)" = "0" ]; then
  id postgres >/dev/null 2>&1 || useradd --system --home "$tmp" postgres
  chown postgres "$tmp"
  runas=(runuser -u postgres --)
fi
cleanup() {
  "${runas[@]}" "$bindir/pg_ctl" -D "$tmp/data" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$tmp"
}
trap cleanup EXIT
"${runas[@]}" "$bindir/initdb" -D "$tmp/data" -U plaudit --auth=trust -E UTF8 >/dev/null
"${runas[@]}" "$bindir/pg_ctl" -D "$tmp/data" -o "-k $tmp -c listen_addresses='' -c fsync=off" -l "$tmp/log" -w start >/dev/null
# The socket directory as the URL's host, percent-encoded, so Django's HOST names it.
export DATABASE_URL="postgres://plaudit@$(python3 -c 'import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=""))' "$tmp")/plaudit"
"${runas[@]}" "$bindir/createdb" -h "$tmp" -U plaudit plaudit
echo "==> PostgreSQL at $tmp"
"$@"
