import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { type Club, createClub } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/settle_idempotency_key: the last step of a write that carries an Idempotency-Key.

const db = useDatabase();
const claimOf = (key: string) =>
  sql.fragment`ROW(${key}, sha256('request'::bytea), interval '1 hour', interval '1 second')::idempotency_claim`;
const responses = (club: Club) =>
  db().pool.any(sql.type(z.object({ key: z.string(), response: z.unknown() }))`
    SELECT key, response FROM idempotency_keys WHERE tenant_id = ${club.id} ORDER BY key
  `);

test('stores the outcome with the claimed key, without the replayed flag', async (t) => {
  const club = await createClub(db().pool);
  await db().pool.transaction(async (transaction) => {
    await transaction.query(sql.unsafe`SELECT claim_idempotency_key(${club.id}, ${claimOf('k1')})`);
    await transaction.query(sql.unsafe`SELECT settle_idempotency_key(${club.id}, ${claimOf('k1')}, '{"replayed": false, "id": 3}')`);
  });

  t.deepEqual(await responses(club), [{ key: 'k1', response: { id: 3 } }]);
});

test('with no claim it stores nothing', async (t) => {
  const club = await createClub(db().pool);
  await db().pool.query(sql.unsafe`SELECT settle_idempotency_key(${club.id}, NULL, '{"replayed": false, "id": 3}')`);

  t.deepEqual(await responses(club), []);
});
