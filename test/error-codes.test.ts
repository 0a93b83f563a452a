import { readFileSync, readdirSync } from 'node:fs';
import test from 'ava';
import { ERRORS } from '../src/errors.ts';

// Errors are values with codes: every SQLSTATE the database raises has one home in src/errors.ts,
// which maps it to the answer's code and status, so no refusal of ours reaches a client as a 500.

const SQL_DIR = new URL('../sql/', import.meta.url);

/** Each file of sql/ with its code, comments left out. */
const sqlFiles = readdirSync(SQL_DIR)
  .filter((file) => file.endsWith('.sql'))
  .map((file) => ({ file, code: readFileSync(new URL(file, SQL_DIR), 'utf8').replace(/--.*$/gm, '') }));

/** A literal SQLSTATE raised: `USING ERRCODE = 'CTNOP'` or `RAISE [level] SQLSTATE 'CTNOP'`, in any case. */
const literalCode = () => /(?:\bERRCODE\s*=\s*|\bRAISE(?:\s+(?:EXCEPTION|WARNING|NOTICE|INFO|LOG|DEBUG))?\s+SQLSTATE\s+)'([0-9A-Z]{5})'/gi;

test('every SQLSTATE raised by a function in sql/ is registered in src/errors.ts', (t) => {
  const registered = new Set<string>(Object.values(ERRORS).flatMap((entry) => ('sqlstate' in entry ? [entry.sqlstate] : [])));
  const raised = sqlFiles.flatMap(({ file, code }) => [...code.matchAll(literalCode())].map(([, sqlstate]) => ({ file, sqlstate })));

  t.true(raised.length > 10, 'the scan finds the functions’ refusals');
  t.deepEqual(
    raised.filter(({ sqlstate }) => !registered.has(sqlstate ?? '')),
    [],
  );
});

test('the scan reads every code sql/ raises: one written another way would go unchecked', (t) => {
  // contract_transition raises the refusal's SQLSTATE from contract_refusals, rows npm run db:sync
  // writes only for a refusal whose code has an SQLSTATE in src/errors.ts (src/db/contract-rules.ts).
  const fromTheRules = /\bERRCODE\s*=\s*refusal\.sqlstate\b/gi;
  const unread = sqlFiles.flatMap(({ file, code }) =>
    [
      ...code
        .replace(literalCode(), '')
        .replace(fromTheRules, '')
        .matchAll(/\bERRCODE\b.{0,30}|\bRAISE\b[^;]*\bSQLSTATE\b.{0,30}/gis),
    ].map(([text]) => ({ file, text })),
  );
  t.deepEqual(unread, []);
});
