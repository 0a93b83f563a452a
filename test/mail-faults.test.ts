import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { createDatabasePool } from '../src/db/pool.ts';
import { freePort } from '../tools/free-port.ts';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/operations/metrics.ts';
import { MAIL_CONCURRENCY, startContractWorker } from '../src/worker/contract-worker.ts';
import { LOADED_MACHINE_WAITS, createTestDatabase } from './helpers/database.ts';
import { startDedicatedPostgres } from './helpers/dedicated-postgres.ts';
import { eventually } from './helpers/eventually.ts';
import { createClub, createPlayer, putContractInState } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { CONTRACT_BASE_URL, startTestServer } from './helpers/server.ts';
import { type ServiceProcess, startServiceProcess } from './helpers/service-process.ts';
import { type ReceivedMail, type TestSmtpServer, startSmtpServer } from './helpers/smtp-server.ts';
import { startTcpProxy } from './helpers/tcp-proxy.ts';

// docs/RELIABILITY.md, "The guarantees" (e-mail): faults in the mail queue's parts, each with real
// processes on loopback — the SMTP server gone for a minute under a stream of offers, PostgreSQL
// lost while two worker processes hold jobs, the embedded PostgreSQL killed (SIGKILL) in the middle
// of a send. Deliveries are counted at the SMTP server by Message-ID, outcomes read from
// contract_messages. Each test logs its figures.

const run = promisify(execFile);

const mailsTo = (smtp: TestSmtpServer, email: string): ReceivedMail[] => smtp.received.filter((mail) => mail.envelope.to.includes(email));

const lines = (mail: ReceivedMail) => (mail.text ?? '').split(/\r?\n/);

/** How many times each value occurs, e.g. attempts → messages. */
function tally(values: readonly (number | string)[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const value of values) counts[value] = (counts[value] ?? 0) + 1;
  return counts;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

const messageRows = z.object({ player_id: z.number(), status: z.string(), attempts: z.number() });

/** A gate the SMTP server holds messages behind; opened once, by the test. */
function gate(): { readonly closed: Promise<void>; open(): void } {
  let open = () => {};
  const closed = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { closed, open: () => open() };
}

test('SMTP down for a minute under a stream of offers: every offer answers 200, and every message is delivered exactly once when it returns', async (t) => {
  const OUTAGE_MS = 60_000;
  const STEADY_MS = 5_000;
  const OFFER_EVERY_MS = 500;
  t.timeout(OUTAGE_MS + 240_000);
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const smtp = await startSmtpServer();
  t.teardown(() => smtp.close());
  // The service reaches SMTP through a hop that can refuse every connection, keeping its port.
  const front = await startTcpProxy('127.0.0.1', smtp.port);
  t.teardown(() => front.close());
  const server = await startTestServer(db.pool, { env: { SMTP_URL: `smtp://127.0.0.1:${front.port}`, SMTP_TIMEOUT_MS: '2000' } });
  t.teardown(() => server.close());
  const worker = await startContractWorker(server.config, {
    directDatabaseUrl: db.url,
    pool: db.pool,
    metrics: createMetrics(db.pool),
    logger: createLogger('silent'),
  });
  t.teardown(() => worker.stop());
  const club = await createClub(db.pool);
  const token = await server.adminToken(club.slug);

  type Phase = 'before' | 'outage' | 'after';
  const offers: Array<{ phase: Phase; email: string; status: number; url: string; ms: number }> = [];
  const offerOne = async (phase: Phase) => {
    const email = `stream-${club.id}-${offers.length}@example.test`;
    const playerId = await createPlayer(db.pool, club, { email });
    const started = performance.now();
    const reply = await request(server.baseUrl, 'POST', '/admin/contract/offer', {
      token,
      body: { player_id: playerId, monthly_fee: 150 },
      signal: AbortSignal.timeout(20_000),
    });
    offers.push({ phase, email, status: reply.status, url: reply.body?.contract_url, ms: performance.now() - started });
  };
  const stream = async (phase: Phase, forMs: number) => {
    const until = Date.now() + forMs;
    while (Date.now() < until) await Promise.all([offerOne(phase), sleep(OFFER_EVERY_MS)]);
  };
  const readiness: number[] = [];
  const probeReadiness = async (forMs: number) => {
    const until = Date.now() + forMs;
    while (Date.now() < until) {
      readiness.push((await request(server.baseUrl, 'GET', '/readyz')).status);
      await sleep(5_000);
    }
  };
  const queued = () =>
    db.pool.oneFirst(sql.type(z.object({ count: z.number() }))`
      SELECT count(*)::integer AS count FROM contract_messages WHERE tenant_id = ${club.id} AND status = 'queued'
    `);

  await stream('before', STEADY_MS);
  // The outage starts between two messages: a connection cut after the server took a message but
  // before its 250 arrived would rightly send that one again (docs/RELIABILITY.md, "The guarantees").
  await eventually('the first messages sent', queued, (count) => count === 0);
  const deliveredBefore = smtp.received.length;
  await front.refuse();
  await Promise.all([stream('outage', OUTAGE_MS), probeReadiness(OUTAGE_MS - 5_000)]);
  const receivedInOutage = smtp.received.length - deliveredBefore;
  const waiting = await queued();
  await front.restore();
  const returnedAt = Date.now();
  await stream('after', STEADY_MS);

  await eventually(
    'every offer’s mail',
    () => offers.filter((offer) => mailsTo(smtp, offer.email).length > 0).length,
    (count) => count === offers.length,
    180_000,
  );
  const lastDeliveredS = (Date.now() - returnedAt) / 1000;
  const rows = await eventually(
    'every message recorded as sent',
    () =>
      db.pool.any(sql.type(messageRows)`
        SELECT player_id, status, attempts FROM contract_messages WHERE tenant_id = ${club.id}
      `),
    (found) => found.length === offers.length && found.every((row) => row.status === 'sent'),
  );
  await sleep(2_000); // long enough for a second copy of any message to arrive

  t.deepEqual(tally(offers.map((offer) => offer.status)), { 200: offers.length }, 'every offer answered 200, the outage’s too');
  t.is(receivedInOutage, 0, 'nothing reached SMTP while it was down');
  for (const offer of offers) {
    const mails = mailsTo(smtp, offer.email);
    t.is(mails.length, 1, `${offer.email}: exactly one message`);
    t.true(lines(mails[0] as ReceivedMail).includes(offer.url), `${offer.email}: with the link the offer answered`);
  }
  const ids = offers.map((offer) => mailsTo(smtp, offer.email)[0]?.messageId);
  t.is(new Set(ids).size, offers.length, 'one Message-ID per message');
  t.deepEqual(tally(readiness), { 200: readiness.length }, '/readyz stayed 200');

  const during = offers.filter((offer) => offer.phase === 'outage');
  const before = offers.filter((offer) => offer.phase === 'before');
  t.true(during.length >= 30, `a stream of offers throughout the outage (${during.length})`);
  const ms = (values: typeof offers) => values.map((offer) => offer.ms);
  t.log(
    `offers: ${before.length} before, ${during.length} during the ${OUTAGE_MS / 1000} s outage, ` +
      `${offers.length - before.length - during.length} after; all 200. Answer p50/max before ` +
      `${percentile(ms(before), 50).toFixed(0)}/${Math.max(...ms(before)).toFixed(0)} ms, during ` +
      `${percentile(ms(during), 50).toFixed(0)}/${Math.max(...ms(during)).toFixed(0)} ms; /readyz ${readiness.length} × 200`,
  );
  t.log(
    `${waiting} messages queued when SMTP returned; the last delivered ${lastDeliveredS.toFixed(1)} s later; ` +
      `${offers.length} messages, ${smtp.received.length} deliveries, attempts per message ${JSON.stringify(tally(rows.map((row) => row.attempts)))}`,
  );
});

/** `npm run worker` as a real process, its JSON log lines kept; resolves once it works the queue. */
async function startWorkerProcess(t: ExecutionContext, env: Record<string, string>) {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', path.resolve('src/worker-main.ts')], {
    env: { ...process.env, LOG_LEVEL: 'info', CONTRACT_BASE_URL, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  t.teardown(() => child.kill('SIGKILL'));
  const logs: Array<Record<string, unknown>> = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  let stderr = '';
  child.stderr?.on('data', (chunk) => {
    stderr += String(chunk);
  });
  await new Promise<void>((resolve, reject) => {
    let pending = '';
    child.stdout?.on('data', (chunk) => {
      pending += String(chunk);
      const complete = pending.split('\n');
      pending = complete.pop() ?? '';
      for (const line of complete) {
        const record = JSON.parse(line) as Record<string, unknown>;
        logs.push(record);
        if (record.msg === 'worker started') resolve();
      }
    });
    void exited.then(({ code }) => reject(new Error(`the worker exited (${code}) before starting:\n${stderr}`)));
  });
  return { child, logs, exited };
}

test('PostgreSQL lost while two worker processes hold messages: none lost, none sent twice, and both workers carry on', async (t) => {
  t.timeout(180_000);
  const CONCURRENCY = MAIL_CONCURRENCY; // per process
  const IN_FLIGHT = 2 * CONCURRENCY;
  const postgres = await startDedicatedPostgres();
  t.teardown(() => postgres.destroy());
  const db = await createDatabasePool(postgres.url, { maximumPoolSize: 2, ...LOADED_MACHINE_WAITS });
  t.teardown(() => db.end());
  const smtp = await startSmtpServer();
  t.teardown(() => smtp.close());
  // Every slot of both workers ends up holding a message the server has taken but not answered;
  // once PostgreSQL is gone it answers half of them 250 and half 451 (try again later).
  const held = gate();
  t.teardown(() => held.open());
  smtp.respondWith((index) =>
    index >= IN_FLIGHT
      ? 'accept'
      : { holdUntil: held.closed, answer: index % 2 === 0 ? 'accept' : { code: 451, message: '4.3.0 Try again later' } },
  );
  const env = { DATABASE_URL: postgres.url, SMTP_URL: smtp.url, SMTP_TIMEOUT_MS: '30000' };
  const workers = await Promise.all([startWorkerProcess(t, env), startWorkerProcess(t, env)]);
  const club = await createClub(db);
  const offerMany = async (count: number, label: string) => {
    const emails: string[] = [];
    for (let i = 0; i < count; i += 1) {
      const email = `${label}-${club.id}-${i}@example.test`;
      await putContractInState(db, club, await createPlayer(db, club, { email }), 'offered');
      emails.push(email);
    }
    return emails;
  };
  const readRows = () =>
    db.any(sql.type(messageRows)`SELECT player_id, status, attempts FROM contract_messages WHERE tenant_id = ${club.id}`);

  const first = await offerMany(IN_FLIGHT, 'held');
  await eventually(
    'every slot holding a message',
    () => smtp.bodies(),
    (count) => count === IN_FLIGHT,
    30_000,
  );
  const claimed = await db.oneFirst(sql.type(z.object({ count: z.number() }))`
    SELECT count(*)::integer AS count FROM contract_messages WHERE tenant_id = ${club.id} AND status = 'queued' AND claimed_at IS NOT NULL
  `);
  t.is(claimed, IN_FLIGHT, 'the two worker processes hold four messages each');

  await postgres.stop();
  held.open();
  await eventually(
    'the 250s delivered',
    () => smtp.received.length,
    (count) => count === IN_FLIGHT / 2,
  );
  await sleep(3_000); // the 451s are answered and fail to be recorded; the 250s wait to be
  t.deepEqual(
    workers.map((worker) => worker.child.exitCode),
    [null, null],
    'both worker processes are still running with the database gone',
  );
  const restartedAt = Date.now();
  await postgres.start();

  await eventually(
    'every held message recorded as sent',
    readRows,
    (rows) => rows.length === IN_FLIGHT && rows.every((row) => row.status === 'sent'),
    60_000,
  );
  const recoveredS = (Date.now() - restartedAt) / 1000;
  const afterwards = await offerMany(4, 'after');
  const rows = await eventually(
    'the later offers’ messages sent',
    readRows,
    (found) => found.length === IN_FLIGHT + afterwards.length && found.every((row) => row.status === 'sent'),
    30_000,
  );
  await sleep(2_000); // long enough for a second copy of any message to arrive

  for (const email of [...first, ...afterwards]) t.is(mailsTo(smtp, email).length, 1, `${email}: exactly one message`);
  t.is(new Set(smtp.received.map((mail) => mail.messageId)).size, smtp.received.length, 'no Message-ID twice');
  t.deepEqual(tally(rows.map((row) => row.attempts)), { 1: IN_FLIGHT / 2 + afterwards.length, 2: IN_FLIGHT / 2 });
  for (const worker of workers) worker.child.kill('SIGTERM');
  for (const worker of workers) t.like(await worker.exited, { code: 0 });

  t.log(
    `${IN_FLIGHT} messages held by 2 worker processes (${CONCURRENCY} each) when PostgreSQL stopped; ` +
      `${IN_FLIGHT / 2} answered 250 and ${IN_FLIGHT / 2} answered 451 during the 3 s outage; ` +
      `all ${IN_FLIGHT} recorded sent ${recoveredS.toFixed(1)} s after PostgreSQL was back; ` +
      `${smtp.received.length} deliveries for ${rows.length} messages, attempts ${JSON.stringify(tally(rows.map((row) => row.attempts)))}`,
  );
});

test('the embedded PostgreSQL killed mid-send: the restart recovers every offer and sends every message; the ones in flight go out again under their Message-ID', async (t) => {
  t.timeout(240_000);
  const OFFERS = 10;
  const IN_FLIGHT = 4; // the worker's concurrency
  const smtp = await startSmtpServer();
  t.teardown(() => smtp.close());
  const held = gate();
  t.teardown(() => held.open());
  smtp.respondWith((index) => (index < IN_FLIGHT ? { holdUntil: held.closed } : 'accept'));
  const bed = await embeddedBed(t, { SMTP_URL: smtp.url, SMTP_TIMEOUT_MS: '30000', CONTRACT_BASE_URL });
  const first = await bed.start();
  const token = await bed.adminToken();
  const offers = new Map<string, string>(); // e-mail → link
  for (let i = 0; i < OFFERS; i += 1) {
    const email = `embedded-${i}@example.test`;
    const player = await request(first.baseUrl, 'POST', '/admin/players', { token, body: { name: `Player ${i}`, email } });
    const offer = await request(first.baseUrl, 'POST', '/admin/contract/offer', {
      token,
      body: { player_id: player.body.id, monthly_fee: 150 },
    });
    t.is(offer.status, 200);
    offers.set(email, offer.body.contract_url);
  }
  await eventually(
    'the worker’s slots all sending',
    () => smtp.bodies(),
    (count) => count === IN_FLIGHT,
  );

  const postmaster = bed.postmasterPid();
  process.kill(postmaster, 'SIGKILL');
  await eventually(
    'PostgreSQL gone',
    () => isRunning(postmaster),
    (running) => !running,
  );
  held.open(); // the server takes the messages in flight; their worker cannot record it
  const inFlight = await smtp.waitFor(IN_FLIGHT, 15_000);
  await sleep(2_000);
  const stopping = Date.now();
  first.child.kill('SIGTERM');
  const firstExit = await first.exited;
  const stoppedInS = (Date.now() - stopping) / 1000;
  t.true(stoppedInS < 20, `the service stopped in ${stoppedInS.toFixed(1)} s, its PostgreSQL dead`);

  const restarted = Date.now();
  const second = await bed.start();
  t.true(
    second.logs.some((line) => /did not shut down cleanly/.test(String(line.msg))),
    'crash recovery ran',
  );
  const listed = await request(second.baseUrl, 'GET', '/admin/contracts?status=offered&limit=500', { token });
  t.deepEqual(
    new Set((listed.body.items as Array<{ contract_url: string }>).map((item) => item.contract_url)),
    new Set(offers.values()),
    `all ${OFFERS} offers, with their links`,
  );
  await eventually(
    'every offer’s message',
    () => [...offers.keys()].filter((email) => mailsTo(smtp, email).length > 0).length,
    (count) => count === OFFERS,
    60_000,
  );
  const allSentS = (Date.now() - restarted) / 1000;
  const players = (listed.body.items as Array<{ player_id: number }>).map((item) => item.player_id);
  const statuses = await eventually(
    'every message recorded as sent',
    () =>
      Promise.all(
        players.map(async (id) => (await request(second.baseUrl, 'GET', `/admin/players/${id}/contract`, { token })).body.messages),
      ),
    (all) => all.every((messages) => messages.length === 1 && messages[0].status === 'sent'),
  );
  await sleep(2_000); // long enough for a third copy of any message to arrive

  const twice = new Set(inFlight.map((mail) => mail.envelope.to[0]));
  for (const [email, url] of offers) {
    const mails = mailsTo(smtp, email);
    t.is(mails.length, twice.has(email) ? 2 : 1, `${email}: ${twice.has(email) ? 'twice (in flight at the kill)' : 'once'}`);
    t.is(new Set(mails.map((mail) => mail.messageId)).size, 1, `${email}: one Message-ID`);
    for (const mail of mails) t.true(lines(mail).includes(url), `${email}: the offer’s link`);
  }
  second.child.kill('SIGTERM');
  t.like(await second.exited, { code: 0 });

  t.log(
    `${OFFERS} offers answered 200; PostgreSQL SIGKILLed with ${IN_FLIGHT} messages in flight, which the SMTP server then took; ` +
      `the service stopped in ${stoppedInS.toFixed(1)} s (exit ${firstExit.code ?? firstExit.signal}); after the restart (crash recovery) ` +
      `all ${OFFERS} offers were there and every message went out within ${allSentS.toFixed(1)} s; ` +
      `${smtp.received.length} deliveries: the ${IN_FLIGHT} in flight twice each under one Message-ID, the other ${OFFERS - IN_FLIGHT} once; ` +
      `attempts ${JSON.stringify(tally(statuses.map((messages) => messages[0].attempts)))}`,
  );
});

interface EmbeddedBed {
  /** `npm start` on this bed's DATA_DIR, with its embedded PostgreSQL. */
  start(): Promise<ServiceProcess>;
  /** A club made with the operator's CLI, and a token for it. */
  adminToken(): Promise<string>;
  postmasterPid(): number;
}

/**
 * A DATA_DIR of the test's own, and a teardown that leaves nothing running: the services it
 * started are killed, then any PostgreSQL still running from the folder is stopped.
 */
async function embeddedBed(t: ExecutionContext, env: Record<string, string>): Promise<EmbeddedBed> {
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-mail-faults-'));
  await fs.chmod(dataDir, 0o755); // as root, PostgreSQL runs as `postgres` and must get in
  const serviceEnv = { DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(await freePort()), ...env };
  const services: ServiceProcess[] = [];
  const postmasterPid = () => Number(readFileSync(path.join(dataDir, 'postgres', 'postmaster.pid'), 'utf8').split('\n')[0]);
  const killEverything = () => {
    for (const service of services) service.child.kill('SIGKILL');
    const pid = (() => {
      try {
        return postmasterPid();
      } catch {
        return null;
      }
    })();
    if (pid !== null && isRunning(pid)) process.kill(pid, 'SIGQUIT');
  };
  process.on('exit', killEverything);
  t.teardown(async () => {
    process.off('exit', killEverything);
    killEverything();
    await Promise.all(services.map((service) => service.exited));
    const deadline = Date.now() + 10_000;
    while (existsSync(path.join(dataDir, 'postgres', 'postmaster.pid')) && isRunning(postmasterPid()) && Date.now() < deadline) {
      await sleep(100);
    }
    await fs.rm(dataDir, { recursive: true, force: true });
  });
  const cli = (...args: string[]) =>
    run(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { env: { ...process.env, ...serviceEnv } });
  return {
    start: async () => {
      const service = await startServiceProcess(serviceEnv);
      services.push(service);
      return service;
    },
    adminToken: async () => {
      await cli('tenant', 'create', 'mail-faults', 'Mail Faults Club');
      return (await cli('token', 'mail-faults')).stdout.trim();
    },
    postmasterPid,
  };
}

/** Alive and not a zombie (a postmaster that died waits as one until its parent reaps it). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}
