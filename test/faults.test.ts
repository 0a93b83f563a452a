import test, { type ExecutionContext } from 'ava';
import { type CommonQueryMethods, type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import { parseConfig } from '../src/config.ts';
import { createDatabasePool, poolOptionsFrom } from '../src/db/pool.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { type Club, createClub, createPlayer, createTeam, putContractInState, readAuditLog, readPlayer } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { type TestServer, startTestServer } from './helpers/server.ts';
import { readReplacedLinks } from './helpers/replaced-links.ts';

// docs/PRODUCT.md, "Non-functional guarantees" and "Database": a backend killed in the middle of a
// transition, or a pool with every connection busy, answers 503 `database_unavailable` — never 500,
// never a hang — and leaves the contract exactly as it was, so the same request simply succeeds
// when retried.
//
// Serial: the tests find the service's backend by what it waits on, so they must not overlap.

let db: TestDatabase;
test.before(async () => {
  db = await createTestDatabase();
});
test.after.always(async () => {
  await db?.drop();
});

/** The service on a pool of its own, configured from `env` the way `npm start` does it. */
async function startService(env: Record<string, string> = {}): Promise<{ server: TestServer; pool: DatabasePool }> {
  const pool = await createDatabasePool(db.url, poolOptionsFrom(parseConfig(env)));
  const server = await startTestServer(pool, { env });
  return { server, pool };
}

async function stopService({ server, pool }: { server: TestServer; pool: DatabasePool }): Promise<void> {
  await server.close();
  await pool.end();
}

test.serial('a backend killed while an offer waits for the row lock: 503, nothing changed, the retry succeeds', async (t) => {
  t.timeout(30_000);
  const service = await startService();
  t.teardown(() => stopService(service));
  const club = await createClub(db.pool);
  const [oldTeam, newTeam] = [await createTeam(db.pool, club), await createTeam(db.pool, club)];
  const playerId = await createPlayer(db.pool, club, { teamIds: [oldTeam] });
  const oldToken = await putContractInState(db.pool, club, playerId, 'offered');
  const before = await contractRecord(db.pool, club, playerId);
  const token = await service.server.adminToken(club.slug);
  // A re-offer that moves teams touches every table a transition writes.
  const offer = () =>
    request(service.server.baseUrl, 'POST', '/admin/contract/offer?force=true', {
      token,
      body: { player_id: playerId, monthly_fee: 175, target_team_id: newTeam },
    });

  const letGo = await holdRowLocks(t, club, [playerId]);
  const pending = offer();
  await db.pool.query(sql.unsafe`SELECT pg_terminate_backend(${await backendWaitingInside('offer_contract_with_signers')})`);
  const killed = await pending;
  await letGo();
  t.is(killed.status, 503);
  t.is(killed.body.error.code, 'database_unavailable');
  t.deepEqual(await contractRecord(db.pool, club, playerId), before, 'player, teams, archived tokens and audit log unchanged');

  const retry = await offer();
  t.is(retry.status, 200);
  const after = await contractRecord(db.pool, club, playerId);
  t.like(after.player, { contract_status: 'offered', contract_token: retry.body.contract_token, monthly_fee: 175, team_ids: [newTeam] });
  t.deepEqual(after.superseded, [oldToken]);
  t.is(after.audit.length, 1);
  t.like(after.audit[0], { id: retry.body.audit_id, event_type: 're_offer', old_state: { contract_token: oldToken } });
});

test.serial('a backend killed while a signature waits for the row lock: 503, nothing changed, the retry succeeds', async (t) => {
  t.timeout(30_000);
  const service = await startService();
  t.teardown(() => stopService(service));
  const club = await createClub(db.pool);
  const playerId = await createPlayer(db.pool, club, { teamIds: [await createTeam(db.pool, club)] });
  const link = await putContractInState(db.pool, club, playerId, 'offered');
  const before = await contractRecord(db.pool, club, playerId);
  const sign = () => request(service.server.baseUrl, 'POST', `/contract/${link}/sign`, { body: { signed_by: 'Dana Park' } });

  const letGo = await holdRowLocks(t, club, [playerId]);
  const pending = sign();
  await db.pool.query(sql.unsafe`SELECT pg_terminate_backend(${await backendWaitingInside('sign_contract_as_signer')})`);
  const killed = await pending;
  await letGo();
  t.is(killed.status, 503);
  t.is(killed.body.error.code, 'database_unavailable');
  t.deepEqual(await contractRecord(db.pool, club, playerId), before, 'nothing signed, no audit row');

  const retry = await sign();
  t.is(retry.status, 200);
  const after = await contractRecord(db.pool, club, playerId);
  t.like(after.player, { contract_status: 'signed', contract_token: link, contract_signed_by: 'Dana Park' });
  t.deepEqual(
    after.audit.map((row) => row.event_type),
    ['sign'],
  );
});

test.serial('every pooled connection busy: a request waits DATABASE_POOL_WAIT_TIMEOUT_MS, answers 503 and never runs late', async (t) => {
  t.timeout(30_000);
  const waitMs = 2_000;
  // The held requests wait on row locks for a few seconds: the statement timeout must not end them.
  const service = await startService({
    DATABASE_POOL_SIZE: '2',
    DATABASE_POOL_WAIT_TIMEOUT_MS: String(waitMs),
    DATABASE_STATEMENT_TIMEOUT_MS: '30000',
  });
  t.teardown(() => stopService(service));
  const club = await createClub(db.pool);
  const [busyA, busyB, third] = [await createPlayer(db.pool, club), await createPlayer(db.pool, club), await createPlayer(db.pool, club)];
  const token = await service.server.adminToken(club.slug);
  const offer = (playerId: number) =>
    request(service.server.baseUrl, 'POST', '/admin/contract/offer', { token, body: { player_id: playerId, monthly_fee: 150 } });

  // Both of the service's connections wait on row locks this test holds.
  const letGo = await holdRowLocks(t, club, [busyA, busyB]);
  const held = [offer(busyA), offer(busyB)];
  await backendWaitingInside('offer_contract_with_signers', 2);

  const started = Date.now();
  const refused = offer(third);
  // The pool itself, not /metrics: reading /metrics queries the job queue through this same full
  // pool, and that query would be the one waiting.
  await waitFor(async () => service.pool.state().waitingClients === 1);
  t.is((await request(service.server.baseUrl, 'GET', '/healthz')).status, 200, 'the process stays healthy');
  const answer = await refused;
  const waited = Date.now() - started;
  t.is(answer.status, 503);
  t.is(answer.body.error.code, 'database_unavailable');
  t.true(waited >= waitMs - 50 && waited < waitMs + 3_000, `answered after ${waited} ms`);
  t.log(`pool of 2, both busy: a third request was answered 503 after ${waited} ms (DATABASE_POOL_WAIT_TIMEOUT_MS=${waitMs})`);

  await letGo();
  t.deepEqual(
    (await Promise.all(held)).map((reply) => reply.status),
    [200, 200],
    'the held requests finish once the locks go',
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  t.is((await readPlayer(db.pool, club, third)).contract_status, 'none', 'the refused request never ran');
  const retry = await offer(third);
  t.is(retry.status, 200, 'connections free again: served');
  t.is((await readPlayer(db.pool, club, third)).contract_token, retry.body.contract_token);
  t.is(await poolGauge(service.server, 'waiting'), 0);
});

test.serial('a statement that outlives DATABASE_STATEMENT_TIMEOUT_MS (a long lock wait): 503, nothing written', async (t) => {
  t.timeout(30_000);
  const statementTimeoutMs = 1_000;
  const service = await startService({ DATABASE_STATEMENT_TIMEOUT_MS: String(statementTimeoutMs) });
  t.teardown(() => stopService(service));
  const club = await createClub(db.pool);
  const playerId = await createPlayer(db.pool, club);
  await putContractInState(db.pool, club, playerId, 'offered');
  const before = await contractRecord(db.pool, club, playerId);
  const token = await service.server.adminToken(club.slug);
  const offer = () =>
    request(service.server.baseUrl, 'POST', '/admin/contract/offer?force=true', { token, body: { player_id: playerId, monthly_fee: 175 } });

  const letGo = await holdRowLocks(t, club, [playerId]);
  const started = Date.now();
  const timedOut = await offer();
  const waited = Date.now() - started;
  await letGo();
  t.is(timedOut.status, 503);
  t.is(timedOut.body.error.code, 'database_unavailable');
  t.true(waited >= statementTimeoutMs - 50 && waited < statementTimeoutMs + 3_000, `answered after ${waited} ms`);
  t.deepEqual(await contractRecord(db.pool, club, playerId), before);
  t.is((await offer()).status, 200, 'the lock gone, the retry succeeds');
});

/**
 * A transaction of the test's own that holds the players' row locks until released. The test's
 * requests run outside it: slonik refuses pool queries from inside a transaction's callback.
 */
async function holdRowLocks(t: ExecutionContext, club: Club, playerIds: readonly number[]): Promise<() => Promise<void>> {
  let locked = () => {};
  let release = () => {};
  const gotLocks = new Promise<void>((resolve) => {
    locked = resolve;
  });
  const done = db.pool.transaction(async (transaction) => {
    await transaction.query(sql.unsafe`
      SELECT 1 FROM players WHERE tenant_id = ${club.id} AND id = ANY(${sql.array([...playerIds], 'int4')}) FOR UPDATE
    `);
    locked();
    await new Promise<void>((resolve) => {
      release = resolve;
    });
  });
  await Promise.race([gotLocks, done]);
  const letGo = async () => {
    release();
    await done;
  };
  t.teardown(letGo);
  return letGo;
}

/** The pid of the service's backend blocked on a lock inside `functionName`, once `count` are. */
async function backendWaitingInside(functionName: string, count = 1): Promise<number> {
  let pids: readonly number[] = [];
  await waitFor(async () => {
    pids = await db.pool.anyFirst(sql.type(z.object({ pid: z.number() }))`
      SELECT pid FROM pg_stat_activity
      WHERE datname = current_database() AND pid <> pg_backend_pid() AND wait_event_type = 'Lock'
        AND query LIKE ${`%${functionName}(%`}
    `);
    return pids.length === count;
  });
  return pids[0] as number;
}

async function poolGauge(server: TestServer, state: string): Promise<number> {
  const metrics = await request(server.baseUrl, 'GET', '/metrics');
  const line = String(metrics.body).match(new RegExp(`^db_pool_connections\\{state="${state}"\\} (\\d+)$`, 'm'));
  return Number(line?.[1]);
}

async function waitFor(condition: () => Promise<boolean>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Everything a transition may write for one player. */
async function contractRecord(db: CommonQueryMethods, club: Club, playerId: number) {
  return {
    player: await readPlayer(db, club, playerId),
    audit: await readAuditLog(db, club, playerId),
    superseded: (await readReplacedLinks(db, club.id, playerId)).map((link) => link.token).sort(),
  };
}
