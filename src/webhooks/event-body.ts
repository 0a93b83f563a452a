import { Webhook } from 'standardwebhooks';

// A delivery's body and headers (docs/WEBHOOKS.md, "What a delivery looks like"), the same bytes
// on every attempt but the timestamp and the signatures made with it.

export interface StoredEvent {
  readonly id: string;
  readonly type: string;
  /** Epoch milliseconds: when the transition committed its event. */
  readonly createdAt: number;
  /** As sql/queue_contract_event.sql wrote it: an offer's links as tokens. */
  readonly data: Record<string, unknown>;
}

/** The JSON body: the links of an offer's event made URLs with CONTRACT_BASE_URL. */
export function eventBody(event: StoredEvent, contractBaseUrl: string): string {
  const link = (token: unknown) => (typeof token === 'string' ? `${contractBaseUrl}/${token}` : null);
  const { contract_token: contractToken, signers, ...data } = event.data;
  const rendered: Record<string, unknown> = { ...data };
  if (Array.isArray(signers)) {
    rendered.signers = signers.map((signer: Record<string, unknown>) => {
      const { token, ...rest } = signer;
      return token === undefined ? rest : { ...rest, contract_url: link(token) };
    });
  }
  if (contractToken !== undefined) rendered.contract_url = link(contractToken);
  return JSON.stringify({ id: event.id, type: event.type, timestamp: new Date(event.createdAt).toISOString(), data: rendered });
}

/**
 * Standard Webhooks headers: `webhook-signature` holds one `v1,<base64 HMAC-SHA256>` per secret
 * (two during a rotation), made by the spec's reference library over `{id}.{timestamp}.{body}`.
 */
export function signedHeaders(
  eventId: string,
  body: string,
  secrets: readonly string[],
  now: Date = new Date(),
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'user-agent': 'club-contracts-webhooks',
    'webhook-id': eventId,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': secrets.map((secret) => new Webhook(secret).sign(eventId, now, body)).join(' '),
  };
}
