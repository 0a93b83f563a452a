import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/operations/metrics.ts';
import { type ContractWorker, startContractWorker } from '../src/worker/contract-worker.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { eventually } from './helpers/eventually.ts';
import { createClub, createPlayer } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { type TestServer, startTestServer } from './helpers/server.ts';
import { type WebhookReceiver, startWebhookReceiver } from './helpers/webhook-receiver.ts';

// docs/WEBHOOKS.md, "When an endpoint keeps failing": the failure window shortened from 3 days to
// one second (WEBHOOK_DISABLE_AFTER_SECONDS), retries a second apart.

let db: TestDatabase;
let server: TestServer;
let worker: ContractWorker;
let receiver: WebhookReceiver;

test.before(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db.pool, {
    env: {
      WEBHOOK_SECRET_KEY: Buffer.alloc(32, 5).toString('base64'),
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      WEBHOOK_RETRY_DELAYS_SECONDS: '1,1,1,1,1',
      WEBHOOK_DISABLE_AFTER_SECONDS: '1',
    },
  });
  worker = await startContractWorker(server.config, {
    directDatabaseUrl: db.url,
    pool: db.pool,
    metrics: createMetrics(db.pool),
    logger: createLogger('silent'),
  });
  receiver = await startWebhookReceiver();
});
test.after.always(async () => {
  await worker?.stop();
  await server?.close();
  await receiver?.close();
  await db?.drop();
});

test('an endpoint failing for the whole window is disabled and says why; it gets no events until enabled again, then the next ones', async (t) => {
  const club = await createClub(db.pool);
  const admin = await server.adminToken(club.slug);
  const { body: endpoint } = await request(server.baseUrl, 'POST', '/admin/webhooks', { token: admin, body: { url: receiver.url } });
  const offer = async () =>
    request(server.baseUrl, 'POST', '/admin/contract/offer', {
      token: admin,
      body: { player_id: await createPlayer(db.pool, club), monthly_fee: 100 },
    });
  receiver.answerWith(503, 503);

  await offer();
  const disabled = await eventually(
    'the endpoint disabled',
    async () => (await request(server.baseUrl, 'GET', '/admin/webhooks', { token: admin })).body.items[0],
    (item) => item.enabled === false,
  );
  t.regex(disabled.disabled_reason, /^Disabled at .*: every delivery failed since .*; the last: answered HTTP 503$/);
  const log = await request(server.baseUrl, 'GET', `/admin/webhooks/${endpoint.id}/deliveries`, { token: admin });
  t.like(log.body.items, [{ status: 'failed', attempt: 2, response_status: 503, next_attempt_at: null }]);

  await offer();
  const events = () =>
    db.pool.oneFirst(
      sql.type(z.object({ count: z.number() }))`SELECT count(*)::integer AS count FROM webhook_events WHERE tenant_id = ${club.id}`,
    );
  t.is(await events(), 1, 'no event while it was disabled');

  const enabled = await request(server.baseUrl, 'PATCH', `/admin/webhooks/${endpoint.id}`, { token: admin, body: { enabled: true } });
  t.like(enabled.body, { enabled: true, disabled_reason: null });
  await offer();
  await eventually(
    'the next event delivered',
    () => receiver.received.length,
    (count) => count === 3,
  );
  t.is(await events(), 2);
});
