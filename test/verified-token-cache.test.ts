import test from 'ava';
import { AppError } from '../src/errors.ts';
import { cacheVerifiedTokens } from '../src/identity/verified-token-cache.ts';
import type { AdminIdentity, AdminTokenVerifier } from '../src/identity/verify-admin-token.ts';

// src/identity/verified-token-cache: a verified token is trusted for a minute at most, never past
// its expiry; refusals are never remembered.

const T0 = 1_800_000_000_000;

function countingVerifier(expiresAt = T0 / 1000 + 3600) {
  const calls: string[] = [];
  const verify: AdminTokenVerifier = async (authorization) => {
    const header = authorization?.[0] ?? '';
    calls.push(header);
    if (header.includes('bad')) throw new AppError('unauthenticated');
    return { tenantSlug: 'club', actor: header, expiresAt } satisfies AdminIdentity;
  };
  return { verify, calls };
}

test('a token that verified is not checked again within recheckAfterMs', async (t) => {
  const { verify, calls } = countingVerifier();
  let now = T0;
  const cached = cacheVerifiedTokens(verify, { maxEntries: 10, recheckAfterMs: 60_000, now: () => now });

  await cached(['Bearer a']);
  now += 59_000;
  const again = await cached(['Bearer a']);

  t.is(calls.length, 1);
  t.is(again.actor, 'Bearer a');
});

test('after recheckAfterMs the token is checked again', async (t) => {
  const { verify, calls } = countingVerifier();
  let now = T0;
  const cached = cacheVerifiedTokens(verify, { maxEntries: 10, recheckAfterMs: 60_000, now: () => now });

  await cached(['Bearer a']);
  now += 60_000;
  await cached(['Bearer a']);

  t.is(calls.length, 2);
});

test('a token is never trusted past its exp', async (t) => {
  const { verify, calls } = countingVerifier(T0 / 1000 + 5);
  let now = T0;
  const cached = cacheVerifiedTokens(verify, { maxEntries: 10, recheckAfterMs: 60_000, now: () => now });

  await cached(['Bearer a']);
  now += 5_000;
  await cached(['Bearer a']);

  t.is(calls.length, 2);
});

test('a refused token is refused every time, and checked every time', async (t) => {
  const { verify, calls } = countingVerifier();
  const cached = cacheVerifiedTokens(verify, { maxEntries: 10, recheckAfterMs: 60_000, now: () => T0 });

  await t.throwsAsync(cached(['Bearer bad']), { instanceOf: AppError });
  await t.throwsAsync(cached(['Bearer bad']), { instanceOf: AppError });

  t.is(calls.length, 2);
});

test('at most maxEntries tokens are kept; the oldest goes first', async (t) => {
  const { verify, calls } = countingVerifier();
  const cached = cacheVerifiedTokens(verify, { maxEntries: 2, recheckAfterMs: 60_000, now: () => T0 });

  for (const token of ['Bearer a', 'Bearer b', 'Bearer c', 'Bearer c', 'Bearer b', 'Bearer a']) await cached([token]);

  t.deepEqual(calls, ['Bearer a', 'Bearer b', 'Bearer c', 'Bearer a']);
});

test('two Authorization headers are never answered from the cache', async (t) => {
  const { verify, calls } = countingVerifier();
  const cached = cacheVerifiedTokens(verify, { maxEntries: 10, recheckAfterMs: 60_000, now: () => T0 });

  await cached(['Bearer a']);
  await cached(['Bearer a', 'Bearer a']);

  t.is(calls.length, 2);
});
