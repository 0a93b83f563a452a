import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Config } from '../config.ts';
import { appDatabaseUrl, ensureAppDatabase } from './app-database.ts';

export interface OpenDatabase {
  readonly url: string;
  /** Where migrations run: DATABASE_MIGRATION_URL if set, else `url`. */
  readonly migrationUrl: string;
  /** Where the data lives, for the start-up message (no credentials). */
  readonly description: string;
  /**
   * This process has just started the embedded cluster, so nothing else is connected to it: no
   * other worker works its job queue (`npm run worker` needs DATABASE_URL).
   */
  readonly startedHere: boolean;
  /** Stops the embedded cluster if this process started it. */
  stop(): Promise<void>;
}

interface LocalCredentials {
  readonly superuserPassword: string;
  readonly appPassword: string;
}

/**
 * The operator's database when DATABASE_URL is set; otherwise an embedded PostgreSQL whose data
 * (and generated passwords) live under DATA_DIR, owned by a non-superuser role like a deployment.
 * `onNotice` hears what start-up recovered from after a run that ended without stopping it, and
 * where the data went if PostgreSQL's user cannot reach DATA_DIR.
 */
export async function openDatabase(
  config: Config,
  onLog: (line: string) => void,
  onNotice: (message: string) => void = () => {},
): Promise<OpenDatabase> {
  if (config.databaseUrl !== null) {
    const { hostname, port, pathname } = new URL(config.databaseUrl);
    return {
      url: config.databaseUrl,
      migrationUrl: config.databaseMigrationUrl ?? config.databaseUrl,
      description: `postgres://${hostname}:${port || 5432}${pathname}`,
      startedHere: false,
      stop: async () => {},
    };
  }
  // Loaded only here: a deployment with DATABASE_URL never needs it.
  const { startEmbeddedPostgres } = await import('./embedded-postgres.ts');
  const credentials = await localCredentials(path.join(config.dataDir, 'postgres-credentials.json'));
  const cluster = await startEmbeddedPostgres({
    dataDir: path.join(config.dataDir, 'postgres'),
    port: config.embeddedPostgresPort,
    superuserPassword: credentials.superuserPassword,
    throwaway: false,
    onLog,
    onNotice,
  });
  const app = { role: 'club_contracts', password: credentials.appPassword, database: 'club_contracts' };
  const serverUrl = cluster.superuserUrl('postgres');
  try {
    await ensureAppDatabase(serverUrl, app);
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  const url = appDatabaseUrl(serverUrl, app);
  return {
    url,
    migrationUrl: url,
    description: `embedded PostgreSQL on 127.0.0.1:${cluster.port}, data in ${cluster.dataDir}`,
    startedHere: cluster.owned,
    stop: () => cluster.stop(),
  };
}

async function localCredentials(file: string): Promise<LocalCredentials> {
  try {
    return JSON.parse(await fs.readFile(file, 'utf8')) as LocalCredentials;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const credentials: LocalCredentials = {
    superuserPassword: randomBytes(18).toString('base64url'),
    appPassword: randomBytes(18).toString('base64url'),
  };
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, `${JSON.stringify(credentials)}\n`, { mode: 0o600 });
  return credentials;
}
