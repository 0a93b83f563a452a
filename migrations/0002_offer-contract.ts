// sha256:f02be4681886742dcfc5fc5c3a98f8e9776aec0a2b25bced8e9db800523e5f00 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';
import { sqlSource } from '../src/db/sql-source.ts';

export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(sqlSource('contract_snapshot.v1.sql'));
  pgm.sql(sqlSource('offer_contract.v1.sql'));
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    DROP FUNCTION offer_contract(integer, integer, integer, integer, boolean, text, text);
    DROP FUNCTION contract_snapshot(players, integer[]);
  `);
}
