import { readFileSync } from 'node:fs';

const FROZEN_DIR = new URL('../../migrations/frozen/', import.meta.url);

/**
 * The text of a frozen function file, `migrations/frozen/NAME.vN.sql`, as migrations 0001–0011 load
 * it verbatim. These files are history: they stay byte for byte what those migrations first ran
 * (test/migrations-frozen.test.ts). The current definitions are in sql/, and reach a database only
 * through the migrations `npm run db:sync` generates, which hold their text inline.
 */
export function sqlSource(file: string): string {
  return readFileSync(new URL(file, FROZEN_DIR), 'utf8');
}
