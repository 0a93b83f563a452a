import test from 'ava';
import { CONTRACT_STATUSES, type ContractEvent, contractMachine } from '../machines/contract.ts';
import { evaluate } from '../machines/evaluate.ts';

// docs/PRODUCT.md, "The state machine", as the machine declares it, checked without a database.

const events: ContractEvent[] = [
  { type: 'OFFER', force: false, targetTeamId: null },
  { type: 'OFFER', force: true, targetTeamId: null },
  { type: 'OFFER', force: false, targetTeamId: 2 },
  { type: 'OFFER', force: true, targetTeamId: 1 },
  { type: 'SIGN' },
  { type: 'DECLINE' },
];

test('the machine has exactly the four states of the spec, starting at none', (t) => {
  t.deepEqual(Object.keys(contractMachine.root.states).sort(), [...CONTRACT_STATUSES].sort());
  t.is(contractMachine.config.initial, 'none');
});

test('every refused (state, event) names the error code the client gets', (t) => {
  for (const status of CONTRACT_STATUSES) {
    for (const event of events) {
      const decision = evaluate(status, { teamIds: [1], pendingSigners: 0 }, event);
      if (!decision.allowed) t.regex(decision.refusal, /^[a-z_]+$/, `${status} ${JSON.stringify(event)}`);
    }
  }
});

test('the state machine table', (t) => {
  const team = { teamIds: [1], pendingSigners: 0 };
  const offer = (force: boolean, targetTeamId: number | null): ContractEvent => ({ type: 'OFFER', force, targetTeamId });
  t.like(evaluate('none', team, offer(false, null)), { allowed: true, to: 'offered', auditEvent: null, mintsToken: true });
  t.like(evaluate('declined', team, offer(false, null)), { allowed: true, to: 'offered', auditEvent: null });
  t.like(evaluate('offered', team, offer(true, null)), { allowed: true, to: 'offered', auditEvent: 're_offer' });
  t.like(evaluate('offered', team, offer(false, null)), { allowed: false, refusal: 'offer_exists' });
  t.like(evaluate('signed', team, offer(false, 2)), { allowed: true, to: 'offered', auditEvent: 'tier_change' });
  t.like(evaluate('signed', team, offer(true, 1)), { allowed: false, refusal: 'team_change_required' });
  t.like(evaluate('signed', team, offer(true, null)), { allowed: false, refusal: 'team_change_required' });
  t.like(evaluate('offered', team, { type: 'SIGN' }), { allowed: true, to: 'signed', auditEvent: 'sign', mintsToken: false });
  t.like(evaluate('offered', team, { type: 'DECLINE' }), { allowed: true, to: 'declined', auditEvent: 'decline' });
  t.like(evaluate('declined', team, { type: 'SIGN' }), { allowed: false, refusal: 'contract_already_declined' });
  t.like(evaluate('signed', team, { type: 'DECLINE' }), { allowed: false, refusal: 'contract_already_signed' });
});

test('the definition serialises for the Stately visualizer, with named guards', (t) => {
  const json = JSON.stringify(contractMachine.config);
  t.regex(json, /"guard":"force"/);
  t.regex(json, /"guard":"teamChange"/);
});
