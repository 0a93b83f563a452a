import type { ContractStatus } from '../../machines/contract.ts';
import type { ListedContract } from '../contracts/store.ts';
import type { Player } from '../players/store.ts';
import type { ContractCsvRow } from '../contracts/csv.ts';
import type { PlayerResponse } from '../players/schemas.ts';

// How the admin answers show the store's rows.

/** The family's link, shown only while it can still be acted on. */
export const contractUrl = (contractBaseUrl: string, status: ContractStatus, token: string | null): string | null =>
  status === 'offered' && token !== null ? `${contractBaseUrl}/${token}` : null;

/** Timestamps leave the API as ISO 8601 in UTC. */
export function isoTime(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}

/** A player in one contract state, as the list and its CSV export show it. */
export const listedView = (contractBaseUrl: string, row: ListedContract): ContractCsvRow => ({
  player_id: row.player_id,
  name: row.name,
  email: row.email,
  status: row.status,
  monthly_fee: row.monthly_fee,
  team_ids: row.team_ids,
  contract_url: contractUrl(contractBaseUrl, row.status, row.contract_token),
  contract_offered_at: isoTime(row.contract_offered_at),
});

export const playerView = (contractBaseUrl: string, player: Player): PlayerResponse => ({
  id: player.id,
  name: player.name,
  email: player.email,
  team_ids: player.team_ids,
  contract_status: player.contract_status,
  monthly_fee: player.monthly_fee,
  contract_url: contractUrl(contractBaseUrl, player.contract_status, player.contract_token),
});
