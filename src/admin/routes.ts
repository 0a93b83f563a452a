import Router from '@koa/router';
import { type Operation, registerOperations } from '../http/operation.ts';
import type { AdminRouteDependencies } from './operation.ts';
import { contractExport, contractList, contractStatistics, offer, reminders, withdrawal } from '../contracts/routes.ts';
import { player, playerContract, playerCreation, playerList, playerUpdate } from '../players/routes.ts';
import { teamCreation, teamList, teamUpdate } from '../teams/routes.ts';
import { termsList, termsPublication } from '../terms/routes.ts';

/** Every admin operation, in the order /openapi.json lists them. */
export const ADMIN_OPERATIONS: readonly Operation<AdminRouteDependencies>[] = [
  offer,
  withdrawal,
  contractList,
  contractExport,
  contractStatistics,
  teamCreation,
  teamList,
  playerCreation,
  player,
  playerContract,
  termsPublication,
  termsList,
  reminders,
  playerList,
  playerUpdate,
  teamUpdate,
];

export const adminRoutes = (deps: AdminRouteDependencies): Router => registerOperations(new Router(), ADMIN_OPERATIONS, deps);
