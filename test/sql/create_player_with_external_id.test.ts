import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { claimArgument, idempotencyClaim } from '../../src/admin/idempotency-store.ts';
import { createPlayer } from '../../src/players/store.ts';
import { createClub, createTeam } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/create_player_with_external_id: POST /admin/players, with or without an Idempotency-Key.

const db = useDatabase();

test('adds a player with no contract, on the given teams, in one statement', async (t) => {
  const club = await createClub(db().pool);
  const [a, b] = [await createTeam(db().pool, club), await createTeam(db().pool, club)];

  const player = await createPlayer(db().pool, club.id, { name: 'Mia', email: 'mia@example.test', teamIds: [b, a] });

  t.like(player, {
    replayed: false,
    name: 'Mia',
    email: 'mia@example.test',
    contract_status: 'none',
    contract_token: null,
    monthly_fee: null,
    birth_date: null,
    guardians: [],
    external_id: null,
  });
  t.deepEqual(
    player.team_ids,
    [a, b].sort((x, y) => x - y),
  );
});

test('another club’s team (23503) leaves no player behind', async (t) => {
  const [club, other] = [await createClub(db().pool), await createClub(db().pool)];
  const theirTeam = await createTeam(db().pool, other);

  const state = await sqlstateOf(createPlayer(db().pool, club.id, { name: 'Mia', email: 'm@example.test', teamIds: [theirTeam] }));

  t.is(state, '23503');
  const players = await db().pool.oneFirst(
    sql.type(z.object({ count: z.bigint() }))`SELECT count(*) FROM players WHERE tenant_id = ${club.id}`,
  );
  t.is(players, 0n);
});

test('with an Idempotency-Key a retry replays the first player and creates no other', async (t) => {
  const club = await createClub(db().pool);
  const team = await createTeam(db().pool, club);
  const input = { name: 'Noa', email: 'noa@example.test', teamIds: [team] };
  const claim = idempotencyClaim('k', { ttlSeconds: 3600, waitMs: 1000 }, 'create_player', input);

  const first = await createPlayer(db().pool, club.id, input, claim);
  const second = await createPlayer(db().pool, club.id, input, claim);

  t.like(first, { replayed: false, name: 'Noa', team_ids: [team] });
  t.deepEqual(second, { ...first, replayed: true });
  const players = await db().pool.oneFirst(
    sql.type(z.object({ count: z.bigint() }))`SELECT count(*) FROM players WHERE tenant_id = ${club.id}`,
  );
  t.is(players, 1n);
});

const guardianRows = (clubId: number, playerId: number) =>
  db().pool.any(sql.type(z.object({ position: z.number(), name: z.string(), email: z.string() }))`
    SELECT position, name, email FROM guardians WHERE tenant_id = ${clubId} AND player_id = ${playerId} ORDER BY position
  `);

test('stores the birth date and the guardians in the order given, and answers them with their ids', async (t) => {
  const club = await createClub(db().pool);
  const guardians = [
    { name: 'Dad', email: 'dad@example.test' },
    { name: 'Mum', email: 'mum@example.test' },
  ];

  const player = await createPlayer(db().pool, club.id, {
    name: 'Mia',
    email: 'mia@example.test',
    teamIds: [],
    birthDate: '2014-03-01',
    guardians,
  });

  t.is(player.birth_date, '2014-03-01');
  t.deepEqual(
    player.guardians.map(({ name, email }) => ({ name, email })),
    guardians,
  );
  t.deepEqual(await guardianRows(club.id, player.id), [
    { position: 1, ...guardians[0] },
    { position: 2, ...guardians[1] },
  ] as never);
  t.true(player.guardians.every((guardian) => Number.isInteger(guardian.id)));
});

test('a refused birth date or guardian list (INVAL) leaves no player behind', async (t) => {
  const club = await createClub(db().pool);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const five = [1, 2, 3, 4, 5].map((n) => ({ name: `G${n}`, email: `g${n}@example.test` }));

  for (const input of [
    { birthDate: tomorrow },
    { birthDate: '1850-01-01' },
    { guardians: five },
    { guardians: [{ name: ' ', email: 'x@example.test' }] },
  ]) {
    t.is(await sqlstateOf(createPlayer(db().pool, club.id, { name: 'Mia', email: 'm@example.test', teamIds: [], ...input })), 'INVAL');
  }
  const players = await db().pool.oneFirst(
    sql.type(z.object({ count: z.bigint() }))`SELECT count(*) FROM players WHERE tenant_id = ${club.id}`,
  );
  t.is(players, 0n);
});

test('with an Idempotency-Key a retry replays the same guardians and writes none', async (t) => {
  const club = await createClub(db().pool);
  const input = { name: 'Noa', email: 'noa@example.test', teamIds: [], guardians: [{ name: 'Mum', email: 'mum@example.test' }] };
  const claim = idempotencyClaim('k', { ttlSeconds: 3600, waitMs: 1000 }, 'create_player', input);

  const first = await createPlayer(db().pool, club.id, input, claim);
  const second = await createPlayer(db().pool, club.id, input, claim);

  t.deepEqual(second, { ...first, replayed: true });
  t.is((await guardianRows(club.id, first.id)).length, 1);
});

test('replays an outcome an older release’s create_player stored under the same key: no birth date, no guardians', async (t) => {
  const club = await createClub(db().pool);
  const input = { name: 'Noa', email: 'noa@example.test', teamIds: [] };
  const claim = idempotencyClaim('k', { ttlSeconds: 3600, waitMs: 1000 }, 'create_player', input);

  const old = await db().pool.one(sql.type(z.object({ id: z.number() }))`
    SELECT id FROM create_player(${club.id}, 'Noa', 'noa@example.test', '{}', ${claimArgument(claim)})
  `);
  const replay = await createPlayer(db().pool, club.id, input, claim);

  t.like(replay, { replayed: true, id: old.id, name: 'Noa', birth_date: null, guardians: [], external_id: null });
});

test('replays an outcome the previous release’s create_player_with_guardians stored under the same key, with no external_id', async (t) => {
  const club = await createClub(db().pool);
  const input = { name: 'Noa', email: 'noa@example.test', teamIds: [], guardians: [{ name: 'Mum', email: 'mum@example.test' }] };
  const claim = idempotencyClaim('k', { ttlSeconds: 3600, waitMs: 1000 }, 'create_player', input);

  const old = await db().pool.one(sql.type(z.object({ id: z.number(), guardians: z.array(z.unknown()) }))`
    SELECT id, guardians FROM create_player_with_guardians(
      ${club.id}, 'Noa', 'noa@example.test', '{}', NULL, ${sql.jsonb(input.guardians)}, ${claimArgument(claim)}
    )
  `);
  const replay = await createPlayer(db().pool, club.id, input, claim);

  t.like(replay, { replayed: true, id: old.id, guardians: old.guardians, external_id: null });
});

test('stores the external_id; one another player of the club has is a unique violation (23505) and leaves no player behind', async (t) => {
  const [club, other] = [await createClub(db().pool), await createClub(db().pool)];
  const input = { name: 'Mia', email: 'mia@example.test', teamIds: [], externalId: 'R-1' };

  t.like(await createPlayer(db().pool, club.id, input), { external_id: 'R-1' });
  t.is(await sqlstateOf(createPlayer(db().pool, club.id, { ...input, name: 'Second' })), '23505');
  t.like(await createPlayer(db().pool, other.id, input), { external_id: 'R-1' }, 'another club may use the same one');
  const players = await db().pool.oneFirst(
    sql.type(z.object({ count: z.bigint() }))`SELECT count(*) FROM players WHERE tenant_id = ${club.id}`,
  );
  t.is(players, 1n);
});
