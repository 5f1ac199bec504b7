#!/usr/bin/env bash
# Install everything the project needs and run the whole test suite, Elasticsearch included.
#   ./scripts/test.sh            # all tests
#   ./scripts/test.sh -k query   # extra arguments go to pytest
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PY" -m venv .venv
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

# The browser tests drive Debian's Chromium through Playwright (never a downloaded browser).
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "scripts/test.sh: install Debian's chromium (sudo apt-get install chromium) for the browser tests" >&2
  fi
fi

# Elasticsearch 8.19 (integ-test distribution from Maven Central) goes outside the
# clone, run by an unprivileged user; the test session starts it on a free port.
.venv/bin/python -m warta.es_local install

exec .venv/bin/python -m pytest "$@"
