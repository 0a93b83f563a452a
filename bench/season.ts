// `npm run bench`'s season scenario (docs/PERFORMANCE.md, "The season at once"): a roster imported
// from one CSV file, one request offering a club's whole roster, its dry run first, and families of
// the same club signing meanwhile.
//
// A club of its own: BULK_PLAYERS players without a contract, whom the bulk request offers, and
// SIGNERS players with an open offer, whose families sign through their links. Their signatures run
// in a steady loop before the bulk request (the baseline) and during it; the p99 of each says
// whether a bulk run makes a family of the same club wait.
import { type DatabasePool, sql } from 'slonik';
import { z } from 'zod';

export interface SeasonRun {
  /** A roster of IMPORT_ROWS new players, each with two guardians, imported from one CSV file. */
  readonly importRows: number;
  readonly importMs: number;
  readonly players: number;
  readonly dryRunMs: number;
  readonly offerMs: number;
  readonly offered: number;
  /** The batching alternatives, each on BULK_PLAYERS other players: ten requests of a hundred, and a request per offer. */
  readonly chunkedMs: number;
  readonly singlesMs: number;
  /** Sign latencies of the same club's families, ms: without a bulk run, and during one. */
  readonly signs: { readonly alone: Latencies; readonly duringBulk: Latencies };
}

export interface Latencies {
  readonly count: number;
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

const BULK_PLAYERS = 1_000;
const IMPORT_ROWS = 5_000;
const SIGNERS = 1_500;
/** Families signing at once, one request each at a time. */
const SIGNING_FAMILIES = 4;
const BASELINE_MS = 3_000;
/** A script offering a roster one request per player, as clubs did before the bulk request. */
const SINGLE_OFFER_CONNECTIONS = 8;

export async function runSeason(
  superuser: DatabasePool,
  baseUrl: string,
  tokenFor: (slug: string) => Promise<string>,
  log: (line: string) => void,
): Promise<SeasonRun> {
  const slug = 'bench-season';
  const tenantId = await superuser.oneFirst(
    sql.type(z.object({ id: z.number() }))`INSERT INTO tenants (slug, name) VALUES (${slug}, 'Bench season') RETURNING id`,
  );
  await superuser.query(sql.unsafe`
    INSERT INTO players (tenant_id, name, email)
    SELECT ${tenantId}, 'Season player ' || n, 'season' || n || '@example.test' FROM generate_series(1, ${3 * BULK_PLAYERS + SIGNERS}) AS n
  `);
  const adminToken = await tokenFor(slug);
  const post = async (path: string, body: unknown) => {
    const started = performance.now();
    const response = await fetch(`${baseUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const answer = (await response.json()) as { results?: Array<{ ok: boolean; offer: { contract_token: string } | null }> };
    if (!response.ok) throw new Error(`POST ${path}: ${response.status} ${JSON.stringify(answer)}`);
    return { answer, ms: performance.now() - started };
  };
  log(`season: a roster of ${IMPORT_ROWS} players imported from one CSV file`);
  const roster = [
    'external_id,name,email,team,birth_date,guardian1_name,guardian1_email,guardian2_name,guardian2_email',
    ...Array.from(
      { length: IMPORT_ROWS },
      (_, n) =>
        `R-${n},Roster player ${n},roster${n}@example.test,U${8 + (n % 10)} Team,2015-0${1 + (n % 9)}-1${n % 10},` +
        `Parent A ${n},a${n}@example.test,Parent B ${n},b${n}@example.test`,
    ),
  ].join('\n');
  const importStarted = performance.now();
  const imported = await fetch(`${baseUrl}/admin/players/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'text/csv' },
    body: roster,
  });
  const importMs = performance.now() - importStarted;
  if (!imported.ok) throw new Error(`POST /admin/players/import: ${imported.status} ${await imported.text()}`);

  const playerIds = await superuser.anyFirst(
    sql.type(
      z.object({ id: z.number() }),
    )`SELECT id FROM players WHERE tenant_id = ${tenantId} AND external_id IS NULL ORDER BY id`,
  );
  const bulk = playerIds.slice(0, BULK_PLAYERS);
  const chunked = playerIds.slice(BULK_PLAYERS, 2 * BULK_PLAYERS);
  const singles = playerIds.slice(2 * BULK_PLAYERS, 3 * BULK_PLAYERS);
  const signing = playerIds.slice(3 * BULK_PLAYERS);
  const links: string[] = [];
  for (let from = 0; from < signing.length; from += BULK_PLAYERS) {
    const opened = await post('/admin/contract/offers', {
      offers: signing.slice(from, from + BULK_PLAYERS).map((playerId) => ({ player_id: playerId, monthly_fee: 150 })),
    });
    for (const result of opened.answer.results ?? []) if (result.offer !== null) links.push(result.offer.contract_token);
  }

  const offers = { offers: bulk.map((playerId) => ({ player_id: playerId, monthly_fee: 150 })) };
  log(`season: a dry run of ${BULK_PLAYERS} offers`);
  const dryRun = await post('/admin/contract/offers', { ...offers, dry_run: true });

  const sign = async (token: string) => {
    const started = performance.now();
    const response = await fetch(`${baseUrl}/contract/${token}/sign`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ signed_by: 'Season Family' }),
    });
    await response.arrayBuffer();
    if (response.status !== 200) throw new Error(`sign: ${response.status}`);
    return performance.now() - started;
  };
  /** Families sign, one link each, until `until` resolves; their latencies. */
  const signUntil = async (until: Promise<unknown>): Promise<number[]> => {
    let done = false;
    void until.finally(() => {
      done = true;
    });
    const times: number[] = [];
    await Promise.all(
      Array.from({ length: SIGNING_FAMILIES }, async () => {
        while (!done) {
          const token = links.pop();
          if (token === undefined) return;
          times.push(await sign(token));
        }
      }),
    );
    return times;
  };

  log(`season: families sign for ${BASELINE_MS / 1000} s alone`);
  const alone = await signUntil(new Promise((resolve) => setTimeout(resolve, BASELINE_MS)));
  log(`season: ${BULK_PLAYERS} offers in one request while families sign`);
  const offered = post('/admin/contract/offers', offers);
  const duringBulk = await signUntil(offered);
  const real = await offered;

  log(
    `season: the same as ten requests of ${BULK_PLAYERS / 10}, then as ${BULK_PLAYERS} single offers, ${SINGLE_OFFER_CONNECTIONS} at a time`,
  );
  const chunksStarted = performance.now();
  for (let from = 0; from < chunked.length; from += BULK_PLAYERS / 10) {
    await post('/admin/contract/offers', {
      offers: chunked.slice(from, from + BULK_PLAYERS / 10).map((playerId) => ({ player_id: playerId, monthly_fee: 150 })),
    });
  }
  const chunkedMs = performance.now() - chunksStarted;
  const singlesStarted = performance.now();
  const queue = [...singles];
  await Promise.all(
    Array.from({ length: SINGLE_OFFER_CONNECTIONS }, async () => {
      for (let playerId = queue.pop(); playerId !== undefined; playerId = queue.pop()) {
        await post('/admin/contract/offer', { player_id: playerId, monthly_fee: 150 });
      }
    }),
  );
  const singlesMs = performance.now() - singlesStarted;
  return {
    importRows: IMPORT_ROWS,
    importMs,
    players: BULK_PLAYERS,
    dryRunMs: dryRun.ms,
    offerMs: real.ms,
    offered: (real.answer.results ?? []).filter((result) => result.ok).length,
    chunkedMs,
    singlesMs,
    signs: { alone: latencies(alone), duringBulk: latencies(duringBulk) },
  };
}

function latencies(values: readonly number[]): Latencies {
  const sorted = [...values].sort((a, b) => a - b);
  const at = (quantile: number) => sorted[Math.min(sorted.length - 1, Math.floor(quantile * sorted.length))] ?? 0;
  return { count: sorted.length, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? 0 };
}
