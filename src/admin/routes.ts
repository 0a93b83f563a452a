import Router from '@koa/router';
import { CLUB_OPERATIONS } from '../club/routes.ts';
import { CONTRACT_OPERATIONS } from '../contracts/routes.ts';
import { type Operation, registerOperations } from '../http/operation.ts';
import { PLAYER_OPERATIONS } from '../players/routes.ts';
import { TEAM_OPERATIONS } from '../teams/routes.ts';
import { TERMS_OPERATIONS } from '../terms/routes.ts';
import { WEBHOOK_OPERATIONS } from '../webhooks/routes.ts';
import type { AdminRouteDependencies } from './operation.ts';

/** Every admin operation, each resource's in the order its folder lists them. */
export const ADMIN_OPERATIONS: readonly Operation<AdminRouteDependencies>[] = [
  ...CONTRACT_OPERATIONS,
  ...PLAYER_OPERATIONS,
  ...TEAM_OPERATIONS,
  ...TERMS_OPERATIONS,
  ...CLUB_OPERATIONS,
  ...WEBHOOK_OPERATIONS,
];

export const adminRoutes = (deps: AdminRouteDependencies): Router => registerOperations(new Router(), ADMIN_OPERATIONS, deps);
