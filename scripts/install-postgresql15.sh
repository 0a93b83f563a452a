#!/usr/bin/env bash
# Debian's PostgreSQL 15, the oldest release the service supports, for test/production-recipe.test.ts
# (docs/OPERATING.md, "Step by step" runs on it). Needs root (CI runs as root); does nothing if it is
# already installed. Debian's package creates a cluster and a service; nothing starts them here (no
# systemd in CI), and the test runs a server of its own.
set -euo pipefail
[ -x /usr/lib/postgresql/15/bin/postgres ] && exit 0
echo "installing Debian's postgresql-15 for the production recipe test" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql-15 >/dev/null
