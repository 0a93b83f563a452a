import { ADMIN_OPERATIONS } from '../admin/routes.ts';
import { ASSET_OPERATIONS } from './assets-routes.ts';
import { CHART_OPERATIONS } from './chart-routes.ts';
import { DOCS_OPERATIONS } from './docs-routes.ts';
import { FAMILY_OPERATIONS } from '../family/routes.ts';
import { publicKeys } from '../identity/jwks-routes.ts';
import { MONITORING_OPERATIONS } from '../operations/routes.ts';
import type { Operation } from './operation.ts';

/** Every operation declared with operation.ts: /openapi.json documents them, tests check their error codes. */
export const DECLARED_OPERATIONS: readonly Operation<never>[] = [
  ...ADMIN_OPERATIONS,
  ...FAMILY_OPERATIONS,
  ...MONITORING_OPERATIONS,
  ...DOCS_OPERATIONS,
  publicKeys,
  ...ASSET_OPERATIONS,
  ...CHART_OPERATIONS,
];
