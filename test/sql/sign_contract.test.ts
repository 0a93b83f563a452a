import test from 'ava';
import { sql } from 'slonik';
import { createClub, createPlayer, putContractInState, readAuditLog, readPlayer } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/sign_contract: SIGN as the previous release calls it during a rolling deploy
// (docs/OPERATING.md, "Deploying"), without the evidence it does not collect.

const db = useDatabase();

test('signs as sign_contract_with_evidence does, the evidence recorded as unknown', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const token = await putContractInState(db().pool, club, playerId, 'offered');

  await db().pool.query(sql.unsafe`
    SELECT * FROM sign_contract(${token}, 'Dana Park', NULL, '192.0.2.1'::inet, 'v1', ARRAY['offered'])
  `);

  t.like(await readPlayer(db().pool, club, playerId), { contract_status: 'signed', contract_signed_by: 'Dana Park' });
  const [row] = await readAuditLog(db().pool, club, playerId);
  t.like(row, { event_type: 'sign' });
  t.like(row?.new_state, { contract_esign_consent: null, contract_disclosure_version: null, contract_signed_user_agent: null });
});
