// sha256:3d0db3e7b00e37dfb49c734e346445f6b519a80cd44686b8e45b7dfcf6548bb5 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// The e-mail budget of each address a club writes to (sql/claim_family_mail.sql): when its recent
// offer and reminder mails left, so no sequence of admin requests floods one family. Keyed by the
// sha256 of the lower-cased address, so the table keeps no address of a player since deleted. A new
// table: nothing to rewrite or scan, and only a brief lock on tenants for the foreign key.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE TABLE family_mail_budgets (
      tenant_id integer NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
      address_sha256 bytea NOT NULL CHECK (octet_length(address_sha256) = 32),
      sent_at timestamptz[] NOT NULL DEFAULT '{}',
      PRIMARY KEY (tenant_id, address_sha256)
    );
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql('DROP TABLE family_mail_budgets;');
}
