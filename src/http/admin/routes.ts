import Router from '@koa/router';
import type { Operation } from '../operation.ts';
import { registerOperations } from '../operation.ts';
import type { AdminRouteDependencies } from './admin-operation.ts';
import { contractExport, contractList, contractStatistics, offer, reminders, withdrawal } from './contracts.ts';
import { player, playerContract, playerCreation, playerList, playerUpdate } from './players.ts';
import { teamCreation, teamList, teamUpdate } from './teams.ts';
import { termsList, termsPublication } from './terms.ts';

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
