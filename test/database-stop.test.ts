import test from 'ava';
import { type CommonQueryMethods, type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import { parseConfig } from '../src/config.ts';
import { createDatabasePool, poolOptionsFrom } from '../src/db/pool.ts';
import { LOADED_MACHINE_WAITS } from './helpers/database.ts';
import { type DedicatedPostgres, startDedicatedPostgres } from './helpers/dedicated-postgres.ts';
import { type Club, createClub, createPlayer } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { type TestServer, startTestServer } from './helpers/server.ts';
import { readReplacedLinks } from './helpers/replaced-links.ts';

// docs/PRODUCT.md, "Non-functional guarantees" and "Database": PostgreSQL really stops while offers
// stream in. Every request answers 200 or 503 `database_unavailable` well within 10 s (the
// service's default timeouts), /healthz stays 200 and /readyz turns 503; when PostgreSQL is back
// the service recovers by itself within 30 s; and the database holds every acknowledged offer and
// nothing half-written.

const WORKERS = 4;
const PLAYERS_PER_WORKER = 10;
const OFFERS_BEFORE_STOP = 60;
const OUTAGE_MS = 2_000;
const OFFERS_AFTER_RECOVERY = 30;
/** A request still unanswered after this long counts as hung. */
const HANG_MS = 20_000;

let postgres: DedicatedPostgres;
let servicePool: DatabasePool;
let checkPool: DatabasePool;
let server: TestServer;
test.before(async () => {
  postgres = await startDedicatedPostgres();
  // The service's pool exactly as `npm start` configures it by default.
  servicePool = await createDatabasePool(postgres.url, poolOptionsFrom(parseConfig({})));
  checkPool = await createDatabasePool(postgres.url, { maximumPoolSize: 2, ...LOADED_MACHINE_WAITS });
  server = await startTestServer(servicePool);
});
test.after.always(async () => {
  await server?.close();
  await servicePool?.end();
  await checkPool?.end();
  await postgres?.destroy();
});

interface Outcome {
  readonly playerId: number;
  readonly fee: number;
  readonly status: number;
  readonly body: any;
  readonly sentAt: number;
  readonly answeredAt: number;
}

test('PostgreSQL stops mid-load: 200 or 503 only, fast; it restarts: the service recovers, every 200 is stored whole', async (t) => {
  t.timeout(120_000);
  const club = await createClub(checkPool);
  const players: number[] = [];
  for (let i = 0; i < WORKERS * PLAYERS_PER_WORKER; i += 1) players.push(await createPlayer(checkPool, club));
  const token = await server.adminToken(club.slug);

  // Each worker offers its own players in turn, always with force=true: a player's first offer
  // takes it from none to offered, every later one is a re-offer that archives the previous token.
  const outcomes: Outcome[] = [];
  let running = true;
  const worker = async (mine: readonly number[]) => {
    for (let round = 0; running; round += 1) {
      const playerId = mine[round % mine.length] as number;
      const fee = 100 + round;
      const sentAt = Date.now();
      const reply = await request(server.baseUrl, 'POST', '/admin/contract/offer?force=true', {
        token,
        body: { player_id: playerId, monthly_fee: fee },
        signal: AbortSignal.timeout(HANG_MS),
      }).catch((error: unknown) => ({ status: 0, body: String(error) }));
      outcomes.push({ playerId, fee, status: reply.status, body: reply.body, sentAt, answeredAt: Date.now() });
      // While the database is down, answers come back at once: do not spin.
      if (reply.status !== 200) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const workers = Array.from({ length: WORKERS }, (_, w) => worker(players.filter((_, index) => index % WORKERS === w)));
  const count200 = (since = 0) => outcomes.filter((o) => o.status === 200 && o.sentAt >= since).length;
  const until = async (condition: () => boolean, what: string, timeoutMs: number) => {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  try {
    await until(() => count200() >= OFFERS_BEFORE_STOP, `${OFFERS_BEFORE_STOP} offers before the stop`, 30_000);

    const stoppedAt = Date.now();
    await postgres.stop();
    await until(() => outcomes.some((o) => o.status === 503 && o.answeredAt >= stoppedAt), 'a 503', 10_000);
    const first503 = Math.min(...outcomes.filter((o) => o.status === 503).map((o) => o.answeredAt));
    await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
    t.is((await request(server.baseUrl, 'GET', '/healthz')).status, 200, '/healthz during the outage');
    const readiness = await request(server.baseUrl, 'GET', '/readyz');
    t.is(readiness.status, 503, '/readyz during the outage');
    t.like(readiness.body, { checks: { database: 'unreachable' } });

    await postgres.start();
    const backAt = Date.now();
    await until(() => count200(backAt) > 0, 'the first 200 after the restart', 30_000);
    const recoveredAt = Math.min(...outcomes.filter((o) => o.status === 200 && o.sentAt >= backAt).map((o) => o.answeredAt));
    await until(() => count200(backAt) >= OFFERS_AFTER_RECOVERY, 'offers after the restart', 30_000);
    running = false;
    await Promise.all(workers);
    t.is((await request(server.baseUrl, 'GET', '/readyz')).status, 200, '/readyz after the restart');

    const unexpected = outcomes.filter((o) => o.status !== 200 && !(o.status === 503 && o.body?.error?.code === 'database_unavailable'));
    t.deepEqual(unexpected, [], 'every answer is 200 or 503 database_unavailable');
    const slowest = Math.max(...outcomes.map((o) => o.answeredAt - o.sentAt));
    t.true(slowest < 10_000, `slowest answer ${slowest} ms`);
    t.true(first503 - stoppedAt < 10_000);
    t.true(recoveredAt - backAt < 30_000);

    const unacknowledged = await checkStoredWhole(t, checkPool, club, players, outcomes);
    t.log(
      `${outcomes.length} requests: ${count200()} answered 200, ${outcomes.filter((o) => o.status === 503).length} 503; ` +
        `first 503 ${first503 - stoppedAt} ms after the stop began; first 200 ${recoveredAt - backAt} ms after ` +
        `PostgreSQL was back; slowest answer ${slowest} ms; committed but answered 503: ${unacknowledged}`,
    );
  } finally {
    running = false;
    await Promise.all(workers);
  }
});

const playerState = z.object({
  id: z.number(),
  consistent: z.boolean(),
  contract_token: z.string().nullable(),
});
const auditEntry = z.object({
  id: z.bigint().transform(Number),
  player_id: z.number(),
  event_type: z.string(),
  old_token: z.string().nullable(),
  new_token: z.string().nullable(),
  new_fee: z.number().nullable(),
});

/**
 * Every acknowledged offer is in the database, and each player's rows tell one unbroken story:
 * its status columns agree, each re-offer's audit row replaced exactly the token the one before it
 * minted, every replaced token is archived once, and the last one minted is the current token.
 * Returns how many re-offers committed although their request was answered 503 (the connection
 * died between the commit and the answer).
 */
async function checkStoredWhole(
  t: import('ava').ExecutionContext,
  db: CommonQueryMethods,
  club: Club,
  players: readonly number[],
  outcomes: readonly Outcome[],
): Promise<number> {
  const rows = await db.any(sql.type(playerState)`
    SELECT id, contract_token,
           CASE contract_status
             WHEN 'none' THEN contract_token IS NULL AND monthly_fee IS NULL AND contract_offered_at IS NULL
                              AND contract_offered_by IS NULL
             WHEN 'offered' THEN contract_token IS NOT NULL AND monthly_fee IS NOT NULL
                              AND contract_offered_at IS NOT NULL AND contract_offered_by IS NOT NULL
             ELSE false
           END AND contract_signed_at IS NULL AND contract_signed_by IS NULL AND contract_signed_ip IS NULL
               AND contract_signature_url IS NULL AND contract_version IS NULL AND contract_declined_at IS NULL
             AS consistent
    FROM players WHERE tenant_id = ${club.id} ORDER BY id
  `);
  const audit = await db.any(sql.type(auditEntry)`
    SELECT id, player_id, event_type, old_state->>'contract_token' AS old_token,
           new_state->>'contract_token' AS new_token, (new_state->>'monthly_fee')::int AS new_fee
    FROM contract_audit_log WHERE tenant_id = ${club.id} ORDER BY id
  `);
  const superseded = await readReplacedLinks(db, club.id);
  t.is(rows.length, players.length);
  t.deepEqual(
    rows.filter((row) => !row.consistent).map((row) => row.id),
    [],
    'status columns agree',
  );
  t.true(audit.every((entry) => entry.event_type === 're_offer'));

  const acknowledged = outcomes.filter((o) => o.status === 200);
  const auditById = new Map(audit.map((entry) => [entry.id, entry]));
  let unacknowledged = 0;
  for (const row of rows) {
    const mine = audit.filter((entry) => entry.player_id === row.id);
    const archived = superseded.filter((entry) => entry.player_id === row.id).map((entry) => entry.token);
    const replies = acknowledged.filter((o) => o.playerId === row.id);
    for (let k = 1; k < mine.length; k += 1) {
      t.is(mine[k]?.old_token, mine[k - 1]?.new_token, `player ${row.id}: audit row ${mine[k]?.id} replaced the previous token`);
    }
    if (mine.length > 0) t.is(mine.at(-1)?.new_token, row.contract_token, `player ${row.id}: the last token minted is current`);
    t.deepEqual(
      archived.sort(),
      mine.map((entry) => entry.old_token as string).sort(),
      `player ${row.id}: each replaced token archived once`,
    );
    t.false(archived.includes(row.contract_token as string));

    const tokens = new Set([row.contract_token, ...archived]);
    for (const reply of replies) {
      t.true(tokens.has(reply.body.contract_token), `player ${row.id}: acknowledged token stored`);
      if (reply.body.previous_status === 'offered') {
        const entry = auditById.get(reply.body.audit_id);
        t.like(entry, { player_id: row.id, new_token: reply.body.contract_token, new_fee: reply.fee }, 'its audit row');
      } else {
        t.is(reply.body.audit_id, null);
      }
    }
    const acknowledgedAuditIds = new Set(replies.map((reply) => reply.body.audit_id));
    const extra = mine.filter((entry) => !acknowledgedAuditIds.has(entry.id)).length;
    const answered503 = outcomes.filter((o) => o.playerId === row.id && o.status === 503).length;
    t.true(extra <= answered503, `player ${row.id}: every stored re-offer was acknowledged or answered 503`);
    unacknowledged += extra;
  }
  return unacknowledged;
}
