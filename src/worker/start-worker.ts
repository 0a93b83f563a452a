import { Logger as WorkerLogger, type TaskList, run } from 'graphile-worker';
import pg from 'pg';
import type { Logger } from 'pino';

export interface WorkerOptions {
  /** PostgreSQL itself: the worker LISTENs for new jobs, which a transaction-mode PgBouncer cannot pass. */
  readonly databaseUrl: string;
  readonly tasks: TaskList;
  readonly logger: Logger;
  /** Jobs run at once; sending mail waits on the network, not the CPU. */
  readonly concurrency?: number;
}

export interface Worker {
  /** Finishes the jobs in hand, then closes every connection the worker opened. */
  stop(): Promise<void>;
}

/**
 * Starts graphile-worker on the contract functions' queue. Signals are the process's to handle:
 * shutdown drains the worker with the server. The worker's connections are a pool of ours, so that
 * `stop()` returns only once all of them are closed: an embedded PostgreSQL stopped right after
 * must not find one still listening.
 */
export async function startWorker({ databaseUrl, tasks, logger, concurrency = 4 }: WorkerOptions): Promise<Worker> {
  const workerLog = logger.child({ component: 'worker' });
  // One connection listens for new jobs; the others run them.
  const pgPool = new pg.Pool({ connectionString: databaseUrl, max: concurrency + 2 });
  pgPool.on('error', (error) => workerLog.warn({ err: error }, 'an idle worker connection failed'));
  const open = new Set<pg.PoolClient>();
  pgPool.on('connect', (client) => {
    client.on('error', () => {});
    open.add(client);
    client.once('end', () => open.delete(client));
  });
  const runner = await run({
    pgPool,
    taskList: tasks,
    // No cron: reminders are scheduled per offer, as jobs with a run_at.
    parsedCronItems: [],
    concurrency,
    noHandleSignals: true,
    // Jobs are added without a NOTIFY (sql/enqueue_contract_job.sql), so an idle worker finds them by polling.
    pollInterval: 500,
    logger: workerLogger(workerLog),
  }).catch(async (error: unknown) => {
    await pgPool.end();
    throw error;
  });
  return {
    stop: async () => {
      await runner.stop();
      await pgPool.end();
      // pg-pool's end() resolves once it has asked each connection to close, not once they have.
      await Promise.all([...open].map((client) => new Promise((resolve) => client.once('end', resolve))));
    },
  };
}

const LEVELS = { error: 'error', warning: 'warn', info: 'info', debug: 'debug' } as const;

function workerLogger(logger: Logger): WorkerLogger {
  return new WorkerLogger(() => (level, message, meta) => {
    const method = LEVELS[level as keyof typeof LEVELS] ?? 'info';
    // Job payloads hold ids and a link's hash, never a link; meta is kept to its job's identity.
    const job = (meta as { job?: { id?: string; task_identifier?: string } } | undefined)?.job;
    logger[method]({ job: job ? { id: job.id, task: job.task_identifier } : undefined }, message);
  });
}
