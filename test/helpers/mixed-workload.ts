import { Agent, request } from 'node:http';
import type { ContractStatus } from '../../machines/contract.ts';

// A mixed admin-and-family workload for a fixed time: many clients, few players and teams, so that
// requests collide on the same rows. Each client keeps a tally of what it sent and what came back;
// the tallies are merged at the end for the caller to hold against the database.

/**
 * What a client means to do. The outcome depends on the player's state at the moment the database
 * takes the row lock, which a client only knows from earlier answers: all of these can meet any
 * state.
 */
export const OPERATIONS = [
  /** No force, no team: a first offer, an offer after a decline, or a 409 on an open offer. */
  'offer',
  /** `force=true`: a re-offer of an open offer. */
  'forced_offer',
  /** A target team the player was last seen not on: a tier change when signed. */
  'offer_to_other_team',
  /** A target team the player was last seen on: 422 when signed. */
  'offer_to_current_team',
  /** Sign or decline through the newest link the clients have seen for the player. */
  'sign',
  'decline',
  /** Sign or decline through an older link of the player, most likely replaced (410). */
  'sign_older_link',
  'decline_older_link',
] as const;
export type Operation = (typeof OPERATIONS)[number];

export const FAMILY_OPERATIONS: ReadonlySet<Operation> = new Set(['sign', 'decline', 'sign_older_link', 'decline_older_link']);

export interface WorkloadPlayer {
  readonly id: number;
  readonly teamIds: readonly number[];
}

export interface WorkloadTarget {
  readonly baseUrl: string;
  /** An admin token of the players' club. */
  readonly adminToken: string;
  readonly players: readonly WorkloadPlayer[];
  /** The club's teams, to move players between. */
  readonly teamIds: readonly number[];
}

export interface WorkloadOptions {
  readonly clients: number;
  readonly durationMs: number;
  /**
   * Answers the workload must have met: past `durationMs` it goes on until every one has been
   * answered at least once (`operation` + ' ' + answer, e.g. "decline 409 contract_already_declined"),
   * for at most `longestMs` in all. On loaded cores fewer requests fit in the time, and the rarest
   * collisions could otherwise go unmet.
   */
  readonly untilMet?: { readonly answers: readonly string[]; readonly longestMs: number };
}

/** An offer answered 200. */
export interface OfferAnswer {
  readonly operation: Operation;
  readonly playerId: number;
  readonly previousStatus: ContractStatus;
  readonly newStatus: ContractStatus;
  readonly token: string;
  readonly teamIds: readonly number[];
  readonly archived: boolean;
  readonly auditId: number | null;
}

/** A sign or decline answered 200. */
export interface FamilyAnswer {
  readonly operation: Operation;
  readonly playerId: number;
  readonly token: string;
  /** The status the answer reports. */
  readonly status: string;
}

export interface WorkloadTally {
  readonly clients: number;
  readonly elapsedMs: number;
  readonly requests: number;
  /** Answers per operation, keyed by status, and by error code when there is one: `409 offer_exists`. */
  readonly answers: Record<Operation, Record<string, number>>;
  readonly offers: readonly OfferAnswer[];
  readonly familyActions: readonly FamilyAnswer[];
  /** Requests that got no HTTP answer at all. */
  readonly transportErrors: readonly string[];
  /** How long each answered request took, in milliseconds, sorted. */
  readonly latenciesMs: readonly number[];
}

/** What every client has learnt so far about one player, from the answers it got. */
interface KnownPlayer {
  readonly id: number;
  status: ContractStatus;
  teamIds: readonly number[];
  /** Every token handed out for the player, in the order the answers arrived. */
  readonly tokens: string[];
}

/**
 * How often a client picks each operation, by the state it last saw the player in: mostly what
 * that state accepts, often enough what it refuses.
 */
const WEIGHTS: Record<ContractStatus, Partial<Record<Operation, number>>> = {
  none: { offer: 6, forced_offer: 2, offer_to_other_team: 1 },
  offered: {
    offer: 2,
    forced_offer: 2,
    offer_to_other_team: 1,
    offer_to_current_team: 1,
    sign: 4,
    decline: 2,
    sign_older_link: 1,
    decline_older_link: 1,
  },
  signed: {
    offer: 1,
    forced_offer: 1,
    offer_to_other_team: 4,
    offer_to_current_team: 2,
    sign: 1,
    decline: 1,
    sign_older_link: 1,
    decline_older_link: 1,
  },
  declined: { offer: 4, forced_offer: 1, offer_to_other_team: 1, sign: 1, decline: 1, sign_older_link: 1 },
  // Not reached: the workload neither withdraws nor lets offers expire.
  withdrawn: { offer: 1 },
  expired: { offer: 1 },
};

interface Answer {
  readonly status: number;
  readonly body: any;
}

export async function runMixedWorkload(target: WorkloadTarget, options: WorkloadOptions): Promise<WorkloadTally> {
  const known: KnownPlayer[] = target.players.map((player) => ({
    id: player.id,
    status: 'none',
    teamIds: [...player.teamIds],
    tokens: [],
  }));
  // One socket per client, kept alive, as many real clients would hold.
  const agent = new Agent({ keepAlive: true, maxSockets: options.clients });
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    postJson(agent, `${target.baseUrl}${path}`, body, headers);

  const startedAt = performance.now();
  const met = new Set<string>();
  const unmet = () => (options.untilMet?.answers ?? []).some((answer) => !met.has(answer));
  const goesOn = () => {
    const now = performance.now();
    return now < startedAt + options.durationMs || (unmet() && now < startedAt + (options.untilMet?.longestMs ?? 0));
  };
  try {
    const tallies = await Promise.all(
      Array.from({ length: options.clients }, (_, client) =>
        runClient(client, { known, teamIds: target.teamIds, adminToken: target.adminToken, post, goesOn, met }),
      ),
    );
    const elapsedMs = performance.now() - startedAt;
    return mergeTallies(options.clients, elapsedMs, tallies);
  } finally {
    agent.destroy();
  }
}

interface ClientContext {
  readonly known: KnownPlayer[];
  readonly teamIds: readonly number[];
  readonly adminToken: string;
  readonly post: (path: string, body: unknown, headers?: Record<string, string>) => Promise<Answer>;
  /** Whether to send another request. */
  readonly goesOn: () => boolean;
  /** Every answer met so far, by every client: "operation answer". */
  readonly met: Set<string>;
}

interface ClientTally {
  requests: number;
  readonly answers: Map<Operation, Map<string, number>>;
  readonly offers: OfferAnswer[];
  readonly familyActions: FamilyAnswer[];
  readonly transportErrors: string[];
  readonly latenciesMs: number[];
}

async function runClient(client: number, context: ClientContext): Promise<ClientTally> {
  const tally: ClientTally = {
    requests: 0,
    answers: new Map(),
    offers: [],
    familyActions: [],
    transportErrors: [],
    latenciesMs: [],
  };
  while (context.goesOn()) {
    const player = pick(context.known);
    const operation = chooseOperation(player);
    let answer: Answer;
    let token: string | null = null;
    const sentAt = performance.now();
    try {
      if (FAMILY_OPERATIONS.has(operation)) {
        token = pick(operation.endsWith('_older_link') ? player.tokens.slice(0, -1) : player.tokens.slice(-1));
        answer = await sendFamily(context, client, operation, token);
      } else {
        answer = await sendOffer(context, player, operation);
      }
    } catch (error) {
      tally.requests += 1;
      tally.transportErrors.push(`${operation}: ${(error as Error).message}`);
      continue;
    }
    tally.requests += 1;
    tally.latenciesMs.push(performance.now() - sentAt);
    context.met.add(`${operation} ${count(tally, operation, answer)}`);
    learn(tally, player, operation, token, answer);
  }
  return tally;
}

function chooseOperation(player: KnownPlayer): Operation {
  const weights = Object.entries(WEIGHTS[player.status]) as Array<[Operation, number]>;
  // A family operation needs a link the clients have seen (an older one needs two).
  const possible = weights.filter(([operation]) =>
    !FAMILY_OPERATIONS.has(operation) ? true : player.tokens.length > (operation.endsWith('_older_link') ? 1 : 0),
  );
  let roll = Math.random() * possible.reduce((sum, [, weight]) => sum + weight, 0);
  for (const [operation, weight] of possible) {
    roll -= weight;
    if (roll < 0) return operation;
  }
  return 'offer';
}

function sendOffer(context: ClientContext, player: KnownPlayer, operation: Operation): Promise<Answer> {
  const body: Record<string, unknown> = { player_id: player.id, monthly_fee: 1 + Math.floor(Math.random() * 1000) };
  let force = operation === 'forced_offer';
  if (operation === 'offer_to_other_team') {
    body.target_team_id = pick(context.teamIds.filter((team) => !player.teamIds.includes(team)));
    force = Math.random() < 0.5;
  }
  if (operation === 'offer_to_current_team') {
    body.target_team_id = pick(player.teamIds);
    force = Math.random() < 0.5;
  }
  return context.post(`/admin/contract/offer${force ? '?force=true' : ''}`, body, {
    authorization: `Bearer ${context.adminToken}`,
  });
}

function sendFamily(context: ClientContext, client: number, operation: Operation, token: string): Promise<Answer> {
  return operation.startsWith('sign')
    ? context.post(`/contract/${token}/sign`, { signed_by: `Load client ${client}` })
    : context.post(`/contract/${token}/decline`, {});
}

/** Counts the answer, and says it as the tally keys it: "200", "409 offer_exists". */
function count(tally: ClientTally, operation: Operation, answer: Answer): string {
  const code = answer.status >= 300 ? answer.body?.error?.code : undefined;
  const key = code === undefined ? String(answer.status) : `${answer.status} ${code}`;
  const byKey = tally.answers.get(operation) ?? new Map<string, number>();
  byKey.set(key, (byKey.get(key) ?? 0) + 1);
  tally.answers.set(operation, byKey);
  return key;
}

/** Records what a 200 handed out, and updates what the clients know of the player. */
function learn(tally: ClientTally, player: KnownPlayer, operation: Operation, token: string | null, answer: Answer) {
  const code: unknown = answer.body?.error?.code;
  if (answer.status === 200 && !FAMILY_OPERATIONS.has(operation)) {
    const body = answer.body;
    tally.offers.push({
      operation,
      playerId: player.id,
      previousStatus: body.previous_status,
      newStatus: body.new_status,
      token: body.contract_token,
      teamIds: body.team_ids,
      archived: body.archived,
      auditId: body.audit_id,
    });
    player.tokens.push(body.contract_token);
    player.status = body.new_status;
    player.teamIds = body.team_ids;
  } else if (answer.status === 200 && token !== null) {
    tally.familyActions.push({ operation, playerId: player.id, token, status: answer.body?.status });
    if (token === player.tokens.at(-1)) player.status = answer.body?.status;
  } else if (code === 'offer_exists') {
    player.status = 'offered';
  } else if (code === 'team_change_required') {
    player.status = 'signed';
  } else if (token === player.tokens.at(-1) && code === 'contract_already_signed') {
    player.status = 'signed';
  } else if (token === player.tokens.at(-1) && code === 'contract_already_declined') {
    player.status = 'declined';
  }
}

function mergeTallies(clients: number, elapsedMs: number, tallies: readonly ClientTally[]): WorkloadTally {
  const answers = Object.fromEntries(OPERATIONS.map((operation) => [operation, {}])) as WorkloadTally['answers'];
  for (const tally of tallies) {
    for (const [operation, byKey] of tally.answers) {
      for (const [key, n] of byKey) answers[operation][key] = (answers[operation][key] ?? 0) + n;
    }
  }
  return {
    clients,
    elapsedMs,
    requests: tallies.reduce((sum, tally) => sum + tally.requests, 0),
    answers,
    offers: tallies.flatMap((tally) => tally.offers),
    familyActions: tallies.flatMap((tally) => tally.familyActions),
    transportErrors: tallies.flatMap((tally) => tally.transportErrors),
    latenciesMs: tallies.flatMap((tally) => tally.latenciesMs).sort((a, b) => a - b),
  };
}

function pick<T>(items: readonly T[]): T {
  const item = items[Math.floor(Math.random() * items.length)];
  if (item === undefined) throw new Error('pick() from an empty list');
  return item;
}

/** node:http rather than fetch: the clients share a process (and two cores) with the service. */
function postJson(agent: Agent, url: string, body: unknown, headers: Record<string, string>): Promise<Answer> {
  const payload = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: 'POST',
        agent,
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('error', reject);
        incoming.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            // Left as text: the tally then records the status without an error code.
          }
          resolve({ status: incoming.statusCode ?? 0, body: parsed });
        });
      },
    );
    outgoing.on('error', reject);
    outgoing.end(payload);
  });
}
