import Router from '@koa/router';
import Koa from 'koa';
import type { Logger } from 'pino';
import type { DatabasePool } from 'slonik';
import type { Config } from '../config.ts';
import { AppError, toAppError } from '../errors.ts';
import type { LocalSigningKey } from '../identity/local-signing-key.ts';
import { adminTokenKeys, createAdminTokenVerifier } from '../identity/verify-admin-token.ts';
import { adminRoutes } from './admin-routes.ts';
import { createFamilyPages } from './family-pages.ts';
import { familyRoutes } from './family-routes.ts';

/** What the app runs with besides its configuration. */
export interface AppRuntime {
  readonly pool: DatabasePool;
  readonly logger: Logger;
  /** The local key pair, in local identity mode (SPEC §5); null with an OIDC issuer. */
  readonly localKey: LocalSigningKey | null;
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  // Family pages carry their token in the URL: never send it on as a referrer, never cache it.
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
};

export function createApp(config: Config, { pool, logger, localKey }: AppRuntime): Koa {
  // With TRUST_PROXY, the signer's IP is the one the nearest proxy appended to X-Forwarded-For.
  const app = new Koa({ proxy: config.trustProxy, maxIpsCount: 1 });
  app.silent = true; // errors are answered and logged below, not printed by Koa

  app.use(async (ctx, next) => {
    ctx.set(SECURITY_HEADERS);
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError('not_found');
    } catch (thrown) {
      const error = toAppError(thrown);
      if (error.status >= 500) logger.error({ err: thrown, code: error.code }, 'request failed');
      ctx.status = error.status;
      if (error.status === 401) ctx.set('WWW-Authenticate', 'Bearer');
      // A route that answers browsers renders its errors as a page (see family-routes.ts).
      const renderErrorPage: unknown = ctx.state.renderErrorPage;
      if (typeof renderErrorPage === 'function') {
        ctx.type = 'html';
        ctx.body = renderErrorPage(error);
        return;
      }
      ctx.body = {
        error: { code: error.code, message: error.message, ...(error.details === undefined ? {} : { details: error.details }) },
      };
    }
  });

  const root = new Router();
  if (config.identity.mode === 'local' && localKey !== null) {
    const jwks = { keys: [localKey.publicJwk] };
    root.get('/.well-known/jwks.json', (ctx) => {
      ctx.body = jwks;
    });
  }
  const admin = adminRoutes({
    pool,
    verifyAdminToken: createAdminTokenVerifier(config.identity, adminTokenKeys(config.identity, localKey)),
    contractBaseUrl: config.contractBaseUrl,
  });
  const family = familyRoutes({
    pool,
    pages: createFamilyPages({ contractVersion: config.contractVersion, currency: config.currency }),
    contractVersion: config.contractVersion,
  });

  for (const router of [root, admin, family]) {
    app.use(router.routes());
    app.use(router.allowedMethods({ throw: true, methodNotAllowed: () => new AppError('method_not_allowed') }));
  }
  return app;
}
