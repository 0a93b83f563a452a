// sha256:d5edd740025dff8c62a17450f86936e50a01458b49d8d157428cef1a31f6d580 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';
import { sqlSource } from '../src/db/sql-source.ts';

const RUN_IDEMPOTENT_WRITE = 'run_idempotent_write(integer, text, bytea, interval, interval, text, jsonb, text)';

// Issue 7: an offer is one round trip. offer_contract takes the states the service's machine allows
// the offer from, instead of the service reading the player's state first; run_idempotent_write,
// which calls it, passes them on.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    DROP FUNCTION ${RUN_IDEMPOTENT_WRITE};
    DROP FUNCTION offer_contract(integer, integer, integer, integer, boolean, text, text);
  `);
  pgm.sql(sqlSource('offer_contract.v4.sql'));
  pgm.sql(sqlSource('run_idempotent_write.v2.sql'));
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    DROP FUNCTION ${RUN_IDEMPOTENT_WRITE};
    DROP FUNCTION offer_contract(integer, integer, integer, integer, boolean, text[], text, text);
  `);
  pgm.sql(sqlSource('offer_contract.v3.sql'));
  pgm.sql(sqlSource('run_idempotent_write.v1.sql'));
}
