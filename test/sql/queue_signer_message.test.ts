import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { offerContract } from '../../src/contracts/store.ts';
import { beginContractMessage } from '../../src/mail/contract-messages.ts';
import {
  type Club,
  addGuardians,
  createClub,
  createPlayer,
  putContractInState,
  readJobs,
  readMessages,
  readOutbox,
  readSigners,
} from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/queue_signer_message, as the transitions call it: the message to one signer, in the same
// transaction as the transition, as one row of the outbox (docs/DESIGN.md, "E-mail queue"): due now,
// with no job, and no other row written.

const db = useDatabase();

test('an offer queues one message to the player’s address, due now in the outbox, and no job', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club, { email: 'park+family@example.test' });

  await putContractInState(db().pool, club, playerId, 'offered');

  const messages = await readMessages(db().pool, club, playerId);
  t.like(messages, [{ kind: 'offer', recipient: 'park+family@example.test', status: 'queued', attempts: 0 }]);
  t.like(await readOutbox(db().pool, club, playerId), [{ outbox: true, due: true, claimed: false }]);
  t.deepEqual(await readJobs(db().pool, club, playerId), []);
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

/** Each row's version (xmin): it changes whenever the row is updated. */
const rowVersions = (club: Club, playerId: number) =>
  db().pool.anyFirst(sql.type(z.object({ version: z.string() }))`
    SELECT xmin::text AS version FROM contract_messages WHERE tenant_id = ${club.id} AND player_id = ${playerId} ORDER BY id
  `);

test('a newer offer writes only its own message; the worker finds the older one outdated when it takes it, and skips it', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');
  const before = await rowVersions(club, playerId);

  await offerContract(db().pool, { tenantId: club.id, playerId, monthlyFee: 160, targetTeamId: null, force: true, actor: 'a' });

  t.deepEqual((await rowVersions(club, playerId)).slice(0, 1), before, 'the older message is not written at queue time');
  const [older, newer] = await readMessages(db().pool, club, playerId);
  t.like(older, { kind: 'offer', status: 'queued' });
  t.like(newer, { kind: 'offer', status: 'queued' });

  t.is(await beginContractMessage(db().pool, club.id, older?.id ?? 0), null, 'nothing to send');
  t.like(await beginContractMessage(db().pool, club.id, newer?.id ?? 0), { kind: 'offer' });
  t.like(await readMessages(db().pool, club, playerId), [
    { status: 'skipped', attempts: 0, last_error: 'a newer offer replaced its link before it left' },
    { status: 'queued', attempts: 1 },
  ]);
  t.deepEqual(await readJobs(db().pool, club, playerId), []);
});

test('the worker’s poll reads only the due outbox messages’ index, however many messages there were', async (t) => {
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
      SELECT due.tenant_id, due.id FROM contract_messages AS due
      WHERE due.status = 'queued' AND due.due_at IS NOT NULL AND due.due_at <= now()
      ORDER BY due.due_at LIMIT 4 FOR UPDATE SKIP LOCKED`);
  });

  t.is((await readMessages(db().pool, club, playerId)).length, 31);
  t.regex(plan.join('\n'), /Index Scan using contract_messages_due/);
});

test('an offer to two guardians queues a mail to each, naming its signer, both in the outbox', async (t) => {
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
  t.like(await readOutbox(db().pool, club, playerId), [
    { outbox: true, due: true },
    { outbox: true, due: true },
  ]);
  t.deepEqual(await readJobs(db().pool, club, playerId), []);
});

test('a newer offer to two guardians leaves every mail of the older one skipped once the worker takes it', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await addGuardians(db().pool, club, playerId, [
    { name: 'Dana Park', email: 'dana@example.test' },
    { name: 'Sam Park', email: 'sam@example.test' },
  ]);
  await putContractInState(db().pool, club, playerId, 'offered');

  await offerContract(db().pool, { tenantId: club.id, playerId, monthlyFee: 160, targetTeamId: null, force: true, actor: 'a' });
  for (const message of await readMessages(db().pool, club, playerId)) await beginContractMessage(db().pool, club.id, message.id);

  t.like(await readMessages(db().pool, club, playerId), [
    { status: 'skipped' },
    { status: 'skipped' },
    { status: 'queued', recipient: 'dana@example.test', attempts: 1 },
    { status: 'queued', recipient: 'sam@example.test', attempts: 1 },
  ]);
});
