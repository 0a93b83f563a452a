import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import type { ContractRules } from '../src/db/contract-rules.ts';
import { PROJECT_SYNC_PATHS, type SyncPaths, checkMachineSync, machineRules, syncMachine } from '../src/db/machine-sync.ts';
import { MIGRATIONS_DIR, migrate, migrationNames } from '../src/db/migrate.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';

// README.md, "How to change a rule": the machine is the only place a rule is written by hand;
// `npm run machine:sync` turns it into the migration that installs it, and the suite fails while
// the two disagree.

test('the newest generated migration holds the rules of machines/contract.ts (else run `npm run machine:sync`)', async (t) => {
  const report = await checkMachineSync(PROJECT_SYNC_PATHS);
  t.deepEqual(report.differences, []);
  t.regex(report.latest ?? '', /^\d{4}_contract-rules-from-machine$/);
});

test('the migrated database holds exactly the rules of the machine', async (t) => {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  const rules = await machineRules(PROJECT_SYNC_PATHS.machineFile);
  const installed = await installedRules(db);

  t.deepEqual(sortedRows(installed), sortedRows(rules));
  t.deepEqual([...installed.statusCheck].sort(), [...rules.statuses].sort());
});

test('the sync is idempotent: an unchanged machine writes nothing', async (t) => {
  const project = await temporaryProject(t, (source) => source);
  const before = await fs.readdir(project.migrationsDir);

  t.is(await syncMachine(project), null);
  t.is(await syncMachine(project), null);
  t.deepEqual(await fs.readdir(project.migrationsDir), before);
});

test('a machine changed without its migration fails the check; the sync writes the next migration, which applies and reverts', async (t) => {
  const project = await temporaryProject(t, withWithdrawnState);

  const stale = await checkMachineSync(project);
  t.true(stale.differences.includes('+ state withdrawn'), stale.differences.join('\n'));
  t.true(stale.differences.includes('+ transition offered WITHDRAW -> withdrawn / withdraw'));
  t.true(stale.differences.includes('+ transition withdrawn OFFER -> offered'));

  const written = await syncMachine(project);
  const next = Math.max(...migrationNames().map((name) => Number.parseInt(name, 10))) + 1;
  t.is(path.basename(written ?? ''), `${String(next).padStart(4, '0')}_contract-rules-from-machine.ts`);
  t.deepEqual((await checkMachineSync(project)).differences, []);
  t.is(await syncMachine(project), null, 'a second sync has nothing to write');

  const db = await createTestDatabase({ empty: true });
  t.teardown(() => db.drop());
  const migrateProject = (direction: 'up' | 'down', count: number) =>
    migrate(db.url, { direction, count, dir: project.migrationsDir, log: () => {} });
  await migrateProject('up', Number.POSITIVE_INFINITY);
  t.deepEqual(sortedRows(await installedRules(db)), sortedRows(await machineRules(project.machineFile)));
  t.true((await installedRules(db)).statusCheck.includes('withdrawn'));

  await migrateProject('down', 1);
  const restored = await installedRules(db);
  t.deepEqual(sortedRows(restored), sortedRows(await machineRules(PROJECT_SYNC_PATHS.machineFile)));
  t.false(restored.statusCheck.includes('withdrawn'));
});

test('a machine the tables cannot express is refused with every problem named', async (t) => {
  const project = await temporaryProject(t, (source) =>
    edit(source, [
      ["guard: 'force'", "guard: ({ event }) => event.type === 'OFFER' && event.force"],
      ["OFFER: 'offer_exists'", "OFFER: 'offer_gone'"],
    ]),
  );

  const error = await t.throwsAsync(syncMachine(project));
  t.regex(error?.message ?? '', /state "offered", OFFER: name the guard in setup\(\{ guards \}\)/);
  t.regex(error?.message ?? '', /refuses OFFER with "offer_gone", which src\/errors.ts does not give an SQLSTATE/);
  t.deepEqual(await fs.readdir(project.migrationsDir), await fs.readdir(MIGRATIONS_DIR));
});

/** The README's example: a `withdrawn` state the club reaches with WITHDRAW from an open offer. */
function withWithdrawnState(source: string): string {
  return edit(source, [
    ["'declined', 'signed'] as const", "'declined', 'signed', 'withdrawn'] as const"],
    ["'admin_override'] as const", "'admin_override', 'withdraw'] as const"],
    ["refusals: { SIGN: 'contract_not_found', DECLINE: 'contract_not_found' }", "refusals: { SIGN: 'contract_not_found', DECLINE: 'contract_not_found', WITHDRAW: 'contract_not_found' }"],
    [
      "DECLINE: { target: 'declined', actions: audit('decline') },",
      "DECLINE: { target: 'declined', actions: audit('decline') },\n        WITHDRAW: { target: 'withdrawn', actions: audit('withdraw') },",
    ],
    ["refusals: { SIGN: 'contract_already_declined', DECLINE: 'contract_already_declined' }", "refusals: { SIGN: 'contract_already_declined', DECLINE: 'contract_already_declined', WITHDRAW: 'contract_already_declined' }"],
    ["DECLINE: 'contract_already_signed',", "DECLINE: 'contract_already_signed',\n          WITHDRAW: 'contract_already_signed',"],
    [
      '    signed: {\n',
      "    withdrawn: {\n      on: { OFFER: { target: 'offered', actions: 'mintToken' } },\n      meta: { refusals: { SIGN: 'contract_not_found', DECLINE: 'contract_not_found', WITHDRAW: 'contract_not_found' } },\n    },\n    signed: {\n",
    ],
  ]);
}

function edit(source: string, replacements: Array<[string, string]>): string {
  return replacements.reduce((text, [from, to]) => {
    if (text.split(from).length !== 2) throw new Error(`machines/contract.ts no longer contains exactly one ${JSON.stringify(from)}`);
    return text.replace(from, to);
  }, source);
}

/**
 * A copy of the project's machine (changed by `change`) and migrations in a temporary folder; the
 * real machine and migrations are never touched. package.json, src/, sql/ and node_modules/ are linked, so the
 * copies import what the originals do.
 */
async function temporaryProject(t: { teardown: (fn: () => Promise<void>) => void }, change: (source: string) => string): Promise<SyncPaths> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-sync-'));
  t.teardown(() => fs.rm(dir, { recursive: true, force: true }));
  const root = path.dirname(MIGRATIONS_DIR);
  for (const linked of ['package.json', 'node_modules', 'src', 'sql']) await fs.symlink(path.join(root, linked), path.join(dir, linked));
  await fs.mkdir(path.join(dir, 'machines'));
  const machineFile = path.join(dir, 'machines', 'contract.ts');
  await fs.writeFile(machineFile, change(await fs.readFile(PROJECT_SYNC_PATHS.machineFile, 'utf8')));
  const migrationsDir = path.join(dir, 'migrations');
  await fs.cp(MIGRATIONS_DIR, migrationsDir, { recursive: true });
  return { machineFile, migrationsDir };
}

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
