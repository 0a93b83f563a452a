import type { SchemaGate } from './schema-gate.ts';

export interface Readiness {
  readonly ready: boolean;
  readonly checks: {
    readonly database: 'ok' | 'unreachable';
    readonly migrations: 'current' | 'pending' | 'unknown';
    readonly shutting_down: boolean;
  };
  /** Migrations this build ships that the database has not run. */
  readonly pending_migrations: string[];
}

/** Answers well inside a load balancer's probe timeout, even when the database hangs. */
const CHECK_TIMEOUT_MS = 2_000;

/**
 * GET /readyz (docs/PRODUCT.md, "Operations"): ready when the database answers, has run every
 * migration this build ships, and the service is not shutting down. Each probe checks the schema
 * gate again, which opens or closes it.
 */
export function createReadinessCheck(schemaGate: SchemaGate, isShuttingDown: () => boolean): () => Promise<Readiness> {
  return async () => {
    const pending = await Promise.race([
      schemaGate.check(),
      new Promise<null>((resolve) => setTimeout(resolve, CHECK_TIMEOUT_MS, null).unref()),
    ]).catch(() => null);
    const shuttingDown = isShuttingDown();
    return {
      ready: pending !== null && pending.length === 0 && !shuttingDown,
      checks: {
        database: pending === null ? 'unreachable' : 'ok',
        migrations: pending === null ? 'unknown' : pending.length === 0 ? 'current' : 'pending',
        shutting_down: shuttingDown,
      },
      pending_migrations: pending ?? [],
    };
  };
}
