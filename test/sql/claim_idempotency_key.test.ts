import { createHash } from 'node:crypto';
import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { createDatabasePool } from '../../src/db/pool.ts';
import { LOADED_MACHINE_WAITS } from '../helpers/database.ts';
import { type Club, createClub } from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/claim_idempotency_key: the first step of a write that carries an Idempotency-Key.

const db = useDatabase();
const hash = (text: string) => sql.binary(createHash('sha256').update(text).digest());

const claim = (club: Club, key: string, request: string) =>
  db().pool.oneFirst(sql.type(z.object({ stored: z.unknown() }))`
    SELECT claim_idempotency_key(${club.id}, ROW(${key}, ${hash(request)}, interval '1 hour', interval '1 second')::idempotency_claim) AS stored
  `);

const keysOf = (club: Club) =>
  db().pool.anyFirst(sql.type(z.object({ key: z.string() }))`
    SELECT key FROM idempotency_keys WHERE tenant_id = ${club.id} ORDER BY key
  `);

test('no claim (a write without a key): NULL, and no key is recorded', async (t) => {
  const club = await createClub(db().pool);

  t.is(
    await db().pool.oneFirst(sql.type(z.object({ stored: z.unknown() }))`SELECT claim_idempotency_key(${club.id}, NULL) AS stored`),
    null,
  );
  t.deepEqual(await keysOf(club), []);
});

test('a new key is claimed (NULL) and recorded with its expiry', async (t) => {
  const club = await createClub(db().pool);

  t.is(await claim(club, 'k1', 'request'), null);

  const row = await db().pool.one(sql.type(z.object({ response: z.unknown(), ttl_ok: z.boolean() }))`
    SELECT response, expires_at BETWEEN now() + interval '59 minutes' AND now() + interval '61 minutes' AS ttl_ok
    FROM idempotency_keys WHERE tenant_id = ${club.id} AND key = 'k1'
  `);
  t.deepEqual(row, { response: null, ttl_ok: true });
});

test('a key with a stored outcome returns it for the same request and raises IDKRU for another', async (t) => {
  const club = await createClub(db().pool);
  await db().pool.query(sql.unsafe`
    INSERT INTO idempotency_keys (tenant_id, key, request_hash, response, expires_at)
    VALUES (${club.id}, 'k2', ${hash('request')}, '{"id": 7}', now() + interval '1 hour')
  `);

  t.deepEqual(await claim(club, 'k2', 'request'), { id: 7, replayed: true });
  t.is(await sqlstateOf(claim(club, 'k2', 'another request')), 'IDKRU');
});

test('a duplicate waits for the claim of a running transaction, then raises IDKIP', async (t) => {
  const club = await createClub(db().pool);
  const other = await createDatabasePool(db().url, { maximumPoolSize: 1, ...LOADED_MACHINE_WAITS });
  let release = () => {};
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let claimed = () => {};
  const hasClaimed = new Promise<void>((resolve) => {
    claimed = resolve;
  });
  const first = other.transaction(async (tx) => {
    await tx.query(sql.unsafe`
      SELECT claim_idempotency_key(${club.id}, ROW('k3', ${hash('request')}, interval '1 hour', interval '1 second')::idempotency_claim)
    `);
    claimed();
    await released;
  });
  try {
    await hasClaimed;
    const started = Date.now();
    t.is(await sqlstateOf(claim(club, 'k3', 'request')), 'IDKIP');
    t.true(Date.now() - started >= 900, 'it waited for the lock timeout');
  } finally {
    release();
    await first;
    await other.end();
  }
});

test('an expired key is claimed again, and each claim removes up to ten of the club’s expired keys', async (t) => {
  const club = await createClub(db().pool);
  await db().pool.query(sql.unsafe`
    INSERT INTO idempotency_keys (tenant_id, key, request_hash, response, expires_at)
    SELECT ${club.id}, 'old-' || lpad(n::text, 2, '0'), ${hash('request')}, '{}', now() - interval '1 minute'
    FROM generate_series(1, 12) AS n
  `);

  t.is(await claim(club, 'old-01', 'a new request'), null, 'the expired key is free again');

  const keys = await keysOf(club);
  t.is(keys.length, 2, 'old-01, claimed again, and the one expired key of the eleven that ten did not reach');
  t.true(keys.includes('old-01'));
});
