import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/contract_transition: the machine's answer to an event, read from the rules rows.

const db = useDatabase();
const rule = z.object({ to_status: z.string(), audit_event: z.string().nullable() });
const transition = (from: string, event: string, facts: { force?: boolean; teamChange?: boolean } = {}) =>
  db().pool.one(sql.type(rule)`
    SELECT to_status, audit_event
    FROM contract_transition(${from}, ${event}, ${facts.force ?? false}, ${facts.teamChange ?? false})
  `);

test('returns the target state and the audit event of the transition taken', async (t) => {
  t.deepEqual(await transition('offered', 'SIGN'), { to_status: 'signed', audit_event: 'sign' });
  t.deepEqual(await transition('none', 'OFFER'), { to_status: 'offered', audit_event: null });
});

test('the force guard holds only when the caller says so', async (t) => {
  t.is(await sqlstateOf(transition('offered', 'OFFER')), 'OFFEX');
  t.deepEqual(await transition('offered', 'OFFER', { force: true }), { to_status: 'offered', audit_event: 're_offer' });
});

test('the teamChange guard holds only when the caller says so, and force does not stand in for it', async (t) => {
  t.is(await sqlstateOf(transition('signed', 'OFFER', { force: true })), 'TMCHG');
  t.deepEqual(await transition('signed', 'OFFER', { teamChange: true }), { to_status: 'offered', audit_event: 'tier_change' });
});

test('every refusal raises the SQLSTATE its rules row names', async (t) => {
  const refusals = await db().pool.any(sql.type(z.object({ status: z.string(), event: z.string(), sqlstate: z.string() }))`
    SELECT status, event, sqlstate FROM contract_refusals ORDER BY status, event
  `);
  t.true(refusals.length >= 8);
  for (const refusal of refusals) {
    t.is(await sqlstateOf(transition(refusal.status, refusal.event)), refusal.sqlstate, `${refusal.event} in ${refusal.status}`);
  }
});

test('a guard it does not know is an error, never a silent refusal', async (t) => {
  const error = await t.throwsAsync(
    db().pool.transaction(async (transaction) => {
      await transaction.query(sql.unsafe`
        INSERT INTO contract_transitions (from_status, event, position, guard, to_status, audit_event)
        VALUES ('declined', 'SIGN', 0, 'mystery', 'signed', NULL)
      `);
      await transaction.query(sql.unsafe`SELECT contract_transition('declined', 'SIGN')`);
    }),
  );
  t.regex(error?.message ?? '', /does not know the guard "mystery"/);
  t.is(await sqlstateOf(transition('declined', 'SIGN')), 'CTDCL', 'the rows are as the migration left them');
});
