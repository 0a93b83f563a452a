// sha256:e4188404d024cb58e9f3f6a43d0a9e4741ff66e2427121bda621c0255842a5c3 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// Issue 6: the machine's rules become data the database enforces for every writer. These tables
// only give them a place; the rows, and the CHECKs on the status and audit event columns, come from
// machines/contract.ts through `npm run db:sync` (the generated migrations, from 0008 on), so
// the hand-written CHECKs of 0001 go here.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE TABLE contract_statuses (
      status text PRIMARY KEY,
      initial boolean NOT NULL
    );
    CREATE UNIQUE INDEX contract_statuses_one_initial ON contract_statuses (initial) WHERE initial;

    CREATE TABLE contract_transitions (
      from_status text NOT NULL REFERENCES contract_statuses (status),
      event text NOT NULL,
      -- xstate tries a state's transitions for one event in order, taking the first whose guard holds.
      position smallint NOT NULL CHECK (position >= 0),
      guard text, -- named like the machine's guard; NULL: the transition always applies
      to_status text NOT NULL REFERENCES contract_statuses (status),
      audit_event text, -- the contract_audit_log.event_type written; NULL: none
      PRIMARY KEY (from_status, event, position)
    );

    -- Why a state does not take an event, as src/errors.ts names it and the SQLSTATE to raise.
    CREATE TABLE contract_refusals (
      status text NOT NULL REFERENCES contract_statuses (status),
      event text NOT NULL,
      code text NOT NULL,
      sqlstate text NOT NULL CHECK (sqlstate ~ '^[0-9A-Z]{5}$'),
      PRIMARY KEY (status, event)
    );

    ALTER TABLE players DROP CONSTRAINT players_contract_status_check;
    ALTER TABLE contract_audit_log DROP CONSTRAINT contract_audit_log_event_type_check;
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE contract_audit_log ADD CONSTRAINT contract_audit_log_event_type_check
      CHECK (event_type IN ('re_offer', 'tier_change', 'sign', 'decline'));
    ALTER TABLE players ADD CONSTRAINT players_contract_status_check
      CHECK (contract_status IN ('none', 'offered', 'declined', 'signed'));
    DROP TABLE contract_refusals;
    DROP TABLE contract_transitions;
    DROP TABLE contract_statuses;
  `);
}
