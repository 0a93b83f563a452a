import type { AnyStateMachine } from 'xstate';
import { ERRORS } from '../errors.ts';

/**
 * The contract machine's rules as the rows the database enforces (tables contract_statuses,
 * contract_transitions and contract_refusals, and the CHECKs on the status and audit event columns).
 * Derived from the machine by `npm run db:sync`, never written by hand.
 */
export interface ContractRules {
  readonly initialStatus: string;
  readonly statuses: readonly string[];
  readonly auditEventTypes: readonly string[];
  readonly transitions: readonly TransitionRow[];
  readonly refusals: readonly RefusalRow[];
}

export interface TransitionRow {
  readonly from: string;
  readonly event: string;
  /** Among one state's transitions for one event, the order xstate tries their guards in. */
  readonly position: number;
  /** A guard named in the machine's `setup({ guards })`; null: the transition always applies. */
  readonly guard: string | null;
  readonly to: string;
  /** The `contract_audit_log.event_type` the transition writes, if any. */
  readonly auditEvent: string | null;
}

export interface RefusalRow {
  readonly status: string;
  readonly event: string;
  /** The error code of src/errors.ts that the state's `meta.refusals` names. */
  readonly code: string;
  readonly sqlstate: string;
}

/** What `machines/contract.ts` exports that the rules are made of. */
export interface MachineModule {
  readonly contractMachine: AnyStateMachine;
  readonly AUDIT_EVENT_TYPES: readonly string[];
}

// Names go into SQL and TypeScript literals unquoted-safe, so they are plain identifiers.
const NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const EVENT = /^[A-Z][A-Z0-9_]*$/;

/**
 * Reads the rules out of the machine definition. Anything the tables cannot express — a nested
 * state, an inline guard, a refusal code without an SQLSTATE — is refused with every problem listed.
 */
export function contractRules(module: MachineModule): ContractRules {
  const machine = module.contractMachine;
  const problems: string[] = [];
  const statuses = Object.keys(machine.root.states);
  const transitions: TransitionRow[] = [];
  const refusals: RefusalRow[] = [];

  for (const status of statuses) {
    const node = machine.root.states[status];
    if (node === undefined) continue;
    if (!NAME.test(status)) problems.push(`state "${status}" is not a plain name`);
    if (Object.keys(node.states).length > 0)
      problems.push(`state "${status}" has child states; contract_status holds one flat state`);
    if (node.always !== undefined && node.always.length > 0)
      problems.push(`state "${status}" has eventless (always) transitions`);
    for (const [event, list] of node.transitions) {
      if (!EVENT.test(event))
        problems.push(
          `state "${status}": event "${event}" is not an upper-case name (delayed and wildcard transitions are not supported)`,
        );
      list.forEach((transition, position) => {
        const where = `state "${status}", ${event}${list.length > 1 ? ` #${position}` : ''}`;
        const guard = guardName(transition.guard);
        if (guard === undefined) problems.push(`${where}: name the guard in setup({ guards }) instead of writing it inline`);
        const targets = transition.target ?? [];
        if (targets.length !== 1) problems.push(`${where}: a transition needs exactly one target state`);
        const audits = transition.actions.flatMap(auditEventOf);
        if (audits.length > 1) problems.push(`${where}: writes more than one audit row`);
        const auditEvent = audits[0] ?? null;
        if (auditEvent !== null && !module.AUDIT_EVENT_TYPES.includes(auditEvent)) {
          problems.push(`${where}: audit event "${auditEvent}" is not in AUDIT_EVENT_TYPES`);
        }
        transitions.push({ from: status, event, position, guard: guard ?? null, to: targets[0]?.key ?? status, auditEvent });
      });
    }
    const named = (node.meta as { refusals?: Record<string, string> } | undefined)?.refusals ?? {};
    for (const [event, code] of Object.entries(named)) {
      if (!EVENT.test(event)) problems.push(`state "${status}" refuses "${event}", which is not an upper-case event name`);
      const entry: { sqlstate?: string } | undefined = (ERRORS as Record<string, { sqlstate?: string }>)[code];
      if (entry?.sqlstate === undefined) {
        problems.push(`state "${status}" refuses ${event} with "${code}", which src/errors.ts does not give an SQLSTATE`);
        continue;
      }
      refusals.push({ status, event, code, sqlstate: entry.sqlstate });
    }
  }

  // A state that may not accept an event (no transition, or only guarded ones) must say why.
  const events = [...new Set([...transitions.map((row) => row.event), ...refusals.map((row) => row.event)])];
  for (const status of statuses) {
    for (const event of events) {
      const always = transitions.some((row) => row.from === status && row.event === event && row.guard === null);
      const refused = refusals.some((row) => row.status === status && row.event === event);
      if (!always && !refused) problems.push(`state "${status}" may refuse ${event} but meta.refusals names no code for it`);
    }
  }
  for (const type of module.AUDIT_EVENT_TYPES) {
    if (!NAME.test(type)) problems.push(`audit event type "${type}" is not a plain name`);
  }
  const initialStatus = machine.config.initial;
  if (typeof initialStatus !== 'string' || !statuses.includes(initialStatus)) problems.push('the machine needs an initial state');

  if (problems.length > 0) {
    throw new Error(
      `the machine cannot be stored as transition rows:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`,
    );
  }
  return {
    initialStatus: initialStatus as string,
    statuses,
    auditEventTypes: [...module.AUDIT_EVENT_TYPES],
    transitions,
    refusals,
  };
}

/** The guard's name; null for no guard; undefined for one the tables cannot name. */
function guardName(guard: unknown): string | null | undefined {
  if (guard === undefined) return null;
  const name = typeof guard === 'string' ? guard : (guard as { type?: unknown; params?: unknown }).type;
  const hasParams = typeof guard === 'object' && guard !== null && 'params' in guard;
  return typeof name === 'string' && NAME.test(name) && !hasParams ? name : undefined;
}

function auditEventOf(action: unknown): string[] {
  if (typeof action !== 'object' || action === null) return [];
  const { type, params } = action as { type?: unknown; params?: { eventType?: unknown } };
  return type === 'writeAudit' && typeof params?.eventType === 'string' ? [params.eventType] : [];
}
