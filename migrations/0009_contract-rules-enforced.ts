// sha256:a23a186da4f2b289c464af5190002edc985c17b94bb0c25d367c02eb4a1cae39 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';
import { sqlSource } from '../src/db/sql-source.ts';

const OFFER_CONTRACT = 'offer_contract(integer, integer, integer, integer, boolean, text, text)';
const SIGN_CONTRACT = 'sign_contract(text, text, text, inet, text)';

// Issue 6: the machine's rules (0008) bind every writer of players. A trigger refuses contract
// columns written outside the contract functions and status changes the rules do not list; the
// functions read their transitions from the rules; override_contract is the audited way round.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    -- Why an operator overrode the rules; only an override has (and must have) one.
    ALTER TABLE contract_audit_log ADD COLUMN reason text,
      ADD CONSTRAINT contract_audit_log_override_has_reason CHECK ((event_type = 'admin_override') = (reason IS NOT NULL));

    DROP FUNCTION decline_contract(text);
    DROP FUNCTION ${SIGN_CONTRACT};
    DROP FUNCTION lock_offered_contract(text);
    DROP FUNCTION ${OFFER_CONTRACT};
  `);
  pgm.sql(sqlSource('permit_contract_write.v1.sql'));
  pgm.sql(sqlSource('players_contract_rules.v1.sql'));
  pgm.sql(`
    CREATE TRIGGER players_contract_rules
      BEFORE INSERT OR UPDATE ON players
      FOR EACH ROW EXECUTE FUNCTION players_contract_rules();
  `);
  pgm.sql(sqlSource('contract_transition.v1.sql'));
  pgm.sql(sqlSource('offer_contract.v3.sql'));
  pgm.sql(sqlSource('lock_offered_contract.v3.sql'));
  pgm.sql(sqlSource('sign_contract.v2.sql'));
  pgm.sql(sqlSource('decline_contract.v2.sql'));
  pgm.sql(sqlSource('override_contract.v1.sql'));
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    DROP FUNCTION override_contract(integer, integer, jsonb, text, text);
    DROP FUNCTION decline_contract(text);
    DROP FUNCTION ${SIGN_CONTRACT};
    DROP FUNCTION lock_offered_contract(text);
    DROP FUNCTION ${OFFER_CONTRACT};
    DROP FUNCTION contract_transition(text, text, boolean, boolean);
    DROP TRIGGER players_contract_rules ON players;
    DROP FUNCTION players_contract_rules();
    DROP FUNCTION permit_contract_write(integer, integer, text);
    ALTER TABLE contract_audit_log DROP COLUMN reason;
  `);
  pgm.sql(sqlSource('offer_contract.v2.sql'));
  pgm.sql(sqlSource('lock_offered_contract.v2.sql'));
  pgm.sql(sqlSource('sign_contract.v1.sql'));
  pgm.sql(sqlSource('decline_contract.v1.sql'));
}
