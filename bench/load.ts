// Child process of bench/main.ts: the load generator, apart from the process it measures. One
// scenario per run, given as JSON in argv; prints the result as JSON.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

/** Players one connection alone re-offers, one after another, as an admin of their club. */
export interface PlayerSlice {
  readonly adminToken: string;
  readonly firstPlayerId: number;
  readonly players: number;
}

export interface LoadPlan {
  readonly scenario: 'offer' | 'bare-offer' | 'offer-slices' | 'sign' | 'list' | 'mixed' | 'family-page';
  readonly baseUrl: string;
  readonly connections: number;
  readonly seconds: number;
  readonly adminToken: string;
  /** offer, bare-offer: re-offer a random player of these ids. list: start pages at one of them. */
  readonly firstPlayerId: number;
  readonly players: number;
  /** sign: a file of contract tokens, one per line; this run signs lines [from, from + count). */
  readonly tokensFile?: string;
  readonly from?: number;
  readonly count?: number;
  /**
   * mixed: each connection in turn re-offers a player, moving it to its other team of these two
   * (from `offered` or from `signed` alike), signs that offer through its new link, and lists a page.
   */
  readonly teamIds?: readonly [number, number];
  /**
   * offer-slices: connection i takes slice i (modulo their number), so that no two requests in
   * flight re-offer one player, and the club each connection offers to is the slice's.
   */
  readonly slices?: readonly PlayerSlice[];
  /** family-page: the link whose page every request views, as a browser asks for it. */
  readonly contractToken?: string;
  /** Requests per second over all connections; as fast as they go when absent. */
  readonly overallRate?: number;
  /** Latencies per period of this many seconds, besides those of the whole run. */
  readonly periodSeconds?: number;
}

export interface Period {
  readonly requests: number;
  readonly p50: number;
  readonly p99: number;
  readonly failed: number;
}

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
  readonly periods?: readonly Period[];
}

const plan = JSON.parse(process.argv[2] as string) as LoadPlan;
const randomPlayer = () => plan.firstPlayerId + Math.floor(Math.random() * plan.players);
const adminHeaders = { authorization: `Bearer ${plan.adminToken}`, 'content-type': 'application/json' };
const offerBody = () => JSON.stringify({ player_id: randomPlayer(), monthly_fee: 50 + Math.floor(Math.random() * 500) });

function requestsFor(): {
  requests: autocannon.Request[];
  amount?: number;
  setupClient?: (client: autocannon.Client) => void;
} {
  switch (plan.scenario) {
    case 'offer':
      return {
        requests: [
          {
            method: 'POST',
            path: '/admin/contract/offer?force=true',
            headers: adminHeaders,
            setupRequest: (request) => ({ ...request, body: offerBody() }),
          },
        ],
      };
    case 'bare-offer':
      return {
        requests: [
          {
            method: 'POST',
            path: '/offer',
            headers: adminHeaders,
            setupRequest: (request) => ({ ...request, body: offerBody() }),
          },
        ],
      };
    case 'offer-slices': {
      const slices = plan.slices ?? [];
      let nextSlice = 0;
      return {
        requests: [],
        setupClient: (client) => client.setRequests([offerInTurn(slices[nextSlice++ % slices.length] as PlayerSlice)]),
      };
    }
    case 'sign': {
      const from = plan.from ?? 0;
      const tokens = readFileSync(plan.tokensFile as string, 'utf8')
        .split('\n')
        .slice(from, from + (plan.count ?? 0));
      let next = 0;
      return {
        amount: tokens.length,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({ signed_by: 'Bench Parent' }),
            setupRequest: (request) => ({ ...request, path: `/contract/${tokens[next++]}/sign` }),
          },
        ],
      };
    }
    case 'list':
      return { requests: [listPage] };
    case 'mixed':
      return { requests: mixed() };
    case 'family-page':
      return { requests: [{ method: 'GET', path: `/contract/${plan.contractToken}`, headers: { accept: 'text/html' } }] };
  }
}

/** The slice's players re-offered in turn, from a random one on: none twice before all once. */
function offerInTurn(slice: PlayerSlice): autocannon.Request {
  let next = Math.floor(Math.random() * slice.players);
  return {
    method: 'POST',
    path: '/admin/contract/offer?force=true',
    headers: { authorization: `Bearer ${slice.adminToken}`, 'content-type': 'application/json' },
    setupRequest: (request) => {
      const playerId = slice.firstPlayerId + (next++ % slice.players);
      return { ...request, body: JSON.stringify({ player_id: playerId, monthly_fee: 50 + Math.floor(Math.random() * 500) }) };
    },
  };
}

const listPage: autocannon.Request = {
  method: 'GET',
  headers: adminHeaders,
  setupRequest: (request) => ({
    ...request,
    path: `/admin/contracts?status=offered&cursor=${Buffer.from(`after:${randomPlayer()}`).toString('base64url')}`,
  }),
};

/**
 * Offer, sign, list. A player is in one connection's hands from its offer to its sign, so no other
 * offer replaces the link being signed; then it goes to the back of the queue.
 */
function mixed(): autocannon.Request[] {
  const [teamA, teamB] = plan.teamIds ?? [0, 0];
  const idle = Array.from({ length: plan.players }, (_, i) => ({ id: plan.firstPlayerId + i, team: teamA }));
  type Held = { id: number; team: number };
  type Context = { player?: Held; token?: string };
  return [
    {
      method: 'POST',
      path: '/admin/contract/offer?force=true',
      headers: adminHeaders,
      setupRequest: (request, context: Context) => {
        const player = idle.shift() as Held;
        context.player = player;
        const target = player.team === teamA ? teamB : teamA;
        return { ...request, body: JSON.stringify({ player_id: player.id, monthly_fee: 150, target_team_id: target }) };
      },
      onResponse: (status, body, context: Context) => {
        if (status !== 200 || context.player === undefined) return;
        const answer = JSON.parse(body) as { contract_token: string; team_ids: number[] };
        context.token = answer.contract_token;
        context.player.team = answer.team_ids[0] ?? context.player.team;
      },
    },
    {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ signed_by: 'Bench Parent' }),
      setupRequest: (request, context: Context) => ({ ...request, path: `/contract/${context.token ?? 'none'}/sign` }),
      onResponse: (_status, _body, context: Context) => {
        if (context.player !== undefined) idle.push(context.player);
      },
    },
    listPage,
  ];
}

/** The latencies of each period of `periodSeconds`, from the responses as they come. */
function periodsOf(instance: autocannon.Instance, periodSeconds: number) {
  const started = Date.now();
  const periods: Array<{ latencies: number[]; failed: number }> = [];
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    const index = Math.floor((Date.now() - started) / (periodSeconds * 1000));
    while (periods.length <= index) periods.push({ latencies: [], failed: 0 });
    const period = periods[index] as { latencies: number[]; failed: number };
    period.latencies.push(responseTime);
    if (statusCode < 200 || statusCode >= 300) period.failed += 1;
  });
  return (): Period[] =>
    periods.map(({ latencies, failed }) => {
      const sorted = latencies.sort((a, b) => a - b);
      const at = (q: number) => Math.round((sorted[Math.floor(sorted.length * q)] ?? 0) * 10) / 10;
      return { requests: sorted.length, p50: at(0.5), p99: at(0.99), failed };
    });
}

const { requests, amount, setupClient } = requestsFor();
// Without a callback autocannon answers its instance made thenable, though its types say only a promise.
const instance = autocannon({
  url: plan.baseUrl,
  connections: plan.connections,
  duration: plan.seconds,
  ...(amount === undefined ? {} : { amount }),
  ...(plan.overallRate === undefined ? {} : { overallRate: plan.overallRate }),
  ...(setupClient === undefined ? {} : { setupClient }),
  requests,
}) as unknown as autocannon.Instance & PromiseLike<autocannon.Result>;
const periods = plan.periodSeconds === undefined ? null : periodsOf(instance, plan.periodSeconds);
// With `amount` autocannon would ignore the duration; signs slower than expected still stop in time.
const deadline = amount === undefined ? undefined : setTimeout(() => instance.stop(), plan.seconds * 1000);
process.stdout.write('measuring\n');
const result = await instance;
clearTimeout(deadline);
const output: LoadResult = {
  requests: result.requests.total,
  seconds: result.duration,
  perSecond: result.requests.total / result.duration,
  p50: result.latency.p50,
  p99: result.latency.p99,
  non2xx: result.non2xx,
  errors: result.errors + result.timeouts,
  ...(periods === null ? {} : { periods: periods() }),
};
process.stdout.write(JSON.stringify(output));
