#!/usr/bin/env bash
# Debian's promtool (package `prometheus`), for test/metrics-promtool.test.ts, which checks that
# /metrics is valid Prometheus text. Needs root (CI runs as root); does nothing if promtool is
# already installed. The package also brings the Prometheus server as a system service; nothing
# starts it here (no systemd in CI), and the test runs only promtool.
set -euo pipefail
[ -x /usr/bin/promtool ] && exit 0
echo "installing Debian's prometheus (for promtool) for the /metrics test" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus >/dev/null
