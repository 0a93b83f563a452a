// sha256:19af615cb81dee00089ba148a6042745573e29a137be18db8a2d81489d373b08 sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// Families in their language (docs/LANGUAGES.md). A guardian, a player and each signer of an offer
// may have a language of their own. A language is a code with a catalog (src/i18n/catalogs/): the
// database checks only its form, so that adding a language is adding a catalog, not a migration;
// the club's default_language takes any such code from now on.
//
// A signer records the language of the terms they read (terms_language), beside the sha256 of that
// very text. A version of the terms may carry translations, rows of their own, immutable like the
// version; `contract_terms.language` names the language of the version's own text.
//
// Nullable columns and a new table: catalog changes. The CHECKs are NOT VALID (nothing to check
// yet, and checking would scan players under a write lock), validated in 0054.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    ALTER TABLE tenants DROP CONSTRAINT tenants_default_language_check;
    ALTER TABLE tenants ADD CONSTRAINT tenants_default_language_check CHECK (default_language ~ '^[a-z]{2,3}$') NOT VALID;

    ALTER TABLE players ADD COLUMN language text;
    ALTER TABLE players ADD CONSTRAINT players_language_check CHECK (language ~ '^[a-z]{2,3}$') NOT VALID;
    ALTER TABLE guardians ADD COLUMN language text;
    ALTER TABLE guardians ADD CONSTRAINT guardians_language_check CHECK (language ~ '^[a-z]{2,3}$') NOT VALID;
    ALTER TABLE contract_signers ADD COLUMN language text, ADD COLUMN terms_language text;
    ALTER TABLE contract_signers ADD CONSTRAINT contract_signers_language_check
      CHECK (language ~ '^[a-z]{2,3}$' AND terms_language ~ '^[a-z]{2,3}$') NOT VALID;

    ALTER TABLE contract_terms ADD COLUMN language text;
    ALTER TABLE contract_terms ADD CONSTRAINT contract_terms_language_check CHECK (language ~ '^[a-z]{2,3}$') NOT VALID;
    CREATE TABLE contract_terms_translations (
      tenant_id integer NOT NULL,
      version integer NOT NULL,
      language text NOT NULL CHECK (language ~ '^[a-z]{2,3}$'),
      title text NOT NULL CHECK (char_length(title) BETWEEN 1 AND 200),
      body text NOT NULL CHECK (char_length(body) BETWEEN 1 AND 100000),
      sha256 bytea NOT NULL,
      CONSTRAINT contract_terms_translations_pkey PRIMARY KEY (tenant_id, version, language),
      CONSTRAINT contract_terms_translations_terms_fkey FOREIGN KEY (tenant_id, version)
        REFERENCES contract_terms (tenant_id, version) ON DELETE CASCADE,
      CONSTRAINT contract_terms_translations_sha256 CHECK (sha256 = sha256(convert_to(body, 'UTF8')))
    );
    CREATE TRIGGER contract_terms_translations_immutable
      BEFORE UPDATE OR DELETE ON contract_terms_translations
      FOR EACH ROW EXECUTE FUNCTION contract_terms_immutable();
    CREATE TRIGGER contract_terms_translations_no_truncate
      BEFORE TRUNCATE ON contract_terms_translations
      FOR EACH STATEMENT EXECUTE FUNCTION contract_terms_immutable();
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    DROP TABLE contract_terms_translations;
    ALTER TABLE contract_terms DROP COLUMN language;
    ALTER TABLE contract_signers DROP COLUMN language, DROP COLUMN terms_language;
    ALTER TABLE guardians DROP COLUMN language;
    ALTER TABLE players DROP COLUMN language;
    UPDATE tenants SET default_language = 'en' WHERE default_language NOT IN ('en', 'es');
    ALTER TABLE tenants DROP CONSTRAINT tenants_default_language_check;
    ALTER TABLE tenants ADD CONSTRAINT tenants_default_language_check CHECK (default_language IN ('en', 'es'));
  `);
}
