import { setTimeout as sleep } from 'node:timers/promises';
import test from 'ava';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/operations/metrics.ts';
import { type ContractWorker, startContractWorker } from '../src/worker/contract-worker.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { eventually } from './helpers/eventually.ts';
import { createClub, createPlayer, readMessages } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { type TestServer, startTestServer } from './helpers/server.ts';
import { type ReceivedMail, type TestSmtpServer, startSmtpServer } from './helpers/smtp-server.ts';

// The family's e-mail budget end to end (docs/PRODUCT.md, "E-mail"), with the service's default
// budget: an admin correcting an offer again and again reaches the family as a few mails, the last
// with the current link, never as one mail per request.

let db: TestDatabase;
let smtp: TestSmtpServer;
let server: TestServer;
let worker: ContractWorker;

test.before(async () => {
  db = await createTestDatabase();
  smtp = await startSmtpServer();
  // The default SMTP timeout: a short one can give up on a mail that did arrive, on a loaded machine,
  // and its retry (delivery is at least once) would count as another mail.
  server = await startTestServer(db.pool, { env: { SMTP_URL: smtp.url } });
  worker = await startContractWorker(server.config, {
    directDatabaseUrl: db.url,
    pool: db.pool,
    metrics: createMetrics(db.pool),
    logger: createLogger('silent'),
  });
});
test.after.always(async () => {
  await worker?.stop();
  await server?.close();
  await smtp?.close();
  await db?.drop();
});

test('10 forced re-offers 1.5 s apart reach the family as at most 4 e-mails, the last holding the current link, within 2 minutes', async (t) => {
  t.timeout(150_000);
  const club = await createClub(db.pool, 'Westside Hoops');
  const email = 'corrections@example.test';
  const playerId = await createPlayer(db.pool, club, { email });
  const token = await server.adminToken(club.slug);
  const started = Date.now();
  let current = '';
  for (let offer = 0; offer < 10; offer += 1) {
    if (offer > 0) await sleep(1500);
    const answer = await request(server.baseUrl, 'POST', `/admin/contract/offer${offer > 0 ? '?force=true' : ''}`, {
      token,
      body: { player_id: playerId, monthly_fee: 150 + offer },
    });
    t.is(answer.status, 200);
    current = answer.body.contract_url;
  }

  const mails = await eventually(
    'a mail with the current link',
    () => smtp.received.filter((mail) => mail.envelope.to.includes(email)),
    (received) => received.some((mail) => lines(mail).includes(current)),
    120_000 - (Date.now() - started),
  );
  t.log(`${mails.length} mails; the current link arrived ${Math.round((Date.now() - started) / 1000)} s after the first offer`);

  t.true(mails.length <= 4, `${mails.length} mails`);
  t.true(lines(mails.at(-1) as ReceivedMail).includes(current), 'the last mail holds the current link');
  const messages = await eventually(
    'every message settled',
    () => readMessages(db.pool, club, playerId),
    (rows) => rows.every((message) => message.status !== 'queued'),
  );
  t.is(messages.filter((message) => message.status === 'sent').length, new Set(mails.map((mail) => mail.messageId)).size);
  t.true(
    messages.every((message) => message.status === 'sent' || message.status === 'skipped'),
    'every other offer mail was replaced before it left',
  );
});

const lines = (mail: ReceivedMail) => (mail.text ?? '').split(/\r?\n/);
