import { randomBytes } from 'node:crypto';
import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/operations/metrics.ts';
import { type ContractWorker, startContractWorker } from '../src/worker/contract-worker.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { eventually } from './helpers/eventually.ts';
import {
  type Club,
  createClub,
  createPlayer,
  createTeam,
  putContractInState,
  readAuditLog,
  readMessages,
  readPlayer,
} from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { type TestServer, startTestServer } from './helpers/server.ts';
import { type TestSmtpServer, startSmtpServer } from './helpers/smtp-server.ts';

// docs/PRODUCT.md, "The season at once": POST /admin/contract/offers, each offer its own transition
// with the single offer's rules, answer and e-mail, through HTTP, a real SMTP server and the worker.

let db: TestDatabase;
let smtp: TestSmtpServer;
let server: TestServer;
let worker: ContractWorker;

test.before(async () => {
  db = await createTestDatabase();
  smtp = await startSmtpServer();
  server = await startTestServer(db.pool, { env: { SMTP_URL: smtp.url, SMTP_TIMEOUT_MS: '1000' } });
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
  await smtp?.close();
  await db?.drop();
});

const bulk = async (club: Club, body: unknown, options: { query?: string; key?: string } = {}) =>
  request(server.baseUrl, 'POST', `/admin/contract/offers${options.query ?? ''}`, {
    token: await server.adminToken(club.slug),
    body,
    headers: options.key === undefined ? {} : { 'idempotency-key': options.key },
  });

/** A club with one team and `count` players on it, each with an address of their own. */
async function roster(count: number) {
  const club = await createClub(db.pool);
  const team = await createTeam(db.pool, club, 'U12 Gold');
  const players: Array<{ id: number; email: string }> = [];
  for (let index = 0; index < count; index++) {
    const email = `family${index}+${randomBytes(4).toString('hex')}@example.test`;
    players.push({ id: await createPlayer(db.pool, club, { teamIds: [team], email }), email });
  }
  return { club, team, players };
}

const everything = (club: Club) =>
  db.pool.one(sql.type(z.object({ players: z.unknown(), audit: z.number(), messages: z.number() }))`
    SELECT
      (SELECT json_agg(players ORDER BY id) FROM players WHERE tenant_id = ${club.id}) AS players,
      (SELECT count(*)::integer FROM contract_audit_log WHERE tenant_id = ${club.id}) AS audit,
      (SELECT count(*)::integer FROM contract_messages WHERE tenant_id = ${club.id}) AS messages
  `);

test('each offer is its own transition: the valid ones are offered and mailed, a refused one answers its error and stays as it was', async (t) => {
  const { club, players } = await roster(3);
  const [first, offered, third] = players as [(typeof players)[number], (typeof players)[number], (typeof players)[number]];
  await putContractInState(db.pool, club, offered.id, 'offered');
  const before = await readPlayer(db.pool, club, offered.id);

  const reply = await bulk(club, {
    offers: [
      { player_id: first.id, monthly_fee: 150 },
      { player_id: offered.id, monthly_fee: 160 },
      { player_id: third.id, monthly_fee: 170 },
      { player_id: 2_000_000_000, monthly_fee: 170 },
    ],
  });

  t.is(reply.status, 200);
  t.deepEqual(reply.body.summary, { offered: 2, refused: 2 });
  t.deepEqual(
    reply.body.results.map((row: { player_id: number; ok: boolean; error: { code: string } | null }) => [
      row.player_id,
      row.ok,
      row.error?.code ?? null,
    ]),
    [
      [first.id, true, null],
      [offered.id, false, 'offer_exists'],
      [third.id, true, null],
      [2_000_000_000, false, 'player_not_found'],
    ],
  );
  t.like(reply.body.results[0].offer, { new_status: 'offered', monthly_fee: 150, signers: [{ email: first.email }] });
  t.deepEqual(await readPlayer(db.pool, club, offered.id), before);
  for (const { email } of [first, third]) {
    const [mail] = await eventually(
      'offer mail',
      () => smtp.received.filter((m) => m.envelope.to.includes(email)).map((m) => m.subject),
      (subjects) => subjects.length === 1,
    );
    t.regex(mail ?? '', /your contract offer for Jacelyn Park/);
  }
});

test('a dry run answers what would happen and writes nothing: no offer, no audit row, no e-mail', async (t) => {
  const { club, players } = await roster(2);
  await putContractInState(db.pool, club, players[1]?.id ?? 0, 'signed');
  const before = await everything(club);

  const reply = await bulk(club, { select: { status: ['none', 'signed'] }, monthly_fee: 150, dry_run: true });

  t.is(reply.status, 200);
  t.deepEqual(reply.body.summary, { offered: 1, refused: 1 });
  t.like(reply.body.results[0], {
    player_id: players[0]?.id,
    ok: true,
    offer: { new_status: 'offered', contract_token: null, contract_url: null },
  });
  t.like(reply.body.results[1], { player_id: players[1]?.id, ok: false, error: { code: 'team_change_required' } });
  t.deepEqual(await everything(club), before);
});

test('select offers every player of a team in the given states, by player id', async (t) => {
  const { club, team, players } = await roster(3);
  await putContractInState(db.pool, club, players[1]?.id ?? 0, 'declined');
  const elsewhere = await createPlayer(db.pool, club);

  const reply = await bulk(club, { select: { team_id: team, status: ['none', 'declined'] }, monthly_fee: 180 });

  t.deepEqual(
    reply.body.results.map((row: { player_id: number }) => row.player_id),
    players.map((player) => player.id),
  );
  t.deepEqual(reply.body.summary, { offered: 3, refused: 0 });
  t.is((await readPlayer(db.pool, club, elsewhere)).contract_status, 'none');
});

test('an Idempotency-Key covers the whole request: the retry answers the same results and offers nothing twice', async (t) => {
  const { club, players } = await roster(2);
  const body = { offers: players.map((player) => ({ player_id: player.id, monthly_fee: 150 })) };
  const key = `season-${randomBytes(4).toString('hex')}`;

  const first = await bulk(club, body, { key });
  const retry = await bulk(club, body, { key });

  t.is(retry.headers.get('idempotent-replayed'), 'true');
  t.deepEqual(retry.body, first.body);
  for (const player of players) {
    t.is((await readMessages(db.pool, club, player.id)).filter((message) => message.kind === 'offer').length, 1);
  }
});

test('force=true replaces open offers, each with its re_offer audit row', async (t) => {
  const { club, players } = await roster(2);
  for (const player of players) await putContractInState(db.pool, club, player.id, 'offered');

  const reply = await bulk(club, { select: { status: ['offered'] }, monthly_fee: 190 }, { query: '?force=true' });

  t.deepEqual(reply.body.summary, { offered: 2, refused: 0 });
  for (const player of players) {
    t.deepEqual(
      (await readAuditLog(db.pool, club, player.id)).map((row) => row.event_type),
      ['re_offer'],
    );
  }
});

test('more than 1,000 players given → 422 too_many_players; a player twice, or offers and select together → 422 validation_failed; nothing written', async (t) => {
  const { club } = await roster(0);
  const before = await everything(club);

  const tooMany = await bulk(club, { offers: Array.from({ length: 1001 }, (_, index) => ({ player_id: index + 1, monthly_fee: 1 })) });
  const twice = await bulk(club, {
    offers: [
      { player_id: 1, monthly_fee: 1 },
      { player_id: 1, monthly_fee: 2 },
    ],
  });
  const both = await bulk(club, { offers: [{ player_id: 1, monthly_fee: 1 }], select: {}, monthly_fee: 1 });

  t.is(tooMany.status, 422);
  t.is(tooMany.body.error.code, 'too_many_players');
  t.is(twice.body.error.code, 'validation_failed');
  t.deepEqual(twice.body.error.details[0].path, ['offers', 1, 'player_id']);
  t.is(both.body.error.code, 'validation_failed');
  t.deepEqual(await everything(club), before);
});

test('another club’s players are never offered: they answer player_not_found, and a selection never reaches them', async (t) => {
  const { club } = await roster(1);
  const other = await roster(1);
  const theirs = other.players[0]?.id ?? 0;

  const named = await bulk(club, { offers: [{ player_id: theirs, monthly_fee: 150 }] });
  await bulk(club, { select: {}, monthly_fee: 150 });

  t.like(named.body.results[0], { ok: false, error: { code: 'player_not_found' } });
  t.is((await readPlayer(db.pool, other.club, theirs)).contract_status, 'none');
});
