import test from 'ava';
import { sqlStateOf } from '../../src/errors.ts';
import { type TestDatabase, createTestDatabase } from './database.ts';

/** A database of its own for a test file of test/sql/ (no service: these call the functions directly). */
export function useDatabase(): () => TestDatabase {
  let db: TestDatabase | undefined;
  test.before(async () => {
    db = await createTestDatabase();
  });
  test.after.always(async () => {
    await db?.drop();
  });
  return () => {
    if (db === undefined) throw new Error('the database is created in test.before');
    return db;
  };
}

/** The SQLSTATE a call failed with, or null if it succeeded. */
export const sqlstateOf = (call: Promise<unknown>): Promise<string | null | undefined> => call.then(() => null, sqlStateOf);
