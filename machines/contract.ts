import { setup } from 'xstate';

/**
 * The contract rules (docs/PRODUCT.md, "The state machine"). This definition is the single source
 * of truth: the HTTP layer evaluates it before calling the database; `npm run db:sync` turns its
 * transitions and refusals into the rows the SQL functions re-check under the player's row lock
 * (sql/contract_transition.sql, with one function per guard: sql/contract_guard_*.sql) and a trigger
 * on players enforces for every writer. test/contract-conformance.test.ts fails if the machine and
 * the functions ever disagree, test/db-sync.test.ts if a rule changed without its migration.
 */

export const CONTRACT_STATUSES = ['none', 'offered', 'declined', 'signed', 'withdrawn', 'expired'] as const;
export type ContractStatus = (typeof CONTRACT_STATUSES)[number];

export type ContractEvent =
  | {
      readonly type: 'OFFER';
      /** `?force=true`: replace an open offer with a new one. */
      readonly force: boolean;
      /** The team to move the player to, if any. */
      readonly targetTeamId: number | null;
    }
  | { readonly type: 'SIGN' }
  | { readonly type: 'DECLINE' }
  /** The club takes back an offer made by mistake. */
  | { readonly type: 'WITHDRAW' }
  /** The offer's deadline (OFFER_VALID_DAYS) passed unsigned: the job queue sends this. */
  | { readonly type: 'EXPIRE' };

export type ContractEventType = ContractEvent['type'];

export interface ContractContext {
  /** The player's current teams. */
  readonly teamIds: readonly number[];
  /**
   * For SIGN: how many signers the contract still needs once this signature counts, under the
   * club's signing policy as the offer fixed it (docs/PRODUCT.md, "Who signs"). 0 for one signer.
   */
  readonly pendingSigners: number;
}

/**
 * `contract_audit_log.event_type`. `admin_override` and `receipt` are written by no transition:
 * the first records an operator's repair through the database's override_contract, the one way
 * round the rules; the second the sha256 of a signed contract's receipt PDF, right after its `sign`
 * row (sql/record_contract_receipt.sql, docs/RECEIPTS.md).
 */
export const AUDIT_EVENT_TYPES = [
  're_offer',
  'tier_change',
  'sign',
  'decline',
  'admin_override',
  'withdraw',
  'expire',
  'signature',
  'receipt',
] as const;
export type AuditEventType = (typeof AUDIT_EVENT_TYPES)[number];

/**
 * The error code (docs/PRODUCT.md, "Errors"; listed in src/errors.ts) for an event a state does not
 * accept.
 */
export type RefusalCode =
  | 'offer_exists'
  | 'team_change_required'
  | 'contract_not_found'
  | 'contract_already_signed'
  | 'contract_already_declined'
  | 'contract_withdrawn'
  | 'contract_expired'
  | 'no_open_offer';

export interface ContractStateMeta {
  readonly refusals: Readonly<Partial<Record<ContractEventType, RefusalCode>>>;
}

const audit = (eventType: AuditEventType) => ({ type: 'writeAudit', params: { eventType } }) as const;

export const contractMachine = setup({
  types: {
    context: {} as ContractContext,
    events: {} as ContractEvent,
    input: {} as ContractContext,
    meta: {} as ContractStateMeta,
  },
  guards: {
    force: ({ event }) => event.type === 'OFFER' && event.force,
    teamChange: ({ context, event }) =>
      event.type === 'OFFER' && event.targetTeamId !== null && !context.teamIds.includes(event.targetTeamId),
    moreSignersPending: ({ context, event }) => event.type === 'SIGN' && context.pendingSigners > 0,
  },
  // Effects are carried out by the SQL functions; the machine names them so that callers (and the
  // conformance test) can see what a transition will do without running it.
  actions: {
    mintToken: () => {},
    writeAudit: (_, _params: { eventType: AuditEventType }) => {},
  },
}).createMachine({
  id: 'contract',
  initial: 'none',
  context: ({ input }) => input,
  states: {
    none: {
      on: { OFFER: { target: 'offered', actions: 'mintToken' } },
      meta: {
        refusals: {
          SIGN: 'contract_not_found',
          DECLINE: 'contract_not_found',
          WITHDRAW: 'no_open_offer',
          EXPIRE: 'no_open_offer',
        },
      },
    },
    offered: {
      on: {
        OFFER: { guard: 'force', target: 'offered', reenter: true, actions: ['mintToken', audit('re_offer')] },
        // A signature that leaves a required signer pending is recorded and the offer stays open;
        // the one that completes the contract signs it.
        SIGN: [
          { guard: 'moreSignersPending', target: 'offered', actions: audit('signature') },
          { target: 'signed', actions: audit('sign') },
        ],
        DECLINE: { target: 'declined', actions: audit('decline') },
        WITHDRAW: { target: 'withdrawn', actions: audit('withdraw') },
        EXPIRE: { target: 'expired', actions: audit('expire') },
      },
      meta: { refusals: { OFFER: 'offer_exists' } },
    },
    declined: {
      on: { OFFER: { target: 'offered', actions: 'mintToken' } },
      meta: {
        refusals: {
          SIGN: 'contract_already_declined',
          DECLINE: 'contract_already_declined',
          WITHDRAW: 'no_open_offer',
          EXPIRE: 'no_open_offer',
        },
      },
    },
    withdrawn: {
      on: { OFFER: { target: 'offered', actions: 'mintToken' } },
      meta: {
        refusals: {
          SIGN: 'contract_withdrawn',
          DECLINE: 'contract_withdrawn',
          WITHDRAW: 'no_open_offer',
          EXPIRE: 'no_open_offer',
        },
      },
    },
    expired: {
      on: { OFFER: { target: 'offered', actions: 'mintToken' } },
      meta: {
        refusals: { SIGN: 'contract_expired', DECLINE: 'contract_expired', WITHDRAW: 'no_open_offer', EXPIRE: 'no_open_offer' },
      },
    },
    signed: {
      on: { OFFER: { guard: 'teamChange', target: 'offered', actions: ['mintToken', audit('tier_change')] } },
      meta: {
        refusals: {
          OFFER: 'team_change_required',
          SIGN: 'contract_already_signed',
          DECLINE: 'contract_already_signed',
          WITHDRAW: 'no_open_offer',
          EXPIRE: 'no_open_offer',
        },
      },
    },
  },
});
