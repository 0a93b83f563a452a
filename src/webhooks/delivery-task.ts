import type { TaskList } from 'graphile-worker';
import type { Logger } from 'pino';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import type { WebhookConfig } from '../config.ts';
import type { Metrics } from '../operations/metrics.ts';
import { eventBody, signedHeaders } from './event-body.ts';
import { WebhookUrlRefused, parseWebhookUrl, resolveWebhookAddress } from './outgoing-address.ts';
import { postWebhook } from './post-webhook.ts';
import type { SecretBox } from './secret-box.ts';
import { type DeliveryAttempt, findDeliveryAttempt, finishDelivery } from './store.ts';

export interface WebhookDeliveryDependencies {
  readonly pool: DatabasePool;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly secrets: SecretBox;
  readonly config: WebhookConfig;
  readonly contractBaseUrl: string;
}

const payload = z.object({ tenant_id: z.number().int(), delivery_id: z.number().int() });

/**
 * `deliver_webhook`: one attempt of one delivery (docs/WEBHOOKS.md, "Delivery"). The address is
 * checked again now (DNS may have changed since the endpoint was added) and the request goes to
 * exactly the address checked. The outcome and the next attempt, if any, are recorded together
 * (sql/finish_webhook_delivery.sql); the job itself ends either way, so graphile-worker retries it
 * only when the process died mid-attempt.
 */
export function webhookDeliveryTasks(deps: WebhookDeliveryDependencies): TaskList {
  const { pool, metrics, logger, config } = deps;
  return {
    deliver_webhook: async (job) => {
      const { tenant_id: tenantId, delivery_id: deliveryId } = payload.parse(job);
      const found = await findDeliveryAttempt(pool, tenantId, deliveryId);
      if (found === null || found.status !== 'pending') return;

      const started = performance.now();
      const { responseStatus, error } = found.enabled
        ? await attempt(deps, found)
        : { responseStatus: null, error: 'the endpoint is disabled' };
      const seconds = (performance.now() - started) / 1000;

      const delay = config.retryDelaysSeconds[found.attempt];
      const retryAfterSeconds = error !== null && found.enabled && delay !== undefined ? delay : null;
      const disabled = await finishDelivery(pool, tenantId, deliveryId, {
        responseStatus,
        error,
        retryAfterSeconds,
        disableAfterSeconds: config.disableAfterSeconds,
      });
      metrics.countWebhookAttempt(
        error === null ? 'delivered' : retryAfterSeconds !== null && !disabled ? 'retried' : 'failed',
        seconds,
      );
      if (disabled) {
        logger.warn(
          { tenant_id: tenantId, endpoint_id: found.endpoint_id, failing_for_seconds: config.disableAfterSeconds },
          'a webhook endpoint failed for the whole window and is disabled',
        );
      }
    },
  };
}

async function attempt(
  { secrets, config, contractBaseUrl }: WebhookDeliveryDependencies,
  found: DeliveryAttempt,
): Promise<{ responseStatus: number | null; error: string | null }> {
  let signing: string[];
  try {
    signing = [found.secret_ciphertext, found.previous_secret_ciphertext].flatMap((sealed) =>
      sealed === null ? [] : [secrets.open(sealed)],
    );
  } catch {
    return { responseStatus: null, error: 'its secret cannot be opened with this WEBHOOK_SECRET_KEY: nothing was sent' };
  }
  let target: { url: URL; address: string; family: 4 | 6 };
  try {
    const url = parseWebhookUrl(found.url, config);
    target = { url, ...(await resolveWebhookAddress(url, config)) };
  } catch (error) {
    if (error instanceof WebhookUrlRefused) return { responseStatus: null, error: `refused: ${error.reason}` };
    throw error;
  }
  const body = eventBody(
    { id: found.event_id, type: found.type, createdAt: found.event_created_at, data: found.data },
    contractBaseUrl,
  );
  const answer = await postWebhook({
    ...target,
    headers: signedHeaders(found.event_id, body, signing),
    body,
    timeoutMs: config.timeoutMs,
  });
  if (answer.kind === 'failed') return { responseStatus: null, error: answer.error };
  if (answer.status >= 200 && answer.status < 300) return { responseStatus: answer.status, error: null };
  return { responseStatus: answer.status, error: `answered HTTP ${answer.status}` };
}
