import type { AuditEventType, ContractEventType } from '../../machines/contract.ts';

/**
 * The webhook event types (docs/WEBHOOKS.md, "Events"): one per transition of machines/contract.ts,
 * named after the audit type the transition writes (a first offer writes none), and `message.failed`
 * from the mail worker. A new audit type does not compile until it has its event here;
 * test/webhook-event-types.test.ts checks every transition of the machine has one, and that
 * sql/contract_event_type.sql names them alike.
 */
export const CONTRACT_EVENT_OF_AUDIT_TYPE = {
  re_offer: 'contract.re_offered',
  tier_change: 'contract.tier_changed',
  signature: 'contract.signature_added',
  sign: 'contract.signed',
  decline: 'contract.declined',
  withdraw: 'contract.withdrawn',
  expire: 'contract.expired',
  // An operator's repair is no transition of the machine, and no event.
  admin_override: null,
  receipt: null,
} as const satisfies Record<AuditEventType, `contract.${string}` | null>;

export const FIRST_OFFER_EVENT = 'contract.offered';

export const WEBHOOK_EVENT_TYPES = [
  FIRST_OFFER_EVENT,
  'contract.re_offered',
  'contract.tier_changed',
  'contract.signature_added',
  'contract.signed',
  'contract.declined',
  'contract.withdrawn',
  'contract.expired',
  'message.failed',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** The event of a transition: the machine's event and the audit type it writes. */
export function contractEventType(event: ContractEventType, auditType: AuditEventType | null): WebhookEventType | null {
  if (auditType === null) return event === 'OFFER' ? FIRST_OFFER_EVENT : null;
  return CONTRACT_EVENT_OF_AUDIT_TYPE[auditType];
}
