import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import type { ContractRules } from '../src/db/contract-rules.ts';
import { PROJECT_SYNC_PATHS, type SyncPaths, checkDbSync, inStep, syncDb } from '../tools/db/db-sync.ts';
import { readDefinitions } from '../tools/db/function-definitions.ts';
import { MIGRATIONS_DIR, migrate, migrationNames } from '../src/db/migrate.ts';
import { machineRules } from '../tools/db/rules-sql.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';

// The machine and sql/ are the only places the database's rules and functions are written by hand;
// `npm run db:sync` turns a change of either into the migration that installs it, and the suite
// fails while they and the migrations disagree (README, "How to change a rule").

test("the migrations install the machine's rules and sql/ as they are, and every migration is sealed (else run `npm run db:sync`)", async (t) => {
  const report = await checkDbSync(PROJECT_SYNC_PATHS);
  t.deepEqual(report.ruleChanges, []);
  t.deepEqual(report.functionChanges, []);
  t.deepEqual(report.seals, { unsealed: [], broken: [] });
  t.true(inStep(report));
});

test('the migrated database holds exactly the rules of the machine', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const rules = await machineRules(PROJECT_SYNC_PATHS.machineFile);
  const installed = await installedRules(db);

  t.deepEqual(sortedRows(installed), sortedRows(rules));
  t.deepEqual([...installed.statusCheck].sort(), [...rules.statuses].sort());
});

test("each function of the migrated database is its file in sql/, and each file's function is there", async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const installed = await functionBodies(db);
  const files = await readDefinitions(PROJECT_SYNC_PATHS.sqlDir);

  t.deepEqual([...installed.keys()].sort(), [...files.keys()].sort());
  for (const [name, text] of files) t.is(installed.get(name), bodyOf(text), `${name} is installed from sql/${name}.sql`);
});

test('the sync is idempotent: an unchanged machine and sql/ write nothing', async (t) => {
  const project = await temporaryProject(t);
  const before = await fs.readdir(project.migrationsDir);

  t.is(await syncDb(project), null);
  t.is(await syncDb(project), null);
  t.deepEqual(await fs.readdir(project.migrationsDir), before);
});

test('a machine changed without its migration fails the check; the sync writes the next migration, which applies and reverts', async (t) => {
  const project = await temporaryProject(t, { machine: withArchivedState });

  const stale = await checkDbSync(project);
  t.true(stale.ruleChanges.includes('+ state archived'), stale.ruleChanges.join('\n'));
  t.true(stale.ruleChanges.includes('+ transition declined ARCHIVE -> archived / archive'));
  t.true(stale.ruleChanges.includes('+ refusal of ARCHIVE in offered: no_open_offer (CTNOP)'));
  t.deepEqual(stale.functionChanges, []);

  const written = await syncDb(project);
  t.is(path.basename(written ?? ''), `${nextNumber()}_contract-rules-from-machine.ts`);
  t.true(inStep(await checkDbSync(project)));
  t.is(await syncDb(project), null, 'a second sync has nothing to write');

  const db = await createTestDatabase({ empty: true });
  t.teardown(() => db.drop());
  const migrateProject = (direction: 'up' | 'down', count: number) =>
    migrate(db.url, { direction, count, dir: project.migrationsDir, log: () => {} });
  await migrateProject('up', Number.POSITIVE_INFINITY);
  t.deepEqual(sortedRows(await installedRules(db)), sortedRows(await machineRules(project.machineFile)));
  t.true((await installedRules(db)).statusCheck.includes('archived'));

  await migrateProject('down', 1);
  const restored = await installedRules(db);
  t.deepEqual(sortedRows(restored), sortedRows(await machineRules(PROJECT_SYNC_PATHS.machineFile)));
  t.false(restored.statusCheck.includes('archived'));
});

test('a machine the tables cannot express is refused with every problem named', async (t) => {
  const project = await temporaryProject(t, {
    machine: (source) =>
      edit(source, [
        ["guard: 'force'", "guard: ({ event }) => event.type === 'OFFER' && event.force"],
        ["OFFER: 'offer_exists'", "OFFER: 'offer_gone'"],
      ]),
  });

  const error = await t.throwsAsync(syncDb(project));
  t.regex(error?.message ?? '', /state "offered", OFFER: name the guard in setup\(\{ guards \}\)/);
  t.regex(error?.message ?? '', /refuses OFFER with "offer_gone", which src\/errors.ts does not give an SQLSTATE/);
  t.deepEqual(await fs.readdir(project.migrationsDir), await fs.readdir(MIGRATIONS_DIR));
});

/**
 * A new event and state: the club archives a declined contract. Every state that does not take
 * ARCHIVE names its refusal, as the sync demands.
 */
function withArchivedState(source: string): string {
  const refusing = (text: string) => text.replaceAll("WITHDRAW: 'no_open_offer',", "WITHDRAW: 'no_open_offer', ARCHIVE: 'no_open_offer',");
  return edit(refusing(source), [
    ["'withdrawn', 'expired'] as const", "'withdrawn', 'expired', 'archived'] as const"],
    ["  'receipt',\n] as const", "  'receipt',\n  'archive',\n] as const"],
    ["meta: { refusals: { OFFER: 'offer_exists' } },", "meta: { refusals: { OFFER: 'offer_exists', ARCHIVE: 'no_open_offer' } },"],
    [
      "declined: {\n      on: { OFFER: { target: 'offered', actions: 'mintToken' } },",
      "declined: {\n      on: { OFFER: { target: 'offered', actions: 'mintToken' }, ARCHIVE: { target: 'archived', actions: audit('archive') } },",
    ],
    [
      '    signed: {\n',
      "    archived: {\n      on: {},\n      meta: { refusals: { OFFER: 'no_open_offer', SIGN: 'contract_not_found', DECLINE: 'contract_not_found', WITHDRAW: 'no_open_offer', EXPIRE: 'no_open_offer', ARCHIVE: 'no_open_offer' } },\n    },\n    signed: {\n",
    ],
  ]);
}

function edit(source: string, replacements: Array<[string, string]>): string {
  return replacements.reduce((text, [from, to]) => {
    if (text.split(from).length !== 2) throw new Error(`machines/contract.ts no longer contains exactly one ${JSON.stringify(from)}`);
    return text.replace(from, to);
  }, source);
}

interface Changes {
  readonly machine?: (source: string) => string;
  /** sql/ file name → its new text, or null to remove it. */
  readonly sql?: Readonly<Record<string, (source: string) => string | null>>;
}

/**
 * A copy of the project's machine, sql/ and migrations in a temporary folder, changed by `changes`;
 * the real ones are never touched. package.json, src/ and node_modules/ are linked, so the copies
 * import what the originals do.
 */
async function temporaryProject(t: { teardown: (fn: () => Promise<void>) => void }, changes: Changes = {}): Promise<SyncPaths> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-sync-'));
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  const root = path.dirname(MIGRATIONS_DIR);
  for (const linked of ['package.json', 'node_modules', 'src']) await fs.symlink(path.join(root, linked), path.join(dir, linked));
  await fs.mkdir(path.join(dir, 'machines'));
  const machineFile = path.join(dir, 'machines', 'contract.ts');
  const machine = await fs.readFile(PROJECT_SYNC_PATHS.machineFile, 'utf8');
  await fs.writeFile(machineFile, changes.machine?.(machine) ?? machine);
  const sqlDir = path.join(dir, 'sql');
  await fs.cp(PROJECT_SYNC_PATHS.sqlDir, sqlDir, { recursive: true });
  for (const [file, change] of Object.entries(changes.sql ?? {})) {
    const target = path.join(sqlDir, file);
    const text = change(await fs.readFile(target, 'utf8').catch(() => ''));
    if (text === null) await fs.rm(target);
    else await fs.writeFile(target, text);
  }
  const migrationsDir = path.join(dir, 'migrations');
  await fs.cp(MIGRATIONS_DIR, migrationsDir, { recursive: true });
  return { machineFile, sqlDir, migrationsDir, frozenDir: path.join(migrationsDir, 'frozen') };
}

const nextNumber = () => String(Math.max(...migrationNames().map((name) => Number.parseInt(name, 10))) + 1).padStart(4, '0');

/** What PostgreSQL keeps of a definition: the text between the dollar quotes. */
const bodyOf = (text: string) => text.slice(text.indexOf('$$') + 2, text.lastIndexOf('$$'));

/** The body of each function of the public schema that no extension owns, by name. */
async function functionBodies(db: TestDatabase): Promise<Map<string, string>> {
  const rows = await db.pool.any(sql.type(z.object({ name: z.string(), body: z.string() }))`
    SELECT p.proname AS name, p.prosrc AS body FROM pg_proc p
    WHERE p.pronamespace = 'public'::regnamespace
      AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
  `);
  return new Map(rows.map((row) => [row.name, row.body]));
}

/** How many functions of that name the database has, and their arguments. */
const overloads = (db: TestDatabase, name: string) =>
  db.pool.anyFirst(sql.type(z.object({ args: z.string() }))`
    SELECT pg_get_function_identity_arguments(oid) AS args FROM pg_proc WHERE proname = ${name}
  `);

/** The rules as the database holds them: its rows, and the values its two CHECKs allow. */
async function installedRules(db: TestDatabase): Promise<ContractRules & { readonly statusCheck: readonly string[] }> {
  const { pool } = db;
  const statuses = await pool.any(sql.type(z.object({ status: z.string(), initial: z.boolean() }))`
    SELECT status, initial FROM contract_statuses
  `);
  const transitions = await pool.any(
    sql.type(
      z.object({
        from: z.string(),
        event: z.string(),
        position: z.number(),
        guard: z.string().nullable(),
        to: z.string(),
        auditEvent: z.string().nullable(),
      }),
    )`
      SELECT from_status AS "from", event, position, guard, to_status AS "to", audit_event AS "auditEvent"
      FROM contract_transitions
    `,
  );
  const refusals = await pool.any(sql.type(z.object({ status: z.string(), event: z.string(), code: z.string(), sqlstate: z.string() }))`
    SELECT status, event, code, sqlstate FROM contract_refusals
  `);
  const allowed = async (constraint: string) => {
    const definition = await pool.oneFirst(sql.type(z.object({ definition: z.string() }))`
      SELECT pg_get_constraintdef(oid) AS definition FROM pg_constraint WHERE conname = ${constraint}
    `);
    return [...definition.matchAll(/'([^']*)'::text/g)].map((match) => match[1] ?? '');
  };
  return {
    initialStatus: statuses.find((row) => row.initial)?.status ?? '',
    statuses: statuses.map((row) => row.status),
    auditEventTypes: await allowed('contract_audit_log_event_type_check'),
    transitions,
    refusals,
    statusCheck: await allowed('players_contract_status_check'),
  };
}

/** The rules with every list in one order, so that only what they say is compared. */
function sortedRows(rules: ContractRules) {
  const byJson = <T>(rows: readonly T[]) => rows.map((row) => JSON.stringify(row)).sort();
  return {
    initialStatus: rules.initialStatus,
    statuses: [...rules.statuses].sort(),
    auditEventTypes: [...rules.auditEventTypes].sort(),
    transitions: byJson(rules.transitions.map((row) => ({ ...row }))),
    refusals: byJson(rules.refusals.map((row) => ({ ...row }))),
  };
}

test('a function changed in sql/ without its migration fails the check; the sync writes one holding its text, which applies and reverts', async (t) => {
  const marker = '-- changed by test/db-sync.test.ts';
  const project = await temporaryProject(t, {
    sql: { 'family_answer.sql': (source) => source.replace('  SELECT\n', `  ${marker}\n  SELECT\n`) },
  });

  t.deepEqual((await checkDbSync(project)).functionChanges, ['~ family_answer']);
  const written = await syncDb(project);
  t.is(path.basename(written ?? ''), `${nextNumber()}_sql-functions.ts`);
  t.regex(await fs.readFile(written ?? '', 'utf8'), new RegExp(marker), 'the text is inline in the migration');
  t.true(inStep(await checkDbSync(project)));

  const db = await createTestDatabase({ empty: true });
  t.teardown(() => db.drop());
  await migrate(db.url, { direction: 'up', dir: project.migrationsDir, log: () => {} });
  t.true((await functionBodies(db)).get('family_answer')?.includes(marker));
  await migrate(db.url, { direction: 'down', count: 1, dir: project.migrationsDir, log: () => {} });
  t.false((await functionBodies(db)).get('family_answer')?.includes(marker));
});

test('a changed signature drops the old function and creates the new; down restores the old; a new file adds a function', async (t) => {
  const project = await temporaryProject(t, {
    sql: {
      'contract_guard_force.sql': (source) => source.replace('p_event jsonb)', 'p_event jsonb, p_strict boolean DEFAULT false)'),
      'contract_guard_example.sql': () =>
        'CREATE OR REPLACE FUNCTION contract_guard_example(p_context jsonb, p_event jsonb) RETURNS boolean\nLANGUAGE sql\nAS $$ SELECT true $$;\n',
    },
  });
  t.deepEqual((await checkDbSync(project)).functionChanges, ['+ contract_guard_example', '~ contract_guard_force']);
  const written = await fs.readFile((await syncDb(project)) ?? '', 'utf8');
  t.regex(written, /DROP FUNCTION contract_guard_force\(jsonb, jsonb\);/);

  const db = await createTestDatabase({ empty: true });
  t.teardown(() => db.drop());
  await migrate(db.url, { direction: 'up', dir: project.migrationsDir, log: () => {} });
  t.deepEqual(await overloads(db, 'contract_guard_force'), ['p_context jsonb, p_event jsonb, p_strict boolean']);
  t.deepEqual(await overloads(db, 'contract_guard_example'), ['p_context jsonb, p_event jsonb']);
  await migrate(db.url, { direction: 'down', count: 1, dir: project.migrationsDir, log: () => {} });
  t.deepEqual(await overloads(db, 'contract_guard_force'), ['p_context jsonb, p_event jsonb']);
  t.deepEqual(await overloads(db, 'contract_guard_example'), []);
});

test('a migration edited after it was sealed fails the check, and the sync refuses to write', async (t) => {
  const project = await temporaryProject(t);
  const file = path.join(project.migrationsDir, '0004_audit-log-by-time.ts');
  await fs.writeFile(file, (await fs.readFile(file, 'utf8')).replace('contract_audit_log_by_time', 'contract_audit_log_by_ts'));

  t.deepEqual((await checkDbSync(project)).seals.broken, ['0004_audit-log-by-time']);
  const error = await t.throwsAsync(syncDb(project));
  t.regex(error?.message ?? '', /0004_audit-log-by-time/);
});

test('a new hand-written migration fails the check until the sync seals it', async (t) => {
  const project = await temporaryProject(t);
  const name = `${nextNumber()}_hand-written`;
  await fs.writeFile(
    path.join(project.migrationsDir, `${name}.ts`),
    "import type { MigrationBuilder } from 'node-pg-migrate';\n\nexport async function up(pgm: MigrationBuilder): Promise<void> {\n  pgm.sql('SELECT 1');\n}\n",
  );

  t.deepEqual((await checkDbSync(project)).seals.unsealed, [name]);
  t.is(await syncDb(project), null, 'nothing to generate');
  t.true(inStep(await checkDbSync(project)));
  t.regex(await fs.readFile(path.join(project.migrationsDir, `${name}.ts`), 'utf8'), /^\/\/ sha256:[0-9a-f]{64} sealed/);
});
