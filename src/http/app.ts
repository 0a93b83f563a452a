import { createSecretBox } from '../webhooks/secret-box.ts';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { DatabasePool } from 'slonik';
import type { Config } from '../config.ts';
import type { LocalSigningKey } from '../identity/local-signing-key.ts';
import { cacheVerifiedTokens } from '../identity/verified-token-cache.ts';
import { adminTokenKeys, createAdminTokenVerifier } from '../identity/verify-admin-token.ts';
import { type Metrics, createMetrics } from '../operations/metrics.ts';
import { createReadinessCheck } from '../operations/readiness.ts';
import type { SchemaGate } from '../operations/schema-gate.ts';
import { cachedTenantIds } from '../club/tenant-id-cache.ts';
import { adminRoutes } from '../admin/routes.ts';
import { type Answer, reportAnswers } from './answer-report.ts';
import { assetsRoutes } from './assets-routes.ts';
import { chartRoutes } from './chart-routes.ts';
import { docsRoutes } from './docs-routes.ts';
import { jwksRoutes } from '../identity/jwks-routes.ts';
import { familyApiRoutes } from '../family/routes.ts';
import { createFamilyLinks } from '../family/links.ts';
import { familyPageRoutes } from '../family/page-routes.ts';
import { createFamilyPages } from '../family/pages.ts';
import { answerErrors, answerWrongMethods, observeRequests, requestScope, requireCurrentSchema } from './middleware.ts';
import { openApiDocument } from './openapi.ts';
import { operationsRoutes } from '../operations/routes.ts';
import { cachedTermsHtml } from '../terms/terms-html-cache.ts';

/** What the app runs with besides its configuration. */
export interface AppRuntime {
  readonly pool: DatabasePool;
  readonly logger: Logger;
  /** The local key pair, in local identity mode (docs/PRODUCT.md, "Identity"); null with an OIDC issuer. */
  readonly localKey: LocalSigningKey | null;
  /** Closed while the database lacks a migration this build ships; /readyz checks it again. */
  readonly schemaGate: SchemaGate;
  /** True once shutdown has begun: /readyz then answers 503 so load balancers stop sending. */
  readonly isShuttingDown?: () => boolean;
  /** Shared with the worker when it runs in this process, so /metrics shows its messages too. */
  readonly metrics?: Metrics;
  /** Told of every answer: tests check each against its operation's declaration. */
  readonly reportAnswer?: (answer: Answer) => void;
}

/** Bounds on what the app remembers between requests, so a flood of tokens or clubs takes fixed memory. */
const VERIFIED_TOKENS_KEPT = 1000;
const TENANT_IDS_KEPT = 10_000;
/**
 * The terms' HTML kept, in characters: at most 8 MB (a character takes one or two bytes) of the
 * 96 MB heap production runs with, yet room for ten of the largest HTML terms can make (400,000
 * characters, when every character of 100,000 is escaped) and for hundreds of ordinary ones.
 */
const TERMS_HTML_KEPT_CHARACTERS = 4_000_000;

/** A minute, or less if the issuer's keys are refetched more often: a withdrawn key stops as soon. */
const recheckVerifiedTokensAfterMs = ({ identity }: Config) =>
  Math.min(60_000, identity.mode === 'oidc' ? identity.jwks.cacheMaxAgeSeconds * 1000 : 60_000);

export function createApp(config: Config, runtime: AppRuntime): Koa {
  const { pool, logger, localKey, schemaGate, isShuttingDown = () => false } = runtime;
  // With TRUST_PROXY, the signer's IP is the one the nearest proxy appended to X-Forwarded-For.
  const app = new Koa({ proxy: config.trustProxy, maxIpsCount: 1 });
  app.silent = true; // errors are answered and logged by answerErrors, not printed by Koa
  const metrics = runtime.metrics ?? createMetrics(pool);
  const familyLinks = createFamilyLinks({
    pool,
    metrics,
    contractVersion: config.contractVersion,
    rateLimit: config.familyRateLimit,
  });
  const familyPages = createFamilyPages({
    contractVersion: config.contractVersion,
    currency: config.currency,
    termsHtml: cachedTermsHtml(TERMS_HTML_KEPT_CHARACTERS),
  });

  app.use(requestScope);
  app.use(observeRequests(metrics, logger));
  if (runtime.reportAnswer) app.use(reportAnswers(runtime.reportAnswer));
  app.use(answerErrors(logger));
  app.use(answerWrongMethods);
  app.use(requireCurrentSchema(schemaGate));

  const routers = [
    operationsRoutes({ metrics, checkReadiness: createReadinessCheck(schemaGate, isShuttingDown) }),
    docsRoutes(openApiDocument),
    chartRoutes(),
    assetsRoutes(),
    adminRoutes({
      pool,
      metrics,
      verifyAdminToken: cacheVerifiedTokens(
        createAdminTokenVerifier(config.identity, adminTokenKeys(config.identity, localKey)),
        { maxEntries: VERIFIED_TOKENS_KEPT, recheckAfterMs: recheckVerifiedTokensAfterMs(config) },
      ),
      contractBaseUrl: config.contractBaseUrl,
      idempotency: config.idempotency,
      tenantIds: cachedTenantIds(pool, TENANT_IDS_KEPT),
      logger,
      webhooks: { secrets: createSecretBox(config.webhooks), allowPrivateNetworks: config.webhooks.allowPrivateNetworks },
    }),
    // Two audiences on the same paths: the page's router takes a browser's requests (Accept
    // prefers HTML, or a form post) and passes every other on, so it comes before the JSON API's.
    familyPageRoutes({
      links: familyLinks,
      pages: familyPages,
      logger,
      contractBaseUrl: config.contractBaseUrl,
    }),
    familyApiRoutes({
      links: familyLinks,
      pages: familyPages,
      contractVersion: config.contractVersion,
      contractBaseUrl: config.contractBaseUrl,
    }),
  ];
  if (config.identity.mode === 'local' && localKey !== null) routers.push(jwksRoutes(localKey));

  for (const router of routers) app.use(router.routes());
  return app;
}
