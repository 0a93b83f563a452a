import { isIP } from 'node:net';
import type { Context } from 'koa';
import type { DatabasePool } from 'slonik';
import type { ContractStatus } from '../../machines/contract.ts';
import { sourceStates } from '../../machines/evaluate.ts';
import { AppError, toAppError } from '../errors.ts';
import { esignDisclosure } from './esign-disclosure.ts';
import { DEFAULT_LANGUAGE } from '../i18n/catalogs.ts';
import type { Metrics } from '../operations/metrics.ts';
import {
  type AnsweredContract,
  type ContractLink,
  type FamilyContract,
  type SignedContract,
  declineContract,
  findContractByToken,
  findSignedContract,
  signContract,
} from './store.ts';
import { type RateLimit, countMiss, createRateLimiter, rateLimitKey } from '../http/rate-limit.ts';
import { type StoredReceipt, readStoredReceipt } from '../receipts/store.ts';

export interface FamilyLinkDependencies {
  readonly pool: DatabasePool;
  readonly metrics: Metrics;
  readonly contractVersion: string;
  /** Misses (links that open no contract) answered per client across the family links; null for no limit. */
  readonly rateLimit: RateLimit | null;
}

/**
 * A family's link, whose token is the only credential: what the JSON API and the family page both
 * do with it, whatever they answer in. One per app, so that both count against one budget per client.
 *
 * The rate limit counts misses, not use: a request is counted only once its lookup proves the token
 * opens no contract (unknown: 404 `contract_not_found`; replaced, withdrawn, expired: 410; a form
 * post on such a link too, though the page answers it with a redirect), and a client whose budget is
 * spent gets 429 instead of that answer. So the limit decides after the lookup — refusing before it
 * would refuse live links too, which 300 parents behind one proxy address must never see — and a
 * request with a live token is always served. A throttled prober still learns that its token is dead
 * (as any holder of it may), but not which kind of dead nor what a dead link's page shows, faster
 * than the configured rate: the 429 is the same for every kind, and comes before the work only one
 * kind adds (the replaced page's signed contract), so it takes as long as the lookup, which costs the
 * same for unknown and replaced tokens (`npm run bench` measures it).
 */
export interface FamilyLinks {
  /**
   * What the link opens, for a page that explains a dead link itself (a replaced one names its club).
   * A dead link is a miss: 429 `too_many_requests` once the client has spent its budget.
   */
  find(ctx: Context, token: string): Promise<ContractLink>;
  /** The contract behind the link: 404 `contract_not_found`, or 410 when replaced, withdrawn or expired (a miss, as for find). */
  open(ctx: Context, token: string): Promise<FamilyContract>;
  /** The signed contract the link stands for, even once a tier change replaced it; null when none. */
  signed(token: string): Promise<SignedContract | null>;
  /**
   * The signed contract of a receipt: as `signed`, or else why there is none, as `open` answers it
   * (a miss when the link is dead), or 404 `contract_not_signed`.
   */
  receipt(ctx: Context, token: string): Promise<SignedContract>;
  /**
   * The sealed PDF of the signed contract the link stands for, as the worker made and recorded it
   * (src/receipts): refused as `receipt` refuses; 404 `receipt_pending` (Retry-After) in the seconds
   * before the worker has made it; 404 `receipt_unavailable` for a contract an operator's override
   * made signed. Reading only: a GET never writes.
   */
  receiptPdf(ctx: Context, token: string): Promise<StoredReceipt>;
  /** SIGN; a dead link is a miss, as for find. */
  /** `esignConsent`: true when given, false when refused, null when the client did not say (older clients). */
  sign(
    ctx: Context,
    token: string,
    signature: {
      readonly signedBy: string;
      readonly signatureUrl: string | null;
      readonly esignConsent: boolean | null;
      /**
       * The language the signer read in: the disclosure and the terms recorded are that language's, and
       * it becomes the signer's (docs/LANGUAGES.md). Null: not said, as clients before languages: English's
       * disclosure and the terms' own text.
       */
      readonly language: string | null;
    },
  ): Promise<AnsweredContract>;
  /** DECLINE; a dead link is a miss, as for find. */
  decline(ctx: Context, token: string): Promise<AnsweredContract>;
}

/** The worker's poll and the making of a PDF take a second or two (docs/RECEIPTS.md). */
const RECEIPT_RETRY_AFTER_SECONDS = 5;

/** 32 random bytes, base64url: anything else is no link, and costs the database nothing. */
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

export function createFamilyLinks({ pool, metrics, contractVersion, rateLimit }: FamilyLinkDependencies): FamilyLinks {
  const limiter = rateLimit === null ? null : createRateLimiter(rateLimit);
  const miss = (ctx: Context) => {
    if (limiter !== null) countMiss(ctx, limiter, rateLimitKey(clientIp(ctx) ?? 'unknown'), metrics.countRateLimited);
  };

  /**
   * SIGN or DECLINE in one round trip: the machine names the states it takes the event from, and
   * the SQL function applies that judgement under the row lock, then answers with the contract as
   * the link now shows it (so a newer offer replacing the link a moment later cannot turn a
   * recorded answer into a 410).
   */
  const act = async (
    ctx: Context,
    token: string,
    event: 'SIGN' | 'DECLINE',
    perform: (allowedFrom: readonly ContractStatus[]) => Promise<AnsweredContract>,
  ): Promise<AnsweredContract> => {
    let contract: AnsweredContract;
    try {
      if (!TOKEN_FORMAT.test(token)) throw new AppError('contract_not_found');
      contract = await perform(sourceStates({ type: event }));
    } catch (error) {
      if (isMiss(toAppError(error))) miss(ctx);
      throw error;
    }
    metrics.countTransition(event, contract.previous_status, contract.status);
    return contract;
  };

  const find = async (ctx: Context, token: string): Promise<ContractLink> => {
    const link: ContractLink = TOKEN_FORMAT.test(token) ? await findContractByToken(pool, token) : { kind: 'unknown' };
    if (link.kind !== 'current') miss(ctx);
    return link;
  };

  const open = async (ctx: Context, token: string): Promise<FamilyContract> => {
    const link = await find(ctx, token);
    if (link.kind === 'unknown') throw new AppError('contract_not_found');
    if (link.kind === 'superseded') throw new AppError('contract_superseded');
    if (link.kind === 'closed') throw new AppError(closedLinkCode(link.status));
    return link.contract;
  };
  const signed = async (token: string) => (TOKEN_FORMAT.test(token) ? findSignedContract(pool, token) : null);

  const receipt = async (ctx: Context, token: string) => {
    const contract = await signed(token);
    if (contract !== null) return contract;
    await open(ctx, token);
    throw new AppError('contract_not_signed');
  };

  return {
    find,
    open,
    signed,
    receipt,
    async receiptPdf(ctx, token) {
      const contract = await receipt(ctx, token);
      if (contract.sign_audit_id === null) throw new AppError('receipt_unavailable');
      const stored = await readStoredReceipt(pool, {
        tenantId: contract.tenant_id,
        playerId: contract.player_id,
        signAuditId: contract.sign_audit_id,
      });
      if (stored !== null) return stored;
      ctx.set('Retry-After', String(RECEIPT_RETRY_AFTER_SECONDS));
      throw new AppError('receipt_pending');
    },
    sign: (ctx, token, { signedBy, signatureUrl, esignConsent, language }) =>
      act(ctx, token, 'SIGN', (allowedFrom) =>
        signContract(
          pool,
          {
            token,
            signedBy,
            signatureUrl,
            ip: clientIp(ctx),
            contractVersion,
            evidence: {
              esignConsent,
              disclosure: esignDisclosure(language ?? DEFAULT_LANGUAGE),
              userAgent: userAgentOf(ctx),
            },
            termsLanguage: language,
          },
          allowedFrom,
        ),
      ),
    decline: (ctx, token) => act(ctx, token, 'DECLINE', (allowedFrom) => declineContract(pool, token, allowedFrom)),
  };
}

/** The code a withdrawn or expired offer's link answers with (410). */
export const closedLinkCode = (status: 'withdrawn' | 'expired') =>
  status === 'withdrawn' ? ('contract_withdrawn' as const) : ('contract_expired' as const);

/** The answers of a link that opens no contract: unknown, or replaced, withdrawn or expired (every 410). */
const isMiss = (error: AppError) => error.code === 'contract_not_found' || error.status === 410;

/** The signer's browser or program as it names itself, kept as evidence; at most 500 characters, printable. */
function userAgentOf(ctx: Context): string | null {
  const agent = ctx
    .get('user-agent')
    .replace(/[^\x20-\x7e]/g, '')
    .slice(0, 500);
  return agent === '' ? null : agent;
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
