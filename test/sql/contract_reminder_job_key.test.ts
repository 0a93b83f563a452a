import { createHash } from 'node:crypto';
import test from 'ava';
import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { expireContract, withdrawContract } from '../../src/contracts/store.ts';
import { declineContract, signContract } from '../../src/family/store.ts';
import { type Club, createClub, createPlayer, putContractInState, readJobs } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/contract_reminder_job_key: the one place the key of a player's automatic reminder is spelled.

const db = useDatabase();

test('names the club and the player, in the text the reminder jobs already queued carry', async (t) => {
  t.is(
    await db().pool.oneFirst(sql.type(z.object({ key: z.string() }))`SELECT contract_reminder_job_key(7, 42) AS key`),
    'contract-reminder:7:42',
  );
});

/** A reminder as the worker schedules it after the offer's mail is sent. */
async function scheduleReminder(pool: CommonQueryMethods, club: Club, playerId: number): Promise<void> {
  await pool.query(sql.unsafe`
    SELECT graphile_worker.add_job('queue_contract_reminder', json_build_object('tenant_id', ${club.id}::integer, 'player_id', ${playerId}::integer),
      run_at => now() + interval '3 days', job_key => contract_reminder_job_key(${club.id}, ${playerId}))
  `);
}

const reminderKeys = async (pool: CommonQueryMethods, club: Club, playerId: number) =>
  (await readJobs(pool, club, playerId)).filter((job) => job.task === 'queue_contract_reminder').map((job) => job.key);

test('the job stored under it is the one a sign, a decline, a withdrawal and an expiry remove', async (t) => {
  const club = await createClub(db().pool);
  const players = [];
  for (let i = 0; i < 5; i++) {
    const playerId = await createPlayer(db().pool, club);
    players.push({ playerId, token: await putContractInState(db().pool, club, playerId, 'offered') });
    await scheduleReminder(db().pool, club, playerId);
  }
  const [signed, declined, withdrawn, expired, open] = players;
  if (signed === undefined || declined === undefined || withdrawn === undefined || expired === undefined || open === undefined) {
    throw new Error('five players');
  }
  t.deepEqual(await reminderKeys(db().pool, club, open.playerId), [`contract-reminder:${club.id}:${open.playerId}`]);

  await signContract(db().pool, { token: signed.token, signedBy: 'Dana', signatureUrl: null, ip: null, contractVersion: 'v1' });
  await declineContract(db().pool, declined.token);
  await withdrawContract(db().pool, { tenantId: club.id, playerId: withdrawn.playerId, reason: 'r', actor: 'a' });
  await expireContract(db().pool, club.id, expired.playerId, createHash('sha256').update(expired.token).digest());

  for (const { playerId } of [signed, declined, withdrawn, expired]) {
    t.deepEqual(await reminderKeys(db().pool, club, playerId), [], `player ${playerId}`);
  }
  t.deepEqual(await reminderKeys(db().pool, club, open.playerId), [`contract-reminder:${club.id}:${open.playerId}`]);
});
