import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { updatePlayer } from '../../src/players/store.ts';
import { createClub, createPlayer, createTeam, putContractInState, readAuditLog, readPlayer } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/update_player: PATCH /admin/players/:id, one call under the player's row lock.

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
