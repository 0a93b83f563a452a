import { EventEmitter } from 'node:events';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Runner, Logger as WorkerLogger, type TaskList, type WorkerEvents, run } from 'graphile-worker';
import pg from 'pg';
import type { Logger } from 'pino';

export interface WorkerOptions {
  /** PostgreSQL itself: the worker LISTENs for new jobs, which a transaction-mode PgBouncer cannot pass. */
  readonly databaseUrl: string;
  readonly tasks: TaskList;
  readonly logger: Logger;
  /** Jobs run at once; sending mail waits on the network, not the CPU. */
  readonly concurrency?: number;
  /**
   * No other worker can be on this queue (an embedded cluster this process just started): any job
   * still locked was locked by a worker that died with the previous run, so it is unlocked now
   * rather than after graphile-worker's four hours.
   */
  readonly soleWorker?: boolean;
}

export interface Worker {
  /** Finishes the jobs in hand, then closes every connection the worker opened. */
  stop(): Promise<void>;
}

/** How long a worker pool that lost the database waits between tries to be replaced. */
const RESTART_DELAYS_MS = { first: 500, max: 10_000 } as const;

/** One graphile-worker pool, and what we need to know to replace it. */
interface Pool {
  readonly id: string;
  readonly runner: Runner;
  /** Settles when the pool can no longer be trusted to record its jobs' outcomes, or has ended. */
  readonly failed: Promise<void>;
  /** Settles once every one of its workers has stopped, so it runs no task and takes no job. */
  readonly workersStopped: Promise<void>;
}

/**
 * Starts graphile-worker on the contract functions' queue. Signals are the process's to handle:
 * shutdown drains the worker with the server. The worker's connections are a pool of ours, so that
 * `stop()` returns only once all of them are closed: an embedded PostgreSQL stopped right after
 * must not find one still listening.
 *
 * Losing the database must neither crash the process nor strand a job. graphile-worker 0.17
 * records a job's outcome (delete it, or schedule its retry) after the task without awaiting it:
 * by default, when the database is gone at that moment, the rejection goes unhandled and Node ends
 * the process (the HTTP server with it, under `npm start`), and the job stays locked by that
 * worker pool for four hours before anyone may run it again. With batched outcomes (a batch of one
 * tick) graphile-worker handles the failure instead: it reports it and shuts the pool down. That
 * pool's locked jobs then belong to nobody; once its workers have stopped and the database answers,
 * they are unlocked (`force_unlock_workers`, by the pool's id, which no other worker shares) and a
 * new pool takes them up. A pool whose outcome failed is never waited on to finish shutting down:
 * graphile-worker 0.17.3's batcher can lose count after a failure and never settle.
 *
 * A message whose send ended just as the database went is recorded by its task, which waits for the
 * database (src/worker/contract-mail-tasks.ts), so that running its job again finds it sent.
 */
export async function startWorker({
  databaseUrl,
  tasks,
  logger,
  concurrency = 4,
  soleWorker = false,
}: WorkerOptions): Promise<Worker> {
  const workerLog = logger.child({ component: 'worker' });
  // One connection listens for new jobs; the others run them; one more unlocks a replaced pool's jobs.
  const pgPool = new pg.Pool({ connectionString: databaseUrl, max: concurrency + 3 });
  pgPool.on('error', (error) => workerLog.warn({ err: error }, 'an idle worker connection failed'));
  const open = new Set<pg.PoolClient>();
  pgPool.on('connect', (client) => {
    client.on('error', () => {});
    open.add(client);
    client.once('end', () => open.delete(client));
  });
  const stopping = new AbortController();
  // Tasks cannot be cancelled: a forceful shutdown gives up on one that still runs. Its job is only
  // unlocked once it has really ended, or a second send could overlap the first.
  const running = new Set<Promise<unknown>>();
  const taskList: TaskList = {};
  for (const [name, task] of Object.entries(tasks)) {
    if (task === undefined) continue;
    taskList[name] = (payload, helpers) => {
      const ran = (async () => task(payload, helpers))();
      running.add(ran);
      const done = () => running.delete(ran);
      void ran.then(done, done);
      return ran;
    };
  }
  const tasksEnded = () => Promise.allSettled([...running]);

  const startPool = async (): Promise<Pool> => {
    const events: WorkerEvents = new EventEmitter();
    let id: string | null = null;
    let fail = () => {};
    const failed = new Promise<void>((resolve) => {
      fail = resolve;
    });
    let live = 0;
    let allStopped = () => {};
    const workersStopped = new Promise<void>((resolve) => {
      allStopped = resolve;
    });
    events.on('pool:create', ({ workerPool }) => {
      id = workerPool.id;
    });
    events.on('pool:fatalError', ({ error, action }) => {
      workerLog.warn({ err: error, action }, 'the worker pool could not record a job’s outcome');
      fail();
    });
    events.on('worker:create', () => {
      live += 1;
    });
    events.on('worker:stop', () => {
      live -= 1;
      if (live === 0) allStopped();
    });
    const runner = await run({
      pgPool,
      taskList,
      // No cron: reminders are scheduled per offer, as jobs with a run_at.
      parsedCronItems: [],
      concurrency,
      noHandleSignals: true,
      // Jobs are added without a NOTIFY (sql/enqueue_contract_job.sql), so an idle worker finds them by polling.
      pollInterval: 500,
      logger: workerLogger(workerLog),
      events,
      preset: { worker: { completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
    });
    if (id === null) throw new Error('graphile-worker started no worker pool');
    void runner.promise.then(fail, fail);
    return { id, runner, failed, workersStopped };
  };

  const unlock = (poolIds: 'all' | readonly string[]) =>
    pgPool.query(
      poolIds === 'all'
        ? 'SELECT graphile_worker.force_unlock_workers(array(SELECT DISTINCT locked_by FROM graphile_worker.jobs WHERE locked_by IS NOT NULL))'
        : 'SELECT graphile_worker.force_unlock_workers($1::text[])',
      poolIds === 'all' ? [] : [poolIds],
    );

  let current: Pool;
  try {
    if (soleWorker) await unlock('all');
    current = await startPool();
  } catch (error) {
    await pgPool.end();
    throw error;
  }

  /** Each pool that fails is replaced: once it runs nothing, its jobs are unlocked and a new pool started. */
  const supervising = (async () => {
    for (;;) {
      await current.failed;
      if (stopping.signal.aborted) return;
      // graphile-worker is already shutting the pool down (or has): wait for its workers, not for it.
      const failed = current;
      await failed.workersStopped;
      await tasksEnded();
      for (let delay: number = RESTART_DELAYS_MS.first; ; delay = Math.min(delay * 2, RESTART_DELAYS_MS.max)) {
        await sleep(delay, undefined, { signal: stopping.signal }).catch(() => {});
        if (stopping.signal.aborted) return;
        try {
          await unlock([failed.id]);
          current = await startPool();
          workerLog.info({ pool: current.id, unlocked: failed.id }, 'the worker pool was replaced; its jobs are taken up again');
          break;
        } catch (error) {
          workerLog.debug({ err: error }, 'the worker pool cannot be replaced yet');
        }
      }
      // stop() may have come while the new pool was starting, and stopped only the old one.
      if (stopping.signal.aborted) await current.runner.stop().catch(() => {});
    }
  })();

  return {
    stop: async () => {
      stopping.abort();
      const { runner, failed, workersStopped } = current;
      // A failed pool may never finish stopping; that its workers have is what matters.
      await Promise.race([runner.stop().catch(() => {}), failed.then(() => workersStopped)]);
      await supervising;
      await tasksEnded();
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
