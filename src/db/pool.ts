import { createPgDriverFactory } from '@slonik/pg-driver';
import {
  BackendTerminatedUnexpectedlyError,
  ConnectionError,
  type DatabasePool,
  type DriverFactory,
  type Interceptor,
  SchemaValidationError,
  createPool,
} from 'slonik';
import { type Config, DATABASE_TIMEOUT_DEFAULTS } from '../config.ts';

export interface PoolOptions {
  readonly maximumPoolSize: number;
  /** One connection attempt lasts at most this long. */
  readonly connectTimeoutMs?: number;
  /**
   * PostgreSQL's statement_timeout on every connection; time spent waiting for a lock counts. A
   * query with no answer at all `SILENT_CONNECTION_MARGIN_MS` after it is on a dead connection.
   */
  readonly statementTimeoutMs?: number;
  /** How long a query waits for a free connection while every one is busy. */
  readonly poolWaitTimeoutMs?: number;
}

/** The pool settings the service runs with. */
export function poolOptionsFrom(config: Config): PoolOptions {
  return {
    maximumPoolSize: config.databasePoolSize,
    connectTimeoutMs: config.databaseConnectTimeoutMs,
    statementTimeoutMs: config.databaseStatementTimeoutMs,
    poolWaitTimeoutMs: config.databasePoolWaitTimeoutMs,
  };
}

/** Every connection stayed busy for the whole wait; a ConnectionError, so callers answer 503. */
export class PoolWaitTimeoutError extends ConnectionError {
  constructor(readonly waitedMs: number) {
    super(`No database connection became free within ${waitedMs} ms.`);
    this.name = 'PoolWaitTimeoutError';
  }
}

/**
 * The service's connection pool. Queries typed with `sql.type(schema)` have their rows parsed by
 * that zod schema, so a row that does not match its declared shape fails loudly.
 */
export async function createDatabasePool(databaseUrl: string, options: PoolOptions): Promise<DatabasePool> {
  const statementTimeoutMs = options.statementTimeoutMs ?? DATABASE_TIMEOUT_DEFAULTS.statementTimeoutMs;
  const pool = await createPool(databaseUrl, {
    maximumPoolSize: options.maximumPoolSize,
    connectionTimeout: options.connectTimeoutMs ?? DATABASE_TIMEOUT_DEFAULTS.connectTimeoutMs,
    // slonik counts the first attempt as a retry: 1 means a single attempt, so the connect timeout
    // is the whole wait for an unreachable database.
    connectionRetryLimit: 1,
    statementTimeout: statementTimeoutMs,
    driverFactory: pgDriverWithQueryDeadline(statementTimeoutMs + SILENT_CONNECTION_MARGIN_MS),
    // How long destroying a connection waits for its running query: a silent one never ends.
    gracefulTerminationTimeout: 1_000,
    idleTimeout: 30_000,
    // slonik's default runs DISCARD ALL on every release: a round trip per query, and it throws away
    // cached plans. Nothing here keeps session state, so there is nothing to discard.
    resetConnection: async () => {},
    interceptors: [resultParser],
  });
  return withBoundedWait(
    pool,
    createGate(options.maximumPoolSize, options.poolWaitTimeoutMs ?? DATABASE_TIMEOUT_DEFAULTS.poolWaitTimeoutMs),
  );
}

const resultParser: Interceptor = {
  name: 'result-parser',
  transformRow: (context, query, row) => {
    if (context.resultParser === undefined) return row;
    const parsed = context.resultParser.safeParse(row);
    if (!parsed.success) throw new SchemaValidationError(query, row, parsed.error.issues);
    return parsed.data as typeof row;
  },
};

/** PostgreSQL cancels a statement at statement_timeout and says so at once; this is slack for that. */
const SILENT_CONNECTION_MARGIN_MS = 1_000;

/**
 * slonik's pg driver, with a deadline on every query. A connection whose peer vanished without a
 * word (a network partition, a database host that lost power: no FIN, no RST) leaves pg waiting
 * for an answer until the kernel gives up on the socket, many minutes later; pg's own
 * `query_timeout` is not among the settings slonik passes on. The server would have cancelled the
 * statement at statement_timeout and answered, so silence past that means the connection is gone:
 * it is destroyed, and the query fails as a lost connection (503).
 */
function pgDriverWithQueryDeadline(deadlineMs: number): DriverFactory {
  const createPgDriver = createPgDriverFactory();
  return async (options) => {
    const driver = await createPgDriver(options);
    return {
      createClient: async () => {
        const client = await driver.createClient();
        const query = client.query;
        client.query = async (text, values) => {
          let timer: NodeJS.Timeout | undefined;
          const silence = new Promise<never>((_resolve, reject) => {
            timer = setTimeout(() => {
              reject(new BackendTerminatedUnexpectedlyError(new Error(`No answer from the database within ${deadlineMs} ms.`)));
              client.destroy().catch(() => {});
            }, deadlineMs);
          });
          try {
            return await Promise.race([query(text, values), silence]);
          } finally {
            clearTimeout(timer);
          }
        };
        return client;
      },
    };
  };
}

interface Gate {
  enter(): Promise<void>;
  leave(): void;
  waiting(): number;
}

/** `size` permits; a caller that gets none within `timeoutMs` leaves the queue with an error. */
function createGate(size: number, timeoutMs: number): Gate {
  let free = size;
  const queue: Array<() => void> = [];
  return {
    enter: async () => {
      if (free > 0) {
        free -= 1;
        return;
      }
      await new Promise<void>((resolve, reject) => {
        const grant = () => {
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(() => {
          queue.splice(queue.indexOf(grant), 1);
          reject(new PoolWaitTimeoutError(timeoutMs));
        }, timeoutMs);
        queue.push(grant);
      });
    },
    leave: () => {
      const next = queue.shift();
      if (next === undefined) free += 1;
      else next(); // the permit passes straight on, so nobody can jump the queue
    },
    waiting: () => queue.length,
  };
}

const QUERY_METHODS = [
  'any',
  'anyFirst',
  'connect',
  'exists',
  'many',
  'manyFirst',
  'maybeOne',
  'maybeOneFirst',
  'one',
  'oneFirst',
  'query',
  'stream',
  'transaction',
] as const satisfies ReadonlyArray<keyof DatabasePool>;

/**
 * slonik 47 has no limit on how long a query waits for a connection when all are busy: it joins
 * the pool's `waitingClients` queue until one is released, and cannot be taken out again. Racing it
 * against a timer would not do: the request would answer 503 and the write would still run once a
 * connection freed up. So every query first takes one of `maximumPoolSize` permits here — waiting
 * at most `poolWaitTimeoutMs`, then failing before it reaches slonik at all — and gives it back once
 * slonik has released (or destroyed) its connection. With no more queries inside than connections,
 * slonik's own queue stays empty.
 */
function withBoundedWait(pool: DatabasePool, gate: Gate): DatabasePool {
  const bounded = Object.create(pool) as Record<string, unknown>;
  for (const method of QUERY_METHODS) {
    const run = pool[method] as (...args: unknown[]) => Promise<unknown>;
    bounded[method] = async (...args: unknown[]) => {
      await gate.enter();
      try {
        return await run(...args);
      } finally {
        gate.leave();
      }
    };
  }
  bounded.state = () => {
    const state = pool.state();
    return { ...state, waitingClients: state.waitingClients + gate.waiting() };
  };
  return bounded as unknown as DatabasePool;
}
