import { described, isoTime } from '../http/answers.ts';
import { idText, isStorableText, pageCursor, pageLimit, UNSTORABLE_TEXT } from '../http/input.ts';
import { z } from '../http/openapi-zod.ts';
import { WEBHOOK_EVENT_TYPES } from './event-types.ts';

const url = z
  .string()
  .min(8)
  .max(2000)
  .refine(isStorableText, UNSTORABLE_TEXT)
  .openapi({ description: 'Where deliveries are POSTed: https, to a public address (docs/WEBHOOKS.md, "Endpoints").' });

const eventTypes = z
  .array(z.enum(WEBHOOK_EVENT_TYPES))
  .min(1)
  .max(WEBHOOK_EVENT_TYPES.length)
  .refine((types) => new Set(types).size === types.length, 'names a type twice')
  .openapi({ description: 'The event types delivered to it.' });

export const createWebhookBody = z
  .object({
    url,
    events: eventTypes.optional().openapi({ description: 'The event types delivered to it; every type when omitted.' }),
  })
  .strict();

export const updateWebhookBody = z
  .object({
    url: url.optional(),
    events: eventTypes.optional(),
    enabled: z.boolean().optional().openapi({ description: 'false: it gets no events until enabled again.' }),
  })
  .strict()
  .refine((body) => Object.keys(body).length > 0, 'changes nothing: give url, events or enabled');

export const webhookPath = z.object({ id: idText.describe('The endpoint’s id.') });

export const deliveriesQuery = z.object({ limit: pageLimit('Deliveries'), cursor: pageCursor }).strict();

export const webhookResponse = described(
  z.object({
    id: z.number().int(),
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENT_TYPES)),
    enabled: z.boolean(),
    disabled_reason: z.string().nullable(),
    created_at: isoTime,
  }),
  {
    id: 'The endpoint’s id.',
    url: 'Where deliveries are POSTed.',
    events: 'The event types delivered to it.',
    enabled: 'Whether it gets events; the service disables one that has failed for 3 days.',
    disabled_reason: 'Why the service disabled it; null while enabled, or when the club disabled it.',
    created_at: 'When it was added.',
  },
).openapi('Webhook');

export const createdWebhookResponse = webhookResponse
  .extend({
    secret: z.string().openapi({
      description: 'Signs its deliveries (`whsec_` and 32 bytes in base64). Shown here only: keep it now.',
      example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    }),
  })
  .openapi('WebhookWithSecret');

export const webhookListResponse = z
  .object({ items: z.array(webhookResponse).openapi({ description: 'The club’s endpoints, oldest first.' }) })
  .openapi('WebhookList');

export const deliveryResponse = described(
  z.object({
    id: z.number().int(),
    event_id: z.string(),
    type: z.enum(WEBHOOK_EVENT_TYPES),
    attempt: z.number().int(),
    status: z.enum(['pending', 'delivered', 'failed']),
    response_status: z.number().int().nullable(),
    error: z.string().nullable(),
    created_at: isoTime,
    delivered_at: isoTime.nullable(),
    next_attempt_at: isoTime.nullable(),
  }),
  {
    id: 'The delivery’s id.',
    event_id: 'The event’s id: its `webhook-id` header, the same on every attempt.',
    type: 'The event’s type.',
    attempt: 'Attempts made so far.',
    status: 'pending (an attempt is due), delivered (a 2xx answer) or failed (given up).',
    response_status: 'The HTTP status of the last attempt’s answer; null when there was none.',
    error: 'Why the last attempt failed: its status, a timeout, a refused address, a connection error.',
    created_at: 'When the event happened.',
    delivered_at: 'When a 2xx answer came.',
    next_attempt_at: 'When the next attempt is due, while pending.',
  },
).openapi('WebhookDelivery');

export const deliveryListResponse = z
  .object({
    items: z.array(deliveryResponse).openapi({ description: 'A page of deliveries, newest first.' }),
    next_cursor: z.string().nullable().openapi({ description: 'Pass as `cursor` for the next page; null on the last.' }),
  })
  .openapi('WebhookDeliveryList');
