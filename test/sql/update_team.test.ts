import test from 'ava';
import { updateTeam } from '../../src/teams/store.ts';
import { createClub, createTeam } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/update_team: PATCH /admin/teams/:id.

const db = useDatabase();

test('renames the team and answers it as stored', async (t) => {
  const club = await createClub(db().pool);
  const team = await createTeam(db().pool, club, 'U12');

  t.deepEqual(await updateTeam(db().pool, club.id, team, 'U12 "Gold"'), { id: team, name: 'U12 "Gold"' });
  t.deepEqual(await updateTeam(db().pool, club.id, team, 'U12 "Gold"'), { id: team, name: 'U12 "Gold"' }, 'its own name again');
});

test('a name another of the club’s teams has violates teams_name_unique (23505); another club’s may', async (t) => {
  const [club, other] = [await createClub(db().pool), await createClub(db().pool)];
  await createTeam(db().pool, club, 'U14');
  const team = await createTeam(db().pool, club, 'U12');
  const theirs = await createTeam(db().pool, other, 'U16');

  t.is(await sqlstateOf(updateTeam(db().pool, club.id, team, 'U14')), '23505');
  t.deepEqual(await updateTeam(db().pool, club.id, team, 'U16'), { id: team, name: 'U16' });
  t.deepEqual(await updateTeam(db().pool, other.id, theirs, 'U12'), { id: theirs, name: 'U12' });
});

test("an unknown team, or another club's, is no row and renames nothing", async (t) => {
  const [club, other] = [await createClub(db().pool), await createClub(db().pool)];
  const theirs = await createTeam(db().pool, other, 'Theirs');

  t.is(await updateTeam(db().pool, club.id, theirs, 'Mine'), null);
  t.is(await updateTeam(db().pool, club.id, 2_147_483_647, 'Mine'), null);
  t.deepEqual(await updateTeam(db().pool, other.id, theirs, 'Theirs'), { id: theirs, name: 'Theirs' });
});
