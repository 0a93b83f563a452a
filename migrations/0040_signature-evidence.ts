// sha256:fafa97cd877f11554a4a458a4a3a3811cef02a04b75570db9b890d400117f50f sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// docs/PRODUCT.md, "Evidence": the completing signature's consent to sign electronically, the
// disclosure the family was shown (its version and the sha256 of its text) and the signer's user
// agent, beside who signed, when and from where. Nullable columns without defaults: a catalog
// change, no rewrite, a moment's lock on players. The previous release neither reads nor writes
// them; its sign_contract stays installed beside the new function until the next release.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE players
      ADD COLUMN contract_esign_consent boolean,
      ADD COLUMN contract_disclosure_version text,
      ADD COLUMN contract_disclosure_sha256 bytea,
      ADD COLUMN contract_signed_user_agent text;
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE players
      DROP COLUMN contract_signed_user_agent,
      DROP COLUMN contract_disclosure_sha256,
      DROP COLUMN contract_disclosure_version,
      DROP COLUMN contract_esign_consent;
  `);
}
