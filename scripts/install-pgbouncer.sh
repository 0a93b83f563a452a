#!/usr/bin/env bash
# Debian's PgBouncer, for test/pgbouncer.test.ts (the service behind a transaction-mode pooler).
# Needs root (CI runs as root); does nothing if PgBouncer is already installed. Debian's package
# enables a system service; nothing starts it here (no systemd in CI), and the test runs its own.
set -euo pipefail
[ -x /usr/sbin/pgbouncer ] && exit 0
echo "installing Debian's pgbouncer for the PgBouncer test" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq pgbouncer >/dev/null
