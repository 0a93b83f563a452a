import test from 'ava';
import { useHarness } from './helpers/context.ts';
import { type Club, createClub, createPlayer, createTeam, putContractInState } from './helpers/fixtures.ts';
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
