import test from 'ava';
import { sql } from 'slonik';
import { createClub, createPlayer, putContractInState, readAuditLog, readPlayer } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/sign_contract_with_evidence: SIGN as the previous release calls it during a rolling deploy
// (docs/OPERATING.md, "Deploying"): sign_contract_as_signer's transition, answered without the signers.

const db = useDatabase();

test('signs as sign_contract_as_signer does and answers the previous release’s columns', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const token = await putContractInState(db().pool, club, playerId, 'offered');

  const answer = await db().pool.one(sql.unsafe`
    SELECT * FROM sign_contract_with_evidence(
      ${token}, 'Dana Park', NULL, '192.0.2.1'::inet, 'v1', ARRAY['offered'], true, 'esign-en-2026-12', NULL, 'UA'
    )
  `);

  t.false('signers' in answer);
  t.like(answer, { previous_status: 'offered', contract_status: 'signed', player_name: 'Jacelyn Park' });
  t.like(await readPlayer(db().pool, club, playerId), { contract_status: 'signed', contract_signed_by: 'Dana Park' });
  t.deepEqual(
    (await readAuditLog(db().pool, club, playerId)).map((row) => row.event_type),
    ['sign'],
  );
});
