import { createHash } from 'node:crypto';
import test from 'ava';
import pg from 'pg';
import { sql } from 'slonik';
import { z } from 'zod';
import { verifyClubChain } from '../../src/contracts/audit-chain.ts';
import { offerContract } from '../../src/contracts/store.ts';
import { sealEverything } from '../helpers/audit-seal.ts';
import { type Club, createClub, createPlayer, putContractInState } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/seal_contract_audit: the worker's sealer, off the transitions' path. Each seal takes the rows
// of the transactions that ended since the last, one checkpoint per club. Serial: a seal is global.

const db = useDatabase();

const checkpointRow = z.object({
  seal_id: z.bigint(),
  audit_ids: z.array(z.bigint()),
  previous_hash: z.instanceof(Buffer).nullable(),
  hash: z.instanceof(Buffer),
});

const checkpointsOf = (club: Club) =>
  db().pool.any(sql.type(checkpointRow)`
    SELECT seal_id, audit_ids, previous_hash, hash FROM contract_audit_checkpoints WHERE tenant_id = ${club.id} ORDER BY seal_id
  `);

const rowsOf = (club: Club) =>
  db().pool.any(sql.type(z.object({ id: z.bigint(), hash: z.instanceof(Buffer) }))`
    SELECT id, hash FROM contract_audit_log WHERE tenant_id = ${club.id} ORDER BY id
  `);

const reOffer = (club: Club, playerId: number, fee = 175) =>
  offerContract(db().pool, { tenantId: club.id, playerId, monthlyFee: fee, targetTeamId: null, force: true, actor: 'a' });

async function clubWithRows(rows: number): Promise<{ club: Club; playerId: number }> {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');
  for (let i = 0; i < rows; i += 1) await reOffer(club, playerId, 100 + i);
  return { club, playerId };
}

const sha256 = (...parts: Buffer[]) => parts.reduce((hash, part) => hash.update(part), createHash('sha256')).digest();

test.serial('a seal gives each club with new rows one checkpoint: its row ids, and sha256 of their hashes in id order', async (t) => {
  const { club } = await clubWithRows(3);
  const other = await clubWithRows(1);

  await sealEverything(db().pool);

  const rows = await rowsOf(club);
  const [checkpoint] = await checkpointsOf(club);
  t.deepEqual(
    checkpoint?.audit_ids,
    rows.map((row) => row.id),
  );
  t.is(checkpoint?.previous_hash, null, 'a club’s first checkpoint chains onto nothing');
  t.deepEqual(checkpoint?.hash, sha256(...rows.map((row) => row.hash)));
  t.is((await checkpointsOf(other.club)).length, 1);
});

test.serial('a club’s next checkpoint chains onto its previous one and seals only the rows since', async (t) => {
  const { club, playerId } = await clubWithRows(2);
  await sealEverything(db().pool);
  await reOffer(club, playerId);

  await sealEverything(db().pool);

  const [first, second] = await checkpointsOf(club);
  const newest = (await rowsOf(club)).at(-1);
  t.deepEqual(second?.audit_ids, [newest?.id]);
  t.deepEqual(second?.previous_hash, first?.hash);
  t.deepEqual(second?.hash, sha256(first?.hash ?? Buffer.alloc(0), newest?.hash ?? Buffer.alloc(0)));
});

test.serial('a row of a transaction still open waits for a seal after it ends, however low its id', async (t) => {
  const { club, playerId } = await clubWithRows(1);
  const client = new pg.Client({ connectionString: db().url });
  await client.connect();
  t.teardown(() => client.end());
  await client.query('BEGIN');
  await client.query(`SELECT * FROM offer_contract($1, $2, 190, NULL, true, ARRAY['offered'], 'a', 'admin_api')`, [club.id, playerId]);
  const other = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, other, 'offered');
  await reOffer(club, other); // a higher id, committed first

  await db().pool.query(sql.unsafe`SELECT seal_contract_audit()`);
  const sealedWhileOpen = (await checkpointsOf(club)).flatMap((checkpoint) => checkpoint.audit_ids);
  await client.query('COMMIT');
  await sealEverything(db().pool);

  const rows = await rowsOf(club);
  const openRow = rows[1]?.id;
  t.false(sealedWhileOpen.includes(openRow ?? 0n), 'the open transaction’s row is not sealed while it may still roll back');
  t.deepEqual((await checkpointsOf(club)).flatMap((checkpoint) => checkpoint.audit_ids).sort(), rows.map((row) => row.id).sort());
});

test.serial('a row removed with its player before its seal is sealed by the hash it had', async (t) => {
  const { club, playerId } = await clubWithRows(2);
  const rows = await rowsOf(club);
  await db().pool.query(sql.unsafe`DELETE FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}`);

  await sealEverything(db().pool);

  const [checkpoint] = await checkpointsOf(club);
  t.deepEqual(
    checkpoint?.audit_ids,
    rows.map((row) => row.id),
  );
  t.deepEqual(checkpoint?.hash, sha256(...rows.map((row) => row.hash)));
  t.like(await verifyClubChain(db().pool, club), { intact: true, rows: 0, removed: 2 });
});

test.serial('with nothing new, a seal writes nothing', async (t) => {
  await sealEverything(db().pool);
  const seals = () =>
    db().pool.oneFirst(sql.type(z.object({ count: z.number() }))`SELECT count(*)::integer AS count FROM contract_audit_seals`);
  const before = await seals();

  const written = await db().pool.oneFirst(sql.type(z.object({ written: z.number() }))`SELECT seal_contract_audit() AS written`);

  t.is(written, 0);
  t.is(await seals(), before);
});

test.serial('one sealer at a time: a second, meanwhile, returns at once with nothing written', async (t) => {
  await clubWithRows(1);
  const client = new pg.Client({ connectionString: db().url });
  await client.connect();
  t.teardown(() => client.end());
  await client.query('BEGIN');
  await client.query('SELECT seal_contract_audit()');

  const written = await db().pool.oneFirst(sql.type(z.object({ written: z.number() }))`SELECT seal_contract_audit() AS written`);
  await client.query('COMMIT');

  t.is(written, 0);
});
