import { createHash } from 'node:crypto';
import { type FragmentSqlToken, sql } from 'slonik';
import { z } from 'zod';

/** How the service keeps Idempotency-Keys (config.ts `idempotency`). */
export interface IdempotencySettings {
  /** How long a key answers with its first outcome; after that it is a new key. */
  readonly ttlSeconds: number;
  /** How long a duplicate waits for the first request with its key before it gets 409. */
  readonly waitMs: number;
}

/** An Idempotency-Key on one admin write: the database's `idempotency_claim`. */
export interface IdempotencyClaim extends IdempotencySettings {
  readonly key: string;
  readonly requestHash: Buffer;
}

/**
 * The claim of an admin write with an Idempotency-Key. Two requests are "the same" when the write
 * and its validated input are: key order, whitespace or an explicit `null` for an omitted field do
 * not make a retry a different request. Callers build `input` with its keys in a fixed order.
 */
export function idempotencyClaim(key: string, settings: IdempotencySettings, write: string, input: object): IdempotencyClaim {
  return {
    key,
    ...settings,
    requestHash: createHash('sha256')
      .update(JSON.stringify([write, input]))
      .digest(),
  };
}

/** The write functions' last argument: the claim, or NULL for a write without a key. */
export function claimArgument(claim: IdempotencyClaim | null): FragmentSqlToken {
  if (claim === null) return sql.fragment`NULL`;
  return sql.fragment`ROW(
    ${claim.key}, ${sql.binary(claim.requestHash)},
    make_interval(secs => ${claim.ttlSeconds}), make_interval(secs => ${claim.waitMs / 1000})
  )::idempotency_claim`;
}

/** Every write function answers with its outcome and whether it replayed a stored one. */
export const replayed = z.object({ replayed: z.boolean() });
