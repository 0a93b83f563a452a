import Router, { type RouterContext, type RouterMiddleware } from '@koa/router';
import type { Logger } from 'pino';
import { AppError, type ErrorCode, toAppError } from '../errors.ts';
import type { FamilyClub, SignedContract } from './store.ts';
import { noteAnsweredError } from '../http/answer-report.ts';
import type { FamilyPages, FormOutcome } from './pages.ts';
import { crossSiteCheck } from '../http/cross-site.ts';
import { requestIdOf } from '../http/middleware.ts';
import { type FamilyLinks, closedLinkCode } from './links.ts';
import { isFormPost, prefersHtml, readFormBody, readQuery } from '../http/request.ts';
import { declineForm, signForm } from './schemas.ts';
import { hasVisibleCharacter, noQuery } from '../http/input.ts';
import { isLanguage } from '../i18n/catalogs.ts';
import { languageOf } from './page-language.ts';
import { answerReceiptPdf } from './api-routes.ts';

export interface FamilyPageRouteDependencies {
  readonly links: FamilyLinks;
  readonly pages: FamilyPages;
  readonly logger: Logger;
  /** CONTRACT_BASE_URL: its origin is where the family's pages are, whatever Host a proxy passes on. */
  readonly contractBaseUrl: string;
}

/** Refusals the family page itself explains (the link is dead, or already answered). */
const PAGE_EXPLAINS = new Set<ErrorCode>([
  'contract_not_found',
  'contract_superseded',
  'contract_already_signed',
  'contract_already_declined',
]);

/**
 * The family page, for browsers: GET /contract/:token when Accept prefers HTML to JSON, and the
 * page's form posts (application/x-www-form-urlencoded), which redirect back to the page so that it
 * works without JavaScript. Every other request on these paths passes on to the JSON API, mounted
 * after this router (family/routes.ts). Errors are answered here, as pages.
 *
 * A program's request for the receipt, a page only, is answered by its declaration (api-routes.ts).
 */
export function familyPageRoutes({ links, pages, logger, contractBaseUrl }: FamilyPageRouteDependencies): Router {
  const refuseCrossSite = crossSiteCheck(contractBaseUrl);
  // Strict, so /contract/<token>/ is not the page: its relative links would resolve elsewhere.
  const router = new Router({ strict: true });

  /**
   * A route of the page's: the requests `takes` picks are answered by `handle`, and whatever fails
   * becomes an error page (a client over its budget of misses gets the page saying to wait); the
   * rest pass on untouched.
   */
  const page =
    (takes: (ctx: RouterContext) => boolean, handle: Handler): RouterMiddleware =>
    async (ctx, next) => {
      if (!takes(ctx)) return next();
      try {
        await handle(ctx, (ctx.params as { token: string }).token);
      } catch (thrown) {
        // A program that posts the form without preferring HTML gets the JSON error body instead.
        if (!prefersHtml(ctx)) throw thrown;
        const error = toAppError(thrown);
        if (error.status >= 500) logger.error({ request_id: requestIdOf(ctx), err: thrown, code: error.code }, 'request failed');
        ctx.status = error.status;
        noteAnsweredError(ctx, error.code);
        ctx.type = 'html';
        ctx.body = pages.error(error.code, error.message, rootOf(ctx.path), languageOf(ctx));
      }
    };

  /**
   * A link a newer offer replaced (410): the page says whom to ask for the newest link and, when a
   * tier change replaced a signed contract, what was signed. Programs get `contract_superseded`.
   */
  const replaced = (ctx: RouterContext, token: string, club: FamilyClub | null, signed: SignedContract | null) => {
    if (!prefersHtml(ctx)) throw new AppError('contract_superseded');
    ctx.status = 410;
    noteAnsweredError(ctx, 'contract_superseded');
    ctx.type = 'html';
    ctx.body = pages.replaced(token, club, signed, rootOf(ctx.path), languageOf(ctx, { club: club?.language }));
  };

  /**
   * A link the club withdrew or that expired (410): the page says so, and whom to ask. Programs get
   * `contract_withdrawn` or `contract_expired`.
   */
  const closed = (ctx: RouterContext, status: 'withdrawn' | 'expired', club: FamilyClub | null) => {
    const error = new AppError(closedLinkCode(status));
    if (!prefersHtml(ctx)) throw error;
    ctx.status = error.status;
    noteAnsweredError(ctx, error.code);
    ctx.type = 'html';
    ctx.body = pages.error(error.code, error.message, rootOf(ctx.path), languageOf(ctx, { club: club?.language }), club);
  };

  router.get(
    '/contract/:token',
    page(prefersHtml, async (ctx, token) => {
      const link = await links.find(ctx, token);
      if (link.kind === 'unknown') throw new AppError('contract_not_found');
      if (link.kind === 'superseded') return replaced(ctx, token, link.club, await links.signed(token));
      if (link.kind === 'closed') return closed(ctx, link.status, link.club);
      // The one query the page reads; others are ignored here alone (every other route refuses them,
      // schemas.ts noQuery), since a mail service's click tracking may add some (utm_…) to the
      // e-mailed link, and a family must still reach its contract. The receipt is as lenient.
      const outcome = ctx.query.outcome;
      const language = languageOf(ctx, {
        signer: link.contract.signers.find((signer) => signer.token === token)?.language,
        club: link.contract.club_language,
      });
      ctx.type = 'html';
      ctx.body = pages.contract(token, link.contract, isFormOutcome(outcome) ? outcome : null, language);
    }),
  );

  router.get(
    '/contract/:token/receipt',
    page(prefersHtml, async (ctx, token) => {
      const signed = await links.signed(token);
      if (signed !== null) {
        ctx.type = 'html';
        ctx.body = pages.receipt(token, signed, languageOf(ctx, { signer: signed.signer_language, club: signed.club_language }));
        return;
      }
      // No signature: say why, as the link's own page would (a replaced one names whom to ask).
      const link = await links.find(ctx, token);
      if (link.kind === 'unknown') throw new AppError('contract_not_found');
      if (link.kind === 'superseded') return replaced(ctx, token, link.club, null);
      if (link.kind === 'closed') return closed(ctx, link.status, link.club);
      throw new AppError('contract_not_signed');
    }),
  );

  // The PDF for a browser (a click on the receipt page's link): the same bytes, but a dead link or
  // a contract not signed gets a page, not JSON.
  router.get(
    '/contract/:token/receipt.pdf',
    page(prefersHtml, async (ctx, token) => {
      // Linked from the receipt page, never e-mailed: no click tracking adds to it, so, as every
      // route but the page and its receipt, it takes no query.
      readQuery(ctx, noQuery);
      answerReceiptPdf(ctx, await links.receiptPdf(ctx, token));
    }),
  );

  router.post(
    '/contract/:token/sign',
    page(
      isFormPost,
      backToPage(async (ctx, token) => {
        refuseCrossSite(ctx);
        readQuery(ctx, noQuery);
        const form = await readFormBody(ctx, signForm);
        ctx.state.pageLanguage = form.language;
        // Not refusals: the family left the name blank or the box unticked, and the page asks again.
        if (form.signed_by === undefined || !hasVisibleCharacter(form.signed_by)) return 'name_missing';
        if (form.agree === undefined) return 'agreement_missing';
        if (form.esign_consent === undefined) return 'consent_missing';
        await links.sign(ctx, token, {
          signedBy: form.signed_by,
          signatureUrl: null,
          esignConsent: true,
          language: form.language ?? null,
        });
        return 'signed';
      }),
    ),
  );

  router.post(
    '/contract/:token/decline',
    page(
      isFormPost,
      backToPage(async (ctx, token) => {
        refuseCrossSite(ctx);
        readQuery(ctx, noQuery);
        ctx.state.pageLanguage = (await readFormBody(ctx, declineForm)).language;
        await links.decline(ctx, token);
        return 'declined';
      }),
    ),
  );

  return router;
}

type Handler = (ctx: RouterContext, token: string) => Promise<void>;

/**
 * A form post's handler: back to the page, which shows the outcome (PRG, so a reload repeats
 * nothing). A post that hits a wrong state or a dead link goes back too, and the page explains it.
 */
function backToPage(perform: (ctx: RouterContext, token: string) => Promise<FormOutcome>): Handler {
  return async (ctx, token) => {
    let outcome: FormOutcome | null;
    try {
      outcome = await perform(ctx, token);
    } catch (error) {
      if (!PAGE_EXPLAINS.has(toAppError(error).code)) throw error;
      outcome = null;
    }
    // Back in the language the form was shown in, whatever would choose it otherwise.
    const query = new URLSearchParams();
    if (outcome !== null) query.set('outcome', outcome);
    if (isLanguage(ctx.state.pageLanguage)) query.set('lang', ctx.state.pageLanguage);
    ctx.status = 303;
    ctx.redirect(`../${token}${query.size === 0 ? '' : `?${query}`}`);
  };
}

/** The way back from the request's URL to the service's root, for the page's relative links (pages.ts). */
function rootOf(path: string): string {
  return '../'.repeat(Math.max(1, path.split('/').length - 2));
}

function isFormOutcome(value: unknown): value is FormOutcome {
  return (
    value === 'signed' ||
    value === 'declined' ||
    value === 'name_missing' ||
    value === 'agreement_missing' ||
    value === 'consent_missing'
  );
}
