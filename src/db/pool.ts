import { type DatabasePool, type Interceptor, SchemaValidationError, createPool } from 'slonik';

export interface PoolOptions {
  readonly maximumPoolSize: number;
}

/**
 * The service's connection pool. Queries typed with `sql.type(schema)` have their rows parsed by
 * that zod schema, so a row that does not match its declared shape fails loudly.
 */
export async function createDatabasePool(databaseUrl: string, options: PoolOptions): Promise<DatabasePool> {
  return createPool(databaseUrl, {
    maximumPoolSize: options.maximumPoolSize,
    // An unreachable database must answer 503 within 10 s (SPEC §8): at most two 4 s attempts.
    connectionTimeout: 4_000,
    connectionRetryLimit: 1,
    statementTimeout: 10_000,
    idleTimeout: 30_000,
    // slonik's default runs DISCARD ALL on every release: a round trip per query, and it throws away
    // cached plans. Nothing here keeps session state, so there is nothing to discard.
    resetConnection: async () => {},
    interceptors: [resultParser],
  });
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
