import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { claimArgument, idempotencyClaim } from '../../src/admin/idempotency-store.ts';
import { createdPlayerRowBeforeExternalId, createPlayer } from '../../src/players/store.ts';
import { createClub, createTeam } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/create_player_with_guardians: POST /admin/players as the release before this one calls it,
// which it still does during a rolling deploy (docs/OPERATING.md, "A breaking change"); this release
// calls create_player_with_external_id. Its answer has no external_id, and the player it creates has none.

const db = useDatabase();

const MUM = { name: 'Mum', email: 'mum@example.test' };

const createAsBefore = (
  clubId: number,
  teamIds: readonly number[],
  birthDate: string | null,
  claim: ReturnType<typeof idempotencyClaim> | null = null,
) =>
  db().pool.one(sql.type(createdPlayerRowBeforeExternalId)`
    SELECT * FROM create_player_with_guardians(
      ${clubId}, 'Mia', 'mia@example.test', ${sql.array(teamIds, 'int4')}, ${birthDate}::date, ${sql.jsonb([MUM])}, ${claimArgument(claim)}
    )
  `);

test('adds the player with their teams, birth date and guardians, and no external_id', async (t) => {
  const club = await createClub(db().pool);
  const team = await createTeam(db().pool, club);

  const created = await createAsBefore(club.id, [team], '2014-03-01');

  t.like(created, { replayed: false, name: 'Mia', team_ids: [team], birth_date: '2014-03-01', guardians: [MUM] });
  const external = await db().pool.oneFirst(sql.type(z.object({ external_id: z.string().nullable() }))`
    SELECT external_id FROM players WHERE tenant_id = ${club.id} AND id = ${created.id}
  `);
  t.is(external, null);
});

test('a refused birth date (INVAL) leaves no player behind', async (t) => {
  const club = await createClub(db().pool);
  t.is(await sqlstateOf(createAsBefore(club.id, [], '1850-01-01')), 'INVAL');
});

test('replays under the same Idempotency-Key what this release’s create_player_with_external_id stored', async (t) => {
  const club = await createClub(db().pool);
  const input = { name: 'Mia', email: 'mia@example.test', teamIds: [], guardians: [MUM] };
  const claim = idempotencyClaim('k', { ttlSeconds: 3600, waitMs: 1000 }, 'create_player', input);

  const first = await createPlayer(db().pool, club.id, input, claim);
  const replay = await createAsBefore(club.id, [], null, claim);

  t.like(replay, { replayed: true, id: first.id, guardians: first.guardians });
});
