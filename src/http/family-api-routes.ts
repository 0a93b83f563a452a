import Router from '@koa/router';
import type { AnsweredContract, FamilyContract } from '../store/family-contracts.ts';
import { crossSiteCheck } from './cross-site.ts';
import type { FamilyLinks } from './family-links.ts';
import { readJsonBody, readQuery } from './request.ts';
import type { FamilyContractResponse } from './responses.ts';
import { declineBody, noQuery, signBody } from './schemas.ts';

export interface FamilyApiRouteDependencies {
  readonly links: FamilyLinks;
  readonly contractVersion: string;
  /** CONTRACT_BASE_URL: its origin is where the family's pages are, whatever Host a proxy passes on. */
  readonly contractBaseUrl: string;
}

/**
 * The family links for programs: the offer, SIGN and DECLINE in JSON, errors as the JSON error
 * body. Mounted after the family page's router, which takes a browser's requests on the same paths
 * (family-page-routes.ts); every other request is answered here. Posts from another site's page
 * are refused as the page's form posts are (cross-site.ts).
 */
export function familyApiRoutes({ links, contractVersion, contractBaseUrl }: FamilyApiRouteDependencies): Router {
  // Strict, like the page's router: /contract/<token>/ is no route of either.
  const router = new Router({ strict: true });
  const refuseCrossSite = crossSiteCheck(contractBaseUrl);

  const view = (contract: FamilyContract | AnsweredContract): FamilyContractResponse => ({
    club_name: contract.clubName,
    terms: contract.terms,
    player_name: contract.playerName,
    team_names: contract.teamNames,
    monthly_fee: contract.monthlyFee,
    status: contract.status,
    contract_version: contract.signedVersion ?? contractVersion,
  });

  router.get('/contract/:token', async (ctx) => {
    const { token } = ctx.params as { token: string };
    readQuery(ctx, noQuery);
    ctx.body = view(await links.open(ctx, token));
  });

  router.post('/contract/:token/sign', async (ctx) => {
    const { token } = ctx.params as { token: string };
    refuseCrossSite(ctx);
    readQuery(ctx, noQuery);
    const body = await readJsonBody(ctx, signBody);
    ctx.body = view(await links.sign(ctx, token, body.signed_by, body.signature_url ?? null));
  });

  router.post('/contract/:token/decline', async (ctx) => {
    const { token } = ctx.params as { token: string };
    refuseCrossSite(ctx);
    readQuery(ctx, noQuery);
    await readJsonBody(ctx, declineBody);
    ctx.body = view(await links.decline(ctx, token));
  });

  return router;
}
