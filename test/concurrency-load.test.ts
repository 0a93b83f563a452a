import test from 'ava';
import type { AuditEventType, ContractEvent, ContractStatus } from '../machines/contract.ts';
import { evaluate } from '../machines/evaluate.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import {
  type AuditRow,
  type Club,
  type PlayerRow,
  createClub,
  createPlayer,
  createTeam,
  readAuditLog,
  readPlayer,
} from './helpers/fixtures.ts';
import { OPERATIONS, type Operation, type WorkloadTally, runMixedWorkload } from './helpers/mixed-workload.ts';
import { type TestServer, startTestServer } from './helpers/server.ts';
import { readReplacedLinks } from './helpers/replaced-links.ts';

// docs/PRODUCT.md, "The state machine" and "Non-functional guarantees", under load: many admins and
// families at once on a few players, for a fixed time, then the database must still tell one
// consistent story that matches what the clients were told. LOAD_TEST_SECONDS and LOAD_TEST_CLIENTS
// make longer or wider local runs.

const SECONDS = positiveInteger('LOAD_TEST_SECONDS', 8);
const CLIENTS = positiveInteger('LOAD_TEST_CLIENTS', 32);
const PLAYERS = 12;
const TEAMS = 3;

/**
 * The answers docs/PRODUCT.md allows each operation, whatever state the player is in when it
 * arrives.
 */
const ALLOWED: Record<Operation, readonly string[]> = {
  offer: ['200', '409 offer_exists', '422 team_change_required'],
  forced_offer: ['200', '422 team_change_required'],
  offer_to_other_team: ['200', '409 offer_exists', '422 team_change_required'],
  offer_to_current_team: ['200', '409 offer_exists', '422 team_change_required'],
  sign: ['200', '409 contract_already_signed', '409 contract_already_declined', '410 contract_superseded'],
  decline: ['200', '409 contract_already_signed', '409 contract_already_declined', '410 contract_superseded'],
  sign_older_link: ['200', '409 contract_already_signed', '409 contract_already_declined', '410 contract_superseded'],
  decline_older_link: ['200', '409 contract_already_signed', '409 contract_already_declined', '410 contract_superseded'],
};

/** The outcomes the workload is meant to provoke, each at least once: "operation answer". */
const PROVOKED = [
  'offer 200',
  'offer 409 offer_exists',
  'offer 422 team_change_required',
  'forced_offer 200',
  'offer_to_other_team 200',
  'offer_to_current_team 422 team_change_required',
  'sign 200',
  'sign 409 contract_already_signed',
  'sign 410 contract_superseded',
  'decline 200',
  'decline 409 contract_already_declined',
  'sign_older_link 410 contract_superseded',
  'decline_older_link 410 contract_superseded',
];

interface Outcome {
  readonly club: Club;
  readonly teamIds: readonly number[];
  readonly tally: WorkloadTally;
  readonly players: ReadonlyMap<number, PlayerRow>;
  readonly audit: ReadonlyMap<number, readonly AuditRow[]>;
  readonly superseded: ReadonlyArray<{ token: string; player_id: number }>;
}

let db: TestDatabase | undefined;
let server: TestServer | undefined;
let outcome: Outcome | undefined;

// One hook, not useHarness(): the workload needs the service up, and ava runs hooks concurrently.
test.before('the mixed workload runs and the database is read back', async (t) => {
  t.timeout(SECONDS * 1000 + 90_000);
  db = await createTestDatabase();
  server = await startTestServer(db.pool);
  const club = await createClub(db.pool);
  const teamIds: number[] = [];
  for (let i = 0; i < TEAMS; i += 1) teamIds.push(await createTeam(db.pool, club, `Tier ${i + 1}`));
  const players = [];
  for (let i = 0; i < PLAYERS; i += 1) {
    const team = teamIds[i % TEAMS] as number;
    players.push({ id: await createPlayer(db.pool, club, { teamIds: [team], name: `Player ${i + 1}` }), teamIds: [team] });
  }

  const tally = await runMixedWorkload(
    { baseUrl: server.baseUrl, adminToken: await server.adminToken(club.slug), players, teamIds },
    { clients: CLIENTS, durationMs: SECONDS * 1000, untilMet: { answers: PROVOKED, longestMs: SECONDS * 1000 + 30_000 } },
  );

  const rows = new Map<number, PlayerRow>();
  const audit = new Map<number, readonly AuditRow[]>();
  for (const { id } of players) {
    rows.set(id, await readPlayer(db.pool, club, id));
    audit.set(id, await readAuditLog(db.pool, club, id));
  }
  const superseded = await readReplacedLinks(db.pool, club.id);
  outcome = { club, teamIds, tally, players: rows, audit, superseded };
});

test.after.always(async () => {
  await server?.close();
  await db?.drop();
});

function result(): Outcome {
  if (outcome === undefined) throw new Error('the workload runs in test.before');
  return outcome;
}

test('under load no request answers 5xx or goes unanswered, and every refusal is one the spec allows for its operation', (t) => {
  const { tally } = result();
  t.deepEqual(tally.transportErrors, []);
  const unexpected = OPERATIONS.flatMap((operation) =>
    Object.entries(tally.answers[operation])
      .filter(([answer]) => !ALLOWED[operation].includes(answer))
      .map(([answer, n]) => `${operation}: ${answer} ×${n}`),
  );
  t.deepEqual(unexpected, []);
});

test('the workload collides: every operation meets the outcomes it is meant to provoke', (t) => {
  const { tally } = result();
  const perSecond = tally.requests / (tally.elapsedMs / 1000);
  const percentile = (p: number) => tally.latenciesMs[Math.ceil((p / 100) * tally.latenciesMs.length) - 1]?.toFixed(0);
  t.log(
    `${tally.requests} requests from ${tally.clients} clients in ${(tally.elapsedMs / 1000).toFixed(1)} s: ` +
      `${perSecond.toFixed(0)} requests/s, latency p50 ${percentile(50)} ms, p99 ${percentile(99)} ms`,
  );
  for (const operation of OPERATIONS) {
    const answers = Object.entries(tally.answers[operation]).sort(([a], [b]) => a.localeCompare(b));
    t.log(`${operation}: ${answers.map(([answer, n]) => `${answer} ×${n}`).join(', ')}`);
  }
  const transitions = new Map<string, number>();
  for (const offer of tally.offers) {
    const key = `${offer.previousStatus} → ${offer.newStatus}`;
    transitions.set(key, (transitions.get(key) ?? 0) + 1);
  }
  t.log(`offers answered 200, by transition: ${[...transitions].map(([key, n]) => `${key} ×${n}`).join(', ')}`);

  const seen = (operation: Operation, answer: string) => (tally.answers[operation][answer] ?? 0) > 0;
  const missing = PROVOKED.filter((provoked) => {
    const [operation, answer] = provoked.split(/ (.*)/) as [Operation, string];
    return !seen(operation, answer);
  });
  t.deepEqual(missing, []);
  for (const from of ['none', 'offered', 'declined', 'signed'] as const) {
    t.true((transitions.get(`${from} → offered`) ?? 0) > 0, `an offer from ${from} succeeded`);
  }
});

test('every live token is unique, and none of them is also a superseded token', (t) => {
  const { players, superseded } = result();
  const live = [...players.values()].flatMap((player) => (player.contract_token === null ? [] : [player.contract_token]));
  t.is(new Set(live).size, live.length);
  const replaced = new Set(superseded.map((row) => row.token));
  t.deepEqual(
    live.filter((token) => replaced.has(token)),
    [],
  );
});

test('every token handed out in a 200 is its player’s live or a superseded token: none lost, none handed out twice', (t) => {
  const { tally, players, superseded } = result();
  const handedOut = tally.offers.map((offer) => `${offer.playerId} ${offer.token}`);
  t.is(new Set(handedOut).size, handedOut.length, 'no token handed out twice');
  const stored = [
    ...[...players].flatMap(([id, player]) => (player.contract_token === null ? [] : [`${id} ${player.contract_token}`])),
    ...superseded.map((row) => `${row.player_id} ${row.token}`),
  ];
  t.deepEqual(stored.sort(), handedOut.sort(), 'the club holds exactly the tokens its clients were given');
});

test('every replaced token is archived exactly once', (t) => {
  const { tally, superseded, audit } = result();
  // Every offer but a player's first replaces a token: an open, a signed or a declined one.
  const replacing = tally.offers.filter((offer) => offer.previousStatus !== 'none').length;
  t.is(superseded.length, replacing);
  t.is(new Set(superseded.map((row) => row.token)).size, superseded.length);

  const archivedInAudit = [...audit.values()]
    .flat()
    .filter((row) => row.event_type === 're_offer' || row.event_type === 'tier_change')
    .map((row) => String(row.old_state.contract_token));
  t.is(new Set(archivedInAudit).size, archivedInAudit.length, 'no audit row archives a token another already did');
  const replaced = new Set(superseded.map((row) => row.token));
  t.deepEqual(
    archivedInAudit.filter((token) => !replaced.has(token)),
    [],
  );
});

test('audit rows per event type equal the 200 answers that write one', (t) => {
  const { tally, audit } = result();
  const fromTally = (playerId: number | null) => {
    const offers = tally.offers.filter((offer) => playerId === null || offer.playerId === playerId);
    const family = tally.familyActions.filter((action) => playerId === null || action.playerId === playerId);
    return {
      re_offer: offers.filter((offer) => offer.previousStatus === 'offered').length,
      tier_change: offers.filter((offer) => offer.previousStatus === 'signed').length,
      sign: family.filter((action) => action.operation.startsWith('sign')).length,
      decline: family.filter((action) => action.operation.startsWith('decline')).length,
    };
  };
  const fromDatabase = (rows: readonly AuditRow[]) => ({
    re_offer: rows.filter((row) => row.event_type === 're_offer').length,
    tier_change: rows.filter((row) => row.event_type === 'tier_change').length,
    sign: rows.filter((row) => row.event_type === 'sign').length,
    decline: rows.filter((row) => row.event_type === 'decline').length,
  });
  t.deepEqual(fromDatabase([...audit.values()].flat()), fromTally(null));
  for (const [playerId, rows] of audit) t.deepEqual(fromDatabase(rows), fromTally(playerId), `player ${playerId}`);

  // Each offer's audit_id names its own row; offers that write none answer null.
  const offerRows = [...audit.values()].flat().filter((row) => row.event_type === 're_offer' || row.event_type === 'tier_change');
  t.deepEqual(
    tally.offers.flatMap((offer) => (offer.auditId === null ? [] : [offer.auditId])).sort((a, b) => a - b),
    offerRows.map((row) => row.id).sort((a, b) => a - b),
  );
  t.true(
    tally.offers.every((offer) => (offer.auditId === null) === (offer.previousStatus === 'none' || offer.previousStatus === 'declined')),
  );
  t.true(tally.offers.every((offer) => offer.archived === (offer.previousStatus === 'signed')));
  t.true(
    tally.familyActions.every((action) => action.status === (action.operation.startsWith('sign') ? 'signed' : 'declined')),
    'a 200 to a sign or decline reports the state it made',
  );
});

/**
 * The columns each state carries (docs/PRODUCT.md, "Tables"); every other contract column is empty.
 */
const FILLED: Record<ContractStatus, ReadonlyArray<keyof PlayerRow>> = {
  none: [],
  offered: ['contract_token', 'monthly_fee', 'contract_offered_at', 'contract_offered_by'],
  declined: ['contract_token', 'monthly_fee', 'contract_offered_at', 'contract_offered_by', 'contract_declined_at'],
  signed: [
    'contract_token',
    'monthly_fee',
    'contract_offered_at',
    'contract_offered_by',
    'contract_signed_at',
    'contract_signed_by',
    'contract_signed_ip',
    'contract_version',
  ],
  // Not reached by this workload, which neither withdraws nor lets offers expire.
  withdrawn: ['contract_token', 'monthly_fee', 'contract_offered_at', 'contract_offered_by'],
  expired: ['contract_token', 'monthly_fee', 'contract_offered_at', 'contract_offered_by'],
};

test('every player ends with exactly the columns its state carries, on one of the club’s teams', (t) => {
  const { players, teamIds } = result();
  for (const [id, player] of players) {
    const status = player.contract_status as ContractStatus;
    const filled = (Object.keys(player) as Array<keyof PlayerRow>).filter(
      (column) => column !== 'contract_status' && column !== 'team_ids' && player[column] !== null,
    );
    t.deepEqual(filled.sort(), [...FILLED[status]].sort(), `player ${id} (${status})`);
    t.is(player.team_ids.length, 1, `player ${id} is on one team`);
    t.true(teamIds.includes(player.team_ids[0] as number));
    if (status === 'signed') {
      t.regex(player.contract_signed_by ?? '', /^Load client \d+$/);
      t.is(player.contract_signed_ip, '127.0.0.1');
    }
  }
});

test('each player’s audit chain is unbroken and replays through the machine to the state the player is in', (t) => {
  const { players, audit, superseded, tally } = result();
  const replaced = new Set(superseded.map((row) => row.token));
  for (const [id, player] of players) {
    const rows = audit.get(id) ?? [];
    const label = `player ${id}`;
    // Offers from none and from declined write no audit row: they show as a change of token
    // between one row's new state and the next row's old state, and must be such an offer.
    const unaudited = { none: 0, declined: 0 };
    const crossGap = (from: Record<string, unknown>, to: Record<string, unknown>) => {
      if (to.contract_token === from.contract_token) {
        t.is(to.contract_status, from.contract_status, `${label}: same token, same state`);
        return;
      }
      const status = from.contract_status as ContractStatus;
      const offer: ContractEvent = { type: 'OFFER', force: false, targetTeamId: null };
      const decision = evaluate(status, { teamIds: from.team_ids as number[], pendingSigners: 0 }, offer);
      t.true(
        decision.allowed && decision.auditEvent === null && decision.to === to.contract_status,
        `${label}: the token changed without an audit row, so it must be an offer from ${status} that writes none`,
      );
      if (from.contract_token !== null) {
        t.true(replaced.has(String(from.contract_token)), `${label}: the token that offer replaced is superseded`);
      }
      if (status === 'none' || status === 'declined') unaudited[status] += 1;
    };

    let previous: Record<string, unknown> = { contract_status: 'none', contract_token: null, team_ids: [] };
    for (const row of rows) {
      if (row.old_state.contract_token === previous.contract_token) {
        t.deepEqual(row.old_state, previous, `${label}: row ${row.id} starts where the previous row ended`);
      } else {
        crossGap(previous, row.old_state);
      }
      const decision = evaluate(
        row.old_state.contract_status as ContractStatus,
        { teamIds: row.old_state.team_ids as number[], pendingSigners: 0 },
        eventOf(row),
      );
      t.deepEqual(
        decision,
        {
          allowed: true,
          to: row.new_state.contract_status as ContractStatus,
          mintsToken: row.new_state.contract_token !== row.old_state.contract_token,
          auditEvent: row.event_type as AuditEventType,
        },
        `${label}: row ${row.id} (${row.event_type}) is a transition the machine allows`,
      );
      previous = row.new_state;
    }
    crossGap(previous, player);
    t.deepEqual(
      unaudited,
      {
        none: tally.offers.filter((offer) => offer.playerId === id && offer.previousStatus === 'none').length,
        declined: tally.offers.filter((offer) => offer.playerId === id && offer.previousStatus === 'declined').length,
      },
      `${label}: the offers without an audit row are the ones the clients were told succeeded`,
    );
  }
});

/** The event that produced an audit row, as the machine would have been asked. */
function eventOf(row: AuditRow): ContractEvent {
  switch (row.event_type) {
    case 're_offer':
      return { type: 'OFFER', force: true, targetTeamId: null };
    case 'tier_change':
      return { type: 'OFFER', force: false, targetTeamId: (row.new_state.team_ids as number[])[0] ?? null };
    case 'sign':
      return { type: 'SIGN' };
    case 'decline':
      return { type: 'DECLINE' };
    default:
      throw new Error(`unknown audit event ${row.event_type}`);
  }
}

function positiveInteger(name: string, fallback: number): number {
  const value = process.env[name];
  if (value === undefined || value === '') return fallback;
  if (!/^[1-9]\d*$/.test(value)) throw new Error(`${name} must be a positive whole number, not "${value}"`);
  return Number(value);
}
