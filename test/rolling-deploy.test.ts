import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import test, { type ExecutionContext } from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { DATABASE_TIMEOUT_DEFAULTS, parseConfig } from '../src/config.ts';
import { migrate, migrationNames } from '../src/db/migrate.ts';
import { loadOrCreateLocalSigningKey } from '../src/identity/local-signing-key.ts';
import { mintAdminToken } from '../src/identity/mint-admin-token.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { loadDeployData } from './helpers/deploy-data.ts';
import { eventually } from './helpers/eventually.ts';
import { request } from './helpers/http.ts';
import { type AnsweredRequest, type PlannedRequest, startPacedLoad } from './helpers/paced-load.ts';
import { installedRelease, previousReleaseCommit } from './helpers/previous-release.ts';
import { type ServiceProcess, startServiceProcess } from './helpers/service-process.ts';

// docs/OPERATING.md, "Deploying": a rolling deploy. The release in production (deploy/previous-release)
// migrates and serves a database full of clubs; this commit's migrations run under its live
// traffic; then the old release and this one serve the same database side by side. `npm run
// deploy:check` runs this file alone; DEPLOY_CHECK_PLAYERS sets the players (50,000 by default) and
// DEPLOY_CHECK_REQUESTS_PER_SECOND the traffic (20 by default; a few hundred finds a race sooner).

const PLAYERS = Number(process.env.DEPLOY_CHECK_PLAYERS ?? 50_000);
const CLUBS = 8;
/** A steady trickle, well inside what two loaded cores serve, so any slow answer is the deploy's doing. */
const REQUESTS_PER_SECOND = Number(process.env.DEPLOY_CHECK_REQUESTS_PER_SECOND ?? 20);
/** Both releases run with the default: a request waiting longer on the database has failed. */
const STATEMENT_TIMEOUT_MS = DATABASE_TIMEOUT_DEFAULTS.statementTimeoutMs;
/** Traffic before the migrations start and after they end, so they begin and finish under load. */
const STEADY_MS = 3_000;

interface Deploy {
  readonly db: TestDatabase;
  readonly old: ServiceProcess;
  /** The environment both releases run with: the same database, key pair and limits. */
  readonly env: Record<string, string>;
  /** This commit's migrations the previous release does not have. */
  readonly pending: readonly string[];
  readonly clubs: readonly ClubData[];
  readonly deadlocksBefore: number;
  /** What the migration runner said while it waited for locks (its `warn`). */
  readonly migrationWarnings: string[];
  /** The functions the previous release installed, with their bodies. */
  readonly previousFunctions: readonly InstalledFunction[];
}

interface InstalledFunction {
  readonly name: string;
  readonly body: string;
  readonly language: string;
}

/** A club's players and links, each handed out once across the tests, so every answer is known in advance. */
interface ClubData {
  readonly slug: string;
  readonly adminToken: string;
  /** Players with no contract. */
  readonly unoffered: number[];
  /** Open links, and players with an open offer: none of one's players is among the other's. */
  readonly openLinks: string[];
  readonly offeredPlayers: number[];
  /** Links a forced re-offer replaced. */
  readonly replacedLinks: string[];
}

/** How the services' connections are told from the test's own in pg_stat_activity. */
const SERVICE_APPLICATION_NAME = 'deploy-check-service';

const services: ServiceProcess[] = [];
const cleanups: Array<() => Promise<unknown>> = [];
let deploy: Deploy | undefined;

test.before('the previous release, migrated by its own migrations, serving a database it filled', async (t) => {
  t.timeout(300_000 + PLAYERS * 3, 'installing the previous release and loading its data');
  if (!Number.isSafeInteger(PLAYERS))
    throw new Error(`DEPLOY_CHECK_PLAYERS must be a whole number, not ${process.env.DEPLOY_CHECK_PLAYERS}`);
  const commit = previousReleaseCommit();
  const started = performance.now();
  const release = await installedRelease(commit);
  const installedMs = performance.now() - started;

  const db = await createTestDatabase({ empty: true });
  cleanups.push(() => db.drop());
  const dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-deploy-'));
  cleanups.push(() => fs.rm(dataDir, { recursive: true, force: true }));
  const serviceUrl = new URL(db.url);
  serviceUrl.searchParams.set('application_name', SERVICE_APPLICATION_NAME);
  // The seeded offers queue tens of thousands of e-mails, a backlog no production queue has: both
  // releases serve HTTP only, so the worker sending it does not take the cores from the requests.
  const env = {
    DATABASE_URL: serviceUrl.toString(),
    DATA_DIR: dataDir,
    WORKER: 'off',
    DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
  };
  await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'migrate', 'up'], {
    cwd: release,
    env: { ...process.env, ...env },
  });

  const loadStarted = performance.now();
  const data = await loadDeployData(db.url, { players: PLAYERS, clubs: CLUBS });
  const loadedMs = performance.now() - loadStarted;

  const old = await startServiceProcess(env, {
    command: [process.execPath, '--import', 'tsx', path.join(release, 'src/main.ts')],
    cwd: release,
    // It listens first, then opens its schema gate once it has checked its migrations: 'serving'.
    readyMessage: 'serving',
  });
  services.push(old);

  const { identity } = parseConfig(env);
  if (identity.mode !== 'local') throw new Error('the deploy check runs in local identity mode');
  // The key pair the old release made on its start, which this commit's service reads too.
  const key = await loadOrCreateLocalSigningKey(identity.keyFile);
  const clubs: ClubData[] = [];
  for (const club of data.clubs) {
    const half = Math.floor(club.open.length / 2);
    clubs.push({
      slug: club.slug,
      adminToken: await mintAdminToken(identity, key, { tenantSlug: club.slug, email: 'ops@example.test', ttlSeconds: 3600 }),
      unoffered: [...club.unoffered],
      openLinks: club.open.slice(0, half).map((offer) => offer.token),
      offeredPlayers: club.open.slice(half).map((offer) => offer.playerId),
      replacedLinks: [...club.replaced],
    });
  }
  const pending = migrationNames().filter((name) => !migrationNames(path.join(release, 'migrations')).includes(name));
  deploy = {
    db,
    old,
    env,
    pending,
    clubs,
    deadlocksBefore: await deadlocks(db),
    migrationWarnings: [],
    previousFunctions: await installedFunctions(db),
  };
  t.log(
    `previous release ${commit.slice(0, 7)} ready in ${seconds(installedMs)}; ${data.players.toLocaleString('en')} players ` +
      `in ${CLUBS} clubs, ${data.contracts.toLocaleString('en')} contracts offered, ${data.signatures.toLocaleString('en')} of them signed, ` +
      `loaded in ${seconds(loadedMs)}`,
  );
});

test.after.always('stop every process and drop the database', async () => {
  await Promise.all(services.map(stop));
  for (const cleanup of cleanups.reverse()) await cleanup();
});

test.serial(
  'the previous release answers every offer, sign and family page view as expected, each within the statement timeout, while this commit’s migrations run',
  async (t) => {
    t.timeout(180_000);
    const { db, old, pending, migrationWarnings } = current();

    const load = startPacedLoad(old.baseUrl, plan(), { perSecond: REQUESTS_PER_SECOND, giveUpMs: 30_000 });
    await sleep(STEADY_MS);
    const migrationStarted = performance.now();
    const ran = await migrate(db.url, { direction: 'up', log: () => {}, warn: (message) => migrationWarnings.push(message) });
    const migrationEnded = performance.now();
    await sleep(STEADY_MS);
    const answers = await load.stop();

    const duringMigrations = answers.filter((answer) => answer.answeredAt >= migrationStarted && answer.sentAt <= migrationEnded);
    t.log(
      `migrations ${ran.join(', ')} took ${seconds(migrationEnded - migrationStarted)}, ${migrationWarnings.length} lock wait(s) retried; ` +
        `${answers.length} requests (${tally(answers)}), ${duringMigrations.length} of them during the migrations; slowest ` +
        `${slowest(duringMigrations)} ms during the migrations, ${slowest(answers)} ms in all`,
    );
    for (const warning of migrationWarnings) t.log(warning);
    // A 500 says only internal_error to the client: the release's own log says why.
    for (const record of old.logs.filter((line) => Number(line.level) >= 50)) t.log(JSON.stringify(record));

    t.deepEqual(ran, pending, 'this commit’s migrations ran, and only they');
    t.deepEqual(
      answers
        .filter((answer) => !answer.asExpected)
        .map((answer) => `${describe(answer)}, sent ${Math.round(answer.sentAt - migrationStarted)} ms after the migrations started`),
      [],
      'every answer is the one its request expects',
    );
    t.deepEqual(
      answers.filter((answer) => took(answer) > STATEMENT_TIMEOUT_MS).map(describe),
      [],
      'no answer is slower than the statement timeout',
    );
  },
);

// A call of the previous release in flight while a migration commits looks up the functions it calls
// by name after the commit: one a migration dropped fails it with a 500 (42883), however rarely the
// timing lines up under load. So a function is dropped only once no release calling it runs.
test.serial('this commit’s migrations drop no function that a function of the previous release calls', async (t) => {
  const { db, previousFunctions } = current();
  const installed = new Set((await installedFunctions(db)).map((fn) => fn.name));
  const dropped = previousFunctions.map((fn) => fn.name).filter((name) => !installed.has(name));
  const callsOfDropped = previousFunctions.flatMap((caller) =>
    dropped.filter((name) => new RegExp(`\\b${name}\\s*\\(`).test(caller.body)).map((name) => `${caller.name} calls ${name}`),
  );
  t.deepEqual(callsOfDropped, []);
});

// The same for a function the previous release calls that changes language: a call that started in
// PL/pgSQL and meets the new SQL text as the migration commits fails with a syntax error.
test.serial('this commit’s migrations keep the language of every function the previous release has', async (t) => {
  const { db, previousFunctions } = current();
  const now = new Map((await installedFunctions(db)).map((fn) => [fn.name, fn.language]));
  t.deepEqual(
    previousFunctions
      .filter((fn) => now.has(fn.name) && now.get(fn.name) !== fn.language)
      .map((fn) => `${fn.name}: ${fn.language} → ${now.get(fn.name)}`),
    [],
  );
});

test.serial('after the migrations, the previous release still offers, signs and shows the family page', async (t) => {
  await offerViewAndSign(t, current().old.baseUrl);
});

test.serial('this commit’s service, started on the migrated database, is ready and offers, signs and shows the family page', async (t) => {
  t.timeout(120_000);
  const service = await startServiceProcess(current().env);
  services.push(service);

  t.is((await request(service.baseUrl, 'GET', '/readyz')).status, 200);
  await offerViewAndSign(t, service.baseUrl);
});

test.serial('no deadlock happened during the deploy: none of the migrations’ retries was one, and PostgreSQL counted none', async (t) => {
  t.timeout(120_000);
  const { db, migrationWarnings, deadlocksBefore } = current();
  // A backend reports its statistics when it exits: stop the services and wait for their connections to end.
  await Promise.all(services.map(stop));
  await eventually(
    'the services’ connections closed',
    () => serviceConnections(db),
    (count) => count === 0,
    30_000,
  );

  t.deepEqual(
    migrationWarnings.filter((warning) => warning.includes('deadlock')),
    [],
  );
  t.is(await deadlocks(db), deadlocksBefore);
});

/** An offer to a player with no contract, the family page of its link, and its signature: what every release must keep doing. */
async function offerViewAndSign(t: ExecutionContext, baseUrl: string): Promise<void> {
  const club = current().clubs[0] as ClubData;
  const playerId = take(club.unoffered);
  const offer = await request(baseUrl, 'POST', '/admin/contract/offer', {
    token: club.adminToken,
    body: { player_id: playerId, monthly_fee: 150 },
  });
  t.like(offer, { status: 200, body: { player_id: playerId, new_status: 'offered' } });

  const page = await request(baseUrl, 'GET', `/contract/${offer.body.contract_token}`, { headers: { accept: 'text/html' } });
  t.is(page.status, 200);
  t.regex(page.body, /Player \d+/);

  const sign = await request(baseUrl, 'POST', `/contract/${offer.body.contract_token}/sign`, { body: { signed_by: 'Dana Park' } });
  t.like(sign, { status: 200, body: { status: 'signed' } });
}

/**
 * The load's requests, in a fixed rotation over the clubs: offers to players with no contract
 * (200) and to players with an open offer (409 offer_exists), signs of open links (200) and of
 * replaced ones (410 contract_superseded), and family page views of open links (200).
 */
function plan(): () => PlannedRequest {
  const admin = (club: ClubData) => ({ authorization: `Bearer ${club.adminToken}` });
  const view = (club: ClubData): PlannedRequest => ({
    kind: 'view',
    method: 'GET',
    path: `/contract/${take(club.openLinks)}`,
    headers: { accept: 'text/html' },
    expected: { status: 200 },
  });
  const rotation: Array<(club: ClubData) => PlannedRequest> = [
    (club) => ({
      kind: 'offer',
      method: 'POST',
      path: '/admin/contract/offer',
      headers: admin(club),
      body: { player_id: take(club.unoffered), monthly_fee: 150 },
      expected: { status: 200 },
    }),
    view,
    (club) => ({
      kind: 'sign',
      method: 'POST',
      path: `/contract/${take(club.openLinks)}/sign`,
      body: { signed_by: 'Dana Park' },
      expected: { status: 200 },
    }),
    (club) => ({
      kind: 'offer',
      method: 'POST',
      path: '/admin/contract/offer',
      headers: admin(club),
      body: { player_id: take(club.offeredPlayers), monthly_fee: 150 },
      expected: { status: 409, code: 'offer_exists' },
    }),
    view,
    (club) => ({
      kind: 'sign',
      method: 'POST',
      path: `/contract/${take(club.replacedLinks)}/sign`,
      body: { signed_by: 'Dana Park' },
      expected: { status: 410, code: 'contract_superseded' },
    }),
  ];
  const { clubs } = current();
  let n = 0;
  return () => {
    const club = clubs[n % clubs.length] as ClubData;
    const next = rotation[n % rotation.length] as (typeof rotation)[number];
    n += 1;
    return next(club);
  };
}

function take<T>(items: T[]): T {
  const item = items.shift();
  if (item === undefined) throw new Error('the deploy check used up its data: load more players per club');
  return item;
}

function current(): Deploy {
  if (deploy === undefined) throw new Error('the deploy is set up in test.before');
  return deploy;
}

/** SIGTERM, the way an orchestrator stops an instance, and its drain; nothing once it has exited. */
async function stop(service: ServiceProcess): Promise<void> {
  service.child.kill('SIGTERM');
  await service.exited;
}

const deadlocks = (db: TestDatabase) =>
  db.pool.oneFirst(sql.type(z.object({ deadlocks: z.bigint().transform(Number) }))`
    SELECT deadlocks FROM pg_stat_database WHERE datname = current_database()
  `);

const installedFunctions = (db: TestDatabase) =>
  db.pool.any(sql.type(z.object({ name: z.string(), body: z.string(), language: z.string() }))`
    SELECT proname AS name, prosrc AS body, lanname AS language
    FROM pg_proc JOIN pg_language ON pg_language.oid = pg_proc.prolang
    WHERE pronamespace = 'public'::regnamespace
  `);

const serviceConnections = (db: TestDatabase) =>
  db.pool.oneFirst(sql.type(z.object({ count: z.bigint().transform(Number) }))`
    SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND application_name = ${SERVICE_APPLICATION_NAME}
  `);

const took = (answer: AnsweredRequest) => answer.answeredAt - answer.sentAt;
const slowest = (answers: readonly AnsweredRequest[]) => Math.round(Math.max(0, ...answers.map(took)));
const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

/** `offer 200: 40, offer 409 offer_exists: 20, …` */
function tally(answers: readonly AnsweredRequest[]): string {
  const counts = new Map<string, number>();
  for (const answer of answers) {
    const key = [answer.kind, answer.status, answer.code].filter((part) => part !== null).join(' ');
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return [...counts].map(([key, count]) => `${key}: ${count}`).join(', ');
}

function describe(answer: AnsweredRequest): string {
  const answered = answer.failure ?? [answer.status, answer.code].filter((part) => part !== null).join(' ');
  return `${answer.kind} ${answer.path}: ${answered} after ${Math.round(took(answer))} ms`;
}
