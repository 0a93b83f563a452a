import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { simpleParser } from 'mailparser';
import { sql } from 'slonik';
import { parseConfig } from '../src/config.ts';
import { loadOrCreateLocalSigningKey } from '../src/identity/local-signing-key.ts';
import { mintAdminToken } from '../src/identity/mint-admin-token.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { createClub, createPlayer, putContractInState, readMessages, readOutbox } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { CONTRACT_BASE_URL } from './helpers/server.ts';
import { startServiceProcess } from './helpers/service-process.ts';
import { eventually } from './helpers/eventually.ts';
import { type TestSmtpServer, startSmtpServer } from './helpers/smtp-server.ts';

// The worker as deployments run it: inside `npm start`, and as `npm run worker` processes that
// share one queue. Real processes, real signals; time is driven by scheduling, not by waiting.

let db: TestDatabase;
let smtp: TestSmtpServer;
test.before(async () => {
  db = await createTestDatabase();
  smtp = await startSmtpServer();
});
test.after.always(async () => {
  await smtp?.close();
  await db?.drop();
});

interface WorkerProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** What it has written to stdout (its log) so far. */
  readonly log: () => string;
}

/** `npm run worker` as a real process; resolves once it works the queue. */
async function startWorkerProcess(env: Record<string, string>): Promise<WorkerProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/worker-main.ts')], {
    env: { ...process.env, LOG_LEVEL: 'info', DATABASE_URL: db.url, CONTRACT_BASE_URL, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let output = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk) => {
      output += String(chunk);
      if (output.includes('"msg":"worker started"')) resolve();
    });
    void exited.then(({ code }) => reject(new Error(`the worker exited (${code}) before starting`)));
  });
  return { child, exited, log: () => output };
}

const mailsTo = (email: string) => smtp.received.filter((mail) => mail.envelope.to.includes(email));

test.serial('npm start with no SMTP_URL writes the offer’s e-mail as an .eml file under DATA_DIR/mail, and logs no link', async (t) => {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-eml-'));
  t.teardown(() => fs.rm(dataDir, { recursive: true, force: true }));
  const env = { DATABASE_URL: db.url, DATA_DIR: dataDir, CONTRACT_BASE_URL };
  const { identity } = parseConfig(env);
  if (identity.mode !== 'local') throw new Error('the service runs with the local key pair');
  const key = await loadOrCreateLocalSigningKey(identity.keyFile);
  const service = await startServiceProcess(env);
  t.teardown(() => service.child.kill('SIGKILL'));
  const club = await createClub(db.pool, 'Demo Club');
  const playerId = await createPlayer(db.pool, club, { email: 'park@example.test' });
  const token = await mintAdminToken(identity, key, { tenantSlug: club.slug, email: 'coach@example.test', ttlSeconds: 600 });

  const offer = await request(service.baseUrl, 'POST', '/admin/contract/offer', { token, body: { player_id: playerId, monthly_fee: 150 } });

  t.is(offer.status, 200);
  const mailDir = path.join(dataDir, 'mail');
  // Only finished files: the mailer writes a `.partial` file first and renames it when complete.
  const [file] = await eventually(
    'an .eml file',
    async () => (await fs.readdir(mailDir).catch(() => [])).filter((name) => name.endsWith('.eml')),
    (files) => files.length === 1,
  );
  const mail = await simpleParser(await fs.readFile(path.join(mailDir, file ?? '')));
  t.true((mail.text ?? '').split(/\r?\n/).includes(offer.body.contract_url));
  t.regex(mail.subject ?? '', /Demo Club/);
  await eventually(
    'sent',
    () => readMessages(db.pool, club, playerId),
    (rows) => rows[0]?.status === 'sent',
  );
  service.child.kill('SIGTERM');
  t.like(await service.exited, { code: 0 });
  t.false(JSON.stringify(service.logs).includes(offer.body.contract_token), 'no log line holds the token');
  t.true(service.logs.some((line) => line.msg === 'stopped'));
});

test.serial('npm run worker with no SMTP_URL says at start that e-mail is written as files, and where', async (t) => {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-worker-'));
  t.teardown(() => fs.rm(dataDir, { recursive: true, force: true }));

  const worker = await startWorkerProcess({ DATA_DIR: dataDir, SMTP_URL: '' });
  worker.child.kill('SIGTERM');
  await worker.exited;

  const warning = worker
    .log()
    .split('\n')
    .find((line) => line.includes('no SMTP_URL'));
  t.like(JSON.parse(warning ?? '{}'), {
    mail_dir: path.join(dataDir, 'mail'),
    msg: 'no SMTP_URL: e-mail is written as .eml files there, not sent',
  });
});

test.serial('two worker processes on one queue send each message once', async (t) => {
  const workers = await Promise.all([startWorkerProcess({ SMTP_URL: smtp.url }), startWorkerProcess({ SMTP_URL: smtp.url })]);
  t.teardown(() => {
    for (const worker of workers) worker.child.kill('SIGKILL');
  });
  const club = await createClub(db.pool);
  const emails = Array.from({ length: 12 }, (_, i) => `twice-${club.id}-${i}@example.test`);

  for (const email of emails) await putContractInState(db.pool, club, await createPlayer(db.pool, club, { email }), 'offered');

  await eventually(
    'every message',
    () => emails.filter((email) => mailsTo(email).length > 0).length,
    (count) => count === emails.length,
  );
  await new Promise((resolve) => setTimeout(resolve, 1000));
  t.deepEqual(
    emails.map((email) => mailsTo(email).length),
    emails.map(() => 1),
  );
  const messageIds = emails.flatMap((email) => mailsTo(email).map((mail) => mail.messageId));
  t.is(new Set(messageIds).size, emails.length);
  for (const worker of workers) worker.child.kill('SIGTERM');
  for (const worker of workers) t.like(await worker.exited, { code: 0 });
});

test.serial('a worker killed while sending leaves the message queued, and another sends it once its claim’s lease lapses', async (t) => {
  smtp.respondWith(() => 'hang');
  t.teardown(() => smtp.respondWith(() => 'accept'));
  const killed = await startWorkerProcess({ SMTP_URL: smtp.url, SMTP_TIMEOUT_MS: '60000' });
  t.teardown(() => killed.child.kill('SIGKILL'));
  const club = await createClub(db.pool);
  const email = `killed-${club.id}@example.test`;
  const playerId = await createPlayer(db.pool, club, { email });
  const sentBefore = smtp.connections();

  await putContractInState(db.pool, club, playerId, 'offered');
  await eventually(
    'the send began',
    () => smtp.connections(),
    (count) => count > sentBefore,
  );
  await eventually(
    'attempt counted',
    () => readMessages(db.pool, club, playerId),
    (rows) => rows[0]?.attempts === 1,
  );
  killed.child.kill('SIGKILL');
  t.is((await killed.exited).signal, 'SIGKILL');

  t.like(await readMessages(db.pool, club, playerId), [{ status: 'queued', attempts: 1 }], 'not lost: still queued');
  const [claimed] = await readOutbox(db.pool, club, playerId);
  t.like(claimed, { claimed: true, due: false }, 'claimed by the worker that died');
  // The claim's lease (src/worker/contract-worker.ts, mailLeaseMs: 20 minutes with this timeout).
  t.true((claimed?.due_in_s ?? 0) > 19 * 60 && (claimed?.due_in_s ?? 0) <= 20 * 60, `due again in ${claimed?.due_in_s} s`);
  smtp.respondWith(() => 'accept');
  // That long after, the message is due again for any worker; the lease is made to run out now instead.
  const lapsed = await db.pool.query(sql.unsafe`
    UPDATE contract_messages SET due_at = now() WHERE tenant_id = ${club.id} AND player_id = ${playerId} AND claimed_at IS NOT NULL
  `);
  t.is(lapsed.rowCount, 1);
  const other = await startWorkerProcess({ SMTP_URL: smtp.url });
  t.teardown(() => other.child.kill('SIGKILL'));

  await eventually(
    'delivered',
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
    {
      attempts: 2,
    },
  );
  other.child.kill('SIGTERM');
  t.like(await other.exited, { code: 0 });
});
