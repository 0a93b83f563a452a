import { isIP } from 'node:net';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { DatabasePool } from 'slonik';
import { evaluate } from '../../machines/evaluate.ts';
import { AppError, type ErrorCode, toAppError } from '../errors.ts';
import type { Metrics } from '../metrics.ts';
import {
  type FamilyContract,
  declineContract,
  findContractByToken,
  signContract,
} from '../store/family-contracts.ts';
import type { FamilyPages, FormOutcome } from './family-pages.ts';
import { type RateLimit, createRateLimiter, limitRequests, rateLimitKey } from './rate-limit.ts';
import { isFormPost, readFormBody, readJsonBody } from './request.ts';
import type { FamilyContractResponse } from './responses.ts';
import { UNSTORABLE_TEXT, declineBody, declineForm, isStorableText, signBody, signForm } from './schemas.ts';

export interface FamilyRouteDependencies {
  readonly pool: DatabasePool;
  readonly metrics: Metrics;
  readonly pages: FamilyPages;
  readonly contractVersion: string;
  /** Requests per client across the family links; null for none. */
  readonly rateLimit: RateLimit | null;
}

const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

/** What a browser is told when a link opens no contract. */
const LINK_PAGES: Partial<Record<ErrorCode, { title: string; message: string }>> = {
  contract_not_found: {
    title: 'We can’t find this contract',
    message: 'Check that you opened the whole link from the club’s e-mail. If it still does not work, ask the club to send it again.',
  },
  contract_superseded: {
    title: 'This offer has been replaced',
    message: 'The club sent you a newer offer. Please use the link in the most recent e-mail from the club.',
  },
  too_many_requests: {
    title: 'Please wait a moment',
    message: 'Many requests came from your network in a short time. Wait a few seconds, then reload this page.',
  },
};

/** Refusals the family page itself explains (the link is dead, or already answered). */
const PAGE_EXPLAINS = new Set<ErrorCode>([
  'contract_not_found',
  'contract_superseded',
  'contract_already_signed',
  'contract_already_declined',
]);

/**
 * SPEC §4 "Family": the token in the path is the only credential. JSON for programs; for browsers
 * (Accept prefers HTML) a page, error pages, and form posts that redirect back to the page (so it
 * works without JavaScript). Each client gets a bounded number of requests, so that tokens cannot
 * be probed at speed.
 */
export function familyRoutes({ pool, metrics, pages, contractVersion, rateLimit }: FamilyRouteDependencies): Router {
  // Strict, so /contract/<token>/ is not the page: its relative links would resolve elsewhere.
  const router = new Router({ strict: true });

  const lookUp = async (token: string): Promise<FamilyContract> => {
    const link = TOKEN_FORMAT.test(token) ? await findContractByToken(pool, token) : { kind: 'unknown' as const };
    if (link.kind === 'unknown') throw new AppError('contract_not_found');
    if (link.kind === 'superseded') throw new AppError('contract_superseded');
    return link.contract;
  };

  /** The machine decides before the database is asked; the SQL function re-checks under its lock. */
  const act = async (
    token: string,
    event: 'SIGN' | 'DECLINE',
    perform: () => Promise<void>,
  ): Promise<FamilyContractResponse> => {
    const contract = await lookUp(token);
    const decision = evaluate(contract.status, { teamIds: contract.teamIds }, { type: event });
    if (!decision.allowed) throw new AppError(decision.refusal);
    await perform();
    metrics.countTransition(event, contract.status, decision.to);
    // The answer is the contract as it was acted on, not read back by its link: a newer offer can
    // replace the link a moment later, and the family would be told 410 about an answer that was
    // recorded. The function found the link still open, so nothing but the status has changed
    // since the lookup (every offer mints a new link). SIGN and DECLINE never lead to `none`.
    return { ...view(contract), status: decision.to as FamilyContractResponse['status'] };
  };

  const view = (contract: FamilyContract): FamilyContractResponse => ({
    player_name: contract.playerName,
    team_names: contract.teamNames,
    monthly_fee: contract.monthlyFee,
    status: contract.status,
    contract_version: contract.signedVersion ?? contractVersion,
  });

  /** Errors on a browser's request become a page, not JSON. */
  const answerBrowsersWithPages: Middleware = async (ctx, next) => {
    if (prefersHtml(ctx)) {
      ctx.state.renderErrorPage = (error: AppError) => {
        const page = LINK_PAGES[error.code] ?? { title: 'Something went wrong', message: error.message };
        return pages.message(page.title, page.message);
      };
    }
    await next();
  };
  const guards: Middleware[] = [answerBrowsersWithPages];
  if (rateLimit !== null) {
    const limiter = createRateLimiter(rateLimit);
    guards.push(limitRequests(limiter, (ctx) => rateLimitKey(clientIp(ctx) ?? 'unknown'), metrics.countRateLimited));
  }

  /** After a form post: back to the page, which shows the outcome (PRG, so a reload repeats nothing). */
  const backToPage = (ctx: Context, token: string, outcome: FormOutcome | null) => {
    ctx.status = 303;
    ctx.redirect(`../${token}${outcome === null ? '' : `?outcome=${outcome}`}`);
  };

  /** Form posts that hit a wrong state or a dead link go back to the page, which explains it. */
  const formAction = async (ctx: Context, token: string, perform: () => Promise<FormOutcome>) => {
    try {
      backToPage(ctx, token, await perform());
    } catch (error) {
      if (!PAGE_EXPLAINS.has(toAppError(error).code)) throw error;
      backToPage(ctx, token, null);
    }
  };

  router.get('/contract/:token', ...guards, async (ctx) => {
    const { token } = ctx.params as { token: string };
    if (prefersHtml(ctx)) {
      const outcome = ctx.query.outcome;
      ctx.type = 'html';
      ctx.body = pages.contract(token, await lookUp(token), isFormOutcome(outcome) ? outcome : null);
      return;
    }
    ctx.body = view(await lookUp(token));
  });

  router.post('/contract/:token/sign', ...guards, async (ctx) => {
    const { token } = ctx.params as { token: string };
    if (isFormPost(ctx)) {
      await formAction(ctx, token, async () => {
        const form = await readFormBody(ctx, signForm);
        const signedBy = typeof form.signed_by === 'string' ? form.signed_by : '';
        if (!/\S/.test(signedBy) || signedBy.length > 200) return 'name_missing';
        if (!isStorableText(signedBy)) {
          throw new AppError('validation_failed', { message: `The form is not valid: "signed_by": ${UNSTORABLE_TEXT}.` });
        }
        if (form.agree !== 'yes') return 'agreement_missing';
        await act(token, 'SIGN', () => sign(ctx, token, signedBy, null));
        return 'signed';
      });
      return;
    }
    const body = await readJsonBody(ctx, signBody);
    ctx.body = await act(token, 'SIGN', () => sign(ctx, token, body.signed_by, body.signature_url ?? null));
  });

  router.post('/contract/:token/decline', ...guards, async (ctx) => {
    const { token } = ctx.params as { token: string };
    if (isFormPost(ctx)) {
      await formAction(ctx, token, async () => {
        await readFormBody(ctx, declineForm);
        await act(token, 'DECLINE', () => declineContract(pool, token));
        return 'declined';
      });
      return;
    }
    await readJsonBody(ctx, declineBody);
    ctx.body = await act(token, 'DECLINE', () => declineContract(pool, token));
  });

  const sign = (ctx: Context, token: string, signedBy: string, signatureUrl: string | null) =>
    signContract(pool, { token, signedBy, signatureUrl, ip: clientIp(ctx), contractVersion });

  return router;
}

function prefersHtml(ctx: Context): boolean {
  return ctx.accepts('json', 'html') === 'html';
}

function isFormOutcome(value: unknown): value is FormOutcome {
  return value === 'signed' || value === 'declined' || value === 'name_missing' || value === 'agreement_missing';
}

/**
 * The signer's address: the socket's, or with TRUST_PROXY the one the nearest proxy appended to
 * X-Forwarded-For (Koa's `proxy` and `maxIpsCount = 1`, set in app.ts). Never a value that is not
 * an IP address.
 */
function clientIp(ctx: Context): string | null {
  for (const candidate of [ctx.ip, ctx.socket.remoteAddress]) {
    const address = candidate?.startsWith('::ffff:') && isIP(candidate.slice(7)) === 4 ? candidate.slice(7) : candidate;
    if (address !== undefined && isIP(address) !== 0) return address;
  }
  return null;
}
