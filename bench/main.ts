// `npm run bench`: ratios measured in one run on this machine.
//
// 1. The offer path's throughput:
//      database  offer_contract called straight through slonik (the ceiling the service works under)
//      service   POST /admin/contract/offer?force=true over HTTP: token check, zod, pre-read, machine,
//                the same function call
//    Each re-offer archives the old token, mints a new one and writes an audit row. Load runs in a
//    child process; the service runs in this one. Tune with BENCH_SECONDS, BENCH_CONNECTIONS and
//    BENCH_POOL_SIZES (comma-separated; each size gets both measurements).
// 2. Family link lookups: an unknown token against a replaced one, which must not be told apart by
//    timing. Sequential requests, interleaved so that drift hits both alike.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import { parseConfig } from '../src/config.ts';
import { appDatabaseUrl, ensureAppDatabase } from '../src/db/app-database.ts';
import { startEmbeddedPostgres } from '../src/db/embedded-postgres.ts';
import { migrate } from '../src/db/migrate.ts';
import { createDatabasePool } from '../src/db/pool.ts';
import { createApp } from '../src/http/app.ts';
import { generateLocalSigningKey } from '../src/identity/local-signing-key.ts';
import { mintAdminToken } from '../src/identity/mint-admin-token.ts';
import { createLogger } from '../src/logger.ts';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const POOL_SIZES = (process.env.BENCH_POOL_SIZES ?? '4,10').split(',').map(Number);
const PLAYERS = 2000;
const LOOKUPS = 2000;

const run = promisify(execFile);
const child = async (script: string, args: Array<string | number>) =>
  JSON.parse(
    (await run(process.execPath, ['--import=tsx', path.resolve('bench', script), ...args.map(String)])).stdout,
  ) as { perSecond: number; p50?: number; p99?: number; non2xx?: number; errors?: number };

const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-bench-'));
await fs.chmod(workDir, 0o755);
const cluster = await startEmbeddedPostgres({
  dataDir: path.join(workDir, 'postgres'),
  port: 54399,
  superuserPassword: randomBytes(12).toString('hex'),
  throwaway: false, // durable settings, as in production
  onLog: () => {},
});
try {
  const app = { role: 'club_contracts', password: randomBytes(12).toString('hex'), database: 'bench' };
  await ensureAppDatabase(cluster.superuserUrl('postgres'), app);
  const url = appDatabaseUrl(cluster.superuserUrl('postgres'), app);
  await migrate(url, { direction: 'up', log: () => {} });

  const seed = await createDatabasePool(url, { maximumPoolSize: 1 });
  const tenantId = await seed.oneFirst(
    sql.type(z.object({ id: z.number() }))`INSERT INTO tenants (slug, name) VALUES ('bench', 'Bench') RETURNING id`,
  );
  const firstPlayer = await seed.oneFirst(sql.type(z.object({ first: z.number() }))`
    WITH created AS (
      INSERT INTO players (tenant_id, name, email)
      SELECT ${tenantId}, 'Player ' || n, 'family' || n || '@example.test' FROM generate_series(1, ${PLAYERS}) AS n
      RETURNING id
    ) SELECT min(id) AS first FROM created
  `);
  await seed.end();

  // The lookups below come from one address, far faster than the family rate limit allows.
  const config = parseConfig({ LOG_LEVEL: 'silent', FAMILY_RATE_LIMIT_PER_SECOND: '0' });
  const { key } = await generateLocalSigningKey();
  const token = await mintAdminToken(config.identity, key, { tenantSlug: 'bench', email: 'bench@example.test', ttlSeconds: 3600 });

  let lookups = '';
  const compareLinkLookups = async (baseUrl: string, pool: DatabasePool) => {
    const replaced = await pool.oneFirst(
      sql.type(z.object({ token: z.string() }))`SELECT token FROM superseded_contract_tokens LIMIT 1`,
    );
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
    const [unknown, superseded] = [median(times.unknown), median(times.replaced)];
    lookups =
      `\nfamily link lookups, ${LOOKUPS} of each, median: unknown ${unknown.toFixed(0)} µs (404), ` +
      `replaced ${superseded.toFixed(0)} µs (410), ratio ${(superseded / unknown).toFixed(2)}`;
  };

  console.log(`offer path, ${SECONDS}s per measurement, ${CONNECTIONS} concurrent, ${os.cpus().length} cores\n`);
  console.log('pool  database calls/s  service req/s  service/database  p50 ms  p99 ms  non-2xx');
  for (const poolSize of POOL_SIZES) {
    const database = await child('direct-calls.ts', [url, tenantId, firstPlayer, PLAYERS, CONNECTIONS, SECONDS, poolSize]);

    const pool = await createDatabasePool(url, { maximumPoolSize: poolSize });
    const server = createApp(config, { pool, logger: createLogger('silent'), localKey: key }).listen(0, '127.0.0.1');
    await new Promise((resolve) => server.once('listening', resolve));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const service = await child('http-load.ts', [baseUrl, token, firstPlayer, PLAYERS, CONNECTIONS, SECONDS]);
    if (poolSize === POOL_SIZES.at(-1)) await compareLinkLookups(baseUrl, pool);
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await pool.end();

    console.log(
      [
        String(poolSize).padStart(4),
        database.perSecond.toFixed(0).padStart(17),
        service.perSecond.toFixed(0).padStart(14),
        `${(service.perSecond / database.perSecond).toFixed(2)}×`.padStart(17),
        String(service.p50).padStart(7),
        String(service.p99).padStart(7),
        String((service.non2xx ?? 0) + (service.errors ?? 0)).padStart(8),
      ].join(' '),
    );
  }
  console.log(lookups);
} finally {
  await cluster.stop();
  await fs.rm(workDir, { recursive: true, force: true });
}
