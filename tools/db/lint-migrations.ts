// `npm run db:lint`: the rules every new migration keeps so that it can be applied while the
// previous release serves a large club (docs/OPERATING.md, "Deploying"). squawk checks the SQL for locks
// that block traffic (.squawk.toml says which rules and why); the checks below catch what squawk
// misses: a backfill inside a migration's transaction, which holds its locks for as long as the
// rows take. Migrations before FIRST_CHECKED_MIGRATION are sealed history and are not checked.
import { execFile } from 'node:child_process';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { MigrationBuilder } from 'node-pg-migrate';

export const FIRST_CHECKED_MIGRATION = 29;

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MIGRATIONS = path.join(ROOT, 'migrations');

/**
 * Tables of a fixed, small size that `npm run db:sync` rewrites from the machine: replacing their
 * rows in a migration's transaction costs nothing. Every other table grows with clubs and players.
 */
const REFERENCE_TABLES = new Set(['contract_statuses', 'contract_transitions', 'contract_refusals']);

export interface Finding {
  readonly migration: string;
  readonly rule: string;
  readonly message: string;
}

export interface MigrationSql {
  readonly name: string;
  readonly sql: string;
  /** False for a migration that called pgm.noTransaction(). */
  readonly inTransaction: boolean;
}

/** The SQL a migration's `up` runs, as node-pg-migrate's own builder writes it. */
export async function migrationSql(file: string): Promise<MigrationSql> {
  const migration = (await import(pathToFileURL(file).href)) as { up: (pgm: MigrationBuilder) => Promise<void> | void };
  // A migration of these rules writes its SQL; one that reads the database while building it cannot be checked.
  const refuse = () => {
    throw new Error(`${path.basename(file)} reads the database while building its SQL`);
  };
  const noDatabase = { query: refuse, select: refuse } as unknown as ConstructorParameters<typeof MigrationBuilder>[0];
  const pgm = new MigrationBuilder(noDatabase, undefined, false, console);
  await migration.up(pgm);
  return { name: path.basename(file).replace(/\.[jt]s$/, ''), sql: pgm.getSql(), inTransaction: pgm.isUsingTransaction() };
}

/** Our own rules, for what squawk does not see. */
export function ownFindings({ name, sql, inTransaction }: MigrationSql): Finding[] {
  const statements = statementsOf(sql);
  const created = new Set(
    statements.flatMap((statement) => {
      const table = /^CREATE\s+TABLE\s+(?:IF\s+NOT\s+EXISTS\s+)?([\w."]+)/i.exec(statement)?.[1];
      return table === undefined ? [] : [unquoted(table)];
    }),
  );
  const findings: Finding[] = [];
  for (const statement of statements) {
    const written = writtenTable(statement);
    if (written === null || created.has(written) || REFERENCE_TABLES.has(written)) continue;
    const excerpt = statement.replace(/\s+/g, ' ').slice(0, 80);
    if (inTransaction) {
      findings.push({
        migration: name,
        rule: 'backfill-in-transaction',
        message:
          `writes rows of ${written} in the migration's transaction, holding its locks until every row is done ` +
          `(${excerpt}): backfill in batches in a no-transaction migration or a job`,
      });
    } else if (!/\bLIMIT\b/i.test(statement)) {
      findings.push({
        migration: name,
        rule: 'unbatched-backfill',
        message: `writes every row of ${written} in one statement (${excerpt}): write a bounded batch at a time`,
      });
    }
  }
  return findings;
}

/** squawk's findings, with the project's configuration (.squawk.toml). */
export function squawkFindings({ name, sql, inTransaction }: MigrationSql): Promise<Finding[]> {
  const args = ['--config', path.join(ROOT, '.squawk.toml'), '--reporter', 'json', '--stdin-filepath', `${name}.sql`];
  if (!inTransaction) args.push('--no-assume-in-transaction');
  return new Promise((resolve, reject) => {
    const squawk = execFile(path.join(ROOT, 'node_modules/.bin/squawk'), args, (error, stdout, stderr) => {
      let reported: Array<{ rule_name: string; message: string; help?: string; line: number }>;
      try {
        reported = JSON.parse(stdout);
      } catch {
        reject(new Error(`squawk failed on ${name}: ${stderr || error?.message}`));
        return;
      }
      resolve(
        reported.map((finding) => ({
          migration: name,
          rule: finding.rule_name,
          message: `line ${finding.line + 1}: ${finding.message}${finding.help ? ` ${finding.help}` : ''}`,
        })),
      );
    });
    squawk.stdin?.end(sql);
  });
}

/** Every checked migration's findings, squawk's and ours. */
export async function lintMigrations(dir = MIGRATIONS): Promise<Finding[]> {
  const files = readdirSync(dir)
    .filter((file) => /^\d+_.+\.[jt]s$/.test(file) && Number.parseInt(file, 10) >= FIRST_CHECKED_MIGRATION)
    .sort();
  const findings: Finding[] = [];
  for (const file of files) {
    const migration = await migrationSql(path.join(dir, file));
    findings.push(...(await squawkFindings(migration)), ...ownFindings(migration));
  }
  return findings;
}

/**
 * The statements of `sql`, comments and string literals blanked, function bodies left out (they
 * run when called, not when the migration does). A DO block's body runs now, so it is kept.
 */
function statementsOf(sql: string): string[] {
  const bare = sql
    .replace(/--[^\n]*/g, ' ')
    .replace(/\/\*[\s\S]*?\*\//g, ' ')
    .replace(/\bAS\s+(\$\w*\$)[\s\S]*?\1/gi, 'AS $$$$')
    .replace(
      /\bDO\s+(\$\w*\$)([\s\S]*?)\1/gi,
      (_block, _tag, body: string) => `DO; ${body.replace(/\b(?:BEGIN|LOOP|THEN|ELSE)\b/gi, ';')};`,
    )
    .replace(/'(?:[^']|'')*'/g, "''");
  return bare
    .split(';')
    .map((statement) => statement.trim())
    .filter((statement) => statement !== '');
}

/** The table a statement writes rows of, or null: UPDATE, DELETE, and INSERT … SELECT (INSERT … VALUES adds known rows). */
function writtenTable(statement: string): string | null {
  const dml = /^(?:WITH\b[\s\S]*?\)\s*)?(UPDATE\s+(?:ONLY\s+)?|DELETE\s+FROM\s+(?:ONLY\s+)?|INSERT\s+INTO\s+)([\w."]+)/i.exec(
    statement,
  );
  if (dml === null) return null;
  const [, verb = '', table = ''] = dml;
  if (/^INSERT/i.test(verb) && !/\bSELECT\b/i.test(statement)) return null;
  return unquoted(table);
}

const unquoted = (name: string): string => name.replaceAll('"', '').replace(/^public\./, '');

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const findings = await lintMigrations();
  for (const finding of findings) console.log(`${finding.migration}: ${finding.rule}: ${finding.message}`);
  console.log(findings.length === 0 ? `migrations from ${FIRST_CHECKED_MIGRATION} on keep the rules` : '');
  process.exitCode = findings.length === 0 ? 0 : 1;
}
