import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { idempotencyClaim } from '../../src/admin/idempotency-store.ts';
import { createPlayer } from '../../src/players/store.ts';
import { createClub, createTeam } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/create_player: POST /admin/players, with or without an Idempotency-Key.

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
