import test from 'ava';
import { sql } from 'slonik';
import { useHarness } from './helpers/context.ts';
import { type Club, createClub, createPlayer, createTeam, putContractInState, readPlayer } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { CONTRACT_BASE_URL } from './helpers/server.ts';

// docs/PRODUCT.md, "Admin" and "List": GET /admin/contracts, the list a reminder blast is sent
// from.

const harness = useHarness();

async function list(club: Club, query: string) {
  const { server } = harness();
  return request(server.baseUrl, 'GET', `/admin/contracts${query}`, { token: await server.adminToken(club.slug) });
}

test('lists only the players in the asked state, with contract_url only on offered items', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const team = await createTeam(pool, club);
  const offered = await createPlayer(pool, club, { name: 'Offered', teamIds: [team] });
  const token = await putContractInState(pool, club, offered, 'offered');
  const signed = await createPlayer(pool, club, { name: 'Signed' });
  await putContractInState(pool, club, signed, 'signed');
  const untouched = await createPlayer(pool, club, { name: 'Untouched' });

  const offeredList = await list(club, '?status=offered');
  t.is(offeredList.status, 200);
  t.deepEqual(offeredList.body.next_cursor, null);
  t.is(offeredList.body.items.length, 1);
  const [item] = offeredList.body.items;
  t.like(item, {
    player_id: offered,
    name: 'Offered',
    email: 'family@example.test',
    status: 'offered',
    monthly_fee: 150,
    team_ids: [team],
    contract_url: `${CONTRACT_BASE_URL}/${token}`,
  });
  t.false(Number.isNaN(Date.parse(item.contract_offered_at)));

  const signedList = await list(club, '?status=signed');
  t.deepEqual(
    signedList.body.items.map((row: { player_id: number; contract_url: unknown }) => [row.player_id, row.contract_url]),
    [[signed, null]],
  );
  const noneList = await list(club, '?status=none');
  t.deepEqual(
    noneList.body.items.map((row: { player_id: number }) => row.player_id),
    [untouched],
  );
  t.is(noneList.body.items[0].contract_offered_at, null);
});

test("never shows another club's players", async (t) => {
  const { pool } = harness().db;
  const [mine, theirs] = [await createClub(pool), await createClub(pool)];
  await putContractInState(pool, theirs, await createPlayer(pool, theirs), 'offered');

  const reply = await list(mine, '?status=offered');

  t.is(reply.status, 200);
  t.deepEqual(reply.body.items, []);
});

test('keyset pagination walks every player exactly once, in order', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const ids: number[] = [];
  for (let i = 0; i < 7; i += 1) {
    const playerId = await createPlayer(pool, club, { name: `Player ${i}` });
    await putContractInState(pool, club, playerId, 'offered');
    ids.push(playerId);
  }

  const seen: number[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const reply = await list(club, `?status=offered&limit=3${cursor === null ? '' : `&cursor=${cursor}`}`);
    t.is(reply.status, 200);
    seen.push(...reply.body.items.map((row: { player_id: number }) => row.player_id));
    cursor = reply.body.next_cursor;
    pages += 1;
  } while (cursor !== null && pages < 10);

  t.deepEqual(seen, ids);
  t.is(pages, 3);
});

test('a page that ends exactly at the last player has no next cursor', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  for (let i = 0; i < 2; i += 1) await putContractInState(pool, club, await createPlayer(pool, club), 'declined');

  const reply = await list(club, '?status=declined&limit=2');

  t.is(reply.body.items.length, 2);
  t.is(reply.body.next_cursor, null);
});

const badQueries = [
  '',
  '?status=pending',
  '?status=offered&limit=0',
  '?status=offered&limit=501',
  '?status=offered&limit=ten',
  '?status=offered&cursor=not-a-cursor',
  '?status=offered&tenant=another-club',
];
for (const query of badQueries) {
  test(`GET /admin/contracts${query} → 422 validation_failed`, async (t) => {
    const reply = await list(await createClub(harness().db.pool), query);
    t.is(reply.status, 422);
    t.is(reply.body.error.code, 'validation_failed');
  });
}

test('limit defaults to 50 and may be 500', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  for (let i = 0; i < 51; i += 1) await createPlayer(pool, club);

  const byDefault = await list(club, '?status=none');
  t.is(byDefault.body.items.length, 50);
  t.not(byDefault.body.next_cursor, null);
  const most = await list(club, '?status=none&limit=500');
  t.is(most.body.items.length, 51);
  t.is(most.body.next_cursor, null);
});

test('several states, comma-separated, list the players in any of them, in player id order, whatever order they are named in', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const players: Record<string, number> = {};
  for (const status of ['offered', 'signed', 'none', 'declined', 'withdrawn', 'expired'] as const) {
    players[status] = await createPlayer(pool, club, { name: status });
    if (status !== 'none') await putContractInState(pool, club, players[status], status);
  }
  const idsOf = (reply: { body: { items: Array<{ player_id: number }> } }) => reply.body.items.map((item) => item.player_id);
  const notSigned = [players.offered, players.declined, players.withdrawn, players.expired];

  const everyoneNotSigned = await list(club, '?status=offered,declined,withdrawn,expired');
  t.is(everyoneNotSigned.status, 200);
  t.deepEqual(idsOf(everyoneNotSigned), notSigned);
  t.is(everyoneNotSigned.body.next_cursor, null);
  t.deepEqual(idsOf(await list(club, '?status=expired,withdrawn,declined,offered')), notSigned);
  t.deepEqual(idsOf(await list(club, '?status=signed,none')), [players.signed, players.none]);
});

test('each item also carries team_names in the order of team_ids, external_id, and who signed and when', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const [zebras, antelopes] = [await createTeam(pool, club, 'Zebras'), await createTeam(pool, club, 'Antelopes')];
  const offered = await createPlayer(pool, club, { teamIds: [antelopes] });
  await putContractInState(pool, club, offered, 'offered');
  const signed = await createPlayer(pool, club, { teamIds: [zebras, antelopes] });
  await putContractInState(pool, club, signed, 'signed');
  // The roster import will set it; here the column is written directly, as that import would.
  await pool.query(sql.unsafe`UPDATE players SET external_id = 'REG-0042' WHERE tenant_id = ${club.id} AND id = ${signed}`);
  const signedAt = (await readPlayer(pool, club, signed)).contract_signed_at;

  const [offeredItem, signedItem] = (await list(club, '?status=offered,signed')).body.items;

  t.like(offeredItem, { player_id: offered, team_names: ['Antelopes'], external_id: null, signed_by: null, signed_at: null });
  t.like(signedItem, {
    player_id: signed,
    team_ids: [zebras, antelopes],
    team_names: ['Zebras', 'Antelopes'],
    external_id: 'REG-0042',
    signed_by: 'Dana Park',
    signed_at: new Date(signedAt ?? 0).toISOString(),
  });
});

test('keyset pagination across several states walks every matching player exactly once, in id order', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const cycle = ['offered', 'signed', 'declined', 'none', 'withdrawn'] as const;
  const expected: number[] = [];
  for (let i = 0; i < 10; i += 1) {
    const status = cycle[i % cycle.length] ?? 'none';
    const playerId = await createPlayer(pool, club);
    if (status !== 'none') await putContractInState(pool, club, playerId, status);
    if (status === 'offered' || status === 'declined' || status === 'none') expected.push(playerId);
  }

  const seen: number[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const reply = await list(club, `?status=none,declined,offered&limit=2${cursor === null ? '' : `&cursor=${cursor}`}`);
    t.is(reply.status, 200);
    seen.push(...reply.body.items.map((row: { player_id: number }) => row.player_id));
    cursor = reply.body.next_cursor;
    pages += 1;
  } while (cursor !== null && pages < 10);

  t.deepEqual(seen, expected);
  t.is(pages, 3);
});

const UNKNOWN = 'is not a contract state (none, offered, declined, signed, withdrawn, expired)';
const badStateLists: Array<[string, string]> = [
  ['offered,pending', `"pending" ${UNKNOWN}`],
  ['offered,Declined', `"Declined" ${UNKNOWN}`],
  ['offered, declined', `" declined" ${UNKNOWN}`],
  ['offered,', 'item 2 is empty'],
  [',offered', 'item 1 is empty'],
  ['offered,,declined', 'item 2 is empty'],
  ['offered,declined,offered', '"offered" is given twice'],
];
for (const [states, problem] of badStateLists) {
  test(`GET /admin/contracts?status=${states} → 422 validation_failed naming status (${problem.split(' (')[0]}), nothing changed`, async (t) => {
    const { pool } = harness().db;
    const club = await createClub(pool);
    const playerId = await createPlayer(pool, club);
    await putContractInState(pool, club, playerId, 'offered');
    const before = await readPlayer(pool, club, playerId);

    const reply = await list(club, `?status=${encodeURIComponent(states)}`);

    t.is(reply.status, 422);
    t.is(reply.body.error.code, 'validation_failed');
    t.is(reply.body.error.message, `The query string is not valid: "status": ${problem}.`);
    t.deepEqual(
      reply.body.error.details.map((issue: { path: string[] }) => issue.path),
      [['status']],
    );
    t.deepEqual(await readPlayer(pool, club, playerId), before);
  });
}
