import { isIP } from 'node:net';
import type { Context } from 'koa';
import { AppError } from '../errors.ts';

/** Misses a client may have answered: `burst` at once, refilled at `perSecond` (a token bucket). */
export interface RateLimit {
  readonly perSecond: number;
  readonly burst: number;
}

/**
 * Clients tracked at once. A bucket is a few dozen bytes, so this bounds the limiter to about a
 * megabyte however many addresses come; past it, the least recently seen client is forgotten
 * (which only gives it a full bucket again).
 */
export const MAX_TRACKED_CLIENTS = 10_000;

export interface RateLimiter {
  /** Takes one from the client's bucket: 0 if allowed, else the seconds until one is (a refusal takes nothing). */
  take(client: string): number;
  /** Clients tracked now. */
  readonly size: number;
}

/**
 * Token buckets in memory, one per client, least recently seen first. Per process: behind a load
 * balancer with N processes a client gets up to N times the rate (docs/RELIABILITY.md).
 */
export function createRateLimiter({ perSecond, burst }: RateLimit, maxClients = MAX_TRACKED_CLIENTS): RateLimiter {
  const buckets = new Map<string, { tokens: number; at: number }>();
  // A client unseen this long has a full bucket again: forgetting it changes nothing.
  const refillMs = (burst / perSecond) * 1000;

  return {
    take(client) {
      const now = performance.now();
      for (const [key, bucket] of buckets) {
        if (now - bucket.at < refillMs) break; // the rest were seen more recently
        buckets.delete(key);
      }
      const bucket = buckets.get(client);
      let tokens = burst;
      if (bucket === undefined) {
        if (buckets.size >= maxClients) buckets.delete(buckets.keys().next().value as string);
      } else {
        tokens = Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * perSecond);
        buckets.delete(client); // re-inserted below, as the most recently seen
      }
      const allowed = tokens >= 1;
      buckets.set(client, { tokens: allowed ? tokens - 1 : tokens, at: now });
      return allowed ? 0 : Math.max(1, Math.ceil((1 - tokens) / perSecond));
    },
    get size() {
      return buckets.size;
    },
  };
}

/**
 * The client a request counts against: its address, except that IPv6 addresses count by their
 * /64, since one home or phone network gets a whole /64 and can send from any address in it.
 */
export function rateLimitKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = '', tail] = (address.split('%')[0] ?? '').split('::');
  const groups = (part: string) => (part === '' ? [] : part.split(':'));
  const front = groups(head);
  const back = tail === undefined ? [] : groups(tail);
  const all = tail === undefined ? front : [...front, ...Array<string>(8 - front.length - back.length).fill('0'), ...back];
  return `${all
    .slice(0, 4)
    .map((group) => Number.parseInt(group, 16).toString(16))
    .join(':')}::/64`;
}

/**
 * Counts a miss — a request whose token the lookup proved opens no contract — against its client:
 * once the client's bucket is empty, 429 `too_many_requests` with Retry-After instead of the miss's
 * own answer. Only misses are counted, so a live link is never refused however many families share
 * one address; and since a throttled client gets the same 429 for an unknown, replaced, withdrawn or
 * expired link, it learns which of them a token is no faster than the configured rate.
 */
export function countMiss(ctx: Context, limiter: RateLimiter, client: string, onLimited: () => void): void {
  const wait = limiter.take(client);
  if (wait === 0) return;
  onLimited();
  ctx.set('Retry-After', String(wait));
  throw new AppError('too_many_requests', {
    message: `Too many links that open no contract were tried from your address. Try again in ${wait} second${wait === 1 ? '' : 's'}.`,
  });
}
