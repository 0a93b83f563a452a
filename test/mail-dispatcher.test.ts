import test from 'ava';
import { sql } from 'slonik';
import { createLogger } from '../src/logger.ts';
import type { AttemptOutcome, MessageAttempt } from '../src/worker/contract-mail-tasks.ts';
import { startMailDispatcher } from '../src/worker/mail-dispatcher.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { eventually } from './helpers/eventually.ts';
import { type Club, createClub, createPlayer, putContractInState, readMessages, readOutbox } from './helpers/fixtures.ts';

// src/worker/mail-dispatcher.ts with a stand-in for the sender: how many messages it holds at once,
// that it never takes one twice, and what becomes of a message whose send throws
// (docs/DESIGN.md, "E-mail queue"). The real sender is tested end to end in test/contract-mail.test.ts.

let db: TestDatabase;
test.before(async () => {
  db = await createTestDatabase();
});
test.after.always(async () => {
  await db?.drop();
});

async function offers(club: Club, count: number): Promise<number[]> {
  const players: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const playerId = await createPlayer(db.pool, club);
    await putContractInState(db.pool, club, playerId, 'offered');
    players.push(playerId);
  }
  return players;
}

const dispatch = (send: (attempt: MessageAttempt) => Promise<AttemptOutcome>, concurrency = 3) =>
  startMailDispatcher({ pool: db.pool, send, logger: createLogger('silent'), concurrency, pollIntervalMs: 50, leaseMs: 60_000 });

test.serial('holds at most `concurrency` messages at once, takes the next as a slot frees, and never one twice', async (t) => {
  const club = await createClub(db.pool);
  const players = await offers(club, 7);
  const taken: number[] = [];
  let inHand = 0;
  let most = 0;
  const gates: Array<() => void> = [];
  const dispatcher = await dispatch(async ({ messageId }) => {
    taken.push(messageId);
    inHand += 1;
    most = Math.max(most, inHand);
    await new Promise<void>((resolve) => gates.push(resolve));
    inHand -= 1;
    return 'done';
  });
  t.teardown(() => dispatcher.stop());

  await eventually(
    'a first batch',
    () => taken.length,
    (count) => count === 3,
  );
  await new Promise((resolve) => setTimeout(resolve, 300));
  t.is(taken.length, 3, 'no more while every slot is busy');
  const claimed = async () => (await Promise.all(players.map((id) => readOutbox(db.pool, club, id)))).flat().filter((row) => row.claimed);
  t.is((await claimed()).length, 3);

  while (taken.length < 7 || gates.length > 0) {
    gates.shift()?.();
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await dispatcher.stop();

  t.is(most, 3);
  t.is(new Set(taken).size, 7, 'each message taken once');
  t.is((await claimed()).length, 7, 'each claimed (the stand-in records nothing: they wait for their lease)');
});

test.serial(
  'a send that throws counts its attempt and queues the message again after its backoff; on the last attempt it fails',
  async (t) => {
    const club = await createClub(db.pool);
    const [retried, last] = await offers(club, 2);
    const [lastMessage] = await readMessages(db.pool, club, last ?? 0);
    await db.pool.query(
      sql.unsafe`UPDATE contract_messages SET attempts = 7 WHERE tenant_id = ${club.id} AND id = ${lastMessage?.id ?? 0}`,
    );
    const seen: MessageAttempt[] = [];
    const dispatcher = await dispatch(async (attempt) => {
      seen.push(attempt);
      throw new Error('a fault of ours');
    });
    t.teardown(() => dispatcher.stop());

    await eventually(
      'both tried',
      () => seen.length,
      (count) => count === 2,
    );
    await dispatcher.stop();

    t.like(
      seen.find((attempt) => attempt.messageId === lastMessage?.id),
      { attempt: 8, maxAttempts: 8 },
    );
    const [again] = await readOutbox(db.pool, club, retried ?? 0);
    t.like(again, { status: 'queued', attempts: 1, claimed: false, due: false });
    t.true((again?.due_in_s ?? 0) > 1 && (again?.due_in_s ?? 0) <= Math.E);
    t.like(await readMessages(db.pool, club, retried ?? 0), [{ last_error: 'Error: a fault of ours' }]);
    t.like(await readMessages(db.pool, club, last ?? 0), [{ status: 'failed', attempts: 8, last_error: 'Error: a fault of ours' }]);
  },
);
