import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { useDatabase } from './helpers/sql-test.ts';

// docs/PRODUCT.md, "Data", and docs/SCALING.md: the schema stays ready to be distributed by
// tenant_id with Citus. Citus accepts a primary key, unique index or foreign key on a distributed
// table only if it includes the distribution column, and pushes a function down to a tenant's node
// only by one of its arguments. Tenant-owned tables are found in the catalog (every table with a
// tenant_id column), so a table added later is held to the same rules without touching this file.

const db = useDatabase();

/**
 * Tables that carry tenant_id and are keyed without it on purpose, each with the reason. Nothing
 * else may be: add a table here only with the plan for it in docs/SCALING.md.
 */
const KEYED_WITHOUT_TENANT: Record<string, string> = {
  contract_links:
    'the family link → club routing index: a family link is its token alone (docs/PRODUCT.md, ' +
    '"Tokens and links"), so this table is keyed and, under Citus, distributed by token; it holds ' +
    'nothing but the club to route to',
};

const tenantOwnedTables = () =>
  db().pool.anyFirst(sql.type(z.object({ name: z.string() }))`
    SELECT c.relname AS name
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
    ORDER BY 1
  `);

const held = (table: string) => !Object.hasOwn(KEYED_WITHOUT_TENANT, table);

test('the rules below have tables to hold to: the tenant-owned ones are found in the catalog', async (t) => {
  const tables = await tenantOwnedTables();
  for (const table of ['teams', 'players', 'player_teams', 'contract_audit_log', 'superseded_contract_tokens']) {
    t.true(tables.includes(table), `${table} has tenant_id`);
  }
});

test('every table keyed without tenant_id on purpose still exists and still carries tenant_id', async (t) => {
  const tables = await tenantOwnedTables();
  for (const table of Object.keys(KEYED_WITHOUT_TENANT)) t.true(tables.includes(table), table);
});

test("every tenant-owned table's primary key starts with tenant_id", async (t) => {
  const keys = await db().pool.any(sql.type(z.object({ table: z.string(), first: z.string().nullable() }))`
    SELECT c.relname AS table, first_column.attname AS first
    FROM pg_class c
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute tenant ON tenant.attrelid = c.oid AND tenant.attname = 'tenant_id' AND NOT tenant.attisdropped
    LEFT JOIN pg_index i ON i.indrelid = c.oid AND i.indisprimary
    LEFT JOIN pg_attribute first_column ON first_column.attrelid = c.oid AND first_column.attnum = i.indkey[0]
    WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p')
    ORDER BY 1
  `);
  const wrong = keys.filter((key) => held(key.table) && key.first !== 'tenant_id');
  t.deepEqual(wrong, [], 'tables without a primary key, or whose key does not start with tenant_id');
});

test('every primary key and unique index of a tenant-owned table includes tenant_id', async (t) => {
  const indexes = await db().pool.any(sql.type(z.object({ table: z.string(), index: z.string() }))`
    SELECT c.relname AS table, ic.relname AS index
    FROM pg_index i
    JOIN pg_class c ON c.oid = i.indrelid
    JOIN pg_class ic ON ic.oid = i.indexrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_attribute tenant ON tenant.attrelid = c.oid AND tenant.attname = 'tenant_id' AND NOT tenant.attisdropped
    WHERE n.nspname = 'public' AND i.indisunique
      -- key columns only: an INCLUDE column does not make an index unique per tenant
      AND NOT tenant.attnum = ANY ((i.indkey::int2[])[0:i.indnkeyatts - 1])
    ORDER BY 1, 2
  `);
  t.deepEqual(
    indexes.filter((index) => held(index.table)),
    [],
    'unique indexes (primary keys and unique constraints among them) that leave tenant_id out',
  );
});

test('every foreign key of a tenant-owned table includes tenant_id, matched to tenant_id between tenant-owned tables', async (t) => {
  const foreignKeys = await db().pool.any(
    sql.type(z.object({ table: z.string(), constraint: z.string(), references: z.string() }))`
      SELECT c.relname AS table, fk.conname AS constraint, target.relname AS references
      FROM pg_constraint fk
      JOIN pg_class c ON c.oid = fk.conrelid
      JOIN pg_class target ON target.oid = fk.confrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      JOIN pg_attribute tenant ON tenant.attrelid = c.oid AND tenant.attname = 'tenant_id' AND NOT tenant.attisdropped
      LEFT JOIN pg_attribute target_tenant
        ON target_tenant.attrelid = target.oid AND target_tenant.attname = 'tenant_id' AND NOT target_tenant.attisdropped
      WHERE n.nspname = 'public' AND fk.contype = 'f'
        AND NOT EXISTS (
          SELECT 1 FROM unnest(fk.conkey, fk.confkey) AS pair (from_column, to_column)
          WHERE pair.from_column = tenant.attnum
            AND (target_tenant.attnum IS NULL OR pair.to_column = target_tenant.attnum)
        )
      ORDER BY 1, 2
    `,
  );
  t.deepEqual(
    foreignKeys.filter((foreignKey) => held(foreignKey.table)),
    [],
  );
});

test('no table without tenant_id has a foreign key into a tenant-owned table', async (t) => {
  // Citus refuses a foreign key from a reference or local table to a distributed one.
  const foreignKeys = await db().pool.anyFirst(sql.type(z.object({ constraint: z.string() }))`
    SELECT fk.conname AS constraint
    FROM pg_constraint fk
    JOIN pg_class c ON c.oid = fk.conrelid
    JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'public' AND fk.contype = 'f'
      AND NOT EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
      AND EXISTS (SELECT 1 FROM pg_attribute a WHERE a.attrelid = fk.confrelid AND a.attname = 'tenant_id' AND NOT a.attisdropped)
    ORDER BY 1
  `);
  t.deepEqual(foreignKeys, []);
});

test('every function that takes a tenant takes it first', async (t) => {
  const functions = await db().pool.any(
    sql.type(z.object({ signature: z.string(), position: z.number() }))`
      SELECT p.oid::regprocedure::text AS signature, argument.position::integer AS position
      FROM pg_proc p
      JOIN pg_namespace n ON n.oid = p.pronamespace
      CROSS JOIN LATERAL unnest(p.proargnames) WITH ORDINALITY AS argument (name, position)
      WHERE n.nspname = 'public'
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
        -- input arguments only (no modes: all are inputs); RETURNS TABLE columns are not arguments
        AND coalesce(p.proargmodes[argument.position], 'i') IN ('i', 'b', 'v')
        AND argument.name ~ 'tenant'
      ORDER BY 1
    `,
  );
  t.true(
    functions.some((fn) => fn.signature.startsWith('offer_contract(')),
    'offer_contract is among the functions that take a tenant',
  );
  t.deepEqual(
    functions.filter((fn) => fn.position !== 1),
    [],
    'functions whose tenant argument is not the first (Citus pushes a call down by its first argument)',
  );
});
