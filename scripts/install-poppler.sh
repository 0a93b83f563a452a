#!/usr/bin/env bash
# Debian's poppler-utils, for the receipt tests and docs: `pdfsig` is an independent PDF reader that
# reports a receipt's seal as valid, `pdftoppm` draws docs/receipt-sample.png. Needs root (CI runs as
# root); does nothing if pdfsig is already installed.
set -euo pipefail
command -v pdfsig >/dev/null 2>&1 && command -v pdftoppm >/dev/null 2>&1 && exit 0
echo "installing Debian's poppler-utils for the receipt tests" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq poppler-utils >/dev/null
