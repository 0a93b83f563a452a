import { randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import test, { type ExecutionContext } from 'ava';
import { CompactSign, type CryptoKey, SignJWT, base64url, exportPKCS8, exportSPKI, generateKeyPair, importPKCS8 } from 'jose';
import { sql } from 'slonik';
import { LOCAL_ISSUER } from '../src/config.ts';
import { useHarness } from './helpers/context.ts';
import { type Club, createClub, createPlayer, readAuditLog, readPlayer } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { type FakeIssuer, type IssuerKey, issuerKey, startFakeIssuer } from './helpers/issuer.ts';
import { type TestServer, startTestServer } from './helpers/server.ts';

// docs/PRODUCT.md, "Identity" and "Admin tokens": the token alone decides who calls and for which
// club.

const harness = useHarness();
const AUDIENCE = 'club-contracts';

interface Signer {
  readonly key: CryptoKey;
  readonly kid: string | undefined;
  readonly alg: string;
}

/** The local key of `server` (the harness's by default). */
const serverSigner = ({ key } = harness().server): Signer => ({ key: key.privateKey, kid: key.publicJwk.kid, alg: 'ES256' });

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
  t: ExecutionContext,
  club: Club,
  playerId: number,
  token: string | undefined,
  status: 401 | 403,
  baseUrl = harness().server.baseUrl,
) {
  const { pool } = harness().db;
  const before = await readPlayer(pool, club, playerId);
  const reply = await offerWith(token, playerId, baseUrl);
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

const now = () => Math.floor(Date.now() / 1000);

/** A fake Keycloak realm serving `keys`, and a service of its own that trusts it; both stop after the test. */
async function startOidc(
  t: ExecutionContext,
  keys: IssuerKey[],
  env: Record<string, string> = {},
): Promise<{ issuer: FakeIssuer; service: TestServer }> {
  const issuer = await startFakeIssuer(keys);
  const service = await startTestServer(harness().db.pool, { env: { OIDC_ISSUER: issuer.issuer, ...env } });
  t.teardown(async () => {
    await service.close();
    await issuer.close();
  });
  return { issuer, service };
}

/** Generating RSA keys is slow on a busy machine, so the issuer tests share these. */
const issuerKeys = { rsa: issuerKey('kc-rsa'), rsaNext: issuerKey('kc-rsa-next'), ec: issuerKey('kc-ec', 'ES256') };

const issuerClaims = (club: Club, issuer: FakeIssuer) => ({ ...validClaims(club), iss: issuer.issuer });

const signerOf = (key: IssuerKey): Signer => ({ key: key.privateKey, kid: key.kid, alg: key.alg });

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

test('a token expired beyond the 30 s clock tolerance → 401', async (t) => {
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

test('a token minted with another DATA_DIR’s key pair → 401 saying to mint it with the service’s DATA_DIR', async (t) => {
  const { club, playerId } = await setUp();
  const { privateKey } = await generateKeyPair('ES256');
  const token = await sign(validClaims(club), { key: privateKey, kid: 'another-data-dir', alg: 'ES256' });

  const reply = await offerWith(token, playerId);

  t.is(reply.status, 401);
  t.regex(reply.body.error.message, /no known key signed it: mint it with `club-contracts token` and the service's own DATA_DIR/);
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
  const key = await issuerKeys.rsa;
  const { issuer, service } = await startOidc(t, [key]);
  const { club, playerId } = await setUp();

  const localToken = await sign(validClaims(club));
  t.is((await offerWith(localToken, playerId, service.baseUrl)).status, 401, 'the local key is not the issuer');

  const reply = await offerWith(await sign(issuerClaims(club, issuer), signerOf(key)), playerId, service.baseUrl);
  t.is(reply.status, 200);
  t.is((await readPlayer(pool, club, playerId)).contract_status, 'offered');
});

test('with OIDC_ISSUER set and the issuer unreachable → 503, nothing written', async (t) => {
  const { pool } = harness().db;
  const service = await startTestServer(pool, { env: { OIDC_ISSUER: 'http://127.0.0.1:9/realms/gone' } });
  t.teardown(() => service.close());
  const club = await createClub(pool);
  const playerId = await createPlayer(pool, club);
  const { privateKey } = await issuerKeys.rsa;
  const token = await sign({ ...validClaims(club), iss: 'http://127.0.0.1:9/realms/gone' }, { key: privateKey, kid: 'x', alg: 'RS256' });

  const reply = await offerWith(token, playerId, service.baseUrl);

  t.is(reply.status, 503);
  t.is(reply.body.error.code, 'identity_provider_unavailable');
  t.is((await readPlayer(pool, club, playerId)).contract_status, 'none');
});

// Algorithms: only RS256 and ES256.

test('only RS256 and ES256: none, HS256 keyed with the public key, RS384, PS256 → 401, no JWKS fetch', async (t) => {
  const [rsa, ec] = [await issuerKeys.rsa, await issuerKeys.ec];
  const { issuer, service } = await startOidc(t, [rsa, ec]);
  const { club, playerId } = await setUp();
  const claims = issuerClaims(club, issuer);
  const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
  const withAlg = async (alg: string, key: CryptoKey | Uint8Array) =>
    new SignJWT(claims).setProtectedHeader({ alg, kid: rsa.kid }).sign(key);
  const rsaPem = await exportPKCS8(rsa.privateKey);

  const refused = {
    none: `${encode({ alg: 'none', kid: rsa.kid })}.${encode(claims)}.`,
    'none with a signature': `${encode({ alg: 'none', kid: rsa.kid })}.${encode(claims)}.c2ln`,
    // The classic confusion: a verifier that lets the token pick HMAC uses the public key as the secret.
    'HS256 keyed with the public key': await withAlg('HS256', new TextEncoder().encode(await exportSPKI(rsa.publicKey))),
    RS384: await withAlg('RS384', await importPKCS8(rsaPem, 'RS384')),
    PS256: await withAlg('PS256', await importPKCS8(rsaPem, 'PS256')),
  };
  for (const [name, token] of Object.entries(refused)) {
    const reply = await offerWith(token, playerId, service.baseUrl);
    t.is(reply.status, 401, name);
    t.is(reply.body.error.code, 'unauthenticated', name);
  }
  t.is((await readPlayer(harness().db.pool, club, playerId)).contract_status, 'none');
  t.is(issuer.jwksRequests, 0, 'a refused algorithm never makes the service ask the issuer');

  const readTeams = (token: string) => request(service.baseUrl, 'GET', '/admin/teams', { token });
  t.is((await readTeams(await sign(claims, signerOf(rsa)))).status, 200, 'RS256 from the issuer');
  t.is((await readTeams(await sign(claims, signerOf(ec)))).status, 200, 'ES256 from the issuer');
});

// Clock skew: OIDC_CLOCK_TOLERANCE_SECONDS (30 by default) on exp, nbf and iat, and no more.

test('clock skew within 30 s is forgiven: expired 10 s ago, nbf and iat 10 s ahead → accepted', async (t) => {
  const { club, playerId } = await setUp();
  const token = await sign({ ...validClaims(club), exp: now() - 10, nbf: now() + 10, iat: now() + 10 });
  const reply = await offerWith(token, playerId);
  t.is(reply.status, 200);
  t.is((await readPlayer(harness().db.pool, club, playerId)).contract_status, 'offered');
});

test('a token whose nbf is beyond the clock tolerance → 401', async (t) => {
  const { club, playerId } = await setUp();
  const reply = await expectRefused(t, club, playerId, await sign({ ...validClaims(club), nbf: now() + 120 }), 401);
  t.regex(reply.body.error.message, /not valid yet/);
});

test('a token issued in the future beyond the clock tolerance → 401', async (t) => {
  const { club, playerId } = await setUp();
  const reply = await expectRefused(t, club, playerId, await sign({ ...validClaims(club), iat: now() + 3600 }), 401);
  t.regex(reply.body.error.message, /issued in the future/);
});

test('OIDC_CLOCK_TOLERANCE_SECONDS=0 refuses a token expired 10 s ago', async (t) => {
  const service = await startTestServer(harness().db.pool, { env: { OIDC_CLOCK_TOLERANCE_SECONDS: '0' } });
  t.teardown(() => service.close());
  const { club, playerId } = await setUp();
  const token = await sign({ ...validClaims(club), exp: now() - 10 }, serverSigner(service));
  const reply = await expectRefused(t, club, playerId, token, 401, service.baseUrl);
  t.regex(reply.body.error.message, /expired/);
});

// The issuer's key set: cached, refetched on an unknown kid at most once per cool-down, fetched with a timeout.

test('the key set is cached: 20 requests with valid tokens → one JWKS fetch', async (t) => {
  const key = await issuerKeys.rsa;
  const { issuer, service } = await startOidc(t, [key]);
  const { club } = await setUp();
  const token = await sign(issuerClaims(club, issuer), signerOf(key));
  for (let i = 0; i < 20; i += 1) {
    const reply = await request(service.baseUrl, 'POST', '/admin/teams', { token, body: { name: `Team ${i}` } });
    t.is(reply.status, 201);
  }
  const { pool } = harness().db;
  t.is(await pool.oneFirst(sql.unsafe`SELECT count(*)::int FROM teams WHERE tenant_id = ${club.id}`), 20);
  t.is(issuer.jwksRequests, 1);
});

test('the issuer rotates its key: a token with the new kid is accepted without a restart', async (t) => {
  const { pool } = harness().db;
  const [oldKey, newKey] = [await issuerKeys.rsa, await issuerKeys.rsaNext];
  const { issuer, service } = await startOidc(t, [oldKey], { OIDC_JWKS_COOLDOWN_SECONDS: '1' });
  const { club, playerId } = await setUp();
  const claims = issuerClaims(club, issuer);
  t.is((await request(service.baseUrl, 'GET', '/admin/teams', { token: await sign(claims, signerOf(oldKey)) })).status, 200);

  issuer.keys = [newKey];
  await new Promise((resolve) => setTimeout(resolve, 1200)); // past the cool-down since the first fetch
  const rotated = await sign({ ...claims, email: 'rotated@example.test' }, signerOf(newKey));
  const reply = await offerWith(rotated, playerId, service.baseUrl);

  t.is(reply.status, 200);
  t.is((await readPlayer(pool, club, playerId)).contract_offered_by, 'rotated@example.test');
  t.is(issuer.jwksRequests, 2, 'one fetch at first use, one for the unknown kid');
});

test('a key the issuer withdraws is refused once the cache is older than OIDC_JWKS_CACHE_SECONDS', async (t) => {
  const [withdrawn, kept] = [await issuerKeys.rsa, await issuerKeys.rsaNext];
  const { issuer, service } = await startOidc(t, [withdrawn, kept], { OIDC_JWKS_CACHE_SECONDS: '1' });
  const { club, playerId } = await setUp();
  const token = await sign(issuerClaims(club, issuer), signerOf(withdrawn));
  t.is((await request(service.baseUrl, 'GET', '/admin/teams', { token })).status, 200);

  issuer.keys = [kept];
  await new Promise((resolve) => setTimeout(resolve, 1200));

  await expectRefused(t, club, playerId, token, 401, service.baseUrl);
  t.is(issuer.jwksRequests, 2);
});

test('50 tokens with made-up kids at once → all 401, and the issuer is asked at most twice', async (t) => {
  const key = await issuerKeys.rsa;
  const { issuer, service } = await startOidc(t, [key]);
  const { club, playerId } = await setUp();
  const { privateKey } = await issuerKeys.rsaNext;
  const tokens = await Promise.all(
    Array.from({ length: 50 }, () =>
      sign(issuerClaims(club, issuer), { key: privateKey, kid: randomBytes(8).toString('hex'), alg: 'RS256' }),
    ),
  );

  const started = Date.now();
  const replies = await Promise.all(tokens.map((token) => offerWith(token, playerId, service.baseUrl)));
  const elapsed = Date.now() - started;

  const answers = new Set(replies.map((reply) => `${reply.status} ${reply.body.error?.code}`));
  t.deepEqual(answers, new Set(['401 unauthenticated']));
  t.true(issuer.jwksRequests <= 2, `${issuer.jwksRequests} JWKS fetches`);
  t.log(`50 unknown kids in ${elapsed} ms → ${issuer.jwksRequests} JWKS fetch(es)`);
  t.is((await readPlayer(harness().db.pool, club, playerId)).contract_status, 'none');
  const real = await sign(issuerClaims(club, issuer), signerOf(key));
  t.is((await offerWith(real, playerId, service.baseUrl)).status, 200, 'the real key still works');
  t.true(issuer.jwksRequests <= 2);
});

test('an issuer that does not answer → 503 within OIDC_JWKS_TIMEOUT_MS; waiting requests share the fetch', async (t) => {
  const key = await issuerKeys.rsa;
  const timeoutMs = 1000;
  for (const behaviour of ['hang', 'stall'] as const) {
    const { issuer, service } = await startOidc(t, [key], { OIDC_JWKS_TIMEOUT_MS: String(timeoutMs) });
    issuer.behaviour = behaviour;
    const { club, playerId } = await setUp();
    const token = await sign(issuerClaims(club, issuer), signerOf(key));

    const started = Date.now();
    const replies = await Promise.all(
      Array.from({ length: 10 }, async () => {
        const sent = Date.now();
        return { ...(await offerWith(token, playerId, service.baseUrl)), ms: Date.now() - sent };
      }),
    );
    const elapsed = Date.now() - started;
    const slowest = Math.max(...replies.map((reply) => reply.ms));

    const answers = new Set(replies.map((reply) => `${reply.status} ${reply.body.error.code}`));
    t.deepEqual(answers, new Set(['503 identity_provider_unavailable']), behaviour);
    t.true(elapsed >= timeoutMs - 100, `${behaviour}: waited for the timeout (${elapsed} ms)`);
    t.true(slowest < timeoutMs + 4000, `${behaviour}: slowest answer in ${slowest} ms`);
    // Requests arriving while a fetch is pending wait for it: at most one fetch per timeout, not one per request.
    t.true(issuer.jwksRequests <= Math.ceil(elapsed / timeoutMs), `${behaviour}: ${issuer.jwksRequests} fetches`);
    t.log(`${behaviour}: 10 requests → 503, slowest ${slowest} ms (timeout ${timeoutMs}), ${issuer.jwksRequests} fetch(es)`);
    t.is((await readPlayer(harness().db.pool, club, playerId)).contract_status, 'none');
  }
});

test('an issuer answering 500, garbage or a non-key-set → 503, never 500; it recovers without a restart', async (t) => {
  const key = await issuerKeys.rsa;
  const { issuer, service } = await startOidc(t, [key]);
  const { club, playerId } = await setUp();
  const token = await sign(issuerClaims(club, issuer), signerOf(key));
  for (const behaviour of ['fail-500', 'garbage', 'not-a-key-set'] as const) {
    issuer.behaviour = behaviour;
    const reply = await offerWith(token, playerId, service.baseUrl);
    t.is(reply.status, 503, behaviour);
    t.is(reply.body.error.code, 'identity_provider_unavailable', behaviour);
  }
  t.is((await readPlayer(harness().db.pool, club, playerId)).contract_status, 'none');

  issuer.behaviour = 'serve';
  t.is((await offerWith(token, playerId, service.baseUrl)).status, 200);
  t.is((await readPlayer(harness().db.pool, club, playerId)).contract_status, 'offered');
});

// Roles.

test('a roles value that is not an array is ignored, not a crash → 403', async (t) => {
  const { club, playerId } = await setUp();
  const { realm_access: _, ...claims } = validClaims(club);
  const shapes: Array<Record<string, unknown>> = [
    { realm_access: { roles: 'admin' } },
    { realm_access: { roles: { admin: true } } },
    { realm_access: 'admin' },
    { realm_access: null, resource_access: null },
    { resource_access: { [AUDIENCE]: { roles: 'admin' } } },
    { resource_access: { [AUDIENCE]: ['admin'] } },
    { resource_access: [{ roles: ['admin'] }] },
  ];
  for (const shape of shapes) await expectRefused(t, club, playerId, await sign({ ...claims, ...shape }), 403);
});

test('OIDC_ADMIN_ROLE names the role required, in realm_access or the audience client', async (t) => {
  const service = await startTestServer(harness().db.pool, { env: { OIDC_ADMIN_ROLE: 'registrar' } });
  t.teardown(() => service.close());
  const signer = serverSigner(service);
  const { club, playerId } = await setUp();
  const { realm_access: _, ...claims } = validClaims(club);
  const readTeams = async (roles: Record<string, unknown>) =>
    (await request(service.baseUrl, 'GET', '/admin/teams', { token: await sign({ ...claims, ...roles }, signer) })).status;

  const plainAdmin = await sign({ ...claims, realm_access: { roles: ['admin'] } }, signer);
  await expectRefused(t, club, playerId, plainAdmin, 403, service.baseUrl);
  t.is(await readTeams({ realm_access: { roles: ['registrar'] } }), 200);
  t.is(await readTeams({ resource_access: { [AUDIENCE]: { roles: ['registrar'] } } }), 200);
  t.is(await readTeams({ resource_access: { other: { roles: ['registrar'] } } }), 403);
});

// Malformed input: always 401 (or 403) with the error body, never 500.

test('any malformed Authorization header → 401 with the error body', async (t) => {
  const { pool } = harness().db;
  const { club, playerId } = await setUp();
  const valid = await sign(validClaims(club));
  const [header, payload, signature] = valid.split('.');
  const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
  const values = [
    '',
    'Bearer',
    'Bearer ',
    valid,
    `Basic ${Buffer.from('admin:admin').toString('base64')}`,
    `Token ${valid}`,
    `Bearer  ${valid}`,
    `Bearer ${valid} ${valid}`,
    `Bearer ${valid}, Bearer ${valid}`,
    `Bearer ${valid}.`,
    `Bearer ${header}.${payload}`,
    'Bearer not-a-token',
    'Bearer !!!.???.***',
    `Bearer ${'A'.repeat(5000)}.${'B'.repeat(5000)}.${'C'.repeat(5000)}`,
    `Bearer ${[1, 2, 3].map(() => randomBytes(48).toString('base64url')).join('.')}`,
    `Bearer ${base64url.encode('{"alg":')}.${payload}.${signature}`,
    ...['[]', '"ES256"', 'null', '42'].map((json) => `Bearer ${base64url.encode(json)}.${payload}.${signature}`),
    `Bearer ${encode({ alg: 42 })}.${payload}.${signature}`,
    `Bearer ${encode({ alg: 'ES256', kid: { $ne: null } })}.${payload}.${signature}`,
    `Bearer ${encode({ alg: 'ES256', crit: ['b64'], b64: false })}.${payload}.${signature}`,
    `Bearer ${header}.${base64url.encode('[1]')}.${signature}`,
    `Bearer ${header}.${payload}.${base64url.encode('x')}`,
  ];
  for (const value of values) {
    const reply = await request(harness().server.baseUrl, 'POST', '/admin/contract/offer', {
      headers: { authorization: value },
      body: { player_id: playerId, monthly_fee: 150 },
    });
    t.is(reply.status, 401, value.slice(0, 80));
    t.is(reply.body.error?.code, 'unauthenticated', value.slice(0, 80));
  }
  t.is((await readPlayer(pool, club, playerId)).contract_status, 'none');
  t.deepEqual(await readAuditLog(pool, club, playerId), []);
});

test('a correctly signed token whose payload is not a JSON object → 401', async (t) => {
  const { club, playerId } = await setUp();
  const { key } = harness().server;
  for (const payload of ['[1,2]', '"admin"', 'null', '42', '{"exp":', '\u00ff\u00fe']) {
    const token = await new CompactSign(new TextEncoder().encode(payload))
      .setProtectedHeader({ alg: 'ES256', kid: key.publicJwk.kid })
      .sign(key.privateKey);
    await expectRefused(t, club, playerId, token, 401);
  }
});

test('two Authorization headers → 401, even when both carry a valid token', async (t) => {
  const { pool } = harness().db;
  const { club, playerId } = await setUp();
  const authorization = `Bearer ${await sign(validClaims(club))}`;
  const body = JSON.stringify({ player_id: playerId, monthly_fee: 150 });
  const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
    const outgoing = httpRequest(`${harness().server.baseUrl}/admin/contract/offer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
    });
    outgoing.setHeader('authorization', [authorization, authorization]);
    outgoing.on('response', (response) => {
      let text = '';
      response.setEncoding('utf8').on('data', (chunk) => (text += chunk));
      response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
    });
    outgoing.on('error', reject);
    outgoing.end(body);
  });
  t.is(status, 401);
  t.is(JSON.parse(text).error.code, 'unauthenticated');
  t.is((await readPlayer(pool, club, playerId)).contract_status, 'none');
});

test('a signed tenant claim that cannot be a slug (a NUL byte, 500 characters) → 403, not a database error', async (t) => {
  const { club, playerId } = await setUp();
  for (const tenant of [`${club.slug}\u0000`, 'x'.repeat(500), 'Upper-Case', ['a', 'b'], 7]) {
    await expectRefused(t, club, playerId, await sign({ ...validClaims(club), tenant }), 403);
  }
});

test('a signed email claim that is not an address (control characters, 1000 characters) → 401', async (t) => {
  const { club, playerId } = await setUp();
  const emails = ['coach\u0000@example.test', 'coach@example.test\r\nX-Injected: 1', `${'c'.repeat(1000)}@example.test`];
  for (const email of emails) {
    await expectRefused(t, club, playerId, await sign({ ...validClaims(club), email }), 401);
  }
});

test('200 mutated and random tokens → every one 401 with the error body', async (t) => {
  const { pool } = harness().db;
  const { club, playerId } = await setUp();
  const valid = await sign(validClaims(club));
  const signedPart = valid.lastIndexOf('.');
  const letters = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  // Deterministic, so a failure can be reproduced.
  let seed = 20_250_101;
  const random = (below: number) => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed % below;
  };
  const letter = () => letters[random(letters.length)] ?? 'A';
  const mutated = () => {
    // Any change to the signed header or payload text breaks the signature.
    const chars = [...valid];
    for (let n = 1 + random(3); n > 0; n -= 1) {
      const at = random(signedPart);
      if (chars[at] === '.') continue;
      const next = letter();
      chars[at] = next === chars[at] ? (next === 'A' ? 'B' : 'A') : next;
    }
    return chars.join('');
  };
  const junk = () => Array.from({ length: 1 + random(300) }, () => (random(20) === 0 ? '.' : letter())).join('');
  const tokens = Array.from({ length: 200 }, (_, i) => (i % 2 === 0 ? mutated() : junk()));
  const candidates = tokens.filter((token) => token !== valid);
  t.true(candidates.length > 190);
  for (const token of candidates) {
    const reply = await offerWith(token, playerId);
    t.is(reply.status, 401, token.slice(0, 80));
    t.is(reply.body.error?.code, 'unauthenticated');
  }
  t.is((await readPlayer(pool, club, playerId)).contract_status, 'none');
});

test('a malformed Authorization header is told apart from a missing one, never echoing it', async (t) => {
  const { club, playerId } = await setUp();
  const valid = await sign(validClaims(club));
  const messages = new Map<string, string>();
  const cases: ReadonlyArray<readonly [string, string | undefined, RegExp]> = [
    ['missing', undefined, /^Send an admin access token as "Authorization: Bearer <token>"\.$/],
    ['empty', '', /is empty/],
    ['Bearer and nothing', 'Bearer', /says "Bearer" but no token follows it/],
    ['Bearer and a space', 'Bearer ', /says "Bearer" but no token follows it/],
    ['Basic', `Basic ${Buffer.from('admin:admin').toString('base64')}`, /is not a bearer token/],
    ['another scheme', `Token ${valid}`, /is not a bearer token/],
    ['a token without its scheme', valid, /holds a token without its scheme/],
    ['two values', `Bearer ${valid} ${valid}`, /more than a token after "Bearer"/],
    ['two spaces', `Bearer  ${valid}`, /more than a token after "Bearer"/],
    ['a list', `Bearer ${valid}, Bearer ${valid}`, /more than a token after "Bearer"/],
    ['not a JWT', 'Bearer not-a-token', /is not a JWT/],
    ['four parts', `Bearer ${valid}.x`, /is not a JWT/],
  ];
  for (const [what, value, message] of cases) {
    const reply = await request(harness().server.baseUrl, 'POST', '/admin/contract/offer', {
      headers: value === undefined ? {} : { authorization: value },
      body: { player_id: playerId, monthly_fee: 150 },
    });
    t.is(reply.status, 401, what);
    t.is(reply.body.error.code, 'unauthenticated', what);
    t.regex(reply.body.error.message, message, what);
    t.false(reply.body.error.message.includes(valid.split('.')[1] ?? '-'), `${what}: the token is not echoed`);
    messages.set(what, reply.body.error.message);
  }
  const missing = messages.get('missing');
  for (const [what, message] of messages) if (what !== 'missing') t.not(message, missing, what);
  t.is((await readPlayer(harness().db.pool, club, playerId)).contract_status, 'none');
});

test('a token valid for longer than OIDC_MAX_TOKEN_LIFETIME_SECONDS (default a day) → 401, whatever its signature', async (t) => {
  const { club, playerId } = await setUp();
  const day = 86_400;
  for (const [what, claims] of [
    ['exp 10^20 s away', { iat: now(), exp: 1e20 }],
    ['a day and a second', { iat: now(), exp: now() + day + 1 }],
    ['issued a year ago, expiring tomorrow', { iat: now() - 365 * day, exp: now() + 600 }],
    ['no iat, expiring in two days', { exp: now() + 2 * day }],
  ] as const) {
    const reply = await expectRefused(t, club, playerId, await sign({ ...validClaims(club), ...claims }), 401);
    t.regex(reply.body.error.message, /valid for longer than the 86400 s accepted/, what);
  }
  const issued = now(); // read once: a second ticking between two reads would add one to the lifetime
  for (const claims of [{ iat: issued, exp: issued + day }, { exp: issued + day - 60 }]) {
    const accepted = await setUp();
    t.is((await offerWith(await sign({ ...validClaims(accepted.club), ...claims }), accepted.playerId)).status, 200);
  }
});

test('OIDC_MAX_TOKEN_LIFETIME_SECONDS sets the bound: 600 refuses a token of 601 s and takes one of 600 s', async (t) => {
  const service = await startTestServer(harness().db.pool, { env: { OIDC_MAX_TOKEN_LIFETIME_SECONDS: '600' } });
  t.teardown(() => service.close());
  const { club, playerId } = await setUp();
  const signer = serverSigner(service);
  const longer = await sign({ ...validClaims(club), iat: now(), exp: now() + 601 }, signer);
  const reply = await expectRefused(t, club, playerId, longer, 401, service.baseUrl);
  t.regex(reply.body.error.message, /longer than the 600 s accepted/);
  const issued = now(); // read once: a second ticking between two reads would add one to the lifetime
  const within = await sign({ ...validClaims(club), iat: issued, exp: issued + 600 }, signer);
  t.is((await offerWith(within, playerId, service.baseUrl)).status, 200);
});
