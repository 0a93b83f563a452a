import { Logger as WorkerLogger, type Runner, type TaskList, run } from 'graphile-worker';
import type { Logger } from 'pino';

export interface WorkerOptions {
  /** PostgreSQL itself: the worker LISTENs for new jobs, which a transaction-mode PgBouncer cannot pass. */
  readonly databaseUrl: string;
  readonly tasks: TaskList;
  readonly logger: Logger;
  /** Jobs run at once; sending mail waits on the network, not the CPU. */
  readonly concurrency?: number;
}

/**
 * Starts graphile-worker on the contract functions' queue. Signals are the process's to handle:
 * `stop()` finishes the jobs in hand and returns, so shutdown drains the worker with the server.
 */
export async function startWorker({ databaseUrl, tasks, logger, concurrency = 4 }: WorkerOptions): Promise<Runner> {
  return run({
    connectionString: databaseUrl,
    taskList: tasks,
    concurrency,
    noHandleSignals: true,
    pollInterval: 2000,
    logger: workerLogger(logger.child({ component: 'worker' })),
  });
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
