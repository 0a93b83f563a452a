import { isIP } from 'node:net';
import type { Context } from 'koa';
import type { DatabasePool } from 'slonik';
import type { ContractStatus } from '../../machines/contract.ts';
import { sourceStates } from '../../machines/evaluate.ts';
import { AppError } from '../errors.ts';
import type { Metrics } from '../metrics.ts';
import {
  type AnsweredContract,
  type ContractLink,
  type FamilyContract,
  type SignedContract,
  declineContract,
  findContractByToken,
  findSignedContract,
  signContract,
} from '../store/family-contracts.ts';
import { type RateLimit, admitRequest, createRateLimiter, rateLimitKey } from './rate-limit.ts';

export interface FamilyLinkDependencies {
  readonly pool: DatabasePool;
  readonly metrics: Metrics;
  readonly contractVersion: string;
  /** Requests per client across the family links; null for none. */
  readonly rateLimit: RateLimit | null;
}

/**
 * A family's link, whose token is the only credential: what the JSON API and the family page both
 * do with it, whatever they answer in. One per app, so that both count against one allowance per
 * client and links cannot be probed at speed through either.
 */
export interface FamilyLinks {
  /** Counts the request against its client's allowance: 429 `too_many_requests` once that is spent. */
  admit(ctx: Context): void;
  /** What the link opens, for a page that explains a dead link itself (a replaced one names its club). */
  find(token: string): Promise<ContractLink>;
  /** The contract behind the link: 404 `contract_not_found`, or 410 `contract_superseded`. */
  open(token: string): Promise<FamilyContract>;
  /** The signed contract the link stands for, even once a tier change replaced it; null when none. */
  signed(token: string): Promise<SignedContract | null>;
  sign(ctx: Context, token: string, signedBy: string, signatureUrl: string | null): Promise<AnsweredContract>;
  decline(token: string): Promise<AnsweredContract>;
}

/** 32 random bytes, base64url: anything else is no link, and costs the database nothing. */
const TOKEN_FORMAT = /^[A-Za-z0-9_-]{43}$/;

export function createFamilyLinks({ pool, metrics, contractVersion, rateLimit }: FamilyLinkDependencies): FamilyLinks {
  const limiter = rateLimit === null ? null : createRateLimiter(rateLimit);

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
  ): Promise<AnsweredContract> => {
    if (!TOKEN_FORMAT.test(token)) throw new AppError('contract_not_found');
    const contract = await perform(sourceStates({ type: event }));
    metrics.countTransition(event, contract.previousStatus, contract.status);
    return contract;
  };

  const find = async (token: string): Promise<ContractLink> =>
    TOKEN_FORMAT.test(token) ? findContractByToken(pool, token) : { kind: 'unknown' };

  return {
    admit(ctx) {
      if (limiter !== null) admitRequest(ctx, limiter, rateLimitKey(clientIp(ctx) ?? 'unknown'), metrics.countRateLimited);
    },
    find,
    async open(token) {
      const link = await find(token);
      if (link.kind === 'unknown') throw new AppError('contract_not_found');
      if (link.kind === 'superseded') throw new AppError('contract_superseded');
      if (link.kind === 'closed') throw new AppError(link.status === 'withdrawn' ? 'contract_withdrawn' : 'contract_expired');
      return link.contract;
    },
    signed: async (token) => (TOKEN_FORMAT.test(token) ? findSignedContract(pool, token) : null),
    sign: (ctx, token, signedBy, signatureUrl) =>
      act(token, 'SIGN', (allowedFrom) =>
        signContract(pool, { token, signedBy, signatureUrl, ip: clientIp(ctx), contractVersion }, allowedFrom),
      ),
    decline: (token) => act(token, 'DECLINE', (allowedFrom) => declineContract(pool, token, allowedFrom)),
  };
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
