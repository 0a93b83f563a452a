import test from 'ava';
import { useHarness } from './helpers/context.ts';
import { type Club, createClub, createPlayer, createTeam, putContractInState, readAuditLog, readPlayer } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { CONTRACT_BASE_URL } from './helpers/server.ts';

// docs/PRODUCT.md, "The state machine": the OFFER rows, through HTTP; every test checks the rows,
// not only the answer.

const harness = useHarness();
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

async function offer(club: Club, body: Record<string, unknown>, query = '') {
  const { server } = harness();
  return request(server.baseUrl, 'POST', `/admin/contract/offer${query}`, {
    token: await server.adminToken(club.slug, { email: 'registrar@westside.test' }),
    body,
  });
}

/** Everything an offer could touch for one player. */
async function snapshot(club: Club, playerId: number) {
  const { pool } = harness().db;
  return { player: await readPlayer(pool, club, playerId), audit: await readAuditLog(pool, club, playerId) };
}

test('none → offered: a new 43-character token, the link from CONTRACT_BASE_URL, no audit row', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const team = await createTeam(pool, club);
  const playerId = await createPlayer(pool, club, { teamIds: [team] });

  const reply = await offer(club, { player_id: playerId, monthly_fee: 150 });

  t.is(reply.status, 200);
  t.regex(reply.body.contract_token, TOKEN_FORMAT);
  t.deepEqual(reply.body, {
    player_id: playerId,
    previous_status: 'none',
    new_status: 'offered',
    contract_token: reply.body.contract_token,
    contract_url: `${CONTRACT_BASE_URL}/${reply.body.contract_token}`,
    monthly_fee: 150,
    team_ids: [team],
    moved_teams: false,
    archived: false,
    audit_id: null,
    actor: 'registrar@westside.test',
    // docs/PRODUCT.md, "Who signs": a player with no guardians signs alone, through the offer's one link.
    signers: [
      {
        signer_id: reply.body.signers[0]?.signer_id,
        name: 'Jacelyn Park',
        email: 'family@example.test',
        role: 'player',
        contract_url: `${CONTRACT_BASE_URL}/${reply.body.contract_token}`,
        status: 'pending',
      },
    ],
  });
  const { player, audit } = await snapshot(club, playerId);
  t.is(player.contract_status, 'offered');
  t.is(player.contract_token, reply.body.contract_token);
  t.is(player.monthly_fee, 150);
  t.is(player.contract_offered_by, 'registrar@westside.test');
  t.truthy(player.contract_offered_at);
  t.deepEqual(player.team_ids, [team]);
  t.deepEqual(audit, []);
});

test('none → offered with a target team moves the player onto that team only', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const [gold, silver] = [await createTeam(pool, club), await createTeam(pool, club)];
  const playerId = await createPlayer(pool, club, { teamIds: [gold] });

  const reply = await offer(club, { player_id: playerId, monthly_fee: 150, target_team_id: silver });

  t.is(reply.status, 200);
  t.true(reply.body.moved_teams);
  t.deepEqual(reply.body.team_ids, [silver]);
  t.deepEqual((await readPlayer(pool, club, playerId)).team_ids, [silver]);
  t.deepEqual(await readAuditLog(pool, club, playerId), []);
});

test('force=true on a player with no contract is harmless: an ordinary first offer', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const playerId = await createPlayer(pool, club);

  const reply = await offer(club, { player_id: playerId, monthly_fee: 90 }, '?force=true');

  t.is(reply.status, 200);
  t.is(reply.body.previous_status, 'none');
  t.is((await readPlayer(pool, club, playerId)).contract_status, 'offered');
  t.deepEqual(await readAuditLog(pool, club, playerId), []);
});

test('declined → offered: a new token, the decline cleared, no audit row', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const playerId = await createPlayer(pool, club);
  const declinedToken = await putContractInState(pool, club, playerId, 'declined');
  const declined = await snapshot(club, playerId);

  const reply = await offer(club, { player_id: playerId, monthly_fee: 120 });

  t.is(reply.status, 200);
  t.is(reply.body.previous_status, 'declined');
  t.not(reply.body.contract_token, declinedToken);
  const { player, audit } = await snapshot(club, playerId);
  t.is(player.contract_status, 'offered');
  t.is(player.contract_token, reply.body.contract_token);
  t.is(player.monthly_fee, 120);
  t.is(player.contract_declined_at, null);
  t.deepEqual(audit, declined.audit, 'only the decline row the setup wrote');
});

for (const query of ['', '?force=false']) {
  test(`offered without force (${query || 'no query'}) → 409 offer_exists and nothing changes`, async (t) => {
    const { pool } = harness().db;
    const club = await createClub(pool);
    const playerId = await createPlayer(pool, club, { teamIds: [await createTeam(pool, club)] });
    await putContractInState(pool, club, playerId, 'offered');
    const before = await snapshot(club, playerId);

    const reply = await offer(club, { player_id: playerId, monthly_fee: 200 }, query);

    t.is(reply.status, 409);
    t.is(reply.body.error.code, 'offer_exists');
    t.deepEqual(await snapshot(club, playerId), before);
  });
}

test('offered with force=true → a new token and one re_offer row holding the old one', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const team = await createTeam(pool, club);
  const playerId = await createPlayer(pool, club, { teamIds: [team] });
  const oldToken = await putContractInState(pool, club, playerId, 'offered');

  const reply = await offer(club, { player_id: playerId, monthly_fee: 175 }, '?force=true');

  t.is(reply.status, 200);
  t.is(reply.body.previous_status, 'offered');
  t.not(reply.body.contract_token, oldToken);
  t.false(reply.body.archived);
  const { player, audit } = await snapshot(club, playerId);
  t.is(player.contract_token, reply.body.contract_token);
  t.is(player.monthly_fee, 175);
  t.is(audit.length, 1);
  const [row] = audit;
  t.is(reply.body.audit_id, row?.id);
  t.is(row?.event_type, 're_offer');
  t.is(row?.actor, 'registrar@westside.test');
  t.like(row?.old_state, { contract_status: 'offered', contract_token: oldToken, monthly_fee: 150, team_ids: [team] });
  t.like(row?.new_state, {
    contract_status: 'offered',
    contract_token: reply.body.contract_token,
    monthly_fee: 175,
    team_ids: [team],
  });
});

const signedRefusals: Array<[string, string, (team: number) => Record<string, unknown>]> = [
  ['without a target team', '', () => ({})],
  ['with the current team', '', (team) => ({ target_team_id: team })],
  ['with force=true but no target team', '?force=true', () => ({})],
  ['with target_team_id null', '', () => ({ target_team_id: null })],
];
for (const [situation, query, extra] of signedRefusals) {
  test(`signed ${situation} → 422 team_change_required and nothing written`, async (t) => {
    const { pool } = harness().db;
    const club = await createClub(pool);
    const team = await createTeam(pool, club);
    const playerId = await createPlayer(pool, club, { teamIds: [team] });
    await putContractInState(pool, club, playerId, 'signed');
    const before = await snapshot(club, playerId);

    const reply = await offer(club, { player_id: playerId, monthly_fee: 200, ...extra(team) }, query);

    t.is(reply.status, 422);
    t.is(reply.body.error.code, 'team_change_required');
    t.deepEqual(await snapshot(club, playerId), before);
  });
}

test('signed with a new team → tier_change row with the whole signed state, signature cleared, player moved', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const [gold, silver] = [await createTeam(pool, club), await createTeam(pool, club)];
  const playerId = await createPlayer(pool, club, { teamIds: [gold] });
  const signedToken = await putContractInState(pool, club, playerId, 'signed');
  const { player: signed, audit: signedAudit } = await snapshot(club, playerId);

  const reply = await offer(club, { player_id: playerId, monthly_fee: 220, target_team_id: silver });

  t.is(reply.status, 200);
  t.like(reply.body, { previous_status: 'signed', new_status: 'offered', archived: true, moved_teams: true });
  t.deepEqual(reply.body.team_ids, [silver]);
  t.not(reply.body.contract_token, signedToken);

  const { player, audit } = await snapshot(club, playerId);
  t.like(player, {
    contract_status: 'offered',
    contract_token: reply.body.contract_token,
    monthly_fee: 220,
    contract_signed_at: null,
    contract_signed_by: null,
    contract_signed_ip: null,
    contract_signature_url: null,
    contract_version: null,
  });
  t.deepEqual(player.team_ids, [silver]);

  const written = audit.slice(signedAudit.length);
  t.is(written.length, 1);
  const [row] = written;
  t.is(row?.id, reply.body.audit_id);
  t.is(row?.event_type, 'tier_change');
  t.like(row?.old_state, {
    contract_status: 'signed',
    contract_token: signedToken,
    monthly_fee: 150,
    contract_offered_by: 'registrar@example.test',
    contract_signed_by: 'Dana Park',
    contract_signed_ip: '203.0.113.7',
    contract_signature_url: 'https://sign.example.test/s/1',
    contract_version: 'v1',
    team_ids: [gold],
  });
  t.is(Date.parse(row?.old_state.contract_signed_at as string), signed.contract_signed_at ?? Number.NaN);
  t.is(Date.parse(row?.old_state.contract_offered_at as string), signed.contract_offered_at ?? Number.NaN);
  t.like(row?.new_state, { contract_status: 'offered', contract_token: reply.body.contract_token, team_ids: [silver] });
});

for (const status of ['none', 'signed'] as const) {
  for (const whose of ['that does not exist', 'of another club']) {
    test(`${status}: a target team ${whose} → 422 team_not_found, player and audit log unchanged`, async (t) => {
      const { pool } = harness().db;
      const club = await createClub(pool);
      const team = await createTeam(pool, club);
      const playerId = await createPlayer(pool, club, { teamIds: [team] });
      if (status === 'signed') await putContractInState(pool, club, playerId, 'signed');
      const target = whose === 'that does not exist' ? 2_000_000_000 : await createTeam(pool, await createClub(pool));
      const before = await snapshot(club, playerId);

      const reply = await offer(club, { player_id: playerId, monthly_fee: 200, target_team_id: target });

      t.is(reply.status, 422);
      t.is(reply.body.error.code, 'team_not_found');
      t.deepEqual(await snapshot(club, playerId), before);
    });
  }
}

test("an admin of club B gets 404 for club A's player, and nothing changes", async (t) => {
  const { pool } = harness().db;
  const [clubA, clubB] = [await createClub(pool), await createClub(pool)];
  const playerId = await createPlayer(pool, clubA);
  const before = await snapshot(clubA, playerId);

  const reply = await offer(clubB, { player_id: playerId, monthly_fee: 150 });

  t.is(reply.status, 404);
  t.is(reply.body.error.code, 'player_not_found');
  t.deepEqual(await snapshot(clubA, playerId), before);
});

test('the offered player appears in GET /admin/contracts?status=offered with its link', async (t) => {
  const { db, server } = harness();
  const club = await createClub(db.pool);
  const playerId = await createPlayer(db.pool, club, { name: 'Mo Reyes', email: 'reyes+family@example.test' });
  const offered = await offer(club, { player_id: playerId, monthly_fee: 140 });

  const list = await request(server.baseUrl, 'GET', '/admin/contracts?status=offered', {
    token: await server.adminToken(club.slug),
  });

  t.is(list.status, 200);
  t.is(list.body.items.length, 1);
  t.like(list.body.items[0], {
    player_id: playerId,
    name: 'Mo Reyes',
    email: 'reyes+family@example.test',
    status: 'offered',
    monthly_fee: 140,
    contract_url: offered.body.contract_url,
  });
});

const badBodies: Array<[string, Record<string, unknown>]> = [
  ['a fee sent as a string', { monthly_fee: '150' }],
  ['a fractional fee', { monthly_fee: 150.5 }],
  ['a zero fee', { monthly_fee: 0 }],
  ['a fee over 1,000,000', { monthly_fee: 1_000_001 }],
  ['a fractional player id', { player_id: 1.5 }],
  ['a player id beyond int4', { player_id: 2 ** 31 }],
  ['a target team sent as a string', { target_team_id: '3' }],
  ['an unknown field', { note: 'hi' }],
  ['a tenant hint in the body', { tenant: 'another-club' }],
];
for (const [what, override] of badBodies) {
  test(`${what} → 422 validation_failed with details, and nothing changes`, async (t) => {
    const { pool } = harness().db;
    const club = await createClub(pool);
    const playerId = await createPlayer(pool, club);
    const before = await snapshot(club, playerId);

    const reply = await offer(club, { player_id: playerId, monthly_fee: 150, ...override });

    t.is(reply.status, 422);
    t.is(reply.body.error.code, 'validation_failed');
    t.true(Array.isArray(reply.body.error.details) && reply.body.error.details.length > 0);
    t.deepEqual(await snapshot(club, playerId), before);
  });
}

for (const query of ['?force=yes', '?force=1', '?force=true&force=false', '?tenant=another-club']) {
  test(`query ${query} → 422 validation_failed, nothing changes`, async (t) => {
    const { pool } = harness().db;
    const club = await createClub(pool);
    const playerId = await createPlayer(pool, club);
    const before = await snapshot(club, playerId);

    const reply = await offer(club, { player_id: playerId, monthly_fee: 150 }, query);

    t.is(reply.status, 422);
    t.is(reply.body.error.code, 'validation_failed');
    t.deepEqual(await snapshot(club, playerId), before);
  });
}
