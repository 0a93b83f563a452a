import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { appDatabaseUrl, ensureAppDatabase } from '../../src/db/app-database.ts';
import { type RunningPostgres, startEmbeddedPostgres } from '../../src/db/embedded-postgres.ts';
import { migrate } from '../../src/db/migrate.ts';
import { freePort } from '../../tools/free-port.ts';

/**
 * A PostgreSQL server of its own for a test that stops and starts it: the shared test cluster
 * cannot go down under every other test file. Durable settings (no fsync=off), so that a stop
 * loses exactly what a production server would.
 */
export interface DedicatedPostgres {
  /** The migrated app database, as the app's non-superuser role. */
  readonly url: string;
  /** Stops the server for real (a fast shutdown: clients are cut off, open transactions roll back). */
  stop(): Promise<void>;
  /** Starts it again on the same data and port. */
  start(): Promise<void>;
  /** Stops it if running and deletes its data. */
  destroy(): Promise<void>;
}

export async function startDedicatedPostgres(): Promise<DedicatedPostgres> {
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-dedicated-'));
  await fs.chmod(workDir, 0o755); // as root, PostgreSQL runs as `postgres` and must get in
  const options = {
    dataDir: path.join(workDir, 'postgres'),
    port: await freePort(),
    superuserPassword: randomBytes(12).toString('hex'),
    throwaway: false,
    onLog: () => {},
  };
  let cluster: RunningPostgres | null = null;
  const destroy = async () => {
    await cluster?.stop();
    cluster = null;
    await fs.rm(workDir, { recursive: true, force: true });
  };
  try {
    cluster = await startEmbeddedPostgres(options);
    const app = { role: 'club_contracts', password: randomBytes(12).toString('hex'), database: 'club_contracts' };
    await ensureAppDatabase(cluster.superuserUrl('postgres'), app);
    const url = appDatabaseUrl(cluster.superuserUrl('postgres'), app);
    await migrate(url, { direction: 'up', log: () => {} });
    return {
      url,
      stop: async () => {
        await cluster?.stop();
        cluster = null;
      },
      start: async () => {
        cluster = await startEmbeddedPostgres(options);
      },
      destroy,
    };
  } catch (error) {
    await destroy();
    throw error;
  }
}
