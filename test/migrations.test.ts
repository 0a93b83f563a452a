import { randomBytes } from 'node:crypto';
import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { migrate, migrationNames as shippedMigrations } from '../src/db/migrate.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';

let db: TestDatabase;
test.before(async () => {
  db = await createTestDatabase({ empty: true });
});
test.after.always(async () => {
  await db?.drop();
});

const quiet = { log: () => {} };
const migrationNames = shippedMigrations();

const ourObjects = () =>
  db.pool.anyFirst(sql.type(z.object({ name: z.string() }))`
    SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'v', 'S', 'i') AND c.relname <> 'pgmigrations'
      AND c.relname NOT LIKE 'pgmigrations%'
    UNION ALL
    SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    LEFT JOIN pg_depend d ON d.objid = p.oid AND d.deptype = 'e'
    WHERE n.nspname = 'public' AND d.objid IS NULL
  `);

test.serial('migrations run as the database owner, who is not a superuser', async (t) => {
  const superuser = await db.pool.oneFirst(
    sql.type(z.object({ rolsuper: z.boolean() }))`SELECT rolsuper FROM pg_roles WHERE rolname = current_user`,
  );
  t.false(superuser);
});

test.serial('up applies every migration, down reverts all of them, and up works again', async (t) => {
  t.deepEqual(await migrate(db.url, { direction: 'up', ...quiet }), migrationNames);
  t.true((await ourObjects()).includes('offer_contract'));

  t.deepEqual(await migrate(db.url, { direction: 'down', ...quiet }), [...migrationNames].reverse());
  t.deepEqual(await ourObjects(), []);

  t.deepEqual(await migrate(db.url, { direction: 'up', ...quiet }), migrationNames);
  t.deepEqual(await migrate(db.url, { direction: 'up', ...quiet }), [], 'a second up has nothing to do');
});

test.serial('0007 routes the tokens minted before it: live ones and replaced ones', async (t) => {
  await migrate(db.url, { direction: 'up', ...quiet });
  const after0007 = migrationNames.length - migrationNames.indexOf('0007_contract-links');
  await migrate(db.url, { direction: 'down', count: after0007, ...quiet });
  const tenantId = await db.pool.oneFirst(
    sql.type(z.object({ id: z.number() }))`INSERT INTO tenants (slug, name) VALUES ('old-club', 'Old Club') RETURNING id`,
  );
  const playerId = await db.pool.oneFirst(sql.type(z.object({ id: z.number() }))`
    INSERT INTO players (tenant_id, name, email) VALUES (${tenantId}, 'Jacelyn Park', 'family@example.test') RETURNING id
  `);
  // Written by hand, as an offer and a re-offer before 0007 left them.
  const [replaced, live] = [randomBytes(32).toString('base64url'), randomBytes(32).toString('base64url')];
  await db.pool.query(sql.unsafe`
    UPDATE players SET contract_status = 'offered', contract_token = ${live}, monthly_fee = 100
    WHERE tenant_id = ${tenantId} AND id = ${playerId}
  `);
  await db.pool.query(sql.unsafe`
    INSERT INTO superseded_contract_tokens (token, tenant_id, player_id) VALUES (${replaced}, ${tenantId}, ${playerId})
  `);

  await migrate(db.url, { direction: 'up', ...quiet });

  const routed = await db.pool.any(sql.type(z.object({ token: z.string(), tenant_id: z.number() }))`
    SELECT token, tenant_id FROM contract_links ORDER BY token COLLATE "C"
  `);
  t.deepEqual(
    routed,
    [replaced, live].sort().map((token) => ({ token, tenant_id: tenantId })),
  );
});
