import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { createTestDatabase } from './helpers/database.ts';
import { createClub, createPlayer } from './helpers/fixtures.ts';
import { freePort } from '../tools/free-port.ts';
import { request } from './helpers/http.ts';
import { type ServiceProcess, startServiceProcess } from './helpers/service-process.ts';

// docs/PRODUCT.md, "Non-functional guarantees" and "The job": a crash of the service (SIGKILL: no
// shutdown code runs) loses nothing it acknowledged. After N offers answered 200, the service is
// killed and started again on the same data; it must come up by itself and every one of the N
// offers must be there with its token. In the embedded mode the killed service leaves its
// PostgreSQL behind, still running (an orphan) or, if that died too, a stale lock file:
// src/db/embedded-postgres.ts recovers from both.

const N = 50;
const run = promisify(execFile);

test('embedded mode: SIGKILL after N acknowledged offers; the restart stops the orphaned PostgreSQL and finds all N', async (t) => {
  t.timeout(150_000);
  const bed = await crashTestBed(t);
  const first = await bed.start();
  const token = await bed.adminToken(await bed.createClub());
  const acknowledged = await offerEach(first, token, await createPlayersOverHttp(first, token));
  const orphan = postmasterPid(bed.dataDir);

  first.child.kill('SIGKILL');
  t.is((await first.exited).signal, 'SIGKILL');
  t.true(isRunning(orphan), 'the killed service left its PostgreSQL running');

  const second = await bed.start();
  t.false(isRunning(orphan), 'the orphan was stopped');
  t.not(postmasterPid(bed.dataDir), orphan, 'a PostgreSQL of its own');
  t.true(second.logs.some((line) => /was left running by a process that ended without stopping it/.test(String(line.msg))));
  const found = await storedOffers(second, token);
  t.deepEqual(found, acknowledged, `all ${N} offers, with their tokens`);
  t.log(`embedded, orphan left running: ${acknowledged.size} offers acknowledged, ${found.size} found after the restart`);

  await bed.stopCleanly(second);
});

test('embedded mode: PostgreSQL killed with the service; the restart runs crash recovery and finds all N', async (t) => {
  t.timeout(150_000);
  const bed = await crashTestBed(t);
  const first = await bed.start();
  const token = await bed.adminToken(await bed.createClub());
  const acknowledged = await offerEach(first, token, await createPlayersOverHttp(first, token));
  const postmaster = postmasterPid(bed.dataDir);

  first.child.kill('SIGKILL');
  process.kill(postmaster, 'SIGKILL'); // no shutdown checkpoint: only the write-ahead log has the offers
  await first.exited;
  await waitFor(() => !isRunning(postmaster));

  const second = await bed.start();
  t.true(second.logs.some((line) => /did not shut down cleanly/.test(String(line.msg))));
  const found = await storedOffers(second, token);
  t.deepEqual(found, acknowledged, `all ${N} offers, with their tokens`);
  t.log(`embedded, PostgreSQL killed too: ${acknowledged.size} offers acknowledged, ${found.size} found after crash recovery`);

  await bed.stopCleanly(second);
});

test('DATABASE_URL mode: SIGKILL after N acknowledged offers; a restart against the same database finds all N', async (t) => {
  t.timeout(120_000);
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const bed = await crashTestBed(t, { DATABASE_URL: db.url });
  const club = await createClub(db.pool);
  const players: number[] = [];
  for (let i = 0; i < N; i += 1) players.push(await createPlayer(db.pool, club));

  const first = await bed.start();
  const token = await bed.adminToken(club.slug);
  const acknowledged = await offerEach(first, token, players);
  first.child.kill('SIGKILL');
  await first.exited;

  const rows = await db.pool.any(sql.type(z.object({ id: z.number(), contract_token: z.string().nullable() }))`
    SELECT id, contract_token FROM players WHERE tenant_id = ${club.id} AND contract_status = 'offered' ORDER BY id
  `);
  t.deepEqual(new Map(rows.map((row) => [row.id, row.contract_token])), acknowledged, 'in the database right after the kill');

  const second = await bed.start();
  const found = await storedOffers(second, token);
  t.deepEqual(found, acknowledged, `all ${N} offers, served by the restarted service`);
  t.log(`DATABASE_URL: ${acknowledged.size} offers acknowledged, ${found.size} found after the restart`);
  await bed.stopCleanly(second);
});

interface CrashTestBed {
  readonly dataDir: string;
  /** Starts the service (`npm start`) on this bed's DATA_DIR. */
  start(): Promise<ServiceProcess>;
  /** A club made with the operator's CLI; returns its slug. */
  createClub(): Promise<string>;
  adminToken(slug: string): Promise<string>;
  /** SIGTERM, then checks that nothing is left running. */
  stopCleanly(service: ServiceProcess): Promise<void>;
}

/**
 * A DATA_DIR of the test's own, and a teardown that leaves nothing behind whatever happened: it
 * kills the services it started and stops any PostgreSQL still running from the folder (an orphan
 * of a killed service included) before deleting it. If the worker itself is ended, the exit hook
 * still kills them.
 */
async function crashTestBed(t: ExecutionContext, env: Record<string, string> = {}): Promise<CrashTestBed> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-crash-'));
  await fs.chmod(dataDir, 0o755); // as root, PostgreSQL runs as `postgres` and must get in
  const serviceEnv = { DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(await freePort()), ...env };
  const services: ServiceProcess[] = [];
  const killEverything = () => {
    for (const service of services) service.child.kill('SIGKILL');
    const pid = postmasterPidOrNull(dataDir);
    if (pid !== null && isRunning(pid)) process.kill(pid, 'SIGQUIT');
  };
  process.on('exit', killEverything);
  t.teardown(async () => {
    process.off('exit', killEverything);
    for (const service of services) service.child.kill('SIGKILL');
    await Promise.all(services.map((service) => service.exited));
    const pid = postmasterPidOrNull(dataDir);
    if (pid !== null && isRunning(pid)) {
      process.kill(pid, 'SIGINT');
      await waitFor(() => !isRunning(pid), 15_000).catch(() => process.kill(pid, 'SIGKILL'));
    }
    await fs.rm(dataDir, { recursive: true, force: true });
  });
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: { ...process.env, ...serviceEnv } });
  return {
    dataDir,
    start: async () => {
      const service = await startServiceProcess(serviceEnv);
      services.push(service);
      return service;
    },
    createClub: async () => {
      await cli('tenant', 'create', 'crash-club', 'Crash Club');
      return 'crash-club';
    },
    adminToken: async (slug) => (await cli('token', slug)).stdout.trim(),
    stopCleanly: async (service) => {
      const postmaster = postmasterPidOrNull(dataDir);
      service.child.kill('SIGTERM');
      t.deepEqual(await service.exited, { code: 0, signal: null }, 'a clean exit');
      if (env.DATABASE_URL === undefined) {
        t.is(postmasterPidOrNull(dataDir), null, 'PostgreSQL stopped');
        t.false(postmaster !== null && isRunning(postmaster), 'no PostgreSQL left running');
      }
    },
  };
}

async function createPlayersOverHttp(service: ServiceProcess, token: string): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < N; i += 1) {
    const reply = await request(service.baseUrl, 'POST', '/admin/players', {
      token,
      body: { name: `Player ${i}`, email: `family+${i}@example.test` },
    });
    if (reply.status !== 201) throw new Error(`creating a player: ${reply.status} ${JSON.stringify(reply.body)}`);
    ids.push(reply.body.id);
  }
  return ids;
}

/** One offer per player, each answered 200; returns player id → token, as acknowledged. */
async function offerEach(service: ServiceProcess, token: string, players: readonly number[]): Promise<Map<number, string>> {
  const acknowledged = new Map<number, string>();
  for (const playerId of players) {
    const reply = await request(service.baseUrl, 'POST', '/admin/contract/offer', {
      token,
      body: { player_id: playerId, monthly_fee: 150 },
    });
    if (reply.status !== 200) throw new Error(`offer ${playerId}: ${reply.status} ${JSON.stringify(reply.body)}`);
    acknowledged.set(playerId, reply.body.contract_token);
  }
  return acknowledged;
}

/** The club's offered contracts as the service lists them: player id → token (from the link). */
async function storedOffers(service: ServiceProcess, token: string): Promise<Map<number, string>> {
  const reply = await request(service.baseUrl, 'GET', '/admin/contracts?status=offered&limit=500', { token });
  if (reply.status !== 200) throw new Error(`listing: ${reply.status} ${JSON.stringify(reply.body)}`);
  const items = reply.body.items as Array<{ player_id: number; contract_url: string }>;
  return new Map(items.map((item) => [item.player_id, item.contract_url.split('/').at(-1) as string]));
}

function postmasterPidOrNull(dataDir: string): number | null {
  try {
    return Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  } catch {
    return null;
  }
}

function postmasterPid(dataDir: string): number {
  const pid = postmasterPidOrNull(dataDir);
  if (pid === null) throw new Error('no PostgreSQL runs from the data folder');
  return pid;
}

/** Alive and not a zombie (an orphan that exited waits as one until init reaps it). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitFor(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
