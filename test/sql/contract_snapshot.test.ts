import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { createClub, createPlayer, createTeam, putContractInState } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/contract_snapshot: the shape of old_state / new_state (docs/PRODUCT.md, "Audit snapshots").

const db = useDatabase();

test("keys are the player's contract columns plus team_ids, with values as stored", async (t) => {
  const club = await createClub(db().pool);
  const [a, b] = [await createTeam(db().pool, club), await createTeam(db().pool, club)];
  const playerId = await createPlayer(db().pool, club, { teamIds: [a, b] });
  const token = await putContractInState(db().pool, club, playerId, 'signed');

  const snapshot = await db().pool.oneFirst(sql.type(z.object({ snapshot: z.record(z.unknown()) }))`
    SELECT contract_snapshot(players, ARRAY[${a}, ${b}]::integer[]) AS snapshot
    FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}
  `);

  t.deepEqual(Object.keys(snapshot).sort(), [
    'contract_declined_at',
    'contract_disclosure_sha256',
    'contract_disclosure_version',
    'contract_esign_consent',
    'contract_offered_at',
    'contract_offered_by',
    'contract_signature_url',
    'contract_signed_at',
    'contract_signed_by',
    'contract_signed_ip',
    'contract_signed_user_agent',
    'contract_status',
    'contract_terms_sha256',
    'contract_terms_version',
    'contract_token',
    'contract_version',
    'monthly_fee',
    'team_ids',
  ]);
  t.like(snapshot, {
    contract_status: 'signed',
    contract_token: token,
    monthly_fee: 150,
    contract_signed_ip: '203.0.113.7',
    contract_declined_at: null,
    team_ids: [a, b],
  });
});
