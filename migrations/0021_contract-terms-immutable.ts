// sha256:4080c387f06f1ab3a0b16e7ee2ce598680c40a6ab0b50529811f98cb0e48c1dc sealed by `npm run db:sync`: never edit a committed migration, write a new one.
import type { MigrationBuilder } from 'node-pg-migrate';

// contract_terms refuses UPDATE, DELETE and TRUNCATE (sql/contract_terms_immutable.sql, installed by 0020).
export async function up(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    CREATE TRIGGER contract_terms_immutable
      BEFORE UPDATE OR DELETE ON contract_terms
      FOR EACH ROW EXECUTE FUNCTION contract_terms_immutable();
    CREATE TRIGGER contract_terms_no_truncate
      BEFORE TRUNCATE ON contract_terms
      FOR EACH STATEMENT EXECUTE FUNCTION contract_terms_immutable();
  `);
}

export async function down(pgm: MigrationBuilder): Promise<void> {
  pgm.sql(`
    DROP TRIGGER contract_terms_no_truncate ON contract_terms;
    DROP TRIGGER contract_terms_immutable ON contract_terms;
  `);
}
