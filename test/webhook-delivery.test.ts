import test from 'ava';
import { sql } from 'slonik';
import { Webhook } from 'standardwebhooks';
import { z } from 'zod';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/operations/metrics.ts';
import { type ContractWorker, startContractWorker } from '../src/worker/contract-worker.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { eventually } from './helpers/eventually.ts';
import { type Club, createClub, createPlayer, createTeam, putContractInState } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { CONTRACT_BASE_URL, type TestServer, startTestServer } from './helpers/server.ts';
import { type WebhookReceiver, startWebhookReceiver } from './helpers/webhook-receiver.ts';

// docs/WEBHOOKS.md, "Events" and "Delivery": the club's endpoints hear every transition, signed as
// Standard Webhooks, from a real worker to real HTTP receivers on loopback
// (WEBHOOK_ALLOW_PRIVATE_NETWORKS=true), with retries a second apart.

let db: TestDatabase;
let server: TestServer;
let worker: ContractWorker;
const receivers: WebhookReceiver[] = [];

test.before(async () => {
  db = await createTestDatabase();
  server = await startTestServer(db.pool, {
    env: {
      WEBHOOK_SECRET_KEY: Buffer.alloc(32, 7).toString('base64'),
      WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
      WEBHOOK_TIMEOUT_MS: '2000',
      WEBHOOK_RETRY_DELAYS_SECONDS: '1,1,1',
    },
  });
  worker = await startContractWorker(server.config, {
    directDatabaseUrl: db.url,
    pool: db.pool,
    metrics: createMetrics(db.pool),
    logger: createLogger('silent'),
  });
});
test.after.always(async () => {
  await worker?.stop();
  await server?.close();
  await Promise.all(receivers.map((receiver) => receiver.close()));
  await db?.drop();
});

interface Subscribed {
  readonly club: Club;
  readonly admin: string;
  readonly receiver: WebhookReceiver;
  readonly endpointId: number;
  readonly secret: string;
}

/** A club with one endpoint, subscribed to `events` (every type when omitted), at a receiver of its own. */
async function subscribedClub(events?: string[]): Promise<Subscribed> {
  const club = await createClub(db.pool, 'Westside Hoops');
  const admin = await server.adminToken(club.slug);
  const receiver = await startWebhookReceiver();
  receivers.push(receiver);
  const created = await request(server.baseUrl, 'POST', '/admin/webhooks', { token: admin, body: { url: receiver.url, events } });
  if (created.status !== 201) throw new Error(`the endpoint was not created: ${JSON.stringify(created.body)}`);
  return { club, admin, receiver, endpointId: created.body.id, secret: created.body.secret };
}

const types = (receiver: WebhookReceiver) => receiver.received.map((delivery) => delivery.event.type);
const receivedTypes = (receiver: WebhookReceiver, count: number) =>
  eventually(
    `${count} deliveries`,
    () => types(receiver),
    (seen) => seen.length >= count,
  );

const offer = (subscribed: Subscribed, playerId: number, extra: { force?: boolean; target_team_id?: number } = {}) =>
  request(server.baseUrl, 'POST', `/admin/contract/offer${extra.force ? '?force=true' : ''}`, {
    token: subscribed.admin,
    body: { player_id: playerId, monthly_fee: 150, target_team_id: extra.target_team_id },
  });

const storedEvents = (club: Club) =>
  db.pool.oneFirst(sql.type(z.object({ count: z.number() }))`
    SELECT count(*)::integer AS count FROM webhook_events WHERE tenant_id = ${club.id}
  `);

test('every transition sends its event, signed as Standard Webhooks: the reference library verifies each', async (t) => {
  const subscribed = await subscribedClub();
  const { club, receiver } = subscribed;
  const [u12, u14] = [await createTeam(db.pool, club, 'U12'), await createTeam(db.pool, club, 'U14')];
  const playerId = await createPlayer(db.pool, club, { teamIds: [u12], externalId: 'roster-17' });

  const first = await offer(subscribed, playerId);
  await offer(subscribed, playerId, { force: true });
  await request(server.baseUrl, 'POST', '/admin/contract/withdraw', {
    token: subscribed.admin,
    body: { player_id: playerId, reason: 'Wrong fee' },
  });
  const again = await offer(subscribed, playerId);
  await request(server.baseUrl, 'POST', `/contract/${again.body.contract_token}/decline`, {});
  const third = await offer(subscribed, playerId);
  await request(server.baseUrl, 'POST', `/contract/${third.body.contract_token}/sign`, { body: { signed_by: 'Dana Park' } });
  const moved = await offer(subscribed, playerId, { target_team_id: u14 });
  await putContractInState(db.pool, club, await createPlayer(db.pool, club), 'expired');

  const seen = await receivedTypes(receiver, 10);
  t.deepEqual(seen, [
    'contract.offered',
    'contract.re_offered',
    'contract.withdrawn',
    'contract.offered',
    'contract.declined',
    'contract.offered',
    'contract.signed',
    'contract.tier_changed',
    'contract.offered',
    'contract.expired',
  ]);
  const verifier = new Webhook(subscribed.secret);
  for (const delivery of receiver.received) {
    t.deepEqual(verifier.verify(delivery.body, delivery.headers as Record<string, string>), delivery.event);
    t.is(delivery.headers['webhook-id'], delivery.event.id);
    t.regex(String(delivery.headers['webhook-signature']), /^v1,[A-Za-z0-9+/]{43}=$/);
    t.is(delivery.headers['content-type'], 'application/json');
  }
  t.is(new Set(receiver.received.map((delivery) => delivery.event.id)).size, 10, 'each event has its own id');

  const [offered, , , , , , signed, tierChanged] = receiver.received.map((delivery) => delivery.event);
  t.deepEqual(offered?.data, {
    club: { slug: club.slug, name: 'Westside Hoops' },
    player_id: playerId,
    external_id: 'roster-17',
    previous_status: 'none',
    new_status: 'offered',
    audit_id: null,
    monthly_fee: 150,
    team_ids: [u12],
    contract_url: `${CONTRACT_BASE_URL}/${first.body.contract_token}`,
    signers: first.body.signers.map(({ signer_id, name, email, role, contract_url, status }: Record<string, unknown>) => ({
      signer_id,
      name,
      email,
      role,
      status,
      signed_at: null,
      language: null,
      contract_url,
    })),
  });
  t.like(signed?.data, { previous_status: 'offered', new_status: 'signed', team_ids: [u12] });
  t.false('contract_url' in (signed?.data ?? {}), 'only an offer’s events carry links');
  t.like(tierChanged?.data, { previous_status: 'signed', new_status: 'offered', team_ids: [u14], audit_id: moved.body.audit_id });
});

test('a second guardian’s pending signature is contract.signature_added; the last one is contract.signed', async (t) => {
  const subscribed = await subscribedClub(['contract.signature_added', 'contract.signed']);
  await request(server.baseUrl, 'PATCH', '/admin/club', { token: subscribed.admin, body: { signing_policy: 'all_guardians' } });
  const created = await request(server.baseUrl, 'POST', '/admin/players', {
    token: subscribed.admin,
    body: {
      name: 'Jacelyn Park',
      email: 'jacelyn@example.test',
      team_ids: [],
      birth_date: '2015-04-01',
      guardians: [
        { name: 'Dana Park', email: 'dana@example.test' },
        { name: 'Sam Park', email: 'sam@example.test' },
      ],
    },
  });
  const offered = await offer(subscribed, created.body.id);
  for (const signer of offered.body.signers) {
    const token = new URL(signer.contract_url).pathname.split('/').pop();
    await request(server.baseUrl, 'POST', `/contract/${token}/sign`, { body: { signed_by: signer.name } });
  }

  t.deepEqual(await receivedTypes(subscribed.receiver, 2), ['contract.signature_added', 'contract.signed']);
  const [added] = subscribed.receiver.received;
  t.like(added?.event.data, { previous_status: 'offered', new_status: 'offered' });
  t.deepEqual(
    ((added?.event.data.signers ?? []) as Array<{ name: string; status: string }>).map(({ name, status }) => [name, status]),
    [
      ['Dana Park', 'signed'],
      ['Sam Park', 'pending'],
    ],
  );
});

test('a refused transition and a rolled-back one (a bulk dry run) queue no event', async (t) => {
  const subscribed = await subscribedClub();
  const playerId = await createPlayer(db.pool, subscribed.club);
  await offer(subscribed, playerId);
  await receivedTypes(subscribed.receiver, 1);

  t.is((await offer(subscribed, playerId)).status, 409);
  const dryRun = await request(server.baseUrl, 'POST', '/admin/contract/offers?force=true', {
    token: subscribed.admin,
    body: { offers: [{ player_id: playerId, monthly_fee: 90 }], dry_run: true },
  });
  t.like(dryRun.body, { results: [{ ok: true }] }, 'the dry run did re-offer, then rolled back');

  t.is(await storedEvents(subscribed.club), 1);
  t.deepEqual(types(subscribed.receiver), ['contract.offered']);
});

test('a failed attempt is retried with the same webhook-id: after a 500 and a timeout, the third attempt delivers', async (t) => {
  const subscribed = await subscribedClub();
  subscribed.receiver.answerWith(500, 'hang');
  await offer(subscribed, await createPlayer(db.pool, subscribed.club));

  await receivedTypes(subscribed.receiver, 3);
  const ids = subscribed.receiver.received.map((delivery) => delivery.headers['webhook-id']);
  t.is(new Set(ids).size, 1);
  const log = await eventually(
    'the delivery recorded as delivered',
    async () =>
      (await request(server.baseUrl, 'GET', `/admin/webhooks/${subscribed.endpointId}/deliveries`, { token: subscribed.admin })).body,
    (body) => body.items[0]?.status === 'delivered',
  );
  t.like(log.items[0], { event_id: ids[0], type: 'contract.offered', attempt: 3, response_status: 204, error: null });
  t.is(log.next_cursor, null);
});

test('a hanging endpoint holds up no other club’s deliveries', async (t) => {
  const slow = await subscribedClub();
  const quick = await subscribedClub();
  slow.receiver.answerWith('hang');
  await offer(slow, await createPlayer(db.pool, slow.club));
  await receivedTypes(slow.receiver, 1);

  await offer(quick, await createPlayer(db.pool, quick.club));
  await receivedTypes(quick.receiver, 1);

  const slowAttempts = await db.pool.oneFirst(sql.type(z.object({ attempt: z.number() }))`
    SELECT attempt FROM webhook_deliveries WHERE tenant_id = ${slow.club.id}
  `);
  t.is(slowAttempts, 0, 'the slow endpoint’s first attempt was still under way');
  slow.receiver.release();
});

test('20 concurrent forced re-offers of one player: one event per transition that happened, each with its audit row', async (t) => {
  const subscribed = await subscribedClub(['contract.re_offered']);
  const playerId = await createPlayer(db.pool, subscribed.club);
  await putContractInState(db.pool, subscribed.club, playerId, 'offered');

  const answers = await Promise.all(Array.from({ length: 20 }, () => offer(subscribed, playerId, { force: true })));

  const auditIds = answers.filter((answer) => answer.status === 200).map((answer) => answer.body.audit_id as number);
  t.is(auditIds.length, 20);
  await receivedTypes(subscribed.receiver, 20);
  t.deepEqual(
    subscribed.receiver.received.map((delivery) => delivery.event.data.audit_id).sort((a, b) => Number(a) - Number(b)),
    [...auditIds].sort((a, b) => a - b),
  );
});

test('the delivery log pages newest first with a cursor', async (t) => {
  const subscribed = await subscribedClub();
  for (let n = 0; n < 3; n += 1) await offer(subscribed, await createPlayer(db.pool, subscribed.club));
  await receivedTypes(subscribed.receiver, 3);
  const path = `/admin/webhooks/${subscribed.endpointId}/deliveries`;

  const first = await request(server.baseUrl, 'GET', `${path}?limit=2`, { token: subscribed.admin });
  const second = await request(server.baseUrl, 'GET', `${path}?limit=2&cursor=${first.body.next_cursor}`, { token: subscribed.admin });

  const ids = [...first.body.items, ...second.body.items].map((item: { id: number }) => item.id);
  t.deepEqual(
    ids,
    [...ids].sort((a, b) => b - a),
  );
  t.is(new Set(ids).size, 3);
  t.is(second.body.next_cursor, null);
});

test('an e-mail given up is message.failed', async (t) => {
  const subscribed = await subscribedClub(['message.failed']);
  const playerId = await createPlayer(db.pool, subscribed.club, { email: 'nobody@example.test' });
  await putContractInState(db.pool, subscribed.club, playerId, 'offered');
  const messageId = await db.pool.oneFirst(sql.type(z.object({ id: z.number() }))`
    SELECT id::integer FROM contract_messages WHERE tenant_id = ${subscribed.club.id} AND player_id = ${playerId}
  `);

  await db.pool.query(sql.unsafe`SELECT finish_contract_message(${subscribed.club.id}, ${messageId}, 'failed', '550 no such mailbox')`);

  t.deepEqual(await receivedTypes(subscribed.receiver, 1), ['message.failed']);
  t.like(subscribed.receiver.received[0]?.event.data, {
    player_id: playerId,
    message: { id: messageId, kind: 'offer', recipient: 'nobody@example.test', error: '550 no such mailbox' },
  });
});

test('after a rotation each delivery carries a signature by each secret: receivers with the old one or the new one both verify it', async (t) => {
  const subscribed = await subscribedClub();
  const rotated = await request(server.baseUrl, 'POST', `/admin/webhooks/${subscribed.endpointId}/rotate-secret`, {
    token: subscribed.admin,
  });
  await offer(subscribed, await createPlayer(db.pool, subscribed.club));

  await receivedTypes(subscribed.receiver, 1);
  const [delivery] = subscribed.receiver.received;
  t.is(String(delivery?.headers['webhook-signature']).split(' ').length, 2);
  for (const secret of [subscribed.secret, rotated.body.secret]) {
    t.notThrows(() => new Webhook(secret).verify(delivery?.body ?? '', delivery?.headers as Record<string, string>));
  }
  t.throws(() =>
    new Webhook(`whsec_${Buffer.alloc(32, 1).toString('base64')}`).verify(
      delivery?.body ?? '',
      delivery?.headers as Record<string, string>,
    ),
  );
});
