// `npm start`: configuration → database (embedded unless DATABASE_URL) → HTTP → migrations → the
// worker that sends the family's e-mail (unless WORKER=off). HTTP comes before migrations, which may
// wait for another instance's: meanwhile /healthz answers, /readyz says what is pending, and every
// other route answers 503 migrations_pending (src/operations/schema-gate.ts).
import { checkWebhookSecretKey, createSecretBox } from './webhooks/secret-box.ts';
import { storedSecretKeyIds } from './webhooks/store.ts';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Config, ConfigError, parseConfig } from './config.ts';
import { migrate, migrationNames } from './db/migrate.ts';
import { openDatabase } from './db/open-database.ts';
import { createDatabasePool, poolOptionsFrom } from './db/pool.ts';
import { createApp } from './http/app.ts';
import { createHttpServer } from './http/server.ts';
import { loadOrCreateLocalSigningKey } from './identity/local-signing-key.ts';
import { createLogger } from './logger.ts';
import { createMetrics } from './operations/metrics.ts';
import { createSchemaGate } from './operations/schema-gate.ts';
import { startContractWorker } from './worker/contract-worker.ts';

/**
 * In-flight requests get this long after SIGTERM; the whole shutdown stays under 20 s
 * (docs/PRODUCT.md, "Shutdown").
 */
const DRAIN_TIMEOUT_MS = 15_000;
const SHUTDOWN_DEADLINE_MS = 19_000;

let config: Config;
try {
  config = parseConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(78); // EX_CONFIG
}

const logger = createLogger(config.logLevel);
let serving = false;
let shuttingDown = false;
// On from the start and never removed: a signal that found no handler would end Node at once,
// without its 'exit' handlers, leaving PostgreSQL running. A terminal's Ctrl-C under `npm start`
// arrives twice (from the terminal and forwarded by npm); the second only logs.
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, (received) => {
    if (serving) return void shutdown(received);
    // Not serving yet (the probes and 503s at most): exit. A migration under way rolls back with its
    // connection, and src/db/embedded-postgres.ts stops what it started on 'exit'.
    logger.info({ signal: received }, 'stopped during start-up');
    process.exit(0);
  });
}

const database = await openDatabase(
  config,
  (line) => logger.debug({ postgres: line.trim() }),
  (message) => logger.warn(message),
).catch(failedToStart);
const pool = await createDatabasePool(database.url, poolOptionsFrom(config));
const localKey = config.identity.mode === 'local' ? await loadOrCreateLocalSigningKey(config.identity.keyFile) : null;
const metrics = createMetrics(pool);
const schemaGate = createSchemaGate(pool, migrationNames());
const app = createApp(config, { pool, logger, localKey, metrics, schemaGate, isShuttingDown: () => shuttingDown });

const server: Server = createHttpServer(app, config.http).listen(config.port, config.host);
await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject)).catch(
  async (error: unknown) => {
    await pool.end();
    await database.stop();
    return failedToStart(error);
  },
);
const { port } = server.address() as AddressInfo;
const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
logger.info({ url, database: database.description, identity: config.identity.mode, worker: config.worker }, 'listening');

const ran = await migrate(database.migrationUrl, {
  direction: 'up',
  log: (message) => logger.debug(message),
  warn: (message) => logger.warn(message),
})
  // The start-up check, which opens the gate: every migration of this build has run.
  .then(async (names) => {
    await schemaGate.check();
    checkWebhookSecretKey(createSecretBox(config.webhooks), await storedSecretKeyIds(pool));
    return names;
  })
  .catch(async (error: unknown) => {
    await pool.end();
    await database.stop();
    return failedToStart(error);
  });
if (ran.length > 0) logger.info({ migrations: ran }, 'applied migrations');

// After the migrations: the job queue's schema is one of them.
const worker = config.worker
  ? await startContractWorker(config, {
      directDatabaseUrl: database.migrationUrl,
      pool,
      metrics,
      logger,
      // The embedded cluster this process just started has no other worker: any job still locked
      // belonged to the previous run's, which died holding it.
      soleWorker: database.startedHere,
    }).catch(async (error: unknown) => {
      await pool.end();
      await database.stop();
      return failedToStart(error);
    })
  : null;

const howToGetAToken =
  config.identity.mode === 'local'
    ? [
        'Admin tokens are signed by the local key pair. To create a club and mint a token for it:',
        '  npm run cli -- tenant create demo "Demo Club"',
        '  npm run -s cli -- token demo --email you@example.com',
      ]
    : [`Admin tokens come from ${config.identity.issuer} (audience "${config.identity.audience}").`];
process.stderr.write(`\nclub-contracts is listening on ${url}\n${howToGetAToken.join('\n')}\n\n`);

logger.info({ url }, 'serving');
serving = true;

/**
 * Readiness fails first, then the listener closes; in-flight requests finish (idle keep-alive
 * sockets are closed so they cannot start new ones); the worker finishes the jobs in hand; then
 * the pool, then PostgreSQL if embedded — a fast shutdown, which rolls back nothing committed.
 */
async function shutdown(signal: NodeJS.Signals): Promise<void> {
  if (shuttingDown) {
    logger.info({ signal }, 'already shutting down');
    return;
  }
  shuttingDown = true;
  setTimeout(() => {
    logger.error('shutdown took too long; exiting');
    process.exit(1);
  }, SHUTDOWN_DEADLINE_MS).unref();
  logger.info({ signal }, 'shutting down');

  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  // A keep-alive socket that goes idle during the drain could carry a new request; close each as
  // soon as it is idle, so the drain ends when the last in-flight request does.
  const closingIdle = setInterval(() => server.closeIdleConnections(), 50);
  server.closeIdleConnections();
  const drained = await Promise.race([
    closed.then(() => true),
    new Promise<boolean>((resolve) => setTimeout(resolve, DRAIN_TIMEOUT_MS, false).unref()),
  ]);
  if (!drained) {
    logger.warn('in-flight requests did not finish in time; closing their connections');
    server.closeAllConnections();
  }
  clearInterval(closingIdle);
  await worker?.stop();
  await pool.end();
  await database.stop();
  logger.info('stopped');
  process.exit(0);
}

function failedToStart(error: unknown): never {
  logger.fatal({ err: error }, 'could not start');
  process.stderr.write(`\nclub-contracts could not start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
