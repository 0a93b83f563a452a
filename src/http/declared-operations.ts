import { ADMIN_OPERATIONS } from './admin/routes.ts';
import { FAMILY_OPERATIONS } from './family/routes.ts';
import type { Operation } from './operation.ts';

/** Every operation declared with operation.ts: /openapi.json documents them, tests check their error codes. */
export const DECLARED_OPERATIONS: readonly Operation<never>[] = [...ADMIN_OPERATIONS, ...FAMILY_OPERATIONS];
