import test from 'ava';
import { sql } from 'slonik';
import { declineContract, signContract } from '../../src/family/store.ts';
import {
  addGuardians,
  createClub,
  createPlayer,
  putContractInState,
  readAuditLog,
  readJobs,
  readOutbox,
  readMessages,
  readPlayer,
  readSigners,
  setSigningPolicy,
} from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/decline_contract_as_signer: DECLINE by any signer through their own link, in one call.

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
  t.like((await readOutbox(db().pool, club, playerId)).at(-1), { id: confirmation?.id, outbox: true, due: true }, 'due in the outbox');
  const auditId = await db().pool.oneFirst(sql.unsafe`
    SELECT audit_id FROM contract_messages WHERE tenant_id = ${club.id} AND id = ${confirmation?.id ?? 0}
  `);
  t.is(Number(auditId), (await readAuditLog(db().pool, club, playerId)).at(-1)?.id ?? 0);
});

test('a decline by one guardian declines the contract for every signer: one decline row, a confirmation to each', async (t) => {
  const club = await createClub(db().pool);
  await setSigningPolicy(db().pool, club, 'all_guardians');
  const playerId = await createPlayer(db().pool, club);
  await addGuardians(db().pool, club, playerId, [
    { name: 'Dana Park', email: 'dana@example.test' },
    { name: 'Sam Park', email: 'sam@example.test' },
  ]);
  await putContractInState(db().pool, club, playerId, 'offered');
  const [first, second] = await readSigners(db().pool, club, playerId);
  await signContract(db().pool, { token: first?.token ?? '', signedBy: 'Dana Park', signatureUrl: null, ip: null, contractVersion: 'v1' });

  const answer = await declineContract(db().pool, second?.token ?? '');

  t.like(answer, { status: 'declined' });
  t.like(await readSigners(db().pool, club, playerId), [{ status: 'signed' }, { status: 'declined' }]);
  t.deepEqual(
    (await readAuditLog(db().pool, club, playerId)).map((row) => row.event_type),
    ['signature', 'decline'],
  );
  const confirmations = (await readMessages(db().pool, club, playerId)).filter((message) => message.kind === 'confirmation');
  t.deepEqual(
    confirmations.slice(1).map((message) => message.recipient),
    ['dana@example.test', 'sam@example.test'],
  );
});

test('a signer who signed the open offer cannot decline it: 409 already_signed_by_you, nothing changes', async (t) => {
  const club = await createClub(db().pool);
  await setSigningPolicy(db().pool, club, 'all_guardians');
  const playerId = await createPlayer(db().pool, club);
  await addGuardians(db().pool, club, playerId, [
    { name: 'Dana Park', email: 'dana@example.test' },
    { name: 'Sam Park', email: 'sam@example.test' },
  ]);
  await putContractInState(db().pool, club, playerId, 'offered');
  const [first] = await readSigners(db().pool, club, playerId);
  await signContract(db().pool, { token: first?.token ?? '', signedBy: 'Dana Park', signatureUrl: null, ip: null, contractVersion: 'v1' });
  const before = await readPlayer(db().pool, club, playerId);

  t.is(await sqlstateOf(declineContract(db().pool, first?.token ?? '')), 'CTSGY');
  t.deepEqual(await readPlayer(db().pool, club, playerId), before);
});
