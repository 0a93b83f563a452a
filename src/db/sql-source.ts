import { readFileSync } from 'node:fs';

const SQL_DIR = new URL('../../sql/', import.meta.url);

/**
 * The text of a versioned function file in `sql/`. Migrations load these verbatim; a file, once a
 * migration loads it, never changes: a new version of a function is a new file and a new migration.
 */
export function sqlSource(file: string): string {
  return readFileSync(new URL(file, SQL_DIR), 'utf8');
}
