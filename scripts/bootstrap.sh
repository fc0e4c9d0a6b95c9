#!/usr/bin/env bash
# Prepares a fresh machine for Plaudit: the virtualenv with the project and its
# dev extras, and Debian's redis-server. Safe to run again: it only redoes what
# changed (the install is stamped with a hash of pyproject.toml).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv"
  "$PYTHON" -m venv .venv
fi

stamp=.venv/.plaudit-installed
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "==> installing Plaudit and its dependencies into .venv"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[dev]"
  echo "$want" > "$stamp"
fi

if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Debian's redis-server"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
    # Debian starts a system-wide instance; Plaudit runs its own on a unix socket.
    (service redis-server stop || true) >/dev/null 2>&1
  else
    echo "redis-server is missing. Install it (Debian: 'sudo apt-get install redis-server')" >&2
    echo "or point REDIS_URL at a Redis 7 server you run." >&2
    [ -n "${REDIS_URL:-}" ] || exit 1
  fi
fi

# The browser tests drive Debian's chromium through Playwright; no browser is ever downloaded at run time.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "==> installing Debian's chromium (for the browser tests)"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "chromium is missing: the browser tests need it (Debian: 'sudo apt-get install chromium')." >&2
  fi
fi

# The company sign-in tests (tests/test_oidc.py) run node's oidc-provider, pinned in tests/oidc/package-lock.json.
# Without node they are skipped, saying why.
if ! command -v npm >/dev/null 2>&1 && [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "==> installing Debian's nodejs and npm (for the test OpenID provider)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null || true
fi
if command -v npm >/dev/null 2>&1; then
  if [ ! -d tests/oidc/node_modules ] || [ tests/oidc/package-lock.json -nt tests/oidc/node_modules ]; then
    echo "==> installing the test OpenID provider (npm ci --prefix tests/oidc)"
    npm ci --prefix tests/oidc --no-audit --no-fund --silent
  fi
else
  echo "node is missing: the company sign-in tests will be skipped (Debian: 'sudo apt-get install nodejs npm')." >&2
fi

# The workbench's rule editor (CodeMirror 6, web/editor): its packages pinned in web/editor/package-lock.json,
# bundled by esbuild into web/static/web/build/editor.js (git-ignored), rebuilt when the lock or a source is
# newer than the bundle. Without node the workbench keeps its plain textarea.
bundle=web/static/web/build/editor.js
if command -v npm >/dev/null 2>&1; then
  if [ ! -d web/editor/node_modules ] || [ web/editor/package-lock.json -nt web/editor/node_modules ]; then
    echo "==> installing the rule editor's packages (npm ci --prefix web/editor)"
    npm ci --prefix web/editor --no-audit --no-fund --silent
    touch web/editor/node_modules
  fi
  if [ ! -f "$bundle" ] || [ web/editor/package-lock.json -nt "$bundle" ] || [ -n "$(find web/editor/src -newer "$bundle" -print -quit)" ]; then
    echo "==> building the rule editor ($bundle)"
    npm run --prefix web/editor --silent build -- --log-level=warning
  fi
else
  echo "node is missing: the rules workbench keeps its plain text box (Debian: 'sudo apt-get install nodejs npm')." >&2
fi
