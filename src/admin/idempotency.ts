import type { Context } from 'koa';
import type { IdempotencyConfig } from '../config.ts';
import { type IdempotencyClaim, idempotencyClaim } from './idempotency-store.ts';

/**
 * An Idempotency-Key travels into the write function with the request's validated input: a retry
 * gets the first outcome again, marked by `Idempotent-Replayed: true`, and writes nothing.
 */
export const claim = (
  idempotency: IdempotencyConfig,
  key: string | null,
  write: string,
  input: object,
): IdempotencyClaim | null => (key === null ? null : idempotencyClaim(key, idempotency, write, input));

export function markReplay(ctx: Context, outcome: { readonly replayed: boolean }): void {
  if (outcome.replayed) ctx.set('Idempotent-Replayed', 'true');
}
