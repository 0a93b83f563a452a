import { Writable } from 'node:stream';
import test from 'ava';
import { migrate } from '../src/db/migrate.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { useHarness } from './helpers/context.ts';
import { createClub, createPlayer } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { startTestServer } from './helpers/server.ts';

// docs/PRODUCT.md, "Operations": health, readiness, metrics, request ids and what the logs may
// contain.

const harness = useHarness();

test('GET /healthz: the process is up', async (t) => {
  const reply = await request(harness().server.baseUrl, 'GET', '/healthz');
  t.is(reply.status, 200);
  t.deepEqual(reply.body, { status: 'ok' });
});

test('GET /readyz: ready when the database answers and every migration has run', async (t) => {
  const reply = await request(harness().server.baseUrl, 'GET', '/readyz');
  t.is(reply.status, 200);
  t.deepEqual(reply.body, {
    status: 'ready',
    ready: true,
    checks: { database: 'ok', migrations: 'current', shutting_down: false },
    pending_migrations: [],
  });
});

test('GET /readyz: 503 while a migration this build ships has not run', async (t) => {
  const behind: TestDatabase = await createTestDatabase({ empty: true });
  t.teardown(() => behind.drop());
  const ran = await migrate(behind.url, { direction: 'up', count: 1, log: () => {} });
  const server = await startTestServer(behind.pool);
  t.teardown(() => server.close());

  const reply = await request(server.baseUrl, 'GET', '/readyz');

  t.is(reply.status, 503);
  t.like(reply.body, { status: 'not_ready', checks: { database: 'ok', migrations: 'pending' } });
  t.false(reply.body.pending_migrations.includes(ran[0]));
  t.true(reply.body.pending_migrations.length > 0);
});

/** The value of one sample in Prometheus text, 0 if absent. */
function sample(metrics: string, name: string, labels: Record<string, string>): number {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`);
  const line = metrics
    .split('\n')
    .find((candidate) => candidate.startsWith(`${name}{`) && wanted.every((label) => candidate.includes(label)));
  return line === undefined ? 0 : Number(line.slice(line.lastIndexOf(' ') + 1));
}

test('GET /metrics moves after an offer: requests by route, latency, transitions, pool', async (t) => {
  const { db, server } = harness();
  const club = await createClub(db.pool);
  const playerId = await createPlayer(db.pool, club);
  const metrics = async () => (await request(server.baseUrl, 'GET', '/metrics')).body as string;
  const offerRoute = { route: '/admin/contract/offer', method: 'POST', status: '200' };
  const before = await metrics();

  const offer = await request(server.baseUrl, 'POST', '/admin/contract/offer', {
    token: await server.adminToken(club.slug),
    body: { player_id: playerId, monthly_fee: 150 },
  });
  t.is(offer.status, 200);

  const after = await metrics();
  t.is(sample(after, 'http_requests_total', offerRoute), sample(before, 'http_requests_total', offerRoute) + 1);
  t.is(
    sample(after, 'http_request_duration_seconds_count', offerRoute),
    sample(before, 'http_request_duration_seconds_count', offerRoute) + 1,
  );
  const transition = { event: 'OFFER', from: 'none', to: 'offered' };
  t.is(sample(after, 'contract_transitions_total', transition), sample(before, 'contract_transitions_total', transition) + 1);
  t.regex(after, /^db_pool_connections\{state="idle"\} \d+$/m);
  t.false(after.includes(offer.body.contract_token));
});

test('the request id: a new one per request, or the caller’s, echoed in X-Request-Id', async (t) => {
  const { baseUrl } = harness().server;
  const [first, second] = [await request(baseUrl, 'GET', '/healthz'), await request(baseUrl, 'GET', '/healthz')];
  t.regex(first.headers.get('x-request-id') ?? '', /^[0-9a-f-]{36}$/);
  t.not(first.headers.get('x-request-id'), second.headers.get('x-request-id'));
  const mine = await request(baseUrl, 'GET', '/healthz', { headers: { 'x-request-id': 'lb-7f3a.42' } });
  t.is(mine.headers.get('x-request-id'), 'lb-7f3a.42');
  const hostile = await request(baseUrl, 'GET', '/healthz', { headers: { 'x-request-id': 'a b"c' } });
  t.not(hostile.headers.get('x-request-id'), 'a b"c');
});

test('the logs of an offer and a signature carry the request id and never a token', async (t) => {
  const lines: string[] = [];
  const logs = new Writable({
    write(chunk, _encoding, done) {
      lines.push(...String(chunk).split('\n').filter(Boolean));
      done();
    },
  });
  const { db } = harness();
  const server = await startTestServer(db.pool, { logs });
  t.teardown(() => server.close());
  const club = await createClub(db.pool);
  const playerId = await createPlayer(db.pool, club);
  const adminToken = await server.adminToken(club.slug);

  const offer = await request(server.baseUrl, 'POST', '/admin/contract/offer', {
    token: adminToken,
    body: { player_id: playerId, monthly_fee: 150 },
    headers: { 'x-request-id': 'offer-1' },
  });
  const contractToken: string = offer.body.contract_token;
  await request(server.baseUrl, 'POST', `/contract/${contractToken}/sign`, {
    body: { signed_by: 'Dana Park' },
    headers: { 'x-request-id': 'sign-1' },
  });
  await request(server.baseUrl, 'GET', `/contract/${contractToken}`, { headers: { accept: 'text/html' } });

  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  t.like(
    records.find((record) => record.request_id === 'offer-1'),
    { msg: 'request', method: 'POST', route: '/admin/contract/offer', status: 200 },
  );
  t.like(
    records.find((record) => record.request_id === 'sign-1'),
    { msg: 'request', route: '/contract/:token/sign', status: 200 },
  );
  t.true(records.length >= 3);
  t.true(
    records.every((record) => typeof record.request_id === 'string'),
    'every line has the request id',
  );
  for (const secret of [contractToken, adminToken, adminToken.split('.')[2] ?? adminToken]) {
    t.false(lines.some((line) => line.includes(secret)));
  }
});
