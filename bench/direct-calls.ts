// Child process of bench/main.ts: the ceiling. The database calls a request makes, straight through
// slonik with the service's pool settings, by `concurrency` callers at once, as fast as they can:
// what the database side allows, with no HTTP, token, validation or machine in front.
//   offer  offer_contract, re-offering a random player
//   sign   signContract (sql/sign_contract_as_signer) on the next unused link of a file of tokens
//   list   listContracts: a page of the club's open offers at a random cursor
import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { sql } from 'slonik';
import { createDatabasePool } from '../src/db/pool.ts';
import { listContracts } from '../src/contracts/store.ts';
import { signContract } from '../src/family/store.ts';

export interface DirectPlan {
  readonly scenario: 'offer' | 'sign' | 'list';
  readonly databaseUrl: string;
  readonly tenantId: number;
  readonly firstPlayerId: number;
  readonly players: number;
  readonly concurrency: number;
  readonly poolSize: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  /** sign: a file of contract tokens, one per line; this run signs lines [from, from + count). */
  readonly tokensFile?: string;
  readonly from?: number;
  readonly count?: number;
}

const plan = JSON.parse(process.argv[2] as string) as DirectPlan;
const pool = await createDatabasePool(plan.databaseUrl, { maximumPoolSize: plan.poolSize });
const randomPlayer = () => plan.firstPlayerId + Math.floor(Math.random() * plan.players);
const tokens =
  plan.scenario === 'sign'
    ? readFileSync(plan.tokensFile as string, 'utf8')
        .split('\n')
        .slice(plan.from ?? 0, (plan.from ?? 0) + (plan.count ?? 0))
    : [];

/** One call; false when there is nothing left to call (the sign's links are used up). */
async function call(): Promise<boolean> {
  switch (plan.scenario) {
    case 'offer': {
      const fee = 50 + Math.floor(Math.random() * 500);
      await pool.query(sql.unsafe`
        SELECT * FROM offer_contract(${plan.tenantId}, ${randomPlayer()}, ${fee}, NULL, true, '{none,offered,declined}', 'bench@example.test', 'bench')
      `);
      return true;
    }
    case 'sign': {
      const token = tokens.pop();
      if (token === undefined) return false;
      await signContract(pool, { token, signedBy: 'Bench Parent', signatureUrl: null, ip: '127.0.0.1', contractVersion: 'v1' });
      return true;
    }
    case 'list':
      await listContracts(pool, plan.tenantId, ['offered'], { limit: 51, afterPlayerId: randomPlayer() });
      return true;
  }
}

async function callFor(seconds: number, latencies: number[] | null): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  const worker = async () => {
    while (Date.now() < deadline) {
      const started = process.hrtime.bigint();
      if (!(await call())) return;
      latencies?.push(Number(process.hrtime.bigint() - started) / 1e6);
    }
  };
  await Promise.all(Array.from({ length: plan.concurrency }, worker));
}

await callFor(plan.warmupSeconds, null);
// The parent starts counting CPU and statements, then answers.
process.stdout.write('warmed\n');
for await (const _ of createInterface({ input: process.stdin })) break;
const latencies: number[] = [];
const started = Date.now();
await callFor(plan.seconds, latencies);
const seconds = (Date.now() - started) / 1000;
await pool.end();
latencies.sort((a, b) => a - b);
const at = (q: number) => Math.round(latencies[Math.floor(latencies.length * q)] ?? 0);
process.stdout.write(
  `${JSON.stringify({ requests: latencies.length, seconds, perSecond: latencies.length / seconds, p50: at(0.5), p99: at(0.99), non2xx: 0, errors: 0 })}\n`,
);
