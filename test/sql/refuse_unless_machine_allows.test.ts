import test from 'ava';
import { sql } from 'slonik';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/refuse_unless_machine_allows: the service's judgement, applied under the row lock.

const db = useDatabase();

const check = (status: string, event: string, allowedFrom: readonly string[]) =>
  db().pool.query(sql.unsafe`SELECT refuse_unless_machine_allows(${status}, ${event}, ${sql.array(allowedFrom, 'text')})`);

test('a state the service allows passes', async (t) => {
  t.is(await sqlstateOf(check('offered', 'SIGN', ['offered'])), null);
});

test('a state the service does not allow is refused with that state’s refusal', async (t) => {
  t.is(await sqlstateOf(check('signed', 'SIGN', ['offered'])), 'CTSGN');
  t.is(await sqlstateOf(check('declined', 'DECLINE', ['offered'])), 'CTDCL');
  t.is(await sqlstateOf(check('offered', 'OFFER', ['none', 'declined'])), 'OFFEX');
});

test('a state the database always takes the event from, refused by the service: CTSKW', async (t) => {
  t.is(await sqlstateOf(check('none', 'OFFER', ['offered'])), 'CTSKW');
});
