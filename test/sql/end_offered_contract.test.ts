import test from 'ava';
import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { signContract } from '../../src/family/store.ts';
import {
  type Club,
  addGuardians,
  createClub,
  createPlayer,
  createTeam,
  putContractInState,
  readAuditLog,
  readJobs,
  readMessages,
  readPlayer,
  readSigners,
  setSigningPolicy,
} from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/end_offered_contract: the steps WITHDRAW and EXPIRE share once the row is locked.

const db = useDatabase();

const ended = z.object({ audit_id: z.bigint().transform(Number), new_status: z.string() });

/** One call under the row lock, as withdraw_contract and expire_contract make it. */
function endOffer(
  pool: CommonQueryMethods,
  club: Club,
  playerId: number,
  call: { event: string; actor: string; source: string; reason: string | null; unsentBecause: string },
) {
  return pool.transaction(async (transaction) => {
    await transaction.query(sql.unsafe`SELECT 1 FROM players WHERE tenant_id = ${club.id} AND id = ${playerId} FOR UPDATE`);
    return transaction.one(sql.type(ended)`
      SELECT result.* FROM players,
        end_offered_contract(players, ${call.event}, '{offered}', ${call.actor}, ${call.source}, ${call.reason}, ${call.unsentBecause}) AS result
      WHERE players.tenant_id = ${club.id} AND players.id = ${playerId}
    `);
  });
}

/** Queues a reminder e-mail and schedules the next automatic reminder, as the worker would. */
async function remind(pool: CommonQueryMethods, club: Club, playerId: number, token: string): Promise<void> {
  await pool.query(sql.unsafe`
    SELECT queue_signer_message(${club.id}, ${playerId}, 'reminder', ${token}, NULL, NULL, 'family@example.test')
  `);
  await pool.query(sql.unsafe`
    SELECT graphile_worker.add_job('queue_contract_reminder', json_build_object('tenant_id', ${club.id}::integer, 'player_id', ${playerId}::integer),
      run_at => now() + interval '3 days', job_key => contract_reminder_job_key(${club.id}, ${playerId}))
  `);
}

const reasonOf = (pool: CommonQueryMethods, club: Club, auditId: number) =>
  pool.oneFirst(sql.type(z.object({ reason: z.string().nullable() }))`
    SELECT reason FROM contract_audit_log WHERE tenant_id = ${club.id} AND id = ${auditId}
  `);

test('WITHDRAW: the state the rule names, its audit row with the reason and the teams, the unsent mail skipped, the reminder job gone', async (t) => {
  const club = await createClub(db().pool);
  const [a, b] = [await createTeam(db().pool, club), await createTeam(db().pool, club)];
  const playerId = await createPlayer(db().pool, club, { teamIds: [b, a] });
  const token = await putContractInState(db().pool, club, playerId, 'offered');
  await remind(db().pool, club, playerId, token);

  const result = await endOffer(db().pool, club, playerId, {
    event: 'WITHDRAW',
    actor: 'coach@example.test',
    source: 'admin_api',
    reason: 'Offered to the wrong player',
    unsentBecause: 'the offer was withdrawn before it left',
  });

  t.is(result.new_status, 'withdrawn');
  t.like(await readPlayer(db().pool, club, playerId), { contract_status: 'withdrawn', contract_token: token });
  const [row] = (await readAuditLog(db().pool, club, playerId)).slice(-1);
  const teamIds = [a, b].sort((x, y) => x - y);
  t.like(row, { id: result.audit_id, event_type: 'withdraw', actor: 'coach@example.test', source: 'admin_api' });
  t.like(row?.old_state, { contract_status: 'offered', contract_token: token, team_ids: teamIds });
  t.like(row?.new_state, { contract_status: 'withdrawn', contract_token: token, team_ids: teamIds });
  t.is(await reasonOf(db().pool, club, result.audit_id), 'Offered to the wrong player');
  t.like(await readMessages(db().pool, club, playerId), [
    { kind: 'offer', status: 'skipped', last_error: 'the offer was withdrawn before it left' },
    { kind: 'reminder', status: 'skipped', last_error: 'the offer was withdrawn before it left' },
  ]);
  // The offer's mail is an outbox row, with no job of its own (docs/DESIGN.md, "E-mail queue").
  const jobs = await readJobs(db().pool, club, playerId);
  t.deepEqual(jobs, [], 'the reminder job gone, and no other');
});

test('EXPIRE: the system’s expire row with no reason; another player’s reminder stays', async (t) => {
  const club = await createClub(db().pool);
  const [playerId, other] = [await createPlayer(db().pool, club), await createPlayer(db().pool, club)];
  const token = await putContractInState(db().pool, club, playerId, 'offered');
  const otherToken = await putContractInState(db().pool, club, other, 'offered');
  await remind(db().pool, club, playerId, token);
  await remind(db().pool, club, other, otherToken);

  const result = await endOffer(db().pool, club, playerId, {
    event: 'EXPIRE',
    actor: 'system',
    source: 'offer_deadline',
    reason: null,
    unsentBecause: 'the offer expired before it left',
  });

  t.is(result.new_status, 'expired');
  t.like((await readAuditLog(db().pool, club, playerId)).at(-1), {
    id: result.audit_id,
    event_type: 'expire',
    actor: 'system',
    source: 'offer_deadline',
  });
  t.is(await reasonOf(db().pool, club, result.audit_id), null);
  t.like(await readMessages(db().pool, club, playerId), [
    { kind: 'offer', last_error: 'the offer expired before it left' },
    { kind: 'reminder', last_error: 'the offer expired before it left' },
  ]);
  t.like(await readMessages(db().pool, club, other), [{ status: 'queued' }, { status: 'queued' }]);
  t.true((await readJobs(db().pool, club, other)).some((job) => job.task === 'queue_contract_reminder'));
});

test('a contract that is not offered: the state’s refusal, and nothing is stored', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'signed');
  const before = [await readPlayer(db().pool, club, playerId), await readAuditLog(db().pool, club, playerId)];

  const call = { event: 'WITHDRAW', actor: 'a', source: 'admin_api', reason: 'r', unsentBecause: 'x' };
  t.is(await sqlstateOf(endOffer(db().pool, club, playerId, call)), 'CTNOP');

  t.deepEqual([await readPlayer(db().pool, club, playerId), await readAuditLog(db().pool, club, playerId)], before);
});

test('every signer still pending is told the offer ended; one who signed already is not', async (t) => {
  const club = await createClub(db().pool);
  await setSigningPolicy(db().pool, club, 'all_guardians');
  const playerId = await createPlayer(db().pool, club);
  await addGuardians(db().pool, club, playerId, [
    { name: 'Dana Park', email: 'dana@example.test' },
    { name: 'Sam Park', email: 'sam@example.test' },
    { name: 'Alex Park', email: 'alex@example.test' },
  ]);
  await putContractInState(db().pool, club, playerId, 'offered');
  const [first] = await readSigners(db().pool, club, playerId);
  await signContract(db().pool, { token: first?.token ?? '', signedBy: 'Dana Park', signatureUrl: null, ip: null, contractVersion: 'v1' });
  const before = (await readMessages(db().pool, club, playerId)).length;

  const { audit_id: auditId } = await endOffer(db().pool, club, playerId, {
    event: 'WITHDRAW',
    actor: 'registrar@example.test',
    source: 'admin_api',
    reason: 'Moved away',
    unsentBecause: 'the offer was withdrawn before it left',
  });

  const told = (await readMessages(db().pool, club, playerId)).slice(before);
  t.deepEqual(
    told.map(({ kind, recipient }) => ({ kind, recipient })),
    [
      { kind: 'confirmation', recipient: 'sam@example.test' },
      { kind: 'confirmation', recipient: 'alex@example.test' },
    ],
  );
  const audits = await db().pool.anyFirst(sql.type(z.object({ audit_id: z.bigint() }))`
    SELECT audit_id FROM contract_messages WHERE tenant_id = ${club.id} AND id = ANY(${sql.array(
      told.map((message) => message.id),
      'int8',
    )})
  `);
  t.deepEqual(audits.map(Number), [auditId, auditId]);
});
