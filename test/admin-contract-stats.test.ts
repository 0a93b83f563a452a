import test from 'ava';
import { offerContract } from '../src/contracts/store.ts';
import { declineContract, signContract } from '../src/family/store.ts';
import { useHarness } from './helpers/context.ts';
import { type Club, createClub, createPlayer, putContractInState } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';

// GET /admin/contract/stats: the live view behind the chart page.

const harness = useHarness();

async function stats(club: Club, query = '') {
  const { server } = harness();
  return request(server.baseUrl, 'GET', `/admin/contract/stats${query}`, { token: await server.adminToken(club.slug) });
}

test("counts the club's players per state and its audit events in the last 30 days", async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  await createPlayer(pool, club);
  const offered = await createPlayer(pool, club);
  await putContractInState(pool, club, offered, 'offered');
  await offerContract(pool, { tenantId: club.id, playerId: offered, monthlyFee: 99, targetTeamId: null, force: true, actor: 'a' });
  const declined = await createPlayer(pool, club);
  await declineContract(pool, await putContractInState(pool, club, declined, 'offered'));

  const reply = await stats(club);

  t.is(reply.status, 200);
  t.deepEqual(reply.body.states, { none: 1, offered: 1, declined: 1, signed: 0, withdrawn: 0, expired: 0 });
  t.deepEqual(reply.body.events, {
    re_offer: 1,
    tier_change: 0,
    sign: 0,
    decline: 1,
    admin_override: 0,
    withdraw: 0,
    expire: 0,
    signature: 0,
    receipt: 0,
  });
  const span = Date.parse(reply.body.window.until) - Date.parse(reply.body.window.since);
  t.is(span, 30 * 24 * 3600 * 1000);
});

test('events outside the window are not counted', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const playerId = await createPlayer(pool, club);
  await declineContract(pool, await putContractInState(pool, club, playerId, 'offered'));

  const past = await stats(club, '?since=2020-01-01T00:00:00Z&until=2020-02-01T00:00:00Z');
  t.is(past.status, 200);
  t.is(past.body.events.decline, 0);
  t.is(past.body.states.declined, 1, 'states are always counted now');
});

test("another club's numbers never show", async (t) => {
  const { pool } = harness().db;
  const [mine, theirs] = [await createClub(pool), await createClub(pool)];
  await putContractInState(pool, theirs, await createPlayer(pool, theirs), 'signed');

  const reply = await stats(mine);

  t.deepEqual(reply.body.states, { none: 0, offered: 0, declined: 0, signed: 0, withdrawn: 0, expired: 0 });
});

for (const query of ['?since=yesterday', '?since=2026-02-01T00:00:00Z&until=2026-01-01T00:00:00Z', '?tenant=x']) {
  test(`GET /admin/contract/stats${query} → 422 validation_failed`, async (t) => {
    const reply = await stats(await createClub(harness().db.pool), query);
    t.is(reply.status, 422);
    t.is(reply.body.error.code, 'validation_failed');
  });
}

test('counts each transition of the window, the offers that write no audit row included', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const [signed, redone, withdrawn] = [await createPlayer(pool, club), await createPlayer(pool, club), await createPlayer(pool, club)];
  const offer = (playerId: number, force = false) =>
    offerContract(pool, { tenantId: club.id, playerId, monthlyFee: 100, targetTeamId: null, force, actor: 'a' });
  await offer(signed);
  const { contract_token: token } = await offer(signed, true);
  await signContract(pool, { token, signedBy: 'Dana', signatureUrl: null, ip: null, contractVersion: 'v1' });
  await putContractInState(pool, club, redone, 'declined');
  await offer(redone);
  await putContractInState(pool, club, withdrawn, 'withdrawn');

  const reply = await stats(club);

  const count = (from: string, event: string, to: string) =>
    reply.body.transitions.find(
      (row: { from: string; event: string; to: string }) => row.from === from && row.event === event && row.to === to,
    )?.count ?? 0;
  t.is(count('none', 'OFFER', 'offered'), 3);
  t.is(count('offered', 'OFFER', 'offered'), 1, 'the forced re-offer, from its re_offer row');
  t.is(count('offered', 'SIGN', 'signed'), 1);
  t.is(count('offered', 'DECLINE', 'declined'), 1);
  t.is(count('declined', 'OFFER', 'offered'), 1, 'an offer after a decline writes no audit row: counted from its e-mail');
  t.is(count('offered', 'WITHDRAW', 'withdrawn'), 1);
});
