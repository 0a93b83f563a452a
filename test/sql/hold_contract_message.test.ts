import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import type { FamilyMailBudget } from '../../src/config.ts';
import { offerContract } from '../../src/contracts/store.ts';
import { beginContractMessage, beginContractMessageWithinBudget } from '../../src/mail/contract-messages.ts';
import { type Club, createClub, createPlayer, putContractInState, readJobs, readMessages, readOutbox } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/hold_contract_message, as the worker reaches it: a message over the family's e-mail budget
// (sql/claim_family_mail) waits until the budget allows it: an outbox message is due then, one
// queued the previous release's way waits in a job due then.

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

test('a held offer mail is due when the budget allows, its claim let go and no job added; its attempt is not counted', async (t) => {
  const club = await createClub(db().pool);
  const family = await overBudget(club);
  const third = await family.reoffer();
  await db().pool.query(sql.unsafe`UPDATE contract_messages SET claimed_at = now() WHERE tenant_id = ${club.id} AND id = ${third}`);

  const held = await beginContractMessageWithinBudget(db().pool, club.id, third, budget);

  t.true(held !== null && 'heldUntil' in held);
  const heldUntil = held !== null && 'heldUntil' in held ? held.heldUntil.getTime() : 0;
  const dueAt = await db().pool.oneFirst(sql.type(z.object({ due_at: z.number() }))`
    SELECT due_at FROM contract_messages WHERE tenant_id = ${club.id} AND id = ${third}
  `);
  t.is(dueAt, heldUntil);
  t.like((await readOutbox(db().pool, club, family.playerId)).at(-1), {
    id: third,
    status: 'queued',
    attempts: 0,
    due: false,
    claimed: false,
  });
  t.deepEqual(await sendJobs(club, family.playerId), []);
  t.like(await beginContractMessage(db().pool, club.id, third), { kind: 'offer' }, 'the message itself is still there to send');
});

test('an offer made after the hold: the held mail is skipped when it comes due, the newer one is due now', async (t) => {
  const club = await createClub(db().pool);
  const family = await overBudget(club);
  const third = await family.reoffer();
  await beginContractMessageWithinBudget(db().pool, club.id, third, budget);

  const fourth = await family.reoffer();

  t.like((await readOutbox(db().pool, club, family.playerId)).slice(-2), [
    { id: third, status: 'queued', due: false },
    { id: fourth, status: 'queued', due: true },
  ]);
  t.is(await beginContractMessage(db().pool, club.id, third), null);
  t.like((await readMessages(db().pool, club, family.playerId)).slice(-2), [
    { id: third, status: 'skipped', last_error: 'a newer offer replaced its link before it left' },
    { id: fourth, status: 'queued' },
  ]);
});

test('a held offer mail the previous release queued with a job waits in the player’s one offer-mail job, due when the budget allows', async (t) => {
  const club = await createClub(db().pool);
  const family = await overBudget(club);
  const token = await db().pool.oneFirst(sql.type(z.object({ token: z.string() }))`
    SELECT contract_token AS token FROM players WHERE tenant_id = ${club.id} AND id = ${family.playerId}
  `);
  // As that release queued the newest offer's mail: queue_contract_message, with its job.
  const legacy = Number(
    await db().pool.oneFirst(sql.type(z.object({ id: z.bigint() }))`
      SELECT queue_contract_message(${club.id}, ${family.playerId}, 'offer', ${`held-${club.id}@example.test`}, ${token}, NULL) AS id
    `),
  );

  const held = await beginContractMessageWithinBudget(db().pool, club.id, legacy, budget);

  t.true(held !== null && 'heldUntil' in held);
  const heldUntil = held !== null && 'heldUntil' in held ? held.heldUntil.getTime() : 0;
  t.deepEqual(await sendJobs(club, family.playerId), [
    { key: `contract-offer-mail:${club.id}:${family.playerId}`, message_id: legacy, run_at: heldUntil },
  ]);
  t.like((await readOutbox(db().pool, club, family.playerId)).at(-1), { id: legacy, status: 'queued', attempts: 0, outbox: false });
  t.is((await readJobs(db().pool, club, family.playerId)).length, 1);
});
