import { createHash } from 'node:crypto';

/**
 * Committed migrations are immutable: a database that ran one never runs it again, so an edit after
 * the fact would make fresh and upgraded databases differ in silence. Each migration file starts with
 * a seal, the sha256 of the rest of the file, as graphile-migrate's committed migrations do;
 * `npm run db:sync` seals new ones and test/migrations-sealed.test.ts fails on a broken seal.
 */

const SEAL = /^\/\/ sha256:([0-9a-f]{64}) sealed by `npm run db:sync`[^\n]*\n/;

const digest = (body: string) => createHash('sha256').update(body).digest('hex');

export type SealState = 'sealed' | 'unsealed' | 'broken';

export function sealState(text: string): SealState {
  const match = SEAL.exec(text);
  if (match === null) return 'unsealed';
  return match[1] === digest(text.slice(match[0].length)) ? 'sealed' : 'broken';
}

/** The file with its seal; a sealed file is returned unchanged, a broken one refused. */
export function seal(text: string): string {
  const state = sealState(text);
  if (state === 'sealed') return text;
  if (state === 'broken') throw new Error('this migration was edited after it was sealed; write a new migration instead');
  return `// sha256:${digest(text)} sealed by \`npm run db:sync\`: never edit a committed migration, write a new one.\n${text}`;
}
