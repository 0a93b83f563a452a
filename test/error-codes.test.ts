import { readFileSync, readdirSync } from 'node:fs';
import test from 'ava';
import { ERRORS } from '../src/errors.ts';

// Errors are values with codes: every SQLSTATE the database raises has one home in src/errors.ts,
// which maps it to the answer's code and status, so no refusal of ours reaches a client as a 500.

const SQL_DIR = new URL('../sql/', import.meta.url);

test('every SQLSTATE raised by a function in sql/ is registered in src/errors.ts', (t) => {
  const registered = new Set<string>(Object.values(ERRORS).flatMap((entry) => ('sqlstate' in entry ? [entry.sqlstate] : [])));
  const raised = readdirSync(SQL_DIR)
    .filter((file) => file.endsWith('.sql'))
    .flatMap((file) =>
      [...readFileSync(new URL(file, SQL_DIR), 'utf8').matchAll(/ERRCODE\s*=\s*'([0-9A-Z]{5})'/g)].map(([, code]) => ({ file, code })),
    );

  t.true(raised.length > 10, 'the scan finds the functions’ refusals');
  t.deepEqual(
    raised.filter(({ code }) => !registered.has(code ?? '')),
    [],
  );
});
