import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from 'pino';
import { type DatabasePool, sql } from 'slonik';
import { z } from 'zod';

export interface AuditSealer {
  /** Waits for a seal under way, then stops. */
  stop(): Promise<void>;
}

/**
 * Seals the audit rows written since the last seal into a checkpoint per club, every `intervalMs`
 * (sql/seal_contract_audit.sql; docs/DESIGN.md, "Tamper evidence"). Off the transitions' path, so
 * a club's transitions never wait for one another; several workers may run it, one seals at a time.
 */
export function startAuditSealer({
  pool,
  intervalMs,
  logger,
}: {
  readonly pool: DatabasePool;
  readonly intervalMs: number;
  readonly logger: Logger;
}): AuditSealer {
  const log = logger.child({ component: 'audit-sealer' });
  const stopping = new AbortController();
  const running = (async () => {
    while (!stopping.signal.aborted) {
      try {
        const checkpoints = await pool.oneFirst(sql.type(z.object({ written: z.number() }))`
          SELECT seal_contract_audit() AS written
        `);
        if (checkpoints > 0) log.debug({ checkpoints }, 'audit rows sealed');
      } catch (error) {
        log.warn({ err: error }, 'the audit rows could not be sealed; the next round tries again');
      }
      await sleep(intervalMs, undefined, { signal: stopping.signal }).catch(() => {});
    }
  })();
  return {
    stop: async () => {
      stopping.abort();
      await running;
    },
  };
}
