// `npm run bench`'s clubs scenario (docs/PERFORMANCE.md, "How to run"): do one club's transitions
// take turns? They did while every audit row of a club chained onto the club's previous row under
// a lock held to commit; rows now chain per player (sql/contract_audit_log_chain.sql), and the
// target is one club within 10% of 32 clubs, which share nothing. Each pair is the same load twice,
// one club then 32 clubs, every connection (or pgbench client) on players of its own, so that no two
// calls in flight wait for one player's row: whatever else one club's calls share shows here.
import fs from 'node:fs/promises';
import { type DatabasePool, sql } from 'slonik';
import { z } from 'zod';
import type { LoadPlan, PlayerSlice } from './load.ts';
import type { ClubPair, Measurement, ScenarioName } from './report.ts';
import type { OneClubAndMany } from './seed.ts';

/** The target's connections, and as many clubs when spread: one to each connection. */
export const CLUB_CONNECTIONS = 32;
/**
 * 32 × 750 = 24,000 players a side: a sign run at 1,500/s for 15 s uses up 22,500 of their open
 * offers, and an offer run at that rate re-offers no player twice.
 */
export const PLAYERS_PER_CLUB = 750;
/**
 * Interleaved one club, 32 clubs, one club, 32 clubs, for the offers through pgbench and through the
 * service: drift on the shared cores (and a service still warming up) hits both sides.
 */
const PAIRS = 2;

export interface ClubsBench {
  /** pgbench calling bench/offer-function-by-client.sql with 32 clients; null where pgbench is missing. */
  readonly offerFunction: ((name: ScenarioName, variables: Record<string, number>) => Promise<Measurement>) | null;
  /** The service at 32 connections from the load generator. */
  readonly service: (name: ScenarioName, plan: Partial<LoadPlan>) => Promise<Measurement>;
  readonly tokenFor: (slug: string) => Promise<string>;
  readonly superuser: DatabasePool;
  /** Where the signs' tokens go: one club's, then as many of the 32 clubs'. */
  readonly tokensFile: string;
  readonly log: (line: string) => void;
}

export async function compareClubs({ oneClub, manyClubs }: OneClubAndMany, bench: ClubsBench): Promise<ClubPair[]> {
  const slice = manyClubs.playersPerClub;
  const pairs: ClubPair[] = [];

  if (bench.offerFunction !== null) {
    const one = { tfirst: oneClub.tenantId, tstep: 0, pfirst: oneClub.firstPlayerId, slice };
    const many = { tfirst: manyClubs.firstTenantId, tstep: 1, pfirst: manyClubs.firstPlayerId, slice };
    for (let pair = 1; pair <= PAIRS; pair += 1) {
      bench.log(`clubs: offer_contract through pgbench, one club then 32 (pair ${pair} of ${PAIRS})`);
      pairs.push({
        what: 'offer-function',
        oneClub: await bench.offerFunction('offer-function-one-club', one),
        manyClubs: await bench.offerFunction('offer-function-32-clubs', many),
      });
    }
  }

  bench.log(`clubs: offers through the service, one club then 32, ${PAIRS} times`);
  const oneToken = await bench.tokenFor(oneClub.slug);
  const oneSlices: PlayerSlice[] = Array.from({ length: CLUB_CONNECTIONS }, (_, c) => ({
    adminToken: oneToken,
    firstPlayerId: oneClub.firstPlayerId + c * slice,
    players: slice,
  }));
  const manySlices: PlayerSlice[] = [];
  for (const [c, slug] of manyClubs.slugs.entries()) {
    manySlices.push({
      adminToken: await bench.tokenFor(slug),
      firstPlayerId: manyClubs.firstPlayerId + c * slice,
      players: slice,
    });
  }
  for (let pair = 1; pair <= PAIRS; pair += 1) {
    pairs.push({
      what: 'service',
      oneClub: await bench.service('service-one-club', { scenario: 'offer-slices', slices: oneSlices }),
      manyClubs: await bench.service('service-32-clubs', { scenario: 'offer-slices', slices: manySlices }),
    });
  }

  bench.log('clubs: signs through the service, one club then 32');
  const perSide = await writeSignTokens(bench.superuser, { oneClub, manyClubs }, bench.tokensFile);
  const signs = (from: number) => ({ scenario: 'sign', tokensFile: bench.tokensFile, from, count: perSide }) as const;
  pairs.push({
    what: 'sign',
    oneClub: await bench.service('sign-one-club', signs(0)),
    manyClubs: await bench.service('sign-32-clubs', signs(perSide)),
  });
  return pairs;
}

/**
 * The links of both sides, read after the offers: those re-offered every player (still offered) a
 * new one. One club's in random order, then the 32 clubs' taking the clubs in turn, so that the
 * signs in flight at any moment are of as many clubs as there are connections. Returns how many
 * links of each side it wrote: as many of both, so that neither side's run is cut shorter.
 */
async function writeSignTokens(
  superuser: DatabasePool,
  { oneClub, manyClubs }: OneClubAndMany,
  tokensFile: string,
): Promise<number> {
  const token = z.object({ contract_token: z.string() });
  const ofOneClub = await superuser.anyFirst(sql.type(token)`
    SELECT contract_token FROM players
    WHERE tenant_id = ${oneClub.tenantId} AND contract_status = 'offered'
    ORDER BY random()
  `);
  const ofManyClubs = await superuser.anyFirst(sql.type(token)`
    SELECT contract_token FROM players
    WHERE tenant_id BETWEEN ${manyClubs.firstTenantId} AND ${manyClubs.firstTenantId + manyClubs.slugs.length - 1}
      AND contract_status = 'offered'
    ORDER BY row_number() OVER (PARTITION BY tenant_id ORDER BY random()), tenant_id
  `);
  const perSide = Math.min(ofOneClub.length, ofManyClubs.length);
  await fs.writeFile(tokensFile, [...ofOneClub.slice(0, perSide), ...ofManyClubs.slice(0, perSide)].join('\n'));
  return perSide;
}
