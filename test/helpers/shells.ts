/** Debian's zsh (scripts/install-zsh.sh; `npm test` installs it as root), or ZSH_PATH. */
export const ZSH = process.env.ZSH_PATH ?? '/usr/bin/zsh';
