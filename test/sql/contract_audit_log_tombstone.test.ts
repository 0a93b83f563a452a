import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { verifyClubChain } from '../../src/contracts/audit-chain.ts';
import { offerContract } from '../../src/contracts/store.ts';
import { sealEverything } from '../helpers/audit-seal.ts';
import { type Club, createClub, createPlayer, putContractInState } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/contract_audit_log_tombstone: a row removed with its player keeps its place (its id, hashes and
// writing transaction, not its content), so the club's chain and checkpoints stay checkable across the gap.

const db = useDatabase();

const place = z.object({ id: z.bigint(), previous_hash: z.instanceof(Buffer).nullable(), hash: z.instanceof(Buffer) });

async function playerWithRows(club: Club, rows: number): Promise<number> {
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');
  for (let i = 0; i < rows; i += 1) {
    await offerContract(db().pool, { tenantId: club.id, playerId, monthlyFee: 100 + i, targetTeamId: null, force: true, actor: 'a' });
  }
  return playerId;
}

test('deleting a player keeps the id and hashes of each of its rows, and the chain still verifies', async (t) => {
  const club = await createClub(db().pool);
  await playerWithRows(club, 1);
  const gone = await playerWithRows(club, 2);
  await playerWithRows(club, 1);
  const places = await db().pool.any(sql.type(place)`
    SELECT id, previous_hash, hash FROM contract_audit_log WHERE tenant_id = ${club.id} AND player_id = ${gone} ORDER BY id
  `);

  await db().pool.query(sql.unsafe`DELETE FROM players WHERE tenant_id = ${club.id} AND id = ${gone}`);

  t.deepEqual(
    await db().pool.any(sql.type(place)`
      SELECT id, previous_hash, hash FROM contract_audit_log_removed WHERE tenant_id = ${club.id} ORDER BY id
    `),
    places,
  );
  t.is(places.length, 2);
  t.like(await verifyClubChain(db().pool, club), { intact: true, rows: 2, removed: 2 });
});

test('deleting a player whose rows a checkpoint sealed leaves the checkpoint adding up', async (t) => {
  const club = await createClub(db().pool);
  const gone = await playerWithRows(club, 2);
  await playerWithRows(club, 1);
  await sealEverything(db().pool);

  await db().pool.query(sql.unsafe`DELETE FROM players WHERE tenant_id = ${club.id} AND id = ${gone}`);

  t.like(await verifyClubChain(db().pool, club), { intact: true, rows: 1, removed: 2, unsealed: 0 });
});

test('deleting a club takes its chain with it and leaves nothing behind', async (t) => {
  const club = await createClub(db().pool);
  await playerWithRows(club, 2);

  await db().pool.query(sql.unsafe`DELETE FROM tenants WHERE id = ${club.id}`);

  const left = await db().pool.oneFirst(sql.type(z.object({ count: z.bigint() }))`
    SELECT (SELECT count(*) FROM contract_audit_log_removed WHERE tenant_id = ${club.id})
         + (SELECT count(*) FROM contract_audit_chain_heads WHERE tenant_id = ${club.id}) AS count
  `);
  t.is(left, 0n);
});
