import test from 'ava';
import { sql } from 'slonik';
import { cachedTenantIds } from '../src/club/tenant-id-cache.ts';
import { createClub } from './helpers/fixtures.ts';
import { useDatabase } from './helpers/sql-test.ts';

// src/club/tenant-id-cache: clubs that exist are remembered for a minute; unknown ones never.

const db = useDatabase();

test('a club created after a lookup missed it is found at once', async (t) => {
  const lookup = cachedTenantIds(db().pool, 10);
  t.is(await lookup('late-club'), null);

  const id = await db().pool.oneFirst(sql.unsafe`INSERT INTO tenants (slug, name) VALUES ('late-club', 'Late') RETURNING id`);

  t.is(await lookup('late-club'), id);
});

test('a known club is answered from memory for a minute, then read again', async (t) => {
  let now = 0;
  const lookup = cachedTenantIds(db().pool, 10, () => now);
  const club = await createClub(db().pool);
  t.is(await lookup(club.slug), club.id);

  await db().pool.query(sql.unsafe`UPDATE tenants SET slug = ${`${club.slug}-renamed`} WHERE id = ${club.id}`);
  now += 59_000;
  t.is(await lookup(club.slug), club.id, 'still remembered');
  now += 1_000;
  t.is(await lookup(club.slug), null, 'read again');
});

test('at most maxEntries clubs are remembered', async (t) => {
  let now = 0;
  const lookup = cachedTenantIds(db().pool, 1, () => now);
  const [first, second] = [await createClub(db().pool), await createClub(db().pool)];
  await lookup(first.slug);
  await lookup(second.slug);

  await db().pool.query(sql.unsafe`UPDATE tenants SET slug = ${`${first.slug}-x`} WHERE id = ${first.id}`);
  now += 1;

  t.is(await lookup(first.slug), null, 'the first was forgotten when the second came');
});
