import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { contractMachine } from '../../machines/contract.ts';
import { evaluate } from '../../machines/evaluate.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/contract_guard_more_signers_pending: the machine's guard moreSignersPending, in SQL.

const db = useDatabase();

const guard = (pendingSigners: number) =>
  db().pool.oneFirst(sql.type(z.object({ holds: z.boolean() }))`
    SELECT contract_guard_more_signers_pending(${JSON.stringify({ pendingSigners })}::jsonb, '{"type": "SIGN"}') AS holds
  `);

test('holds exactly when the machine’s guard does: while a signer is pending', async (t) => {
  t.truthy(contractMachine.implementations.guards.moreSignersPending);
  for (const pendingSigners of [0, 1, 3]) {
    const decision = evaluate('offered', { teamIds: [], pendingSigners }, { type: 'SIGN' });
    t.is(await guard(pendingSigners), decision.allowed && decision.to === 'offered', `${pendingSigners} pending`);
  }
});
