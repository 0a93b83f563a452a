import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { updatePlayer } from '../../src/players/store.ts';
import { createClub, createPlayer, createTeam, putContractInState, readAuditLog, readPlayer } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/update_player_with_external_id: PATCH /admin/players/:id, one call under the player's row lock.

const db = useDatabase();

const stored = (clubId: number, playerId: number) =>
  db().pool.one(sql.type(z.object({ name: z.string(), email: z.string() }))`
    SELECT name, email FROM players WHERE tenant_id = ${clubId} AND id = ${playerId}
  `);

test('changes only the fields given, and answers the player as stored', async (t) => {
  const club = await createClub(db().pool);
  const [a, b] = [await createTeam(db().pool, club), await createTeam(db().pool, club)];
  const playerId = await createPlayer(db().pool, club, { name: 'Mia', email: 'mia@example.test', teamIds: [a] });

  const renamed = await updatePlayer(db().pool, club.id, playerId, { name: 'Mia Park' });
  t.like(renamed, { id: playerId, name: 'Mia Park', email: 'mia@example.test', team_ids: [a], contract_status: 'none' });

  const moved = await updatePlayer(db().pool, club.id, playerId, { teamIds: [b, a] });
  t.deepEqual(
    moved.team_ids,
    [a, b].sort((x, y) => x - y),
  );
  const emptied = await updatePlayer(db().pool, club.id, playerId, { email: 'park@example.test', teamIds: [] });
  t.like(emptied, { name: 'Mia Park', email: 'park@example.test', team_ids: [] });
  t.deepEqual(await stored(club.id, playerId), { name: 'Mia Park', email: 'park@example.test' });
  t.deepEqual((await readPlayer(db().pool, club, playerId)).team_ids, []);
});

test('an offered player may change teams and e-mail; the contract and the audit log are untouched', async (t) => {
  const club = await createClub(db().pool);
  const [a, b] = [await createTeam(db().pool, club), await createTeam(db().pool, club)];
  const playerId = await createPlayer(db().pool, club, { teamIds: [a] });
  await putContractInState(db().pool, club, playerId, 'offered');
  const before = await readPlayer(db().pool, club, playerId);
  const audit = await readAuditLog(db().pool, club, playerId);

  const changed = await updatePlayer(db().pool, club.id, playerId, { email: 'new@example.test', teamIds: [b] });

  t.like(changed, { email: 'new@example.test', team_ids: [b], contract_status: 'offered', contract_token: before.contract_token });
  t.deepEqual(await readPlayer(db().pool, club, playerId), { ...before, team_ids: [b] });
  t.deepEqual(await readAuditLog(db().pool, club, playerId), audit);
});

test('a signed player: a team change is refused (TMOFR) with nothing changed; name, e-mail and the same teams pass', async (t) => {
  const club = await createClub(db().pool);
  const [a, b] = [await createTeam(db().pool, club), await createTeam(db().pool, club)];
  const playerId = await createPlayer(db().pool, club, { name: 'Sam', email: 'sam@example.test', teamIds: [a] });
  await putContractInState(db().pool, club, playerId, 'signed');
  const before = await readPlayer(db().pool, club, playerId);

  for (const teamIds of [[b], [a, b], []]) {
    t.is(await sqlstateOf(updatePlayer(db().pool, club.id, playerId, { name: 'Changed', teamIds })), 'TMOFR', String(teamIds));
  }
  t.deepEqual(await readPlayer(db().pool, club, playerId), before);
  t.deepEqual(await stored(club.id, playerId), { name: 'Sam', email: 'sam@example.test' });

  const same = await updatePlayer(db().pool, club.id, playerId, { name: 'Sam Lee', email: 'lee@example.test', teamIds: [a] });
  t.like(same, { name: 'Sam Lee', email: 'lee@example.test', team_ids: [a], contract_status: 'signed' });
  t.deepEqual(await readPlayer(db().pool, club, playerId), before);
});

test("another club's team is refused (UNKTM) and nothing changes", async (t) => {
  const [club, other] = [await createClub(db().pool), await createClub(db().pool)];
  const mine = await createTeam(db().pool, club);
  const theirs = await createTeam(db().pool, other);
  const playerId = await createPlayer(db().pool, club, { name: 'Ana', teamIds: [mine] });

  t.is(await sqlstateOf(updatePlayer(db().pool, club.id, playerId, { name: 'X', teamIds: [mine, theirs] })), 'UNKTM');
  t.is(await sqlstateOf(updatePlayer(db().pool, club.id, playerId, { teamIds: [2_147_483_647] })), 'UNKTM');
  t.deepEqual((await readPlayer(db().pool, club, playerId)).team_ids, [mine]);
  t.is((await stored(club.id, playerId)).name, 'Ana');
});

test("an unknown player, or another club's, is UNKPL", async (t) => {
  const [club, other] = [await createClub(db().pool), await createClub(db().pool)];
  const theirs = await createPlayer(db().pool, other, { name: 'Theirs' });

  t.is(await sqlstateOf(updatePlayer(db().pool, club.id, theirs, { name: 'Mine now' })), 'UNKPL');
  t.is(await sqlstateOf(updatePlayer(db().pool, club.id, 2_147_483_647, { name: 'Nobody' })), 'UNKPL');
  t.is((await stored(other.id, theirs)).name, 'Theirs');
});

const people = (clubId: number, playerId: number) =>
  db().pool.one(sql.type(z.object({ birth_date: z.string().nullable(), guardians: z.array(z.record(z.unknown())) }))`
    SELECT birth_date, player_guardians(tenant_id, id) AS guardians FROM players WHERE tenant_id = ${clubId} AND id = ${playerId}
  `);

const MUM = { name: 'Mum', email: 'mum@example.test' };
const DAD = { name: 'Dad', email: 'dad@example.test' };

test('sets, keeps and forgets the birth date; replaces the guardians whole or leaves them', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club, { name: 'Mia' });

  const set = await updatePlayer(db().pool, club.id, playerId, { birthDate: '2012-12-12', guardians: [MUM, DAD] });
  t.is(set.birth_date, '2012-12-12');
  t.deepEqual(
    set.guardians.map(({ name, email }) => ({ name, email })),
    [MUM, DAD],
  );
  t.deepEqual(await people(club.id, playerId), { birth_date: '2012-12-12', guardians: set.guardians });

  const kept = await updatePlayer(db().pool, club.id, playerId, { name: 'Mia Park' });
  t.like(kept, { name: 'Mia Park', birth_date: '2012-12-12', guardians: set.guardians });

  const reordered = await updatePlayer(db().pool, club.id, playerId, { guardians: [DAD] });
  t.deepEqual(
    reordered.guardians.map(({ name }) => name),
    ['Dad'],
  );

  const forgotten = await updatePlayer(db().pool, club.id, playerId, { birthDate: null, guardians: [] });
  t.like(forgotten, { birth_date: null, guardians: [] });
  t.deepEqual(await people(club.id, playerId), { birth_date: null, guardians: [] });
});

test('a refused birth date or guardian list (INVAL) changes nothing, the name included', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club, { name: 'Mia' });
  await updatePlayer(db().pool, club.id, playerId, { birthDate: '2012-12-12', guardians: [MUM] });
  const before = await people(club.id, playerId);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
  const five = [1, 2, 3, 4, 5].map((n) => ({ name: `G${n}`, email: `g${n}@example.test` }));

  for (const changes of [{ birthDate: tomorrow }, { guardians: five }, { guardians: [{ name: 'Dad', email: 'no address' }] }]) {
    t.is(await sqlstateOf(updatePlayer(db().pool, club.id, playerId, { name: 'Changed', ...changes })), 'INVAL');
  }
  t.deepEqual(await people(club.id, playerId), before);
  t.is((await stored(club.id, playerId)).name, 'Mia');
});

test("another club's player is UNKPL and keeps their guardians", async (t) => {
  const [club, other] = [await createClub(db().pool), await createClub(db().pool)];
  const theirs = await createPlayer(db().pool, other, { name: 'Theirs' });
  await updatePlayer(db().pool, other.id, theirs, { birthDate: '2010-10-10', guardians: [MUM] });
  const before = await people(other.id, theirs);

  t.is(await sqlstateOf(updatePlayer(db().pool, club.id, theirs, { birthDate: null, guardians: [DAD] })), 'UNKPL');
  t.deepEqual(await people(other.id, theirs), before);
});

const externalIdOf = (clubId: number, playerId: number) =>
  db().pool.oneFirst(sql.type(z.object({ external_id: z.string().nullable() }))`
    SELECT external_id FROM players WHERE tenant_id = ${clubId} AND id = ${playerId}
  `);

test('sets, keeps and removes the external_id', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club, { name: 'Mia' });

  t.like(await updatePlayer(db().pool, club.id, playerId, { externalId: 'R-1' }), { external_id: 'R-1' });
  t.like(await updatePlayer(db().pool, club.id, playerId, { name: 'Mia Park' }), { name: 'Mia Park', external_id: 'R-1' });
  t.like(await updatePlayer(db().pool, club.id, playerId, { externalId: null }), { external_id: null });
  t.is(await externalIdOf(club.id, playerId), null);
});

test('an external_id another player of the club has is a unique violation (23505) and changes nothing; another club’s is free', async (t) => {
  const [club, other] = [await createClub(db().pool), await createClub(db().pool)];
  await createPlayer(db().pool, club, { externalId: 'R-1' });
  await createPlayer(db().pool, other, { externalId: 'R-2' });
  const playerId = await createPlayer(db().pool, club, { name: 'Mia', externalId: 'R-3' });

  t.is(await sqlstateOf(updatePlayer(db().pool, club.id, playerId, { name: 'Changed', externalId: 'R-1' })), '23505');
  t.is((await stored(club.id, playerId)).name, 'Mia');
  t.is(await externalIdOf(club.id, playerId), 'R-3');
  t.like(await updatePlayer(db().pool, club.id, playerId, { externalId: 'R-2' }), { external_id: 'R-2' });
});
