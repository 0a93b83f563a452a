import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { playerRowBeforeGuardians, updatePlayer as updatePlayerWithGuardians } from '../../src/players/store.ts';
import { createClub, createPlayer, createTeam, putContractInState } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/update_player: PATCH /admin/players/:id as the release before this one calls it, which it
// still does during a rolling deploy (docs/OPERATING.md, "Deploying"); this release calls
// update_player_with_guardians. The birth date and guardians it does not know stay as they are.

const db = useDatabase();

const updatePlayer = (tenantId: number, playerId: number, name: string | null, teamIds: readonly number[] | null) =>
  db().pool.one(sql.type(playerRowBeforeGuardians)`
    SELECT * FROM update_player(${tenantId}, ${playerId}, ${name}, NULL, ${teamIds === null ? null : sql.array(teamIds, 'int4')})
  `);

test('changes the fields given and leaves the birth date and guardians alone', async (t) => {
  const club = await createClub(db().pool);
  const [a, b] = [await createTeam(db().pool, club), await createTeam(db().pool, club)];
  const playerId = await createPlayer(db().pool, club, { name: 'Mia', teamIds: [a] });
  const people = await updatePlayerWithGuardians(db().pool, club.id, playerId, {
    birthDate: '2012-01-31',
    guardians: [{ name: 'Mum', email: 'mum@example.test' }],
  });

  const changed = await updatePlayer(club.id, playerId, 'Mia Park', [b]);

  t.like(changed, { id: playerId, name: 'Mia Park', team_ids: [b], contract_status: 'none' });
  const after = await db().pool.one(sql.type(z.object({ birth_date: z.string().nullable(), guardians: z.unknown() }))`
    SELECT birth_date, player_guardians(tenant_id, id) AS guardians FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}
  `);
  t.deepEqual(after, { birth_date: people.birth_date, guardians: people.guardians });
});

test('a signed player’s team change is TMOFR; another club’s player is UNKPL', async (t) => {
  const [club, other] = [await createClub(db().pool), await createClub(db().pool)];
  const [a, b] = [await createTeam(db().pool, club), await createTeam(db().pool, club)];
  const playerId = await createPlayer(db().pool, club, { teamIds: [a] });
  await putContractInState(db().pool, club, playerId, 'signed');
  const theirs = await createPlayer(db().pool, other);

  t.is(await sqlstateOf(updatePlayer(club.id, playerId, null, [b])), 'TMOFR');
  t.is(await sqlstateOf(updatePlayer(club.id, theirs, 'Mine now', null)), 'UNKPL');
});
