// Child process of bench/main.ts: the load generator, apart from the process it measures. One
// scenario per run, given as JSON in argv; prints the result as JSON.
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

export interface LoadPlan {
  readonly scenario: 'offer' | 'bare-offer' | 'sign' | 'list';
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
}

export interface LoadResult {
  readonly requests: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p99: number;
  readonly non2xx: number;
  readonly errors: number;
}

const plan = JSON.parse(process.argv[2] as string) as LoadPlan;
const randomPlayer = () => plan.firstPlayerId + Math.floor(Math.random() * plan.players);
const adminHeaders = { authorization: `Bearer ${plan.adminToken}`, 'content-type': 'application/json' };
const offerBody = () => JSON.stringify({ player_id: randomPlayer(), monthly_fee: 50 + Math.floor(Math.random() * 500) });

function requestsFor(): { requests: autocannon.Request[]; amount?: number } {
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
      return {
        requests: [
          {
            method: 'GET',
            headers: adminHeaders,
            setupRequest: (request) => ({
              ...request,
              path: `/admin/contracts?status=offered&cursor=${Buffer.from(`after:${randomPlayer()}`).toString('base64url')}`,
            }),
          },
        ],
      };
  }
}

const { requests, amount } = requestsFor();
const result = await autocannon({
  url: plan.baseUrl,
  connections: plan.connections,
  duration: plan.seconds,
  ...(amount === undefined ? {} : { amount }),
  requests,
});
const output: LoadResult = {
  requests: result.requests.total,
  seconds: result.duration,
  perSecond: result.requests.total / result.duration,
  p50: result.latency.p50,
  p99: result.latency.p99,
  non2xx: result.non2xx,
  errors: result.errors + result.timeouts,
};
process.stdout.write(JSON.stringify(output));
