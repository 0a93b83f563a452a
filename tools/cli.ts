// The developers' commands, outside what the running service loads: `npm run chart`,
// `npm run db:sync` and `npm run db:schema` (docs/CONTRIBUTING.md, "How to change a rule"), and
// `npm run docs:errors` (docs/CONTRIBUTING.md, "Error codes").
import fs from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { CHART_FILES, chartMermaid, chartSvg } from '../src/chart/contract-chart.ts';
import { PROJECT_SYNC_PATHS, checkDbSync, inStep, syncDb } from './db/db-sync.ts';
import { SCHEMA_FILE, dumpFreshSchema, schemaDiff } from './db/schema-dump.ts';
import { ERROR_CODES_FILE, errorCodesDoc } from './error-codes-doc.ts';

const USAGE = `Usage: tsx tools/cli.ts <command>

  chart [<folder>]                draw the state chart from the machine into <folder> (default docs/):
                                  contract-machine.svg and contract-machine.mmd
  db sync [--check]               write the migration that installs what changed in the machine's
                                  rules or in sql/, and seal new migrations; --check only reports
                                  (exit 1 if a migration is due or a seal is missing or broken)
  db schema [--check]             write db/schema.sql, the readable schema of a freshly migrated
                                  throwaway PostgreSQL; --check only reports (exit 1 if stale)
  docs errors                     write docs/ERROR-CODES.md from ERRORS in src/errors.ts`;

class UsageError extends Error {}

async function main(argv: string[]): Promise<void> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { check: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    console.log(USAGE);
    return;
  }
  switch (command) {
    case 'chart':
      return chartCommand(rest);
    case 'db':
      return dbCommand(rest, values.check === true);
    case 'docs':
      return docsCommand(rest);
    default:
      throw new UsageError(`unknown command "${command}"`);
  }
}

async function chartCommand([folder = 'docs', ...extra]: string[]): Promise<void> {
  if (extra.length > 0) throw new UsageError('expected: chart [<folder>]');
  await fs.mkdir(folder, { recursive: true });
  const files = {
    [path.join(folder, CHART_FILES.svg)]: await chartSvg({ countSlots: false }),
    [path.join(folder, CHART_FILES.mermaid)]: chartMermaid(),
  };
  for (const [file, text] of Object.entries(files)) {
    await fs.writeFile(file, text);
    console.log(`wrote ${file}`);
  }
}

async function docsCommand([what, ...extra]: string[]): Promise<void> {
  if (what !== 'errors' || extra.length > 0) throw new UsageError('expected: docs errors');
  await fs.writeFile(ERROR_CODES_FILE, errorCodesDoc());
  console.log(`wrote ${path.relative(process.cwd(), ERROR_CODES_FILE)}`);
}

async function dbCommand([action, ...extra]: string[], checkOnly: boolean): Promise<void> {
  if (action === 'schema') return schemaCommand(extra, checkOnly);
  if (action !== 'sync' || extra.length > 0) throw new UsageError('expected: db sync|schema [--check]');
  const report = await checkDbSync(PROJECT_SYNC_PATHS);
  if (inStep(report)) {
    console.log(`the machine's rules and sql/ are what the migrations install, up to ${report.latest}: nothing to write`);
    return;
  }
  const lines = [
    ...report.ruleChanges.map((line) => `  rule ${line}`),
    ...report.functionChanges.map((line) => `  function ${line}`),
    ...report.seals.unsealed.map((name) => `  unsealed migration ${name}`),
    ...report.seals.broken.map((name) => `  migration ${name} was edited after it was sealed`),
  ].join('\n');
  if (checkOnly) {
    console.log(`the migrations are not in step with the machine and sql/ (run npm run db:sync):\n${lines}`);
    process.exitCode = 1;
    return;
  }
  const file = await syncDb(PROJECT_SYNC_PATHS);
  const wrote = file === null ? 'sealed the migrations' : `wrote ${path.relative(process.cwd(), file)}`;
  console.log(`${wrote}:\n${lines}\nReview it, then run the tests.`);
}

async function schemaCommand(extra: string[], checkOnly: boolean): Promise<void> {
  if (extra.length > 0) throw new UsageError('expected: db schema [--check]');
  const file = path.relative(process.cwd(), SCHEMA_FILE);
  const schema = await dumpFreshSchema();
  const committed = await fs.readFile(SCHEMA_FILE, 'utf8').catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return null;
    throw error;
  });
  if (committed === schema) {
    console.log(`${file} is the schema the migrations build: nothing to write`);
    return;
  }
  const changes = committed === null ? '' : `:\n${summary(schemaDiff(committed, schema))}`;
  if (checkOnly) {
    console.log(`${file} is ${committed === null ? 'missing' : 'stale'} (run npm run db:schema)${changes}`);
    process.exitCode = 1;
    return;
  }
  await fs.mkdir(path.dirname(SCHEMA_FILE), { recursive: true });
  await fs.writeFile(SCHEMA_FILE, schema);
  console.log(`wrote ${file}${changes}`);
}

/** Enough of a diff to see what changed; git diff shows the rest. */
function summary(lines: string[], limit = 40): string {
  const shown = lines.slice(0, limit).map((line) => `  ${line}`);
  if (lines.length > limit) shown.push(`  … and ${lines.length - limit} more lines`);
  return shown.join('\n');
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  if (error instanceof UsageError) {
    console.error(`tools/cli.ts: ${error.message}\n\n${USAGE}`);
    process.exitCode = 2;
  } else {
    console.error(`tools/cli.ts: ${error instanceof Error ? error.message : String(error)}`);
    process.exitCode = 1;
  }
}
