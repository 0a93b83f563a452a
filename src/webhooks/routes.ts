import { randomBytes } from 'node:crypto';
import { adminOperation, tenantOf } from '../admin/operation.ts';
import { AppError } from '../errors.ts';
import { json, noContent } from '../http/answer-content.ts';
import { decodeCursor, encodeCursor } from '../http/cursor.ts';
import type { WebhookRouteDependencies } from './dependencies.ts';
import { WEBHOOK_EVENT_TYPES } from './event-types.ts';
import { WebhookUrlRefused, parseWebhookUrl, resolveWebhookAddress } from './outgoing-address.ts';
import {
  createWebhookBody,
  createdWebhookResponse,
  deliveriesQuery,
  deliveryListResponse,
  updateWebhookBody,
  webhookListResponse,
  webhookPath,
  webhookResponse,
} from './schemas.ts';
import {
  type Endpoint,
  createEndpoint,
  deleteEndpoint,
  endpointExists,
  listDeliveries,
  listEndpoints,
  rotateEndpointSecret,
  updateEndpoint,
} from './store.ts';

// docs/WEBHOOKS.md, "Endpoints": the club's endpoints, always the token's club's. A secret is
// answered once, when made; afterwards it exists only sealed in the database.

/** How long a rotated-out secret still signs, so receivers can switch without losing a delivery. */
const ROTATION_OVERLAP_SECONDS = 24 * 3600;

const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

const answered = (found: Endpoint) => webhookResponse.parse({ ...found, events: found.events ?? WEBHOOK_EVENT_TYPES });

/** The URL as a receiver would be reached: refused (422) if it is no https URL of a public address. */
async function allowedUrl(deps: WebhookRouteDependencies, text: string): Promise<string> {
  try {
    const url = parseWebhookUrl(text, deps.webhooks);
    await resolveWebhookAddress(url, deps.webhooks);
    return url.href;
  } catch (error) {
    if (error instanceof WebhookUrlRefused) {
      throw new AppError('webhook_url_not_allowed', { details: [{ path: ['url'], message: error.reason }] });
    }
    throw error;
  }
}

export const webhookCreation = adminOperation({
  method: 'post',
  path: '/admin/webhooks',
  operationId: 'createWebhook',
  summary: 'Add a webhook endpoint',
  body: { schema: createWebhookBody },
  answers: { 201: json(createdWebhookResponse, 'The endpoint, with its secret: the only time it is shown.') },
  errors: ['webhook_url_not_allowed'],
  async handle(ctx, { caller: admin, body }, deps) {
    const tenantId = await tenantOf(deps, admin);
    const url = await allowedUrl(deps, body.url);
    const secret = newSecret();
    const { secrets } = deps.webhooks;
    const created = await createEndpoint(
      deps.pool,
      tenantId,
      { url, events: body.events ?? null },
      { sealed: secrets.seal(secret), keyId: secrets.keyId() },
    );
    ctx.status = 201;
    ctx.body = createdWebhookResponse.parse({ ...answered(created), secret });
  },
});

export const webhookList = adminOperation({
  method: 'get',
  path: '/admin/webhooks',
  operationId: 'listWebhooks',
  summary: 'The club’s webhook endpoints',
  answers: { 200: json(webhookListResponse, 'Every endpoint, without secrets.') },
  async handle(ctx, { caller: admin }, deps) {
    ctx.body = webhookListResponse.parse({ items: (await listEndpoints(deps.pool, await tenantOf(deps, admin))).map(answered) });
  },
});

export const webhookUpdate = adminOperation({
  method: 'patch',
  path: '/admin/webhooks/{id}',
  operationId: 'updateWebhook',
  summary: 'Change a webhook endpoint',
  params: webhookPath,
  body: { schema: updateWebhookBody },
  answers: { 200: json(webhookResponse, 'The endpoint after the change.') },
  errors: ['webhook_not_found', 'webhook_url_not_allowed'],
  notes: { webhook_not_found: 'the club has no endpoint with this id' },
  async handle(ctx, { caller: admin, params: { id }, body }, deps) {
    const tenantId = await tenantOf(deps, admin);
    const url = body.url === undefined ? undefined : await allowedUrl(deps, body.url);
    const changed = await updateEndpoint(deps.pool, tenantId, id, { ...body, url });
    if (changed === null) throw new AppError('webhook_not_found');
    ctx.body = answered(changed);
  },
});

export const webhookDeletion = adminOperation({
  method: 'delete',
  path: '/admin/webhooks/{id}',
  operationId: 'deleteWebhook',
  summary: 'Remove a webhook endpoint and its delivery log',
  params: webhookPath,
  answers: { 204: noContent('Removed: it gets nothing more.') },
  errors: ['webhook_not_found'],
  notes: { webhook_not_found: 'the club has no endpoint with this id' },
  async handle(ctx, { caller: admin, params: { id } }, deps) {
    if (!(await deleteEndpoint(deps.pool, await tenantOf(deps, admin), id))) throw new AppError('webhook_not_found');
    ctx.status = 204;
  },
});

export const webhookSecretRotation = adminOperation({
  method: 'post',
  path: '/admin/webhooks/{id}/rotate-secret',
  operationId: 'rotateWebhookSecret',
  summary: 'Give a webhook endpoint a new secret',
  params: webhookPath,
  answers: {
    200: json(
      createdWebhookResponse,
      'The endpoint with its new secret, shown only here. For 24 hours deliveries carry a signature by each secret.',
    ),
  },
  errors: ['webhook_not_found'],
  notes: { webhook_not_found: 'the club has no endpoint with this id' },
  async handle(ctx, { caller: admin, params: { id } }, deps) {
    const secret = newSecret();
    const { secrets } = deps.webhooks;
    const rotated = await rotateEndpointSecret(
      deps.pool,
      await tenantOf(deps, admin),
      id,
      { sealed: secrets.seal(secret), keyId: secrets.keyId() },
      ROTATION_OVERLAP_SECONDS,
    );
    if (rotated === null) throw new AppError('webhook_not_found');
    ctx.body = createdWebhookResponse.parse({ ...answered(rotated), secret });
  },
});

export const webhookDeliveries = adminOperation({
  method: 'get',
  path: '/admin/webhooks/{id}/deliveries',
  operationId: 'listWebhookDeliveries',
  summary: 'A webhook endpoint’s delivery log',
  params: webhookPath,
  query: deliveriesQuery,
  answers: { 200: json(deliveryListResponse, 'A page of its deliveries, newest first.') },
  errors: ['webhook_not_found'],
  notes: { webhook_not_found: 'the club has no endpoint with this id' },
  async handle(ctx, { caller: admin, params: { id }, query }, deps) {
    const tenantId = await tenantOf(deps, admin);
    const beforeId = decodeCursor(query.cursor);
    if (!(await endpointExists(deps.pool, tenantId, id))) throw new AppError('webhook_not_found');
    const items = await listDeliveries(deps.pool, tenantId, id, {
      limit: query.limit,
      beforeId: beforeId === 0 ? null : beforeId,
    });
    const last = items.at(-1);
    ctx.body = deliveryListResponse.parse({
      items,
      next_cursor: items.length === query.limit && last !== undefined ? encodeCursor(last.id) : null,
    });
  },
});

/** The webhook operations, in the order /openapi.json lists them. */
export const WEBHOOK_OPERATIONS = [
  webhookCreation,
  webhookList,
  webhookUpdate,
  webhookDeletion,
  webhookSecretRotation,
  webhookDeliveries,
] as const;
