import test from 'ava';
import { sql } from 'slonik';
import { playerRowBeforeExternalId, updatePlayer } from '../../src/players/store.ts';
import { createClub, createPlayer, createTeam, putContractInState } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/update_player_with_guardians: PATCH /admin/players/:id as the release before this one calls
// it, which it still does during a rolling deploy (docs/OPERATING.md, "A breaking change"); this
// release calls update_player_with_external_id. The external_id it does not know stays as it is.

const db = useDatabase();

const updateAsBefore = (clubId: number, playerId: number, name: string | null, teamIds: readonly number[] | null) =>
  db().pool.one(sql.type(playerRowBeforeExternalId)`
    SELECT * FROM update_player_with_guardians(
      ${clubId}, ${playerId}, ${name}, NULL, ${teamIds === null ? null : sql.array(teamIds, 'int4')}, true, '2012-01-31', '[]'
    )
  `);

test('changes the fields given and leaves the external_id alone', async (t) => {
  const club = await createClub(db().pool);
  const team = await createTeam(db().pool, club);
  const playerId = await createPlayer(db().pool, club, { name: 'Mia', externalId: 'R-1' });

  const changed = await updateAsBefore(club.id, playerId, 'Mia Park', [team]);

  t.like(changed, { id: playerId, name: 'Mia Park', team_ids: [team], birth_date: '2012-01-31', guardians: [] });
  t.like(await updatePlayer(db().pool, club.id, playerId, {}), { external_id: 'R-1' });
});

test('a signed player’s team change is TMOFR; another club’s player is UNKPL', async (t) => {
  const [club, other] = [await createClub(db().pool), await createClub(db().pool)];
  const [a, b] = [await createTeam(db().pool, club), await createTeam(db().pool, club)];
  const playerId = await createPlayer(db().pool, club, { teamIds: [a] });
  await putContractInState(db().pool, club, playerId, 'signed');
  const theirs = await createPlayer(db().pool, other);

  t.is(await sqlstateOf(updateAsBefore(club.id, playerId, null, [b])), 'TMOFR');
  t.is(await sqlstateOf(updateAsBefore(club.id, theirs, 'Mine now', null)), 'UNKPL');
});
