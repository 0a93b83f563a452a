import test from 'ava';
import type { DatabasePool } from 'slonik';
import { parseConfig } from '../src/config.ts';
import { createDatabasePool, poolOptionsFrom } from '../src/db/pool.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { createClub, createPlayer, readPlayer } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { type TestServer, startTestServer } from './helpers/server.ts';
import { type TcpProxy, startTcpProxy } from './helpers/tcp-proxy.ts';

// docs/PRODUCT.md, "Non-functional guarantees" and "Database": losing the database gives 503 within
// 10 s, writes nothing half-way, and the service recovers on its own within 30 s of the database's
// return.

let db: TestDatabase;
let proxy: TcpProxy;
let throughProxy: string;
let proxiedPool: DatabasePool;
let server: TestServer;
test.before(async () => {
  db = await createTestDatabase();
  const direct = new URL(db.url);
  proxy = await startTcpProxy(direct.hostname, Number(direct.port));
  const url = new URL(db.url);
  url.port = String(proxy.port);
  throughProxy = url.toString();
  proxiedPool = await createDatabasePool(throughProxy, { maximumPoolSize: 4 });
  server = await startTestServer(proxiedPool);
});
test.after.always(async () => {
  await server?.close();
  await proxiedPool?.end();
  await proxy?.close();
  await db?.drop();
});

test.serial('the database goes away: 503 within 10 s, /readyz 503, /healthz 200; back: the service recovers', async (t) => {
  const club = await createClub(db.pool);
  const [first, second] = [await createPlayer(db.pool, club), await createPlayer(db.pool, club)];
  const token = await server.adminToken(club.slug);
  const offer = (playerId: number) =>
    request(server.baseUrl, 'POST', '/admin/contract/offer', { token, body: { player_id: playerId, monthly_fee: 150 } });
  t.is((await offer(first)).status, 200, 'works through the proxy');

  await proxy.cut();
  const started = Date.now();
  const during = await offer(second);
  t.is(during.status, 503);
  t.is(during.body.error.code, 'database_unavailable');
  t.true(Date.now() - started < 10_000, `answered in ${Date.now() - started} ms`);
  t.is((await readPlayer(db.pool, club, second)).contract_status, 'none', 'nothing written');
  t.is((await request(server.baseUrl, 'GET', '/healthz')).status, 200, 'the process is still healthy');
  const readiness = await request(server.baseUrl, 'GET', '/readyz');
  t.is(readiness.status, 503);
  t.like(readiness.body, { checks: { database: 'unreachable' } });

  await proxy.restore();
  const deadline = Date.now() + 30_000;
  let after = await offer(second);
  while (after.status !== 200 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    after = await offer(second);
  }
  t.is(after.status, 200, 'recovered within 30 s');
  t.is((await readPlayer(db.pool, club, second)).contract_status, 'offered');
  t.is((await request(server.baseUrl, 'GET', '/readyz')).status, 200);
});

test.serial('a database gone silent (connections accepted, never answered): 503 within 10 s with the default timeouts', async (t) => {
  t.timeout(60_000);
  const club = await createClub(db.pool);
  const playerId = await createPlayer(db.pool, club);
  const token = await server.adminToken(club.slug);
  const offer = () => offerGivingUpAfter15s(server.baseUrl, token, playerId);

  await proxy.stall();
  t.teardown(() => proxy.restore());
  const started = Date.now();
  const during = await offer();
  const waited = Date.now() - started;
  t.is(during.status, 503);
  t.is(during.body.error.code, 'database_unavailable');
  t.true(waited < 10_000, `answered after ${waited} ms`);
  t.log(`silent database, default timeouts: 503 after ${waited} ms`);
  t.is((await readPlayer(db.pool, club, playerId)).contract_status, 'none');

  await proxy.restore();
  t.is((await offer()).status, 200, 'back: served again');
});

test.serial('DATABASE_CONNECT_TIMEOUT_MS bounds how long a request waits for a silent database', async (t) => {
  t.timeout(60_000);
  const connectTimeoutMs = 1_500;
  const env = { DATABASE_CONNECT_TIMEOUT_MS: String(connectTimeoutMs) };
  const pool = await createDatabasePool(throughProxy, poolOptionsFrom(parseConfig(env)));
  const configured = await startTestServer(pool, { env });
  t.teardown(async () => {
    await configured.close();
    await pool.end();
  });
  const club = await createClub(db.pool);
  const playerId = await createPlayer(db.pool, club);
  const token = await configured.adminToken(club.slug);
  const offer = () => offerGivingUpAfter15s(configured.baseUrl, token, playerId);

  await proxy.stall();
  t.teardown(() => proxy.restore());
  const started = Date.now();
  const during = await offer();
  const waited = Date.now() - started;
  t.is(during.status, 503);
  t.is(during.body.error.code, 'database_unavailable');
  t.true(waited >= connectTimeoutMs - 50 && waited < connectTimeoutMs + 3_000, `answered after ${waited} ms`);
  t.is((await readPlayer(db.pool, club, playerId)).contract_status, 'none');

  await proxy.restore();
  t.is((await offer()).status, 200, 'back: served again');
});

test.serial('a connection gone silent mid-query (a network partition): 503 a second after the statement timeout, not a hang', async (t) => {
  t.timeout(60_000);
  const statementTimeoutMs = 1_000;
  const env = { DATABASE_STATEMENT_TIMEOUT_MS: String(statementTimeoutMs) };
  const pool = await createDatabasePool(throughProxy, poolOptionsFrom(parseConfig(env)));
  const configured = await startTestServer(pool, { env });
  t.teardown(async () => {
    await configured.close();
    await pool.end();
  });
  const club = await createClub(db.pool);
  const [first, second] = [await createPlayer(db.pool, club), await createPlayer(db.pool, club)];
  const token = await configured.adminToken(club.slug);
  // A hang fails the test in 15 s rather than at ava's timeout.
  const offer = (playerId: number) => offerGivingUpAfter15s(configured.baseUrl, token, playerId);
  t.is((await offer(first)).status, 200, 'leaves an open connection in the pool');

  proxy.freeze();
  t.teardown(() => proxy.restore());
  const started = Date.now();
  const during = await offer(second);
  const waited = Date.now() - started;
  t.is(during.status, 503);
  t.is(during.body.error.code, 'database_unavailable');
  // The deadline is the statement timeout plus a second; destroying the dead connection adds one more.
  t.true(waited >= statementTimeoutMs + 1_000 - 50 && waited < statementTimeoutMs + 2_000 + 3_000, `answered after ${waited} ms`);
  t.log(`partition mid-query, DATABASE_STATEMENT_TIMEOUT_MS=${statementTimeoutMs}: 503 after ${waited} ms`);
  t.is((await readPlayer(db.pool, club, second)).contract_status, 'none');

  await proxy.restore();
  t.is((await offer(second)).status, 200, 'back: served again');
});

/** An offer whose client gives up after 15 s, so a hang fails the test instead of stalling it. */
function offerGivingUpAfter15s(baseUrl: string, token: string, playerId: number) {
  return request(baseUrl, 'POST', '/admin/contract/offer', {
    token,
    body: { player_id: playerId, monthly_fee: 150 },
    signal: AbortSignal.timeout(15_000),
  });
}
