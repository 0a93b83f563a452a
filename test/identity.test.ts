import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import test from 'ava';
import { type CryptoKey, type JWK, SignJWT, base64url, exportJWK, generateKeyPair } from 'jose';
import { sql } from 'slonik';
import { LOCAL_ISSUER } from '../src/config.ts';
import { useHarness } from './helpers/context.ts';
import { type Club, createClub, createPlayer, readAuditLog, readPlayer } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { startTestServer } from './helpers/server.ts';

// SPEC §5 and §8 "Identity": the token alone decides who calls and for which club.

const harness = useHarness();
const AUDIENCE = 'club-contracts';

interface Signer {
  readonly key: CryptoKey;
  readonly kid: string | undefined;
  readonly alg: 'ES256' | 'RS256';
}

const serverSigner = (): Signer => {
  const { key } = harness().server;
  return { key: key.privateKey, kid: key.publicJwk.kid, alg: 'ES256' };
};

/** Claims of a valid admin token for `club`, to be varied one at a time. */
const validClaims = (club: Club): Record<string, unknown> => ({
  iss: LOCAL_ISSUER,
  aud: AUDIENCE,
  sub: 'u-1',
  email: 'coach@example.test',
  typ: 'Bearer',
  realm_access: { roles: ['admin'] },
  tenant: club.slug,
  exp: Math.floor(Date.now() / 1000) + 600,
});

async function sign(claims: Record<string, unknown>, signer: Signer = serverSigner()): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: signer.alg, kid: signer.kid }).sign(signer.key);
}

async function offerWith(token: string | undefined, playerId: number, baseUrl = harness().server.baseUrl) {
  return request(baseUrl, 'POST', '/admin/contract/offer', {
    ...(token === undefined ? {} : { token }),
    body: { player_id: playerId, monthly_fee: 150 },
  });
}

/** Runs an offer with `token` and checks the answer and that the player was not touched. */
async function expectRefused(
  t: import('ava').ExecutionContext,
  club: Club,
  playerId: number,
  token: string | undefined,
  status: 401 | 403,
) {
  const { pool } = harness().db;
  const before = await readPlayer(pool, club, playerId);
  const reply = await offerWith(token, playerId);
  t.is(reply.status, status);
  t.is(reply.body.error.code, status === 401 ? 'unauthenticated' : 'forbidden');
  t.is(typeof reply.body.error.message, 'string');
  t.deepEqual(await readPlayer(pool, club, playerId), before);
  t.deepEqual(await readAuditLog(pool, club, playerId), []);
  return reply;
}

async function setUp() {
  const { pool } = harness().db;
  const club = await createClub(pool);
  return { club, playerId: await createPlayer(pool, club) };
}

test('a valid token is accepted and its email becomes the actor', async (t) => {
  const { club, playerId } = await setUp();
  const reply = await offerWith(await sign(validClaims(club)), playerId);
  t.is(reply.status, 200);
  t.is(reply.body.actor, 'coach@example.test');
  t.is((await readPlayer(harness().db.pool, club, playerId)).contract_offered_by, 'coach@example.test');
});

test('without an email claim the actor is "admin"', async (t) => {
  const { club, playerId } = await setUp();
  const { email: _, ...claims } = validClaims(club);
  const reply = await offerWith(await sign(claims), playerId);
  t.is(reply.status, 200);
  t.is((await readPlayer(harness().db.pool, club, playerId)).contract_offered_by, 'admin');
});

test('no Authorization header → 401 with a Bearer challenge', async (t) => {
  const { club, playerId } = await setUp();
  const reply = await expectRefused(t, club, playerId, undefined, 401);
  t.is(reply.headers.get('www-authenticate'), 'Bearer');
});

test('a token that is not a JWT → 401', async (t) => {
  const { club, playerId } = await setUp();
  await expectRefused(t, club, playerId, 'not-a-token', 401);
});

test('an expired token → 401', async (t) => {
  const { club, playerId } = await setUp();
  const token = await sign({ ...validClaims(club), exp: Math.floor(Date.now() / 1000) - 60 });
  const reply = await expectRefused(t, club, playerId, token, 401);
  t.regex(reply.body.error.message, /expired/);
});

test('a token without exp → 401', async (t) => {
  const { club, playerId } = await setUp();
  const { exp: _, ...claims } = validClaims(club);
  await expectRefused(t, club, playerId, await sign(claims), 401);
});

test('a token signed by another key → 401', async (t) => {
  const { club, playerId } = await setUp();
  const { privateKey } = await generateKeyPair('ES256');
  const token = await sign(validClaims(club), { key: privateKey, kid: serverSigner().kid, alg: 'ES256' });
  await expectRefused(t, club, playerId, token, 401);
});

test('a token whose payload was altered after signing → 401', async (t) => {
  const { club, playerId } = await setUp();
  const [header, , signature] = (await sign(validClaims(club))).split('.');
  const payload = base64url.encode(JSON.stringify({ ...validClaims(club), email: 'someone-else@example.test' }));
  await expectRefused(t, club, playerId, `${header}.${payload}.${signature}`, 401);
});

test('a token from another issuer → 401', async (t) => {
  const { club, playerId } = await setUp();
  await expectRefused(t, club, playerId, await sign({ ...validClaims(club), iss: 'https://evil.example.test' }), 401);
});

test('a token for another audience → 401', async (t) => {
  const { club, playerId } = await setUp();
  await expectRefused(t, club, playerId, await sign({ ...validClaims(club), aud: 'account' }), 401);
});

test('a token without aud → 401', async (t) => {
  const { club, playerId } = await setUp();
  const { aud: _, ...claims } = validClaims(club);
  await expectRefused(t, club, playerId, await sign(claims), 401);
});

test('an unsigned token (alg: none) → 401', async (t) => {
  const { club, playerId } = await setUp();
  const header = base64url.encode(JSON.stringify({ alg: 'none', typ: 'JWT' }));
  const payload = base64url.encode(JSON.stringify(validClaims(club)));
  await expectRefused(t, club, playerId, `${header}.${payload}.`, 401);
  await expectRefused(t, club, playerId, `${header}.${payload}.c2ln`, 401);
});

test('a Keycloak ID token (typ "ID") is not an access token → 401', async (t) => {
  const { club, playerId } = await setUp();
  await expectRefused(t, club, playerId, await sign({ ...validClaims(club), typ: 'ID' }), 401);
});

test('a token without the admin role → 403', async (t) => {
  const { club, playerId } = await setUp();
  await expectRefused(t, club, playerId, await sign({ ...validClaims(club), realm_access: { roles: ['coach'] } }), 403);
});

test('the admin role under the audience client in resource_access counts', async (t) => {
  const { club, playerId } = await setUp();
  const { realm_access: _, ...claims } = validClaims(club);
  const token = await sign({ ...claims, resource_access: { [AUDIENCE]: { roles: ['admin'] } } });
  t.is((await offerWith(token, playerId)).status, 200);
});

test('the admin role under some other client does not count → 403', async (t) => {
  const { club, playerId } = await setUp();
  const { realm_access: _, ...claims } = validClaims(club);
  const token = await sign({ ...claims, resource_access: { 'other-app': { roles: ['admin'] } } });
  await expectRefused(t, club, playerId, token, 403);
});

test('a token without the tenant claim → 403', async (t) => {
  const { club, playerId } = await setUp();
  const { tenant: _, ...claims } = validClaims(club);
  await expectRefused(t, club, playerId, await sign(claims), 403);
});

test('a token naming an unknown tenant → 403', async (t) => {
  const { club, playerId } = await setUp();
  await expectRefused(t, club, playerId, await sign({ ...validClaims(club), tenant: 'no-such-club' }), 403);
});

test('a club added while the service runs works at once', async (t) => {
  const token = await sign(validClaims({ id: 0, slug: 'brand-new-club' }));
  t.is((await request(harness().server.baseUrl, 'GET', '/admin/teams', { token })).status, 403);

  await harness().db.pool.query(sql.unsafe`INSERT INTO tenants (slug, name) VALUES ('brand-new-club', 'New Club')`);

  const reply = await request(harness().server.baseUrl, 'GET', '/admin/teams', { token });
  t.is(reply.status, 200);
  t.deepEqual(reply.body, { items: [] });
});

test('a tenant hint in a header is ignored: the token decides', async (t) => {
  const { pool } = harness().db;
  const [mine, theirs] = [await createClub(pool), await createClub(pool)];
  const theirPlayer = await createPlayer(pool, theirs);
  const reply = await request(harness().server.baseUrl, 'POST', '/admin/contract/offer', {
    token: await sign(validClaims(mine)),
    headers: { 'x-tenant': theirs.slug, 'x-tenant-id': String(theirs.id) },
    body: { player_id: theirPlayer, monthly_fee: 150 },
  });
  t.is(reply.status, 404);
  t.is((await readPlayer(pool, theirs, theirPlayer)).contract_status, 'none');
});

test('every admin route refuses a request without a token', async (t) => {
  const { baseUrl } = harness().server;
  const routes: Array<[string, string]> = [
    ['POST', '/admin/contract/offer'],
    ['GET', '/admin/contracts?status=offered'],
    ['POST', '/admin/teams'],
    ['GET', '/admin/teams'],
    ['POST', '/admin/players'],
    ['GET', '/admin/players/1'],
  ];
  for (const [method, path] of routes) {
    const reply = await request(baseUrl, method, path, method === 'POST' ? { body: {} } : {});
    t.is(reply.status, 401, `${method} ${path}`);
    t.is(reply.body.error.code, 'unauthenticated');
  }
});

test('with OIDC_ISSUER set, tokens are checked against the issuer’s JWKS (RS256)', async (t) => {
  const { pool } = harness().db;
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid: 'kc-1', alg: 'RS256', use: 'sig' };
  const issuerServer = createServer((req, res) => {
    if (req.url === '/realms/clubs/protocol/openid-connect/certs') {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    } else {
      res.statusCode = 404;
      res.end();
    }
  });
  await new Promise<void>((resolve) => issuerServer.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(issuerServer.address() as AddressInfo).port}/realms/clubs`;
  const service = await startTestServer(pool, { env: { OIDC_ISSUER: issuer } });
  t.teardown(async () => {
    await service.close();
    issuerServer.close();
  });
  const club = await createClub(pool);
  const playerId = await createPlayer(pool, club);
  const keycloak: Signer = { key: privateKey, kid: 'kc-1', alg: 'RS256' };

  const localToken = await sign(validClaims(club));
  t.is((await offerWith(localToken, playerId, service.baseUrl)).status, 401, 'the local key is not the issuer');

  const issued = await sign({ ...validClaims(club), iss: issuer }, keycloak);
  const reply = await offerWith(issued, playerId, service.baseUrl);
  t.is(reply.status, 200);
  t.is((await readPlayer(pool, club, playerId)).contract_status, 'offered');
});

test('with OIDC_ISSUER set and the issuer unreachable → 503, nothing written', async (t) => {
  const { pool } = harness().db;
  const service = await startTestServer(pool, { env: { OIDC_ISSUER: 'http://127.0.0.1:9/realms/gone' } });
  t.teardown(() => service.close());
  const club = await createClub(pool);
  const playerId = await createPlayer(pool, club);
  const { privateKey } = await generateKeyPair('RS256');
  const token = await sign(
    { ...validClaims(club), iss: 'http://127.0.0.1:9/realms/gone' },
    { key: privateKey, kid: 'x', alg: 'RS256' },
  );

  const reply = await offerWith(token, playerId, service.baseUrl);

  t.is(reply.status, 503);
  t.is(reply.body.error.code, 'identity_provider_unavailable');
  t.is((await readPlayer(pool, club, playerId)).contract_status, 'none');
});
