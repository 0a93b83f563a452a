import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ExecutionContext } from 'ava';

/** A throwaway migration's SQL; one that calls pgm.noTransaction() says so. */
export type ThrowawayMigration = string | { readonly noTransaction: true; readonly sql: string };

/** The SQL of a throwaway migration and whether the runner wraps it in a transaction. */
export const sqlOf = (migration: ThrowawayMigration) =>
  typeof migration === 'string' ? { sql: migration, inTransaction: true } : { sql: migration.sql, inTransaction: false };

/** A migrations folder of its own, removed after the test: each migration's up runs its SQL. */
export async function migrationsFolder(t: ExecutionContext, migrations: Record<string, ThrowawayMigration>): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-migrations-'));
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  for (const [name, migration] of Object.entries(migrations)) {
    const { sql, inTransaction } = sqlOf(migration);
    await fs.writeFile(
      path.join(dir, `${name}.js`),
      `exports.up = (pgm) => {${inTransaction ? '' : ' pgm.noTransaction();'} pgm.sql(${JSON.stringify(sql)}); };\n`,
    );
  }
  return dir;
}
