import Router from '@koa/router';
import { crossSiteCheck } from '../http/cross-site.ts';
import type { FamilyLinks } from './links.ts';
import { type Operation, registerOperations } from '../http/operation.ts';
import { declining, familyContract, receipt, receiptPdf, signing } from './api-routes.ts';
import type { FamilyPages } from './pages.ts';
import type { FamilyApiRouteDependencies } from './operation.ts';

/** Every family operation, in the order /openapi.json lists them. */
export const FAMILY_OPERATIONS: readonly Operation<FamilyApiRouteDependencies>[] = [
  familyContract,
  signing,
  declining,
  receipt,
  receiptPdf,
];

/**
 * The family links for programs: the offer, SIGN and DECLINE in JSON, errors as the JSON error
 * body. Mounted after the family page's router, which takes a browser's requests on the same paths
 * (page-routes.ts); every other request is answered here.
 */
export function familyApiRoutes(deps: {
  readonly links: FamilyLinks;
  readonly pages: FamilyPages;
  readonly contractVersion: string;
  /** CONTRACT_BASE_URL: its origin is where the family's pages are, whatever Host a proxy passes on. */
  readonly contractBaseUrl: string;
}): Router {
  // Strict, like the page's router: /contract/<token>/ is no route of either.
  return registerOperations(new Router({ strict: true }), FAMILY_OPERATIONS, {
    links: deps.links,
    pages: deps.pages,
    contractVersion: deps.contractVersion,
    refuseCrossSite: crossSiteCheck(deps.contractBaseUrl),
  });
}
