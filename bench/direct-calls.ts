// Child process of bench/main.ts: calls offer_contract straight through slonik, as fast as it can,
// to show what the database side allows with the same pool settings as the service.
import { sql } from 'slonik';
import { createDatabasePool } from '../src/db/pool.ts';

const [url, tenantId, firstPlayer, players, concurrency, seconds, poolSize] = process.argv.slice(2);
const pool = await createDatabasePool(url as string, { maximumPoolSize: Number(poolSize) });
const deadline = Date.now() + Number(seconds) * 1000;
let calls = 0;
let next = 0;

async function worker(): Promise<void> {
  while (Date.now() < deadline) {
    const playerId = Number(firstPlayer) + (next++ % Number(players));
    await pool.query(sql.unsafe`
      SELECT * FROM offer_contract(${Number(tenantId)}, ${playerId}, 150, NULL, true, 'bench@example.test', 'bench')
    `);
    calls += 1;
  }
}

const started = Date.now();
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
const elapsed = (Date.now() - started) / 1000;
await pool.end();
process.stdout.write(JSON.stringify({ perSecond: calls / elapsed, calls }));
