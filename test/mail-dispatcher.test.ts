import test from 'ava';
import { sql } from 'slonik';
import { createLogger } from '../src/logger.ts';
import type { AttemptOutcome, MessageAttempt } from '../src/worker/contract-mail-tasks.ts';
import { startMailDispatcher } from '../src/worker/mail-dispatcher.ts';
import { MAIL_CONCURRENCY, startContractWorker } from '../src/worker/contract-worker.ts';
import { createMetrics } from '../src/operations/metrics.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { eventually } from './helpers/eventually.ts';
import { startTestServer } from './helpers/server.ts';
import { startSmtpServer } from './helpers/smtp-server.ts';
import { type Club, createClub, createPlayer, putContractInState, readMessages, readOutbox } from './helpers/fixtures.ts';

// src/worker/mail-dispatcher.ts (docs/DESIGN.md, "E-mail queue"): how many messages the worker holds
// at once, against a real SMTP server that holds them, and what becomes of a message whose send
// throws in our own code before any mail is begun, which only a sender that throws can show (the
// mailer is not involved: test/contract-mail.test.ts sends end to end).

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
    // A family each: one family's e-mail budget would space its messages out.
    const playerId = await createPlayer(db.pool, club, { email: `family${i}+${club.id}@example.test` });
    await putContractInState(db.pool, club, playerId, 'offered');
    players.push(playerId);
  }
  return players;
}

const dispatch = (send: (attempt: MessageAttempt) => Promise<AttemptOutcome>, concurrency = 3) =>
  startMailDispatcher({ pool: db.pool, send, logger: createLogger('silent'), concurrency, pollIntervalMs: 50, leaseMs: 60_000 });

test.serial('the worker sends at most MAIL_CONCURRENCY messages at once, takes the next as one leaves, and each once', async (t) => {
  const smtp = await startSmtpServer();
  t.teardown(() => smtp.close());
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  smtp.respondWith(() => ({ holdUntil: released }));
  const server = await startTestServer(db.pool, { env: { SMTP_URL: smtp.url, SMTP_TIMEOUT_MS: '20000' } });
  t.teardown(() => server.close());
  const club = await createClub(db.pool);
  const players = await offers(club, MAIL_CONCURRENCY + 3);

  const worker = await startContractWorker(server.config, {
    directDatabaseUrl: db.url,
    pool: db.pool,
    metrics: createMetrics(db.pool),
    logger: createLogger('silent'),
  });
  t.teardown(() => worker.stop());
  await eventually(
    'messages held by the SMTP server',
    () => smtp.bodies(),
    (count) => count === MAIL_CONCURRENCY,
  );
  await new Promise((resolve) => setTimeout(resolve, 500));
  const claimed = async () => (await Promise.all(players.map((id) => readOutbox(db.pool, club, id)))).flat().filter((row) => row.claimed);

  t.is(smtp.bodies(), MAIL_CONCURRENCY, 'no more while every slot is busy');
  t.is((await claimed()).length, MAIL_CONCURRENCY);
  release();
  const received = await smtp.waitFor(players.length);
  await eventually(
    'every message recorded sent',
    async () => (await Promise.all(players.map((id) => readMessages(db.pool, club, id)))).flat().filter((m) => m.status === 'sent').length,
    (sent) => sent === players.length,
  );

  t.is(received.length, players.length, 'each message once');
  t.is(new Set(received.map((mail) => mail.envelope.to.join())).size, players.length);
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
