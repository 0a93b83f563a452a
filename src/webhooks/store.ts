import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';

// The club's webhook endpoints and their delivery log (docs/WEBHOOKS.md). Every query names the
// club: another club's endpoint is as absent as one that never existed.

/** An endpoint as the API answers it: never its secrets. */
export const endpoint = z.object({
  id: z.number().int(),
  url: z.string(),
  /** Null: every type, those added later included. */
  events: z.array(z.string()).nullable(),
  enabled: z.boolean(),
  disabled_reason: z.string().nullable(),
  created_at: z.number(),
});
export type Endpoint = z.infer<typeof endpoint>;

const ENDPOINT_COLUMNS = sql.fragment`
  id, url, events, enabled, disabled_reason, created_at
`;

/** A secret sealed by the secret box (secret-box.ts), and the key that sealed it. */
export interface SealedSecret {
  readonly sealed: Buffer;
  readonly keyId: string;
}

export async function createEndpoint(
  db: CommonQueryMethods,
  tenantId: number,
  fields: { url: string; events: readonly string[] | null },
  secret: SealedSecret,
): Promise<Endpoint> {
  return db.one(sql.type(endpoint)`
    INSERT INTO webhook_endpoints (tenant_id, url, events, secret_ciphertext, secret_key_id)
    VALUES (${tenantId}, ${fields.url}, ${fields.events === null ? null : sql.array([...fields.events], 'text')},
      ${sql.binary(secret.sealed)}, ${secret.keyId})
    RETURNING ${ENDPOINT_COLUMNS}
  `);
}

export async function listEndpoints(db: CommonQueryMethods, tenantId: number): Promise<readonly Endpoint[]> {
  return db.any(sql.type(endpoint)`SELECT ${ENDPOINT_COLUMNS} FROM webhook_endpoints WHERE tenant_id = ${tenantId} ORDER BY id`);
}

/**
 * Changes the fields given; null when the club has no such endpoint. Enabling an endpoint forgets
 * its failures: it starts afresh from the next event.
 */
export async function updateEndpoint(
  db: CommonQueryMethods,
  tenantId: number,
  id: number,
  fields: { url?: string; events?: readonly string[]; enabled?: boolean },
): Promise<Endpoint | null> {
  return db.maybeOne(sql.type(endpoint)`
    UPDATE webhook_endpoints SET
      url = coalesce(${fields.url ?? null}, url),
      events = ${fields.events === undefined ? sql.fragment`events` : sql.array([...fields.events], 'text')},
      enabled = coalesce(${fields.enabled ?? null}, enabled),
      failing_since = CASE WHEN ${fields.enabled === true} AND NOT enabled THEN NULL ELSE failing_since END,
      disabled_reason = CASE WHEN coalesce(${fields.enabled ?? null}, enabled) THEN NULL ELSE disabled_reason END
    WHERE tenant_id = ${tenantId} AND id = ${id}
    RETURNING ${ENDPOINT_COLUMNS}
  `);
}

/** Whether the club had the endpoint; its delivery log goes with it. */
export async function deleteEndpoint(db: CommonQueryMethods, tenantId: number, id: number): Promise<boolean> {
  const result = await db.query(sql.unsafe`DELETE FROM webhook_endpoints WHERE tenant_id = ${tenantId} AND id = ${id}`);
  return result.rowCount === 1;
}

/** A new secret; the one it replaces still signs for `overlapSeconds`. Null when the club has no such endpoint. */
export async function rotateEndpointSecret(
  db: CommonQueryMethods,
  tenantId: number,
  id: number,
  secret: SealedSecret,
  overlapSeconds: number,
): Promise<Endpoint | null> {
  return db.maybeOne(sql.type(endpoint)`
    UPDATE webhook_endpoints SET
      previous_secret_ciphertext = secret_ciphertext,
      previous_secret_expires_at = now() + make_interval(secs => ${overlapSeconds}),
      secret_ciphertext = ${sql.binary(secret.sealed)},
      secret_key_id = ${secret.keyId}
    WHERE tenant_id = ${tenantId} AND id = ${id}
    RETURNING ${ENDPOINT_COLUMNS}
  `);
}

/** The keys whose secrets the database holds: the start-up check compares them with the configured key. */
export async function storedSecretKeyIds(db: CommonQueryMethods): Promise<readonly string[]> {
  return db.anyFirst(sql.type(z.object({ secret_key_id: z.string() }))`
    SELECT DISTINCT secret_key_id FROM webhook_endpoints ORDER BY secret_key_id
  `);
}

export const delivery = z.object({
  id: z.number().int(),
  event_id: z.string(),
  type: z.string(),
  attempt: z.number().int(),
  status: z.enum(['pending', 'delivered', 'failed']),
  response_status: z.number().int().nullable(),
  error: z.string().nullable(),
  created_at: z.number(),
  delivered_at: z.number().nullable(),
  next_attempt_at: z.number().nullable(),
});
export type Delivery = z.infer<typeof delivery>;

/** One page of an endpoint's deliveries, newest first, older than `beforeId` when given. */
export async function listDeliveries(
  db: CommonQueryMethods,
  tenantId: number,
  endpointId: number,
  page: { limit: number; beforeId: number | null },
): Promise<readonly Delivery[]> {
  return db.any(sql.type(delivery)`
    SELECT d.id, d.event_id, e.type, d.attempt, d.status, d.response_status, d.error,
      d.created_at, d.delivered_at, d.next_attempt_at
    FROM webhook_deliveries AS d
    JOIN webhook_events AS e ON e.tenant_id = d.tenant_id AND e.id = d.event_id
    WHERE d.tenant_id = ${tenantId} AND d.endpoint_id = ${endpointId}
      AND (${page.beforeId}::bigint IS NULL OR d.id < ${page.beforeId})
    ORDER BY d.id DESC
    LIMIT ${page.limit}
  `);
}

export async function endpointExists(db: CommonQueryMethods, tenantId: number, id: number): Promise<boolean> {
  return db.exists(sql.unsafe`SELECT 1 FROM webhook_endpoints WHERE tenant_id = ${tenantId} AND id = ${id}`);
}

const attempt = z.object({
  status: z.enum(['pending', 'delivered', 'failed']),
  attempt: z.number().int(),
  endpoint_id: z.number().int(),
  url: z.string(),
  enabled: z.boolean(),
  secret_ciphertext: z.instanceof(Buffer),
  previous_secret_ciphertext: z.instanceof(Buffer).nullable(),
  event_id: z.string(),
  type: z.string(),
  data: z.record(z.unknown()),
  event_created_at: z.number(),
});
/** What one attempt needs: the delivery, its endpoint with the secrets that sign now, and the event. */
export type DeliveryAttempt = z.infer<typeof attempt>;

export async function findDeliveryAttempt(
  db: CommonQueryMethods,
  tenantId: number,
  deliveryId: number,
): Promise<DeliveryAttempt | null> {
  return db.maybeOne(sql.type(attempt)`
    SELECT d.status, d.attempt, d.endpoint_id, p.url, p.enabled, p.secret_ciphertext,
      CASE WHEN p.previous_secret_expires_at > now() THEN p.previous_secret_ciphertext END AS previous_secret_ciphertext,
      e.id AS event_id, e.type, e.data, e.created_at AS event_created_at
    FROM webhook_deliveries AS d
    JOIN webhook_endpoints AS p ON p.tenant_id = d.tenant_id AND p.id = d.endpoint_id
    JOIN webhook_events AS e ON e.tenant_id = d.tenant_id AND e.id = d.event_id
    WHERE d.tenant_id = ${tenantId} AND d.id = ${deliveryId}
  `);
}

/** sql/finish_webhook_delivery: whether this attempt disabled the endpoint. */
export async function finishDelivery(
  db: CommonQueryMethods,
  tenantId: number,
  deliveryId: number,
  outcome: { responseStatus: number | null; error: string | null; retryAfterSeconds: number | null; disableAfterSeconds: number },
): Promise<boolean> {
  return db.oneFirst(sql.type(z.object({ disabled: z.boolean() }))`
    SELECT finish_webhook_delivery(
      ${tenantId}, ${deliveryId}, ${outcome.responseStatus}, ${outcome.error},
      make_interval(secs => ${outcome.retryAfterSeconds}),
      make_interval(secs => ${outcome.disableAfterSeconds})
    ) AS disabled
  `);
}
