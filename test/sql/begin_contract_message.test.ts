import test from 'ava';
import { sql } from 'slonik';
import { createClub, createPlayer, putContractInState, readMessages } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/begin_contract_message: the previous release's worker's first step during a rolling deploy
// (docs/OPERATING.md, "Deploying"): begin_signer_message, answered in that release's columns.

const db = useDatabase();

test('begins the message as begin_signer_message does and answers the previous release’s columns', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const token = await putContractInState(db().pool, club, playerId, 'offered');
  const [message] = await readMessages(db().pool, club, playerId);

  const toSend = await db().pool.one(sql.unsafe`SELECT * FROM begin_contract_message(${club.id}, ${message?.id ?? 0})`);

  t.false('signer_name' in toSend);
  t.like(toSend, { kind: 'offer', recipient: 'family@example.test', contract_token: token });
  t.like(await readMessages(db().pool, club, playerId), [{ attempts: 1 }]);
});
