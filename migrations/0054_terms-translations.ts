// sha256:6eab29098e391284cfae410bc0c6f94db14ee63e5224cd3716a869372d1d136d sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// A version of the terms may say its language and carry translations (docs/LANGUAGES.md), rows of
// their own, immutable like the version. A nullable column and a new table, whose foreign key
// takes contract_terms' lock for a moment; the CHECK is validated in 0055.
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
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
  `);
}
