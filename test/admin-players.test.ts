import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { useHarness } from './helpers/context.ts';
import { type Club, createClub, createPlayer, createTeam, putContractInState, readMessages, readPlayer } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { CONTRACT_BASE_URL } from './helpers/server.ts';

// docs/PRODUCT.md, "Admin": GET /admin/players, PATCH /admin/players/:id, PATCH /admin/teams/:id.

const harness = useHarness();

async function call(club: Club, method: string, path: string, body?: unknown) {
  const { server } = harness();
  return request(server.baseUrl, method, path, { token: await server.adminToken(club.slug), body });
}

const idsOf = (reply: { body: { items: Array<{ id: number }> } }) => reply.body.items.map((item) => item.id);

const storedPlayer = (club: Club, playerId: number) =>
  harness().db.pool.one(sql.type(z.object({ name: z.string(), email: z.string() }))`
    SELECT name, email FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}
  `);

const storedTeams = (club: Club) =>
  harness().db.pool.any(sql.type(z.object({ id: z.number(), name: z.string() }))`
    SELECT id, name FROM teams WHERE tenant_id = ${club.id} ORDER BY id
  `);

test('GET /admin/players lists the club’s players as GET /admin/players/:id answers them', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const team = await createTeam(pool, club);
  const offered = await createPlayer(pool, club, { name: 'Offered', email: 'o@example.test', teamIds: [team] });
  const token = await putContractInState(pool, club, offered, 'offered');
  const plain = await createPlayer(pool, club, { name: 'Plain', email: 'p@example.test' });

  const reply = await call(club, 'GET', '/admin/players');

  t.is(reply.status, 200);
  t.is(reply.body.next_cursor, null);
  t.deepEqual(reply.body.items, [
    (await call(club, 'GET', `/admin/players/${offered}`)).body,
    (await call(club, 'GET', `/admin/players/${plain}`)).body,
  ]);
  t.deepEqual(reply.body.items[0], {
    id: offered,
    name: 'Offered',
    email: 'o@example.test',
    team_ids: [team],
    contract_status: 'offered',
    monthly_fee: 150,
    contract_url: `${CONTRACT_BASE_URL}/${token}`,
    birth_date: null,
    guardians: [],
    external_id: null,
    language: null,
  });
});

test('GET /admin/players filters by team, by status, and by both', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const [a, b] = [await createTeam(pool, club), await createTeam(pool, club)];
  const onA = await createPlayer(pool, club, { teamIds: [a] });
  const onBoth = await createPlayer(pool, club, { teamIds: [a, b] });
  const onB = await createPlayer(pool, club, { teamIds: [b] });
  await putContractInState(pool, club, onBoth, 'signed');
  await putContractInState(pool, club, onB, 'signed');

  t.deepEqual(idsOf(await call(club, 'GET', `/admin/players?team_id=${a}`)), [onA, onBoth]);
  t.deepEqual(idsOf(await call(club, 'GET', `/admin/players?team_id=${b}`)), [onBoth, onB]);
  t.deepEqual(idsOf(await call(club, 'GET', '/admin/players?status=signed')), [onBoth, onB]);
  t.deepEqual(idsOf(await call(club, 'GET', '/admin/players?status=none')), [onA]);
  t.deepEqual(idsOf(await call(club, 'GET', `/admin/players?team_id=${a}&status=signed`)), [onBoth]);
  t.deepEqual(idsOf(await call(club, 'GET', '/admin/players?status=declined')), []);
});

test('GET /admin/players?status= takes several states, comma-separated, alone or with the other filters', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const [a, b] = [await createTeam(pool, club), await createTeam(pool, club)];
  const offeredOnA = await createPlayer(pool, club, { name: 'Ann', teamIds: [a] });
  const signedOnA = await createPlayer(pool, club, { name: 'Ben', teamIds: [a] });
  const noneOnA = await createPlayer(pool, club, { name: 'Cal', teamIds: [a] });
  const declinedOnB = await createPlayer(pool, club, { name: 'Dee', teamIds: [b] });
  await putContractInState(pool, club, offeredOnA, 'offered');
  await putContractInState(pool, club, signedOnA, 'signed');
  await putContractInState(pool, club, declinedOnB, 'declined');

  t.deepEqual(idsOf(await call(club, 'GET', '/admin/players?status=offered,declined,withdrawn,expired')), [offeredOnA, declinedOnB]);
  t.deepEqual(idsOf(await call(club, 'GET', '/admin/players?status=declined,offered')), [offeredOnA, declinedOnB]);
  t.deepEqual(idsOf(await call(club, 'GET', `/admin/players?status=offered,declined&team_id=${a}`)), [offeredOnA]);
  t.deepEqual(idsOf(await call(club, 'GET', '/admin/players?status=none,signed&q=ben')), [signedOnA]);
  t.deepEqual(idsOf(await call(club, 'GET', '/admin/players?status=withdrawn,expired')), []);

  const seen: number[] = [];
  let cursor: string | null = null;
  do {
    const reply = await call(
      club,
      'GET',
      `/admin/players?status=none,declined,offered&limit=1${cursor === null ? '' : `&cursor=${cursor}`}`,
    );
    seen.push(...idsOf(reply));
    cursor = reply.body.next_cursor;
  } while (cursor !== null && seen.length < 10);
  t.deepEqual(seen, [offeredOnA, noneOnA, declinedOnB], 'pages across several states meet each player once, in id order');
});

for (const [states, problem] of [
  ['offered,pending', '"pending" is not a contract state (none, offered, declined, signed, withdrawn, expired)'],
  ['signed,', 'item 2 is empty'],
  ['signed,signed', '"signed" is given twice'],
] as const) {
  test(`GET /admin/players?status=${states} → 422 validation_failed naming status: ${problem.split(' (')[0]}`, async (t) => {
    const reply = await call(await createClub(harness().db.pool), 'GET', `/admin/players?status=${states}`);
    t.is(reply.status, 422);
    t.is(reply.body.error.code, 'validation_failed');
    t.is(reply.body.error.message, `The query string is not valid: "status": ${problem}.`);
  });
}

test('q matches name or e-mail, case-insensitively; % and _ in it match only themselves', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const dana = await createPlayer(pool, club, { name: 'Dana Park', email: 'family@example.test' });
  const percent = await createPlayer(pool, club, { name: '100% Hustle', email: 'h@example.test' });
  const underscore = await createPlayer(pool, club, { name: 'Lee', email: 'lee_family@example.test' });
  const backslash = await createPlayer(pool, club, { name: 'Back\\slash', email: 'b@example.test' });

  const search = async (q: string) => idsOf(await call(club, 'GET', `/admin/players?q=${encodeURIComponent(q)}`));
  t.deepEqual(await search('dAnA'), [dana]);
  t.deepEqual(await search('FAMILY'), [dana, underscore]);
  t.deepEqual(await search('%'), [percent]);
  t.deepEqual(await search('0% H'), [percent]);
  t.deepEqual(await search('_'), [underscore]);
  t.deepEqual(await search('e_f'), [underscore]);
  t.deepEqual(await search('a_a'), [], '_ is not any character');
  t.deepEqual(await search('D%k'), [], '% is not any text');
  t.deepEqual(await search('\\'), [backslash]);
  t.deepEqual(await search('k\\s'), [backslash]);
});

test('keyset pagination walks every matching player exactly once, in order, with the filters kept', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const team = await createTeam(pool, club);
  const ids: number[] = [];
  for (let i = 0; i < 7; i += 1) {
    ids.push(await createPlayer(pool, club, { name: `Match ${i}`, teamIds: [team] }));
    await createPlayer(pool, club, { name: `Other ${i}` });
  }

  const seen: number[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const reply = await call(club, 'GET', `/admin/players?q=match&team_id=${team}&limit=3${cursor === null ? '' : `&cursor=${cursor}`}`);
    t.is(reply.status, 200);
    seen.push(...idsOf(reply));
    cursor = reply.body.next_cursor;
    pages += 1;
  } while (cursor !== null && pages < 10);

  t.deepEqual(seen, ids);
  t.is(pages, 3);
  const exact = await call(club, 'GET', `/admin/players?q=match&limit=7`);
  t.is(exact.body.items.length, 7);
  t.is(exact.body.next_cursor, null, 'a page ending at the last player has no next cursor');
});

test('limit defaults to 50 and may be 500', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  for (let i = 0; i < 51; i += 1) await createPlayer(pool, club);

  const byDefault = await call(club, 'GET', '/admin/players');
  t.is(byDefault.body.items.length, 50);
  t.not(byDefault.body.next_cursor, null);
  const most = await call(club, 'GET', '/admin/players?limit=500');
  t.is(most.body.items.length, 51);
  t.is(most.body.next_cursor, null);
});

test("GET /admin/players never shows another club's players, not even by their team", async (t) => {
  const { pool } = harness().db;
  const [mine, theirs] = [await createClub(pool), await createClub(pool)];
  const theirTeam = await createTeam(pool, theirs);
  await createPlayer(pool, theirs, { name: 'Theirs', teamIds: [theirTeam] });

  t.deepEqual((await call(mine, 'GET', '/admin/players')).body, { items: [], next_cursor: null });
  t.deepEqual((await call(mine, 'GET', `/admin/players?team_id=${theirTeam}`)).body, { items: [], next_cursor: null });
  t.deepEqual((await call(mine, 'GET', '/admin/players?q=Theirs')).body, { items: [], next_cursor: null });
});

const badQueries = [
  '?status=pending',
  '?status=',
  `?status=${'offered,'.repeat(25)}offered`,
  '?team_id=0',
  '?team_id=abc',
  '?q=',
  `?q=${'x'.repeat(201)}`,
  '?limit=0',
  '?limit=501',
  '?cursor=not-a-cursor',
  '?tenant=another-club',
];
for (const query of badQueries) {
  test(`GET /admin/players${query.slice(0, 40)} → 422 validation_failed`, async (t) => {
    const reply = await call(await createClub(harness().db.pool), 'GET', `/admin/players${query}`);
    t.is(reply.status, 422);
    t.is(reply.body.error.code, 'validation_failed');
  });
}

test('PATCH /admin/players/:id changes each field alone and answers the player as GET does', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const [a, b] = [await createTeam(pool, club), await createTeam(pool, club)];
  const playerId = await createPlayer(pool, club, { name: 'Mia', email: 'mia@example.test', teamIds: [a] });
  const name = "Zoë O'Brien; DROP TABLE players;--";

  const renamed = await call(club, 'PATCH', `/admin/players/${playerId}`, { name });
  t.is(renamed.status, 200);
  t.deepEqual(renamed.body, (await call(club, 'GET', `/admin/players/${playerId}`)).body);
  t.like(renamed.body, { name, email: 'mia@example.test', team_ids: [a] });
  t.deepEqual(await storedPlayer(club, playerId), { name, email: 'mia@example.test' });

  const emailed = await call(club, 'PATCH', `/admin/players/${playerId}`, { email: 'park+1@example.test' });
  t.like(emailed.body, { name, email: 'park+1@example.test', team_ids: [a] });
  t.deepEqual(await storedPlayer(club, playerId), { name, email: 'park+1@example.test' });

  const moved = await call(club, 'PATCH', `/admin/players/${playerId}`, { team_ids: [b, a] });
  t.deepEqual(
    moved.body.team_ids,
    [a, b].sort((x, y) => x - y),
  );
  t.deepEqual(
    (await readPlayer(pool, club, playerId)).team_ids,
    [a, b].sort((x, y) => x - y),
  );
  const none = await call(club, 'PATCH', `/admin/players/${playerId}`, { team_ids: [] });
  t.deepEqual(none.body.team_ids, []);
  t.deepEqual((await readPlayer(pool, club, playerId)).team_ids, []);
});

test('PATCH of a signed player’s teams → 409 team_change_needs_offer, nothing changed; the same teams and the name pass', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const [a, b] = [await createTeam(pool, club), await createTeam(pool, club)];
  const playerId = await createPlayer(pool, club, { name: 'Sam', email: 'sam@example.test', teamIds: [a] });
  await putContractInState(pool, club, playerId, 'signed');
  const before = await readPlayer(pool, club, playerId);

  const refused = await call(club, 'PATCH', `/admin/players/${playerId}`, { name: 'Sam Lee', team_ids: [b] });

  t.is(refused.status, 409);
  t.is(refused.body.error.code, 'team_change_needs_offer');
  t.deepEqual(await readPlayer(pool, club, playerId), before);
  t.deepEqual(await storedPlayer(club, playerId), { name: 'Sam', email: 'sam@example.test' });

  const allowed = await call(club, 'PATCH', `/admin/players/${playerId}`, { name: 'Sam Lee', team_ids: [a] });
  t.is(allowed.status, 200);
  t.like(allowed.body, { name: 'Sam Lee', team_ids: [a], contract_status: 'signed' });
  t.deepEqual(await readPlayer(pool, club, playerId), before);
});

test("PATCH with another club's team → 422 team_not_found and nothing changes", async (t) => {
  const { pool } = harness().db;
  const [mine, theirs] = [await createClub(pool), await createClub(pool)];
  const myTeam = await createTeam(pool, mine);
  const theirTeam = await createTeam(pool, theirs);
  const playerId = await createPlayer(pool, mine, { name: 'Ana', email: 'ana@example.test', teamIds: [myTeam] });

  const reply = await call(mine, 'PATCH', `/admin/players/${playerId}`, { name: 'Changed', team_ids: [myTeam, theirTeam] });

  t.is(reply.status, 422);
  t.is(reply.body.error.code, 'team_not_found');
  t.deepEqual((await readPlayer(pool, mine, playerId)).team_ids, [myTeam]);
  t.deepEqual(await storedPlayer(mine, playerId), { name: 'Ana', email: 'ana@example.test' });
});

test("PATCH of an unknown player, or another club's → 404 player_not_found, theirs unchanged", async (t) => {
  const { pool } = harness().db;
  const [mine, theirs] = [await createClub(pool), await createClub(pool)];
  const theirPlayer = await createPlayer(pool, theirs, { name: 'Theirs', email: 't@example.test' });

  for (const id of [theirPlayer, 2_147_483_647]) {
    const reply = await call(mine, 'PATCH', `/admin/players/${id}`, { name: 'Mine now' });
    t.is(reply.status, 404);
    t.is(reply.body.error.code, 'player_not_found');
  }
  t.deepEqual(await storedPlayer(theirs, theirPlayer), { name: 'Theirs', email: 't@example.test' });
});

const badPatches: Array<[string, unknown]> = [
  ['no field', {}],
  ['an invalid e-mail', { email: 'not-an-email' }],
  ['a blank name', { name: '   ' }],
  ['a null name', { name: null }],
  ['a repeated team', { team_ids: [1, 1] }],
  ['a team id as a string', { team_ids: ['1'] }],
  ['an unknown field', { name: 'A', tenant_id: 1 }],
];
for (const [what, body] of badPatches) {
  test(`PATCH /admin/players/:id with ${what} → 422 validation_failed, nothing changed`, async (t) => {
    const { pool } = harness().db;
    const club = await createClub(pool);
    const playerId = await createPlayer(pool, club, { name: 'Kept', email: 'kept@example.test' });
    const reply = await call(club, 'PATCH', `/admin/players/${playerId}`, body);
    t.is(reply.status, 422);
    t.is(reply.body.error.code, 'validation_failed');
    t.deepEqual(await storedPlayer(club, playerId), { name: 'Kept', email: 'kept@example.test' });
  });
}

test('a new e-mail on an offered player queues nothing; the next reminder goes to it', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const playerId = await createPlayer(pool, club, { email: 'old@example.test' });
  await putContractInState(pool, club, playerId, 'offered');
  // The offer's own e-mail was queued an hour and more ago, so a reminder is due.
  await pool.query(sql.unsafe`UPDATE contract_messages SET created_at = now() - interval '2 hours' WHERE tenant_id = ${club.id}`);
  const messagesBefore = await readMessages(pool, club, playerId);
  t.deepEqual(
    messagesBefore.map((message) => message.recipient),
    ['old@example.test'],
  );

  const patched = await call(club, 'PATCH', `/admin/players/${playerId}`, { email: 'new@example.test' });
  t.is(patched.status, 200);
  t.is(patched.body.contract_status, 'offered');
  t.deepEqual(await readMessages(pool, club, playerId), messagesBefore, 'nothing is queued by the change');

  const reminded = await call(club, 'POST', '/admin/contracts/remind', { player_ids: [playerId] });
  t.deepEqual(reminded.body, { queued: [playerId], skipped: [] });
  const messages = await readMessages(pool, club, playerId);
  t.is(messages.length, 2);
  t.like(messages.at(-1), { kind: 'reminder', recipient: 'new@example.test' });
});

test('PATCH /admin/teams/:id renames the team; GET /admin/teams lists the new name', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const team = await createTeam(pool, club, 'U12');

  const reply = await call(club, 'PATCH', `/admin/teams/${team}`, { name: 'U12 "Gold"' });

  t.is(reply.status, 200);
  t.deepEqual(reply.body, { id: team, name: 'U12 "Gold"' });
  t.deepEqual(await storedTeams(club), [{ id: team, name: 'U12 "Gold"' }]);
  t.deepEqual((await call(club, 'GET', '/admin/teams')).body, { items: [{ id: team, name: 'U12 "Gold"' }] });
});

test('PATCH /admin/teams/:id to a name the club already uses → 409 team_name_taken, nothing renamed', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const [u12, u14] = [await createTeam(pool, club, 'U12'), await createTeam(pool, club, 'U14')];

  const reply = await call(club, 'PATCH', `/admin/teams/${u14}`, { name: 'U12' });

  t.is(reply.status, 409);
  t.is(reply.body.error.code, 'team_name_taken');
  t.deepEqual(await storedTeams(club), [
    { id: u12, name: 'U12' },
    { id: u14, name: 'U14' },
  ]);
});

const storedExternalId = (club: Club, playerId: number) =>
  harness().db.pool.oneFirst(sql.type(z.object({ external_id: z.string().nullable() }))`
    SELECT external_id FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}
  `);

test('POST and PATCH /admin/players take the club’s external_id, every answer shows it, and PATCH with null removes it', async (t) => {
  const club = await createClub(harness().db.pool);

  const created = await call(club, 'POST', '/admin/players', { name: 'Mia', email: 'mia@example.test', external_id: 'REG-0042' });
  t.is(created.status, 201);
  t.is(created.body.external_id, 'REG-0042');
  t.deepEqual((await call(club, 'GET', `/admin/players/${created.body.id}`)).body, created.body);
  t.deepEqual((await call(club, 'GET', '/admin/players')).body.items, [created.body]);

  const renamed = await call(club, 'PATCH', `/admin/players/${created.body.id}`, { external_id: 'REG-0043' });
  t.like(renamed, { status: 200, body: { external_id: 'REG-0043', name: 'Mia' } });
  const kept = await call(club, 'PATCH', `/admin/players/${created.body.id}`, { name: 'Mia Park' });
  t.like(kept, { status: 200, body: { external_id: 'REG-0043', name: 'Mia Park' } });
  const removed = await call(club, 'PATCH', `/admin/players/${created.body.id}`, { external_id: null });
  t.like(removed, { status: 200, body: { external_id: null } });
  t.is(await storedExternalId(club, created.body.id), null);
});

test('an external_id another player of the club has → 409 external_id_taken, nothing written; another club may use it', async (t) => {
  const { pool } = harness().db;
  const [club, other] = [await createClub(pool), await createClub(pool)];
  await createPlayer(pool, club, { externalId: 'R-1' });
  const second = await createPlayer(pool, club, { name: 'Second', externalId: 'R-2' });

  const duplicate = await call(club, 'POST', '/admin/players', { name: 'Mia', email: 'mia@example.test', external_id: 'R-1' });
  const patched = await call(club, 'PATCH', `/admin/players/${second}`, { name: 'Renamed', external_id: 'R-1' });
  const elsewhere = await call(other, 'POST', '/admin/players', { name: 'Mia', email: 'mia@example.test', external_id: 'R-1' });

  for (const reply of [duplicate, patched]) t.like(reply, { status: 409, body: { error: { code: 'external_id_taken' } } });
  t.deepEqual(await storedPlayer(club, second), { name: 'Second', email: 'family@example.test' });
  t.is(await storedExternalId(club, second), 'R-2');
  t.like(elsewhere, { status: 201, body: { external_id: 'R-1' } });
});

for (const [what, externalId] of [
  ['empty', ''],
  ['blank', '   '],
  ['over 100 characters', 'x'.repeat(101)],
  ['with a control character', 'R\u00071'],
  ['with a line break', 'R-1\n'],
] as const) {
  test(`an external_id ${what} → 422 validation_failed naming it`, async (t) => {
    const club = await createClub(harness().db.pool);
    const reply = await call(club, 'POST', '/admin/players', { name: 'Mia', email: 'mia@example.test', external_id: externalId });
    t.is(reply.status, 422);
    t.is(reply.body.error.code, 'validation_failed');
    t.regex(reply.body.error.message, /external_id/);
  });
}

test("PATCH /admin/teams/:id of an unknown team, or another club's → 404 unknown_team, theirs unchanged", async (t) => {
  const { pool } = harness().db;
  const [mine, theirs] = [await createClub(pool), await createClub(pool)];
  const theirTeam = await createTeam(pool, theirs, 'Theirs');

  for (const id of [theirTeam, 2_147_483_647]) {
    const reply = await call(mine, 'PATCH', `/admin/teams/${id}`, { name: 'Mine' });
    t.is(reply.status, 404);
    t.is(reply.body.error.code, 'unknown_team');
  }
  t.deepEqual(await storedTeams(theirs), [{ id: theirTeam, name: 'Theirs' }]);
});

for (const [what, body] of [
  ['no name', {}],
  ['a blank name', { name: ' ' }],
  ['an unknown field', { name: 'A', tenant_id: 1 }],
] as const) {
  test(`PATCH /admin/teams/:id with ${what} → 422 validation_failed`, async (t) => {
    const { pool } = harness().db;
    const club = await createClub(pool);
    const team = await createTeam(pool, club, 'Kept');
    const reply = await call(club, 'PATCH', `/admin/teams/${team}`, body);
    t.is(reply.status, 422);
    t.is(reply.body.error.code, 'validation_failed');
    t.deepEqual(await storedTeams(club), [{ id: team, name: 'Kept' }]);
  });
}
