// sha256:6a83a0a60ba3ba02e6182af03e3eba8baf2d23cbaae810cd17b448fa0fc3117f sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';
import { sqlSource } from '../src/db/sql-source.ts';

const OFFER_CONTRACT = 'offer_contract(integer, integer, integer, integer, boolean, text[], text, text)';

// Issue 7: a family's sign or decline is one round trip, like an offer. The functions take the
// states the service's machine allows the event from (one check, refuse_unless_machine_allows,
// shared with offer_contract v5) and answer with the contract as the link now shows it.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    DROP FUNCTION decline_contract(text);
    DROP FUNCTION sign_contract(text, text, text, inet, text);
    DROP FUNCTION ${OFFER_CONTRACT};
  `);
  pgm.sql(sqlSource('refuse_unless_machine_allows.v1.sql'));
  pgm.sql(sqlSource('family_answer.v1.sql'));
  pgm.sql(sqlSource('offer_contract.v5.sql'));
  pgm.sql(sqlSource('sign_contract.v3.sql'));
  pgm.sql(sqlSource('decline_contract.v3.sql'));
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    DROP FUNCTION decline_contract(text, text[]);
    DROP FUNCTION sign_contract(text, text, text, inet, text, text[]);
    DROP FUNCTION ${OFFER_CONTRACT};
    DROP FUNCTION family_answer(players, players);
    DROP FUNCTION refuse_unless_machine_allows(text, text, text[]);
  `);
  pgm.sql(sqlSource('offer_contract.v4.sql'));
  pgm.sql(sqlSource('sign_contract.v2.sql'));
  pgm.sql(sqlSource('decline_contract.v2.sql'));
}
