import { createHash } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { MIGRATIONS_DIR, migrate, migrationNames } from '../src/db/migrate.ts';
import { dumpSchema, schemaDiff } from '../tools/db/schema-dump.ts';
import { createTestDatabase } from './helpers/database.ts';

// Migrations are history. When sql/ became the current text only, the files 0001–0011 load moved
// to migrations/frozen/; these tests prove that those migrations still execute exactly what they
// did, and that a database migrated before the move upgrades to the same schema a fresh one has.

/**
 * sha256 of the SQL each migration's up and down hand to PostgreSQL, as computed on main before the
 * move (commit 9ae835e). Never update these: a difference means a migration that databases already
 * ran now does something else.
 */
const EXECUTED_BEFORE_THE_MOVE: ReadonlyArray<readonly [string, string, string]> = [
  [
    '0001_tenants-teams-players-audit-log',
    '901c278c90489f2986dc068b84979ed63714ed022939b225664eeb3a7e2250c5',
    'aaa1c4492d4a056bc439b494d2723208ffc1daaa06a4ad5eb755b88e0ed43447',
  ],
  [
    '0002_offer-contract',
    '0e79240e802b9e63c8d5ef65f043cd23f7d55411971057cd7b319c1544e22032',
    '77b89536ae809209e35f927d98d0f9c8bcde76100431c40627f4c1639900160a',
  ],
  [
    '0003_family-sign-and-decline',
    '48cb962740b2a107a10e03f7b46105caa945ce0a25094b2290fc15e916b40161',
    'ff568d237f001072697d0a39cac204c8de8d99789f873083a6fd2a9ae8d0ad0b',
  ],
  [
    '0004_audit-log-by-time',
    '173b0dbf539004063c45b3c25a2ba530a0d14f4458848e5541231e427d96f20f',
    'a14cd2e8f4edcee0856eff2eeaf6e8c5c30b128bb495c7d9a862aaba96b4b889',
  ],
  [
    '0005_idempotency-keys',
    '75a89ed405160cd37eafede17ffc73c1984afe05e30a5cfae05118e68de9e3c3',
    'ced4e72e27b0df38b03b3db8226576f1bde6e3e0e805ed2cff90a2aeb0efa645',
  ],
  [
    '0006_contract-rules-tables',
    'd7fc6152bddd228699fbeffdcbde2d38464882cf80c911003761180061fd91b1',
    'acdc1044acaaae46b5de8ccf78eb40564aa7d0e6cc5bee7709dd297c1e97e4c2',
  ],
  [
    '0007_contract-links',
    '8f3244b2ae52a5aa4146133eb496d823ccbc701f0638d33935a53f57df882651',
    'a8f7793329ffd5f7e5a590c3539d22c454d9f7d259c77f0e62de90d28f05c14b',
  ],
  [
    '0008_contract-rules-from-machine',
    '578e0afa2c4be8e6713a922b9ad30c57de881ecc0f8fa43610eca2e3f22cad0b',
    'a63f0aff3459e33e5c6abf3bcb2afb82a0f829c0aef4c0f8e955af2c279cf944',
  ],
  [
    '0009_contract-rules-enforced',
    '06d9572b92c0ed49f889afdcaa208155c6a4a1b5e81e0de9a85843c0edfee97e',
    '52fcef75dd978a8f5d1ba258ef5e62dbebd9dcebbf0eb264cf43e1112b0b4edf',
  ],
  [
    '0010_offer-in-one-round-trip',
    'a4cdb2e621b056eee1abc68320bd951bc896870827f6ba6d1a4ad6f675797b21',
    '25f04a98802b105e362d7192f39c569bf9879cbc89b57f7bab8525da3ecb723c',
  ],
  [
    '0011_family-answers-in-one-round-trip',
    '72e2173d8c1e154f20ff76fa598a18d61a4101991ea8864b15dad425a9c51219',
    '6d11ec6c062e67892c38cbdf82dcf90dcd04005a63ed26c0dc1e00ed54f6b27e',
  ],
];

async function executedSql(name: string, direction: 'up' | 'down'): Promise<string> {
  const migration = (await import(pathToFileURL(path.join(MIGRATIONS_DIR, `${name}.ts`)).href)) as Record<
    'up' | 'down',
    (pgm: { sql: (text: string) => void }) => Promise<void>
  >;
  const statements: string[] = [];
  await migration[direction]({ sql: (text) => statements.push(text) });
  return createHash('sha256').update(JSON.stringify(statements)).digest('hex');
}

test('migrations 0001–0011 execute exactly the SQL they executed before sql/ was rebuilt', async (t) => {
  t.deepEqual(
    migrationNames().slice(0, EXECUTED_BEFORE_THE_MOVE.length),
    EXECUTED_BEFORE_THE_MOVE.map(([name]) => name),
  );
  for (const [name, up, down] of EXECUTED_BEFORE_THE_MOVE) {
    t.is(await executedSql(name, 'up'), up, `${name} up`);
    t.is(await executedSql(name, 'down'), down, `${name} down`);
  }
});

test('a database migrated before the rebuild, with its data, upgrades to the schema of a fresh one', async (t) => {
  const [old, fresh] = [await createTestDatabase({ empty: true }), await createTestDatabase()];
  t.teardown(() => Promise.all([old.drop(), fresh.drop()]));
  await migrate(old.url, { direction: 'up', count: EXECUTED_BEFORE_THE_MOVE.length, log: () => {} });

  // What the service of that time wrote: a club, a player with an offer, another offered through
  // an Idempotency-Key (run_idempotent_write stored its outcome with the key).
  const tenantId = await old.pool.oneFirst(
    sql.type(z.object({ id: z.number() }))`INSERT INTO tenants (slug, name) VALUES ('old-club', 'Old Club') RETURNING id`,
  );
  const player = (name: string) =>
    old.pool.oneFirst(sql.type(z.object({ id: z.number() }))`
      SELECT id FROM create_player(${tenantId}, ${name}, 'family@example.test', '{}')
    `);
  const [plain, keyed] = [await player('Plain'), await player('Keyed')];
  await old.pool.query(sql.unsafe`
    SELECT * FROM offer_contract(${tenantId}, ${plain}, 100, NULL, false, ARRAY['none'], 'a', 'admin_api')
  `);
  const stored = await old.pool.one(sql.type(z.object({ replayed: z.boolean(), outcome: z.record(z.unknown()) }))`
    SELECT * FROM run_idempotent_write(
      ${tenantId}, 'k', sha256('request'::bytea), interval '1 day', interval '1 second', 'offer_contract',
      ${sql.jsonb({ player_id: keyed, monthly_fee: 120, target_team_id: null, force: false, allowed_from: ['none'] })}, 'coach'
    )
  `);

  t.deepEqual(await migrate(old.url, { direction: 'up', log: () => {} }), migrationNames().slice(EXECUTED_BEFORE_THE_MOVE.length));

  t.deepEqual(schemaDiff(await dumpSchema(fresh.pool), await dumpSchema(old.pool)), []);
  // A retry that spans the upgrade still gets the first outcome, from the new write path.
  const replay = await old.pool.one(sql.type(z.object({ replayed: z.boolean(), contract_token: z.string(), actor: z.string() }))`
    SELECT replayed, contract_token, actor FROM offer_contract(
      ${tenantId}, ${keyed}, 120, NULL, false, ARRAY['none'], 'someone else', 'admin_api',
      ROW('k', sha256('request'::bytea), interval '1 day', interval '1 second')::idempotency_claim
    )
  `);
  t.deepEqual(replay, { replayed: true, contract_token: stored.outcome.contract_token, actor: 'coach' });
});
