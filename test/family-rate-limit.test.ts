import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { ConfigError, parseConfig } from '../src/config.ts';
import { createRateLimiter, rateLimitKey } from '../src/http/rate-limit.ts';
import { offerContract } from '../src/contracts/store.ts';
import { useHarness } from './helpers/context.ts';
import { type Club, createClub, createPlayer, putContractInState, randomToken, readAuditLog, readPlayer } from './helpers/fixtures.ts';
import { type Reply, request } from './helpers/http.ts';
import { type TestServer, startTestServer } from './helpers/server.ts';

// Family links are 256-bit tokens: nobody guesses one, but someone holding wrong ones (old e-mails,
// mangled or leaked URLs) can probe what they open. So the limit counts misses, not use: only
// answers that a link opens no contract (404 contract_not_found, every 410) spend a client's token
// bucket (its IP, the proxy-appended one with TRUST_PROXY, an IPv6 client's /64); once it is empty a
// miss becomes 429 too_many_requests with Retry-After, and a live link is still served.
//
// Here one miss comes back every 5 s, so a drained bucket stays drained for the length of a test;
// where a count depends on time, the bound is computed from the time the test took, not assumed.

const RATE = 0.2;
const BURST = 5;
const harness = useHarness({
  FAMILY_RATE_LIMIT_PER_SECOND: String(RATE),
  FAMILY_RATE_LIMIT_BURST: String(BURST),
  TRUST_PROXY: 'true',
});
const BROWSER = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
const FORM = 'application/x-www-form-urlencoded';

/** The most misses the bucket can have answered since `startedAt`: the burst, plus what refilled since. */
const mostAnswered = (startedAt: number) => BURST + Math.floor((RATE * (performance.now() - startedAt)) / 1000);

async function offered(club?: Club) {
  const { pool } = harness().db;
  const ownClub = club ?? (await createClub(pool));
  const playerId = await createPlayer(pool, ownClub);
  return { club: ownClub, playerId, token: await putContractInState(pool, ownClub, playerId, 'offered') };
}

const look = (server: TestServer, token: string, client: string, accept = 'application/json') =>
  request(server.baseUrl, 'GET', `/contract/${token}`, { headers: { 'x-forwarded-for': client, accept } });

/** Made-up tokens from `client` until the answer is a 429 (at most `bound` tries): its bucket is then empty. */
async function drain(server: TestServer, client: string, bound = 50): Promise<{ answered: number; refusal: Reply }> {
  for (let answered = 0; answered < bound; answered += 1) {
    const reply = await look(server, randomToken(), client);
    if (reply.status === 429) return { answered, refusal: reply };
  }
  throw new Error(`no 429 after ${bound} made-up tokens`);
}

function assertRetryAfter(t: { true(value: boolean, message?: string): void }, reply: Reply) {
  const retryAfter = Number(reply.headers.get('retry-after'));
  t.true(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= Math.ceil(1 / RATE), `Retry-After ${retryAfter}`);
}

/** Runs `task` for 0 … count-1, `width` at a time. */
async function inParallel(count: number, width: number, task: (index: number) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < count) {
      const index = next;
      next += 1;
      await task(index);
    }
  };
  await Promise.all(Array.from({ length: width }, lane));
}

test.serial(
  'a live link is never throttled: 300 families open, sign and reload their links behind the address a prober spends, no 429',
  async (t) => {
    t.timeout(120_000);
    const { db, server } = harness();
    const club = await createClub(db.pool);
    const tokens: string[] = [];
    await inParallel(300, 8, async (index) => {
      const playerId = await createPlayer(db.pool, club, { name: `Player ${index}` });
      tokens[index] = await putContractInState(db.pool, club, playerId, 'offered');
    });
    const proxy = '198.51.100.10';
    const headers = { 'x-forwarded-for': proxy };

    const started = performance.now();
    const probes: Reply[] = [];
    const probing = (async () => {
      for (let i = 0; i < 100; i += 1) probes.push(await look(server, randomToken(), proxy));
    })();
    const unexpected: string[] = [];
    const expect = (step: string, reply: Reply, status: number) => {
      if (reply.status !== status) unexpected.push(`${step}: ${reply.status} ${reply.body?.error?.code ?? ''}`);
    };
    // Half open the page and sign with its form, half use the JSON API; each then reloads.
    await inParallel(300, 10, async (index) => {
      const token = tokens[index] as string;
      if (index % 2 === 0) {
        expect('page', await look(server, token, proxy, BROWSER), 200);
        const form = await request(server.baseUrl, 'POST', `/contract/${token}/sign`, {
          rawBody: `signed_by=Parent+${index}&agree=yes&esign_consent=yes`,
          headers: { ...headers, 'content-type': FORM, accept: BROWSER },
        });
        expect('form sign', form, 303);
        const reload = await request(server.baseUrl, 'GET', `/contract/${token}?outcome=signed`, {
          headers: { ...headers, accept: BROWSER },
        });
        expect('page reload', reload, 200);
      } else {
        expect('json', await look(server, token, proxy), 200);
        const sign = await request(server.baseUrl, 'POST', `/contract/${token}/sign`, { headers, body: { signed_by: `Parent ${index}` } });
        expect('json sign', sign, 200);
        expect('json reload', await look(server, token, proxy), 200);
      }
    });
    await probing;
    const most = mostAnswered(started);
    const seconds = (performance.now() - started) / 1000;

    const probesAnswered = probes.filter((reply) => reply.status === 404).length;
    t.log(`300 families, 900 requests, and 100 probes from one address in ${seconds.toFixed(1)} s: ${probesAnswered} probes answered 404`);
    t.deepEqual(unexpected, []);
    t.true(probesAnswered <= most, `${probesAnswered} probes answered, at most ${most} allowed`);
    t.is(probes.filter((reply) => reply.status === 429).length, 100 - probesAnswered);
    const stored = await db.pool.one(sql.type(z.object({ signed: z.number(), signs: z.number() }))`
    SELECT
      (SELECT count(*)::int FROM players
       WHERE tenant_id = ${club.id} AND contract_status = 'signed' AND host(contract_signed_ip) = ${proxy}) AS signed,
      (SELECT count(*)::int FROM contract_audit_log WHERE tenant_id = ${club.id} AND event_type = 'sign') AS signs
  `);
    t.deepEqual(stored, { signed: 300, signs: 300 });
  },
);

test.serial(
  'a prober is slowed to the configured rate: of 100 made-up tokens only burst + rate × time answer 404, the rest 429 with Retry-After',
  async (t) => {
    const { server } = harness();
    const prober = '198.51.100.11';

    const started = performance.now();
    const replies: Reply[] = [];
    for (let i = 0; i < 100; i += 1) replies.push(await look(server, randomToken(), prober));
    const most = mostAnswered(started);

    const notFound = replies.filter((reply) => reply.status === 404);
    const refused = replies.filter((reply) => reply.status === 429);
    t.log(`${notFound.length} × 404, ${refused.length} × 429 in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    t.is(notFound.length + refused.length, 100);
    t.true(notFound.length >= BURST && notFound.length <= most, `${notFound.length} answered 404, at most ${most} allowed`);
    t.true(notFound.every((reply) => reply.body.error.code === 'contract_not_found'));
    for (const reply of refused) {
      t.is(reply.body.error.code, 'too_many_requests');
      assertRetryAfter(t, reply);
    }
  },
);

test.serial(
  'only misses count: unknown (404) and replaced, withdrawn, expired (410) links spend the budget; answers on live links do not',
  async (t) => {
    const { db, server } = harness();
    const client = '198.51.100.12';
    const headers = { 'x-forwarded-for': client };
    const live = await offered();
    const signed = await putContractInState(db.pool, live.club, await createPlayer(db.pool, live.club), 'signed');
    const replaced = await putContractInState(db.pool, live.club, await createPlayer(db.pool, live.club), 'offered');
    const replacedPlayer = (await db.pool.oneFirst(sql.type(z.object({ id: z.number() }))`
    SELECT id FROM players WHERE tenant_id = ${live.club.id} AND contract_token = ${replaced}
  `)) as number;
    await offerContract(db.pool, {
      tenantId: live.club.id,
      playerId: replacedPlayer,
      monthlyFee: 160,
      targetTeamId: null,
      force: true,
      actor: 'a',
    });
    const withdrawn = await putContractInState(db.pool, live.club, await createPlayer(db.pool, live.club), 'withdrawn');
    const expired = await putContractInState(db.pool, live.club, await createPlayer(db.pool, live.club), 'expired');

    // Four times the burst of answers on live links, refusals among them: none is a miss.
    const liveAnswers: string[] = [];
    for (let i = 0; i < 4 * BURST; i += 1) {
      const replies = [
        await look(server, live.token, client),
        await request(server.baseUrl, 'POST', `/contract/${signed}/sign`, { headers, body: { signed_by: 'Again' } }),
        await request(server.baseUrl, 'GET', `/contract/${live.token}/receipt`, { headers: { ...headers, accept: 'application/json' } }),
      ];
      liveAnswers.push(...replies.map((reply) => `${reply.status} ${reply.body?.error?.code ?? ''}`.trim()));
    }
    const started = performance.now();
    const dead = [randomToken(), replaced, withdrawn, expired];
    const misses: string[] = [];
    for (let i = 0; i < 50; i += 1) {
      const reply = await look(server, dead[i % dead.length] as string, client);
      if (reply.status === 429) break;
      misses.push(`${reply.status} ${reply.body.error.code}`);
    }
    const most = mostAnswered(started);
    const refusals = await Promise.all(dead.map((token) => look(server, token, client)));

    t.deepEqual([...new Set(liveAnswers)].sort(), ['200', '404 contract_not_signed', '409 contract_already_signed']);
    t.true(misses.length >= BURST && misses.length <= most, `${misses.length} misses answered, at most ${most} allowed`);
    const kinds = ['404 contract_not_found', '410 contract_superseded', '410 contract_withdrawn', '410 contract_expired'];
    t.deepEqual(
      misses,
      Array.from({ length: misses.length }, (_, i) => kinds[i % kinds.length]),
    );
    t.deepEqual(
      refusals.map((reply) => `${reply.status} ${reply.body.error.code}`),
      Array(4).fill('429 too_many_requests'),
      'every kind of dead link gets the same refusal',
    );
    t.is((await look(server, live.token, client)).status, 200);
  },
);

test.serial('a throttled browser on a dead link gets the family page saying to wait, with Retry-After', async (t) => {
  const { server } = harness();
  await drain(server, '198.51.100.4');

  const reply = await look(server, randomToken(), '198.51.100.4', BROWSER);

  t.is(reply.status, 429);
  t.regex(reply.headers.get('content-type') ?? '', /^text\/html/);
  t.true(reply.body.includes('Please wait a moment'));
  assertRetryAfter(t, reply);
});

test.serial('pages, form posts and the JSON API spend one budget per client; a throttled client still signs its live link', async (t) => {
  const { db, server } = harness();
  const { club, playerId, token } = await offered();
  const client = '198.51.100.8';
  const post = (link: string) =>
    request(server.baseUrl, 'POST', `/contract/${link}/sign`, {
      rawBody: 'signed_by=Dana+Park&agree=yes&esign_consent=yes',
      headers: { 'x-forwarded-for': client, 'content-type': FORM, accept: BROWSER },
    });

  const started = performance.now();
  let answered = 0;
  while ((await look(server, randomToken(), client, BROWSER)).status === 404 && answered < 50) answered += 1;
  const most = mostAnswered(started);
  const json = await look(server, randomToken(), client);
  const deadForm = await post(randomToken());
  const liveForm = await post(token);

  t.true(answered >= BURST && answered <= most, `${answered} pages before the first 429, at most ${most} allowed`);
  t.is(json.status, 429);
  t.is(json.body.error.code, 'too_many_requests');
  t.is(deadForm.status, 429);
  t.regex(deadForm.headers.get('content-type') ?? '', /^text\/html/);
  t.true(deadForm.body.includes('Please wait a moment'));
  t.is(liveForm.status, 303);
  t.regex(liveForm.headers.get('location') ?? '', /\?outcome=signed$/);
  t.like(await readPlayer(db.pool, club, playerId), { contract_status: 'signed', contract_signed_ip: client });
  t.deepEqual(
    (await readAuditLog(db.pool, club, playerId)).map((row) => row.event_type),
    ['sign'],
  );
});

test.serial('with TRUST_PROXY the client is the address the proxy appended: addresses sent before it change nothing', async (t) => {
  const { server } = harness();
  await drain(server, '203.0.113.50, 198.51.100.30');

  t.is((await look(server, randomToken(), '203.0.113.51, 198.51.100.30')).status, 429);
  t.is((await look(server, randomToken(), '198.51.100.30')).status, 429);
  t.is((await look(server, randomToken(), '203.0.113.50, 198.51.100.31')).status, 404, 'another appended address is another client');
});

test.serial('IPv6 clients count by /64: another address in the same /64 shares the bucket, another /64 does not', async (t) => {
  const { server } = harness();
  await drain(server, '2001:db8:0:1::a');

  t.is((await look(server, randomToken(), '2001:db8:0:1:ffff::b')).status, 429);
  t.is((await look(server, randomToken(), '2001:db8:0:2::a')).status, 404);
});

test.serial('admin routes do not count against the family limit', async (t) => {
  const { server } = harness();
  const { club } = await offered();
  await drain(server, '198.51.100.5');

  const admin = await request(server.baseUrl, 'GET', '/admin/teams', {
    token: await server.adminToken(club.slug),
    headers: { 'x-forwarded-for': '198.51.100.5' },
  });
  t.is(admin.status, 200);
});

test('after waiting Retry-After, a client gets its misses answered again; every 429 is counted in /metrics', async (t) => {
  const server = await startTestServer(harness().db.pool, {
    env: { FAMILY_RATE_LIMIT_PER_SECOND: '2', FAMILY_RATE_LIMIT_BURST: '3' },
  });
  t.teardown(() => server.close());

  const { refusal } = await drain(server, '127.0.0.1');
  const secondRefusal = await look(server, randomToken(), '127.0.0.1');
  await sleep(Number(refusal.headers.get('retry-after')) * 1000 + 100);
  const after = await look(server, randomToken(), '127.0.0.1');
  const metrics = (await request(server.baseUrl, 'GET', '/metrics')).body as string;

  t.is(after.status, 404);
  const refused = [refusal, secondRefusal].filter((reply) => reply.status === 429).length;
  t.regex(metrics, new RegExp(`^family_rate_limited_total ${refused}$`, 'm'));
});

test('without TRUST_PROXY, X-Forwarded-For does not make a new client', async (t) => {
  const server = await startTestServer(harness().db.pool, {
    env: { FAMILY_RATE_LIMIT_PER_SECOND: '0.2', FAMILY_RATE_LIMIT_BURST: '2' },
  });
  t.teardown(() => server.close());
  await drain(server, '198.51.100.6');

  t.is((await look(server, randomToken(), '198.51.100.7')).status, 429);
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
