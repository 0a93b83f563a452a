// `npm run worker`: the worker that sends the family's e-mail, on its own, for deployments whose
// API processes run with WORKER=off. It works the queue of the database `npm start` migrated.
import { ConfigError, parseConfig } from './config.ts';
import { createDatabasePool, poolOptionsFrom } from './db/pool.ts';
import { createLogger } from './logger.ts';
import { createMetrics } from './operations/metrics.ts';
import { startContractWorker } from './worker/contract-worker.ts';

/** The jobs in hand get this long after SIGTERM, like the server's requests (docs/PRODUCT.md, "Shutdown"). */
const SHUTDOWN_DEADLINE_MS = 19_000;

let config: ReturnType<typeof parseConfig>;
try {
  config = parseConfig(process.env);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(78); // EX_CONFIG
}
if (config.databaseUrl === null) {
  console.error(
    'npm run worker needs DATABASE_URL: the embedded PostgreSQL belongs to the npm start process, whose worker runs by default.',
  );
  process.exit(78);
}

const logger = createLogger(config.logLevel);
// A worker of its own is a deployment's: without SMTP_URL its mail would quietly pile up as files
// under DATA_DIR (the checkout's .data/ by default), so say where, once, at the start.
if (config.mail.smtpUrl === null) {
  logger.warn({ mail_dir: config.mail.mailDir }, 'no SMTP_URL: e-mail is written as .eml files there, not sent');
}

// Installed before anything starts, and so before 'worker started' is written: whoever waits for
// that line may signal at once. `on`, not `once`: a second signal (a terminal's Ctrl-C under npm
// arrives twice) must not end Node with the jobs in hand. A signal during start-up waits for it to
// finish, then stops what it started.
let stopping = false;
let started: (stop: () => Promise<void>) => void = () => {};
const stopWhatStarted = new Promise<() => Promise<void>>((resolve) => {
  started = resolve;
});
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, SHUTDOWN_DEADLINE_MS).unref();
    logger.info({ signal }, 'stopping the worker');
    await (await stopWhatStarted)();
    logger.info('stopped');
    process.exit(0);
  });
}

const pool = await createDatabasePool(config.databaseUrl, poolOptionsFrom(config));
const worker = await startContractWorker(config, {
  directDatabaseUrl: config.databaseMigrationUrl ?? config.databaseUrl,
  pool,
  metrics: createMetrics(pool),
  logger,
});
started(async () => {
  await worker.stop();
  await pool.end();
});
if (!stopping) logger.info('worker started');
