import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { offerContract } from '../../src/contracts/store.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';
import { type Club, createClub, createPlayer, putContractInState, readAuditLog } from '../helpers/fixtures.ts';

// docs/PRODUCT.md, "Data" and "Audit log": the database itself keeps contract_audit_log append-only.

const db = useDatabase();

/** A player with one re_offer row. */
async function playerWithHistory(): Promise<{ club: Club; playerId: number }> {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');
  await offerContract(db().pool, { tenantId: club.id, playerId, monthlyFee: 99, targetTeamId: null, force: true, actor: 'a' });
  return { club, playerId };
}

test('UPDATE is refused', async (t) => {
  const { club, playerId } = await playerWithHistory();
  const before = await readAuditLog(db().pool, club, playerId);

  const refused = await sqlstateOf(
    db().pool.query(sql.unsafe`UPDATE contract_audit_log SET actor = 'someone else' WHERE player_id = ${playerId}`),
  );

  t.is(refused, 'AUDRO');
  t.deepEqual(await readAuditLog(db().pool, club, playerId), before);
});

test('a direct DELETE is refused', async (t) => {
  const { club, playerId } = await playerWithHistory();

  const refused = await sqlstateOf(db().pool.query(sql.unsafe`DELETE FROM contract_audit_log WHERE player_id = ${playerId}`));

  t.is(refused, 'AUDRO');
  t.is((await readAuditLog(db().pool, club, playerId)).length, 1);
});

test('TRUNCATE is refused', async (t) => {
  const { club, playerId } = await playerWithHistory();

  t.is(await sqlstateOf(db().pool.query(sql.unsafe`TRUNCATE contract_audit_log`)), 'AUDRO');
  t.is((await readAuditLog(db().pool, club, playerId)).length, 1);
});

test("deleting a player removes that player's rows, and only those", async (t) => {
  const gone = await playerWithHistory();
  const kept = await playerWithHistory();

  await db().pool.query(sql.unsafe`DELETE FROM players WHERE tenant_id = ${gone.club.id} AND id = ${gone.playerId}`);

  const remaining = await db().pool.oneFirst(sql.type(z.object({ count: z.bigint() }))`
    SELECT count(*) FROM contract_audit_log WHERE player_id = ${gone.playerId}
  `);
  t.is(remaining, 0n);
  t.is((await readAuditLog(db().pool, kept.club, kept.playerId)).length, 1);
});

test("a player cannot be linked to another club's team, even by hand-written SQL", async (t) => {
  const [mine, theirs] = [await createClub(db().pool), await createClub(db().pool)];
  const playerId = await createPlayer(db().pool, mine);
  const theirTeam = await db().pool.oneFirst(sql.type(z.object({ id: z.number() }))`
    INSERT INTO teams (tenant_id, name) VALUES (${theirs.id}, 'Their team') RETURNING id
  `);

  const refused = await sqlstateOf(
    db().pool.query(sql.unsafe`INSERT INTO player_teams (tenant_id, player_id, team_id) VALUES (${mine.id}, ${playerId}, ${theirTeam})`),
  );

  t.is(refused, '23503');
});
