import type pg from 'pg';
import { DOWN_RISKS, type DownRisk } from './down-risks.ts';
import type { MigrateOptions } from './migrate.ts';

/** A down asked for that would lose data, or could not run, on the data there is now. */
export interface RefusedDown {
  readonly migration: string;
  readonly kind: DownRisk['kind'];
  readonly explanation: string;
}

/** Nothing was reverted: `refused` says which downs, in the order they would have run, and why. */
export class DownRefusedError extends Error {
  constructor(readonly refused: readonly RefusedDown[]) {
    const lines = refused.map(({ migration, kind, explanation }) =>
      kind === 'loses-data' ? `  ${migration} would lose ${explanation}` : `  ${migration} cannot run: ${explanation}`,
    );
    const advice = refused.some(({ kind }) => kind === 'cannot-run')
      ? 'A down that cannot run is refused with --lose-data too: change the data it names first.'
      : 'To revert them anyway and lose that data for good, run it again with --lose-data.';
    super(['migrate down refused, nothing was reverted:', ...lines, advice].join('\n'));
  }
}

/**
 * Asks every migration the down is about to revert whether its down would lose data or fail, before
 * any of them runs: migrations run one after another, so a down refused halfway would leave the
 * schema between versions, and one whose loss is found out only afterwards cannot be undone.
 */
export async function refuseLossyDowns(
  client: pg.Client,
  migrationsTable: string,
  options: Pick<MigrateOptions, 'count' | 'loseData'>,
): Promise<void> {
  const refused: RefusedDown[] = [];
  for (const migration of await migrationsToRevert(client, migrationsTable, options.count)) {
    const risk = DOWN_RISKS[migration];
    if (risk === undefined || (risk.kind === 'loses-data' && options.loseData)) continue;
    const { rows } = await client.query<[boolean]>({ text: risk.query, rowMode: 'array' });
    if (rows[0]?.[0]) refused.push({ migration, kind: risk.kind, explanation: risk.explanation });
  }
  if (refused.length > 0) throw new DownRefusedError(refused);
}

/** The migrations node-pg-migrate's runner reverts for `count`, newest first, as it chooses them. */
async function migrationsToRevert(client: pg.Client, migrationsTable: string, count = Number.POSITIVE_INFINITY) {
  const { rows: exists } = await client.query<{ table: string | null }>('SELECT to_regclass($1)::text AS table', [
    migrationsTable,
  ]);
  if (exists[0]?.table === null) return [];
  const { rows } = await client.query<{ name: string }>(
    `SELECT name FROM ${client.escapeIdentifier(migrationsTable)} ORDER BY run_on, id`,
  );
  return rows
    .map(({ name }) => name)
    .slice(-Math.abs(count))
    .reverse();
}
