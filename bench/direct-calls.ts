// Child process of bench/main.ts: the ceiling. offer_contract called straight through slonik with
// the service's pool settings, by `concurrency` callers at once, as fast as they can: what the
// database side allows, with no HTTP, token, validation or machine in front.
import { sql } from 'slonik';
import { createDatabasePool } from '../src/db/pool.ts';

export interface DirectPlan {
  readonly databaseUrl: string;
  readonly tenantId: number;
  readonly firstPlayerId: number;
  readonly players: number;
  readonly concurrency: number;
  readonly poolSize: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
}

const plan = JSON.parse(process.argv[2] as string) as DirectPlan;
const pool = await createDatabasePool(plan.databaseUrl, { maximumPoolSize: plan.poolSize });

async function callFor(seconds: number, latencies: number[] | null): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  const worker = async () => {
    while (Date.now() < deadline) {
      const playerId = plan.firstPlayerId + Math.floor(Math.random() * plan.players);
      const fee = 50 + Math.floor(Math.random() * 500);
      const started = process.hrtime.bigint();
      await pool.query(sql.unsafe`
        SELECT * FROM offer_contract(${plan.tenantId}, ${playerId}, ${fee}, NULL, true, '{none,offered,declined}', 'bench@example.test', 'bench')
      `);
      latencies?.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
}

await callFor(plan.warmupSeconds, null);
process.stdout.write('measuring\n');
const latencies: number[] = [];
const started = Date.now();
await callFor(plan.seconds, latencies);
const seconds = (Date.now() - started) / 1000;
process.stdout.write('measured\n'); // before the pool closes: its backends' CPU time goes with them
await pool.end();
latencies.sort((a, b) => a - b);
const at = (q: number) => Math.round(latencies[Math.floor(latencies.length * q)] ?? 0);
process.stdout.write(
  `${JSON.stringify({ requests: latencies.length, seconds, perSecond: latencies.length / seconds, p50: at(0.5), p99: at(0.99), non2xx: 0, errors: 0 })}\n`,
);
