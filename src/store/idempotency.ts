import { createHash } from 'node:crypto';
import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';

/** The admin writes that an Idempotency-Key can guard, with exactly the input each one takes. */
export type IdempotentWrite =
  | {
      readonly operation: 'offer_contract';
      readonly args: {
        readonly player_id: number;
        readonly monthly_fee: number;
        readonly target_team_id: number | null;
        readonly force: boolean;
        /** The states the machine takes this offer from (machines/evaluate.ts sourceStates). */
        readonly allowed_from: readonly string[];
      };
    }
  | { readonly operation: 'create_team'; readonly args: { readonly name: string } }
  | {
      readonly operation: 'create_player';
      readonly args: { readonly name: string; readonly email: string; readonly team_ids: readonly number[] };
    };

export interface IdempotencyKey {
  readonly key: string;
  /** How long a key answers with its first outcome; after that it is a new key. */
  readonly ttlSeconds: number;
  /** How long a duplicate waits for the first request with its key before it gets 409. */
  readonly waitMs: number;
}

/**
 * What makes two requests "the same": the operation and its validated input, so key order,
 * whitespace or an explicit `null` for an omitted field do not make a retry a different request.
 * Callers build `args` with its keys in a fixed order.
 */
export function requestHash(write: IdempotentWrite): Buffer {
  return createHash('sha256').update(JSON.stringify([write.operation, write.args])).digest();
}

/**
 * One call of sql/run_idempotent_write: claims the key, does the write and stores its outcome, in
 * one transaction. A replay returns the first outcome and writes nothing. `outcome` parses what the
 * write function returned, as JSON.
 */
export async function runIdempotentWrite<S extends z.ZodTypeAny>(
  db: CommonQueryMethods,
  tenantId: number,
  actor: string,
  idempotency: IdempotencyKey,
  write: IdempotentWrite,
  outcome: S,
): Promise<{ readonly replayed: boolean; readonly outcome: z.output<S> }> {
  const row = await db.one(sql.type(z.object({ replayed: z.boolean(), outcome: z.unknown() }))`
    SELECT * FROM run_idempotent_write(
      ${tenantId}, ${idempotency.key}, ${sql.binary(requestHash(write))},
      make_interval(secs => ${idempotency.ttlSeconds}), make_interval(secs => ${idempotency.waitMs / 1000}),
      ${write.operation}, ${sql.jsonb(write.args)}, ${actor}
    )
  `);
  return { replayed: row.replayed, outcome: outcome.parse(row.outcome) };
}
