import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { claimArgument, idempotencyClaim } from '../../src/admin/idempotency-store.ts';
import { createdPlayerRowBeforeGuardians } from '../../src/players/store.ts';
import { createClub, createTeam } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/create_player: POST /admin/players as the release before this one calls it, which it still
// does during a rolling deploy (docs/OPERATING.md, "Deploying"); this release calls
// create_player_with_guardians.

const db = useDatabase();

const createPlayer = (tenantId: number, teamIds: readonly number[], claim: ReturnType<typeof idempotencyClaim> | null = null) =>
  db().pool.one(sql.type(createdPlayerRowBeforeGuardians)`
    SELECT * FROM create_player(${tenantId}, 'Mia', 'mia@example.test', ${sql.array(teamIds, 'int4')}, ${claimArgument(claim)})
  `);

const playersOf = (tenantId: number) =>
  db().pool.oneFirst(sql.type(z.object({ count: z.bigint() }))`SELECT count(*) FROM players WHERE tenant_id = ${tenantId}`);

test('adds a player with no contract, on the given teams, no birth date and no guardians', async (t) => {
  const club = await createClub(db().pool);
  const [a, b] = [await createTeam(db().pool, club), await createTeam(db().pool, club)];

  const player = await createPlayer(club.id, [b, a]);

  t.like(player, { replayed: false, name: 'Mia', contract_status: 'none', contract_token: null, monthly_fee: null });
  t.deepEqual(
    player.team_ids,
    [a, b].sort((x, y) => x - y),
  );
  const people = await db().pool.one(sql.type(z.object({ birth_date: z.string().nullable(), guardians: z.array(z.unknown()) }))`
    SELECT birth_date, player_guardians(tenant_id, id) AS guardians FROM players WHERE tenant_id = ${club.id} AND id = ${player.id}
  `);
  t.deepEqual(people, { birth_date: null, guardians: [] });
});

test('another club’s team (23503) leaves no player behind', async (t) => {
  const [club, other] = [await createClub(db().pool), await createClub(db().pool)];
  const theirTeam = await createTeam(db().pool, other);

  t.is(await sqlstateOf(createPlayer(club.id, [theirTeam])), '23503');
  t.is(await playersOf(club.id), 0n);
});

test('with an Idempotency-Key a retry replays the first player and creates no other', async (t) => {
  const club = await createClub(db().pool);
  const claim = idempotencyClaim('k', { ttlSeconds: 3600, waitMs: 1000 }, 'create_player', { name: 'Mia' });

  const first = await createPlayer(club.id, [], claim);
  const second = await createPlayer(club.id, [], claim);

  t.deepEqual(second, { ...first, replayed: true });
  t.is(await playersOf(club.id), 1n);
});
