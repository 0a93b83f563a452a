#!/usr/bin/env bash
# Debian's Chromium, for the browser tests: playwright-core drives it, and cannot download a browser
# of its own here. Needs root (CI runs as root); does nothing if Chromium is already installed.
set -euo pipefail
command -v chromium >/dev/null 2>&1 && exit 0
echo "installing Debian's chromium for the browser tests" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
