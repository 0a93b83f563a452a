import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { migrate, migrationNames } from '../src/db/migrate.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { sealEverything } from './helpers/audit-seal.ts';
import { type Club, createClub, createPlayer } from './helpers/fixtures.ts';

// `club-contracts audit verify [slug]` (README, "Tamper evidence"), run as the `bin` entry the
// package installs, against a database of its own: the hash chain of the audit log, recomputed.

const run = promisify(execFile);
const BIN = path.resolve('bin/club-contracts.js');

let db: TestDatabase;
let dataDir: string;
test.before(async () => {
  db = await createTestDatabase();
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-audit-'));
});
test.after.always(async () => {
  await db?.drop();
  await fs.rm(dataDir, { recursive: true, force: true });
});

interface Outcome {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function verify(databaseUrl: string, ...slug: string[]): Promise<Outcome> {
  try {
    const { stdout, stderr } = await run(process.execPath, [BIN, 'audit', 'verify', ...slug], {
      env: { ...process.env, DATABASE_URL: databaseUrl, DATA_DIR: dataDir },
      timeout: 30_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as Error & Partial<Outcome>;
    if (typeof failed.code !== 'number') throw error; // killed by the timeout, say
    return { code: failed.code, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' };
  }
}

/**
 * A player whose contract was offered, then re-offered `reOffers` times: that many audit rows.
 * Through offer_contract, which every release's database has, old ones included.
 */
async function playerWithRows(pool: CommonQueryMethods, club: Club, reOffers: number): Promise<number> {
  const playerId = await createPlayer(pool, club);
  const offer = (from: string, force: boolean, fee: number) =>
    pool.query(sql.unsafe`
      SELECT 1 FROM offer_contract(${club.id}, ${playerId}, ${fee}, NULL, ${force}, ${sql.array([from], 'text')}, 'a', 'admin_api')
    `);
  await offer('none', false, 150);
  for (let i = 0; i < reOffers; i += 1) await offer('offered', true, 100 + i);
  return playerId;
}

const auditIds = (club: Club, playerId?: number) =>
  db.pool.anyFirst(sql.type(z.object({ id: z.bigint() }))`
    SELECT id FROM contract_audit_log
    WHERE tenant_id = ${club.id} ${playerId === undefined ? sql.fragment`` : sql.fragment`AND player_id = ${playerId}`}
    ORDER BY id
  `);

/** The club's newest checkpoint as verify prints it: `checkpoint <seal id> <hash>`. */
const newestCheckpoint = async (pool: CommonQueryMethods, club: Club) => {
  const { seal_id, hash } = await pool.one(sql.type(z.object({ seal_id: z.bigint(), hash: z.string() }))`
    SELECT seal_id, encode(hash, 'hex') AS hash FROM contract_audit_checkpoints
    WHERE tenant_id = ${club.id} ORDER BY seal_id DESC LIMIT 1
  `);
  return `checkpoint ${seal_id} ${hash}`;
};

/** What the table's owner can do and nobody else: switch the append-only trigger off to change a row. */
async function asOwnerWithTriggerOff(change: (tx: CommonQueryMethods) => Promise<unknown>) {
  await db.pool.transaction(async (tx) => {
    await tx.query(sql.unsafe`ALTER TABLE contract_audit_log DISABLE TRIGGER contract_audit_log_append_only`);
    await change(tx);
    await tx.query(sql.unsafe`ALTER TABLE contract_audit_log ENABLE TRIGGER contract_audit_log_append_only`);
  });
}

let intact: Club;
let tampered: Club;

test.serial('an untouched club, sealed: exit 0, "N rows, chain intact" and its newest checkpoint, to publish', async (t) => {
  intact = await createClub(db.pool);
  await playerWithRows(db.pool, intact, 2);
  await playerWithRows(db.pool, intact, 1);
  await sealEverything(db.pool);

  const outcome = await verify(db.url, intact.slug);

  t.is(outcome.code, 0, outcome.stderr);
  t.is(outcome.stdout, `${intact.slug}: 3 rows, chain intact; ${await newestCheckpoint(db.pool, intact)}\n`);
});

test.serial('rows newer than the newest seal are counted as not yet sealed', async (t) => {
  const club = await createClub(db.pool);
  await playerWithRows(db.pool, club, 1);
  await sealEverything(db.pool);
  await playerWithRows(db.pool, club, 2);

  const outcome = await verify(db.url, club.slug);

  t.is(outcome.code, 0, outcome.stderr);
  t.is(outcome.stdout, `${club.slug}: 3 rows, chain intact; ${await newestCheckpoint(db.pool, club)}, 2 newer rows not yet sealed\n`);
});

test.serial('a row the table’s owner edited with the append-only trigger off: exit 1, naming the row and its player', async (t) => {
  tampered = await createClub(db.pool);
  await playerWithRows(db.pool, tampered, 1);
  const playerId = await playerWithRows(db.pool, tampered, 1);
  await playerWithRows(db.pool, tampered, 1);
  const [, edited] = await auditIds(tampered);
  const owner = await db.pool.oneFirst(sql.type(z.object({ owns: z.boolean() }))`
    SELECT tableowner = current_user AS owns FROM pg_tables WHERE tablename = 'contract_audit_log'
  `);
  t.true(owner, 'the test edits as the table’s owner');

  await asOwnerWithTriggerOff((tx) =>
    tx.query(sql.unsafe`
      UPDATE contract_audit_log SET new_state = jsonb_set(new_state, '{monthly_fee}', '1')
      WHERE tenant_id = ${tampered.id} AND id = ${edited ?? 0n}
    `),
  );
  const outcome = await verify(db.url, tampered.slug);

  t.is(outcome.code, 1, outcome.stderr);
  t.is(
    outcome.stdout,
    `${tampered.slug}: row ${edited} (player ${playerId}) does not match its hash: it was changed after it was written\n`,
  );
});

/** What the owner can do with the triggers off: change a row, and give it the hash its new content has. */
const editWithItsHash = (club: Club, id: bigint) =>
  asOwnerWithTriggerOff(async (tx) => {
    await tx.query(sql.unsafe`UPDATE contract_audit_log SET actor = 'someone else' WHERE tenant_id = ${club.id} AND id = ${id}`);
    await tx.query(sql.unsafe`
      UPDATE contract_audit_log AS row
      SET hash = sha256(coalesce(row.previous_hash, ''::bytea) || convert_to(contract_audit_log_content(row), 'UTF8'))
      WHERE tenant_id = ${club.id} AND id = ${id}
    `);
  });

test.serial('a row edited together with its own hash is named too: its player’s next row chained onto its old hash', async (t) => {
  const club = await createClub(db.pool);
  await playerWithRows(db.pool, club, 1);
  const playerId = await playerWithRows(db.pool, club, 2);
  await playerWithRows(db.pool, club, 1);
  const [edited, next] = await auditIds(club, playerId);

  await editWithItsHash(club, edited ?? 0n);
  const outcome = await verify(db.url, club.slug);

  t.is(outcome.code, 1, outcome.stderr);
  t.true(
    outcome.stdout.startsWith(`${club.slug}: row ${edited} (player ${playerId}) does not match the hash row ${next} chained onto`),
    outcome.stdout,
  );
});

test.serial('a player’s newest row edited together with its hash, once sealed, is named by its checkpoint', async (t) => {
  const club = await createClub(db.pool);
  await playerWithRows(db.pool, club, 1);
  const playerId = await playerWithRows(db.pool, club, 2);
  await sealEverything(db.pool);
  const [, newest] = await auditIds(club, playerId);

  await editWithItsHash(club, newest ?? 0n);
  const outcome = await verify(db.url, club.slug);

  t.is(outcome.code, 1, outcome.stderr);
  t.regex(
    outcome.stdout,
    new RegExp(
      `^${club.slug}: row ${newest} \\(player ${playerId}\\) does not match the hash checkpoint \\d+ sealed: it was changed together with its hash after it was sealed\n$`,
    ),
  );
});

test.serial('a player’s newest row removed without a trace, once sealed, is named by its checkpoint', async (t) => {
  const club = await createClub(db.pool);
  const playerId = await playerWithRows(db.pool, club, 2);
  await sealEverything(db.pool);
  const [, newest] = await auditIds(club, playerId);

  await db.pool.transaction(async (tx) => {
    await tx.query(sql.unsafe`ALTER TABLE contract_audit_log DISABLE TRIGGER USER`);
    await tx.query(sql.unsafe`DELETE FROM contract_audit_log WHERE tenant_id = ${club.id} AND id = ${newest ?? 0n}`);
    await tx.query(sql.unsafe`ALTER TABLE contract_audit_log ENABLE TRIGGER USER`);
  });
  const outcome = await verify(db.url, club.slug);

  t.is(outcome.code, 1, outcome.stderr);
  t.regex(outcome.stdout, new RegExp(`^${club.slug}: row ${newest} is gone without a trace: checkpoint \\d+ sealed it\n$`));
});

test.serial('a row slipped in at the end of a player’s chain, after the seal it claims, is named', async (t) => {
  const club = await createClub(db.pool);
  const playerId = await playerWithRows(db.pool, club, 1);
  await sealEverything(db.pool);

  // Chained and hashed by the rule, dated into a range already sealed: only the checkpoints tell.
  const slipped = await db.pool.transaction(async (tx) => {
    await tx.query(sql.unsafe`ALTER TABLE contract_audit_log DISABLE TRIGGER USER`);
    const id = await tx.oneFirst(sql.type(z.object({ id: z.bigint() }))`
      INSERT INTO contract_audit_log (tenant_id, player_id, event_type, old_state, new_state, actor, source, previous_hash, hash, xact_id)
      SELECT tenant_id, player_id, event_type, new_state, new_state, 'a', 'admin_api', hash, hash, xact_id
      FROM contract_audit_log WHERE tenant_id = ${club.id} AND player_id = ${playerId}
      RETURNING id
    `);
    await tx.query(sql.unsafe`
      UPDATE contract_audit_log AS row
      SET hash = sha256(row.previous_hash || convert_to(contract_audit_log_content(row), 'UTF8'))
      WHERE tenant_id = ${club.id} AND id = ${id}
    `);
    await tx.query(sql.unsafe`ALTER TABLE contract_audit_log ENABLE TRIGGER USER`);
    return id;
  });
  const outcome = await verify(db.url, club.slug);

  t.is(outcome.code, 1, outcome.stderr);
  t.is(
    outcome.stdout,
    `${club.slug}: row ${slipped} (player ${playerId}) is in no checkpoint, though the seals it belongs to were made: it was slipped in after\n`,
  );
});

test.serial('rows removed with their player do not read as tampering', async (t) => {
  const club = await createClub(db.pool);
  await playerWithRows(db.pool, club, 1);
  const gone = await playerWithRows(db.pool, club, 2);
  await playerWithRows(db.pool, club, 1);

  await db.pool.query(sql.unsafe`DELETE FROM players WHERE tenant_id = ${club.id} AND id = ${gone}`);
  const outcome = await verify(db.url, club.slug);

  t.is(outcome.code, 0, outcome.stderr);
  t.is(outcome.stdout, `${club.slug}: 2 rows, chain intact (and 2 removed with their player); 2 rows not yet sealed\n`);
});

test.serial('a row removed any other way (its triggers off) breaks the chain', async (t) => {
  const club = await createClub(db.pool);
  await playerWithRows(db.pool, club, 3);
  const [, removed] = await auditIds(club);

  // Both the append-only trigger and the one that keeps a removed row's place, off.
  await db.pool.transaction(async (tx) => {
    await tx.query(sql.unsafe`ALTER TABLE contract_audit_log DISABLE TRIGGER USER`);
    await tx.query(sql.unsafe`DELETE FROM contract_audit_log WHERE tenant_id = ${club.id} AND id = ${removed ?? 0n}`);
    await tx.query(sql.unsafe`ALTER TABLE contract_audit_log ENABLE TRIGGER USER`);
  });
  const outcome = await verify(db.url, club.slug);

  t.is(outcome.code, 1, outcome.stderr);
  t.regex(outcome.stdout, /a row between them was removed without a trace\n$/);
});

test.serial('without a slug every club is verified, one line each, and one broken club fails the run', async (t) => {
  const outcome = await verify(db.url);

  t.is(outcome.code, 1, outcome.stderr);
  const lines = outcome.stdout.trim().split('\n');
  t.true(lines.includes(`${intact.slug}: 3 rows, chain intact; ${await newestCheckpoint(db.pool, intact)}`), outcome.stdout);
  t.true(
    lines.some((line) => line.startsWith(`${tampered.slug}: row `)),
    outcome.stdout,
  );
  t.is(lines.length, await db.pool.oneFirst(sql.type(z.object({ count: z.number() }))`SELECT count(*)::int AS count FROM tenants`));
});

test('an unknown slug: one line on stderr, exit 2', async (t) => {
  const outcome = await verify(db.url, 'no-such-club');

  t.is(outcome.code, 2);
  t.is(outcome.stdout, '');
  t.is(outcome.stderr, 'club-contracts: no club has the slug "no-such-club"\n');
});

test('a database migrated before the chain, with audit rows, gets its chain in the migration and verifies intact', async (t) => {
  t.timeout(50_000);
  const old = await createTestDatabase({ empty: true });
  t.teardown(() => old.drop());
  const before = migrationNames().indexOf('0017_sql-functions');
  t.true(before > 0);
  await migrate(old.url, { direction: 'up', count: before, log: () => {} });

  // Two clubs' history as the service of that time wrote it; one player since deleted.
  const clubs = [await createClub(old.pool), await createClub(old.pool)] as const;
  for (const club of clubs) {
    await playerWithRows(old.pool, club, 2);
    const gone = await playerWithRows(old.pool, club, 1);
    await playerWithRows(old.pool, club, 1);
    await old.pool.query(sql.unsafe`DELETE FROM players WHERE tenant_id = ${club.id} AND id = ${gone}`);
  }
  const empty = await createClub(old.pool);

  await migrate(old.url, { direction: 'up', log: () => {} });

  const upgraded = await verify(old.url);
  t.is(upgraded.code, 0, upgraded.stdout + upgraded.stderr);
  t.deepEqual(
    upgraded.stdout.trim().split('\n').sort(),
    [`${clubs[0].slug}: 3 rows, chain intact`, `${clubs[1].slug}: 3 rows, chain intact`, `${empty.slug}: 0 rows, chain intact`].sort(),
  );

  // The next transition chains onto its player's backfilled rows, and is sealed by the first checkpoint.
  const [legacyPlayer] = await old.pool.anyFirst(sql.type(z.object({ id: z.number() }))`
    SELECT id FROM players WHERE tenant_id = ${clubs[0].id} ORDER BY id LIMIT 1
  `);
  await old.pool.query(sql.unsafe`
    SELECT 1 FROM offer_contract(${clubs[0].id}, ${legacyPlayer ?? 0}, 99, NULL, true, ARRAY['offered'], 'a', 'admin_api')
  `);
  const after = await verify(old.url, clubs[0].slug);
  t.is(after.code, 0, after.stderr);
  t.is(after.stdout, `${clubs[0].slug}: 4 rows, chain intact; 1 row not yet sealed\n`);
  await sealEverything(old.pool);
  const sealed = await verify(old.url, clubs[0].slug);
  t.is(sealed.stdout, `${clubs[0].slug}: 4 rows, chain intact; ${await newestCheckpoint(old.pool, clubs[0])}\n`);
});
