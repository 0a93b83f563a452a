import test from 'ava';
import type { LoadResult } from '../bench/load.ts';
import { pgbenchResult } from '../bench/pgbench.ts';
import { type Measurement, type Run, type ScenarioName, render, targets } from '../bench/report.ts';

// `npm run bench` is not a test (docs/PERFORMANCE.md, "How to run"), but what it concludes from its
// figures is: each of issue 16's targets is judged from the run's own rows, met or missed.

const load = (perSecond: number, p50: number, p99: number): LoadResult => ({
  requests: perSecond * 10,
  seconds: 10,
  perSecond,
  p50,
  p99,
  non2xx: 0,
  errors: 0,
});

/** A row whose CPU per request is as given, in ms. */
const row = (name: ScenarioName, result: LoadResult, cpu: { service: number | null; postgres: number }, connections = 32): Measurement => ({
  name,
  connections,
  ...result,
  serviceCpuMs: cpu.service === null ? null : cpu.service * result.requests,
  postgresCpuMs: cpu.postgres * result.requests,
  peakMb: cpu.service === null ? null : 120,
  statementsPerRequest: 1,
});

const run = (measurements: Measurement[], overrides: Partial<Run> = {}): Run => ({
  measurements,
  peakMb: 130,
  seconds: 10,
  warmupSeconds: 1,
  players: 10_000,
  poolSize: 10,
  postgresVersion: '18.4',
  targetConnections: 32,
  skipped: [],
  lookups: null,
  season: null,
  plans: [],
  clubPairs: [],
  scale: null,
  soak: null,
  ...overrides,
});

const rows = [
  row('ceiling', load(2000, 15, 25), { service: null, postgres: 0.6 }),
  row('bare', load(1800, 16, 28), { service: 0.2, postgres: 0.7 }),
  row('service', load(2100, 14, 40), { service: 0.3, postgres: 0.7 }),
  row('offer-function', load(1600, 18, 30), { service: null, postgres: 0.5 }),
  row('anchor-statements', load(3000, 10, 20), { service: null, postgres: 0.6 }),
  row('anchor', load(200, 150, 700), { service: 4.5, postgres: 1.2 }),
];

test('each target is met or missed by the ratio of two rows of the same run', (t) => {
  const lines = targets(run(rows));
  t.true(lines.some((line) => line.startsWith('- service / anchor offers/s: 2,100 / 200 = 10.5×') && line.endsWith(': met')));
  t.true(lines.some((line) => line.includes('0.50 / 0.60 ms = 0.83× (target ≤ 1.5×): met')));
  t.true(lines.some((line) => line.includes('0.30 / 0.20 ms = 1.5× (target ≤ 2×): met')));
  t.true(lines.some((line) => line.startsWith('- offers: p99 / p50 40 / 14 ms = 2.9 (target < 4): met')));
  t.true(lines.some((line) => line.includes('130 MB (target < 150 MB): met')));

  const slower = targets(
    run([...rows.filter((m) => m.name !== 'service'), row('service', load(900, 10, 45), { service: 0.5, postgres: 0.7 })], {
      peakMb: 151,
    }),
  );
  t.true(slower.some((line) => line.startsWith('- service / anchor offers/s: 900 / 200 = 4.5×') && line.endsWith('**missed**')));
  t.true(slower.some((line) => line.includes('(target ≤ 2×): **missed**')));
  t.true(slower.some((line) => line.includes('p99 / p50 45 / 10 ms = 4.5 (target < 4): **missed**')));
  t.true(slower.some((line) => line.includes('151 MB (target < 150 MB): **missed**')));
});

test('rows measured at another concurrency do not count towards the targets', (t) => {
  const at8 = rows.map((m) => ({ ...m, connections: 8 }));
  const lines = targets(run(at8));
  t.false(lines.some((line) => line.includes('anchor offers/s')));
  t.false(lines.some((line) => line.includes('target ≤ 1.5×')));
});

test('a scenario that could not run is named with why, in place of its target', (t) => {
  const reason = 'the anchor did not run: apt-get could not install python3-fastapi';
  const report = render(
    run(
      rows.filter((m) => m.name !== 'anchor'),
      { skipped: [reason] },
    ),
    new Date('2026-01-01T00:00:00Z'),
  );
  t.true(report.includes(`- not measured: ${reason}.`));
  t.false(report.includes('service / anchor'));
  t.true(report.startsWith('Last run 2026-01-01 00:00 UTC'));
});

test("pgbench's summary and transaction log read as the other load generators' results", (t) => {
  const summary = [
    'number of clients: 32',
    'number of transactions actually processed: 30000',
    'number of failed transactions: 2 (0.007%)',
    'tps = 2000.5 (without initial connection time)',
  ].join('\n');
  const latencies = Array.from({ length: 100 }, (_, i) => i + 0.04);
  t.deepEqual(pgbenchResult(summary, latencies, 15, false), {
    requests: 30000,
    seconds: 15,
    perSecond: 2000.5,
    p50: 50,
    p99: 99,
    non2xx: 0,
    errors: 2,
  });
  t.is(pgbenchResult(summary, latencies, 15, true).errors, 3, 'a pgbench that failed voids the run');
});

test('the soak compares its last full period with its first, not the moment after its deadline', (t) => {
  const period = (p99: number, requests = 12_000) => ({ requests, p50: 50, p99, failed: 0 });
  const periods = [period(200), ...Array.from({ length: 8 }, () => period(250)), period(210), period(10, 3)];
  const report = render(
    run(rows, {
      soak: {
        connections: 32,
        peakPerSecond: 400,
        rate: 200,
        seconds: 600,
        result: { ...load(200, 50, 250), periods },
        residentMb: [140, 141, 141, 141, 141, 141, 141, 141, 141, 160, 161],
        periodSeconds: 60,
      },
    }),
    new Date(),
  );
  t.true(report.includes("- last period's p99 / first's: 210 / 200 ms = 1.05 (target ≤ 1.10, within 10%): met"));
  t.true(report.includes("- last period's resident memory / first's: 160 / 140 MB = 1.14 (target ≤ 1.10, within 10%): **missed**"));
  t.false(report.includes('| 11 |'), 'the moment after the deadline is no period');
});

test('the family page with the largest terms allowed is reported by its service CPU per view', (t) => {
  const report = render(run([...rows, row('family-page', load(900, 30, 60), { service: 1.25, postgres: 0.4 })]), new Date());
  t.true(report.includes('| service: GET /contract/:token as a page, the largest terms allowed | 32 | 900 |'));
  t.true(report.includes('from memory): 1.25 ms of service CPU per view at 32 connections.'));
});

test('one club against 32: each pair side by side with its ratio, judged against 0.90 pair by pair', (t) => {
  const pgbench = (perSecond: number, postgres: number, name: ScenarioName) =>
    row(name, load(perSecond, 40, 200), { service: null, postgres });
  const report = render(
    run(rows, {
      clubPairs: [
        {
          what: 'offer-function',
          oneClub: pgbench(400, 4, 'offer-function-one-club'),
          manyClubs: pgbench(800, 2, 'offer-function-32-clubs'),
        },
        {
          what: 'offer-function',
          oneClub: pgbench(950, 2, 'offer-function-one-club'),
          manyClubs: pgbench(1000, 2, 'offer-function-32-clubs'),
        },
        {
          what: 'service',
          oneClub: row('service-one-club', load(450, 60, 200), { service: 0.5, postgres: 1.5 }),
          manyClubs: row('service-32-clubs', load(500, 55, 150), { service: 0.5, postgres: 1.4 }),
        },
        {
          what: 'sign',
          oneClub: row('sign-one-club', load(300, 90, 300), { service: 0.5, postgres: 1.5 }),
          manyClubs: row('sign-32-clubs', load(600, 50, 100), { service: 0.5, postgres: 1.4 }),
        },
      ],
    }),
    new Date(),
  );
  t.true(report.includes('| pgbench: offer_contract, players of one club | 32 | 400 | 40 | 200 | 0 | — | 4.00 | 1.00 | — | 0.50× |'));
  t.true(report.includes('| pgbench: offer_contract, players of 32 clubs | 32 | 800 | 40 | 200 | 0 | — | 2.00 | 1.00 | — |  |'));
  t.true(
    report.includes(
      '- offers through pgbench (offer_contract) (pair 1 of 2), one club / 32 clubs at 32 connections: 400 / 800 per second = ' +
        '0.50× (target ≥ 0.90×, within 10%): **missed**; PostgreSQL CPU per request 4.00 / 2.00 ms',
    ),
  );
  t.true(
    report.includes(
      '(pair 2 of 2), one club / 32 clubs at 32 connections: 950 / 1,000 per second = 0.95× (target ≥ 0.90×, within 10%): met',
    ),
  );
  t.true(report.includes('- offers through the service, one club / 32 clubs at 32 connections: 450 / 500 per second = 0.90×'));
  t.true(report.includes('0.90× (target ≥ 0.90×, within 10%): met; PostgreSQL CPU per request 1.50 / 1.40 ms'));
  t.true(report.includes('| service: signs of one club’s offers | 32 | 300 | 90 | 300 | 0 | 0.50 | 1.50 | 1.00 | 120 | 0.50× |'));
  t.true(report.includes('- signs through the service, one club / 32 clubs at 32 connections: 300 / 600 per second = 0.50×'));
  t.true(report.includes('| service: offers to players of one club | 32 | 450 | 60 | 200 | 0 | 0.50 | 1.50 | 1.00 | 120 | 0.90× |'));

  t.false(render(run(rows), new Date()).includes('One club against 32'), 'no section when the scenario did not run');
});
