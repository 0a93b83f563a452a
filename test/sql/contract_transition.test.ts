import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { contractMachine } from '../../machines/contract.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/contract_transition: the one place the database decides a transition and raises a refusal.
// It is given what xstate's guards get (the event and the contract's context) and the states the
// service's machine takes the event from.

const db = useDatabase();
const EVERY_STATE = ['none', 'offered', 'declined', 'signed'];
const rule = z.object({ to_status: z.string(), audit_event: z.string().nullable() });

interface Call {
  readonly from: string;
  readonly event: Record<string, unknown>;
  readonly teamIds?: readonly number[];
  readonly allowedFrom?: readonly string[];
}
const transition = ({ from, event, teamIds = [], allowedFrom = EVERY_STATE }: Call) =>
  db().pool.one(sql.type(rule)`
    SELECT to_status, audit_event FROM contract_transition(
      ${from}, ${sql.jsonb(event as never)}, ${sql.jsonb({ teamIds } as never)}, ${sql.array(allowedFrom, 'text')}
    )
  `);
const offer = (force: boolean, targetTeamId: number | null) => ({ type: 'OFFER', force, targetTeamId });

test('returns the target state and the audit event of the transition taken', async (t) => {
  t.deepEqual(await transition({ from: 'offered', event: { type: 'SIGN' } }), { to_status: 'signed', audit_event: 'sign' });
  t.deepEqual(await transition({ from: 'none', event: offer(false, null) }), { to_status: 'offered', audit_event: null });
});

test('the force guard holds only for an offer sent with force', async (t) => {
  t.is(await sqlstateOf(transition({ from: 'offered', event: offer(false, null) })), 'OFFEX');
  t.deepEqual(await transition({ from: 'offered', event: offer(true, null) }), { to_status: 'offered', audit_event: 're_offer' });
});

test('the teamChange guard holds only for a team the player is not on, and force does not stand in for it', async (t) => {
  t.is(await sqlstateOf(transition({ from: 'signed', event: offer(true, null), teamIds: [1] })), 'TMCHG');
  t.is(await sqlstateOf(transition({ from: 'signed', event: offer(false, 1), teamIds: [1] })), 'TMCHG');
  t.deepEqual(await transition({ from: 'signed', event: offer(false, 2), teamIds: [1] }), {
    to_status: 'offered',
    audit_event: 'tier_change',
  });
});

test('every refusal raises the SQLSTATE its rules row names', async (t) => {
  const refusals = await db().pool.any(sql.type(z.object({ status: z.string(), event: z.string(), sqlstate: z.string() }))`
    SELECT status, event, sqlstate FROM contract_refusals ORDER BY status, event
  `);
  t.true(refusals.length >= 8);
  for (const refusal of refusals) {
    const event = refusal.event === 'OFFER' ? offer(false, null) : { type: refusal.event };
    t.is(await sqlstateOf(transition({ from: refusal.status, event })), refusal.sqlstate, `${refusal.event} in ${refusal.status}`);
  }
});

test('a state the service’s machine does not take the event from is refused with that state’s refusal', async (t) => {
  t.is(await sqlstateOf(transition({ from: 'signed', event: { type: 'SIGN' }, allowedFrom: ['offered'] })), 'CTSGN');
  t.is(await sqlstateOf(transition({ from: 'declined', event: { type: 'DECLINE' }, allowedFrom: ['offered'] })), 'CTDCL');
  t.is(await sqlstateOf(transition({ from: 'offered', event: offer(true, null), allowedFrom: ['none', 'declined'] })), 'OFFEX');
});

test('a state the database always takes the event from, refused by the service’s machine: CTSKW', async (t) => {
  t.is(await sqlstateOf(transition({ from: 'none', event: offer(false, null), allowedFrom: ['offered'] })), 'CTSKW');
});

test('each guard of the machine is one database function named after it, and there are no others', async (t) => {
  const machineGuards = Object.keys(contractMachine.implementations.guards).sort();
  const functions = await db().pool.anyFirst(sql.type(z.object({ proname: z.string() }))`
    SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace AND proname LIKE 'contract\\_guard\\_%' ORDER BY proname
  `);
  const guardName = (name: string) =>
    name.replace(/^contract_guard_/, '').replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase());
  t.deepEqual(functions.map(guardName).sort(), machineGuards);
  t.true(machineGuards.length >= 2);
});

test('a guard with no function is an error, never a silent refusal', async (t) => {
  const error = await t.throwsAsync(
    db().pool.transaction(async (transaction) => {
      await transaction.query(sql.unsafe`
        INSERT INTO contract_transitions (from_status, event, position, guard, to_status, audit_event)
        VALUES ('declined', 'SIGN', 0, 'mystery', 'signed', NULL)
      `);
      await transaction.query(sql.unsafe`SELECT contract_transition('declined', '{"type": "SIGN"}', '{}', ARRAY['declined'])`);
    }),
  );
  t.regex(error?.message ?? '', /contract_guard_mystery/);
  t.is(await sqlstateOf(transition({ from: 'declined', event: { type: 'SIGN' } })), 'CTDCL', 'the rows are as the migration left them');
});
