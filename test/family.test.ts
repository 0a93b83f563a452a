import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { offerContract } from '../src/contracts/store.ts';
import { esignDisclosure } from '../src/family/esign-disclosure.ts';

const ESIGN_DISCLOSURE = esignDisclosure('en');
import { useHarness } from './helpers/context.ts';
import {
  type Club,
  createClub,
  createPlayer,
  createTeam,
  putContractInState,
  randomToken,
  readAuditLog,
  readPlayer,
} from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { rawRequest } from './helpers/raw-http.ts';
import { startTestServer } from './helpers/server.ts';

// SIGN and DECLINE (docs/PRODUCT.md, "The state machine" and "Family links"), through HTTP as a
// program would call it (JSON).

const harness = useHarness({ CONTRACT_VERSION: '2026-27' });

async function offeredPlayer(options: { teamName?: string } = {}) {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const team = await createTeam(pool, club, options.teamName ?? 'U12 Gold');
  const playerId = await createPlayer(pool, club, { teamIds: [team], name: 'Jacelyn Park' });
  const token = await putContractInState(pool, club, playerId, 'offered');
  return { club, playerId, token };
}

const sign = (token: string, body: unknown = { signed_by: 'Dana Park' }, baseUrl = harness().server.baseUrl) =>
  request(baseUrl, 'POST', `/contract/${token}/sign`, { body });
const decline = (token: string) => request(harness().server.baseUrl, 'POST', `/contract/${token}/decline`);

async function unchanged(t: import('ava').ExecutionContext, club: Club, playerId: number, action: () => Promise<unknown>) {
  const { pool } = harness().db;
  const before = { player: await readPlayer(pool, club, playerId), audit: await readAuditLog(pool, club, playerId) };
  await action();
  t.deepEqual({ player: await readPlayer(pool, club, playerId), audit: await readAuditLog(pool, club, playerId) }, before);
}

test('GET /contract/:token answers the offer as JSON, with the configured contract version', async (t) => {
  const { token } = await offeredPlayer();
  const reply = await request(harness().server.baseUrl, 'GET', `/contract/${token}`);
  t.is(reply.status, 200);
  t.deepEqual(reply.body, {
    club_name: 'Westside Hoops',
    terms: null,
    player_name: 'Jacelyn Park',
    team_names: ['U12 Gold'],
    monthly_fee: 150,
    status: 'offered',
    contract_version: '2026-27',
    // docs/PRODUCT.md, "Who signs": a player with no guardians signs alone, at the player's e-mail.
    signer: { name: 'Jacelyn Park', role: 'player', status: 'pending' },
    signers: [{ name: 'Jacelyn Park', role: 'player', status: 'pending', signed_at: null }],
    // docs/LANGUAGES.md: the language the page shows this link in; no one here chose one.
    language: 'en',
  });
});

test('sign records signed at, by, IP, signature URL and version, and writes one sign audit row', async (t) => {
  const { pool } = harness().db;
  const { club, playerId, token } = await offeredPlayer();
  const before = await readPlayer(pool, club, playerId);
  const startedAt = Date.now();

  const reply = await sign(token, { signed_by: 'Dana Park', signature_url: 'https://sign.example.test/s/42' });

  t.is(reply.status, 200);
  t.like(reply.body, { status: 'signed', contract_version: '2026-27', player_name: 'Jacelyn Park' });
  const player = await readPlayer(pool, club, playerId);
  t.like(player, {
    contract_status: 'signed',
    contract_token: token,
    contract_signed_by: 'Dana Park',
    contract_signed_ip: '127.0.0.1',
    contract_signature_url: 'https://sign.example.test/s/42',
    contract_version: '2026-27',
  });
  t.true((player.contract_signed_at ?? 0) >= startedAt - 1000);
  const audit = await readAuditLog(pool, club, playerId);
  t.is(audit.length, 1);
  t.like(audit[0], { event_type: 'sign', actor: 'family', source: 'family_link' });
  t.like(audit[0]?.old_state, { contract_status: 'offered', contract_token: token, contract_signed_by: null });
  t.like(audit[0]?.new_state, {
    contract_status: 'signed',
    contract_token: token,
    contract_signed_by: 'Dana Park',
    contract_version: '2026-27',
    team_ids: before.team_ids,
  });
});

test('a JSON sign records esign_consent as given, and as not said (null) when an older client leaves it out', async (t) => {
  const [given, left] = [await offeredPlayer(), await offeredPlayer()];

  t.is((await sign(given.token, { signed_by: 'Dana Park', esign_consent: true })).status, 200);
  t.is((await sign(left.token, { signed_by: 'Dana Park' })).status, 200);

  const [withConsent] = await readAuditLog(harness().db.pool, given.club, given.playerId);
  t.like(withConsent?.new_state, { contract_esign_consent: true, contract_disclosure_version: ESIGN_DISCLOSURE.version });
  const [without] = await readAuditLog(harness().db.pool, left.club, left.playerId);
  t.like(without?.new_state, { contract_esign_consent: null, contract_disclosure_sha256: ESIGN_DISCLOSURE.sha256 });
});

test('decline records the decline and one decline audit row; the token stays', async (t) => {
  const { pool } = harness().db;
  const { club, playerId, token } = await offeredPlayer();

  const reply = await decline(token);

  t.is(reply.status, 200);
  t.is(reply.body.status, 'declined');
  const player = await readPlayer(pool, club, playerId);
  t.is(player.contract_status, 'declined');
  t.is(player.contract_token, token);
  t.not(player.contract_declined_at, null);
  const audit = await readAuditLog(pool, club, playerId);
  t.deepEqual(
    audit.map((row) => [row.event_type, row.old_state.contract_status, row.new_state.contract_status]),
    [['decline', 'offered', 'declined']],
  );
});

const wrongStates: Array<[string, 'sign' | 'decline', 'sign' | 'decline', string]> = [
  ['sign twice', 'sign', 'sign', 'contract_already_signed'],
  ['sign after declining', 'decline', 'sign', 'contract_already_declined'],
  ['decline after signing', 'sign', 'decline', 'contract_already_signed'],
  ['decline twice', 'decline', 'decline', 'contract_already_declined'],
];
for (const [name, first, second, code] of wrongStates) {
  test(`${name} → 409 ${code}, and nothing changes`, async (t) => {
    const { club, playerId, token } = await offeredPlayer();
    t.is((await (first === 'sign' ? sign(token) : decline(token))).status, 200);

    await unchanged(t, club, playerId, async () => {
      const reply = await (second === 'sign' ? sign(token, { signed_by: 'Someone Else' }) : decline(token));
      t.is(reply.status, 409);
      t.is(reply.body.error.code, code);
    });
  });
}

test('a token that a re-offer replaced → 410 contract_superseded for GET, sign and decline', async (t) => {
  const { pool } = harness().db;
  const { club, playerId, token: oldToken } = await offeredPlayer();
  await offerContract(pool, { tenantId: club.id, playerId, monthlyFee: 160, targetTeamId: null, force: true, actor: 'a' });

  await unchanged(t, club, playerId, async () => {
    for (const reply of [
      await request(harness().server.baseUrl, 'GET', `/contract/${oldToken}`),
      await sign(oldToken),
      await decline(oldToken),
    ]) {
      t.is(reply.status, 410);
      t.is(reply.body.error.code, 'contract_superseded');
    }
  });
});

test('a declined offer replaced by a new one: the declined link → 410', async (t) => {
  const { pool } = harness().db;
  const { club, playerId, token } = await offeredPlayer();
  await decline(token);
  await offerContract(pool, { tenantId: club.id, playerId, monthlyFee: 160, targetTeamId: null, force: false, actor: 'a' });

  const reply = await request(harness().server.baseUrl, 'GET', `/contract/${token}`);

  t.is(reply.status, 410);
  t.is(reply.body.error.code, 'contract_superseded');
});

test('an unknown token → 404 contract_not_found for GET, sign and decline; a malformed one too', async (t) => {
  for (const token of [randomToken(), 'short', `${randomToken()}x`, 'a%20b']) {
    for (const reply of [await request(harness().server.baseUrl, 'GET', `/contract/${token}`), await sign(token), await decline(token)]) {
      t.is(reply.status, 404, token);
      t.is(reply.body.error.code, 'contract_not_found');
    }
  }
});

test('a prefix of a live token opens nothing', async (t) => {
  const { club, playerId, token } = await offeredPlayer();
  await unchanged(t, club, playerId, async () => {
    t.is((await request(harness().server.baseUrl, 'GET', `/contract/${token.slice(0, 42)}`)).status, 404);
    t.is((await sign(token.slice(0, 42))).status, 404);
  });
});

const badSignatures: Array<[string, unknown]> = [
  ['no signed_by', {}],
  ['an empty signed_by', { signed_by: '' }],
  ['a blank signed_by', { signed_by: '   ' }],
  ['a signed_by over 200 characters', { signed_by: 'x'.repeat(201) }],
  ['a signed_by that is not a string', { signed_by: 42 }],
  ['an http signature_url', { signed_by: 'Dana', signature_url: 'http://sign.example.test/s/1' }],
  ['a signature_url that is not a URL', { signed_by: 'Dana', signature_url: 'not a url' }],
  ['an unknown field', { signed_by: 'Dana', signed_at: '2020-01-01' }],
];
for (const [what, body] of badSignatures) {
  test(`sign with ${what} → 422 validation_failed, nothing changes`, async (t) => {
    const { club, playerId, token } = await offeredPlayer();
    await unchanged(t, club, playerId, async () => {
      const reply = await sign(token, body);
      t.is(reply.status, 422);
      t.is(reply.body.error.code, 'validation_failed');
    });
  });
}

test('a JSON body is answered by the JSON API whatever Accept prefers: its refusals are the JSON error body too', async (t) => {
  const { club, playerId, token } = await offeredPlayer();
  const accept = 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8';
  const post = (body: unknown) => request(harness().server.baseUrl, 'POST', `/contract/${token}/sign`, { body, headers: { accept } });

  await unchanged(t, club, playerId, async () => {
    const refused = await post({ signed_by: 'Dana Park', tenant_id: 7 });
    t.is(refused.status, 422);
    t.regex(refused.headers.get('content-type') ?? '', /^application\/json/);
    t.is(refused.body.error.code, 'validation_failed');
  });
  const signed = await post({ signed_by: 'Dana Park' });
  t.is(signed.status, 200);
  t.is(signed.body.status, 'signed');
  t.like(await readPlayer(harness().db.pool, club, playerId), { contract_status: 'signed', contract_signed_by: 'Dana Park' });
});

/** A JSON sign, or a decline as the probe sent it: no body, no Content-Type. */
const postFrom = (token: string, action: 'sign' | 'decline', headers: Record<string, string>) =>
  rawRequest(harness().server.baseUrl, {
    method: 'POST',
    path: `/contract/${token}/${action}`,
    ...(action === 'sign'
      ? { headers: { 'content-type': 'application/json', ...headers }, body: '{"signed_by":"Dana Park"}' }
      : { headers }),
  });

const FROM_ANOTHER_SITE: ReadonlyArray<readonly [string, Record<string, string>]> = [
  ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site', origin: 'https://evil.test' }],
  ['Sec-Fetch-Site: same-site (a sibling subdomain)', { 'sec-fetch-site': 'same-site' }],
  ['another site’s Origin, no Sec-Fetch-Site', { origin: 'https://evil.test' }],
];

for (const [what, headers] of FROM_ANOTHER_SITE) {
  test(`a JSON sign or decline from another site (${what}) → 403 cross_site_post; the contract is as it was`, async (t) => {
    for (const action of ['sign', 'decline'] as const) {
      const { club, playerId, token } = await offeredPlayer();
      await unchanged(t, club, playerId, async () => {
        const reply = await postFrom(token, action, headers);
        t.is(reply.status, 403, action);
        t.is(JSON.parse(reply.text).error.code, 'cross_site_post', action);
      });
    }
  });
}

test('a JSON sign or decline from the page’s own origin, from the user (none), or from a program (no header) → 200', async (t) => {
  const { host } = new URL(harness().server.baseUrl);
  const cases: ReadonlyArray<readonly [string, Record<string, string>]> = [
    ['Sec-Fetch-Site: same-origin', { 'sec-fetch-site': 'same-origin' }],
    ['Sec-Fetch-Site: none', { 'sec-fetch-site': 'none' }],
    ['the Host’s Origin', { host, origin: harness().server.baseUrl }],
    ['no Origin, no Sec-Fetch-Site', {}],
  ];
  for (const [what, headers] of cases) {
    for (const action of ['sign', 'decline'] as const) {
      const { club, playerId, token } = await offeredPlayer();
      const reply = await postFrom(token, action, headers);
      t.is(reply.status, 200, `${what}, ${action}`);
      t.is((await readPlayer(harness().db.pool, club, playerId)).contract_status, action === 'sign' ? 'signed' : 'declined');
    }
  }
});

test('a family post whose body is neither JSON nor a form → 415 unsupported_media_type; the contract is as it was', async (t) => {
  for (const [contentType, body] of [
    ['text/plain', '{"signed_by":"Dana Park"}'],
    ['multipart/form-data; boundary=x', '--x\r\nContent-Disposition: form-data; name="signed_by"\r\n\r\nDana Park\r\n--x--\r\n'],
  ] as const) {
    for (const action of ['sign', 'decline'] as const) {
      const { club, playerId, token } = await offeredPlayer();
      await unchanged(t, club, playerId, async () => {
        const reply = await rawRequest(harness().server.baseUrl, {
          method: 'POST',
          path: `/contract/${token}/${action}`,
          headers: { 'content-type': contentType },
          body,
        });
        t.is(reply.status, 415, `${contentType}, ${action}`);
        t.is(JSON.parse(reply.text).error.code, 'unsupported_media_type');
      });
    }
  }
});

test('a 200-character name with quotes and unicode is stored exactly', async (t) => {
  const { club, playerId, token } = await offeredPlayer();
  const name = `Zoë "Dee" O'Brien; -- ${'é'.repeat(170)}`.slice(0, 200);
  t.is((await sign(token, { signed_by: name })).status, 200);
  t.is((await readPlayer(harness().db.pool, club, playerId)).contract_signed_by, name);
});

test('without TRUST_PROXY, X-Forwarded-For is ignored: the socket address is recorded', async (t) => {
  const { club, playerId, token } = await offeredPlayer();
  const reply = await request(harness().server.baseUrl, 'POST', `/contract/${token}/sign`, {
    body: { signed_by: 'Dana Park' },
    headers: { 'x-forwarded-for': '198.51.100.23' },
  });
  t.is(reply.status, 200);
  t.is((await readPlayer(harness().db.pool, club, playerId)).contract_signed_ip, '127.0.0.1');
});

test('with TRUST_PROXY, the address the nearest proxy appended to X-Forwarded-For is recorded', async (t) => {
  const behindProxy = await startTestServer(harness().db.pool, { env: { TRUST_PROXY: 'true' } });
  t.teardown(() => behindProxy.close());
  const cases: Array<[string, string]> = [
    ['198.51.100.23', '198.51.100.23'],
    ['203.0.113.9, 198.51.100.23', '198.51.100.23'],
    ['2001:db8::7', '2001:db8::7'],
    ['not-an-ip', '127.0.0.1'],
  ];
  for (const [header, recorded] of cases) {
    const { club, playerId, token } = await offeredPlayer();
    const reply = await request(behindProxy.baseUrl, 'POST', `/contract/${token}/sign`, {
      body: { signed_by: 'Dana Park' },
      headers: { 'x-forwarded-for': header },
    });
    t.is(reply.status, 200, header);
    t.is((await readPlayer(harness().db.pool, club, playerId)).contract_signed_ip, recorded, header);
  }
});

test('two simultaneous signatures: exactly one wins, one sign row', async (t) => {
  const { club, playerId, token } = await offeredPlayer();
  const replies = await Promise.all([sign(token, { signed_by: 'Parent One' }), sign(token, { signed_by: 'Parent Two' })]);
  t.deepEqual(replies.map((reply) => reply.status).sort(), [200, 409]);
  const audit = await readAuditLog(harness().db.pool, club, playerId);
  t.is(audit.filter((row) => row.event_type === 'sign').length, 1);
});

test('sign and decline at once: one wins, the other gets 409, one audit row', async (t) => {
  const { club, playerId, token } = await offeredPlayer();
  const replies = await Promise.all([sign(token), decline(token)]);
  t.deepEqual(replies.map((reply) => reply.status).sort(), [200, 409]);
  t.is((await readAuditLog(harness().db.pool, club, playerId)).length, 1);
  const count = await harness().db.pool.oneFirst(sql.type(z.object({ count: z.bigint() }))`
    SELECT count(*) FROM players WHERE contract_token = ${token} AND contract_status IN ('signed', 'declined')
  `);
  t.is(count, 1n);
});
