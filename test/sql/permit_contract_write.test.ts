import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/permit_contract_write: the pass the players_contract_rules trigger asks for.

const db = useDatabase();
const pass = sql.type(z.object({ pass: z.string() }))`
  SELECT coalesce(current_setting('club_contracts.transition', true), '') AS pass
`;

test('names the event, the club and the player, and lasts for the transaction only', async (t) => {
  await db().pool.connect(async (connection) => {
    const inside = await connection.transaction(async (transaction) => {
      await transaction.query(sql.unsafe`SELECT permit_contract_write(7, 42, 'SIGN')`);
      return transaction.oneFirst(pass);
    });
    t.is(inside, 'SIGN/7/42');
    t.is(await connection.oneFirst(pass), '');
  });
});
