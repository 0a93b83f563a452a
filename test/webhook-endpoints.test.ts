import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { WEBHOOK_EVENT_TYPES } from '../src/webhooks/event-types.ts';
import { WebhookSecretKeyMismatch, checkWebhookSecretKey, createSecretBox } from '../src/webhooks/secret-box.ts';
import { createEndpoint, storedSecretKeyIds } from '../src/webhooks/store.ts';
import { webhookDeliveryTasks } from '../src/webhooks/delivery-task.ts';
import { createMetrics } from '../src/operations/metrics.ts';
import { createLogger } from '../src/logger.ts';
import type { JobHelpers } from 'graphile-worker';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { createClub, createPlayer, putContractInState } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { type TestServer, startTestServer } from './helpers/server.ts';

// docs/WEBHOOKS.md, "Endpoints": a club's endpoints through the admin API, as the service runs by
// default (no private networks, https only). Creating one checks its address; nothing is sent.

const SECRET_KEY = Buffer.alloc(32, 3);

let db: TestDatabase;
let server: TestServer;

test.before(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db.pool, { env: { WEBHOOK_SECRET_KEY: SECRET_KEY.toString('base64') } });
});
test.after.always(async () => {
  await server?.close();
  await db?.drop();
});

/** A public address that needs no DNS: creating an endpoint resolves its host, and tests have no resolver. */
const PUBLIC_URL = 'https://1.1.1.1/hooks/contracts';

async function clubAdmin(): Promise<string> {
  return server.adminToken((await createClub(db.pool)).slug);
}

const create = (token: string, body: unknown) => request(server.baseUrl, 'POST', '/admin/webhooks', { token, body });

test('an endpoint is created with every event type and a secret shown once: whsec_ and 32 random bytes', async (t) => {
  const admin = await clubAdmin();

  const created = await create(admin, { url: PUBLIC_URL });

  t.is(created.status, 201);
  t.like(created.body, { url: PUBLIC_URL, events: [...WEBHOOK_EVENT_TYPES], enabled: true, disabled_reason: null });
  t.regex(created.body.secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
  t.is(Buffer.from(created.body.secret.slice('whsec_'.length), 'base64').length, 32);
  const listed = await request(server.baseUrl, 'GET', '/admin/webhooks', { token: admin });
  t.deepEqual(listed.body.items, [
    {
      id: created.body.id,
      url: PUBLIC_URL,
      events: [...WEBHOOK_EVENT_TYPES],
      enabled: true,
      disabled_reason: null,
      created_at: created.body.created_at,
    },
  ]);
});

test('the database holds the secret sealed (AES-GCM under WEBHOOK_SECRET_KEY), never as sent', async (t) => {
  const created = await create(await clubAdmin(), { url: PUBLIC_URL, events: ['contract.signed'] });

  const stored = await db.pool.one(sql.type(z.object({ sealed: z.instanceof(Buffer), key_id: z.string() }))`
    SELECT secret_ciphertext AS sealed, secret_key_id AS key_id FROM webhook_endpoints WHERE id = ${created.body.id}
  `);
  const secret = Buffer.from(created.body.secret);
  t.false(stored.sealed.includes(secret.subarray('whsec_'.length)));
  t.false(stored.sealed.includes(Buffer.from(created.body.secret.slice('whsec_'.length), 'base64')));
  const box = createSecretBox({ secretKey: SECRET_KEY, secretKeyFile: '' });
  t.is(box.open(stored.sealed), created.body.secret);
  t.is(stored.key_id, box.keyId());
  t.throws(() => createSecretBox({ secretKey: Buffer.alloc(32, 4), secretKeyFile: '' }).open(stored.sealed));
});

test('a changed WEBHOOK_SECRET_KEY is refused at start-up, naming the setting', async (t) => {
  await create(await clubAdmin(), { url: PUBLIC_URL });
  const stored = await storedSecretKeyIds(db.pool);

  t.notThrows(() => checkWebhookSecretKey(createSecretBox({ secretKey: SECRET_KEY, secretKeyFile: '' }), stored));
  const error = t.throws(() => checkWebhookSecretKey(createSecretBox({ secretKey: Buffer.alloc(32, 9), secretKeyFile: '' }), stored), {
    instanceOf: WebhookSecretKeyMismatch,
  });
  t.regex(error?.message ?? '', /^WEBHOOK_SECRET_KEY is not the key the webhook secrets in the database were sealed with/);
});

test('PATCH changes the fields given; enabled: false stops its events; DELETE removes it (204, then 404)', async (t) => {
  const admin = await clubAdmin();
  const { body: created } = await create(admin, { url: PUBLIC_URL });
  const path = `/admin/webhooks/${created.id}`;

  const patched = await request(server.baseUrl, 'PATCH', path, { token: admin, body: { events: ['contract.declined'], enabled: false } });
  t.like(patched, { status: 200, body: { url: PUBLIC_URL, events: ['contract.declined'], enabled: false } });
  t.false('secret' in patched.body);

  t.is((await request(server.baseUrl, 'DELETE', path, { token: admin })).status, 204);
  t.like(await request(server.baseUrl, 'DELETE', path, { token: admin }), { status: 404, body: { error: { code: 'webhook_not_found' } } });
});

test('rotating the secret answers a new one; the old one still signs for 24 hours', async (t) => {
  const admin = await clubAdmin();
  const { body: created } = await create(admin, { url: PUBLIC_URL });

  const rotated = await request(server.baseUrl, 'POST', `/admin/webhooks/${created.id}/rotate-secret`, { token: admin });

  t.is(rotated.status, 200);
  t.regex(rotated.body.secret, /^whsec_/);
  t.not(rotated.body.secret, created.secret);
  const stored = await db.pool.one(sql.type(z.object({ previous: z.instanceof(Buffer), hours: z.number() }))`
    SELECT previous_secret_ciphertext AS previous,
      round(extract(epoch FROM previous_secret_expires_at - now()) / 3600)::integer AS hours
    FROM webhook_endpoints WHERE id = ${created.id}
  `);
  t.is(createSecretBox({ secretKey: SECRET_KEY, secretKeyFile: '' }).open(stored.previous), created.secret);
  t.is(stored.hours, 24);
});

test('another club’s endpoint is not found on every route, and is left as it was', async (t) => {
  const { body: theirs } = await create(await clubAdmin(), { url: PUBLIC_URL });
  const ours = await clubAdmin();
  const path = `/admin/webhooks/${theirs.id}`;

  const answers = [
    await request(server.baseUrl, 'PATCH', path, { token: ours, body: { enabled: false } }),
    await request(server.baseUrl, 'POST', `${path}/rotate-secret`, { token: ours }),
    await request(server.baseUrl, 'GET', `${path}/deliveries`, { token: ours }),
    await request(server.baseUrl, 'DELETE', path, { token: ours }),
  ];

  t.deepEqual(
    answers.map((answer) => [answer.status, answer.body.error?.code]),
    Array(4).fill([404, 'webhook_not_found']),
  );
  t.deepEqual((await request(server.baseUrl, 'GET', '/admin/webhooks', { token: ours })).body, { items: [] });
  const row = await db.pool.one(sql.type(z.object({ enabled: z.boolean(), rotated: z.boolean() }))`
    SELECT enabled, previous_secret_ciphertext IS NOT NULL AS rotated FROM webhook_endpoints WHERE id = ${theirs.id}
  `);
  t.deepEqual(row, { enabled: true, rotated: false });
});

test('a URL reaching a loopback, private, link-local, shared, multicast or unspecified address is refused: 422 webhook_url_not_allowed', async (t) => {
  const admin = await clubAdmin();
  const urls = [
    'https://127.0.0.1/hook',
    'https://2130706433/hook',
    'https://0x7f.1/hook',
    'https://[::ffff:127.0.0.1]/hook',
    'https://[::1]/hook',
    'https://localhost/hook',
    'https://10.0.0.1/hook',
    'https://192.168.1.20/hook',
    'https://100.64.0.1/hook',
    'https://169.254.169.254/latest/meta-data',
    'https://[fd00::1]/hook',
    'https://224.0.0.1/hook',
    'https://0.0.0.0/hook',
  ];

  const refused = [];
  for (const url of urls) {
    const answer = await create(admin, { url });
    refused.push([url, answer.status, answer.body.error?.code]);
  }

  t.deepEqual(
    refused,
    urls.map((url) => [url, 422, 'webhook_url_not_allowed']),
  );
  t.deepEqual((await request(server.baseUrl, 'GET', '/admin/webhooks', { token: admin })).body, { items: [] });
});

test('an address refused when the attempt is made (DNS changed since) fails that attempt, saying why, and sends nothing', async (t) => {
  const club = await createClub(db.pool);
  const secrets = createSecretBox(server.config.webhooks);
  // As if its name had resolved to a public address when added, and to loopback now.
  await createEndpoint(
    db.pool,
    club.id,
    { url: 'https://127.0.0.1:9/hook', events: null },
    { sealed: secrets.seal('whsec_AAAA'), keyId: secrets.keyId() },
  );
  await putContractInState(db.pool, club, await createPlayer(db.pool, club), 'offered');
  const deliveryId = await db.pool.oneFirst(sql.type(z.object({ id: z.number() }))`
    SELECT id FROM webhook_deliveries WHERE tenant_id = ${club.id}
  `);
  const { deliver_webhook: deliver } = webhookDeliveryTasks({
    pool: db.pool,
    metrics: createMetrics(db.pool),
    logger: createLogger('silent'),
    secrets,
    config: server.config.webhooks,
    contractBaseUrl: server.config.contractBaseUrl,
  });

  await deliver?.({ tenant_id: club.id, delivery_id: deliveryId }, {} as JobHelpers);

  const delivery = await db.pool.one(sql.type(z.object({ status: z.string(), attempt: z.number(), error: z.string() }))`
    SELECT status, attempt, error FROM webhook_deliveries WHERE tenant_id = ${club.id} AND id = ${deliveryId}
  `);
  t.deepEqual(delivery, { status: 'pending', attempt: 1, error: 'refused: its host 127.0.0.1 is a loopback address' });
});

test('an http URL is refused without WEBHOOK_ALLOW_PRIVATE_NETWORKS, saying so', async (t) => {
  const answer = await create(await clubAdmin(), { url: 'http://1.1.1.1/hook' });

  t.is(answer.status, 422);
  t.like(answer.body.error, { code: 'webhook_url_not_allowed', details: [{ path: ['url'] }] });
  t.regex(answer.body.error.details[0].message, /WEBHOOK_ALLOW_PRIVATE_NETWORKS/);
});

test('an unknown event type, a type named twice, or a PATCH that changes nothing is 422 and changes nothing', async (t) => {
  const admin = await clubAdmin();
  const { body: created } = await create(admin, { url: PUBLIC_URL });

  const answers = [
    await create(admin, { url: PUBLIC_URL, events: ['contract.teleported'] }),
    await create(admin, { url: PUBLIC_URL, events: ['contract.signed', 'contract.signed'] }),
    await create(admin, { url: PUBLIC_URL, secret: 'whsec_mine' }),
    await request(server.baseUrl, 'PATCH', `/admin/webhooks/${created.id}`, { token: admin, body: {} }),
  ];

  t.deepEqual(
    answers.map((answer) => [answer.status, answer.body.error?.code]),
    Array(4).fill([422, 'validation_failed']),
  );
  t.is((await request(server.baseUrl, 'GET', '/admin/webhooks', { token: admin })).body.items.length, 1);
});
