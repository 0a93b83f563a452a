import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import {
  type Club,
  addGuardians,
  createClub,
  createPlayer,
  putContractInState,
  readAuditLog,
  readPlayer,
  setSigningPolicy,
} from '../helpers/fixtures.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/players_contract_rules: the trigger that makes the contract rules bind every writer of
// players, not only the service (issue 6).

const db = useDatabase();

async function offeredPlayer(): Promise<{ club: Club; playerId: number; token: string }> {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  return { club, playerId, token: await putContractInState(db().pool, club, playerId, 'offered') };
}

test('a hand-written UPDATE of the status is refused with CTRAW and changes nothing', async (t) => {
  const { club, playerId } = await offeredPlayer();
  const before = await readPlayer(db().pool, club, playerId);

  const refused = await sqlstateOf(
    db().pool.query(sql.unsafe`
      UPDATE players SET contract_status = 'signed', contract_signed_at = now()
      WHERE tenant_id = ${club.id} AND id = ${playerId}
    `),
  );

  t.is(refused, 'CTRAW');
  t.deepEqual(await readPlayer(db().pool, club, playerId), before);
  t.deepEqual(await readAuditLog(db().pool, club, playerId), []);
});

test('a hand-written UPDATE of the token is refused with CTRAW and changes nothing', async (t) => {
  const { club, playerId, token } = await offeredPlayer();

  const refused = await sqlstateOf(
    db().pool.query(sql.unsafe`
      UPDATE players SET contract_token = ${'A'.repeat(43)} WHERE tenant_id = ${club.id} AND id = ${playerId}
    `),
  );

  t.is(refused, 'CTRAW');
  t.is((await readPlayer(db().pool, club, playerId)).contract_token, token);
});

test('every contract column is guarded, and the refusal names it', async (t) => {
  const { club, playerId } = await offeredPlayer();
  const before = await readPlayer(db().pool, club, playerId);
  const newValues: Record<string, string | null> = {
    monthly_fee: '175',
    contract_offered_at: '2026-01-01T00:00:00Z',
    contract_offered_by: 'someone@example.test',
    contract_signed_by: 'Someone',
    contract_signed_ip: '198.51.100.1',
    contract_signature_url: 'https://sign.example.test/s/9',
    contract_version: 'v9',
    contract_token: null,
    contract_declined_at: '2026-01-02T00:00:00Z',
    contract_signed_at: '2026-01-02T00:00:00Z',
    contract_status: 'none',
  };

  for (const [column, value] of Object.entries(newValues)) {
    const error = await db()
      .pool.query(sql.unsafe`
        UPDATE players SET ${sql.identifier([column])} = ${value} WHERE tenant_id = ${club.id} AND id = ${playerId}
      `)
      .then(
        () => null,
        (caught: unknown) => caught as Error & { code?: string },
      );
    t.regex(error?.message ?? 'accepted', new RegExp(`: ${column} may change only through the contract functions`), column);
  }
  t.deepEqual(await readPlayer(db().pool, club, playerId), before);
});

test('name and email change freely, also on a player with a contract', async (t) => {
  const { club, playerId } = await offeredPlayer();

  await db().pool.query(sql.unsafe`
    UPDATE players SET name = 'Jacelyn Park-Lee', email = 'lee@example.test' WHERE tenant_id = ${club.id} AND id = ${playerId}
  `);

  const row = await db().pool.one(sql.type(z.object({ name: z.string(), contract_status: z.string() }))`
    SELECT name, contract_status FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}
  `);
  t.deepEqual(row, { name: 'Jacelyn Park-Lee', contract_status: 'offered' });
});

test('a new player starts in the initial state with no contract', async (t) => {
  const club = await createClub(db().pool);
  const insert = (status: string, fee: number | null) =>
    db().pool.query(sql.unsafe`
      INSERT INTO players (tenant_id, name, email, contract_status, monthly_fee)
      VALUES (${club.id}, 'Smuggled', 'x@example.test', ${status}, ${fee})
    `);

  t.is(await sqlstateOf(insert('offered', 150)), 'CTRAW');
  t.is(await sqlstateOf(insert('none', 150)), 'CTRAW');
  await insert('none', null);

  const names = await db().pool.anyFirst(sql.type(z.object({ status: z.string() }))`
    SELECT contract_status AS status FROM players WHERE tenant_id = ${club.id}
  `);
  t.deepEqual(names, ['none']);
});

test("a pass lets through one change of its own player's row, once", async (t) => {
  const [a, b] = [await offeredPlayer(), await offeredPlayer()];
  const decline = (player: { club: Club; playerId: number }) => sql.unsafe`
    UPDATE players SET contract_status = 'declined', contract_declined_at = now()
    WHERE tenant_id = ${player.club.id} AND id = ${player.playerId}
  `;
  const permit = sql.unsafe`SELECT permit_contract_write(${a.club.id}, ${a.playerId}, 'DECLINE')`;

  const otherRow = await sqlstateOf(
    db().pool.transaction(async (transaction) => {
      await transaction.query(permit);
      await transaction.query(decline(b));
    }),
  );
  const twice = await sqlstateOf(
    db().pool.transaction(async (transaction) => {
      await transaction.query(permit);
      await transaction.query(decline(a));
      await transaction.query(sql.unsafe`UPDATE players SET monthly_fee = 1 WHERE tenant_id = ${a.club.id} AND id = ${a.playerId}`);
    }),
  );
  await db().pool.transaction(async (transaction) => {
    await transaction.query(permit);
    await transaction.query(decline(a));
  });

  t.is(otherRow, 'CTRAW');
  t.is(twice, 'CTRAW');
  t.is((await readPlayer(db().pool, b.club, b.playerId)).contract_status, 'offered');
  t.like(await readPlayer(db().pool, a.club, a.playerId), { contract_status: 'declined', monthly_fee: 150 });
});

test('even with a pass, a status change must be a transition of the machine for its event', async (t) => {
  const { club, playerId } = await offeredPlayer();
  const before = await readPlayer(db().pool, club, playerId);

  const declineUnderSign = await sqlstateOf(
    db().pool.transaction(async (transaction) => {
      await transaction.query(sql.unsafe`SELECT permit_contract_write(${club.id}, ${playerId}, 'SIGN')`);
      await transaction.query(sql.unsafe`
        UPDATE players SET contract_status = 'declined', contract_declined_at = now()
        WHERE tenant_id = ${club.id} AND id = ${playerId}
      `);
    }),
  );

  t.is(declineUnderSign, 'CTTRN');
  t.deepEqual(await readPlayer(db().pool, club, playerId), before);
});

test('even with a SIGN pass, a contract cannot become signed while a signer it needs is pending (moreSignersPending)', async (t) => {
  const club = await createClub(db().pool);
  await setSigningPolicy(db().pool, club, 'all_guardians');
  const playerId = await createPlayer(db().pool, club);
  await addGuardians(db().pool, club, playerId, [
    { name: 'Dana Park', email: 'dana@example.test' },
    { name: 'Sam Park', email: 'sam@example.test' },
  ]);
  await putContractInState(db().pool, club, playerId, 'offered');
  const before = await readPlayer(db().pool, club, playerId);

  const signedByHand = await sqlstateOf(
    db().pool.transaction(async (transaction) => {
      await transaction.query(sql.unsafe`SELECT permit_contract_write(${club.id}, ${playerId}, 'SIGN')`);
      await transaction.query(sql.unsafe`
        UPDATE players SET contract_status = 'signed', contract_signed_at = now(), contract_signed_by = 'Dana Park'
        WHERE tenant_id = ${club.id} AND id = ${playerId}
      `);
    }),
  );

  t.is(signedByHand, 'CTTRN');
  t.deepEqual(await readPlayer(db().pool, club, playerId), before);
});

test("deleting a player with a contract is allowed and takes the player's audit rows", async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'signed');
  t.is((await readAuditLog(db().pool, club, playerId)).length, 1);

  await db().pool.query(sql.unsafe`DELETE FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}`);

  t.deepEqual(await readAuditLog(db().pool, club, playerId), []);
});
