import test from 'ava';
import { declineContract } from '../../src/store/family-contracts.ts';
import { createClub, createPlayer, putContractInState, readAuditLog, readPlayer } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/decline_contract: offered → declined in one call.

const db = useDatabase();

test('records the decline, keeps the token, and writes one decline row', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const token = await putContractInState(db().pool, club, playerId, 'offered');

  const answer = await declineContract(db().pool, token);

  t.like(answer, { previousStatus: 'offered', status: 'declined', signedVersion: null });
  const player = await readPlayer(db().pool, club, playerId);
  t.like(player, { contract_status: 'declined', contract_token: token, contract_signed_at: null });
  t.not(player.contract_declined_at, null);
  const audit = await readAuditLog(db().pool, club, playerId);
  t.deepEqual(
    audit.map((row) => [row.event_type, row.old_state.contract_declined_at === null, row.new_state.contract_declined_at === null]),
    [['decline', true, false]],
  );
});

test('declining a signed contract is refused and changes nothing', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const token = await putContractInState(db().pool, club, playerId, 'signed');
  const before = await readPlayer(db().pool, club, playerId);
  const auditBefore = await readAuditLog(db().pool, club, playerId);

  t.is(await sqlstateOf(declineContract(db().pool, token)), 'CTSGN');
  t.deepEqual(await readPlayer(db().pool, club, playerId), before);
  t.deepEqual(await readAuditLog(db().pool, club, playerId), auditBefore);
});
