import Router from '@koa/router';
import type { Context } from 'koa';
import type { Logger } from 'pino';
import type { DatabasePool } from 'slonik';
import { sourceStates } from '../../machines/evaluate.ts';
import type { ContractStatus } from '../../machines/contract.ts';
import type { IdempotencyConfig } from '../config.ts';
import { AppError } from '../errors.ts';
import type { AdminIdentity, AdminTokenVerifier } from '../identity/verify-admin-token.ts';
import type { Metrics } from '../metrics.ts';
import { readContractHistory } from '../store/contract-history.ts';
import { listContractMessages, remindFamilies } from '../store/contract-messages.ts';
import { createContractTerms, listContractTerms } from '../store/contract-terms.ts';
import { readContractStats } from '../store/contract-stats.ts';
import { type ListedContract, type OfferOutcome, listContracts, offerContract, withdrawContract } from '../store/contracts.ts';
import { type IdempotencyClaim, idempotencyClaim } from '../store/idempotency.ts';
import type { TenantIdLookup } from '../store/tenant-id-cache.ts';
import { type Player, createPlayer, findPlayer } from '../store/players.ts';
import { createTeam, listTeams } from '../store/teams.ts';
import { type ContractCsvRow, contractsCsv } from './contracts-csv.ts';
import { requestIdOf } from './middleware.ts';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { listPlayers, updatePlayer } from '../store/players.ts';
import { updateTeam } from '../store/teams.ts';
import type { PlayerListResponse } from './responses.ts';
import { listPlayersQuery, noQuery, teamPath, updatePlayerBody, updateTeamBody } from './schemas.ts';
import type {
  ContractHistoryResponse,
  ContractListResponse,
  ContractTermsListResponse,
  ContractTermsResponse,
  ContractStatsResponse,
  OfferResponse,
  PlayerResponse,
  RemindersResponse,
  TeamResponse,
  WithdrawalResponse,
} from './responses.ts';
import { readIdempotencyKey, readJsonBody, readPath, readQuery } from './request.ts';
import {
  TERMS_BODY_LIMIT,
  createContractTermsBody,
  createPlayerBody,
  createTeamBody,
  exportContractsQuery,
  listContractsQuery,
  offerBody,
  offerQuery,
  playerPath,
  remindBody,
  statsQuery,
  withdrawBody,
} from './schemas.ts';

export interface AdminRouteDependencies {
  readonly pool: DatabasePool;
  readonly metrics: Metrics;
  readonly verifyAdminToken: AdminTokenVerifier;
  readonly contractBaseUrl: string;
  readonly idempotency: IdempotencyConfig;
  readonly tenantIds: TenantIdLookup;
  /** For what goes wrong after an answer has started (a CSV export's later pages). */
  readonly logger: Logger;
}

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
  logger,
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

  /** A player in one contract state, as the list and its CSV export show it. */
  const listedView = (row: ListedContract): ContractCsvRow => ({
    player_id: row.player_id,
    name: row.name,
    email: row.email,
    status: row.status,
    monthly_fee: row.monthly_fee,
    team_ids: row.team_ids,
    contract_url: contractUrl(row.status, row.contract_token),
    contract_offered_at: isoTime(row.contract_offered_at),
  });

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
   * An Idempotency-Key travels into the write function with the request's validated input: a retry
   * gets the first outcome again, marked by `Idempotent-Replayed: true`, and writes nothing.
   */
  const claim = (key: string | null, write: string, input: object): IdempotencyClaim | null =>
    key === null ? null : idempotencyClaim(key, idempotency, write, input);
  const markReplay = (ctx: Context, outcome: { readonly replayed: boolean }) => {
    if (outcome.replayed) ctx.set('Idempotent-Replayed', 'true');
  };

  const offerResponse = (playerId: number, result: OfferOutcome): OfferResponse => ({
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
    actor: result.actor,
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
    const outcome = await offerContract(
      pool,
      { tenantId, playerId: body.player_id, monthlyFee: body.monthly_fee, targetTeamId, force, actor: admin.actor, allowedFrom },
      claim(key, 'offer_contract', {
        player_id: body.player_id,
        monthly_fee: body.monthly_fee,
        target_team_id: targetTeamId,
        force,
        allowed_from: allowedFrom,
      }),
    );
    markReplay(ctx, outcome);
    if (!outcome.replayed) metrics.countTransition('OFFER', outcome.previous_status, outcome.new_status);
    ctx.body = offerResponse(body.player_id, outcome);
  });

  router.post('/contract/withdraw', async (ctx) => {
    const admin = await authenticate(ctx);
    readQuery(ctx, noQuery);
    const key = readIdempotencyKey(ctx);
    const body = await readJsonBody(ctx, withdrawBody);
    const tenantId = await tenantOf(admin);
    const { replayed, ...outcome } = await withdrawContract(
      pool,
      { tenantId, playerId: body.player_id, reason: body.reason, actor: admin.actor },
      claim(key, 'withdraw_contract', { player_id: body.player_id, reason: body.reason }),
    );
    markReplay(ctx, { replayed });
    if (!replayed) metrics.countTransition('WITHDRAW', outcome.previous_status, outcome.new_status);
    ctx.body = { player_id: body.player_id, ...outcome } satisfies WithdrawalResponse;
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
      items: items.map(listedView),
      next_cursor: rows.length > query.limit && last !== undefined ? encodeCursor(last.player_id) : null,
    } satisfies ContractListResponse;
  });

  /**
   * The same rows as GET /contracts, all of them, as CSV: read in keyset pages of CSV_PAGE_SIZE and
   * streamed, so memory stays flat however large the club. The first page is read before answering,
   * so that its failure is an ordinary error answer.
   */
  router.get('/contracts.csv', async (ctx) => {
    const admin = await authenticate(ctx);
    const { status } = readQuery(ctx, exportContractsQuery);
    const tenantId = await tenantOf(admin);
    const pageAfter = (afterPlayerId: number) => listContracts(pool, tenantId, status, { limit: CSV_PAGE_SIZE, afterPlayerId });
    const first = await pageAfter(0);
    async function* pages() {
      let page = first;
      for (;;) {
        yield page.map(listedView);
        const last = page.at(-1);
        if (page.length < CSV_PAGE_SIZE || last === undefined) return;
        page = await pageAfter(last.player_id);
      }
    }
    ctx.type = 'text/csv; charset=utf-8';
    ctx.set('Content-Disposition', `attachment; filename="contracts-${status}.csv"`);
    ctx.body = contractsCsv(pages(), (error) => {
      // The status line has gone: all that is left is to cut the answer off, so it is not taken
      // for a whole file (a client that went away has already done so).
      const line = { request_id: requestIdOf(ctx), err: error };
      if (error.code === 'ERR_STREAM_PREMATURE_CLOSE') logger.info(line, 'CSV export: the client went away');
      else logger.error(line, 'CSV export failed after the answer started');
      ctx.res.destroy();
    });
    // Send the status line and headers now, so that a later page's failure, however early, is an
    // answer cut off after them (above), never a second answer.
    ctx.flushHeaders();
  });

  router.post('/teams', async (ctx) => {
    const admin = await authenticate(ctx);
    readQuery(ctx, noQuery);
    const key = readIdempotencyKey(ctx);
    const body = await readJsonBody(ctx, createTeamBody);
    const tenantId = await tenantOf(admin);
    const { replayed, ...created } = await createTeam(pool, tenantId, body.name, claim(key, 'create_team', { name: body.name }));
    markReplay(ctx, { replayed });
    ctx.status = 201;
    ctx.body = created satisfies TeamResponse;
  });

  router.post('/contract-terms', async (ctx) => {
    const admin = await authenticate(ctx);
    readQuery(ctx, noQuery);
    const body = await readJsonBody(ctx, createContractTermsBody, TERMS_BODY_LIMIT);
    const terms = await createContractTerms(pool, await tenantOf(admin), {
      title: body.title,
      body: body.body,
      actor: admin.actor,
    });
    ctx.status = 201;
    ctx.body = { ...terms, created_at: new Date(terms.created_at).toISOString() } satisfies ContractTermsResponse;
  });

  router.get('/contract-terms', async (ctx) => {
    const admin = await authenticate(ctx);
    readQuery(ctx, noQuery);
    const items = await listContractTerms(pool, await tenantOf(admin));
    ctx.body = {
      items: items.map((terms) => ({ ...terms, created_at: new Date(terms.created_at).toISOString() })),
    } satisfies ContractTermsListResponse;
  });

  router.get('/teams', async (ctx) => {
    const admin = await authenticate(ctx);
    readQuery(ctx, noQuery);
    ctx.body = { items: await listTeams(pool, await tenantOf(admin)) };
  });

  router.post('/players', async (ctx) => {
    const admin = await authenticate(ctx);
    readQuery(ctx, noQuery);
    const key = readIdempotencyKey(ctx);
    const body = await readJsonBody(ctx, createPlayerBody);
    const tenantId = await tenantOf(admin);
    const created = await createPlayer(
      pool,
      tenantId,
      { name: body.name, email: body.email, teamIds: body.team_ids },
      claim(key, 'create_player', { name: body.name, email: body.email, team_ids: body.team_ids }),
    );
    markReplay(ctx, created);
    ctx.status = 201;
    ctx.body = playerView(created);
  });

  router.get('/players/:id', async (ctx) => {
    const admin = await authenticate(ctx);
    readQuery(ctx, noQuery);
    const { id } = readPath(ctx, playerPath);
    const player = await findPlayer(pool, await tenantOf(admin), id);
    if (player === null) throw new AppError('player_not_found');
    ctx.body = playerView(player);
  });

  router.get('/players/:id/contract', async (ctx) => {
    const admin = await authenticate(ctx);
    readQuery(ctx, noQuery);
    const { id } = readPath(ctx, playerPath);
    const tenantId = await tenantOf(admin);
    const contract = await readContractHistory(pool, tenantId, id);
    if (contract === null) throw new AppError('player_not_found');
    const messages = await listContractMessages(pool, tenantId, id);
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
      contract_terms_version: contract.contract_terms_version,
      contract_terms_sha256: contract.contract_terms_sha256,
      history: contract.history.map((entry) => ({ ...entry, ts: new Date(entry.ts).toISOString() })),
      messages: messages.map((message) => ({
        ...message,
        created_at: new Date(message.created_at).toISOString(),
        sent_at: isoTime(message.sent_at),
      })),
    } satisfies ContractHistoryResponse;
  });

  router.get('/players', async (ctx) => {
    const admin = await authenticate(ctx);
    const query = readQuery(ctx, listPlayersQuery);
    const tenantId = await tenantOf(admin);
    const rows = await listPlayers(
      pool,
      tenantId,
      { teamId: query.team_id, status: query.status, q: query.q },
      { limit: query.limit + 1, afterPlayerId: decodeCursor(query.cursor) }, // one more tells whether another page exists
    );
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    ctx.body = {
      items: items.map(playerView),
      next_cursor: rows.length > query.limit && last !== undefined ? encodeCursor(last.id) : null,
    } satisfies PlayerListResponse;
  });

  router.patch('/players/:id', async (ctx) => {
    const admin = await authenticate(ctx);
    readQuery(ctx, noQuery);
    const { id } = readPath(ctx, playerPath);
    const body = await readJsonBody(ctx, updatePlayerBody);
    const player = await updatePlayer(pool, await tenantOf(admin), id, {
      name: body.name,
      email: body.email,
      teamIds: body.team_ids,
    });
    ctx.body = playerView(player);
  });

  router.patch('/teams/:id', async (ctx) => {
    const admin = await authenticate(ctx);
    readQuery(ctx, noQuery);
    const { id } = readPath(ctx, teamPath);
    const body = await readJsonBody(ctx, updateTeamBody);
    const renamed = await updateTeam(pool, await tenantOf(admin), id, body.name);
    if (renamed === null) throw new AppError('unknown_team');
    ctx.body = renamed satisfies TeamResponse;
  });

  router.post('/contracts/remind', async (ctx) => {
    const admin = await authenticate(ctx);
    readQuery(ctx, noQuery);
    const body = await readJsonBody(ctx, remindBody);
    const outcome = await remindFamilies(pool, await tenantOf(admin), body.player_ids ?? null, body.dry_run);
    ctx.body = {
      queued: outcome.flatMap((row) => (row.skipped_because === null ? [row.player_id] : [])),
      skipped: outcome.flatMap((row) =>
        row.skipped_because === null ? [] : [{ player_id: row.player_id, reason: row.skipped_because }],
      ),
    } satisfies RemindersResponse;
  });

  return router;
}

/** Rows per database read of a CSV export. */
const CSV_PAGE_SIZE = 1000;

/** Timestamps leave the API as ISO 8601 in UTC. */
function isoTime(epochMs: number | null): string | null {
  return epochMs === null ? null : new Date(epochMs).toISOString();
}

function unknownTenant(admin: AdminIdentity): AppError {
  return new AppError('forbidden', { message: `The club "${admin.tenantSlug}" named by the token does not exist.` });
}
