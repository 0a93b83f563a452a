/** Debian's promtool (package `prometheus`; .ci/run and test/run.ts as root install it), or PROMTOOL_PATH. */
export const PROMTOOL = process.env.PROMTOOL_PATH ?? '/usr/bin/promtool';
