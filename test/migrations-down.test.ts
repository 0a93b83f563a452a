import test, { type ExecutionContext } from 'ava';
import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';
import { DOWN_RISKS } from '../src/db/down-risks.ts';
import { DownRefusedError } from '../src/db/lossy-downs.ts';
import { migrate, migrationNames as shippedMigrations } from '../src/db/migrate.ts';
import { claimFamilyMail } from '../src/mail/contract-messages.ts';
import { createContractTerms } from '../src/terms/store.ts';
import { offerContract } from '../src/contracts/store.ts';
import { updatePlayer } from '../src/players/store.ts';
import { signContract } from '../src/family/store.ts';
import { idempotencyClaim } from '../src/admin/idempotency-store.ts';
import { updateClub } from '../src/club/store.ts';
import { createSecretBox } from '../src/webhooks/secret-box.ts';
import { createEndpoint } from '../src/webhooks/store.ts';
import { recordReceipt } from '../src/receipts/store.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { sealEverything } from './helpers/audit-seal.ts';
import { type Club, createClub, createPlayer, createTeam, putContractInState, readMessages } from './helpers/fixtures.ts';

// docs/OPERATING.md, "Reverting migrations": a down that would lose data is refused unless the operator accepts
// the loss (--lose-data), and one that cannot run on the data there is, is refused either way; both
// before any down runs.

const quiet = { log: () => {} };
const migrationNames = shippedMigrations();
const newestFirst = [...migrationNames].reverse();

/** How many migrations a down reverts to undo `name` and everything after it. */
const downTo = (name: string) => migrationNames.length - migrationNames.indexOf(name);

/** A clone of the migrated template, dropped when the test ends. */
async function migratedDatabase(t: ExecutionContext): Promise<TestDatabase> {
  const db = await createTestDatabase();
  t.teardown(() => db.drop());
  return db;
}

/**
 * A club as the service leaves it after some use, written through the service's own functions: a row
 * in every table, contracts in every state, and a player deleted with their audit rows.
 */
async function useTheService(db: CommonQueryMethods): Promise<{ club: Club; withdrawn: number; expired: number; receipted: number }> {
  const club = await createClub(db);
  await updateClub(db, club.id, { contact_email: 'office@example.test', time_zone: 'Europe/Madrid' });
  const [under12, under14] = [await createTeam(db, club, 'Under 12'), await createTeam(db, club, 'Under 14')];
  // Terms with a Spanish translation (docs/LANGUAGES.md).
  await createContractTerms(db, club.id, {
    title: 'Season terms',
    body: 'Fees are due monthly.',
    actor: 'registrar@example.test',
    language: 'en',
    translations: { es: { title: 'Condiciones', body: 'Las cuotas son mensuales.' } },
  });

  // A minor with a birth date and a guardian (docs/PRODUCT.md, "People").
  await updatePlayer(db, club.id, await createPlayer(db, club, { teamIds: [under12] }), {
    birthDate: '2014-05-01',
    guardians: [{ name: 'Dana Park', email: 'dana@example.test', language: 'es' }],
  });
  // A webhook endpoint, which every transition from here on queues an event and a delivery for (docs/WEBHOOKS.md).
  const secrets = createSecretBox({ secretKey: Buffer.alloc(32, 1), secretKeyFile: '' });
  await createEndpoint(
    db,
    club.id,
    { url: 'https://1.1.1.1/hook', events: null },
    { sealed: secrets.seal('whsec_c2VjcmV0'), keyId: secrets.keyId() },
  );
  const offer = { tenantId: club.id, monthlyFee: 150, targetTeamId: null, force: false, actor: 'registrar@example.test' };
  const offered = await createPlayer(db, club, { teamIds: [under12] });
  const key = idempotencyClaim('offer-1', { ttlSeconds: 86_400, waitMs: 1000 }, 'offer', { playerId: offered });
  await offerContract(db, { ...offer, playerId: offered }, key);
  await putContractInState(db, club, await createPlayer(db, club, { teamIds: [under12] }), 'declined');
  await putContractInState(db, club, await createPlayer(db, club, { teamIds: [under12] }), 'signed');
  // Signed through the page: with consent to sign electronically, the notice shown, the user agent.
  const signedWithEvidence = await createPlayer(db, club, { teamIds: [under12] });
  await signContract(db, {
    token: await putContractInState(db, club, signedWithEvidence, 'offered'),
    signedBy: 'Dana Park',
    signatureUrl: null,
    ip: '203.0.113.7',
    contractVersion: 'v1',
    evidence: { esignConsent: true, disclosure: { version: 'esign-en-2026-12', sha256: 'ab'.repeat(32) }, userAgent: 'Mozilla/5.0' },
  });
  // Its receipt PDF, recorded as the worker records it (a few bytes stand for the PDF here).
  await recordReceipt(
    db,
    {
      tenantId: club.id,
      playerId: signedWithEvidence,
      signAuditId: await db.oneFirst(sql.type(z.object({ id: z.bigint() }))`
        SELECT max(id) AS id FROM contract_audit_log WHERE tenant_id = ${club.id} AND player_id = ${signedWithEvidence} AND event_type = 'sign'
      `),
    },
    Buffer.from('%PDF-1.7 receipt'),
    { actor: 'system', source: 'confirmation_mail' },
  );
  const withdrawn = await createPlayer(db, club, { teamIds: [under14] });
  await putContractInState(db, club, withdrawn, 'withdrawn');
  const expired = await createPlayer(db, club, { teamIds: [under14] });
  await putContractInState(db, club, expired, 'expired');
  // Offered again after a decline: the replaced link is recorded, with no audit row, in
  // superseded_contract_tokens, as releases before 0069 recorded it.
  const offeredAgain = await createPlayer(db, club, { teamIds: [under14] });
  const declinedLink = await putContractInState(db, club, offeredAgain, 'declined');
  await offerContract(db, { ...offer, playerId: offeredAgain });
  await db.query(sql.unsafe`
    INSERT INTO superseded_contract_tokens (token, tenant_id, player_id) VALUES (${declinedLink}, ${club.id}, ${offeredAgain})
  `);

  // Removed with their audit rows, whose places in the chain stay (contract_audit_log_removed).
  const left = await createPlayer(db, club);
  await putContractInState(db, club, left, 'signed');
  await db.query(sql.unsafe`DELETE FROM players WHERE tenant_id = ${club.id} AND id = ${left}`);

  // As the worker does before it sends: the family's e-mail budget records the send.
  const firstMail = await db.oneFirst(sql.type(z.object({ id: z.number() }))`
    SELECT min(id)::integer AS id FROM contract_messages WHERE tenant_id = ${club.id}
  `);
  await claimFamilyMail(db, club.id, firstMail, { perHour: 10, spacingSeconds: 0 });
  // As the worker's sealer does every few seconds (docs/DESIGN.md, "Tamper evidence").
  await sealEverything(db);
  return { club, withdrawn, expired, receipted: signedWithEvidence };
}

const appliedMigrations = (db: TestDatabase) =>
  db.pool.anyFirst(sql.type(z.object({ name: z.string() }))`SELECT name FROM pgmigrations ORDER BY run_on, id`);

test('every migration the registry names is one this build ships', (t) => {
  t.deepEqual(
    Object.keys(DOWN_RISKS).filter((name) => !migrationNames.includes(name)),
    [],
  );
});

test("the service's use leaves rows in every table", async (t) => {
  const db = await migratedDatabase(t);
  await useTheService(db.pool);

  const tables = await db.pool.anyFirst(sql.type(z.object({ name: z.string() }))`
    SELECT tablename AS name FROM pg_tables WHERE schemaname = 'public' AND tablename <> 'pgmigrations' ORDER BY tablename
  `);
  const empty: string[] = [];
  // Rows only a previous release wrote: the club chains from before per-player chains.
  const writtenBefore = new Set(['contract_audit_chain_heads']);
  for (const table of [...tables.filter((name) => !writtenBefore.has(name)), 'graphile_worker.jobs']) {
    const rows = await db.pool.oneFirst(sql.type(z.object({ rows: z.number() }))`
      SELECT count(*)::integer AS rows FROM ${sql.identifier(table.split('.'))}
    `);
    if (rows === 0) empty.push(table);
  }
  t.deepEqual(empty, []);
});

test('a down of everything is refused before reverting anything, naming each migration that would lose data or cannot run', async (t) => {
  const db = await migratedDatabase(t);
  await useTheService(db.pool);

  const error = await t.throwsAsync(migrate(db.url, { direction: 'down', ...quiet }), { instanceOf: DownRefusedError });

  t.deepEqual(
    error?.refused.map(({ migration, kind }) => [migration, kind]),
    [
      ['0063_audit-checkpoints', 'loses-data'],
      ['0062_audit-removed-writer-transaction', 'loses-data'],
      ['0061_audit-log-writer-transaction', 'loses-data'],
      ['0056_contract-receipts', 'loses-data'],
      ['0054_terms-translations', 'loses-data'],
      ['0053_signer-languages', 'loses-data'],
      ['0052_guardian-language', 'loses-data'],
      ['0049_webhooks', 'loses-data'],
      ['0040_signature-evidence', 'loses-data'],
      ['0038_guardians', 'loses-data'],
      ['0034_club-settings', 'loses-data'],
      ['0029_family-mail-budgets', 'loses-data'],
      ['0024_contract-rules-and-sql-functions', 'cannot-run'],
      ['0023_withdraw-and-expire', 'cannot-run'],
      ['0019_contract-terms', 'loses-data'],
      ['0018_audit-hash-chain', 'loses-data'],
      ['0015_contract-messages', 'loses-data'],
      ['0014_job-queue', 'loses-data'],
      ['0009_contract-rules-enforced', 'loses-data'],
      ['0006_contract-rules-tables', 'cannot-run'],
      ['0005_idempotency-keys', 'loses-data'],
      ['0003_family-sign-and-decline', 'loses-data'],
      ['0001_tenants-teams-players-audit-log', 'loses-data'],
    ],
  );
  t.regex(error?.message ?? '', /^ {2}0019_contract-terms would lose every club's contract terms/m);
  t.regex(error?.message ?? '', /^ {2}0024_contract-rules-and-sql-functions cannot run: .*withdrawn or expired/m);
  t.deepEqual(await appliedMigrations(db), migrationNames, 'nothing was reverted');
});

test('a down that cannot run on the data is refused with --lose-data too: 0024 with a withdrawn player', async (t) => {
  const db = await migratedDatabase(t);
  const club = await createClub(db.pool);
  await putContractInState(db.pool, club, await createPlayer(db.pool, club), 'withdrawn');

  const down = migrate(db.url, { direction: 'down', count: downTo('0024_contract-rules-and-sql-functions'), loseData: true, ...quiet });
  const error = await t.throwsAsync(down, { instanceOf: DownRefusedError });

  t.deepEqual(
    error?.refused.map(({ migration }) => migration),
    ['0024_contract-rules-and-sql-functions'],
  );
  t.regex(error?.message ?? '', /cannot run: the rules it restores have no withdrawn or expired contracts/);
  t.regex(error?.message ?? '', /refused with --lose-data too/);
  t.deepEqual(await appliedMigrations(db), migrationNames, 'nothing was reverted');
});

test('with --lose-data, once no down is left that cannot run, down goes all the way and up works again', async (t) => {
  const db = await migratedDatabase(t);
  const { club, withdrawn, expired, receipted } = await useTheService(db.pool);
  // Their withdrawal, expiry and receipt stay in the audit log while they do.
  await db.pool.query(sql.unsafe`DELETE FROM players WHERE tenant_id = ${club.id} AND id IN (${withdrawn}, ${expired}, ${receipted})`);

  t.deepEqual(await migrate(db.url, { direction: 'down', loseData: true, ...quiet }), newestFirst);
  t.deepEqual(await appliedMigrations(db), []);
  t.deepEqual(await migrate(db.url, { direction: 'up', ...quiet }), migrationNames);
});

test('the downs back through the newest migration db:sync wrote run without --lose-data', async (t) => {
  const db = await migratedDatabase(t);
  await useTheService(db.pool);
  // Every name db:sync writes: _sql-functions, _contract-rules-from-machine, _contract-rules-and-sql-functions.
  const newest = shippedMigrations().findLast((name) => /(sql-functions|contract-rules-from-machine)$/.test(name)) ?? '';
  const count = downTo(newest);

  const reverted = await migrate(db.url, { direction: 'down', count, ...quiet });
  t.is(reverted.at(-1), newest);
  t.deepEqual(await migrate(db.url, { direction: 'up', ...quiet }), reverted.toReversed());
});

test("0034's down asks for --lose-data only once a club changed its settings", async (t) => {
  const db = await migratedDatabase(t);
  const club = await createClub(db.pool);
  const count = downTo('0034_club-settings');

  const reverted = await migrate(db.url, { direction: 'down', count, ...quiet });
  t.is(reverted.at(-1), '0034_club-settings', 'every club on the defaults: nothing to lose');
  await migrate(db.url, { direction: 'up', ...quiet });

  await updateClub(db.pool, club.id, { adult_age: 16 });
  const error = await t.throwsAsync(migrate(db.url, { direction: 'down', count, ...quiet }), { instanceOf: DownRefusedError });
  t.deepEqual(
    error?.refused.map(({ migration }) => migration),
    ['0034_club-settings'],
  );
});

test("0018's down and up give every audit row the hash it had, while no audit row was removed", async (t) => {
  const db = await migratedDatabase(t);
  const club = await createClub(db.pool);
  const team = await createTeam(db.pool, club);
  const player = await createPlayer(db.pool, club);
  await putContractInState(db.pool, club, player, 'signed');
  await offerContract(db.pool, {
    tenantId: club.id,
    playerId: player,
    monthlyFee: 180,
    targetTeamId: team,
    force: false,
    actor: 'registrar@example.test',
  });
  const hashes = () =>
    db.pool.any(sql.type(z.object({ id: z.bigint(), hash: z.instanceof(Buffer) }))`SELECT id, hash FROM contract_audit_log ORDER BY id`);
  const before = await hashes();

  // The downs after 0018 that lose data lose only what this club never had, but for 0061's record of
  // which rows are chained per player: with one player, the club's chain is the player's.
  await migrate(db.url, { direction: 'down', count: downTo('0018_audit-hash-chain'), loseData: true, ...quiet });
  await migrate(db.url, { direction: 'up', ...quiet });

  t.is(before.length, 2);
  t.deepEqual(await hashes(), before);
});

test('0065’s down hands every message waiting in the outbox a job, due when the message was, so the earlier release sends it', async (t) => {
  const db = await migratedDatabase(t);
  const club = await createClub(db.pool);
  const [waiting, held, sent] = [await createPlayer(db.pool, club), await createPlayer(db.pool, club), await createPlayer(db.pool, club)];
  for (const player of [waiting, held, sent]) await putContractInState(db.pool, club, player, 'offered');
  await db.pool.query(sql.unsafe`
    UPDATE contract_messages SET due_at = now() + interval '1 hour' WHERE tenant_id = ${club.id} AND player_id = ${held}
  `);
  await db.pool.query(sql.unsafe`
    UPDATE contract_messages SET status = 'sent', sent_at = now() WHERE tenant_id = ${club.id} AND player_id = ${sent}
  `);
  const messageOf = async (player: number) => (await readMessages(db.pool, club, player))[0]?.id ?? 0;

  await migrate(db.url, { direction: 'down', count: downTo('0065_contract-messages-outbox'), ...quiet });

  const jobs = await db.pool.any(sql.type(z.object({ message_id: z.number(), due_in_minutes: z.number() }))`
    SELECT (jobs.payload->>'message_id')::integer AS message_id, round(extract(epoch FROM jobs.run_at - now()) / 60)::integer AS due_in_minutes
    FROM graphile_worker._private_jobs AS jobs JOIN graphile_worker._private_tasks AS tasks ON tasks.id = jobs.task_id
    WHERE tasks.identifier = 'send_contract_message' ORDER BY message_id
  `);
  t.deepEqual(jobs, [
    { message_id: await messageOf(waiting), due_in_minutes: 0 },
    { message_id: await messageOf(held), due_in_minutes: 60 },
  ]);
  await migrate(db.url, { direction: 'up', ...quiet });
});
