#!/usr/bin/env bash
# Installs the browser the dashboard's end-to-end test drives: Debian's Chromium at /usr/bin/chromium.
# Idempotent: does nothing when it is already there. Needs root (CI runs as root) or sudo.
# The test (test/web/e2e.test.ts) drives it with playwright-core; no browser is downloaded by Playwright.
set -euo pipefail

CHROMIUM="${ENFORCEAI_CHROMIUM:-/usr/bin/chromium}"

if [ -x "$CHROMIUM" ]; then
  echo "chromium: already installed ($("$CHROMIUM" --version 2>/dev/null | head -n 1 || echo "$CHROMIUM"))"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "chromium: $CHROMIUM is missing and apt-get is not available; install Chromium and set ENFORCEAI_CHROMIUM to its path" >&2
  exit 1
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    echo "chromium: installing needs root (or sudo): apt-get install -y chromium" >&2
    exit 1
  fi
fi

export DEBIAN_FRONTEND=noninteractive
echo "chromium: installing Debian's chromium package"
$SUDO apt-get update -qq
# Fonts too, so that pages and screenshots render text on a minimal image.
$SUDO apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null

if [ ! -x "$CHROMIUM" ]; then
  echo "chromium: the package installed but $CHROMIUM is still missing" >&2
  exit 1
fi
echo "chromium: installed ($("$CHROMIUM" --version 2>/dev/null | head -n 1 || echo "$CHROMIUM"))"
