import test from 'ava';
import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { useHarness } from './helpers/context.ts';
import { type Club, createClub, createPlayer, putContractInState, readAuditLog, readPlayer } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';

// README.md, "Safe retries": an Idempotency-Key makes an admin write safe to send again.

// A duplicate gives up on a still-running first request after this long (IDEMPOTENCY_WAIT_MS):
// long enough for a first offer to commit on two loaded cores, so the duplicates of a burst get its
// answer, not 409; the test of a request that is still running waits this long once.
const WAIT_MS = 3_000;
const harness = useHarness({ IDEMPOTENCY_WAIT_MS: String(WAIT_MS) });

async function post(club: Club, path: string, body: unknown, key?: string, rawBody?: string) {
  const { server } = harness();
  return request(server.baseUrl, 'POST', path, {
    token: await server.adminToken(club.slug),
    ...(rawBody === undefined ? { body } : { rawBody, headers: { 'content-type': 'application/json' } }),
    ...(key === undefined ? {} : { headers: { 'content-type': 'application/json', 'idempotency-key': key } }),
  });
}

const count = (query: ReturnType<typeof sql.unsafe>) =>
  harness().db.pool.oneFirst(sql.type(z.object({ count: z.bigint() }))`SELECT count(*) FROM (${query}) AS rows`);

async function offeredPlayer(club: Club): Promise<number> {
  const playerId = await createPlayer(harness().db.pool, club);
  await putContractInState(harness().db.pool, club, playerId, 'offered');
  return playerId;
}

test('the same key with the same body answers the first response again and mints nothing', async (t) => {
  const club = await createClub(harness().db.pool);
  const playerId = await offeredPlayer(club);
  const body = { player_id: playerId, monthly_fee: 180 };

  const first = await post(club, '/admin/contract/offer?force=true', body, 'retry-1');
  const again = await post(club, '/admin/contract/offer?force=true', body, 'retry-1');

  t.is(first.status, 200);
  t.is(first.headers.get('idempotent-replayed'), null);
  t.is(again.status, 200);
  t.is(again.headers.get('idempotent-replayed'), 'true');
  t.deepEqual(again.body, first.body);
  t.is((await readPlayer(harness().db.pool, club, playerId)).contract_token, first.body.contract_token);
  t.is((await readAuditLog(harness().db.pool, club, playerId)).length, 1, 'one re_offer, not two');
});

test('key order, spacing and an explicit null do not make a retry a different request', async (t) => {
  const club = await createClub(harness().db.pool);
  const playerId = await offeredPlayer(club);

  const first = await post(club, '/admin/contract/offer?force=true', null, 'retry-2', `{"player_id":${playerId},"monthly_fee":90}`);
  const again = await post(
    club,
    '/admin/contract/offer?force=true',
    null,
    'retry-2',
    `{ "monthly_fee": 90, "target_team_id": null, "player_id": ${playerId} }`,
  );

  t.is(first.status, 200);
  t.deepEqual(again.body, first.body);
  t.is((await readAuditLog(harness().db.pool, club, playerId)).length, 1);
});

test('the same key with a different body → 422 idempotency_key_reused, and nothing changes', async (t) => {
  const club = await createClub(harness().db.pool);
  const playerId = await offeredPlayer(club);
  const first = await post(club, '/admin/contract/offer?force=true', { player_id: playerId, monthly_fee: 180 }, 'k-3');

  const different = await post(club, '/admin/contract/offer?force=true', { player_id: playerId, monthly_fee: 190 }, 'k-3');
  const otherRoute = await post(club, '/admin/teams', { name: 'U14' }, 'k-3');

  t.is(different.status, 422);
  t.is(different.body.error.code, 'idempotency_key_reused');
  t.is(otherRoute.status, 422);
  t.is(otherRoute.body.error.code, 'idempotency_key_reused');
  const player = await readPlayer(harness().db.pool, club, playerId);
  t.is(player.contract_token, first.body.contract_token);
  t.is(player.monthly_fee, 180);
  t.is(await count(sql.unsafe`SELECT 1 FROM teams WHERE tenant_id = ${club.id}`), 0n);
});

test('the same body with a different key is a new request', async (t) => {
  const club = await createClub(harness().db.pool);
  const playerId = await offeredPlayer(club);
  const body = { player_id: playerId, monthly_fee: 180 };

  const first = await post(club, '/admin/contract/offer?force=true', body, 'k-4a');
  const second = await post(club, '/admin/contract/offer?force=true', body, 'k-4b');

  t.is(second.status, 200);
  t.not(second.body.contract_token, first.body.contract_token);
  t.is((await readAuditLog(harness().db.pool, club, playerId)).length, 2);
});

test('keys belong to one club: another club using the same key is not answered from it', async (t) => {
  const [mine, theirs] = [await createClub(harness().db.pool), await createClub(harness().db.pool)];
  const [myPlayer, theirPlayer] = [await createPlayer(harness().db.pool, mine), await createPlayer(harness().db.pool, theirs)];

  const ours = await post(mine, '/admin/contract/offer', { player_id: myPlayer, monthly_fee: 100 }, 'shared-key');
  const theirsReply = await post(theirs, '/admin/contract/offer', { player_id: theirPlayer, monthly_fee: 100 }, 'shared-key');

  t.is(ours.status, 200);
  t.is(theirsReply.status, 200);
  t.is(theirsReply.headers.get('idempotent-replayed'), null);
  t.is((await readPlayer(harness().db.pool, theirs, theirPlayer)).contract_token, theirsReply.body.contract_token);
});

test('simultaneous duplicates run the write once and all get its response', async (t) => {
  const club = await createClub(harness().db.pool);
  const playerId = await offeredPlayer(club);
  const body = { player_id: playerId, monthly_fee: 240 };

  const replies = await Promise.all(Array.from({ length: 12 }, () => post(club, '/admin/contract/offer?force=true', body, 'burst')));

  t.deepEqual(new Set(replies.map((reply) => reply.status)), new Set([200]));
  t.is(new Set(replies.map((reply) => reply.body.contract_token)).size, 1);
  t.is(replies.filter((reply) => reply.headers.get('idempotent-replayed') === null).length, 1);
  t.is((await readAuditLog(harness().db.pool, club, playerId)).length, 1, 'executed once');
  t.is((await readPlayer(harness().db.pool, club, playerId)).contract_token, replies[0]?.body.contract_token);
});

test('a duplicate of a request that is still running waits, then gets 409 idempotency_in_progress; never a second run', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const playerId = await offeredPlayer(club);
  const body = { player_id: playerId, monthly_fee: 300 };

  // Hold the player's row lock, so the first request claims its key and then waits inside the function.
  let first: Promise<Awaited<ReturnType<typeof post>>> | undefined;
  let duplicate: Awaited<ReturnType<typeof post>> | undefined;
  let waited = 0;
  await pool.transaction(async (tx) => {
    await tx.query(sql.unsafe`SELECT 1 FROM players WHERE tenant_id = ${club.id} AND id = ${playerId} FOR UPDATE`);
    first = post(club, '/admin/contract/offer?force=true', body, 'slow');
    await waitForBackendsBlockedBy(tx, 1);
    const started = Date.now();
    duplicate = await post(club, '/admin/contract/offer?force=true', body, 'slow');
    waited = Date.now() - started;
  });
  const finished = await first;

  t.is(duplicate?.status, 409);
  t.is(duplicate?.body.error.code, 'idempotency_in_progress');
  t.true(waited >= WAIT_MS * 0.9, `the duplicate waited ${waited} ms`);
  t.is(finished?.status, 200);
  t.is((await readAuditLog(pool, club, playerId)).length, 1, 'the write ran once');
  const retry = await post(club, '/admin/contract/offer?force=true', body, 'slow');
  t.deepEqual(retry.body, finished?.body);
});

test('a refused request does not use up its key: the same request is judged again', async (t) => {
  const club = await createClub(harness().db.pool);
  const playerId = await offeredPlayer(club);
  const body = { player_id: playerId, monthly_fee: 120 };

  const refused = await post(club, '/admin/contract/offer', body, 'k-refused');
  const refusedAgain = await post(club, '/admin/contract/offer', body, 'k-refused');

  t.is(refused.body.error.code, 'offer_exists');
  t.is(refusedAgain.body.error.code, 'offer_exists');
  t.is(await count(sql.unsafe`SELECT 1 FROM idempotency_keys WHERE tenant_id = ${club.id}`), 0n);
});

test('an expired key is a new key', async (t) => {
  const club = await createClub(harness().db.pool);
  const playerId = await offeredPlayer(club);
  const body = { player_id: playerId, monthly_fee: 180 };
  const first = await post(club, '/admin/contract/offer?force=true', body, 'k-old');
  await harness().db.pool.query(sql.unsafe`
    UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE tenant_id = ${club.id}
  `);

  const later = await post(club, '/admin/contract/offer?force=true', body, 'k-old');

  t.is(later.status, 200);
  t.is(later.headers.get('idempotent-replayed'), null);
  t.not(later.body.contract_token, first.body.contract_token);
  t.is((await readAuditLog(harness().db.pool, club, playerId)).length, 2);
});

test('creating a team or a player twice with one key creates it once and answers 201 both times', async (t) => {
  const club = await createClub(harness().db.pool);

  const teams = [await post(club, '/admin/teams', { name: 'U16' }, 'team-1'), await post(club, '/admin/teams', { name: 'U16' }, 'team-1')];
  const playerBody = { name: 'Ava Lin', email: 'family+ava@example.test', team_ids: [teams[0]?.body.id] };
  const players = [await post(club, '/admin/players', playerBody, 'player-1'), await post(club, '/admin/players', playerBody, 'player-1')];

  t.deepEqual(
    teams.map((reply) => reply.status),
    [201, 201],
  );
  t.deepEqual(teams[1]?.body, teams[0]?.body);
  t.deepEqual(
    players.map((reply) => reply.status),
    [201, 201],
  );
  t.deepEqual(players[1]?.body, players[0]?.body);
  t.is(players[1]?.headers.get('idempotent-replayed'), 'true');
  t.is(await count(sql.unsafe`SELECT 1 FROM teams WHERE tenant_id = ${club.id}`), 1n);
  t.is(await count(sql.unsafe`SELECT 1 FROM players WHERE tenant_id = ${club.id}`), 1n);
  t.is(await count(sql.unsafe`SELECT 1 FROM player_teams WHERE tenant_id = ${club.id}`), 1n);
});

test('an Idempotency-Key that is not 1 to 255 printable ASCII characters → 422, nothing written', async (t) => {
  const club = await createClub(harness().db.pool);

  for (const key of ['has space', 'x'.repeat(256), 'ümlaut']) {
    const reply = await post(club, '/admin/teams', { name: `Team ${key.length}` }, key);
    t.is(reply.status, 422, key);
    t.is(reply.body.error.code, 'validation_failed');
  }
  t.is(await count(sql.unsafe`SELECT 1 FROM teams WHERE tenant_id = ${club.id}`), 0n);
});

/**
 * Waits until `atLeast` backends wait on a lock that `db`'s transaction holds. Only those: the other
 * tests of this file run at the same time on the same database, and their duplicates wait on locks
 * too, so counting every lock wait let the duplicate here go before the first request held its key.
 */
async function waitForBackendsBlockedBy(db: CommonQueryMethods, atLeast: number): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    const waiting = await db.oneFirst(sql.type(z.object({ count: z.bigint() }))`
      SELECT count(*) FROM pg_stat_activity WHERE pg_backend_pid() = ANY (pg_blocking_pids(pid))
    `);
    if (waiting >= atLeast) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error('no request started waiting on a lock this transaction holds');
}
