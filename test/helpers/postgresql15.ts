/**
 * Debian's PostgreSQL 15, the oldest release the service supports (scripts/install-postgresql15.sh;
 * `npm test` installs it as root), or POSTGRESQL_15_BIN: the folder of its initdb, pg_ctl and postgres.
 */
export const POSTGRESQL_15_BIN = process.env.POSTGRESQL_15_BIN ?? '/usr/lib/postgresql/15/bin';
