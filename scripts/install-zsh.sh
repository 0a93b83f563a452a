#!/usr/bin/env bash
# Debian's zsh, for test/readme-walkthrough.test.ts, which runs the README's commands in bash and in
# zsh (macOS's default shell, where many readers paste them). Needs root (CI runs as root); does
# nothing if zsh is already installed.
set -euo pipefail
[ -x /usr/bin/zsh ] && exit 0
echo "installing Debian's zsh for the README walkthrough test" >&2
apt-get update -qq
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq zsh >/dev/null
