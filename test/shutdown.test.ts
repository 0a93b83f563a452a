import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import { type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import { createTestDatabase } from './helpers/database.ts';
import { createClub, createPlayer, readPlayer } from './helpers/fixtures.ts';
import { freePort } from '../tools/free-port.ts';
import { startServiceProcess } from './helpers/service-process.ts';

// docs/PRODUCT.md, "Non-functional guarantees" and "Shutdown": on SIGTERM the service stops
// accepting at once, lets in-flight requests finish, and exits within 20 s; in the embedded mode it
// stops PostgreSQL without losing data.

const run = promisify(execFile);

test('SIGTERM during a slow request: the request finishes, new connections are refused, exit 0', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const club = await createClub(db.pool);
  const playerId = await createPlayer(db.pool, club);
  // The service and the CLI share the local signing key through DATA_DIR.
  const dataDir = await temporaryDataDir(t);
  const service = await startServiceProcess({ DATABASE_URL: db.url, DATA_DIR: dataDir });
  t.teardown(() => service.child.kill('SIGKILL'));
  const { stdout: token } = await run(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'token', club.slug], {
    env: { ...process.env, DATABASE_URL: db.url, DATA_DIR: dataDir },
  });

  // Hold the player's row lock, so the offer waits inside the database: a slow request.
  let release = () => {};
  const holding = db.pool.transaction(async (transaction) => {
    await transaction.query(sql.unsafe`SELECT 1 FROM players WHERE tenant_id = ${club.id} AND id = ${playerId} FOR UPDATE`);
    await new Promise<void>((resolve) => {
      release = resolve;
    });
  });
  const offer = fetch(`${service.baseUrl}/admin/contract/offer`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token.trim()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ player_id: playerId, monthly_fee: 150 }),
  });
  await waitFor(async () => (await lockWaiters(db.pool)) === 1);

  const signalledAt = Date.now();
  service.child.kill('SIGTERM');
  await waitFor(async () => !(await accepts(service.baseUrl)));
  t.true(Date.now() - signalledAt < 5_000, 'stops accepting at once'); // a margin for two loaded cores

  release();
  await holding;
  const response = await offer;
  t.is(response.status, 200, 'the in-flight request finished');
  t.is((await readPlayer(db.pool, club, playerId)).contract_status, 'offered');
  t.deepEqual(await service.exited, { code: 0, signal: null });
  t.true(Date.now() - signalledAt < 20_000);
  t.true(service.logs.some((record) => record.msg === 'stopped'));
});

test('embedded mode: SIGTERM stops PostgreSQL cleanly and a restart finds the data', async (t) => {
  const dataDir = await temporaryDataDir(t);
  const env = { DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(await freePort()) };
  const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: { ...process.env, ...env } });

  const first = await startServiceProcess(env);
  t.teardown(() => first.child.kill('SIGKILL'));
  await cli('tenant', 'create', 'kept-club', 'Kept Club');
  first.child.kill('SIGTERM');
  t.deepEqual(await first.exited, { code: 0, signal: null });
  t.false(existsSync(path.join(dataDir, 'postgres', 'postmaster.pid')), 'PostgreSQL stopped');

  const second = await startServiceProcess(env);
  t.teardown(() => second.child.kill('SIGKILL'));
  const again = await cli('tenant', 'create', 'kept-club', 'Kept Club').then(
    () => 'created twice',
    (error: { stderr: string }) => error.stderr,
  );
  t.regex(again, /already exists/, 'the club survived the restart');
  second.child.kill('SIGTERM');
  t.is((await second.exited).code, 0);
});

async function temporaryDataDir(t: ExecutionContext): Promise<string> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-data-'));
  await fs.chmod(dataDir, 0o755); // as root, PostgreSQL runs as `postgres` and must get in
  t.teardown(() => fs.rm(dataDir, { recursive: true, force: true }));
  return dataDir;
}

async function lockWaiters(pool: DatabasePool): Promise<number> {
  return Number(
    await pool.oneFirst(sql.type(z.object({ count: z.bigint() }))`
      SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
    `),
  );
}

/** Whether a new TCP connection is accepted (fetch would reuse a kept-alive socket instead). */
async function accepts(baseUrl: string): Promise<boolean> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = net.connect({ host: hostname, port: Number(port) });
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
