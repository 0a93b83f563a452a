import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import type { FamilyMailBudget } from '../../src/config.ts';
import { offerContract } from '../../src/contracts/store.ts';
import { beginContractMessage, beginContractMessageWithinBudget } from '../../src/mail/contract-messages.ts';
import { type Club, createClub, createPlayer, putContractInState, readMessages } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/hold_contract_message, as the worker reaches it: a message over the family's e-mail budget
// (sql/claim_family_mail) waits in a job due when the budget allows it.

const db = useDatabase();

const budget: FamilyMailBudget = { perHour: 6, spacingSeconds: 30 };

/** A player whose two offer mails have left; a third offer's mail is then over the budget. */
async function overBudget(club: Club) {
  const playerId = await createPlayer(db().pool, club, { email: `held-${club.id}@example.test` });
  const reoffer = async () => {
    await offerContract(db().pool, { tenantId: club.id, playerId, monthlyFee: 170, targetTeamId: null, force: true, actor: 'a' });
    return (await readMessages(db().pool, club, playerId)).at(-1)?.id ?? 0;
  };
  await putContractInState(db().pool, club, playerId, 'offered');
  await beginContractMessageWithinBudget(db().pool, club.id, (await readMessages(db().pool, club, playerId))[0]?.id ?? 0, budget);
  await beginContractMessageWithinBudget(db().pool, club.id, await reoffer(), budget);
  return { playerId, reoffer };
}

/** The player's pending send jobs: their key, message and when they are due. */
const sendJobs = (club: Club, playerId: number) =>
  db().pool.any(sql.type(z.object({ key: z.string().nullable(), message_id: z.number(), run_at: z.number() }))`
    SELECT jobs.key, (jobs.payload->>'message_id')::integer AS message_id, jobs.run_at
    FROM graphile_worker._private_jobs AS jobs
    JOIN graphile_worker._private_tasks AS tasks ON tasks.id = jobs.task_id
    WHERE tasks.identifier = 'send_contract_message' AND (jobs.payload->>'tenant_id')::integer = ${club.id}
      AND (jobs.payload->>'message_id')::bigint IN (SELECT id FROM contract_messages WHERE tenant_id = ${club.id} AND player_id = ${playerId})
    ORDER BY jobs.id
  `);

test('a held offer mail waits in the player’s one offer-mail job, due when the budget allows; its attempt is not counted', async (t) => {
  const club = await createClub(db().pool);
  const family = await overBudget(club);
  const third = await family.reoffer();

  const held = await beginContractMessageWithinBudget(db().pool, club.id, third, budget);

  t.true(held !== null && 'heldUntil' in held);
  const heldUntil = held !== null && 'heldUntil' in held ? held.heldUntil.getTime() : 0;
  t.deepEqual(await sendJobs(club, family.playerId), [
    { key: `contract-offer-mail:${club.id}:${family.playerId}`, message_id: third, run_at: heldUntil },
  ]);
  t.like((await readMessages(db().pool, club, family.playerId)).at(-1), { id: third, status: 'queued', attempts: 0 });
  t.like(await beginContractMessage(db().pool, club.id, third), { kind: 'offer' }, 'the message itself is still there to send');
});

test('an offer made after the hold replaces the held job with its own message', async (t) => {
  const club = await createClub(db().pool);
  const family = await overBudget(club);
  await beginContractMessageWithinBudget(db().pool, club.id, await family.reoffer(), budget);

  const fourth = await family.reoffer();

  t.deepEqual(
    (await sendJobs(club, family.playerId)).map((job) => job.message_id),
    [fourth],
  );
});
