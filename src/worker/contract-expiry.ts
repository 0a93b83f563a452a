import type { Task } from 'graphile-worker';
import type { DatabasePool } from 'slonik';
import { z } from 'zod';
import type { Metrics } from '../operations/metrics.ts';
import { expireContract } from '../contracts/store.ts';
import type { AddJob } from './contract-mail-tasks.ts';

const DAY_MS = 24 * 3600 * 1000;

const expiryPayload = z.object({
  tenant_id: z.number().int(),
  player_id: z.number().int(),
  contract_token_sha256: z.string().regex(/^[0-9a-f]{64}$/),
});

/**
 * The offer's deadline (OFFER_VALID_DAYS after it was made), whatever becomes of its e-mail: keyed
 * per player, so a newer offer's deadline replaces it. Scheduled when the offer's e-mail is first
 * taken up, which names the link's hash the deadline belongs to.
 */
export async function scheduleExpiry(
  addJob: AddJob,
  offer: { readonly tenantId: number; readonly playerId: number; readonly tokenSha256: string; readonly offeredAt: number },
  offerValidDays: number,
): Promise<void> {
  await addJob(
    'expire_contract',
    { tenant_id: offer.tenantId, player_id: offer.playerId, contract_token_sha256: offer.tokenSha256 },
    {
      jobKey: `contract-expiry:${offer.tenantId}:${offer.playerId}`,
      runAt: new Date(offer.offeredAt + offerValidDays * DAY_MS),
    },
  );
}

/** The EXPIRE transition at the deadline: it expires only the very offer it was scheduled for, if still open. */
export const expireContractTask =
  ({ pool, metrics }: { readonly pool: DatabasePool; readonly metrics: Metrics }): Task =>
  async (payload) => {
    const expiry = expiryPayload.parse(payload);
    const expired = await expireContract(
      pool,
      expiry.tenant_id,
      expiry.player_id,
      Buffer.from(expiry.contract_token_sha256, 'hex'),
    );
    if (expired) metrics.countTransition('EXPIRE', 'offered', 'expired');
  };
