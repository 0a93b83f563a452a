import Router from '@koa/router';
import type { Context } from 'koa';
import { z } from 'zod';
import type { DatabasePool } from 'slonik';
import { sourceStates } from '../../machines/evaluate.ts';
import type { ContractStatus } from '../../machines/contract.ts';
import type { IdempotencyConfig } from '../config.ts';
import { AppError } from '../errors.ts';
import type { AdminIdentity, AdminTokenVerifier } from '../identity/verify-admin-token.ts';
import type { Metrics } from '../metrics.ts';
import { readContractHistory } from '../store/contract-history.ts';
import { readContractStats } from '../store/contract-stats.ts';
import { type OfferResult, listContracts, offerContract, offerResult } from '../store/contracts.ts';
import { type IdempotentWrite, runIdempotentWrite } from '../store/idempotent-writes.ts';
import type { TenantIdLookup } from '../store/tenant-id-cache.ts';
import { type Player, createPlayer, findPlayer, playerRow } from '../store/players.ts';
import { createTeam, listTeams, teamRow } from '../store/teams.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import type {
  ContractHistoryResponse,
  ContractListResponse,
  ContractStatsResponse,
  OfferResponse,
  PlayerResponse,
} from './responses.ts';
import { readIdempotencyKey, readJsonBody, readPath, readQuery } from './request.ts';
import {
  createPlayerBody,
  createTeamBody,
  listContractsQuery,
  offerBody,
  offerQuery,
  playerPath,
  statsQuery,
} from './schemas.ts';

export interface AdminRouteDependencies {
  readonly pool: DatabasePool;
  readonly metrics: Metrics;
  readonly verifyAdminToken: AdminTokenVerifier;
  readonly contractBaseUrl: string;
  readonly idempotency: IdempotencyConfig;
  readonly tenantIds: TenantIdLookup;
}

/** The offer's outcome as sql/run_idempotent_write stores it: the function's row and who made it. */
const storedOffer = offerResult.extend({ actor: z.string() });

/**
 * docs/PRODUCT.md, "Admin". Each handler: identity from the token, input through zod, then the
 * store.
 */
export function adminRoutes({
  pool,
  metrics,
  verifyAdminToken,
  contractBaseUrl,
  idempotency,
  tenantIds,
}: AdminRouteDependencies): Router {
  const router = new Router({ prefix: '/admin' });

  const authenticate = (ctx: Context): Promise<AdminIdentity> => verifyAdminToken(ctx.req.headersDistinct.authorization);

  const tenantOf = async (admin: AdminIdentity): Promise<number> => {
    const tenantId = await tenantIds(admin.tenantSlug);
    if (tenantId === null) throw unknownTenant(admin);
    return tenantId;
  };

  /** The family's link, shown only while it can still be acted on. */
  const contractUrl = (status: ContractStatus, token: string | null): string | null =>
    status === 'offered' && token !== null ? `${contractBaseUrl}/${token}` : null;

  const playerView = (player: Player): PlayerResponse => ({
    id: player.id,
    name: player.name,
    email: player.email,
    team_ids: player.team_ids,
    contract_status: player.contract_status,
    monthly_fee: player.monthly_fee,
    contract_url: contractUrl(player.contract_status, player.contract_token),
  });

  /**
   * With an Idempotency-Key, the write goes through sql/run_idempotent_write (still one call): a
   * retry gets the first outcome again, marked by `Idempotent-Replayed: true`, and writes nothing.
   */
  const writeOnce = async <S extends z.ZodTypeAny>(
    ctx: Context,
    key: string,
    tenantId: number,
    actor: string,
    write: IdempotentWrite,
    outcome: S,
  ): Promise<{ readonly replayed: boolean; readonly outcome: z.output<S> }> => {
    const result = await runIdempotentWrite(pool, tenantId, actor, { key, ...idempotency }, write, outcome);
    if (result.replayed) ctx.set('Idempotent-Replayed', 'true');
    return result;
  };

  const offerResponse = (playerId: number, result: OfferResult, actor: string): OfferResponse => ({
    player_id: playerId,
    previous_status: result.previous_status,
    new_status: result.new_status,
    contract_token: result.contract_token,
    contract_url: `${contractBaseUrl}/${result.contract_token}`,
    monthly_fee: result.monthly_fee,
    team_ids: result.team_ids,
    moved_teams: result.moved_teams,
    archived: result.archived,
    audit_id: result.audit_id,
    actor,
  });

  router.post('/contract/offer', async (ctx) => {
    const admin = await authenticate(ctx);
    const key = readIdempotencyKey(ctx);
    const { force } = readQuery(ctx, offerQuery);
    const body = await readJsonBody(ctx, offerBody);
    const targetTeamId = body.target_team_id ?? null;
    const tenantId = await tenantOf(admin);

    // The machine judges the event here; the function applies that judgement to the player's state
    // under the row lock, in the same single round trip (machines/evaluate.ts sourceStates).
    const allowedFrom = sourceStates({ type: 'OFFER', force, targetTeamId });
    const offer = {
      tenantId,
      playerId: body.player_id,
      monthlyFee: body.monthly_fee,
      targetTeamId,
      force,
      actor: admin.actor,
      allowedFrom,
    };
    const { replayed, outcome } =
      key === null
        ? { replayed: false, outcome: { ...(await offerContract(pool, offer)), actor: admin.actor } }
        : await writeOnce(ctx, key, tenantId, admin.actor, {
            operation: 'offer_contract',
            args: {
              player_id: body.player_id,
              monthly_fee: body.monthly_fee,
              target_team_id: targetTeamId,
              force,
              allowed_from: allowedFrom,
            },
          }, storedOffer);
    if (!replayed) metrics.countTransition('OFFER', outcome.previous_status, outcome.new_status);
    ctx.body = offerResponse(body.player_id, outcome, outcome.actor);
  });

  router.get('/contract/stats', async (ctx) => {
    const admin = await authenticate(ctx);
    const window = readQuery(ctx, statsQuery);
    const stats = await readContractStats(pool, await tenantOf(admin), window);
    ctx.body = { window, ...stats } satisfies ContractStatsResponse;
  });

  router.get('/contracts', async (ctx) => {
    const admin = await authenticate(ctx);
    const query = readQuery(ctx, listContractsQuery);
    const tenantId = await tenantOf(admin);
    const rows = await listContracts(pool, tenantId, query.status, {
      limit: query.limit + 1, // one more than asked tells whether another page exists
      afterPlayerId: decodeCursor(query.cursor),
    });
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    ctx.body = {
      items: items.map((row) => ({
        player_id: row.player_id,
        name: row.name,
        email: row.email,
        status: row.status,
        monthly_fee: row.monthly_fee,
        team_ids: row.team_ids,
        contract_url: contractUrl(row.status, row.contract_token),
        contract_offered_at: isoTime(row.contract_offered_at),
      })),
      next_cursor: rows.length > query.limit && last !== undefined ? encodeCursor(last.player_id) : null,
    } satisfies ContractListResponse;
  });

  router.post('/teams', async (ctx) => {
    const admin = await authenticate(ctx);
    const key = readIdempotencyKey(ctx);
    const body = await readJsonBody(ctx, createTeamBody);
    const tenantId = await tenantOf(admin);
    const write = { operation: 'create_team', args: { name: body.name } } as const;
    ctx.status = 201;
    ctx.body =
      key === null
        ? await createTeam(pool, tenantId, body.name)
        : (await writeOnce(ctx, key, tenantId, admin.actor, write, teamRow)).outcome;
  });

  router.get('/teams', async (ctx) => {
    const admin = await authenticate(ctx);
    ctx.body = { items: await listTeams(pool, await tenantOf(admin)) };
  });

  router.post('/players', async (ctx) => {
    const admin = await authenticate(ctx);
    const key = readIdempotencyKey(ctx);
    const body = await readJsonBody(ctx, createPlayerBody);
    const tenantId = await tenantOf(admin);
    const write = {
      operation: 'create_player',
      args: { name: body.name, email: body.email, team_ids: body.team_ids },
    } as const;
    const created =
      key === null
        ? await createPlayer(pool, tenantId, { name: body.name, email: body.email, teamIds: body.team_ids })
        : (await writeOnce(ctx, key, tenantId, admin.actor, write, playerRow)).outcome;
    ctx.status = 201;
    ctx.body = playerView(created);
  });

  router.get('/players/:id', async (ctx) => {
    const admin = await authenticate(ctx);
    const { id } = readPath(ctx, playerPath);
    const player = await findPlayer(pool, await tenantOf(admin), id);
    if (player === null) throw new AppError('player_not_found');
    ctx.body = playerView(player);
  });

  router.get('/players/:id/contract', async (ctx) => {
    const admin = await authenticate(ctx);
    const { id } = readPath(ctx, playerPath);
    const contract = await readContractHistory(pool, await tenantOf(admin), id);
    if (contract === null) throw new AppError('player_not_found');
    ctx.body = {
      player_id: id,
      status: contract.status,
      monthly_fee: contract.monthly_fee,
      team_ids: contract.team_ids,
      contract_url: contractUrl(contract.status, contract.contract_token),
      contract_offered_at: isoTime(contract.contract_offered_at),
      contract_offered_by: contract.contract_offered_by,
      contract_signed_at: isoTime(contract.contract_signed_at),
      contract_signed_by: contract.contract_signed_by,
      contract_version: contract.contract_version,
      history: contract.history.map((entry) => ({ ...entry, ts: new Date(entry.ts).toISOString() })),
    } satisfies ContractHistoryResponse;
  });

  return router;
}

/** Timestamps leave the API as ISO 8601 in UTC. */
function isoTime(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}

function unknownTenant(admin: AdminIdentity): AppError {
  return new AppError('forbidden', { message: `The club "${admin.tenantSlug}" named by the token does not exist.` });
}
