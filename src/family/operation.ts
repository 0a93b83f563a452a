import type { Context } from 'koa';
import type { ErrorCode } from '../errors.ts';
import type { FamilyLinks } from './links.ts';
import type { FamilyPages } from './pages.ts';
import { operationGroup } from '../http/operation.ts';

export interface FamilyApiRouteDependencies {
  readonly links: FamilyLinks;
  readonly pages: FamilyPages;
  readonly contractVersion: string;
  /** Refuses a post sent by another site's page (cross-site.ts). */
  readonly refuseCrossSite: (ctx: Context) => void;
}

/**
 * What any family link may answer, for programs and pages alike: the token is the only
 * credential, and a client that tries too many dead ones is slowed down (links.ts).
 */
const LINK_ERRORS: readonly ErrorCode[] = [
  'validation_failed',
  'contract_not_found',
  'contract_superseded',
  'contract_withdrawn',
  'contract_expired',
  'too_many_requests',
  'database_unavailable',
  'migrations_pending',
];

const LINK_NOTES: Readonly<Partial<Record<ErrorCode, string>>> = {
  contract_not_found: 'no contract has this link',
  contract_superseded: 'a newer offer replaced this link; use the newest e-mail',
  contract_withdrawn: 'the club withdrew this offer',
  contract_expired: 'this offer expired unsigned',
  too_many_requests:
    'the link opens no contract and this client has tried too many such links (404 or 410) lately; retry after ' +
    '`Retry-After` seconds. A live link is never refused',
};

// `security: []`: no token, said outright (without it a client would assume one is needed).

/** Reading a link: anyone who holds it. */
export const familyRead = operationGroup<FamilyApiRouteDependencies, void>({
  tag: 'family',
  security: [],
  guard: () => {},
  errors: LINK_ERRORS,
  notes: LINK_NOTES,
});

/** Answering through a link: anyone who holds it, but not from another site's page. */
export const familyAction = operationGroup<FamilyApiRouteDependencies, void>({
  tag: 'family',
  security: [],
  guard: (ctx, { refuseCrossSite }) => refuseCrossSite(ctx),
  errors: ['cross_site_post', ...LINK_ERRORS],
  notes: {
    ...LINK_NOTES,
    cross_site_post:
      'sent by another site’s page, as JSON or as a form (`Sec-Fetch-Site` other than `same-origin` or `none`, or ' +
      'else an `Origin` not the service’s own). Programs, which send neither header, are not refused',
  },
});
