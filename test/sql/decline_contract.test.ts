import test from 'ava';
import { sql } from 'slonik';
import { declineContract } from '../../src/family/store.ts';
import { createClub, createPlayer, putContractInState, readAuditLog, readJobs, readMessages, readPlayer } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/decline_contract: offered → declined in one call.

const db = useDatabase();

test('records the decline, keeps the token, and writes one decline row', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const token = await putContractInState(db().pool, club, playerId, 'offered');

  const answer = await declineContract(db().pool, token);

  t.like(answer, { previous_status: 'offered', status: 'declined', contract_version: null });
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

test('queues one confirmation of the audit row it wrote, and cancels the offer’s automatic reminder', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const token = await putContractInState(db().pool, club, playerId, 'offered');
  // A reminder as the worker schedules it after the offer's mail is sent.
  await db().pool.query(sql.unsafe`
    SELECT graphile_worker.add_job('queue_contract_reminder', json_build_object('tenant_id', ${club.id}::integer, 'player_id', ${playerId}::integer),
      run_at => now() + interval '3 days', job_key => contract_reminder_job_key(${club.id}, ${playerId}))
  `);

  await declineContract(db().pool, token);

  const [, confirmation] = await readMessages(db().pool, club, playerId);
  t.like(confirmation, { kind: 'confirmation', status: 'queued', recipient: 'family@example.test' });
  const jobs = await readJobs(db().pool, club, playerId);
  t.false(
    jobs.some((job) => job.task === 'queue_contract_reminder'),
    'no reminder is due any more',
  );
  t.true(jobs.some((job) => job.task === 'send_contract_message' && job.message_id === confirmation?.id));
  const auditId = await db().pool.oneFirst(sql.unsafe`
    SELECT audit_id FROM contract_messages WHERE tenant_id = ${club.id} AND id = ${confirmation?.id ?? 0}
  `);
  t.is(Number(auditId), (await readAuditLog(db().pool, club, playerId)).at(-1)?.id ?? 0);
});
