import test from 'ava';
import type { DatabasePool } from 'slonik';
import { createDatabasePool } from '../src/db/pool.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { createClub, createPlayer, readPlayer } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { type TestServer, startTestServer } from './helpers/server.ts';
import { type TcpProxy, startTcpProxy } from './helpers/tcp-proxy.ts';

// SPEC §7, §8 "Database": losing the database gives 503 within 10 s, writes nothing half-way, and
// the service recovers on its own within 30 s of the database's return.

let db: TestDatabase;
let proxy: TcpProxy;
let proxiedPool: DatabasePool;
let server: TestServer;
test.before(async () => {
  db = await createTestDatabase();
  const direct = new URL(db.url);
  proxy = await startTcpProxy(direct.hostname, Number(direct.port));
  const throughProxy = new URL(db.url);
  throughProxy.port = String(proxy.port);
  proxiedPool = await createDatabasePool(throughProxy.toString(), { maximumPoolSize: 4 });
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
