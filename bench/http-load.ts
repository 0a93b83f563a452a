// Child process of bench/main.ts: autocannon against POST /admin/contract/offer?force=true, each
// request re-offering the next player of the seeded club.
import autocannon from 'autocannon';

const [baseUrl, token, firstPlayer, players, connections, seconds] = process.argv.slice(2);
let next = 0;
const result = await autocannon({
  url: baseUrl as string,
  connections: Number(connections),
  duration: Number(seconds),
  requests: [
    {
      method: 'POST',
      path: '/admin/contract/offer?force=true',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      setupRequest: (request) => ({
        ...request,
        body: JSON.stringify({ player_id: Number(firstPlayer) + (next++ % Number(players)), monthly_fee: 150 }),
      }),
    },
  ],
});
process.stdout.write(
  JSON.stringify({
    perSecond: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
  }),
);
