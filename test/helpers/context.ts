import test from 'ava';
import { type TestDatabase, createTestDatabase } from './database.ts';
import { type TestServer, startTestServer } from './server.ts';

export interface Harness {
  readonly db: TestDatabase;
  readonly server: TestServer;
}

/**
 * One database and one running service for the test file that calls this; tests in the file keep
 * out of each other's way by each creating their own club.
 */
export function useHarness(env: Record<string, string> = {}): () => Harness {
  let harness: Harness | undefined;
  test.before(async () => {
    const db = await createTestDatabase();
    harness = { db, server: await startTestServer(db.pool, { env }) };
  });
  test.after.always(async () => {
    try {
      await harness?.server.close();
    } finally {
      await harness?.db.drop();
    }
  });
  return () => {
    if (harness === undefined) throw new Error('the harness is set up in test.before');
    return harness;
  };
}
