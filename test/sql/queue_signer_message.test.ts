import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { offerContract } from '../../src/contracts/store.ts';
import { addGuardians, createClub, createPlayer, putContractInState, readJobs, readMessages, readSigners } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/queue_signer_message, as the transitions call it: the message to one signer and its job in the
// same transaction as the transition.

const db = useDatabase();

test('an offer queues one message to the player’s address and one job to send it', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club, { email: 'park+family@example.test' });

  await putContractInState(db().pool, club, playerId, 'offered');

  const messages = await readMessages(db().pool, club, playerId);
  t.like(messages, [{ kind: 'offer', recipient: 'park+family@example.test', status: 'queued', attempts: 0 }]);
  t.deepEqual(await readJobs(db().pool, club, playerId), [
    { task: 'send_contract_message', key: `contract-offer-mail:${club.id}:${playerId}`, message_id: messages[0]?.id ?? 0 },
  ]);
});

test('an offer that is refused or rolls back queues nothing', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');
  const [messagesBefore, jobsBefore] = [await readMessages(db().pool, club, playerId), await readJobs(db().pool, club, playerId)];
  const offer = { tenantId: club.id, playerId, monthlyFee: 100, force: false, actor: 'a' };

  t.is(await sqlstateOf(offerContract(db().pool, { ...offer, targetTeamId: null })), 'OFFEX');
  t.is(await sqlstateOf(offerContract(db().pool, { ...offer, force: true, targetTeamId: 2_000_000_000 })), 'UNKTM');

  t.deepEqual(await readMessages(db().pool, club, playerId), messagesBefore);
  t.deepEqual(await readJobs(db().pool, club, playerId), jobsBefore);
});

test('a newer offer replaces the pending offer mail: one job, with the newer message; the older one skipped', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');

  await offerContract(db().pool, { tenantId: club.id, playerId, monthlyFee: 160, targetTeamId: null, force: true, actor: 'a' });

  const [older, newer] = await readMessages(db().pool, club, playerId);
  t.like(older, { kind: 'offer', status: 'skipped', last_error: 'a newer offer replaced its link before it left' });
  t.like(newer, { kind: 'offer', status: 'queued' });
  t.deepEqual(
    (await readJobs(db().pool, club, playerId)).map((job) => job.message_id),
    [newer?.id ?? 0],
  );
});

test('marking the pending offer mail skipped reads only the queued offer mail, however many messages the player had', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');
  for (let offer = 0; offer < 30; offer += 1) {
    await offerContract(db().pool, { tenantId: club.id, playerId, monthlyFee: 100 + offer, targetTeamId: null, force: true, actor: 'a' });
  }

  const plan = await db().pool.transaction(async (transaction) => {
    // The table is small in a test database; without this the planner reads it whole.
    await transaction.query(sql.unsafe`SET LOCAL enable_seqscan = off`);
    return transaction.anyFirst(sql.type(z.object({ 'QUERY PLAN': z.string() }))`
      EXPLAIN (FORMAT TEXT)
      UPDATE contract_messages SET status = 'skipped'
      WHERE contract_messages.tenant_id = ${club.id} AND contract_messages.player_id = ${playerId}
        AND contract_messages.kind = 'offer' AND contract_messages.status = 'queued'`);
  });

  t.is((await readMessages(db().pool, club, playerId)).length, 31);
  t.regex(plan.join('\n'), /Index Scan using contract_messages_queued_offer/);
});

test('an offer to two guardians queues a mail to each, naming its signer; only the first is keyed per player', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await addGuardians(db().pool, club, playerId, [
    { name: 'Dana Park', email: 'dana@example.test' },
    { name: 'Sam Park', email: 'sam@example.test' },
  ]);

  await putContractInState(db().pool, club, playerId, 'offered');

  const [first, second] = await readSigners(db().pool, club, playerId);
  const named = await db().pool.any(sql.type(z.object({ recipient: z.string(), signer_id: z.number(), signer_name: z.string() }))`
    SELECT recipient, signer_id, signer_name FROM contract_messages WHERE tenant_id = ${club.id} AND player_id = ${playerId} ORDER BY id
  `);
  t.deepEqual(named, [
    { recipient: 'dana@example.test', signer_id: first?.id ?? 0, signer_name: 'Dana Park' },
    { recipient: 'sam@example.test', signer_id: second?.id ?? 0, signer_name: 'Sam Park' },
  ]);
  t.deepEqual(
    (await readJobs(db().pool, club, playerId)).map((job) => job.key),
    [`contract-offer-mail:${club.id}:${playerId}`, null],
  );
});

test('a newer offer to two guardians leaves every mail of the older one skipped', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await addGuardians(db().pool, club, playerId, [
    { name: 'Dana Park', email: 'dana@example.test' },
    { name: 'Sam Park', email: 'sam@example.test' },
  ]);
  await putContractInState(db().pool, club, playerId, 'offered');

  await offerContract(db().pool, { tenantId: club.id, playerId, monthlyFee: 160, targetTeamId: null, force: true, actor: 'a' });

  t.like(await readMessages(db().pool, club, playerId), [
    { status: 'skipped' },
    { status: 'skipped' },
    { status: 'queued', recipient: 'dana@example.test' },
    { status: 'queued', recipient: 'sam@example.test' },
  ]);
});
