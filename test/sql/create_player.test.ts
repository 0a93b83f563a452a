import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { createPlayer } from '../../src/store/players.ts';
import { createClub, createTeam } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/create_player.

const db = useDatabase();

test('adds a player with no contract, on the given teams, in one statement', async (t) => {
  const club = await createClub(db().pool);
  const [a, b] = [await createTeam(db().pool, club), await createTeam(db().pool, club)];

  const player = await createPlayer(db().pool, club.id, { name: 'Mia', email: 'mia@example.test', teamIds: [b, a] });

  t.like(player, { name: 'Mia', email: 'mia@example.test', contract_status: 'none', contract_token: null, monthly_fee: null });
  t.deepEqual(player.team_ids, [a, b].sort((x, y) => x - y));
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
