import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import { freePort } from '../tools/free-port.ts';
import { copyCheckout } from './helpers/checkout-copy.ts';
import { createTestDatabase } from './helpers/database.ts';
import { eventually } from './helpers/eventually.ts';
import { type ProcessEntry, processTree, stillRunning } from './helpers/process-tree.ts';
import { CONTRACT_BASE_URL } from './helpers/server.ts';
import { type Launch, type ServiceProcess, startServiceProcess } from './helpers/service-process.ts';

// docs/PRODUCT.md, "Shutdown": process managers, `docker stop` and CI runners signal one PID — that
// of `npm start`, of `npm run start:production`, or of the service itself. SIGTERM or SIGINT to any
// of them drains and stops everything, the embedded PostgreSQL included, within 20 s, and leaves no
// process behind. Each case runs in a session of its own; its process tree is read from /proc
// before the signal, and every process in it must be gone after.

const STOP_WITHIN_MS = 20_000;
const run = promisify(execFile);

let workDir = '';
/** A copy of the checkout with `npm run build` done in it, for `npm run start:production`. */
let checkout = '';
/** A DATA_DIR whose cluster is created and migrated (the slow part of a first start), stopped cleanly. */
let template = '';

test.before(async (t) => {
  t.timeout(180_000);
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-signals-'));
  await fs.chmod(workDir, 0o755); // as root, PostgreSQL runs as `postgres` and must get in
  checkout = path.join(workDir, 'checkout');
  template = path.join(workDir, 'template');
  const building = copyCheckout(checkout).then(() => run('npm', ['run', '-s', 'build'], { cwd: checkout }));
  building.catch(() => {}); // awaited below, after the template
  const first = await startServiceProcess(await embeddedEnv(template));
  first.child.kill('SIGTERM');
  const { code } = await first.exited;
  if (code !== 0) throw new Error(`the service that made the template exited with ${code}`);
  await building;
});
test.after.always(() => fs.rm(workDir, { recursive: true, force: true }));

const LAUNCHES = {
  'npm start': (): Launch => ({ command: ['npm', 'start'] }),
  'npm run start:production': (): Launch => ({ command: ['npm', 'run', 'start:production'], cwd: checkout }),
  'the service itself': (): Launch => ({}),
};

// Every way of starting it, and both signals (npm start, whose signals were lost, with each); the
// service itself on SIGTERM is test/shutdown.test.ts's case. Fewer starts keep the file short.
const CASES = [
  ['npm start', 'SIGTERM'],
  ['npm start', 'SIGINT'],
  ['npm run start:production', 'SIGTERM'],
  ['the service itself', 'SIGINT'],
] as const;

for (const [way, signal] of CASES) {
  test(`${signal} to the PID of ${way}: it drains and stops, PostgreSQL included, leaving no process`, async (t) => {
    const { service, dataDir } = await startEmbedded(t, LAUNCHES[way]());
    const pid = service.child.pid ?? 0;
    await signalAndCheck(t, service, dataDir, () => process.kill(pid, signal), `${way}, ${signal}`);
  });
}

test('a terminal’s Ctrl-C under npm start (SIGINT to its process group: npm, the service, PostgreSQL) stops everything', async (t) => {
  const { service, dataDir } = await startEmbedded(t, LAUNCHES['npm start']());
  const pid = service.child.pid ?? 0;
  await signalAndCheck(t, service, dataDir, () => process.kill(-pid, 'SIGINT'), 'npm start, Ctrl-C');
  // npm forwards the SIGINT it got too; the kernel merges it with the terminal's if both are pending.
  t.log(`the service saw the second SIGINT: ${service.logs.some((record) => record.msg === 'already shutting down')}`);
});

test('SIGTERM to the PID of npm run worker: it stops, leaving no process', async (t) => {
  t.timeout(120_000);
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const worker = await startServiceProcess(
    { DATABASE_URL: db.url, CONTRACT_BASE_URL },
    { command: ['npm', 'run', 'worker'], detached: true, readyMessage: 'worker started' },
  );
  const tree = watchTree(t, worker.child.pid ?? 0);
  const signalledAt = Date.now();
  process.kill(worker.child.pid ?? 0, 'SIGTERM');
  const took = await untilGone(t, tree, signalledAt);
  t.deepEqual(await exitOf(worker), { code: 0, signal: null }, 'a clean exit');
  t.true(worker.logs.some((record) => record.msg === 'stopped'));
  t.log(`npm run worker, SIGTERM: ${tree.length} processes, all gone ${took} ms after the signal`);
});

async function startEmbedded(t: ExecutionContext, launch: Launch): Promise<{ service: ServiceProcess; dataDir: string }> {
  t.timeout(120_000);
  const dataDir = path.join(workDir, `case-${Math.random().toString(36).slice(2)}`);
  await run('cp', ['-a', template, dataDir]); // -a: the cluster stays its owner's (`postgres` when we are root)
  const service = await startServiceProcess(await embeddedEnv(dataDir), { ...launch, detached: true });
  return { service, dataDir };
}

async function signalAndCheck(
  t: ExecutionContext,
  service: ServiceProcess,
  dataDir: string,
  send: () => void,
  label: string,
): Promise<void> {
  const tree = watchTree(t, service.child.pid ?? 0);
  t.true(
    tree.some((entry) => /bin\/postgres -D/.test(entry.command)),
    'the embedded PostgreSQL runs in the tree',
  );
  t.is((await fetch(`${service.baseUrl}/readyz`)).status, 200, 'serving, with its database');

  const signalledAt = Date.now();
  send();
  const took = await untilGone(t, tree, signalledAt);
  t.deepEqual(await exitOf(service), { code: 0, signal: null }, 'a clean exit');
  t.true(service.logs.some((record) => record.msg === 'stopped'));
  t.false(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid')), 'PostgreSQL shut down cleanly');
  t.log(`${label}: ${tree.length} processes, all gone ${took} ms after the signal`);
}

/** The tree as it is now; whatever of it a failing test leaves is killed. */
function watchTree(t: ExecutionContext, pid: number): ProcessEntry[] {
  const tree = processTree(pid);
  t.teardown(() => {
    for (const entry of stillRunning(tree)) process.kill(entry.pid, 'SIGKILL');
  });
  return tree;
}

/** Milliseconds from the signal until every process of `tree` had gone; fails past STOP_WITHIN_MS. */
async function untilGone(t: ExecutionContext, tree: readonly ProcessEntry[], signalledAt: number): Promise<number> {
  const running = () => stillRunning(tree).map((entry) => `${entry.pid} ${entry.command}`);
  const left = await eventually(
    'processes left',
    running,
    (commands) => commands.length === 0,
    signalledAt + STOP_WITHIN_MS - Date.now(),
  ).catch(running);
  t.deepEqual(left, [], `no process left ${STOP_WITHIN_MS / 1000} s after the signal`);
  return Date.now() - signalledAt;
}

/** How the launched process ended; it is gone by now, so its exit is due at once. */
function exitOf(service: ServiceProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null } | 'still running'> {
  return Promise.race([service.exited, new Promise<'still running'>((resolve) => setTimeout(resolve, 5_000, 'still running'))]);
}

async function embeddedEnv(dataDir: string): Promise<Record<string, string>> {
  return { DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(await freePort()) };
}
