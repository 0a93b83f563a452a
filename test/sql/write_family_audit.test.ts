import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { createClub, createPlayer, createTeam, putContractInState, readAuditLog } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/write_family_audit, as the previous release's signatures and declines call it while a deploy is
// half done (docs/OPERATING.md, "A breaking change"): the audit row of a family's answer.

const db = useDatabase();

test('writes one row: old_state from the row before, new_state from the row after, both with the player’s teams', async (t) => {
  const club = await createClub(db().pool);
  const [a, b] = [await createTeam(db().pool, club), await createTeam(db().pool, club)];
  const playerId = await createPlayer(db().pool, club, { teamIds: [b, a] });
  const token = await putContractInState(db().pool, club, playerId, 'offered');

  // Two distinct rows: the one stored (offered) and one changed the way a decline changes it.
  const id = await db().pool.oneFirst(sql.type(z.object({ id: z.bigint() }))`
    SELECT write_family_audit(
      'decline',
      players,
      jsonb_populate_record(players, '{"contract_status": "declined", "contract_declined_at": "2026-11-30T18:00:00Z"}')
    ) AS id
    FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}
  `);

  const rows = await readAuditLog(db().pool, club, playerId);
  t.is(rows.length, 1);
  const [row] = rows;
  t.like(row, { id: Number(id), event_type: 'decline', actor: 'family', source: 'family_link' });
  const teamIds = [a, b].sort((x, y) => x - y);
  t.like(row?.old_state, { contract_status: 'offered', contract_token: token, contract_declined_at: null, team_ids: teamIds });
  t.like(row?.new_state, { contract_status: 'declined', contract_token: token, team_ids: teamIds });
  t.is(new Date(String(row?.new_state.contract_declined_at)).toISOString(), '2026-11-30T18:00:00.000Z');
});
