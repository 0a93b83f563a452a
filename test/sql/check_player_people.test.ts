import test from 'ava';
import { sql } from 'slonik';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/check_player_people: the database's re-check of a birth date and a guardian list, refused as
// validation_failed (INVAL) with the field in COLUMN.

const db = useDatabase();

async function refusal(birthDate: string | null, guardians: unknown): Promise<{ code?: string; column?: string } | null> {
  try {
    await db().pool.query(sql.unsafe`
      SELECT check_player_people(${birthDate}::date, ${guardians === null ? null : JSON.stringify(guardians)}::jsonb)
    `);
    return null;
  } catch (error) {
    let current: unknown = error;
    while (current instanceof Error && (current as { column?: string }).column === undefined && current.cause !== undefined) {
      current = current.cause;
    }
    const { code, column } = current as { code?: string; column?: string };
    return { code, column };
  }
}

const utcDay = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

test('a birth date up to today in UTC, from 1900, and up to four named guardians with addresses pass', async (t) => {
  const four = [1, 2, 3, 4].map((n) => ({ name: `G${n}`, email: `g${n}@example.test` }));
  t.is(await refusal(utcDay(0), four), null);
  t.is(await refusal('1900-01-01', []), null);
  t.is(await refusal(null, null), null);
});

test('a birth date after today (UTC) or before 1900 is refused, naming birth_date', async (t) => {
  t.deepEqual(await refusal(utcDay(1), null), { code: 'INVAL', column: 'birth_date' });
  t.deepEqual(await refusal('1899-12-31', null), { code: 'INVAL', column: 'birth_date' });
});

test('a fifth guardian, a blank or missing name, a malformed e-mail or a non-list is refused, naming guardians', async (t) => {
  const five = [1, 2, 3, 4, 5].map((n) => ({ name: `G${n}`, email: `g${n}@example.test` }));
  for (const guardians of [
    five,
    [{ name: '  ', email: 'a@example.test' }],
    [{ email: 'a@example.test' }],
    [{ name: 'A', email: 'no address' }],
    [{ name: 'A', email: 'a@b@c' }],
    [{ name: 'A', email: 42 }],
    { name: 'A', email: 'a@example.test' },
  ]) {
    t.deepEqual(await refusal(null, guardians), { code: 'INVAL', column: 'guardians' }, JSON.stringify(guardians));
  }
});
