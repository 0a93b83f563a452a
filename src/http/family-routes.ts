import { isIP } from 'node:net';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import type { DatabasePool } from 'slonik';
import type { ContractStatus } from '../../machines/contract.ts';
import { sourceStates } from '../../machines/evaluate.ts';
import { AppError, type ErrorCode, toAppError } from '../errors.ts';
import type { Metrics } from '../metrics.ts';
import {
  type AnsweredContract,
  type FamilyContract,
  declineContract,
  findContractByToken,
  signContract,
} from '../store/family-contracts.ts';
import type { FamilyPages, FormOutcome } from './family-pages.ts';
import { type RateLimit, createRateLimiter, limitRequests, rateLimitKey } from './rate-limit.ts';
import { isFormPost, readFormBody, readJsonBody } from './request.ts';
import type { FamilyContractResponse } from './responses.ts';
import { declineBody, declineForm, signBody, signForm } from './schemas.ts';

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

  /**
   * SIGN or DECLINE in one round trip: the machine names the states it takes the event from, and
   * the SQL function applies that judgement under the row lock, then answers with the contract as
   * the link now shows it (so a newer offer replacing the link a moment later cannot turn a
   * recorded answer into a 410).
   */
  const act = async (
    token: string,
    event: 'SIGN' | 'DECLINE',
    perform: (allowedFrom: readonly ContractStatus[]) => Promise<AnsweredContract>,
  ): Promise<FamilyContractResponse> => {
    if (!TOKEN_FORMAT.test(token)) throw new AppError('contract_not_found');
    const contract = await perform(sourceStates({ type: event }));
    metrics.countTransition(event, contract.previousStatus, contract.status);
    return view(contract);
  };

  const view = (contract: FamilyContract | AnsweredContract): FamilyContractResponse => ({
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
        // Not refusals: the family left the name blank or the box unticked, and the page asks again.
        if (form.signed_by === undefined || !/\S/.test(form.signed_by)) return 'name_missing';
        if (form.agree === undefined) return 'agreement_missing';
        const signedBy = form.signed_by;
        await act(token, 'SIGN', (allowedFrom) => sign(ctx, token, signedBy, null, allowedFrom));
        return 'signed';
      });
      return;
    }
    const body = await readJsonBody(ctx, signBody);
    ctx.body = await act(token, 'SIGN', (allowedFrom) =>
      sign(ctx, token, body.signed_by, body.signature_url ?? null, allowedFrom),
    );
  });

  router.post('/contract/:token/decline', ...guards, async (ctx) => {
    const { token } = ctx.params as { token: string };
    if (isFormPost(ctx)) {
      await formAction(ctx, token, async () => {
        await readFormBody(ctx, declineForm);
        await act(token, 'DECLINE', (allowedFrom) => declineContract(pool, token, allowedFrom));
        return 'declined';
      });
      return;
    }
    await readJsonBody(ctx, declineBody);
    ctx.body = await act(token, 'DECLINE', (allowedFrom) => declineContract(pool, token, allowedFrom));
  });

  const sign = (
    ctx: Context,
    token: string,
    signedBy: string,
    signatureUrl: string | null,
    allowedFrom: readonly ContractStatus[],
  ) => signContract(pool, { token, signedBy, signatureUrl, ip: clientIp(ctx), contractVersion }, allowedFrom);

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
