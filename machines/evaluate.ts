import { transition } from 'xstate';
import {
  type AuditEventType,
  type ContractContext,
  type ContractEvent,
  type ContractStatus,
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
