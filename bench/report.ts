import fs from 'node:fs/promises';
import os from 'node:os';
import type { Plan } from './explain.ts';
import type { LoadResult } from './load.ts';

export interface Measurement extends LoadResult {
  readonly name: 'ceiling' | 'bare' | 'service' | 'sign' | 'list' | 'pgbouncer';
  readonly connections: number;
  /** CPU of the process serving HTTP; null for the ceiling, which has none. */
  readonly serviceCpuMs: number | null;
  readonly postgresCpuMs: number;
  readonly peakMb: number | null;
  /** Top-level statements the database ran per request (pg_stat_statements). */
  readonly statementsPerRequest: number;
}

export interface Run {
  readonly measurements: readonly Measurement[];
  /** The service process's peak resident memory over the whole run (VmHWM). */
  readonly peakMb: number;
  readonly seconds: number;
  readonly warmupSeconds: number;
  readonly players: number;
  readonly poolSize: number;
  readonly postgresVersion: string;
  /** Family link lookups: medians of an unknown token (404) and a replaced one (410), in µs. */
  readonly lookups: { readonly count: number; readonly unknownUs: number; readonly replacedUs: number } | null;
  readonly plans: readonly Plan[];
}

const REPORT = new URL('../docs/PERFORMANCE.md', import.meta.url);
const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

const LABELS: Record<Measurement['name'], string> = {
  ceiling: 'ceiling: offer_contract via slonik, no HTTP',
  bare: 'bare: node:http + pg, same call',
  service: 'service: POST /admin/contract/offer?force=true',
  pgbouncer: 'service via PgBouncer (transaction mode, 4 server conns)',
  sign: 'service: POST /contract/:token/sign',
  list: 'service: GET /admin/contracts?status=offered',
};

/** Writes the run's figures into docs/PERFORMANCE.md between its markers, and returns them. */
export async function writeReport(run: Run): Promise<string> {
  const section = render(run);
  const current = await fs.readFile(REPORT, 'utf8').catch(() => `# Performance\n\n${START}\n${END}\n`);
  const before = current.slice(0, current.indexOf(START) + START.length);
  const after = current.slice(current.indexOf(END));
  await fs.writeFile(REPORT, `${before}\n${section}${after}`);
  return section;
}

function render(run: Run): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const lines = [
    `Last run ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpu}, ${os.cpus().length} cores, ` +
      `${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}, Node ${process.version}, PostgreSQL ` +
      `${run.postgresVersion} (embedded, durable commits). ${run.players.toLocaleString('en')} players with an open ` +
      `offer; pool of ${run.poolSize} connections; ${run.seconds} s per measurement after ${run.warmupSeconds} s of ` +
      'warm-up; load from a separate process; all processes share the same cores.',
    '',
    '| scenario | conns | req/s | p50 ms | p99 ms | non-2xx | service CPU ms/req | PostgreSQL CPU ms/req | statements/req | service peak MB | × ceiling |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const m of run.measurements) {
    const ceiling = run.measurements.find((other) => other.name === 'ceiling' && other.connections === m.connections);
    const isOffer = m.name === 'ceiling' || m.name === 'bare' || m.name === 'service' || m.name === 'pgbouncer';
    const failed = m.non2xx + m.errors;
    lines.push(
      `| ${LABELS[m.name]} | ${m.connections} | ${m.perSecond.toFixed(0)} | ${m.p50} | ${m.p99} | ` +
        `${failed === 0 ? '0' : `**${failed} — run void**`} | ${m.serviceCpuMs === null ? '—' : (m.serviceCpuMs / m.requests).toFixed(2)} | ` +
        `${(m.postgresCpuMs / m.requests).toFixed(2)} | ${m.statementsPerRequest.toFixed(2)} | ` +
        `${m.peakMb === null ? '—' : m.peakMb.toFixed(0)} | ${isOffer && ceiling ? `${(m.perSecond / ceiling.perSecond).toFixed(2)}×` : ''} |`,
    );
  }
  const at32 = (name: Measurement['name']) => run.measurements.find((m) => m.name === name && m.connections === 32);
  const service = at32('service');
  const ceiling = at32('ceiling');
  lines.push('');
  if (service && ceiling) {
    const ratio = service.perSecond / ceiling.perSecond;
    const spread = service.p99 / Math.max(service.p50, 1);
    lines.push(
      'Targets at 32 connections:',
      `- service / ceiling throughput ${ratio.toFixed(2)}× (target ≥ 0.40×): ${ratio >= 0.4 ? 'met' : '**not met**'}`,
      `- service p99 / p50 ${spread.toFixed(1)} (target < 4): ${spread < 4 ? 'met' : '**not met**'}`,
      `- service peak resident memory ${run.peakMb.toFixed(0)} MB over the whole run (target < 150 MB): ${run.peakMb < 150 ? 'met' : '**not met**'}`,
      '',
    );
  }
  if (run.lookups !== null) {
    const { count, unknownUs, replacedUs } = run.lookups;
    lines.push(
      `Family link lookups, ${count} of each, sequential and interleaved: median unknown ${unknownUs.toFixed(0)} µs ` +
        `(404), replaced ${replacedUs.toFixed(0)} µs (410), ratio ${(replacedUs / unknownUs).toFixed(2)} — a ` +
        'replaced link must not be told from an unknown one by timing.',
      '',
    );
  }
  if (run.plans.length > 0) {
    lines.push('<details><summary>Query plans of the lookups every request makes, after the load</summary>', '');
    for (const { lookup, plan } of run.plans) lines.push(`${lookup}:`, '', '```', plan, '```', '');
    lines.push('</details>', '');
  }
  return `${lines.join('\n')}\n`;
}
