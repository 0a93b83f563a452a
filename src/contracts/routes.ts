import { sourceStates } from '../../machines/evaluate.ts';
import { AppError, refusalOfSqlState } from '../errors.ts';
import { type BulkOfferItem, MAX_BULK_OFFERS, dryRunOfferContracts, offerContracts, selectPlayers } from './bulk-offers.ts';
import { listContractMessages, remindFamilies } from '../mail/contract-messages.ts';
import { playerPath } from '../players/schemas.ts';
import { readContractHistory } from './history-store.ts';
import { readContractStats } from './stats-store.ts';
import { type Offer, listContracts, offerContract, withdrawContract } from './store.ts';
import { json } from '../http/answer-content.ts';
import { MACHINE, RULES_OUT_OF_SYNC } from '../http/machine-reference.ts';
import { contractsCsv } from './csv.ts';
import { decodeCursor, encodeCursor } from '../http/cursor.ts';
import { requestIdOf } from '../http/middleware.ts';
import { z } from '../http/openapi-zod.ts';
import { offerSigners } from '../signers/schemas.ts';
import {
  BULK_OFFER_BODY_LIMIT,
  type BulkOfferResponse,
  bulkOfferBody,
  bulkOfferQuery,
  bulkOfferResponse,
  contractHistory,
  contractListResponse,
  contractStats,
  offerResponse,
  remindersResponse,
  withdrawalResponse,
  type ContractListResponse,
  type ContractStatsResponse,
  type OfferResponse,
  type RemindersResponse,
  type WithdrawalResponse,
  exportContractsQuery,
  listContractsQuery,
  offerBody,
  offerQuery,
  remindBody,
  statsQuery,
  withdrawBody,
} from './schemas.ts';
import { adminOperation, tenantOf } from '../admin/operation.ts';
import { claim, markReplay } from '../admin/idempotency.ts';
import { contractUrl, listedView } from '../admin/views.ts';

export const offer = adminOperation({
  method: 'post',
  path: '/admin/contract/offer',
  operationId: 'offerContract',
  summary: 'Offer a player a contract',
  description: `The OFFER event of ${MACHINE}.`,
  query: offerQuery,
  body: { schema: offerBody },
  idempotent: true,
  answers: { 200: json(offerResponse, 'The new offer. Nothing is written unless the answer is 200.') },
  errors: ['player_not_found', 'offer_exists', 'team_change_required', 'team_not_found', 'rules_out_of_sync'],
  notes: {
    player_not_found: 'also for another club’s player',
    offer_exists: 'an open offer exists; send force=true to replace it',
    rules_out_of_sync: 'the service and its database run different versions of the contract rules, as during a deployment',
  },
  async handle(ctx, { caller: admin, query: { force }, body, idempotencyKey }, deps) {
    const targetTeamId = body.target_team_id ?? null;
    const tenantId = await tenantOf(deps, admin);
    // The machine judges the event here; the function applies that judgement to the player's state
    // under the row lock, in the same single round trip (machines/evaluate.ts sourceStates).
    const allowedFrom = sourceStates({ type: 'OFFER', force, targetTeamId });
    const outcome = await offerContract(
      deps.pool,
      { tenantId, playerId: body.player_id, monthlyFee: body.monthly_fee, targetTeamId, force, actor: admin.actor, allowedFrom },
      claim(deps.idempotency, idempotencyKey, 'offer_contract', {
        player_id: body.player_id,
        monthly_fee: body.monthly_fee,
        target_team_id: targetTeamId,
        force,
        allowed_from: allowedFrom,
      }),
    );
    markReplay(ctx, outcome);
    if (!outcome.replayed) deps.metrics.countTransition('OFFER', outcome.previous_status, outcome.new_status);
    ctx.body = offerAnswer(body.player_id, outcome, deps.contractBaseUrl) satisfies OfferResponse;
  },
});

/** An offer's outcome as the API answers it, with the player and the links. */
function offerAnswer(playerId: number, outcome: Omit<Offer, 'replayed'>, contractBaseUrl: string) {
  return {
    player_id: playerId,
    previous_status: outcome.previous_status,
    new_status: outcome.new_status,
    contract_token: outcome.contract_token,
    contract_url: `${contractBaseUrl}/${outcome.contract_token}`,
    monthly_fee: outcome.monthly_fee,
    team_ids: outcome.team_ids,
    moved_teams: outcome.moved_teams,
    archived: outcome.archived,
    audit_id: outcome.audit_id,
    actor: outcome.actor,
    signers: offerSigners(outcome.signers, contractBaseUrl),
  };
}

export const bulkOffer = adminOperation({
  method: 'post',
  path: '/admin/contract/offers',
  operationId: 'offerContracts',
  summary: 'Offer many players a contract in one request: a list, or every player a selection matches',
  description:
    `Each offer is the OFFER event of ${MACHINE}, with the single offer’s rules, answer, signers, e-mail and audit row; ` +
    'one refused does not stop the others and leaves that player unchanged. `dry_run` runs the very same offers in a ' +
    'transaction that is rolled back, and sends nothing. An Idempotency-Key covers the whole request.',
  query: bulkOfferQuery,
  body: { schema: bulkOfferBody, limit: BULK_OFFER_BODY_LIMIT },
  idempotent: true,
  answers: { 200: json(bulkOfferResponse, 'Each player’s offer or refusal, in order, and their counts.') },
  errors: ['too_many_players', 'rules_out_of_sync'],
  notes: {
    too_many_players: `more than ${MAX_BULK_OFFERS.toLocaleString('en')} players given or selected`,
    rules_out_of_sync: RULES_OUT_OF_SYNC,
  },
  async handle(ctx, { caller: admin, query: { force }, body, idempotencyKey }, deps) {
    const tenantId = await tenantOf(deps, admin);
    const offers: BulkOfferItem[] =
      body.offers?.map((item) => ({ ...item, target_team_id: item.target_team_id ?? null })) ??
      (await selectPlayers(deps.pool, tenantId, body.select ?? {})).map((playerId) => ({
        player_id: playerId,
        monthly_fee: body.monthly_fee ?? 0,
        target_team_id: body.target_team_id ?? null,
      }));
    if (offers.length > MAX_BULK_OFFERS) throw new AppError('too_many_players');
    const dryRun = body.dry_run ?? false;
    const request = { tenantId, offers, force, actor: admin.actor };
    const key = claim(deps.idempotency, idempotencyKey, 'offer_contracts', { ...body, force });
    const outcome = dryRun ? await dryRunOfferContracts(deps.pool, request, key) : await offerContracts(deps.pool, request, key);
    markReplay(ctx, outcome);
    const results = outcome.results.map(({ player_id: playerId, outcome: offered, sqlstate }) => {
      if (offered === undefined) {
        const { code, message } = refusalOfSqlState(sqlstate ?? '');
        return { player_id: playerId, ok: false, offer: null, error: { code, message } };
      }
      if (!outcome.replayed && !dryRun) deps.metrics.countTransition('OFFER', offered.previous_status, offered.new_status);
      const answer = offerAnswer(playerId, offered, deps.contractBaseUrl);
      return {
        player_id: playerId,
        ok: true,
        offer: dryRun
          ? {
              ...answer,
              contract_token: null,
              contract_url: null,
              audit_id: null,
              signers: answer.signers.map((signer) => ({ ...signer, signer_id: null, contract_url: null })),
            }
          : answer,
        error: null,
      };
    });
    const offered = results.filter((result) => result.ok).length;
    ctx.body = { results, summary: { offered, refused: results.length - offered } } satisfies BulkOfferResponse;
  },
});

export const withdrawal = adminOperation({
  method: 'post',
  path: '/admin/contract/withdraw',
  operationId: 'withdrawContract',
  summary: 'Withdraw a player’s open offer',
  description: `The WITHDRAW event of ${MACHINE}: the family’s link then answers 410 \`contract_withdrawn\`, and the offer’s unsent e-mail and reminders are cancelled.`,
  body: { schema: withdrawBody },
  idempotent: true,
  answers: { 200: json(withdrawalResponse, 'The offer is withdrawn. Nothing is written unless the answer is 200.') },
  errors: ['player_not_found', 'no_open_offer', 'rules_out_of_sync'],
  notes: {
    player_not_found: 'also for another club’s player',
    no_open_offer: 'the player has no open offer to withdraw',
    rules_out_of_sync: RULES_OUT_OF_SYNC,
  },
  async handle(ctx, { caller: admin, body, idempotencyKey }, deps) {
    const tenantId = await tenantOf(deps, admin);
    const { replayed, ...outcome } = await withdrawContract(
      deps.pool,
      { tenantId, playerId: body.player_id, reason: body.reason, actor: admin.actor },
      claim(deps.idempotency, idempotencyKey, 'withdraw_contract', { player_id: body.player_id, reason: body.reason }),
    );
    markReplay(ctx, { replayed });
    if (!replayed) deps.metrics.countTransition('WITHDRAW', outcome.previous_status, outcome.new_status);
    ctx.body = { player_id: body.player_id, ...outcome } satisfies WithdrawalResponse;
  },
});

export const contractList = adminOperation({
  method: 'get',
  path: '/admin/contracts',
  operationId: 'listContracts',
  summary: 'The club’s players in one or several contract states, by keyset pages',
  query: listContractsQuery,
  answers: { 200: json(contractListResponse, 'One page.') },
  async handle(ctx, { caller: admin, query }, deps) {
    const rows = await listContracts(deps.pool, await tenantOf(deps, admin), query.status, {
      limit: query.limit + 1, // one more than asked tells whether another page exists
      afterPlayerId: decodeCursor(query.cursor),
    });
    const items = rows.slice(0, query.limit);
    const last = items.at(-1);
    ctx.body = {
      items: items.map((row) => listedView(deps.contractBaseUrl, row)),
      next_cursor: rows.length > query.limit && last !== undefined ? encodeCursor(last.player_id) : null,
    } satisfies ContractListResponse;
  },
});

/** Rows per database read of a CSV export. */
const CSV_PAGE_SIZE = 1000;

/**
 * The same rows as GET /contracts, all of them, as CSV: read in keyset pages of CSV_PAGE_SIZE and
 * streamed, so memory stays flat however large the club. The first page is read before answering,
 * so that its failure is an ordinary error answer.
 */
export const contractExport = adminOperation({
  method: 'get',
  path: '/admin/contracts.csv',
  operationId: 'exportContractsCsv',
  summary: 'Every one of the club’s players in one or several contract states, as a CSV file',
  description:
    'The rows of `GET /admin/contracts` for the same `status`, all of them, in player id order, with a header row: ' +
    '`player_id,name,email,status,monthly_fee,team_ids,contract_url,contract_offered_at,team_names,external_id,' +
    'signed_by,signed_at`. `team_ids` and `team_names` are joined with spaces, in the same order; `signed_at` is ' +
    'ISO 8601 in UTC; null is an empty cell. The file begins with a UTF-8 byte order mark, so that spreadsheets ' +
    "read accents. A cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage return is prefixed with `'` so " +
    'that a spreadsheet does not run it as a formula. Streamed: a failure after the answer started cuts it off.',
  query: exportContractsQuery,
  answers: {
    200: {
      description:
        'The CSV file (`Content-Disposition: attachment; filename="contracts-<status>.csv"`, several states joined with `+`).',
      headers: {
        'Content-Disposition': {
          description: 'attachment; filename="contracts-<status>.csv", e.g. contracts-offered+declined.csv',
          schema: { type: 'string' },
        },
      },
      content: { 'text/csv': { schema: z.string() } },
    },
  },
  async handle(ctx, { caller: admin, query: { status } }, deps) {
    const tenantId = await tenantOf(deps, admin);
    const pageAfter = (afterPlayerId: number) =>
      listContracts(deps.pool, tenantId, status, { limit: CSV_PAGE_SIZE, afterPlayerId });
    const first = await pageAfter(0);
    async function* pages() {
      let page = first;
      for (;;) {
        yield page.map((row) => listedView(deps.contractBaseUrl, row));
        const last = page.at(-1);
        if (page.length < CSV_PAGE_SIZE || last === undefined) return;
        page = await pageAfter(last.player_id);
      }
    }
    ctx.type = 'text/csv; charset=utf-8';
    // `+`, not the query's comma: a header value's commas are where clients that split headers cut it.
    ctx.set('Content-Disposition', `attachment; filename="contracts-${status.join('+')}.csv"`);
    ctx.body = contractsCsv(pages(), (error) => {
      // The status line has gone: all that is left is to cut the answer off, so it is not taken
      // for a whole file (a client that went away has already done so).
      const line = { request_id: requestIdOf(ctx), err: error };
      if (error.code === 'ERR_STREAM_PREMATURE_CLOSE') deps.logger.info(line, 'CSV export: the client went away');
      else deps.logger.error(line, 'CSV export failed after the answer started');
      ctx.res.destroy();
    });
    // Send the status line and headers now, so that a later page's failure, however early, is an
    // answer cut off after them (above), never a second answer.
    ctx.flushHeaders();
  },
});

export const contractStatistics = adminOperation({
  method: 'get',
  path: '/admin/contract/stats',
  operationId: 'getContractStats',
  summary: 'Players per state now, and audit events in a window (default: the last 30 days)',
  query: statsQuery,
  answers: { 200: json(contractStats, 'The counts.') },
  async handle(ctx, { caller: admin, query: window }, deps) {
    const stats = await readContractStats(deps.pool, await tenantOf(deps, admin), window);
    ctx.body = { window, ...stats } satisfies ContractStatsResponse;
  },
});

export const reminders = adminOperation({
  method: 'post',
  path: '/admin/contracts/remind',
  operationId: 'remindFamilies',
  summary: 'E-mail each family named (or every family with an open offer) a reminder with its link',
  description:
    'A player is skipped when not the club’s (`player_not_found`), without an open offer (`not_offered`), or sent ' +
    'a message within the last hour (`reminded_recently`).',
  body: { schema: remindBody },
  answers: { 200: json(remindersResponse, 'What was queued and what was skipped, in the order asked.') },
  async handle(ctx, { caller: admin, body }, deps) {
    const outcome = await remindFamilies(deps.pool, await tenantOf(deps, admin), body.player_ids ?? null, body.dry_run);
    ctx.body = {
      queued: outcome.flatMap((row) => (row.skipped_because === null ? [row.player_id] : [])),
      skipped: outcome.flatMap((row) =>
        row.skipped_because === null ? [] : [{ player_id: row.player_id, reason: row.skipped_because }],
      ),
    } satisfies RemindersResponse;
  },
});

export const playerContract = adminOperation({
  method: 'get',
  path: '/admin/players/{id}/contract',
  operationId: 'getPlayerContract',
  summary: 'A player’s contract, its audit history and the e-mails sent about it, newest first',
  params: playerPath,
  answers: { 200: json(contractHistory, 'The contract.') },
  errors: ['player_not_found'],
  async handle(ctx, { caller: admin, params: { id } }, deps) {
    const tenantId = await tenantOf(deps, admin);
    const contract = await readContractHistory(deps.pool, tenantId, id);
    if (contract === null) throw new AppError('player_not_found');
    const messages = await listContractMessages(deps.pool, tenantId, id);
    ctx.body = contractHistory.parse({
      ...contract,
      player_id: id,
      contract_url: contractUrl(deps.contractBaseUrl, contract.status, contract.contract_token),
      messages,
    });
  },
});

/** The contract operations, in the order /openapi.json lists them. */
export const CONTRACT_OPERATIONS = [
  offer,
  bulkOffer,
  withdrawal,
  contractList,
  contractExport,
  contractStatistics,
  reminders,
  playerContract,
] as const;
