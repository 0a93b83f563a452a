import type { ContractStatus } from '../../machines/contract.ts';
import type { ContractCsvRow } from '../contracts/csv.ts';
import { listedContractResponse } from '../contracts/schemas.ts';
import type { ListedContract } from '../contracts/store.ts';
import { type PlayerResponse, playerResponse } from '../players/schemas.ts';
import type { Player } from '../players/store.ts';

// How the admin answers show the store's rows: the row itself, parsed by its answer's schema (which
// drops the token and writes times as ISO 8601), with the family's link in place of the token.

/** The family's link, shown only while it can still be acted on. */
export const contractUrl = (contractBaseUrl: string, status: ContractStatus, token: string | null): string | null =>
  status === 'offered' && token !== null ? `${contractBaseUrl}/${token}` : null;

/** A player in one contract state, as the list and its CSV export show it. */
export const listedView = (contractBaseUrl: string, row: ListedContract): ContractCsvRow =>
  listedContractResponse.parse({ ...row, contract_url: contractUrl(contractBaseUrl, row.status, row.contract_token) });

export const playerView = (contractBaseUrl: string, player: Player): PlayerResponse =>
  playerResponse.parse({ ...player, contract_url: contractUrl(contractBaseUrl, player.contract_status, player.contract_token) });
