import test from 'ava';
import { sql } from 'slonik';
import { finishContractMessage } from '../../src/mail/contract-messages.ts';
import { withdrawContract } from '../../src/contracts/store.ts';
import { createClub, createPlayer, putContractInState, readMessages, readOutbox } from '../helpers/fixtures.ts';
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

/** The offer withdrawn while its mail was being sent: its queued mail is marked skipped (sql/end_offered_contract). */
const withdrawn = async (club: { id: number }, playerId: number) =>
  withdrawContract(db().pool, { tenantId: club.id, playerId, actor: 'a', reason: 'a mistake' });

test('a message marked skipped while it was being sent is recorded sent: it left', async (t) => {
  const { club, playerId, id } = await queuedMessage();
  await withdrawn(club, playerId);
  t.like((await readMessages(db().pool, club, playerId))[0], { id, status: 'skipped' });

  await finishContractMessage(db().pool, club.id, id, 'sent', null);

  t.like((await readMessages(db().pool, club, playerId))[0], { id, status: 'sent', sent: true, last_error: null });
});

test('a skipped message whose send failed stays skipped: nothing left, and nothing will be retried', async (t) => {
  const { club, playerId, id } = await queuedMessage();
  await withdrawn(club, playerId);

  await finishContractMessage(db().pool, club.id, id, 'failed', '550 mailbox unavailable');
  await finishContractMessage(db().pool, club.id, id, null, '451 try again later');

  t.like((await readMessages(db().pool, club, playerId))[0], { id, status: 'skipped', sent: false });
});

test('an outbox message left queued is due again after e^attempts seconds (graphile-worker’s backoff), its claim let go', async (t) => {
  const { club, playerId, id } = await queuedMessage();
  const backoffs: number[] = [];
  for (let attempts = 1; attempts <= 7; attempts += 1) {
    await db().pool.query(sql.unsafe`
      UPDATE contract_messages SET attempts = ${attempts}, claimed_at = now(), due_at = now() + interval '10 minutes'
      WHERE tenant_id = ${club.id} AND id = ${id}
    `);
    await finishContractMessage(db().pool, club.id, id, null, '451 try again later');
    const [row] = await readOutbox(db().pool, club, playerId);
    t.like(row, { status: 'queued', claimed: false, due: false });
    backoffs.push(row?.due_in_s ?? 0);
  }
  for (const [index, seconds] of backoffs.entries())
    t.true(Math.abs(seconds - Math.exp(index + 1)) < 1, `after attempt ${index + 1}: ${seconds} s`);
  const total = backoffs.reduce((sum, seconds) => sum + seconds, 0);
  t.true(total > 25 * 60 && total < 35 * 60, `eight attempts span about 30 minutes (${Math.round(total / 60)})`);
});

test('a message queued with a job of its own (the previous release’s) gets no due time: its job retries it', async (t) => {
  const { club, playerId, id } = await queuedMessage();
  await db().pool.query(sql.unsafe`UPDATE contract_messages SET due_at = NULL WHERE tenant_id = ${club.id} AND id = ${id}`);

  await finishContractMessage(db().pool, club.id, id, null, '451 try again later');

  t.like(await readOutbox(db().pool, club, playerId), [{ status: 'queued', outbox: false, due_in_s: null }]);
});
