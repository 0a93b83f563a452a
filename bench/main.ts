// `npm run bench`: the service against its ceiling and against the design it replaces, measured in
// one run on this machine, written to docs/PERFORMANCE.md. See that file for what each figure means
// and how to read it; `-- --scale` and `-- --soak` add the runs it describes under "How to run".
//
// One embedded PostgreSQL (durable settings, as in production) holds a club of PLAYERS players who
// all have an open offer. Then, per concurrency, after a warm-up:
//   ceiling   offer_contract called straight through slonik (bench/direct-calls.ts)
//   bare      node:http + pg, no framework, the same call (bench/bare-service.ts)
//   service   POST /admin/contract/offer?force=true on the production build (node dist/src/main.js)
//   pgbouncer the same service in a second process, reaching PostgreSQL through PgBouncer in
//             transaction mode with PGBOUNCER_SERVER_CONNECTIONS server connections
// and at the targets' concurrency (32) only:
//   offer-function     pgbench calling offer_contract, one call per transaction
//   anchor-statements  pgbench replaying the anchor's six statements, on the anchor's database
//   anchor             the anchor (bench/anchor.ts) under the same load generator
//   service-worker     the service with its worker sending the queued e-mail, in one process
// and on the service only: signs through family links and the unsigned-contracts list (with their
// ceilings at 32), at 32 the family page of a contract pinned to the largest terms allowed, and a
// club's season: 1,000 offers in one request while its families sign (bench/season.ts). The clubs
// scenario (bench/clubs.ts) sets one club against 32: offers through pgbench and the service, and
// signs, at 32 connections on players of one club and then of 32 clubs. Load comes from a separate
// process (bench/load.ts). Every re-offer mints a token, writes a re_offer row and queues the
// family's e-mail.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import { parseConfig } from '../src/config.ts';
import { appDatabaseUrl, ensureAppDatabase } from '../src/db/app-database.ts';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { migrate } from '../src/db/migrate.ts';
import { createDatabasePool } from '../src/db/pool.ts';
import { freePort } from '../tools/free-port.ts';
import { loadOrCreateLocalSigningKey } from '../src/identity/local-signing-key.ts';
import { mintAdminToken } from '../src/identity/mint-admin-token.ts';
import { largestAllowedTerms } from '../test/helpers/costly-terms.ts';
import { type PgBouncer, startPgBouncer } from '../test/helpers/pgbouncer.ts';
import { type AnchorDatabase, createAnchorDatabase, prepareAnchor, startAnchor, stopAnchor } from './anchor.ts';
import { CLUB_CONNECTIONS, compareClubs, PLAYERS_PER_CLUB } from './clubs.ts';
import type { DirectPlan } from './direct-calls.ts';
import { explainLookups } from './explain.ts';
import type { LoadPlan, LoadResult } from './load.ts';
import { findPostgresTool, runPgbench } from './pgbench.ts';
import { cpuMs, measure, processTree, residentMb } from './proc-stats.ts';
import { type Measurement, type Run, type ScenarioName, writeReport } from './report.ts';
import { runSeason } from './season.ts';
import { loadScale, seedClubs } from './seed.ts';

const FLAGS = process.argv.slice(2);
const unknownFlags = FLAGS.filter((flag) => flag !== '--scale' && flag !== '--soak');
if (unknownFlags.length > 0) {
  process.stderr.write(`npm run bench: unknown ${unknownFlags.join(' ')} (known: --scale, --soak)\n`);
  process.exit(2);
}
const SCALE = FLAGS.includes('--scale');
const SOAK = FLAGS.includes('--soak');

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '8,32').split(',').map(Number);
/** Issue 16's targets are at 32 connections; the comparisons with the anchor run there only. */
const TARGET_CONNECTIONS = CONCURRENCY.includes(32) ? 32 : Math.max(...CONCURRENCY);
const PLAYERS = 10_000;
// Each sign uses up an open offer: 15,000 per sign run (three of them by default), which lasts
// 10 s at the best rates seen here; a run that uses its share up ends early, its rate intact.
const SIGN_OFFERS = Number(process.env.BENCH_SIGN_OFFERS ?? 45_000);
// The service's pool size (DATABASE_POOL_SIZE, default 10); the ceiling and the bare reference use the same.
const POOL_SIZE = parseConfig(process.env).databasePoolSize;
const SCENARIOS = new Set(
  (process.env.BENCH_SCENARIOS ?? 'offers,anchor,worker,pgbouncer,signs,list,clubs,lookups,family-page,season').split(','),
);
const LOOKUPS = 2000;
/** The service as `npm run start:production` runs it: its node flags, then dist/src/main.js (after `exec node`). */
const PRODUCTION_ARGS =
  (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts['start:production']
    ?.split(' ')
    .slice(2) ?? [];
const PGBOUNCER_SERVER_CONNECTIONS = 4;
// A directory: the service writes a V8 CPU profile there when it exits (open it in Chrome DevTools).
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROFILE_DIR;
const SCALE_TARGET = { clubs: 1_000, players: 300_000, auditRows: 2_000_000 };
const SOAK_SECONDS = Number(process.env.BENCH_SOAK_SECONDS ?? 600);
/** Minutes, or a quarter of a shorter soak. */
const SOAK_PERIOD_SECONDS = Math.min(60, Math.max(1, Math.floor(SOAK_SECONDS / 4)));
/** The soak's club: its players take turns, one per connection at a time, half for the peak and half for the soak. */
const SOAK_PLAYERS = SOAK ? 100 * TARGET_CONNECTIONS : 0;

const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-bench-'));
await fs.chmod(workDir, 0o755);
const children: ChildProcess[] = [];
let bouncer: PgBouncer | undefined;
const benchStarted = Date.now();
/** Progress on stderr, each line with the time since the start (m:ss). */
const log = (line: string) => {
  const seconds = Math.floor((Date.now() - benchStarted) / 1000);
  process.stderr.write(`${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')} ${line}\n`);
};

log('building the service (npm run build)…');
execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' });

const cluster = await startEmbeddedPostgres({
  dataDir: path.join(workDir, 'postgres'),
  port: await freePort(),
  superuserPassword: randomBytes(12).toString('hex'),
  throwaway: false,
  // Counts the statements each scenario makes the database run: an offer should be exactly one.
  settings: ['shared_preload_libraries=pg_stat_statements'],
  onLog: () => {},
});
try {
  const app = { role: 'club_contracts', password: randomBytes(12).toString('hex'), database: 'bench' };
  await ensureAppDatabase(cluster.superuserUrl('postgres'), app);
  const databaseUrl = appDatabaseUrl(cluster.superuserUrl('postgres'), app);
  await migrate(databaseUrl, { direction: 'up', log: () => {} });
  const admin = await createDatabasePool(cluster.superuserUrl(app.database), { maximumPoolSize: 1 });
  const statements = await statementCounter(admin);
  const postmaster = Number((await fs.readFile(path.join(workDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const postgresPids = () => processTree(postmaster);

  const anchorSetup = SCENARIOS.has('anchor')
    ? prepareAnchor(log)
    : ({ ready: false, reason: 'left out by BENCH_SCENARIOS' } as const);
  const pgbench = findPostgresTool('pgbench');
  const skipped = [
    ...(anchorSetup.ready ? [] : [`the anchor did not run: ${anchorSetup.reason}`]),
    ...(pgbench === null ? ['pgbench was not found (Debian: apt-get install postgresql-15, or set PGBENCH_PATH)'] : []),
  ];
  for (const reason of skipped) log(`skipping: ${reason}`);
  let anchorDatabase: AnchorDatabase | null = null;
  if (anchorSetup.ready) {
    log('loading the anchor’s schema and data (bench/anchor/seed-fastapi: schema.sql, bench/seed.sql)…');
    anchorDatabase = await createAnchorDatabase(cluster.superuserUrl('postgres'), anchorSetup.psql);
  }

  const clubSizes = SCENARIOS.has('clubs') ? { count: CLUB_CONNECTIONS, playersPerClub: PLAYERS_PER_CLUB } : null;
  log(
    `seeding ${PLAYERS} offered players, ${SIGN_OFFERS} more for signing` +
      `${clubSizes === null ? '' : `, 2 × ${clubSizes.count * clubSizes.playersPerClub} in one club and in ${clubSizes.count}`}` +
      `${SOAK ? `, ${SOAK_PLAYERS} for the soak` : ''}…`,
  );
  const seed = await seedClubs(
    databaseUrl,
    { players: PLAYERS, signOffers: SIGN_OFFERS, soakPlayers: SOAK_PLAYERS, clubs: clubSizes },
    path.join(workDir, 'sign-tokens.txt'),
  );

  const dataDir = path.join(workDir, 'service');
  await fs.mkdir(dataDir);
  const config = parseConfig({ DATA_DIR: dataDir });
  const key = await loadOrCreateLocalSigningKey(path.join(dataDir, 'local-admin-signing-key.json'));
  const tokenFor = (tenantSlug: string) =>
    mintAdminToken(config.identity, key, { tenantSlug, email: 'bench@example.test', ttlSeconds: 24 * 3600 });
  const adminToken = await tokenFor('bench');

  // The service as deployed, except that its worker does not run: an API process (WORKER=off) queues
  // each offer's e-mail in the offer's transaction, and the worker sends it elsewhere. The
  // service-worker scenario runs the two in one process, as `npm start` does by default.
  const serviceEnv = (port: number, worker: 'on' | 'off') => ({
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir, // the worker writes each e-mail as an .eml file under it (no SMTP_URL)
    PORT: String(port),
    LOG_LEVEL: 'info', // every request's access-log line is written, to /dev/null
    FAMILY_RATE_LIMIT_PER_SECOND: '0',
    WORKER: worker,
  });
  const servicePort = await freePort();
  const profiling = CPU_PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(CPU_PROFILE_DIR)}`];
  const service = startChild(process.execPath, [...profiling, ...PRODUCTION_ARGS], serviceEnv(servicePort, 'off'));
  const serviceUrl = `http://127.0.0.1:${servicePort}`;
  await waitUntilReady(`${serviceUrl}/readyz`);
  const barePort = await freePort();
  const bare = startChild(
    process.execPath,
    ['--import=tsx', 'bench/bare-service.ts', databaseUrl, String(barePort), String(POOL_SIZE), String(seed.tenantId)],
    {},
  );
  await waitUntilReady(`http://127.0.0.1:${barePort}/`, true);

  let bouncedPort = 0;
  let bounced: ChildProcess | undefined;
  if (SCENARIOS.has('pgbouncer')) {
    bouncer = await startPgBouncer({
      databaseUrl,
      poolSize: PGBOUNCER_SERVER_CONNECTIONS,
      connectQuery: `SET statement_timeout = ${config.databaseStatementTimeoutMs}`,
    });
    bouncedPort = await freePort();
    bounced = startChild(process.execPath, PRODUCTION_ARGS, {
      ...serviceEnv(bouncedPort, 'off'),
      DATABASE_URL: bouncer.url,
      DATABASE_MIGRATION_URL: databaseUrl,
    });
    await waitUntilReady(`http://127.0.0.1:${bouncedPort}/readyz`);
  }

  const load = (
    plan: Partial<LoadPlan> & Pick<LoadPlan, 'scenario' | 'baseUrl' | 'connections' | 'seconds'>,
    onLine?: (line: string) => void,
  ) =>
    runJsonChild<LoadResult>(
      [
        '--import=tsx',
        'bench/load.ts',
        JSON.stringify({ adminToken, firstPlayerId: seed.firstPlayerId, players: PLAYERS, ...plan }),
      ],
      onLine,
    );
  /** A ceiling's run: its child warms up, then waits for `begin` before the calls that count. */
  const direct =
    (plan: Pick<DirectPlan, 'scenario' | 'concurrency'> & Partial<DirectPlan>) =>
    (begin: () => Promise<void>): Promise<LoadResult> => {
      const full: DirectPlan = {
        databaseUrl,
        tenantId: seed.tenantId,
        firstPlayerId: seed.firstPlayerId,
        players: PLAYERS,
        poolSize: POOL_SIZE,
        warmupSeconds: WARMUP_SECONDS,
        seconds: SECONDS,
        ...plan,
      };
      return runJsonChild<LoadResult>(['--import=tsx', 'bench/direct-calls.ts', JSON.stringify(full)], async (line, child) => {
        if (line !== 'warmed') return;
        await begin();
        child.stdin?.end('go\n');
      });
    };

  const measurements: Measurement[] = [];
  /**
   * One measurement: `run` drives the load and calls `begin` when the part that counts starts
   * (after any warm-up). From then on the CPU of the process serving it (if any) and of all
   * PostgreSQL's processes is counted, and the statements `counted.role` runs in its database.
   */
  const record = async (
    name: ScenarioName,
    connections: number,
    servingPid: number | null,
    counted: { role: string; database: string },
    run: (begin: () => Promise<void>) => Promise<LoadResult>,
  ): Promise<Measurement> => {
    let meter: ReturnType<typeof measure> | undefined;
    let servingBefore = 0;
    const result = await run(async () => {
      await statements.reset();
      meter = measure(() => [...(servingPid === null ? [] : [servingPid]), ...postgresPids()], servingPid);
      servingBefore = servingPid === null ? 0 : cpuMs(servingPid);
    });
    // Backends that pgbench closed are reaped by the postmaster, which then holds their CPU time.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const totals = (meter as ReturnType<typeof measure>).stop();
    const servingCpu = servingPid === null ? null : cpuMs(servingPid) - servingBefore;
    const statementsRun = await statements.count(counted.role, counted.database);
    log(
      `  ${name} @${connections}: ${result.perSecond.toFixed(0)}/s, p50 ${result.p50} ms, p99 ${result.p99} ms, non-2xx ${result.non2xx + result.errors}`,
    );
    return {
      name,
      connections,
      ...result,
      serviceCpuMs: servingCpu,
      postgresCpuMs: totals.cpuMs - (servingCpu ?? 0),
      peakMb: servingPid === null ? null : totals.peakMb,
      statementsPerRequest: result.requests === 0 ? 0 : statementsRun / result.requests,
    };
  };
  const kept = (measurement: Measurement) => {
    measurements.push(measurement);
    return measurement;
  };
  const ours = { role: app.role, database: app.database };
  const overHttp = async (
    name: ScenarioName,
    pid: number,
    baseUrl: string,
    connections: number,
    plan: Partial<LoadPlan> = {},
  ) => {
    const scenario = plan.scenario ?? 'offer';
    if (scenario !== 'sign') await load({ scenario, baseUrl, connections, seconds: WARMUP_SECONDS, ...plan });
    return record(name, connections, pid, ours, async (begin) => {
      await begin();
      return load({ scenario, baseUrl, connections, seconds: SECONDS, ...plan });
    });
  };
  const pgbenchOffers = async (
    name: ScenarioName,
    script: string,
    url: string,
    counted: typeof ours,
    variables: Record<string, number>,
    clients = TARGET_CONNECTIONS,
  ) => {
    const plan = { pgbench: pgbench as string, databaseUrl: url, script, variables, clients };
    await runPgbench({ ...plan, seconds: WARMUP_SECONDS });
    return record(name, clients, null, counted, async (begin) => {
      await begin();
      return runPgbench({ ...plan, seconds: SECONDS });
    });
  };

  for (const connections of SCENARIOS.has('offers') ? CONCURRENCY : []) {
    log(`offers at ${connections} connections`);
    kept(await record('ceiling', connections, null, ours, direct({ scenario: 'offer', concurrency: connections })));
    kept(await overHttp('bare', bare.pid as number, `http://127.0.0.1:${barePort}`, connections, { scenario: 'bare-offer' }));
    kept(await overHttp('service', service.pid as number, serviceUrl, connections));
    if (bounced !== undefined)
      kept(await overHttp('pgbouncer', bounced.pid as number, `http://127.0.0.1:${bouncedPort}`, connections));
    if (connections !== TARGET_CONNECTIONS) continue;

    if (pgbench !== null) {
      const players = { tenant: seed.tenantId, pmin: seed.firstPlayerId, pmax: seed.firstPlayerId + PLAYERS - 1 };
      kept(await pgbenchOffers('offer-function', 'bench/offer-function.sql', databaseUrl, ours, players));
    }
    if (anchorDatabase !== null) {
      const anchorRole = { role: 'anchor', database: 'anchor' };
      const { tenantId, firstPlayerId, players } = anchorDatabase;
      if (pgbench !== null) {
        const range = { tenant: tenantId, pmin: firstPlayerId, pmax: firstPlayerId + players - 1 };
        const orm = 'bench/anchor/seed-fastapi/bench/orm.sql';
        kept(await pgbenchOffers('anchor-statements', orm, anchorDatabase.url, anchorRole, range));
      }
      const anchorToken = randomBytes(24).toString('base64url');
      const anchorPort = await freePort();
      const anchor = startAnchor(anchorDatabase, anchorPort, anchorToken);
      children.push(anchor);
      try {
        await waitUntilReady(`http://127.0.0.1:${anchorPort}/healthz`);
        const plan = {
          scenario: 'offer',
          baseUrl: `http://127.0.0.1:${anchorPort}`,
          connections,
          adminToken: anchorToken,
          firstPlayerId,
          players,
        } as const;
        await load({ ...plan, seconds: WARMUP_SECONDS });
        kept(
          await record('anchor', connections, anchor.pid as number, anchorRole, async (begin) => {
            await begin();
            return load({ ...plan, seconds: SECONDS });
          }),
        );
      } finally {
        await stopAnchor(anchor);
      }
    }
    if (SCENARIOS.has('worker')) {
      const port = await freePort();
      const withWorker = startChild(process.execPath, PRODUCTION_ARGS, serviceEnv(port, 'on'));
      try {
        await waitUntilReady(`http://127.0.0.1:${port}/readyz`);
        const sent = () =>
          admin.oneFirst(
            sql.type(z.object({ count: z.number() }))`SELECT count(*)::int AS count FROM contract_messages WHERE status = 'sent'`,
          );
        await load({ scenario: 'offer', baseUrl: `http://127.0.0.1:${port}`, connections, seconds: WARMUP_SECONDS });
        const sentBefore = await sent();
        const measurement = await record('service-worker', connections, withWorker.pid as number, ours, async (begin) => {
          await begin();
          return load({ scenario: 'offer', baseUrl: `http://127.0.0.1:${port}`, connections, seconds: SECONDS });
        });
        kept({ ...measurement, mailsSent: (await sent()) - sentBefore });
      } finally {
        withWorker.kill('SIGTERM');
        if (withWorker.exitCode === null) await once(withWorker, 'exit');
      }
    }
  }

  // One run per concurrency, and the ceiling's at the targets' (always one of them).
  const tokensPerRun = Math.floor(SIGN_OFFERS / (CONCURRENCY.length + 1));
  let signed = 0;
  const nextTokens = () => {
    const slice = { tokensFile: seed.tokensFile, from: signed, count: tokensPerRun };
    signed += tokensPerRun;
    return slice;
  };
  for (const connections of SCENARIOS.has('signs') ? CONCURRENCY : []) {
    log(`signs at ${connections} connections`);
    if (connections === TARGET_CONNECTIONS) {
      kept(
        await record(
          'sign-ceiling',
          connections,
          null,
          ours,
          direct({ scenario: 'sign', concurrency: connections, warmupSeconds: 0, ...nextTokens() }),
        ),
      );
    }
    kept(await overHttp('sign', service.pid as number, serviceUrl, connections, { scenario: 'sign', ...nextTokens() }));
  }
  for (const connections of SCENARIOS.has('list') ? CONCURRENCY : []) {
    log(`list at ${connections} connections`);
    if (connections === TARGET_CONNECTIONS)
      kept(await record('list-ceiling', connections, null, ours, direct({ scenario: 'list', concurrency: connections })));
    kept(await overHttp('list', service.pid as number, serviceUrl, connections, { scenario: 'list' }));
  }

  const clubPairs =
    seed.clubs === null
      ? []
      : await compareClubs(seed.clubs, {
          offerFunction:
            pgbench === null
              ? null
              : (name, variables) =>
                  pgbenchOffers(name, 'bench/offer-function-by-client.sql', databaseUrl, ours, variables, CLUB_CONNECTIONS),
          service: (name, plan) => overHttp(name, service.pid as number, serviceUrl, CLUB_CONNECTIONS, plan),
          tokenFor,
          superuser: admin,
          tokensFile: path.join(workDir, 'club-sign-tokens.txt'),
          log,
        });

  if (SCENARIOS.has('family-page')) {
    log(`family page with the largest terms allowed at ${TARGET_CONNECTIONS} connections`);
    const contractToken = await offerWithLargestTerms(serviceUrl, await tokenFor(await addTermsClub(admin)));
    kept(
      await overHttp('family-page', service.pid as number, serviceUrl, TARGET_CONNECTIONS, {
        scenario: 'family-page',
        contractToken,
      }),
    );
  }

  const lookups = SCENARIOS.has('lookups') ? await compareLinkLookups(serviceUrl, databaseUrl) : null;
  const season = SCENARIOS.has('season') ? await runSeason(admin, serviceUrl, tokenFor, log) : null;

  let scale: Run['scale'] = null;
  if (SCALE) {
    log(`scale: offers at ${TARGET_CONNECTIONS} connections, then growing the database to ${SCALE_TARGET.clubs} clubs…`);
    // Reported in the scale section, not the table.
    const offers = () => overHttp('service', service.pid as number, serviceUrl, TARGET_CONNECTIONS);
    const before = await offers();
    const grown = await loadScale(databaseUrl, SCALE_TARGET, log);
    scale = { load: grown, before, after: await offers() };
  }

  let soak: Run['soak'] = null;
  if (SOAK && seed.soak !== null) {
    const { firstPlayerId, players, teamIds } = seed.soak;
    // Each run its own half of the club: a player's team is known to the load process that moved it.
    const half = Math.floor(players / 2);
    const mixed = {
      scenario: 'mixed',
      baseUrl: serviceUrl,
      connections: TARGET_CONNECTIONS,
      adminToken: await tokenFor('bench-soak'),
      players: half,
      teamIds,
    } as const;
    log(`soak: the mix at full speed for ${SECONDS} s…`);
    const peak = await load({ ...mixed, firstPlayerId, seconds: SECONDS });
    const rate = Math.max(1, Math.round(peak.perSecond / 2));
    log(`  ${peak.perSecond.toFixed(0)} req/s; now ${rate} req/s for ${SOAK_SECONDS} s…`);
    const residentByPeriod: number[] = [];
    let sampler: NodeJS.Timeout | undefined;
    const result = await load(
      {
        ...mixed,
        firstPlayerId: firstPlayerId + half,
        seconds: SOAK_SECONDS,
        overallRate: rate,
        periodSeconds: SOAK_PERIOD_SECONDS,
      },
      (line) => {
        if (line !== 'measuring') return;
        const started = Date.now();
        sampler = setInterval(() => {
          const index = Math.floor((Date.now() - started) / (SOAK_PERIOD_SECONDS * 1000));
          residentByPeriod[index] = Math.max(residentByPeriod[index] ?? 0, residentMb(service.pid as number));
        }, 1000);
      },
    );
    clearInterval(sampler);
    soak = {
      connections: TARGET_CONNECTIONS,
      peakPerSecond: peak.perSecond,
      rate,
      seconds: SOAK_SECONDS,
      result,
      residentMb: residentByPeriod,
      periodSeconds: SOAK_PERIOD_SECONDS,
    };
  }

  const plans = await explainLookups(databaseUrl, seed.tenantId, seed.firstPlayerId + Math.floor(PLAYERS / 2));
  await admin.end();
  const peakMb = peakResidentMb(service.pid as number);
  const postgresVersion = await readServerVersion(databaseUrl);
  const report = await writeReport({
    measurements,
    peakMb,
    seconds: SECONDS,
    warmupSeconds: WARMUP_SECONDS,
    players: PLAYERS,
    poolSize: POOL_SIZE,
    postgresVersion,
    targetConnections: TARGET_CONNECTIONS,
    skipped,
    lookups,
    season,
    plans,
    clubPairs,
    scale,
    soak,
  });
  process.stdout.write(report);
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)));
  await bouncer?.stop();
  await cluster.stop();
  await fs.rm(workDir, { recursive: true, force: true });
}

/**
 * An unknown family link (404) against a replaced one (410), which must not be told apart by
 * timing. Sequential requests, interleaved so that drift hits both alike; medians in µs.
 */
async function compareLinkLookups(baseUrl: string, databaseUrl: string) {
  log(`link lookups, ${LOOKUPS} of each`);
  const pool = await createDatabasePool(databaseUrl, { maximumPoolSize: 1 });
  const replaced = await pool.oneFirst(
    // Routed to a player who holds it no more (sql/lock_offered_contract.sql).
    sql.type(z.object({ token: z.string() }))`
      SELECT links.token FROM contract_links AS links
      JOIN players ON players.tenant_id = links.tenant_id AND players.id = links.player_id
      WHERE links.token <> players.contract_token
        AND NOT EXISTS (SELECT 1 FROM contract_signers AS signer WHERE signer.tenant_id = links.tenant_id AND signer.token = links.token)
      LIMIT 1
    `,
  );
  await pool.end();
  const times = { unknown: [] as number[], replaced: [] as number[] };
  for (let i = 0; i < LOOKUPS; i += 1) {
    for (const kind of ['unknown', 'replaced'] as const) {
      const token = kind === 'replaced' ? replaced : randomBytes(32).toString('base64url');
      const started = process.hrtime.bigint();
      const response = await fetch(`${baseUrl}/contract/${token}`);
      await response.arrayBuffer();
      times[kind].push(Number(process.hrtime.bigint() - started) / 1000);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
  return { count: LOOKUPS, unknownUs: median(times.unknown), replacedUs: median(times.replaced) };
}

/** A club of its own for the terms, so that the other scenarios' offers pin none. */
async function addTermsClub(superuser: DatabasePool): Promise<string> {
  const slug = 'bench-terms';
  await superuser.query(sql.unsafe`INSERT INTO tenants (slug, name) VALUES (${slug}, 'Bench terms')`);
  return slug;
}

/** Publishes the largest terms allowed, offers a new player the contract, and returns its link's token. */
async function offerWithLargestTerms(baseUrl: string, adminToken: string): Promise<string> {
  const post = async (path: string, body: unknown) => {
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as Record<string, unknown>;
  };
  await post('/admin/contract-terms', { title: 'Player contract', body: largestAllowedTerms() });
  const player = await post('/admin/players', { name: 'Bench Player', email: 'family@example.test' });
  const offer = await post('/admin/contract/offer', { player_id: player.id, monthly_fee: 150 });
  return String(offer.contract_token);
}

/**
 * Top-level statements a role ran in a database, from pg_stat_statements (loaded by the bench's
 * cluster only). A statement that calls a function counts once, however much the function does;
 * BEGIN and COMMIT count too.
 */
async function statementCounter(superuser: DatabasePool) {
  await superuser.query(sql.unsafe`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`);
  return {
    reset: async () => {
      await superuser.query(sql.unsafe`SELECT pg_stat_statements_reset()`);
    },
    count: async (role: string, database: string) =>
      Number(
        (await superuser.oneFirst(sql.type(z.object({ calls: z.union([z.bigint(), z.number()]).nullable() }))`
          SELECT sum(calls)::bigint AS calls FROM pg_stat_statements
          WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = ${role})
            AND dbid = (SELECT oid FROM pg_database WHERE datname = ${database})
        `)) ?? 0,
      ),
  };
}

function startChild(command: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

/** A node child whose last line of output is its result as JSON; `onLine` sees every line first. */
async function runJsonChild<T>(args: string[], onLine: (line: string, child: ChildProcess) => unknown = () => {}): Promise<T> {
  const child = spawn(process.execPath, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  let last = '';
  for await (const line of createInterface({ input: child.stdout })) {
    await onLine(line, child);
    last = line;
  }
  child.stdin.end();
  const [code] = (child.exitCode === null ? await once(child, 'exit') : [child.exitCode]) as [number];
  if (code !== 0) throw new Error(`${args.join(' ')} exited with ${code}`);
  return JSON.parse(last) as T;
}

async function waitUntilReady(url: string, anyAnswer = false): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const status = await fetch(url).then(
      (response) => response.status,
      () => 0,
    );
    if (status === 200 || (anyAnswer && status !== 0)) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`${url} did not become ready`);
}

function peakResidentMb(pid: number): number {
  return Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
}

async function readServerVersion(databaseUrl: string): Promise<string> {
  const pool = await createDatabasePool(databaseUrl, { maximumPoolSize: 1 });
  try {
    return await pool.oneFirst(sql.type(z.object({ server_version: z.string() }))`SHOW server_version`);
  } finally {
    await pool.end();
  }
}
