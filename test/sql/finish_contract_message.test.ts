import test from 'ava';
import { sql } from 'slonik';
import { finishContractMessage } from '../../src/mail/contract-messages.ts';
import { offerContract } from '../../src/contracts/store.ts';
import { createClub, createPlayer, putContractInState, readMessages } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/finish_contract_message: the worker's last step with a message.

const db = useDatabase();

async function queuedMessage() {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');
  const [message] = await readMessages(db().pool, club, playerId);
  return { club, playerId, id: message?.id ?? 0 };
}

test('sent: the time it left; failed: the reason; neither: queued for the next attempt with this one’s error', async (t) => {
  const [sent, failed, retried] = [await queuedMessage(), await queuedMessage(), await queuedMessage()];

  await finishContractMessage(db().pool, sent.club.id, sent.id, 'sent', null);
  await finishContractMessage(db().pool, failed.club.id, failed.id, 'failed', '550 mailbox unavailable');
  await finishContractMessage(db().pool, retried.club.id, retried.id, null, '451 try again later');

  t.like(await readMessages(db().pool, sent.club, sent.playerId), [{ status: 'sent', sent: true, last_error: null }]);
  t.like(await readMessages(db().pool, failed.club, failed.playerId), [
    { status: 'failed', sent: false, last_error: '550 mailbox unavailable' },
  ]);
  t.like(await readMessages(db().pool, retried.club, retried.playerId), [{ status: 'queued', last_error: '451 try again later' }]);
});

test('a message that is done stays as it is', async (t) => {
  const { club, playerId, id } = await queuedMessage();
  await finishContractMessage(db().pool, club.id, id, 'sent', null);
  const before = await readMessages(db().pool, club, playerId);

  await finishContractMessage(db().pool, club.id, id, 'failed', 'late failure');

  t.deepEqual(await readMessages(db().pool, club, playerId), before);
  t.is(await db().pool.oneFirst(sql.unsafe`SELECT count(*)::integer FROM contract_messages WHERE tenant_id = ${club.id}`), 1);
});

test('a message a newer offer marked skipped while it was being sent is recorded sent: it left', async (t) => {
  const { club, playerId, id } = await queuedMessage();
  await offerContract(db().pool, { tenantId: club.id, playerId, monthlyFee: 160, targetTeamId: null, force: true, actor: 'a' });
  t.like((await readMessages(db().pool, club, playerId))[0], { id, status: 'skipped' });

  await finishContractMessage(db().pool, club.id, id, 'sent', null);

  t.like((await readMessages(db().pool, club, playerId))[0], { id, status: 'sent', sent: true, last_error: null });
});

test('a skipped message whose send failed stays skipped: nothing left, and nothing will be retried', async (t) => {
  const { club, playerId, id } = await queuedMessage();
  await offerContract(db().pool, { tenantId: club.id, playerId, monthlyFee: 160, targetTeamId: null, force: true, actor: 'a' });

  await finishContractMessage(db().pool, club.id, id, 'failed', '550 mailbox unavailable');
  await finishContractMessage(db().pool, club.id, id, null, '451 try again later');

  t.like((await readMessages(db().pool, club, playerId))[0], { id, status: 'skipped', sent: false });
});
