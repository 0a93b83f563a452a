import { transition } from 'xstate';
import {
  type AuditEventType,
  type ContractContext,
  type ContractEvent,
  type ContractStatus,
  CONTRACT_STATUSES,
  type RefusalCode,
  contractMachine,
} from './contract.ts';

export type Decision =
  | {
      readonly allowed: true;
      readonly to: ContractStatus;
      readonly mintsToken: boolean;
      readonly auditEvent: AuditEventType | null;
    }
  | { readonly allowed: false; readonly refusal: RefusalCode };

/** Evaluates one event against a contract's current state, purely: no actor is started. */
export function evaluate(status: ContractStatus, context: ContractContext, event: ContractEvent): Decision {
  const snapshot = contractMachine.resolveState({ value: status, context });
  if (!snapshot.can(event)) {
    return { allowed: false, refusal: refusalFor(status, event.type) };
  }
  const [next, actions] = transition(contractMachine, snapshot, event);
  let auditEvent: AuditEventType | null = null;
  for (const action of actions) {
    if (action.type === 'writeAudit') auditEvent = (action.params as { eventType: AuditEventType }).eventType;
  }
  return {
    allowed: true,
    to: next.value as ContractStatus,
    mintsToken: actions.some((action) => action.type === 'mintToken'),
    auditEvent,
  };
}

export function refusalFor(status: ContractStatus, eventType: ContractEvent['type']): RefusalCode {
  const refusal = contractMachine.getStateNodeById(`contract.${status}`).meta?.refusals[eventType];
  if (refusal === undefined) {
    throw new Error(`machines/contract.ts: state "${status}" refuses ${eventType} without naming a refusal code`);
  }
  return refusal;
}

/**
 * The states from which the machine takes `event`, judging every guard by what the event carries
 * and taking the guards that need the contract's own data (teamChange: the player's current teams)
 * to hold. The offer sends this with its one database call, and the SQL function, which has those
 * data under the row lock, refuses any other state: a transition happens only where the machine
 * here and the rules in the database both allow it.
 */
export function sourceStates(event: ContractEvent): readonly ContractStatus[] {
  const key = JSON.stringify(event);
  let states = sourceStatesByEvent.get(key);
  if (states === undefined) {
    // No current teams: any target is then a change, so teamChange holds whenever a target is given.
    states = CONTRACT_STATUSES.filter((status) => evaluate(status, { teamIds: [], pendingSigners: 0 }, event).allowed);
    if (sourceStatesByEvent.size < SOURCE_STATES_KEPT) sourceStatesByEvent.set(key, states);
  }
  return states;
}

// Keyed by the whole event: an OFFER's target team makes each one distinct, so the memo is bounded.
const SOURCE_STATES_KEPT = 10_000;
const sourceStatesByEvent = new Map<string, readonly ContractStatus[]>();
