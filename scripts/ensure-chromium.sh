#!/usr/bin/env bash
# Finds Debian's Chromium for the browser tests, installing it with apt when
# missing and we may (root). Playwright's own browser download cannot work here.
set -euo pipefail
path="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$path" ]; then exit 0; fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests…"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  exit 0
fi
echo "Chromium not found at $path. Install it (apt-get install chromium) or set CHROMIUM_PATH." >&2
exit 1
