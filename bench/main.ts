// `npm run bench`: the service against its ceiling, measured in one run on this machine, written
// to docs/PERFORMANCE.md. See that file for what each figure means and how to read it.
//
// One embedded PostgreSQL (durable settings, as in production) holds a club of PLAYERS players who
// all have an open offer. Then, per concurrency, after a warm-up:
//   ceiling   offer_contract called straight through slonik (bench/direct-calls.ts)
//   bare      node:http + pg, no framework, the same call (bench/bare-service.ts)
//   service   POST /admin/contract/offer?force=true on the production build (node dist/src/main.js)
//   pgbouncer the same service in a second process, reaching PostgreSQL through PgBouncer in
//             transaction mode with PGBOUNCER_SERVER_CONNECTIONS server connections
// and on the service only: signs through family links, and the unsigned-contracts list. Load comes
// from a separate process (bench/load.ts). Every re-offer mints a token and writes a re_offer row.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { once } from 'node:events';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { sql } from 'slonik';
import { z } from 'zod';
import { parseConfig } from '../src/config.ts';
import { appDatabaseUrl, ensureAppDatabase } from '../src/db/app-database.ts';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { migrate } from '../src/db/migrate.ts';
import { createDatabasePool } from '../src/db/pool.ts';
import { loadOrCreateLocalSigningKey } from '../src/identity/local-signing-key.ts';
import { mintAdminToken } from '../src/identity/mint-admin-token.ts';
import { freePort } from '../src/free-port.ts';
import { type PgBouncer, startPgBouncer } from '../test/helpers/pgbouncer.ts';
import type { DirectPlan } from './direct-calls.ts';
import { explainLookups } from './explain.ts';
import type { LoadPlan, LoadResult } from './load.ts';
import { cpuMs, measure, processTree } from './proc-stats.ts';
import { type Measurement, writeReport } from './report.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 3);
const CONCURRENCY = (process.env.BENCH_CONCURRENCY ?? '8,32').split(',').map(Number);
const PLAYERS = 10_000;
// Each sign uses up an open offer; enough for every sign run at the rates seen here.
const SIGN_OFFERS = Number(process.env.BENCH_SIGN_OFFERS ?? 40_000);
// The service's pool size (DATABASE_POOL_SIZE, default 10); the ceiling and the bare reference use the same.
const POOL_SIZE = parseConfig(process.env).databasePoolSize;
const SCENARIOS = new Set((process.env.BENCH_SCENARIOS ?? 'offers,pgbouncer,signs,list,lookups').split(','));
const LOOKUPS = 2000;
/** The service as `npm run start:production` runs it: its node flags, then dist/src/main.js (after `exec node`). */
const PRODUCTION_ARGS =
  (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> }).scripts['start:production']
    ?.split(' ')
    .slice(2) ?? [];
const PGBOUNCER_SERVER_CONNECTIONS = 4;
// A directory: the service writes a V8 CPU profile there when it exits (open it in Chrome DevTools).
const CPU_PROFILE_DIR = process.env.BENCH_CPU_PROFILE_DIR;

const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-bench-'));
await fs.chmod(workDir, 0o755);
const children: ChildProcess[] = [];
let bouncer: PgBouncer | undefined;
const log = (line: string) => process.stderr.write(`${line}\n`);

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
  const statements = await statementCounter(cluster.superuserUrl(app.database), app.role);
  const postmaster = Number((await fs.readFile(path.join(workDir, 'postgres', 'postmaster.pid'), 'utf8')).split('\n')[0]);
  const postgresPids = () => processTree(postmaster);

  log(`seeding ${PLAYERS} offered players, and ${SIGN_OFFERS} more for signing…`);
  const seed = await seedClubs(databaseUrl);

  const dataDir = path.join(workDir, 'service');
  await fs.mkdir(dataDir);
  const config = parseConfig({ DATA_DIR: dataDir });
  const key = await loadOrCreateLocalSigningKey(path.join(dataDir, 'local-admin-signing-key.json'));
  const adminToken = await mintAdminToken(config.identity, key, {
    tenantSlug: 'bench',
    email: 'bench@example.test',
    ttlSeconds: 3600,
  });

  const servicePort = await freePort();
  const profiling = CPU_PROFILE_DIR === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(CPU_PROFILE_DIR)}`];
  const service = startChild(process.execPath, [...profiling, ...PRODUCTION_ARGS], {
    DATABASE_URL: databaseUrl,
    DATA_DIR: dataDir,
    PORT: String(servicePort),
    LOG_LEVEL: 'info', // every request's access-log line is written, to /dev/null
    FAMILY_RATE_LIMIT_PER_SECOND: '0',
  });
  await waitUntilReady(`http://127.0.0.1:${servicePort}/readyz`);
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
      DATABASE_URL: bouncer.url,
      DATABASE_MIGRATION_URL: databaseUrl,
      DATA_DIR: dataDir,
      PORT: String(bouncedPort),
      LOG_LEVEL: 'info',
    });
    await waitUntilReady(`http://127.0.0.1:${bouncedPort}/readyz`);
  }

  const load = (plan: Omit<LoadPlan, 'adminToken' | 'firstPlayerId' | 'players'>) =>
    runJsonChild<LoadResult>([
      '--import=tsx',
      'bench/load.ts',
      JSON.stringify({ adminToken, firstPlayerId: seed.firstPlayerId, players: PLAYERS, ...plan }),
    ]);

  const measurements: Measurement[] = [];
  const overHttp = async (
    name: Measurement['name'],
    scenario: LoadPlan['scenario'],
    pid: number,
    baseUrl: string,
    connections: number,
    extra: Partial<LoadPlan> = {},
  ) => {
    if (scenario !== 'sign') await load({ scenario, baseUrl, connections, seconds: WARMUP_SECONDS });
    await statements.reset();
    const meter = measure(() => [pid, ...postgresPids()], pid);
    const serviceBefore = cpuMs(pid);
    const result = await load({ scenario, baseUrl, connections, seconds: SECONDS, ...extra });
    const totals = meter.stop();
    const serviceCpu = cpuMs(pid) - serviceBefore;
    const statementsRun = await statements.count();
    measurements.push({
      name,
      connections,
      ...result,
      serviceCpuMs: serviceCpu,
      postgresCpuMs: totals.cpuMs - serviceCpu,
      peakMb: totals.peakMb,
      statementsPerRequest: statementsRun / result.requests,
    });
    log(
      `  ${name} @${connections}: ${result.perSecond.toFixed(0)}/s, p50 ${result.p50} ms, p99 ${result.p99} ms, non-2xx ${result.non2xx + result.errors}`,
    );
  };

  for (const connections of SCENARIOS.has('offers') ? CONCURRENCY : []) {
    log(`offers at ${connections} connections`);
    const direct: DirectPlan = {
      databaseUrl,
      tenantId: seed.tenantId,
      firstPlayerId: seed.firstPlayerId,
      players: PLAYERS,
      concurrency: connections,
      poolSize: POOL_SIZE,
      warmupSeconds: WARMUP_SECONDS,
      seconds: SECONDS,
    };
    let meter: ReturnType<typeof measure> | undefined;
    let postgresCpuMs = 0;
    const ceiling = await runJsonChild<LoadResult>(['--import=tsx', 'bench/direct-calls.ts', JSON.stringify(direct)], (line) => {
      if (line === 'measuring') meter = measure(postgresPids, null);
      if (line === 'measured') postgresCpuMs = meter?.stop().cpuMs ?? 0;
    });
    measurements.push({
      name: 'ceiling',
      connections,
      ...ceiling,
      serviceCpuMs: null,
      postgresCpuMs,
      peakMb: null,
      statementsPerRequest: 1,
    });
    log(`  ceiling @${connections}: ${ceiling.perSecond.toFixed(0)}/s, p50 ${ceiling.p50} ms, p99 ${ceiling.p99} ms`);
    await overHttp('bare', 'bare-offer', bare.pid as number, `http://127.0.0.1:${barePort}`, connections);
    await overHttp('service', 'offer', service.pid as number, `http://127.0.0.1:${servicePort}`, connections);
    if (bounced !== undefined) {
      await overHttp('pgbouncer', 'offer', bounced.pid as number, `http://127.0.0.1:${bouncedPort}`, connections);
    }
  }
  let signed = 0;
  for (const connections of SCENARIOS.has('signs') ? CONCURRENCY : []) {
    log(`signs at ${connections} connections`);
    const count = Math.floor(SIGN_OFFERS / CONCURRENCY.length);
    await overHttp('sign', 'sign', service.pid as number, `http://127.0.0.1:${servicePort}`, connections, {
      tokensFile: seed.tokensFile,
      from: signed,
      count,
    });
    signed += count;
  }
  for (const connections of SCENARIOS.has('list') ? CONCURRENCY : []) {
    log(`list at ${connections} connections`);
    await overHttp('list', 'list', service.pid as number, `http://127.0.0.1:${servicePort}`, connections);
  }

  const lookups = SCENARIOS.has('lookups') ? await compareLinkLookups(`http://127.0.0.1:${servicePort}`, databaseUrl) : null;
  const plans = await explainLookups(databaseUrl, seed.tenantId, seed.firstPlayerId + Math.floor(PLAYERS / 2));
  await statements.end();
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
    lookups,
    plans,
  });
  process.stdout.write(report);
} finally {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(children.map((child) => (child.exitCode === null ? once(child, 'exit') : undefined)));
  await bouncer?.stop();
  await cluster.stop();
  await fs.rm(workDir, { recursive: true, force: true });
}

async function seedClubs(databaseUrl: string) {
  // Tens of thousands of offers in one statement: far past the service's statement timeout.
  const pool = await createDatabasePool(databaseUrl, { maximumPoolSize: 1, statementTimeoutMs: 600_000 });
  try {
    const addClub = async (slug: string, players: number) => {
      const tenantId = await pool.oneFirst(
        sql.type(z.object({ id: z.number() }))`INSERT INTO tenants (slug, name) VALUES (${slug}, ${slug}) RETURNING id`,
      );
      const firstPlayerId = await pool.oneFirst(sql.type(z.object({ first: z.number() }))`
        WITH created AS (
          INSERT INTO players (tenant_id, name, email)
          SELECT ${tenantId}, 'Player ' || n, 'family' || n || '@example.test' FROM generate_series(1, ${players}) AS n
          RETURNING id
        ) SELECT min(id) AS first FROM created
      `);
      // Through the function, as the service would: every player gets an open offer and a token.
      await pool.query(sql.unsafe`
        SELECT count(*) FROM players, offer_contract(${tenantId}, players.id, 150, NULL, false, '{none}', 'seed', 'bench')
        WHERE players.tenant_id = ${tenantId}
      `);
      return { tenantId, firstPlayerId };
    };
    const club = await addClub('bench', PLAYERS);
    const signing = await addClub('bench-sign', SIGN_OFFERS);
    const tokens = await pool.anyFirst(sql.type(z.object({ contract_token: z.string() }))`
      SELECT contract_token FROM players WHERE tenant_id = ${signing.tenantId} ORDER BY random()
    `);
    const tokensFile = path.join(workDir, 'sign-tokens.txt');
    await fs.writeFile(tokensFile, tokens.join('\n'));
    await pool.query(sql.unsafe`VACUUM ANALYZE`);
    return { ...club, tokensFile };
  } finally {
    await pool.end();
  }
}

/**
 * An unknown family link (404) against a replaced one (410), which must not be told apart by
 * timing. Sequential requests, interleaved so that drift hits both alike; medians in µs.
 */
async function compareLinkLookups(baseUrl: string, databaseUrl: string) {
  log(`link lookups, ${LOOKUPS} of each`);
  const pool = await createDatabasePool(databaseUrl, { maximumPoolSize: 1 });
  const replaced = await pool.oneFirst(
    sql.type(z.object({ token: z.string() }))`SELECT token FROM superseded_contract_tokens LIMIT 1`,
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

/**
 * Top-level statements the service's role ran, from pg_stat_statements (loaded by the bench's
 * cluster only). A statement that calls a function counts once, however much the function does.
 */
async function statementCounter(superuserUrl: string, role: string) {
  const pool = await createDatabasePool(superuserUrl, { maximumPoolSize: 1 });
  await pool.query(sql.unsafe`CREATE EXTENSION IF NOT EXISTS pg_stat_statements`);
  return {
    reset: async () => {
      await pool.query(sql.unsafe`SELECT pg_stat_statements_reset()`);
    },
    count: async () =>
      Number(
        (await pool.oneFirst(sql.type(z.object({ calls: z.union([z.bigint(), z.number()]).nullable() }))`
          SELECT sum(calls)::bigint AS calls FROM pg_stat_statements
          WHERE userid = (SELECT oid FROM pg_roles WHERE rolname = ${role})
            AND dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
        `)) ?? 0,
      ),
    end: () => pool.end(),
  };
}

function startChild(command: string, args: string[], env: Record<string, string>): ChildProcess {
  const child = spawn(command, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  return child;
}

async function runJsonChild<T>(args: string[], onLine: (line: string) => void = () => {}): Promise<T> {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  let last = '';
  for await (const line of createInterface({ input: child.stdout })) {
    onLine(line);
    last = line;
  }
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
