import type { Logger } from 'pino';
import type { DatabasePool } from 'slonik';
import type { IdempotencyConfig } from '../config.ts';
import { AppError } from '../errors.ts';
import type { AdminIdentity, AdminTokenVerifier } from '../identity/verify-admin-token.ts';
import type { Metrics } from '../operations/metrics.ts';
import type { TenantIdLookup } from '../club/tenant-id-cache.ts';
import { operationGroup } from '../http/operation.ts';
import type { WebhookRouteDependencies } from '../webhooks/dependencies.ts';

export interface AdminRouteDependencies {
  readonly pool: DatabasePool;
  readonly metrics: Metrics;
  readonly verifyAdminToken: AdminTokenVerifier;
  readonly contractBaseUrl: string;
  readonly idempotency: IdempotencyConfig;
  readonly tenantIds: TenantIdLookup;
  /** For what goes wrong after an answer has started (a CSV export's later pages). */
  readonly logger: Logger;
  readonly webhooks: WebhookRouteDependencies['webhooks'];
}

/**
 * docs/PRODUCT.md, "Admin". Identity from the token before anything else is read, then input
 * through zod, then the store.
 */
export const adminOperation = operationGroup<AdminRouteDependencies, AdminIdentity>({
  tag: 'admin',
  security: [{ bearer: [] }],
  guard: (ctx, { verifyAdminToken }) => verifyAdminToken(ctx.req.headersDistinct.authorization),
  errors: [
    'unauthenticated',
    'forbidden',
    'validation_failed',
    'database_unavailable',
    'identity_provider_unavailable',
    'migrations_pending',
  ],
  notes: {
    unauthenticated: 'no bearer token, or one that fails verification',
    forbidden: 'no admin role, no tenant claim, or an unknown club',
  },
});

/** The club the token names, by its id; an unknown club is refused as the token's fault. */
export async function tenantOf({ tenantIds }: AdminRouteDependencies, admin: AdminIdentity): Promise<number> {
  const tenantId = await tenantIds(admin.tenantSlug);
  if (tenantId === null) {
    throw new AppError('forbidden', { message: `The club "${admin.tenantSlug}" named by the token does not exist.` });
  }
  return tenantId;
}
