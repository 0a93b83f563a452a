import { randomBytes } from 'node:crypto';
import { type DatabasePool, createPool, sql } from 'slonik';
import { appDatabaseUrl } from '../../src/db/app-database.ts';
import { createDatabasePool } from '../../src/db/pool.ts';
import { testEnv } from './environment.ts';

/**
 * The service's pool settings give up after a few seconds (src/config.ts); a test's pool waits as
 * long as two loaded cores may need. Only a test about a timeout makes a pool with the service's.
 */
export const LOADED_MACHINE_WAITS = { connectTimeoutMs: 30_000, statementTimeoutMs: 60_000, poolWaitTimeoutMs: 30_000 } as const;

export interface TestDatabase {
  readonly name: string;
  readonly url: string;
  /** Connected as the app's role, configured like the service's pool but for its timeouts. */
  readonly pool: DatabasePool;
  drop(): Promise<void>;
}

/**
 * A database of its own for one test file: a clone of the migrated template (or an empty one, for
 * the migration tests), owned by the app's non-superuser role.
 */
export async function createTestDatabase(options: { empty?: boolean } = {}): Promise<TestDatabase> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  const role = testEnv('role');
  const template = options.empty ? 'template0' : testEnv('template');
  await asSuperuser((pool) =>
    pool.query(
      sql.unsafe`CREATE DATABASE ${sql.identifier([name])} TEMPLATE ${sql.identifier([template])} OWNER ${sql.identifier([role])}`,
    ),
  );
  const url = appDatabaseUrl(testEnv('superuserUrl'), { role, password: testEnv('password'), database: name });
  const pool = await createDatabasePool(url, { maximumPoolSize: 10, ...LOADED_MACHINE_WAITS });
  return {
    name,
    url,
    pool,
    drop: async () => {
      await pool.end();
      await asSuperuser((superuser) => superuser.query(sql.unsafe`DROP DATABASE ${sql.identifier([name])} WITH (FORCE)`));
    },
  };
}

async function asSuperuser<T>(work: (pool: DatabasePool) => Promise<T>): Promise<T> {
  const pool = await createPool(testEnv('superuserUrl'), { maximumPoolSize: 1, connectionTimeout: 30_000 });
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}
