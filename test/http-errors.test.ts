import { PassThrough } from 'node:stream';
import test from 'ava';
import { useHarness } from './helpers/context.ts';
import { createClub, createPlayer, putContractInState, readAuditLog, readPlayer } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { rawRequest } from './helpers/raw-http.ts';
import { routesOfTheApp } from './helpers/routes.ts';
import { startTestServer } from './helpers/server.ts';

// docs/PRODUCT.md, "Errors" and "Errors everywhere": every failure answers the JSON error body,
// never a stack trace.

const harness = useHarness();

function assertErrorBody(t: import('ava').ExecutionContext, reply: { headers: Headers; body: any }, code: string) {
  t.regex(reply.headers.get('content-type') ?? '', /^application\/json/);
  t.is(reply.body.error.code, code);
  t.is(typeof reply.body.error.message, 'string');
  t.false(JSON.stringify(reply.body).includes('    at '), 'no stack trace');
}

test('an unmatched route → 404 not_found', async (t) => {
  const reply = await request(harness().server.baseUrl, 'GET', '/no/such/route');
  t.is(reply.status, 404);
  assertErrorBody(t, reply, 'not_found');
});

test('a known route with the wrong method → 405 method_not_allowed', async (t) => {
  const reply = await request(harness().server.baseUrl, 'DELETE', '/admin/contract/offer');
  t.is(reply.status, 405);
  assertErrorBody(t, reply, 'method_not_allowed');
});

test('every 405 names the methods its path takes in Allow (RFC 9110, 15.5.6)', async (t) => {
  const { db, server } = harness();
  const routes = await routesOfTheApp(db.pool);
  const byPath = new Map<string, Set<string>>();
  for (const { method, pattern } of routes) byPath.set(pattern, (byPath.get(pattern) ?? new Set()).add(method));
  // A path may match more than one pattern (POST /admin/players/import and GET /admin/players/:id
  // both take /admin/players/import): it takes the methods of every one it matches.
  const matching = (path: string) =>
    [...byPath]
      .filter(([pattern]) => new RegExp(`^${pattern.replace(/:\w+/g, '[^/]+')}$`).test(path))
      .flatMap(([, methods]) => [...methods]);
  for (const pattern of byPath.keys()) {
    const path = pattern.replace(/:\w+/g, '1');
    const methods = new Set(matching(path));
    const expected = [...methods, ...(methods.has('GET') ? ['HEAD'] : [])].sort();
    for (const method of ['PUT', 'DELETE', 'PATCH', 'POST'].filter((each) => !methods.has(each))) {
      const reply = await rawRequest(server.baseUrl, { method, path });
      t.is(reply.status, 405, `${method} ${pattern}`);
      t.is(JSON.parse(reply.text).error.code, 'method_not_allowed');
      t.deepEqual(
        reply.headers.allow
          ?.split(',')
          .map((each) => each.trim())
          .sort(),
        expected,
        `${method} ${pattern}`,
      );
    }
  }
  const options = await rawRequest(server.baseUrl, { method: 'OPTIONS', path: '/admin/contract/offer' });
  t.is(options.status, 204);
  t.is(options.headers.allow, 'POST');
});

test('a method no route takes (TRACE, PROPFIND, MKCOL, PURGE, SEARCH, LOCK), on any path → 501 not_implemented, nothing logged as an error', async (t) => {
  const { db } = harness();
  const logs = new PassThrough();
  const lines: Array<{ level: number; msg: string }> = [];
  logs.on('data', (chunk: Buffer) => {
    for (const line of String(chunk).split('\n').filter(Boolean)) lines.push(JSON.parse(line));
  });
  const server = await startTestServer(db.pool, { logs });
  t.teardown(() => server.close());
  const club = await createClub(db.pool);
  const playerId = await createPlayer(db.pool, club);
  const token = await putContractInState(db.pool, club, playerId, 'offered');
  const paths = ['/', '/no/such/route', '/healthz', '/admin/contract/offer', `/contract/${token}`, `/contract/${token}/sign`];

  for (const method of ['TRACE', 'PROPFIND', 'MKCOL', 'PURGE', 'SEARCH', 'LOCK']) {
    for (const path of paths) {
      const reply = await rawRequest(server.baseUrl, { method, path, headers: { accept: 'text/html' } });
      t.is(reply.status, 501, `${method} ${path}`);
      t.regex(reply.headers['content-type'] ?? '', /^application\/json/);
      t.is(JSON.parse(reply.text).error.code, 'not_implemented', `${method} ${path}`);
    }
  }
  const onKnownPath = await rawRequest(server.baseUrl, { method: 'TRACE', path: '/admin/contract/offer' });
  t.is(onKnownPath.headers.allow, 'POST', 'a path with routes names them');
  t.is(lines.filter((line) => line.msg === 'request').length, 37, 'every request was logged, at info');
  t.deepEqual(
    lines.filter((line) => line.level >= 50),
    [],
    'nothing at error level',
  );
  t.is((await readPlayer(db.pool, club, playerId)).contract_status, 'offered');
  t.deepEqual(await readAuditLog(db.pool, club, playerId), []);
});

async function offerRaw(options: { rawBody?: string; headers?: Record<string, string> }) {
  const { db, server } = harness();
  const club = await createClub(db.pool);
  const playerId = await createPlayer(db.pool, club);
  const reply = await request(server.baseUrl, 'POST', '/admin/contract/offer', {
    token: await server.adminToken(club.slug),
    ...options,
  });
  return { reply, player: await readPlayer(db.pool, club, playerId) };
}

test('a body over the limit → 413 payload_too_large, nothing written', async (t) => {
  const { reply, player } = await offerRaw({
    rawBody: JSON.stringify({ player_id: 1, monthly_fee: 1, padding: 'x'.repeat(100_000) }),
    headers: { 'content-type': 'application/json' },
  });
  t.is(reply.status, 413);
  assertErrorBody(t, reply, 'payload_too_large');
  t.is(player.contract_status, 'none');
});

test('a body that is not JSON → 415 unsupported_media_type', async (t) => {
  const { reply, player } = await offerRaw({
    rawBody: 'player_id=1&monthly_fee=150',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
  });
  t.is(reply.status, 415);
  assertErrorBody(t, reply, 'unsupported_media_type');
  t.is(player.contract_status, 'none');
});

test('malformed JSON → 400 malformed_json', async (t) => {
  const { reply } = await offerRaw({ rawBody: '{"player_id": 1,', headers: { 'content-type': 'application/json' } });
  t.is(reply.status, 400);
  assertErrorBody(t, reply, 'malformed_json');
});

test('a JSON array → 422 validation_failed; a bare JSON scalar → 400 malformed_json', async (t) => {
  const cases: Array<[string, number, string]> = [
    ['[1,2]', 422, 'validation_failed'],
    ['"text"', 400, 'malformed_json'],
    ['null', 400, 'malformed_json'],
  ];
  for (const [rawBody, status, code] of cases) {
    const { reply } = await offerRaw({ rawBody, headers: { 'content-type': 'application/json' } });
    t.is(reply.status, status, rawBody);
    assertErrorBody(t, reply, code);
  }
});

test('no body at all → 422 validation_failed', async (t) => {
  const { reply } = await offerRaw({});
  t.is(reply.status, 422);
  assertErrorBody(t, reply, 'validation_failed');
});

test('a path id that is not a number → 422, a percent-encoding error does not crash', async (t) => {
  const { db, server } = harness();
  const club = await createClub(db.pool);
  const token = await server.adminToken(club.slug);
  for (const path of ['/admin/players/abc', '/admin/players/1.5', '/admin/players/%E0%A4%A', '/admin/players/0']) {
    const reply = await request(server.baseUrl, 'GET', path, { token });
    t.is(reply.status, 422, path);
    assertErrorBody(t, reply, 'validation_failed');
  }
});
