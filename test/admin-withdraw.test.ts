import test from 'ava';
import { useHarness } from './helpers/context.ts';
import { createClub, createPlayer, putContractInState, readAuditLog, readMessages, readPlayer } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';

// POST /admin/contract/withdraw (docs/PRODUCT.md, "The state machine"): WITHDRAW, through HTTP.

const harness = useHarness();

async function offered() {
  const { pool } = harness().db;
  const club = await createClub(pool, 'Westside Hoops');
  const playerId = await createPlayer(pool, club);
  const token = await putContractInState(pool, club, playerId, 'offered');
  const adminToken = await harness().server.adminToken(club.slug);
  const withdraw = (body: unknown, headers: Record<string, string> = {}) =>
    request(harness().server.baseUrl, 'POST', '/admin/contract/withdraw', { token: adminToken, body, headers });
  return { club, playerId, token, withdraw };
}

test('withdrawing an open offer: 200, the contract withdrawn with its reason, the link 410 contract_withdrawn', async (t) => {
  const { club, playerId, token, withdraw } = await offered();

  const reply = await withdraw({ player_id: playerId, reason: 'Offered by mistake' });

  t.is(reply.status, 200);
  t.like(reply.body, { player_id: playerId, previous_status: 'offered', new_status: 'withdrawn', actor: 'coach@example.test' });
  t.like(await readPlayer(harness().db.pool, club, playerId), { contract_status: 'withdrawn' });
  t.like((await readAuditLog(harness().db.pool, club, playerId)).at(-1), { id: reply.body.audit_id, event_type: 'withdraw' });
  t.like(await readMessages(harness().db.pool, club, playerId), [{ kind: 'offer', status: 'skipped' }]);
  const link = await request(harness().server.baseUrl, 'GET', `/contract/${token}`);
  t.is(link.status, 410);
  t.is(link.body.error.code, 'contract_withdrawn');
  const sign = await request(harness().server.baseUrl, 'POST', `/contract/${token}/sign`, { body: { signed_by: 'Dana' } });
  t.is(sign.status, 410);
  t.is(sign.body.error.code, 'contract_withdrawn');
  const page = await request(harness().server.baseUrl, 'GET', `/contract/${token}`, { headers: { accept: 'text/html' } });
  t.is(page.status, 410);
  t.regex(page.body, /withdrew this offer/);
});

test('a withdrawn contract can be offered again', async (t) => {
  const { club, playerId, withdraw } = await offered();
  await withdraw({ player_id: playerId, reason: 'Wrong fee' });
  const adminToken = await harness().server.adminToken(club.slug);

  const offer = await request(harness().server.baseUrl, 'POST', '/admin/contract/offer', {
    token: adminToken,
    body: { player_id: playerId, monthly_fee: 120 },
  });

  t.is(offer.status, 200);
  t.like(offer.body, { previous_status: 'withdrawn', new_status: 'offered' });
});

test('no open offer → 409 no_open_offer; another club’s player → 404; a blank reason → 422; nothing changes', async (t) => {
  const { club, playerId, withdraw } = await offered();
  await withdraw({ player_id: playerId, reason: 'once' });
  const before = await readPlayer(harness().db.pool, club, playerId);
  const theirs = await offered();

  t.is((await withdraw({ player_id: playerId, reason: 'twice' })).body.error.code, 'no_open_offer');
  t.is((await withdraw({ player_id: theirs.playerId, reason: 'not mine' })).status, 404);
  t.is((await withdraw({ player_id: playerId, reason: ' ' })).status, 422);
  t.deepEqual(await readPlayer(harness().db.pool, club, playerId), before);
  t.like(await readPlayer(harness().db.pool, theirs.club, theirs.playerId), { contract_status: 'offered' });
});

test('with an Idempotency-Key a retry answers the first withdrawal again, marked Idempotent-Replayed', async (t) => {
  const { club, playerId, withdraw } = await offered();
  const first = await withdraw({ player_id: playerId, reason: 'Offered by mistake' }, { 'idempotency-key': 'withdraw-1' });
  const audit = await readAuditLog(harness().db.pool, club, playerId);

  const second = await withdraw({ player_id: playerId, reason: 'Offered by mistake' }, { 'idempotency-key': 'withdraw-1' });

  t.is(second.status, 200);
  t.deepEqual(second.body, first.body);
  t.is(second.headers.get('idempotent-replayed'), 'true');
  t.deepEqual(await readAuditLog(harness().db.pool, club, playerId), audit);
});
