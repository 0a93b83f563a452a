import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { createClub, createPlayer, createTeam, putContractInState, readAuditLog } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/write_family_audit: the audit row of a family's answer.

const db = useDatabase();

test("writes one row with both snapshots, the player's teams, actor family and source family_link", async (t) => {
  const club = await createClub(db().pool);
  const [a, b] = [await createTeam(db().pool, club), await createTeam(db().pool, club)];
  const playerId = await createPlayer(db().pool, club, { teamIds: [b, a] });
  await putContractInState(db().pool, club, playerId, 'offered');

  const id = await db().pool.oneFirst(sql.type(z.object({ id: z.bigint() }))`
    SELECT write_family_audit('decline', players, players) AS id
    FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}
  `);

  const rows = await readAuditLog(db().pool, club, playerId);
  t.is(rows.length, 1);
  t.like(rows[0], { id: Number(id), event_type: 'decline', actor: 'family', source: 'family_link' });
  t.deepEqual(rows[0]?.old_state.team_ids, [a, b].sort((x, y) => x - y));
  t.deepEqual(rows[0]?.new_state, rows[0]?.old_state);
});
