import test from 'ava';
import { useHarness } from './helpers/context.ts';
import { createClub, createPlayer, createTeam } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { CONTRACT_BASE_URL } from './helpers/server.ts';

// The whole life of a contract through the API alone: offer → sign → tier change → sign the new
// offer, with every step in the history (docs/PRODUCT.md, "The state machine", "Admin", "Family
// links" and "History").

const harness = useHarness();

test('offer → sign → tier change → sign again, every step in the history, newest first', async (t) => {
  const { db, server } = harness();
  const club = await createClub(db.pool);
  const [gold, silver] = [await createTeam(db.pool, club, 'U12 Gold'), await createTeam(db.pool, club, 'U14 Silver')];
  const playerId = await createPlayer(db.pool, club, { teamIds: [gold] });
  const token = await server.adminToken(club.slug, { email: 'registrar@westside.test' });
  const admin = (method: string, path: string, body?: unknown) => request(server.baseUrl, method, path, { token, body });
  const tokenOf = (url: string) => url.slice(`${CONTRACT_BASE_URL}/`.length);

  const first = await admin('POST', '/admin/contract/offer', { player_id: playerId, monthly_fee: 150 });
  t.is(first.status, 200);
  const firstToken = tokenOf(first.body.contract_url);
  t.is((await request(server.baseUrl, 'POST', `/contract/${firstToken}/sign`, { body: { signed_by: 'Dana Park' } })).status, 200);

  const tierChange = await admin('POST', '/admin/contract/offer', { player_id: playerId, monthly_fee: 180, target_team_id: silver });
  t.is(tierChange.status, 200);
  t.true(tierChange.body.archived);
  const secondToken = tokenOf(tierChange.body.contract_url);
  t.is((await request(server.baseUrl, 'GET', `/contract/${firstToken}`)).status, 410, 'the signed link was replaced');
  const secondSign = await request(server.baseUrl, 'POST', `/contract/${secondToken}/sign`, {
    body: { signed_by: 'Dana Park' },
  });
  t.is(secondSign.status, 200);
  t.deepEqual(secondSign.body.team_names, ['U14 Silver']);

  const history = await admin('GET', `/admin/players/${playerId}/contract`);
  t.is(history.status, 200);
  t.like(history.body, {
    player_id: playerId,
    status: 'signed',
    monthly_fee: 180,
    team_ids: [silver],
    contract_url: null,
    contract_offered_by: 'registrar@westside.test',
    contract_signed_by: 'Dana Park',
    contract_version: 'v1',
  });
  t.false(Number.isNaN(Date.parse(history.body.contract_signed_at)));
  t.deepEqual(
    history.body.history.map((entry: { event_type: string }) => entry.event_type),
    ['sign', 'tier_change', 'sign'],
  );
  const [latestSign, change, firstSign] = history.body.history;
  t.true(latestSign.id > change.id && change.id > firstSign.id);
  t.deepEqual(Object.keys(change).sort(), ['actor', 'event_type', 'id', 'new_state', 'old_state', 'source', 'ts']);
  t.like(change, { actor: 'registrar@westside.test', source: 'admin_api' });
  t.like(change.old_state, { contract_status: 'signed', contract_token: firstToken, contract_signed_by: 'Dana Park', team_ids: [gold] });
  t.like(change.new_state, { contract_status: 'offered', contract_token: secondToken, team_ids: [silver] });
  t.like(latestSign.new_state, { contract_status: 'signed', contract_token: secondToken });
  t.like(firstSign.new_state, { contract_status: 'signed', contract_token: firstToken });
});

test("the history of another club's player → 404, showing nothing", async (t) => {
  const { db, server } = harness();
  const [mine, theirs] = [await createClub(db.pool), await createClub(db.pool)];
  const theirPlayer = await createPlayer(db.pool, theirs);

  const reply = await request(server.baseUrl, 'GET', `/admin/players/${theirPlayer}/contract`, {
    token: await server.adminToken(mine.slug),
  });

  t.is(reply.status, 404);
  t.deepEqual(Object.keys(reply.body), ['error']);
  t.is(reply.body.error.code, 'player_not_found');
});

test('an offered contract shows its link in the history endpoint', async (t) => {
  const { db, server } = harness();
  const club = await createClub(db.pool);
  const playerId = await createPlayer(db.pool, club);
  const token = await server.adminToken(club.slug);
  const offer = await request(server.baseUrl, 'POST', '/admin/contract/offer', { token, body: { player_id: playerId, monthly_fee: 90 } });

  const reply = await request(server.baseUrl, 'GET', `/admin/players/${playerId}/contract`, { token });

  t.like(reply.body, { status: 'offered', contract_url: offer.body.contract_url, history: [], contract_signed_at: null });
});

test('a declined contract’s history says when the family declined, in ISO 8601', async (t) => {
  const { db, server } = harness();
  const club = await createClub(db.pool);
  const playerId = await createPlayer(db.pool, club);
  const token = await server.adminToken(club.slug);
  const offer = await request(server.baseUrl, 'POST', '/admin/contract/offer', { token, body: { player_id: playerId, monthly_fee: 90 } });
  const before = Date.now();
  const declined = await request(
    server.baseUrl,
    'POST',
    `/contract/${offer.body.contract_url.slice(`${CONTRACT_BASE_URL}/`.length)}/decline`,
  );
  t.is(declined.status, 200);

  const reply = await request(server.baseUrl, 'GET', `/admin/players/${playerId}/contract`, { token });

  t.is(reply.body.status, 'declined');
  t.regex(reply.body.contract_declined_at, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  t.true(Date.parse(reply.body.contract_declined_at) >= before - 1000);
});
