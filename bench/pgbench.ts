import { execFile } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { LoadResult } from './load.ts';

// pgbench, the database's own load generator: what a statement sequence costs PostgreSQL with no
// application in front, as the anchor's README measures its design (bench/anchor/seed-fastapi).

/**
 * A PostgreSQL client program (pgbench, psql): `<NAME>_PATH`, then PATH, then the newest Debian
 * install under /usr/lib/postgresql. Null when there is none.
 */
export function findPostgresTool(name: 'pgbench' | 'psql'): string | null {
  const override = process.env[`${name.toUpperCase()}_PATH`];
  if (override !== undefined) return existsSync(override) ? override : null;
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir !== '' && existsSync(path.join(dir, name))) return path.join(dir, name);
  }
  const debian = '/usr/lib/postgresql';
  const versions = existsSync(debian)
    ? readdirSync(debian)
        .filter((version) => /^\d+$/.test(version))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  const found = versions.map((version) => path.join(debian, version, 'bin', name)).find((file) => existsSync(file));
  return found ?? null;
}

export interface PgbenchPlan {
  readonly pgbench: string;
  readonly databaseUrl: string;
  readonly script: string;
  readonly variables: Readonly<Record<string, number>>;
  readonly clients: number;
  readonly seconds: number;
}

/**
 * One pgbench run with prepared statements, as many clients (connections) as asked and a thread
 * per core; latencies from its per-transaction log. A transaction that fails counts as an error.
 */
export async function runPgbench(plan: PgbenchPlan): Promise<LoadResult> {
  const logDir = await fs.mkdtemp(path.join(os.tmpdir(), 'club-contracts-pgbench-'));
  try {
    const args = [
      '--no-vacuum',
      '--protocol=prepared',
      `--client=${plan.clients}`,
      `--jobs=${Math.min(plan.clients, os.cpus().length)}`,
      `--time=${plan.seconds}`,
      `--file=${plan.script}`,
      ...Object.entries(plan.variables).map(([name, value]) => `--define=${name}=${value}`),
      '--log',
      `--log-prefix=${path.join(logDir, 'tx')}`,
      plan.databaseUrl,
    ];
    const { stdout, failed } = await promisify(execFile)(plan.pgbench, args, { maxBuffer: 1 << 20 }).then(
      ({ stdout }) => ({ stdout, failed: false }),
      (error: { stdout?: string; stderr?: string }) => {
        process.stderr.write(`pgbench failed:\n${error.stderr ?? error}\n`);
        return { stdout: error.stdout ?? '', failed: true };
      },
    );
    const latenciesMs: number[] = [];
    for (const file of await fs.readdir(logDir)) {
      for (const line of (await fs.readFile(path.join(logDir, file), 'utf8')).split('\n')) {
        // client_id transaction_no time(µs) script_no time_epoch time_us
        const micros = Number(line.split(' ')[2]);
        if (line !== '' && Number.isFinite(micros)) latenciesMs.push(micros / 1000);
      }
    }
    return pgbenchResult(stdout, latenciesMs, plan.seconds, failed);
  } finally {
    await fs.rm(logDir, { recursive: true, force: true });
  }
}

/** pgbench's summary and per-transaction latencies as the bench's other load generators report them. */
export function pgbenchResult(summary: string, latenciesMs: readonly number[], seconds: number, failed: boolean): LoadResult {
  const number = (pattern: RegExp) => Number(pattern.exec(summary)?.[1] ?? Number.NaN);
  const processed = number(/number of transactions actually processed: (\d+)/);
  const requests = Number.isNaN(processed) ? latenciesMs.length : processed;
  const tps = number(/tps = ([\d.]+)/);
  const failedTransactions = number(/number of failed transactions: (\d+)/);
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  // Tenths of a millisecond: pgbench's transactions take about one.
  const at = (q: number) => Math.round((sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * q))] ?? 0) * 10) / 10;
  return {
    requests,
    seconds,
    perSecond: Number.isNaN(tps) ? requests / seconds : tps,
    p50: at(0.5),
    p99: at(0.99),
    non2xx: 0,
    errors: (Number.isNaN(failedTransactions) ? 0 : failedTransactions) + (failed ? 1 : 0),
  };
}
