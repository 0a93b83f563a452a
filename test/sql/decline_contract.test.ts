import test from 'ava';
import { sql } from 'slonik';
import { createClub, createPlayer, putContractInState, readAuditLog, readPlayer } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/decline_contract: DECLINE as the previous release calls it during a rolling deploy
// (docs/OPERATING.md, "Deploying"): decline_contract_as_signer's transition, answered without the signers.

const db = useDatabase();

test('declines as decline_contract_as_signer does and answers the previous release’s columns', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const token = await putContractInState(db().pool, club, playerId, 'offered');

  const answer = await db().pool.one(sql.unsafe`SELECT * FROM decline_contract(${token}, ARRAY['offered'])`);

  t.false('signers' in answer);
  t.like(answer, { previous_status: 'offered', contract_status: 'declined' });
  t.like(await readPlayer(db().pool, club, playerId), { contract_status: 'declined' });
  t.deepEqual(
    (await readAuditLog(db().pool, club, playerId)).map((row) => row.event_type),
    ['decline'],
  );
});
