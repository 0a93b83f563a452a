import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { ownFindings, squawkFindings } from '../tools/db/lint-migrations.ts';
import { migrate } from '../src/db/migrate.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { migrationsFolder, sqlOf } from './helpers/migrations-folder.ts';

// docs/OPERATING.md, "Deploying": renaming players.email to contact_email ships over
// three releases, and at every step both releases then running read and write the same players.
// Throwaway migrations on an empty database; each passes the rules of tools/db/lint-migrations.ts.

const MIGRATIONS = {
  '0001_players': `
    CREATE TABLE players (id integer PRIMARY KEY, name text NOT NULL, email text NOT NULL);
    INSERT INTO players SELECT n, 'Player ' || n, 'family' || n || '@example.test' FROM generate_series(1, 2500) AS n;
  `,
  // Release 2, expand: the new column, nullable and without a default (no rewrite, no scan), and a
  // trigger that keeps both columns in step whichever release writes.
  '0002_contact-email': `
    ALTER TABLE players ADD COLUMN contact_email text;
    CREATE FUNCTION players_contact_email_in_step() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      IF TG_OP = 'UPDATE' AND NEW.contact_email IS DISTINCT FROM OLD.contact_email THEN
        NEW.email := NEW.contact_email;
      ELSIF TG_OP = 'INSERT' AND NEW.email IS NULL THEN
        NEW.email := NEW.contact_email;
      ELSE
        NEW.contact_email := NEW.email;
      END IF;
      RETURN NEW;
    END;
    $$;
    CREATE TRIGGER players_contact_email_in_step BEFORE INSERT OR UPDATE ON players
      FOR EACH ROW EXECUTE FUNCTION players_contact_email_in_step();
  `,
  // Release 2, backfill: outside a transaction, a thousand rows a commit, so no lock is held long.
  '0003_contact-email-backfill': {
    noTransaction: true,
    sql: `
      DO $$
      BEGIN
        LOOP
          UPDATE players SET contact_email = email
          WHERE id IN (SELECT id FROM players WHERE contact_email IS NULL LIMIT 1000);
          EXIT WHEN NOT FOUND;
          COMMIT;
        END LOOP;
      END $$;
    `,
  },
  // Release 3, contract, once no release that reads email runs: the trigger and the old column go,
  // and the new column is required by a CHECK that does not scan under the lock (NOT VALID)…
  '0004_drop-email': `
    DROP TRIGGER players_contact_email_in_step ON players;
    DROP FUNCTION players_contact_email_in_step();
    ALTER TABLE players ADD CONSTRAINT players_contact_email_given CHECK (contact_email IS NOT NULL) NOT VALID;
    -- squawk-ignore ban-drop-column
    ALTER TABLE players DROP COLUMN email;
  `,
  // …and is validated on its own, scanning under a lock that lets reads and writes go on.
  '0005_contact-email-given': 'ALTER TABLE players VALIDATE CONSTRAINT players_contact_email_given;',
} as const;

/** What each release's code asks of the table. */
const releases = {
  first: {
    add: (db: TestDatabase, id: number, address: string) =>
      db.pool.query(sql.unsafe`INSERT INTO players (id, name, email) VALUES (${id}, 'New player', ${address})`),
    addressOf: (db: TestDatabase, id: number) =>
      db.pool.oneFirst(sql.type(z.object({ email: z.string() }))`SELECT email FROM players WHERE id = ${id}`),
  },
  second: {
    add: (db: TestDatabase, id: number, address: string | null) =>
      db.pool.query(sql.unsafe`INSERT INTO players (id, name, contact_email) VALUES (${id}, 'New player', ${address})`),
    change: (db: TestDatabase, id: number, address: string) =>
      db.pool.query(sql.unsafe`UPDATE players SET contact_email = ${address} WHERE id = ${id}`),
    addressOf: (db: TestDatabase, id: number) =>
      db.pool.oneFirst(sql.type(z.object({ contact_email: z.string().nullable() }))`SELECT contact_email FROM players WHERE id = ${id}`),
  },
};

test('a column renamed over three releases: both releases running at each step read and write the same players', async (t) => {
  const db = await createTestDatabase({ empty: true });
  t.teardown(() => db.drop());
  const dir = await migrationsFolder(t, MIGRATIONS);
  const upTo = (count: number) => migrate(db.url, { direction: 'up', count, dir, log: () => {} });
  await upTo(1);

  await upTo(1);
  await releases.first.add(db, 9001, 'first@example.test');
  await releases.second.add(db, 9002, 'second@example.test');
  t.is(await releases.second.addressOf(db, 9001), 'first@example.test', 'expanded: the new release reads the old one’s writes');
  t.is(await releases.first.addressOf(db, 9002), 'second@example.test', 'and the old release the new one’s');
  t.is(await releases.second.addressOf(db, 1), null, 'rows from before wait for the backfill');

  await upTo(1);
  t.is(await releases.second.addressOf(db, 1), 'family1@example.test', 'backfilled');
  t.is(await nullContactEmails(db), 0);
  await releases.second.change(db, 1, 'moved@example.test');
  t.is(await releases.first.addressOf(db, 1), 'moved@example.test', 'the old release still reads what the new one changed');

  await upTo(1);
  t.is(await releases.second.addressOf(db, 9001), 'first@example.test', 'contracted: the new release reads on');
  await t.throwsAsync(
    releases.first.addressOf(db, 1),
    { message: /column "email" does not exist/ },
    'which is why it waits for the old one to go',
  );
  await upTo(1);
  t.true(
    await db.pool.oneFirst(sql.type(z.object({ convalidated: z.boolean() }))`
      SELECT convalidated FROM pg_constraint WHERE conname = 'players_contact_email_given'
    `),
    'every row checked',
  );
  await t.throwsAsync(
    releases.second.add(db, 9003, null),
    { message: /violates a check integrity constraint/ },
    'and the address is required',
  );
});

test('each step of the rename keeps the rules for new migrations', async (t) => {
  for (const [name, migration] of Object.entries(MIGRATIONS).slice(1)) {
    const checked = { name, ...sqlOf(migration) };

    t.deepEqual([...(await squawkFindings(checked)), ...ownFindings(checked)], [], name);
  }
});

const nullContactEmails = (db: TestDatabase) =>
  db.pool.oneFirst(sql.type(z.object({ count: z.number() }))`SELECT count(*)::integer AS count FROM players WHERE contact_email IS NULL`);
