import fs from 'node:fs/promises';
import os from 'node:os';
import type { Plan } from './explain.ts';
import type { LoadResult } from './load.ts';
import type { Latencies, SeasonRun } from './season.ts';
import type { ScaleLoad } from './seed.ts';

export type ScenarioName =
  | 'ceiling'
  | 'bare'
  | 'service'
  | 'pgbouncer'
  | 'service-worker'
  | 'anchor'
  | 'anchor-statements'
  | 'offer-function'
  | 'sign-ceiling'
  | 'sign'
  | 'list-ceiling'
  | 'list'
  | 'family-page'
  | 'offer-function-one-club'
  | 'offer-function-32-clubs'
  | 'service-one-club'
  | 'service-32-clubs'
  | 'sign-one-club'
  | 'sign-32-clubs';

export interface Measurement extends LoadResult {
  readonly name: ScenarioName;
  readonly connections: number;
  /** CPU of the process serving HTTP; null where there is none (the ceilings, pgbench). */
  readonly serviceCpuMs: number | null;
  readonly postgresCpuMs: number;
  readonly peakMb: number | null;
  /** Top-level statements the database ran per request (pg_stat_statements). */
  readonly statementsPerRequest: number;
  /** service-worker: e-mails the worker sent during the measurement. */
  readonly mailsSent?: number;
}

/**
 * The clubs scenario: the same transitions at the same connections, each connection on players of
 * its own, once all of one club and once spread over 32 clubs, measured one after the other.
 */
export interface ClubPair {
  readonly what: 'offer-function' | 'service' | 'sign';
  readonly oneClub: Measurement;
  readonly manyClubs: Measurement;
}

export interface ScaleRun {
  readonly load: ScaleLoad;
  readonly before: Measurement;
  readonly after: Measurement;
}

export interface SoakRun {
  readonly connections: number;
  readonly peakPerSecond: number;
  readonly rate: number;
  readonly seconds: number;
  readonly result: LoadResult;
  /** The service's resident memory, the largest seen in each period of the result's. */
  readonly residentMb: readonly number[];
  readonly periodSeconds: number;
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
  /** The connections the targets are judged at. */
  readonly targetConnections: number;
  /** Scenarios that could not run here, each with why. */
  readonly skipped: readonly string[];
  /** Family link lookups: medians of an unknown token (404) and a replaced one (410), in µs. */
  readonly lookups: { readonly count: number; readonly unknownUs: number; readonly replacedUs: number } | null;
  /** One bulk request offering a club's roster, and that club's families signing meanwhile. */
  readonly season: SeasonRun | null;
  readonly plans: readonly Plan[];
  /** In the order they ran; empty when the clubs scenario did not run. */
  readonly clubPairs: readonly ClubPair[];
  readonly scale: ScaleRun | null;
  readonly soak: SoakRun | null;
}

const REPORT = new URL('../docs/PERFORMANCE.md', import.meta.url);
const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

const LABELS: Record<ScenarioName, string> = {
  ceiling: 'ceiling: offer_contract via slonik, no HTTP',
  bare: 'bare: node:http + pg, same call',
  service: 'service: POST /admin/contract/offer?force=true',
  pgbouncer: 'service via PgBouncer (transaction mode, 4 server conns)',
  'service-worker': 'service with its worker sending the e-mail (WORKER=on)',
  'offer-function': 'pgbench: offer_contract, one call per transaction',
  anchor: 'anchor: FastAPI + SQLAlchemy, POST /admin/contract/offer?force=true',
  'anchor-statements': 'pgbench: the anchor’s six statements (orm.sql)',
  'sign-ceiling': 'ceiling: sign_contract_as_signer via slonik, no HTTP',
  sign: 'service: POST /contract/:token/sign',
  'list-ceiling': 'ceiling: a page of listContracts via slonik, no HTTP',
  list: 'service: GET /admin/contracts?status=offered',
  'family-page': 'service: GET /contract/:token as a page, the largest terms allowed',
  'offer-function-one-club': 'pgbench: offer_contract, players of one club',
  'offer-function-32-clubs': 'pgbench: offer_contract, players of 32 clubs',
  'service-one-club': 'service: offers to players of one club',
  'service-32-clubs': 'service: offers to players of 32 clubs',
  'sign-one-club': 'service: signs of one club’s offers',
  'sign-32-clubs': 'service: signs of 32 clubs’ offers',
};

/** What each row is compared with in the table's last column. */
const REFERENCE: Partial<Record<ScenarioName, ScenarioName>> = {
  ceiling: 'ceiling',
  bare: 'ceiling',
  service: 'ceiling',
  pgbouncer: 'ceiling',
  'service-worker': 'ceiling',
  'offer-function': 'ceiling',
  anchor: 'anchor-statements',
  'anchor-statements': 'anchor-statements',
  'sign-ceiling': 'sign-ceiling',
  sign: 'sign-ceiling',
  'list-ceiling': 'list-ceiling',
  list: 'list-ceiling',
};

/** Writes the run's figures into docs/PERFORMANCE.md between its markers, and returns them. */
export async function writeReport(run: Run): Promise<string> {
  const section = render(run, new Date());
  const current = await fs.readFile(REPORT, 'utf8').catch(() => `# Performance\n\n${START}\n${END}\n`);
  const before = current.slice(0, current.indexOf(START) + START.length);
  const after = current.slice(current.indexOf(END));
  await fs.writeFile(REPORT, `${before}\n${section}${after}`);
  return section;
}

const perRequest = (ms: number | null, m: LoadResult) => (ms === null || m.requests === 0 ? null : ms / m.requests);
const fixed = (value: number | null, digits = 2) => (value === null ? '—' : value.toFixed(digits));
const verdict = (met: boolean) => (met ? 'met' : '**missed**');
const whole = (value: number) => Math.round(value).toLocaleString('en');

/** The run as Markdown: the table of every measurement, the targets met or missed, scale and soak. */
export function render(run: Run, at: Date): string {
  const cpu = os.cpus()[0]?.model.trim() ?? 'unknown CPU';
  const lines = [
    `Last run ${at.toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpu}, ${os.cpus().length} cores, ` +
      `${Math.round(os.totalmem() / 2 ** 30)} GiB, Linux ${os.release()}, Node ${process.version}, PostgreSQL ` +
      `${run.postgresVersion} (embedded, durable commits). ${run.players.toLocaleString('en')} players with an open ` +
      `offer; pool of ${run.poolSize} connections; ${run.seconds} s per measurement after ${run.warmupSeconds} s of ` +
      'warm-up; load from a separate process; all processes share the same cores.',
    '',
    '| scenario | conns | req/s | p50 ms | p99 ms | non-2xx | service CPU ms/req | PostgreSQL CPU ms/req | statements/req | service peak MB | × reference |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const m of run.measurements) {
    const referenceName = REFERENCE[m.name];
    const reference = run.measurements.find((other) => other.name === referenceName && other.connections === m.connections);
    lines.push(tableRow(m, reference ? `${(m.perSecond / reference.perSecond).toFixed(2)}×` : ''));
  }
  lines.push(
    '',
    '× reference: offers against the offer ceiling, signs and lists against theirs, the anchor against the replay of its ' +
      'statements. statements/req as pg_stat_statements counts them, which is without BEGIN and COMMIT when pgbench sends ' +
      'them as prepared statements (the replay of the anchor runs six).',
    '',
    ...targets(run),
    ...clubs(run.clubPairs),
  );
  if (run.season !== null) {
    const { importRows, importMs, players, dryRunMs, offerMs, offered, chunkedMs, singlesMs, signs } = run.season;
    const row = (label: string, l: Latencies) =>
      `| ${label} | ${l.count} | ${l.p50.toFixed(0)} | ${l.p99.toFixed(0)} | ${l.max.toFixed(0)} |`;
    lines.push(
      `The season at once (bench/season.ts): a ${importRows.toLocaleString('en')}-row roster (two guardians each) ` +
        `imported from one CSV file in ${(importMs / 1000).toFixed(2)} s; ` +
        `${players.toLocaleString('en')} offers in one request took ` +
        `${(offerMs / 1000).toFixed(2)} s (${offered.toLocaleString('en')} offered), its dry run ${(dryRunMs / 1000).toFixed(2)} s; ` +
        `as ten requests of ${players / 10} ${(chunkedMs / 1000).toFixed(2)} s, as ${players.toLocaleString('en')} single offers ` +
        `(8 at a time) ${(singlesMs / 1000).toFixed(2)} s. ` +
        'The same club’s families signing meanwhile, 4 at a time:',
      '',
      '| signs | count | p50 ms | p99 ms | max ms |',
      '|---|---:|---:|---:|---:|',
      row('alone', signs.alone),
      row('during the bulk request', signs.duringBulk),
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
  const familyPage = run.measurements.find((m) => m.name === 'family-page');
  if (familyPage) {
    lines.push(
      `Family page with the largest terms allowed (2,000 links in 100,000 characters, rendered once and then served ` +
        `from memory): ${fixed(perRequest(familyPage.serviceCpuMs, familyPage))} ms of service CPU per view at ` +
        `${familyPage.connections} connections.`,
      '',
    );
  }
  if (run.scale !== null) lines.push(...scale(run.scale));
  if (run.soak !== null) lines.push(...soak(run.soak));
  if (run.plans.length > 0) {
    lines.push('<details><summary>Query plans of the lookups every request makes, after the load</summary>', '');
    for (const { lookup, plan } of run.plans) lines.push(`${lookup}:`, '', '```', plan, '```', '');
    lines.push('</details>', '');
  }
  return `${lines.join('\n')}\n`;
}

/** A measurement as a row of the report's tables, `last` in the last column. */
function tableRow(m: Measurement, last: string): string {
  const failed = m.non2xx + m.errors;
  return (
    `| ${LABELS[m.name]} | ${m.connections} | ${m.perSecond.toFixed(0)} | ${m.p50} | ${m.p99} | ` +
    `${failed === 0 ? '0' : `**${failed} — run void**`} | ${fixed(perRequest(m.serviceCpuMs, m))} | ` +
    `${fixed(perRequest(m.postgresCpuMs, m))} | ${m.statementsPerRequest.toFixed(2)} | ` +
    `${m.peakMb === null ? '—' : m.peakMb.toFixed(0)} | ${last} |`
  );
}

const CLUB_PAIR_TARGET = 0.9;
const CLUB_PAIR_WHAT: Record<ClubPair['what'], string> = {
  'offer-function': 'offers through pgbench (offer_contract)',
  service: 'offers through the service',
  sign: 'signs through the service',
};

/**
 * The clubs scenario's pairs, each row beside its partner, and the target for each:
 * one club's transitions within 10% of the same spread over 32 clubs.
 */
export function clubs(pairs: readonly ClubPair[]): string[] {
  if (pairs.length === 0) return [];
  const lines = [
    'One club against 32 (the clubs scenario): each pair is the same load, every connection (or pgbench client) ' +
      're-offering or signing for players of its own, once all of one club and once spread over 32 clubs, a ' +
      'club to each connection; the runs went in the order shown.',
    '',
    '| scenario | conns | req/s | p50 ms | p99 ms | non-2xx | service CPU ms/req | PostgreSQL CPU ms/req | statements/req | service peak MB | one club / 32 clubs |',
    '|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|',
  ];
  for (const { oneClub, manyClubs } of pairs) {
    lines.push(tableRow(oneClub, `${(oneClub.perSecond / manyClubs.perSecond).toFixed(2)}×`), tableRow(manyClubs, ''));
  }
  lines.push('', 'Targets of the next round (one club no longer taking turns), from this run (met or missed):');
  const seen = new Map<ClubPair['what'], number>();
  for (const { what, oneClub, manyClubs } of pairs) {
    const nth = (seen.get(what) ?? 0) + 1;
    seen.set(what, nth);
    const ofKind = pairs.filter((pair) => pair.what === what).length;
    const label = ofKind > 1 ? ` (pair ${nth} of ${ofKind})` : '';
    const ratio = oneClub.perSecond / manyClubs.perSecond;
    const cpu = (m: Measurement) => fixed(perRequest(m.postgresCpuMs, m));
    lines.push(
      `- ${CLUB_PAIR_WHAT[what]}${label}, one club / 32 clubs at ${oneClub.connections} connections: ` +
        `${whole(oneClub.perSecond)} / ${whole(manyClubs.perSecond)} per second = ${ratio.toFixed(2)}× ` +
        `(target ≥ ${CLUB_PAIR_TARGET.toFixed(2)}×, within 10%): ${verdict(ratio >= CLUB_PAIR_TARGET)}; ` +
        `PostgreSQL CPU per request ${cpu(oneClub)} / ${cpu(manyClubs)} ms`,
    );
  }
  lines.push('');
  return lines;
}

/** The targets, each met or missed, from this run's figures at the target connections (docs/PERFORMANCE.md, "How to run"). */
export function targets(run: Run): string[] {
  const connections = run.targetConnections;
  const find = (name: ScenarioName) => run.measurements.find((m) => m.name === name && m.connections === connections);
  const cpuOf = (m: Measurement | undefined, which: 'serviceCpuMs' | 'postgresCpuMs') => (m ? perRequest(m[which], m) : null);
  const lines = [`Targets at ${connections} connections, from this run (met or missed):`];

  const service = find('service');
  const anchor = find('anchor');
  for (const reason of run.skipped) lines.push(`- not measured: ${reason}.`);
  if (service && anchor) {
    const ratio = service.perSecond / anchor.perSecond;
    lines.push(
      `- service / anchor offers/s: ${whole(service.perSecond)} / ${whole(anchor.perSecond)} = ${ratio.toFixed(1)}× ` +
        `(target ≥ 5×, the long goal 10×): ${verdict(ratio >= 5)}`,
    );
  }
  const offerFunction = cpuOf(find('offer-function'), 'postgresCpuMs');
  const anchorStatements = cpuOf(find('anchor-statements'), 'postgresCpuMs');
  if (offerFunction !== null && anchorStatements !== null) {
    const ratio = offerFunction / anchorStatements;
    lines.push(
      `- PostgreSQL CPU per offer, offer_contract / the anchor's six statements (both through pgbench): ` +
        `${offerFunction.toFixed(2)} / ${anchorStatements.toFixed(2)} ms = ${ratio.toFixed(2)}× (target ≤ 1.5×): ${verdict(ratio <= 1.5)}`,
    );
  }
  const serviceCpu = cpuOf(service, 'serviceCpuMs');
  const bareCpu = cpuOf(find('bare'), 'serviceCpuMs');
  if (serviceCpu !== null && bareCpu !== null) {
    const ratio = serviceCpu / bareCpu;
    lines.push(
      `- service CPU per offer / the bare node:http + pg reference's: ${serviceCpu.toFixed(2)} / ${bareCpu.toFixed(2)} ms = ` +
        `${ratio.toFixed(1)}× (target ≤ 2×): ${verdict(ratio <= 2)}`,
    );
  }
  for (const [name, what] of [
    ['service', 'offers'],
    ['sign', 'signs'],
    ['list', 'list pages'],
  ] as const) {
    const m = find(name);
    if (!m) continue;
    const spread = m.p99 / Math.max(m.p50, 1);
    const reference = find(REFERENCE[name] as ScenarioName);
    const ofCeiling = reference ? m.perSecond / reference.perSecond : null;
    lines.push(
      `- ${what}: p99 / p50 ${m.p99} / ${m.p50} ms = ${spread.toFixed(1)} (target < 4): ${verdict(spread < 4)}` +
        (ofCeiling === null ? '' : `; ${ofCeiling.toFixed(2)}× their ceiling's throughput`) +
        // The target of the bench's first version, kept so that runs stay comparable.
        (name === 'service' && ofCeiling !== null ? ` (target ≥ 0.40×): ${verdict(ofCeiling >= 0.4)}` : ''),
    );
  }
  lines.push(
    `- service peak resident memory over the whole run: ${run.peakMb.toFixed(0)} MB (target < 150 MB): ${verdict(run.peakMb < 150)}`,
  );
  const withWorker = find('service-worker');
  if (withWorker) {
    lines.push(
      `- with its worker in the same process (WORKER=on, the e-mail written to .eml files): ${whole(withWorker.perSecond)} offers/s` +
        (anchor ? ` (${(withWorker.perSecond / anchor.perSecond).toFixed(1)}× the anchor)` : '') +
        `, ${fixed(perRequest(withWorker.serviceCpuMs, withWorker))} ms of its CPU per offer, while it sent ` +
        `${whole((withWorker.mailsSent ?? 0) / withWorker.seconds)} e-mails/s from the queue.`,
    );
  }
  lines.push('');
  return lines;
}

function scale({ load, before, after }: ScaleRun): string[] {
  const total = load.steps.reduce((sum, step) => sum + step.seconds, 0);
  const throughput = after.perSecond / before.perSecond;
  const p99 = after.p99 / Math.max(before.p99, 1);
  const row = (label: string, m: Measurement) =>
    `| ${label} | ${m.perSecond.toFixed(0)} | ${m.p50} | ${m.p99} | ${m.non2xx + m.errors} | ${fixed(perRequest(m.serviceCpuMs, m))} | ${fixed(perRequest(m.postgresCpuMs, m))} |`;
  return [
    `Scale (\`npm run bench -- --scale\`): the database grown to ${whole(load.clubs)} clubs, ${whole(load.players)} players ` +
      `and ${whole(load.auditRows)} audit rows in ${total.toFixed(0)} s (` +
      `${load.steps.map((step) => `${step.step}: ${step.seconds.toFixed(0)} s`).join('; ')}), then the same offers again.`,
    '',
    `| service offers at ${after.connections} connections | req/s | p50 ms | p99 ms | non-2xx | service CPU ms/req | PostgreSQL CPU ms/req |`,
    '|---|---:|---:|---:|---:|---:|---:|',
    row('before growing', before),
    row('after growing', after),
    '',
    `- offers/s after / before: ${throughput.toFixed(2)} (target ≥ 0.85, within 15%): ${verdict(throughput >= 0.85)}`,
    `- p99 after / before: ${p99.toFixed(2)} (target ≤ 1.15, within 15%): ${verdict(p99 <= 1.15)}`,
    '',
  ];
}

function soak(run: SoakRun): string[] {
  const periods = run.result.periods ?? [];
  // Responses that arrive after the deadline make a last period a moment long: leave it out.
  const full = periods
    .slice(0, Math.ceil(run.seconds / run.periodSeconds))
    .map((period, index) => ({ ...period, residentMb: run.residentMb[index] ?? 0 }));
  const first = full[0];
  const last = full.at(-1);
  const lines = [
    `Soak (\`npm run bench -- --soak\`): offers (each moving a player to its other team), signs of those offers and ` +
      `list pages, one of each in turn on each of ${run.connections} connections, at ${whole(run.rate)} req/s — half the ` +
      `${whole(run.peakPerSecond)} req/s the same mix reached at full speed — for ${run.seconds % 60 === 0 ? `${run.seconds / 60} min` : `${run.seconds} s`}.`,
    '',
    `| period (${run.periodSeconds} s) | req/s | p50 ms | p99 ms | non-2xx | service RSS MB (max) |`,
    '|---:|---:|---:|---:|---:|---:|',
    ...full.map(
      (m, index) =>
        `| ${index + 1} | ${(m.requests / run.periodSeconds).toFixed(0)} | ${m.p50} | ${m.p99} | ${m.failed} | ${m.residentMb.toFixed(0)} |`,
    ),
    '',
  ];
  if (first && last && first !== last) {
    const p99 = last.p99 / Math.max(first.p99, 1);
    const rss = last.residentMb / Math.max(first.residentMb, 1);
    lines.push(
      `- last period's p99 / first's: ${last.p99} / ${first.p99} ms = ${p99.toFixed(2)} (target ≤ 1.10, within 10%): ${verdict(p99 <= 1.1)}`,
      `- last period's resident memory / first's: ${last.residentMb.toFixed(0)} / ${first.residentMb.toFixed(0)} MB = ` +
        `${rss.toFixed(2)} (target ≤ 1.10, within 10%): ${verdict(rss <= 1.1)}`,
      '',
    );
  }
  return lines;
}
