import test from 'ava';
import { idempotencyClaim } from '../../src/admin/idempotency-store.ts';
import { createTeam } from '../../src/teams/store.ts';
import { createClub } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/create_team: POST /admin/teams, with or without an Idempotency-Key.

const db = useDatabase();

test('adds a team to the club and returns its id and name as stored', async (t) => {
  const club = await createClub(db().pool);

  const team = await createTeam(db().pool, club.id, 'U12 "Blue"');

  t.like(team, { name: 'U12 "Blue"' });
  t.true(team.id > 0);
});

test('a name the club already uses violates teams_name_unique (23505)', async (t) => {
  const club = await createClub(db().pool);
  await createTeam(db().pool, club.id, 'U12');

  t.is(await sqlstateOf(createTeam(db().pool, club.id, 'U12')), '23505');
  t.like(await createTeam(db().pool, (await createClub(db().pool)).id, 'U12'), { name: 'U12' }, 'another club may');
});

test('with an Idempotency-Key a retry replays the first team and creates no other', async (t) => {
  const club = await createClub(db().pool);
  const claim = idempotencyClaim('k', { ttlSeconds: 3600, waitMs: 1000 }, 'create_team', { name: 'U10' });

  const first = await createTeam(db().pool, club.id, 'U10', claim);
  const second = await createTeam(db().pool, club.id, 'U10', claim);

  t.like(first, { replayed: false, name: 'U10' });
  t.deepEqual(second, { ...first, replayed: true });
  t.is(await sqlstateOf(createTeam(db().pool, club.id, 'U10')), '23505', 'the team exists once');
});
