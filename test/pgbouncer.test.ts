import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import { type DatabasePool, createPool, sql } from 'slonik';
import { z } from 'zod';
import { parseConfig } from '../src/config.ts';
import { createDatabasePool } from '../src/db/pool.ts';
import { loadOrCreateLocalSigningKey } from '../src/identity/local-signing-key.ts';
import { mintAdminToken } from '../src/identity/mint-admin-token.ts';
import { LOADED_MACHINE_WAITS, type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { testEnv } from './helpers/environment.ts';
import { type Club, createClub, createPlayer, readAuditLog, readPlayer } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { type PgBouncer, startPgBouncer } from './helpers/pgbouncer.ts';
import { type RoundRobin, startRoundRobin } from './helpers/round-robin.ts';
import { startTestServer } from './helpers/server.ts';
import { readReplacedLinks } from './helpers/replaced-links.ts';
import { type ServiceProcess, startServiceProcess } from './helpers/service-process.ts';
import { startTcpProxy } from './helpers/tcp-proxy.ts';

// docs/SCALING.md, "1. Many service processes behind one address" and "2. PgBouncer, transaction
// pooling": the service as several processes behind one address, sharing one database through
// PgBouncer in transaction pooling mode with a small server-connection budget. Two real service
// processes (`npm start`), each with its own pool of 10, reach PostgreSQL only through a PgBouncer
// that keeps at most SERVER_CONNECTIONS; a round-robin TCP front hands each new client connection
// to the next process. Tests run one after another: each loads both processes.

const SERVER_CONNECTIONS = 4;
const SIMULTANEOUS = 20;
const CONTRACT_BASE_URL = 'https://contracts.example.test/c';
/** What the service sends as start-up parameters, which PgBouncer cannot pass on (docs/SCALING.md). */
const CONNECT_QUERY = 'SET statement_timeout = 10000; SET idle_in_transaction_session_timeout = 60000';

let db: TestDatabase;
let bouncer: PgBouncer;
let dataDir: string;
let services: ServiceProcess[] = [];
let front: RoundRobin;
/** The test's own reads and writes, through PgBouncer like the service's. */
let reader: DatabasePool;
let mintToken: (slug: string) => Promise<string>;

test.before(async () => {
  db = await createTestDatabase();
  bouncer = await startPgBouncer({ databaseUrl: db.url, poolSize: SERVER_CONNECTIONS, connectQuery: CONNECT_QUERY });
  dataDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-replicas-'));
  const env = {
    DATABASE_URL: bouncer.url,
    // Migrations hold a session advisory lock, which transaction pooling cannot keep: they go
    // around PgBouncer (the template is migrated already; this checks the path a deploy takes).
    DATABASE_MIGRATION_URL: db.url,
    DATABASE_POOL_SIZE: '10',
    // API replicas, as docs/SCALING.md deploys them: the e-mail worker, which needs PostgreSQL
    // itself (it listens for jobs), runs elsewhere, so only the API's connections are counted here.
    WORKER: 'off',
    DATA_DIR: dataDir,
    CONTRACT_BASE_URL,
  };
  // Both processes check admin tokens with the local key in DATA_DIR, as the CLI signs them.
  const { identity } = parseConfig(env);
  if (identity.mode !== 'local') throw new Error('the replicas run with the local key pair');
  const key = await loadOrCreateLocalSigningKey(identity.keyFile);
  mintToken = (slug) => mintAdminToken(identity, key, { tenantSlug: slug, email: 'registrar@example.test', ttlSeconds: 600 });
  const started = await Promise.allSettled([startServiceProcess(env), startServiceProcess(env)]);
  services = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const failed = started.find((result) => result.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  front = await startRoundRobin(services.map((service) => service.baseUrl));
  reader = await createDatabasePool(bouncer.url, { maximumPoolSize: 4, ...LOADED_MACHINE_WAITS });
});

test.after.always(async () => {
  await reader?.end();
  await front?.close();
  for (const service of services) service.child.kill('SIGTERM');
  await Promise.all(services.map((service) => service.exited));
  await bouncer?.stop();
  await db?.drop();
  if (dataDir !== undefined) await fs.rm(dataDir, { recursive: true, force: true });
});

/** Access-log lines of `route` that each service process has written so far. */
const servedBy = (route: string) =>
  services.map((service) => service.logs.filter((line) => line.route === route && line.msg !== 'listening').length);

async function clubWithPlayer(): Promise<{ club: Club; token: string; playerId: number; teams: number[] }> {
  const club = await createClub(reader);
  const token = await mintToken(club.slug);
  const teams: number[] = [];
  for (const name of ['U12 Gold', 'U14 Silver']) {
    const reply = await request(front.baseUrl, 'POST', '/admin/teams', { token, body: { name } });
    teams.push(reply.body.id);
  }
  const player = await request(front.baseUrl, 'POST', '/admin/players', {
    token,
    body: { name: 'Jacelyn Park', email: 'family+park@example.test', team_ids: [teams[0]] },
  });
  return { club, token, playerId: player.body.id, teams };
}

const offer = (token: string, body: Record<string, unknown>, query = '') =>
  request(front.baseUrl, 'POST', `/admin/contract/offer${query}`, { token, body });

test.serial('both processes are ready through PgBouncer, and no migration lock is left behind', async (t) => {
  for (const service of services) {
    const reply = await request(service.baseUrl, 'GET', '/readyz');
    t.is(reply.status, 200);
    t.like(reply.body, { ready: true, checks: { database: 'ok', migrations: 'current' } });
  }
  const locks = await reader.oneFirst(sql.type(z.object({ count: z.bigint() }))`
    SELECT count(*) FROM pg_locks
    WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())
  `);
  t.is(locks, 0n, 'no migration lock left behind'); // on this database: other files migrate theirs meanwhile
});

test.serial('every server connection gets the session settings the service cannot send through PgBouncer', async (t) => {
  const settings = await Promise.all(
    Array.from({ length: 8 }, () =>
      reader.one(sql.type(z.object({ statement: z.string(), idle: z.string() }))`
        SELECT current_setting('statement_timeout') AS statement,
               current_setting('idle_in_transaction_session_timeout') AS idle
        FROM pg_sleep(0.05)
      `),
    ),
  );
  t.deepEqual(new Set(settings.map((setting) => JSON.stringify(setting))), new Set([JSON.stringify({ statement: '10s', idle: '1min' })]));
});

test.serial(
  'the whole contract story through two processes and PgBouncer: offer, re-offer, sign, tier change, decline, offer',
  async (t) => {
    const { club, token, playerId, teams } = await clubWithPlayer();
    const [gold, silver] = teams as [number, number];

    const first = await offer(token, { player_id: playerId, monthly_fee: 150 });
    t.like(first.body, { previous_status: 'none', new_status: 'offered', team_ids: [gold] });
    t.is((await offer(token, { player_id: playerId, monthly_fee: 160 })).status, 409);
    const second = await offer(token, { player_id: playerId, monthly_fee: 160 }, '?force=true');
    t.like(second.body, { previous_status: 'offered', new_status: 'offered', archived: false });
    t.is((await request(front.baseUrl, 'GET', `/contract/${first.body.contract_token}`)).status, 410);
    t.like((await request(front.baseUrl, 'GET', `/contract/${second.body.contract_token}`)).body, { status: 'offered', monthly_fee: 160 });

    const signed = await request(front.baseUrl, 'POST', `/contract/${second.body.contract_token}/sign`, {
      body: { signed_by: 'Dana Park' },
    });
    t.is(signed.status, 200);
    t.is(
      (await request(front.baseUrl, 'POST', `/contract/${second.body.contract_token}/sign`, { body: { signed_by: 'Dana Park' } })).status,
      409,
    );

    t.is((await offer(token, { player_id: playerId, monthly_fee: 170 })).status, 422, 'a signed player needs a new team');
    const tierChange = await offer(token, { player_id: playerId, monthly_fee: 170, target_team_id: silver });
    t.like(tierChange.body, { previous_status: 'signed', new_status: 'offered', archived: true, moved_teams: true, team_ids: [silver] });
    t.is((await request(front.baseUrl, 'POST', `/contract/${tierChange.body.contract_token}/decline`)).status, 200);
    const again = await offer(token, { player_id: playerId, monthly_fee: 180 });
    t.like(again.body, { previous_status: 'declined', new_status: 'offered', audit_id: null });

    const player = await readPlayer(reader, club, playerId);
    t.like(player, { contract_status: 'offered', contract_token: again.body.contract_token, monthly_fee: 180, team_ids: [silver] });
    const audit = await readAuditLog(reader, club, playerId);
    t.deepEqual(
      audit.map((row) => [row.event_type, row.old_state.contract_token, row.new_state.contract_token]),
      [
        ['re_offer', first.body.contract_token, second.body.contract_token],
        ['sign', second.body.contract_token, second.body.contract_token],
        ['tier_change', second.body.contract_token, tierChange.body.contract_token],
        ['decline', tierChange.body.contract_token, tierChange.body.contract_token],
      ],
    );
    const replaced = (await readReplacedLinks(reader, club.id, playerId)).map((link) => link.token);
    t.deepEqual(replaced, [first.body.contract_token, second.body.contract_token, tierChange.body.contract_token]);
    const routed = await reader.oneFirst(sql.type(z.object({ count: z.bigint() }))`
    SELECT count(*) FROM contract_links WHERE tenant_id = ${club.id}
  `);
    t.is(routed, 4n, 'every token minted is routed to the club');
  },
);

test.serial(`${SIMULTANEOUS} simultaneous first offers through both processes: exactly one 200, the rest 409, one token`, async (t) => {
  const { club, token, playerId } = await clubWithPlayer();
  const before = servedBy('/admin/contract/offer');

  const replies = await Promise.all(
    Array.from({ length: SIMULTANEOUS }, (_, i) => offer(token, { player_id: playerId, monthly_fee: 100 + i })),
  );

  t.deepEqual(replies.map((reply) => reply.status).sort(), [200, ...Array<number>(SIMULTANEOUS - 1).fill(409)]);
  const winner = replies.find((reply) => reply.status === 200);
  t.like(await readPlayer(reader, club, playerId), { contract_token: winner?.body.contract_token, monthly_fee: winner?.body.monthly_fee });
  t.deepEqual(await readAuditLog(reader, club, playerId), []);
  const after = servedBy('/admin/contract/offer');
  t.true(
    after.every((count, i) => count > (before[i] ?? 0)),
    `each process served some of them: ${before} → ${after}`,
  );
});

test.serial(
  `${SIMULTANEOUS} simultaneous forced re-offers through both processes: every old token archived exactly once, the last audit row holds the final token`,
  async (t) => {
    const { club, token, playerId } = await clubWithPlayer();
    const opening = await offer(token, { player_id: playerId, monthly_fee: 99 });
    const before = servedBy('/admin/contract/offer');

    const replies = await Promise.all(
      Array.from({ length: SIMULTANEOUS }, (_, i) => offer(token, { player_id: playerId, monthly_fee: 100 + i }, '?force=true')),
    );

    t.deepEqual(
      replies.map((reply) => reply.status),
      Array<number>(SIMULTANEOUS).fill(200),
    );
    const issued = [opening.body.contract_token as string, ...replies.map((reply) => reply.body.contract_token as string)];
    t.is(new Set(issued).size, SIMULTANEOUS + 1);
    const audit = await readAuditLog(reader, club, playerId);
    t.is(audit.length, SIMULTANEOUS);
    t.true(audit.every((row) => row.event_type === 're_offer'));
    for (let i = 1; i < audit.length; i += 1) {
      t.is(audit[i]?.old_state.contract_token, audit[i - 1]?.new_state.contract_token, 'one unbroken chain');
    }
    const finalToken = (await readPlayer(reader, club, playerId)).contract_token;
    t.is(audit.at(-1)?.new_state.contract_token, finalToken);
    const archived = (await readReplacedLinks(reader, club.id, playerId)).map((link) => link.token);
    t.is(archived.length, SIMULTANEOUS, 'each replaced token archived once');
    t.deepEqual([...archived, finalToken].sort(), [...issued].sort());
    t.deepEqual(audit.map((row) => row.old_state.contract_token).sort(), [...archived].sort());
    const after = servedBy('/admin/contract/offer');
    t.true(
      after.every((count, i) => count > (before[i] ?? 0)),
      `each process served some of them: ${before} → ${after}`,
    );
  },
);

test.serial(
  `two processes with pools of 10 under ${SIMULTANEOUS * 2} simultaneous requests use at most ${SERVER_CONNECTIONS} PostgreSQL connections`,
  async (t) => {
    const { token, playerId } = await clubWithPlayer();
    const otherPlayers = await Promise.all(
      Array.from({ length: SIMULTANEOUS - 1 }, async (_, i) => {
        const reply = await request(front.baseUrl, 'POST', '/admin/players', {
          token,
          body: { name: `Player ${i}`, email: `family+${i}@example.test` },
        });
        return reply.body.id as number;
      }),
    );
    const superuser = await createPool(testEnv('superuserUrl'), { maximumPoolSize: 1 });
    const counts: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        counts.push(
          await superuser.oneFirst(sql.type(z.object({ count: z.number() }))`
          SELECT count(*)::integer FROM pg_stat_activity WHERE datname = ${db.name} AND backend_type = 'client backend'
        `),
        );
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();

    const replies = await Promise.all(
      [playerId, ...otherPlayers].flatMap((id) => [
        offer(token, { player_id: id, monthly_fee: 120 }, '?force=true'),
        request(front.baseUrl, 'GET', `/admin/players/${id}`, { token }),
      ]),
    );
    sampling = false;
    await sampler;
    await superuser.end();

    t.deepEqual(new Set(replies.map((reply) => reply.status)), new Set([200]));
    t.true(counts.length > 0);
    t.true(Math.max(...counts) <= SERVER_CONNECTIONS, `connections seen: up to ${Math.max(...counts)}`);
    t.log(`PostgreSQL connections: up to ${Math.max(...counts)} in ${counts.length} samples`);
  },
);

test.serial('a session advisory lock taken through PgBouncer outlives its client: why migrations go around it', async (t) => {
  // Configured as the service's pool is: no DISCARD ALL on release, which would unlock it.
  const client = await createDatabasePool(bouncer.url, { maximumPoolSize: 1, ...LOADED_MACHINE_WAITS });
  t.true(await client.oneFirst(sql.type(z.object({ taken: z.boolean() }))`SELECT pg_try_advisory_lock(7007) AS taken`));
  await client.end();

  const held = await reader.oneFirst(sql.type(z.object({ count: z.bigint() }))`
    SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 7007 AND granted
  `);
  t.is(held, 1n, 'the lock stays on the server connection PgBouncer keeps for the next client');
  await db.pool.query(sql.unsafe`
    SELECT pg_terminate_backend(pid) FROM pg_locks WHERE locktype = 'advisory' AND objid = 7007
  `);
});

test.serial('PostgreSQL gone behind PgBouncer: 503 within 10 s and nothing written; back: the service recovers within 30 s', async (t) => {
  // A PgBouncer of its own, reaching PostgreSQL through a hop the test can cut.
  const direct = new URL(db.url);
  const proxy = await startTcpProxy(direct.hostname, Number(direct.port));
  const throughProxy = new URL(db.url);
  throughProxy.port = String(proxy.port);
  const cutOff = await startPgBouncer({ databaseUrl: throughProxy.toString(), poolSize: 2, connectQuery: CONNECT_QUERY });
  const pool = await createDatabasePool(cutOff.url, { maximumPoolSize: 4 });
  const server = await startTestServer(pool);
  try {
    const club = await createClub(db.pool);
    const [first, second] = [await createPlayer(db.pool, club), await createPlayer(db.pool, club)];
    const token = await server.adminToken(club.slug);
    const offerTo = (playerId: number) =>
      request(server.baseUrl, 'POST', '/admin/contract/offer', { token, body: { player_id: playerId, monthly_fee: 150 } });
    t.is((await offerTo(first)).status, 200, 'works through PgBouncer and the hop');

    await proxy.cut();
    const started = Date.now();
    const during = await offerTo(second);
    const elapsed = Date.now() - started;
    t.is(during.status, 503);
    t.is(during.body.error?.code, 'database_unavailable');
    t.true(elapsed < 10_000, `answered in ${elapsed} ms`);
    t.is((await readPlayer(db.pool, club, second)).contract_status, 'none', 'nothing written');

    await proxy.restore();
    const deadline = Date.now() + 30_000;
    let after = await offerTo(second);
    while (after.status !== 200 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 500));
      after = await offerTo(second);
    }
    t.is(after.status, 200, 'recovered within 30 s');
    t.log(`503 after ${elapsed} ms; recovered ${30_000 - (deadline - Date.now())} ms after the return`);
    t.is((await readPlayer(db.pool, club, second)).contract_status, 'offered');
  } finally {
    await server.close();
    await pool.end();
    await cutOff.stop();
    await proxy.close();
  }
});
