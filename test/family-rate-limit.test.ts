import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { ConfigError, parseConfig } from '../src/config.ts';
import { createRateLimiter, rateLimitKey } from '../src/http/rate-limit.ts';
import { databaseChecksum } from './helpers/checksum.ts';
import { useHarness } from './helpers/context.ts';
import { createClub, createPlayer, putContractInState, readAuditLog, readPlayer } from './helpers/fixtures.ts';
import { type Reply, request } from './helpers/http.ts';
import { type TestServer, startTestServer } from './helpers/server.ts';

// Family links are credentials: each client (its IP, X-Forwarded-For's with TRUST_PROXY) gets a
// token bucket, so links cannot be probed at speed. Over it: 429 too_many_requests, Retry-After.
//
// Here one token comes back every 5 s, so a drained bucket stays drained for the length of a test
// however slow the machine is; the test of recovery runs its own, faster server.

const harness = useHarness({ FAMILY_RATE_LIMIT_PER_SECOND: '0.2', FAMILY_RATE_LIMIT_BURST: '5', TRUST_PROXY: 'true' });
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';

async function offered() {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const playerId = await createPlayer(pool, club);
  return { club, playerId, token: await putContractInState(pool, club, playerId, 'offered') };
}

const look = (server: TestServer, token: string, client: string, accept = 'application/json') =>
  request(server.baseUrl, 'GET', `/contract/${token}`, { headers: { 'x-forwarded-for': client, accept } });

/** Looks at the link from `client` until the answer is a 429 (at most `bound` tries): its bucket is then empty. */
async function drain(server: TestServer, token: string, client: string, bound = 50): Promise<{ allowed: number; refusal: Reply }> {
  for (let allowed = 0; allowed < bound; allowed += 1) {
    const reply = await look(server, token, client);
    if (reply.status === 429) return { allowed, refusal: reply };
  }
  throw new Error(`no 429 after ${bound} requests`);
}

test.serial('a client over its burst gets 429 too_many_requests with Retry-After; a valid sign then writes nothing', async (t) => {
  const { db, server } = harness();
  const { club, playerId, token } = await offered();

  const { allowed, refusal } = await drain(server, token, '198.51.100.1');
  const before = await databaseChecksum(db.pool);
  const sign = await request(server.baseUrl, 'POST', `/contract/${token}/sign`, {
    headers: { 'x-forwarded-for': '198.51.100.1' },
    body: { signed_by: 'Dana Park' },
  });

  t.true(allowed >= 5 && allowed <= 7, `${allowed} allowed before the first 429`);
  for (const reply of [refusal, sign]) {
    t.is(reply.status, 429);
    t.regex(reply.headers.get('content-type') ?? '', /^application\/json/);
    t.is(reply.body.error.code, 'too_many_requests');
    const retryAfter = Number(reply.headers.get('retry-after'));
    t.true(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 5, `Retry-After ${retryAfter}`);
  }
  t.is(await databaseChecksum(db.pool), before);
  t.is((await readPlayer(db.pool, club, playerId)).contract_status, 'offered');
  t.deepEqual(await readAuditLog(db.pool, club, playerId), []);
});

test.serial('another client (another X-Forwarded-For behind a trusted proxy) is not affected', async (t) => {
  const { server } = harness();
  const { token } = await offered();
  await drain(server, token, '198.51.100.2');

  t.is((await look(server, token, '198.51.100.2')).status, 429);
  t.is((await look(server, token, '198.51.100.3')).status, 200);
});

test.serial('a browser over the limit gets the family page saying to wait, with Retry-After', async (t) => {
  const { server } = harness();
  const { token } = await offered();
  await drain(server, token, '198.51.100.4');

  const reply = await look(server, token, '198.51.100.4', BROWSER);

  t.is(reply.status, 429);
  t.regex(reply.headers.get('content-type') ?? '', /^text\/html/);
  t.true(reply.body.includes('Please wait a moment'));
  t.truthy(reply.headers.get('retry-after'));
});

test.serial(
  'pages and the JSON API spend one allowance per client, each request once; then both refuse, and nothing is written',
  async (t) => {
    const { db, server } = harness();
    const { club, playerId, token } = await offered();
    const client = '198.51.100.8';

    let allowed = 0;
    while ((await look(server, token, client, BROWSER)).status === 200 && allowed < 50) allowed += 1;
    const json = await look(server, token, client);
    const form = await request(server.baseUrl, 'POST', `/contract/${token}/sign`, {
      rawBody: 'signed_by=Dana+Park&agree=yes',
      headers: { 'x-forwarded-for': client, 'content-type': 'application/x-www-form-urlencoded', accept: BROWSER },
    });

    t.true(allowed >= 5 && allowed <= 7, `${allowed} pages before the first 429`);
    t.is(json.status, 429);
    t.is(json.body.error.code, 'too_many_requests');
    t.is(form.status, 429);
    t.regex(form.headers.get('content-type') ?? '', /^text\/html/);
    t.true(form.body.includes('Please wait a moment'));
    t.is((await readPlayer(db.pool, club, playerId)).contract_status, 'offered');
    t.deepEqual(await readAuditLog(db.pool, club, playerId), []);
  },
);

test.serial('IPv6 clients count by /64: another address in the same /64 shares the bucket, another /64 does not', async (t) => {
  const { server } = harness();
  const { token } = await offered();
  await drain(server, token, '2001:db8:0:1::a');

  t.is((await look(server, token, '2001:db8:0:1:ffff::b')).status, 429);
  t.is((await look(server, token, '2001:db8:0:2::a')).status, 200);
});

test.serial('admin routes do not count against the family limit', async (t) => {
  const { server } = harness();
  const { club, token } = await offered();
  await drain(server, token, '198.51.100.5');

  const admin = await request(server.baseUrl, 'GET', '/admin/teams', {
    token: await server.adminToken(club.slug),
    headers: { 'x-forwarded-for': '198.51.100.5' },
  });
  t.is(admin.status, 200);
});

test('after waiting Retry-After, the client is let in again; every 429 is counted in /metrics', async (t) => {
  const server = await startTestServer(harness().db.pool, {
    env: { FAMILY_RATE_LIMIT_PER_SECOND: '2', FAMILY_RATE_LIMIT_BURST: '3' },
  });
  t.teardown(() => server.close());
  const { token } = await offered();

  const { refusal } = await drain(server, token, '127.0.0.1');
  const secondRefusal = await look(server, token, '127.0.0.1');
  await sleep(Number(refusal.headers.get('retry-after')) * 1000 + 100);
  const after = await look(server, token, '127.0.0.1');
  const metrics = (await request(server.baseUrl, 'GET', '/metrics')).body as string;

  t.is(after.status, 200);
  const refused = [refusal, secondRefusal].filter((reply) => reply.status === 429).length;
  t.regex(metrics, new RegExp(`^family_rate_limited_total ${refused}$`, 'm'));
});

test('without TRUST_PROXY, X-Forwarded-For does not make a new client', async (t) => {
  const server = await startTestServer(harness().db.pool, {
    env: { FAMILY_RATE_LIMIT_PER_SECOND: '0.2', FAMILY_RATE_LIMIT_BURST: '2' },
  });
  t.teardown(() => server.close());
  const { token } = await offered();
  await drain(server, token, '198.51.100.6');

  t.is((await look(server, token, '198.51.100.7')).status, 429);
});

test('configuration: 5 per second and bursts of 30 by default, 0 turns the limit off, nonsense is refused', (t) => {
  t.deepEqual(parseConfig({}).familyRateLimit, { perSecond: 5, burst: 30 });
  t.deepEqual(parseConfig({ FAMILY_RATE_LIMIT_PER_SECOND: '0.5', FAMILY_RATE_LIMIT_BURST: '3' }).familyRateLimit, {
    perSecond: 0.5,
    burst: 3,
  });
  t.is(parseConfig({ FAMILY_RATE_LIMIT_PER_SECOND: '0' }).familyRateLimit, null);
  const error = t.throws(() => parseConfig({ FAMILY_RATE_LIMIT_PER_SECOND: 'fast', FAMILY_RATE_LIMIT_BURST: '0' }), {
    instanceOf: ConfigError,
  }) as ConfigError;
  t.is(error.problems.length, 2);
  t.regex(error.message, /FAMILY_RATE_LIMIT_PER_SECOND: must be a number of requests per second/);
  t.regex(error.message, /FAMILY_RATE_LIMIT_BURST/);
});

test('the limiter keeps at most its cap of clients, forgetting the least recently seen first', (t) => {
  const limiter = createRateLimiter({ perSecond: 1, burst: 1 }, 3);
  for (const client of ['a', 'b', 'c', 'd']) t.is(limiter.take(client), 0);

  t.is(limiter.size, 3);
  t.is(limiter.take('d'), 1, 'd is still tracked, its bucket empty');
  t.is(limiter.take('a'), 0, 'a was forgotten, so it starts full');
});

test('the limiter forgets clients whose buckets have refilled', async (t) => {
  const limiter = createRateLimiter({ perSecond: 100, burst: 2 });
  limiter.take('a');
  limiter.take('b');
  await sleep(60); // 2 tokens at 100 per second: full again after 20 ms

  limiter.take('c');

  t.is(limiter.size, 1);
});

test('rate limit keys: IPv4 as is, IPv6 by its /64', (t) => {
  t.is(rateLimitKey('203.0.113.9'), '203.0.113.9');
  t.is(rateLimitKey('2001:db8:0:1:2:3:4:5'), '2001:db8:0:1::/64');
  t.is(rateLimitKey('2001:db8::1'), '2001:db8:0:0::/64');
  t.is(rateLimitKey('::1'), '0:0:0:0::/64');
  t.is(rateLimitKey('fe80::1%eth0'), 'fe80:0:0:0::/64');
  t.is(rateLimitKey('unknown'), 'unknown');
});
