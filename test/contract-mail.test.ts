import { randomBytes } from 'node:crypto';
import test, { type ExecutionContext } from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { createLogger } from '../src/logger.ts';
import { type Metrics, createMetrics } from '../src/operations/metrics.ts';
import { type ContractWorker, startContractWorker } from '../src/worker/contract-worker.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { type Club, createClub, createPlayer, createTeam, readJobs, readMessages, readOutbox } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { type TestServer, startTestServer } from './helpers/server.ts';
import { eventually } from './helpers/eventually.ts';
import { type ReceivedMail, type TestSmtpServer, startSmtpServer } from './helpers/smtp-server.ts';

// The family's e-mail end to end: an offer, a sign or a decline through HTTP queues its message in
// the same transaction, in the outbox (docs/DESIGN.md, "E-mail queue"); the worker, running as npm
// start runs it, sends it to a real SMTP server on loopback. Time is driven by scheduling (a job or
// a message made due now), never by sleeping for days.

let db: TestDatabase;
let smtp: TestSmtpServer;
let server: TestServer;
let worker: ContractWorker;
const metrics = () => workerMetrics;
let workerMetrics: Metrics;

test.before(async () => {
  db = await createTestDatabase();
  smtp = await startSmtpServer();
  server = await startTestServer(db.pool, {
    env: { SMTP_URL: smtp.url, SMTP_TIMEOUT_MS: '1000', MAIL_FROM: 'Club Contracts <no-reply@example.test>' },
  });
  worker = await startWorker();
});
test.after.always(async () => {
  await worker?.stop();
  await server?.close();
  await smtp?.close();
  await db?.drop();
});

const startWorker = () => {
  workerMetrics = createMetrics(db.pool);
  return startContractWorker(server.config, {
    directDatabaseUrl: db.url,
    pool: db.pool,
    metrics: workerMetrics,
    logger: createLogger('silent'),
  });
};

async function family(options: { clubName?: string } = {}) {
  const club = await createClub(db.pool, options.clubName ?? 'Westside Hoops');
  const team = await createTeam(db.pool, club, 'U12 Gold');
  const email = `family+${randomBytes(4).toString('hex')}@example.test`;
  const playerId = await createPlayer(db.pool, club, { teamIds: [team], name: 'Jacelyn Park', email });
  const token = await server.adminToken(club.slug);
  const offer = (query = '', body: Record<string, unknown> = {}) =>
    request(server.baseUrl, 'POST', `/admin/contract/offer${query}`, { token, body: { player_id: playerId, monthly_fee: 150, ...body } });
  return { club, playerId, email, token, offer };
}

const mailsTo = (email: string): ReceivedMail[] => smtp.received.filter((mail) => mail.envelope.to.includes(email));

/**
 * Makes the player's pending jobs of one task due now, as if their time had come: through
 * graphile-worker's public reschedule_jobs, the jobs found by their payload, which only its table shows.
 */
const runNow = (club: Club, playerId: number, task: 'queue_contract_reminder' | 'expire_contract') =>
  db.pool.query(sql.unsafe`
    SELECT 1 FROM graphile_worker.reschedule_jobs(
      ARRAY(
        SELECT jobs.id FROM graphile_worker._private_jobs AS jobs
        JOIN graphile_worker._private_tasks AS tasks ON tasks.id = jobs.task_id
        WHERE jobs.locked_at IS NULL AND tasks.identifier = ${task}
          AND (jobs.payload->>'tenant_id')::integer = ${club.id} AND (jobs.payload->>'player_id')::integer = ${playerId}
      ),
      run_at => now()
    )
  `);

/** Makes the player's queued messages waiting for a retry due now, as if their backoff had passed. */
const retryNow = (club: Club, playerId: number) =>
  db.pool.query(sql.unsafe`
    UPDATE contract_messages SET due_at = now()
    WHERE tenant_id = ${club.id} AND player_id = ${playerId} AND status = 'queued' AND claimed_at IS NULL AND due_at > now()
  `);

/** Waits until no message is in flight, so a test that changes how the server answers changes it for its own. */
const quiet = () =>
  eventually(
    'messages in flight',
    () =>
      db.pool.oneFirst(
        sql.type(z.object({ count: z.number() }))`SELECT count(*)::integer AS count FROM contract_messages WHERE status = 'queued'`,
      ),
    (count) => count === 0,
  );

/** Waits until the player's message has failed `attempts` times and waits, unclaimed, for its next try. */
const failedAttempts = (club: Club, playerId: number, attempts: number) =>
  eventually(
    `attempt ${attempts}`,
    async () => (await readOutbox(db.pool, club, playerId)).filter((row) => row.status === 'queued' && !row.claimed && row.attempts > 0),
    (found) => found[0]?.attempts === attempts,
    15_000,
  );

const lines = (mail: ReceivedMail) => (mail.text ?? '').split(/\r?\n/);

test.serial('an offer’s e-mail arrives within 10 s, naming the club, with the exact link the offer answered', async (t) => {
  const { club, playerId, email, offer } = await family({ clubName: 'Westside "Hoops" & Co' });
  const started = Date.now();

  const answer = await offer();

  t.is(answer.status, 200);
  const [mail] = await eventually(
    'mail',
    () => mailsTo(email),
    (mails) => mails.length === 1,
  );
  t.log(`offer to delivery: ${Date.now() - started} ms`);
  t.true(lines(mail as ReceivedMail).includes(answer.body.contract_url));
  t.regex(mail?.subject ?? '', /Westside "Hoops" & Co/);
  t.true(String(mail?.html).includes(`href="${answer.body.contract_url}"`));
  const [row] = await eventually(
    'status',
    () => readMessages(db.pool, club, playerId),
    (rows) => rows[0]?.status === 'sent',
  );
  t.like(row, { kind: 'offer', recipient: email, status: 'sent', attempts: 1, sent: true });
});

test.serial('a forced re-offer’s e-mail holds only the new link', async (t) => {
  const { email, offer } = await family();
  const first = await offer();
  await eventually(
    'first mail',
    () => mailsTo(email),
    (mails) => mails.length === 1,
  );

  const second = await offer('?force=true', { monthly_fee: 160 });

  const mails = await eventually(
    'second mail',
    () => mailsTo(email),
    (all) => all.length === 2,
  );
  const text = mails[1]?.text ?? '';
  t.true(lines(mails[1] as ReceivedMail).includes(second.body.contract_url));
  t.false(text.includes(first.body.contract_token));
});

test.serial(
  '20 forced re-offers queued before the worker takes them deliver one e-mail, with the final link; the rest are skipped',
  async (t) => {
    await worker.stop();
    const { club, playerId, email, offer } = await family();
    await offer();
    const answers = await Promise.all(Array.from({ length: 20 }, () => offer('?force=true')));
    t.true(answers.every((answer) => answer.status === 200));
    const final = await db.pool.oneFirst(sql.type(z.object({ token: z.string() }))`
    SELECT contract_token AS token FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}
  `);

    worker = await startWorker();

    const [mail] = await eventually(
      'one mail',
      () => mailsTo(email),
      (mails) => mails.length === 1,
    );
    t.true((mail?.text ?? '').includes(final));
    const rows = await eventually(
      'all settled',
      () => readMessages(db.pool, club, playerId),
      (all) => all.every((row) => row.status !== 'queued'),
    );
    t.is(rows.length, 21);
    t.is(rows.filter((row) => row.status === 'sent').length, 1);
    t.is(rows.filter((row) => row.status === 'skipped').length, 20);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    t.is(mailsTo(email).length, 1, 'and no second one later');
  },
);

test.serial('a refused offer queues no e-mail', async (t) => {
  const { club, playerId, offer } = await family();
  await offer();
  const ids = async () => (await readMessages(db.pool, club, playerId)).map((row) => row.id);
  const before = await ids();

  t.is((await offer()).status, 409);
  t.is((await offer('?force=true', { target_team_id: 2_000_000_000 })).status, 422);

  t.deepEqual(await ids(), before);
});

test.serial('a server answering 451 twice, then 250, gets the message once, after retries, under one Message-ID', async (t) => {
  const { club, playerId, email, offer } = await family();
  await quiet();
  let refusals = 0;
  smtp.respondWith(() => (refusals++ < 2 ? { code: 451, message: 'Try again later' } : 'accept'));
  t.teardown(() => smtp.respondWith(() => 'accept'));

  await offer();
  for (const attempts of [1, 2]) {
    await failedAttempts(club, playerId, attempts);
    t.like((await readMessages(db.pool, club, playerId))[0], { status: 'queued', attempts, last_error: '451 Try again later' });
    await retryNow(club, playerId);
  }

  const [mail] = await eventually(
    'mail',
    () => mailsTo(email),
    (mails) => mails.length === 1,
    15_000,
  );
  const [row] = await eventually(
    'sent',
    () => readMessages(db.pool, club, playerId),
    (rows) => rows[0]?.status === 'sent',
  );
  t.like(row, { status: 'sent', attempts: 3, last_error: null });
  const messageId = await db.pool.oneFirst(sql.type(z.object({ id: z.string() }))`
    SELECT message_id::text AS id FROM contract_messages WHERE tenant_id = ${club.id} AND player_id = ${playerId}
  `);
  t.is(mail?.messageId, `<${messageId}@contracts.example.test>`);
});

test.serial('a 550 for the recipient fails the message, with the server’s reason, and is not retried', async (t) => {
  const { club, playerId, email, offer } = await family();
  await quiet();
  smtp.respondWith(() => ({ code: 550, message: 'No such mailbox', at: 'rcpt' }));
  t.teardown(() => smtp.respondWith(() => 'accept'));

  await offer();

  const [row] = await eventually(
    'failed',
    () => readMessages(db.pool, club, playerId),
    (rows) => rows[0]?.status === 'failed',
  );
  t.like(row, { status: 'failed', attempts: 1 });
  t.regex(row?.last_error ?? '', /550.*No such mailbox/);
  t.deepEqual(mailsTo(email), []);
  // Done: no longer due, never taken again.
  await new Promise((resolve) => setTimeout(resolve, 1500));
  t.like((await readMessages(db.pool, club, playerId))[0], { status: 'failed', attempts: 1 });
  t.deepEqual(mailsTo(email), []);
});

test.serial(
  'a server that accepts the connection and never answers times out, the message is retried, and offers are answered meanwhile',
  async (t) => {
    const { club, playerId, email, offer } = await family();
    await quiet();
    let hung = 0;
    smtp.respondWith(() => (hung++ === 0 ? 'hang' : 'accept'));
    t.teardown(() => smtp.respondWith(() => 'accept'));

    const started = Date.now();
    const bodiesBefore = smtp.bodies();
    t.is((await offer()).status, 200);
    // The worker takes up the jobs it finds together: the other family's mail must not be the one
    // that hangs, so it is offered once this one hangs.
    await eventually(
      'the hanging message',
      async () => smtp.bodies(),
      (bodies) => bodies > bodiesBefore,
    );
    const other = await family();
    t.is((await other.offer()).status, 200, 'another offer is answered while the mail hangs');
    t.is((await request(server.baseUrl, 'GET', '/readyz')).status, 200, 'an SMTP outage is not the service’s readiness');
    t.true(Date.now() - started < 15_000);

    await failedAttempts(club, playerId, 1);
    await retryNow(club, playerId);
    await eventually(
      'mail',
      () => mailsTo(email),
      (mails) => mails.length === 1,
      15_000,
    );
    t.like(
      (
        await eventually(
          'sent',
          () => readMessages(db.pool, club, playerId),
          (rows) => rows[0]?.status === 'sent',
        )
      )[0],
      {
        attempts: 2,
      },
    );
  },
);

async function answered(t: ExecutionContext, action: 'sign' | 'decline') {
  const { club, playerId, email, offer } = await family();
  const { body } = await offer();
  await eventually(
    'offer mail',
    () => mailsTo(email),
    (mails) => mails.length === 1,
  );

  const answer = await request(server.baseUrl, 'POST', `/contract/${body.contract_token}/${action}`, {
    body: action === 'sign' ? { signed_by: 'Dana Park' } : undefined,
  });

  t.is(answer.status, 200);
  const mails = await eventually(
    'confirmation',
    () => mailsTo(email),
    (all) => all.length === 2,
  );
  const rows = await eventually(
    'sent',
    () => readMessages(db.pool, club, playerId),
    (all) => all[1]?.status === 'sent',
  );
  t.like(rows, [{ kind: 'offer' }, { kind: 'confirmation', status: 'sent' }]);
  return { mail: mails[1] as ReceivedMail, contractUrl: body.contract_url as string, token: body.contract_token as string };
}

test.serial('a signature sends one confirmation: who signed, the fee, the teams, the version, and the receipt link', async (t) => {
  const { mail, contractUrl, token } = await answered(t, 'sign');
  const text = mail.text ?? '';
  t.regex(text, /Dana Park/);
  t.regex(text, /U12 Gold/);
  t.regex(text, /\$150/);
  t.regex(text, /v1/);
  t.true(lines(mail).includes(`${contractUrl}/receipt`), text);
  const receipt = await request(server.baseUrl, 'GET', `/contract/${token}/receipt`, { headers: { accept: 'text/html' } });
  t.is(receipt.status, 200, 'the link opens the receipt');
});

test.serial(
  "the club's contact e-mail is the Reply-To of its offers and confirmations, and its times are in the club's zone",
  async (t) => {
    const { email, token, offer } = await family({ clubName: 'Westside "Hoops" & Co' });
    const settings = await request(server.baseUrl, 'PATCH', '/admin/club', {
      token,
      body: { contact_email: 'registrar+u12@westside.example.test', time_zone: 'America/Argentina/Buenos_Aires' },
    });
    t.is(settings.status, 200);
    const { body } = await offer();
    await eventually(
      'offer mail',
      () => mailsTo(email),
      (mails) => mails.length === 1,
    );
    await request(server.baseUrl, 'POST', `/contract/${body.contract_token}/sign`, { body: { signed_by: 'Dana Park' } });
    const mails = await eventually(
      'confirmation',
      () => mailsTo(email),
      (all) => all.length === 2,
    );

    for (const mail of mails) {
      t.deepEqual(
        mail.replyTo?.value.map(({ address }) => address),
        ['registrar+u12@westside.example.test'],
        mail.subject,
      );
      t.is(mail.from?.value[0]?.address, 'no-reply@example.test', 'the sender stays MAIL_FROM');
      t.true(
        lines(mail).includes(
          'Questions about the contract? Write to the club at registrar+u12@westside.example.test, or reply to this e-mail.',
        ),
      );
      t.is(String(mail.raw).match(/^Reply-To:/gim)?.length, 1, 'one Reply-To header');
    }
    const signedOn = lines(mails[1] as ReceivedMail).find((line) => line.startsWith('Signed on: '));
    t.regex(
      signedOn ?? '',
      /^Signed on: \w+ \d+, \d{4} at \d+:\d\d [AP]M \(America\/Argentina\/Buenos_Aires, UTC-3\) \(\d{4}-\d\d-\d\dT[\d:]+Z\)$/,
    );
  },
);

test.serial('a club without a contact e-mail sends no Reply-To', async (t) => {
  const { email, offer } = await family();
  await offer();
  const [mail] = await eventually(
    'mail',
    () => mailsTo(email),
    (mails) => mails.length === 1,
  );
  t.is(mail?.replyTo, undefined);
  t.false(/^Reply-To:/im.test(String(mail?.raw)));
});

test.serial('a decline sends one confirmation of the decline', async (t) => {
  const { mail } = await answered(t, 'decline');
  t.regex(`${mail.subject} ${mail.text}`, /declined/i);
  t.false((mail.text ?? '').includes('/receipt'), 'no receipt for a decline');
});

test.serial('automatic reminders: the first falls due after the interval and is sent; after signing no other is', async (t) => {
  const { club, playerId, email, offer } = await family();
  const { body } = await offer();
  await eventually(
    'offer mail',
    () => mailsTo(email),
    (mails) => mails.length === 1,
  );
  const scheduled = await eventually(
    'reminder scheduled',
    () => readJobs(db.pool, club, playerId),
    (jobs) => jobs.some((job) => job.task === 'queue_contract_reminder'),
  );
  t.deepEqual(
    scheduled.filter((job) => job.task === 'queue_contract_reminder').map((job) => job.key),
    [`contract-reminder:${club.id}:${playerId}`],
  );
  const dueInDays = await db.pool.oneFirst(sql.type(z.object({ days: z.number() }))`
    SELECT round(extract(epoch FROM run_at - now()) / 86400)::integer AS days FROM graphile_worker._private_jobs WHERE key = ${`contract-reminder:${club.id}:${playerId}`}
  `);
  t.is(dueInDays, 3, 'REMINDER_INTERVAL_DAYS after the offer');

  await runNow(club, playerId, 'queue_contract_reminder');
  const reminders = await eventually(
    'reminder',
    () => mailsTo(email),
    (mails) => mails.length === 2,
  );
  t.true(lines(reminders[1] as ReceivedMail).includes(body.contract_url));
  t.like(await readMessages(db.pool, club, playerId), [{ kind: 'offer' }, { kind: 'reminder' }]);

  await request(server.baseUrl, 'POST', `/contract/${body.contract_token}/sign`, { body: { signed_by: 'Dana Park' } });
  await eventually(
    'confirmation',
    () => mailsTo(email),
    (mails) => mails.length === 3,
  );
  t.false(
    (await readJobs(db.pool, club, playerId)).some((job) => job.task === 'queue_contract_reminder'),
    'the next reminder is cancelled',
  );
  await runNow(club, playerId, 'queue_contract_reminder');
  await new Promise((resolve) => setTimeout(resolve, 3000));
  t.is(mailsTo(email).length, 3, 'no reminder after signing');
});

test.serial('POST /admin/contracts/remind queues a reminder, answers each skip, and the contract view lists the messages', async (t) => {
  const { club, playerId, email, token, offer } = await family();
  await offer();
  await eventually(
    'offer mail',
    () => mailsTo(email),
    (mails) => mails.length === 1,
  );
  await db.pool.query(sql.unsafe`UPDATE contract_messages SET created_at = now() - interval '2 hours' WHERE tenant_id = ${club.id}`);
  const other = await family();
  await other.offer();
  const remind = (body: unknown) => request(server.baseUrl, 'POST', '/admin/contracts/remind', { token, body });

  const dry = await remind({ player_ids: [playerId, other.playerId], dry_run: true });
  t.deepEqual(dry.body, { queued: [playerId], skipped: [{ player_id: other.playerId, reason: 'player_not_found' }] });
  t.is((await readMessages(db.pool, club, playerId)).length, 1, 'a dry run queues nothing');

  const sent = await remind({});
  t.deepEqual(sent.body, { queued: [playerId], skipped: [] });
  await eventually(
    'reminder',
    () => mailsTo(email),
    (mails) => mails.length === 2,
  );
  t.deepEqual((await remind({ player_ids: [playerId] })).body, {
    queued: [],
    skipped: [{ player_id: playerId, reason: 'reminded_recently' }],
  });

  const view = await eventually(
    'view',
    () => request(server.baseUrl, 'GET', `/admin/players/${playerId}/contract`, { token }),
    (reply) => reply.body.messages?.[0]?.status === 'sent',
  );
  t.like(view.body.messages, [
    { kind: 'reminder', to: email, status: 'sent', attempts: 1, error: null },
    { kind: 'offer', to: email, status: 'sent', attempts: 1, error: null },
  ]);
});

test.serial('/metrics counts messages by kind and outcome, times delivery, and shows the queue', async (t) => {
  const { email, offer } = await family();
  await offer();
  await eventually(
    'mail',
    () => mailsTo(email),
    (mails) => mails.length === 1,
  );
  await quiet();

  const text = await metrics().registry.metrics();

  t.regex(text, /^mail_messages_total\{kind="offer",outcome="sent"\} [1-9]\d*$/m);
  t.regex(text, /^mail_delivery_seconds_count [1-9]\d*$/m);
  t.regex(text, /^job_queue_jobs\{state="waiting"\} \d+$/m);
  t.regex(text, /^job_queue_jobs\{state="locked"\} \d+$/m);
});

test.serial('an offer unsigned at its deadline expires through the job queue; its link then answers 410 contract_expired', async (t) => {
  const { club, playerId, email, offer } = await family();
  const { body } = await offer();
  await eventually(
    'offer mail',
    () => mailsTo(email),
    (mails) => mails.length === 1,
  );
  const key = `contract-expiry:${club.id}:${playerId}`;
  const dueInDays = await eventually(
    'expiry scheduled',
    () =>
      db.pool.anyFirst(sql.type(z.object({ days: z.number() }))`
        SELECT round(extract(epoch FROM run_at - now()) / 86400)::integer AS days FROM graphile_worker._private_jobs WHERE key = ${key}
      `),
    (days) => days.length === 1,
  );
  t.deepEqual(dueInDays, [30], 'OFFER_VALID_DAYS after the offer');

  await runNow(club, playerId, 'expire_contract');

  await eventually(
    'expired',
    () =>
      db.pool.oneFirst(
        sql.type(
          z.object({ status: z.string() }),
        )`SELECT contract_status AS status FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}`,
      ),
    (status) => status === 'expired',
  );
  const link = await request(server.baseUrl, 'GET', `/contract/${body.contract_token}`);
  t.is(link.status, 410);
  t.is(link.body.error.code, 'contract_expired');
});

test.serial('a signature that wins the race against the deadline stays signed', async (t) => {
  const { club, playerId, email, offer } = await family();
  const { body } = await offer();
  await eventually(
    'offer mail',
    () => mailsTo(email),
    (mails) => mails.length === 1,
  );
  await request(server.baseUrl, 'POST', `/contract/${body.contract_token}/sign`, { body: { signed_by: 'Dana Park' } });

  await runNow(club, playerId, 'expire_contract');
  await eventually(
    'no job left',
    () => readJobs(db.pool, club, playerId),
    (jobs) => jobs.every((job) => job.task !== 'expire_contract'),
  );

  const status = await db.pool.oneFirst(
    sql.type(
      z.object({ status: z.string() }),
    )`SELECT contract_status AS status FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}`,
  );
  t.is(status, 'signed');
});

// The outbox's own guarantees (docs/DESIGN.md, "E-mail queue").

test.serial(
  'a newer offer’s mail replaces the older one’s: the older ends skipped when the worker takes it, only the newer is delivered',
  async (t) => {
    await worker.stop();
    const { club, playerId, email, offer } = await family();
    const older = await offer();
    const newer = await offer('?force=true', { monthly_fee: 175 });
    t.like(await readMessages(db.pool, club, playerId), [{ status: 'queued' }, { status: 'queued' }], 'queuing wrote no skip');

    worker = await startWorker();

    const [mail] = await eventually(
      'the newer offer’s mail',
      () => mailsTo(email),
      (mails) => mails.length === 1,
    );
    t.true(lines(mail as ReceivedMail).includes(newer.body.contract_url));
    t.false((mail?.text ?? '').includes(older.body.contract_token));
    t.like(
      await eventually(
        'both settled',
        () => readMessages(db.pool, club, playerId),
        (rows) => rows.every((row) => row.status !== 'queued'),
      ),
      [
        { status: 'skipped', attempts: 0, last_error: 'a newer offer replaced its link before it left', sent: false },
        { status: 'sent', attempts: 1, sent: true },
      ],
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    t.is(mailsTo(email).length, 1);
  },
);

test.serial('a failed send is retried after its backoff, by itself, and each attempt is counted', async (t) => {
  const { club, playerId, email, offer } = await family();
  await quiet();
  let refusals = 0;
  smtp.respondWith(() => (refusals++ < 1 ? { code: 451, message: 'Greylisted' } : 'accept'));
  t.teardown(() => smtp.respondWith(() => 'accept'));

  await offer();
  const [waiting] = await failedAttempts(club, playerId, 1);
  t.like(waiting, { status: 'queued', attempts: 1, claimed: false, due: false });
  // graphile-worker's backoff after a first attempt: e^1 s.
  t.true((waiting?.due_in_s ?? 0) > 1 && (waiting?.due_in_s ?? 0) <= Math.E, `due again in ${waiting?.due_in_s} s`);
  t.like((await readMessages(db.pool, club, playerId))[0], { last_error: '451 Greylisted' });

  await eventually(
    'the retry delivered',
    () => mailsTo(email),
    (mails) => mails.length === 1,
  );
  t.like(
    (
      await eventually(
        'sent',
        () => readMessages(db.pool, club, playerId),
        (rows) => rows[0]?.status === 'sent',
      )
    )[0],
    { attempts: 2, last_error: null },
  );
  t.regex(await metrics().registry.metrics(), /^mail_messages_total\{kind="offer",outcome="retried"\} [1-9]\d*$/m);
});

test.serial('a message claimed by a worker that died is sent once its lease runs out', async (t) => {
  await worker.stop();
  const { club, playerId, email, offer } = await family();
  await offer();
  const [queued] = await readMessages(db.pool, club, playerId);
  // A worker claims it for 3 s, begins its attempt, and dies before sending.
  await db.pool.query(sql.unsafe`SELECT * FROM claim_contract_messages(100, interval '3 seconds')`);
  await db.pool.query(sql.unsafe`SELECT * FROM begin_signer_message(${club.id}, ${queued?.id ?? 0})`);
  t.like(await readOutbox(db.pool, club, playerId), [{ status: 'queued', attempts: 1, claimed: true, due: false }]);

  worker = await startWorker();
  await new Promise((resolve) => setTimeout(resolve, 1000));
  t.deepEqual(mailsTo(email), [], 'not taken while the lease runs');

  await eventually(
    'sent after the lease',
    () => mailsTo(email),
    (mails) => mails.length === 1,
  );
  t.like(
    (
      await eventually(
        'sent',
        () => readMessages(db.pool, club, playerId),
        (rows) => rows[0]?.status === 'sent',
      )
    )[0],
    { attempts: 2 },
  );
});

test.serial('two workers on one queue send each of 24 messages exactly once', async (t) => {
  const second = await startWorker();
  t.teardown(() => second.stop());
  const club = await createClub(db.pool);
  const token = await server.adminToken(club.slug);
  const emails: string[] = [];
  for (let i = 0; i < 24; i += 1) {
    const email = `two-workers-${club.id}-${i}@example.test`;
    emails.push(email);
    const playerId = await createPlayer(db.pool, club, { email });
    t.is(
      (await request(server.baseUrl, 'POST', '/admin/contract/offer', { token, body: { player_id: playerId, monthly_fee: 150 } })).status,
      200,
    );
  }

  await eventually(
    'every message delivered',
    () => emails.filter((email) => mailsTo(email).length > 0).length,
    (count) => count === emails.length,
  );
  await quiet();
  await new Promise((resolve) => setTimeout(resolve, 1500));
  for (const email of emails) t.is(mailsTo(email).length, 1, `${email}: once`);
  const rows = await db.pool.any(sql.type(z.object({ status: z.string(), attempts: z.number() }))`
    SELECT status, attempts FROM contract_messages WHERE tenant_id = ${club.id}
  `);
  t.true(
    rows.every((row) => row.status === 'sent' && row.attempts === 1),
    JSON.stringify(rows),
  );
});

test.serial('a message the previous release queued with a job (enqueue_contract_job) is delivered exactly once, by its job', async (t) => {
  const { club, playerId, email, offer } = await family();
  const { body } = await offer();
  await eventually(
    'offer mail',
    () => mailsTo(email),
    (mails) => mails.length === 1,
  );

  // As the previous release queues a reminder: queue_contract_message, which adds its job.
  const id = Number(
    await db.pool.oneFirst(sql.type(z.object({ id: z.bigint() }))`
      SELECT queue_contract_message(${club.id}, ${playerId}, 'reminder', ${email}, ${body.contract_token}, NULL) AS id
    `),
  );
  t.like((await readOutbox(db.pool, club, playerId)).at(-1), { id, outbox: false });
  t.deepEqual(
    (await readJobs(db.pool, club, playerId)).filter((job) => job.task === 'send_contract_message').map((job) => job.message_id),
    [id],
  );

  const mails = await eventually(
    'the reminder',
    () => mailsTo(email),
    (all) => all.length === 2,
  );
  t.true(lines(mails[1] as ReceivedMail).includes(body.contract_url));
  t.like(
    (
      await eventually(
        'sent',
        () => readMessages(db.pool, club, playerId),
        (rows) => rows.at(-1)?.status === 'sent',
      )
    ).at(-1),
    { id, kind: 'reminder', status: 'sent', attempts: 1 },
  );
  await eventually(
    'its job done',
    () => readJobs(db.pool, club, playerId),
    (jobs) => !jobs.some((job) => job.task === 'send_contract_message'),
  );
  await new Promise((resolve) => setTimeout(resolve, 1500));
  t.is(mailsTo(email).length, 2, 'and never a second time');
});
