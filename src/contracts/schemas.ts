import { AUDIT_EVENT_TYPES, CONTRACT_STATUSES } from '../../machines/contract.ts';
import { contractUrl, described, errorDetail, isoTime, offeredAt, playerId, status } from '../http/answers.ts';
import { contractStates, id, isStorableText, pageCursor, pageLimit, UNSTORABLE_TEXT } from '../http/input.ts';
import { REMINDER_SKIP_REASONS, listedMessage } from '../mail/contract-messages.ts';
import { auditEntry, currentContract } from './history-store.ts';
import { listedContract, offer, withdrawal } from './store.ts';
import { z } from '../http/openapi-zod.ts';
import { offerSigner } from '../signers/schemas.ts';

// Request and answer shapes of the contract operations.

export const offerQuery = z
  .object({
    force: z
      .enum(['true', 'false'])
      .transform((value) => value === 'true')
      .default('false')
      .describe('`true` replaces an open offer (its link dies; the old offer goes to the audit log) instead of answering 409.'),
  })
  .strict();

export const withdrawBody = z
  .object({
    player_id: id.openapi({ description: 'The player whose open offer is withdrawn.' }),
    reason: z
      .string()
      .min(1)
      .max(500)
      .regex(/\S/, 'must not be blank')
      .refine(isStorableText, UNSTORABLE_TEXT)
      .openapi({ description: 'Why, kept in the `withdraw` audit row.' }),
  })
  .strict();

export const offerBody = z
  .object({
    player_id: id.openapi({ description: 'The player to offer the contract to.' }),
    monthly_fee: z
      .number()
      .int()
      .min(1)
      .max(1_000_000)
      .openapi({ description: 'The fee per month, a whole amount in CONTRACT_CURRENCY.' }),
    target_team_id: id
      .nullable()
      .optional()
      .openapi({
        description:
          'The team the contract is for. A team not among the player’s teams moves the player to it alone ' +
          '(`moved_teams`); for a signed player that is a tier change, which voids and archives the signed contract, and ' +
          'without it a signed player’s offer is refused (`team_change_required`). Absent or null: the player’s teams stay.',
      }),
  })
  .strict();

export const remindBody = z
  .object({
    player_ids: z
      .array(id)
      .min(1)
      .max(500)
      .optional()
      .openapi({ description: 'The players to remind; without it, every player of the club with an open offer.' }),
    dry_run: z.boolean().default(false).openapi({ description: 'Answer what would be queued, and queue nothing.' }),
  })
  .strict();

export const listContractsQuery = z
  .object({
    status: contractStates('The contract states to list.'),
    limit: pageLimit('Items'),
    cursor: pageCursor,
  })
  .strict();

/** GET /admin/contracts.csv: every player in the states asked for, so no page size and no cursor. */
export const exportContractsQuery = z
  .object({ status: contractStates('The contract states whose players are exported.') })
  .strict();

const instant = z.string().datetime({ offset: true });

/** The window of GET /admin/contract/stats: the last 30 days unless given. */
export const statsQuery = z
  .object({
    since: instant.optional().describe('Start of the window (ISO 8601 with offset); default: 30 days before `until`.'),
    until: instant.optional().describe('End of the window (ISO 8601 with offset); default: now.'),
  })
  .strict()
  .transform(({ since, until }) => {
    const end = until === undefined ? new Date() : new Date(until);
    const start = since === undefined ? new Date(end.getTime() - 30 * 24 * 3600 * 1000) : new Date(since);
    return { since: start.toISOString(), until: end.toISOString() };
  })
  .refine(({ since, until }) => since < until, { message: 'since must be before until', path: ['since'] });

export const offerResponse = described(offer, {
  previous_status: 'The contract’s state before this offer.',
  new_status: 'The contract’s state now: `offered`.',
  contract_token: '32 random bytes, base64url: 43 characters.',
  monthly_fee: 'The fee per month offered, in CONTRACT_CURRENCY.',
  team_ids: 'The ids of the player’s teams after the offer.',
  moved_teams: 'True when `target_team_id` moved the player to another team.',
  archived: 'True when a signed contract was voided (tier change).',
  audit_id: 'The audit row this offer wrote (a forced re-offer, a tier change); null when it wrote none.',
  actor: 'Who made the offer (the token’s e-mail); on an idempotent replay, who made the first request.',
  signers: 'Who signs.',
})
  .extend({
    player_id: playerId,
    signers: z.array(offerSigner).openapi({
      description:
        'Who signs, fixed by this offer (docs/PRODUCT.md, "Who signs"), each with their own link and offer e-mail: ' +
        'the adult player alone, or the listed guardians under the club’s signing policy, or else the player’s e-mail.',
    }),
    contract_url: z.string().url().openapi({ description: 'The family’s link: CONTRACT_BASE_URL/<contract_token>.' }),
  })
  .openapi('Offer');

export const bulkOfferQuery = offerQuery;

/** 1,000 offers of about 70 bytes each, with room to spare; more is 413. */
export const BULK_OFFER_BODY_LIMIT = '128kb';

const bulkOfferItem = offerBody;

export const bulkOfferBody = z
  .object({
    offers: z
      .array(bulkOfferItem)
      .min(1)
      .optional()
      .openapi({ description: 'The offers, in order; each player once. Or `select` instead.' }),
    select: z
      .object({
        team_id: id.optional().openapi({ description: 'Only the players of this team.' }),
        status: z
          .array(z.enum(CONTRACT_STATUSES))
          .min(1)
          .optional()
          .openapi({ description: 'Only the players in one of these contract states; every state when absent.' }),
      })
      .strict()
      .optional()
      .openapi({
        description: 'Every one of the club’s players matching it, by player id; with `monthly_fee`. Or `offers` instead.',
      }),
    monthly_fee: offerBody.shape.monthly_fee.optional().openapi({ description: 'With `select`: the fee offered to each.' }),
    target_team_id: offerBody.shape.target_team_id.openapi({ description: 'With `select`: the team each offer is for.' }),
    dry_run: z.boolean().optional().openapi({
      description: 'Run every offer in a transaction that is rolled back: what would happen, with nothing kept or sent.',
    }),
  })
  .strict()
  .superRefine((body, issues) => {
    if ((body.offers === undefined) === (body.select === undefined)) {
      issues.addIssue({ code: 'custom', path: ['offers'], message: 'give either offers or select' });
    }
    if (body.select !== undefined && body.monthly_fee === undefined) {
      issues.addIssue({ code: 'custom', path: ['monthly_fee'], message: 'required with select' });
    }
    if (body.offers !== undefined && (body.monthly_fee !== undefined || body.target_team_id !== undefined)) {
      issues.addIssue({ code: 'custom', path: ['monthly_fee'], message: 'each offer names its own fee and team' });
    }
    const seen = new Set<number>();
    for (const [index, item] of (body.offers ?? []).entries()) {
      if (seen.has(item.player_id)) {
        issues.addIssue({ code: 'custom', path: ['offers', index, 'player_id'], message: 'this player is offered twice' });
      }
      seen.add(item.player_id);
    }
  });

/** One row's offer: the single offer's answer; in a dry run without the ids and links nothing kept. */
const bulkOffer = offerResponse
  .extend({
    contract_token: offerResponse.shape.contract_token.nullable(),
    contract_url: offerResponse.shape.contract_url.nullable(),
    audit_id: offerResponse.shape.audit_id,
    signers: z
      .array(
        offerSigner.extend({
          signer_id: offerSigner.shape.signer_id.nullable(),
          contract_url: offerSigner.shape.contract_url.nullable(),
        }),
      )
      .openapi({ description: 'Who signs, each with their own link (docs/PRODUCT.md, "Who signs").' }),
  })
  .openapi({
    description:
      'The single offer’s answer (`POST /admin/contract/offer`). In a dry run the token, the links, the signers’ ids and ' +
      'the audit row’s id are null: a dry run keeps no row.',
  });

export const bulkOfferResponse = z
  .object({
    results: z
      .array(
        z.object({
          player_id: playerId,
          ok: z.boolean().openapi({ description: 'Whether this player was offered (would be, in a dry run).' }),
          offer: bulkOffer
            .nullable()
            .openapi({ description: 'The single offer’s answer (in a dry run: what it would be); null when refused.' }),
          error: errorDetail.nullable().openapi({ description: 'Why this player was not offered; null when offered.' }),
        }),
      )
      .openapi({ description: 'One per player, in the order given (a selection: by player id).' }),
    summary: z
      .object({
        offered: z.number().int().openapi({ description: 'Players offered (in a dry run: who would be).' }),
        refused: z.number().int().openapi({ description: 'Players refused, each with its error.' }),
      })
      .openapi({ description: 'The counts of `results`.' }),
  })
  .openapi('BulkOffers');

export const withdrawalResponse = described(withdrawal, {
  previous_status: 'The contract’s state before: `offered`.',
  new_status: 'The contract’s state now: `withdrawn`.',
  audit_id: 'The `withdraw` audit row, which keeps the reason.',
  actor: 'Who withdrew the offer (the token’s e-mail); on an idempotent replay, who made the first request.',
})
  .extend({ player_id: playerId })
  .openapi('Withdrawal');

/** The billing columns the CSV added after its first eight (docs/PRODUCT.md, "Admin"), in their order. */
const LATER_FIELDS = { team_names: true, external_id: true, signed_by: true, signed_at: true } as const;

/**
 * A player in one of the listed states: the store's row, with the family's link for its token. The
 * CSV's columns are these fields in this order: the first eight as pinned, the link after the teams,
 * then the ones added later.
 */
export const listedContractResponse = described(
  listedContract.omit({ contract_token: true, contract_offered_at: true, ...LATER_FIELDS }),
  {
    player_id: 'The player’s id.',
    name: 'The player’s name.',
    email: 'The family’s e-mail address.',
    status: 'The contract’s state (docs/PRODUCT.md, "The state machine").',
    monthly_fee: 'The fee per month in CONTRACT_CURRENCY; null before any offer.',
    team_ids: 'The ids of the player’s teams.',
  },
)
  .extend({ contract_url: contractUrl, contract_offered_at: offeredAt })
  .extend(
    described(listedContract.pick(LATER_FIELDS).extend({ signed_at: isoTime.nullable() }), {
      team_names: 'The names of the player’s teams, in the order of `team_ids`.',
      external_id: 'The club’s own id for the player (its roster system’s), or null.',
      signed_by: 'The name typed by the signature that completed the contract; null unless signed.',
      signed_at: 'When the contract was signed (UTC); null unless signed.',
    }).shape,
  );

export const contractListResponse = z
  .object({
    items: z.array(listedContractResponse).openapi({ description: 'The players in the states asked for, in player id order.' }),
    next_cursor: z.string().nullable().openapi({ description: 'Pass back as ?cursor= for the next page.' }),
  })
  .openapi('ContractList');

const historyEntry = described(auditEntry.extend({ id: z.number().int(), ts: isoTime }), {
  id: 'The audit row’s id.',
  ts: 'When the row was written.',
  event_type: 'What happened.',
  old_state: 'The contract’s columns before.',
  new_state: 'The contract’s columns after.',
  actor: 'Who did it: the admin’s e-mail, or the family.',
  source: 'What wrote it: `admin_api`, `family_link`, or the writer an override names.',
});

const messageSigner = z.object({
  name: z.string().openapi({ description: 'The signer’s name: the guardian’s as listed, or the player’s.' }),
  role: z.enum(['guardian', 'player']).openapi({ description: '`guardian` or `player`.' }),
});

const messageEntry = described(
  listedMessage.extend({ created_at: isoTime, sent_at: isoTime.nullable(), signer: messageSigner.nullable() }),
  {
    id: 'The message’s id.',
    kind: 'Which e-mail: an offer, a reminder or a confirmation (of a signature, a signing, a decline, or the offer withdrawn or expired).',
    to: 'The recipient’s address.',
    status: '`skipped`: its link was replaced, or the offer answered, before it left.',
    created_at: 'When it was queued.',
    sent_at: 'When the mail server accepted it; null until then.',
    attempts: 'Attempts at sending it so far.',
    error: 'Why the last attempt failed, or why the message was skipped.',
    signer:
      'The signer it was written for (docs/PRODUCT.md, "Who signs"); null for the player’s e-mail of an offer made before signers.',
  },
);

/** A player's contract: the store's row, with the family's link for its token, its audit rows and its e-mails. */
export const contractHistory = described(
  currentContract.omit({ contract_token: true }).extend({
    contract_offered_at: isoTime.nullable(),
    contract_signed_at: isoTime.nullable(),
    contract_declined_at: isoTime.nullable(),
  }),
  {
    status: 'The contract’s state (docs/PRODUCT.md, "The state machine").',
    monthly_fee: 'The fee per month in CONTRACT_CURRENCY; null before any offer.',
    team_ids: 'The ids of the player’s teams.',
    contract_offered_at: 'When the current offer was made; null before any.',
    contract_offered_by: 'Who made the current offer; null before any.',
    contract_signed_at: 'When the family signed; null unless signed.',
    contract_signed_by: 'The name the family signed with; null unless signed.',
    contract_declined_at: 'When the family declined; null unless declined.',
    contract_version: 'The contract text version (CONTRACT_VERSION) signed; null unless signed.',
    contract_terms_version: 'The terms the offer pinned; null without terms.',
    contract_terms_sha256: 'SHA-256 (hex) of the pinned terms’ text.',
  },
)
  .extend({
    player_id: playerId,
    contract_url: contractUrl,
    history: z.array(historyEntry).openapi({ description: 'The contract’s audit rows, newest first.' }),
    messages: z.array(messageEntry).openapi({ description: 'The e-mails queued for this player, newest first.' }),
  })
  .openapi('ContractHistory');

export const remindersResponse = z
  .object({
    queued: z.array(z.number().int()).openapi({ description: 'The players a reminder was queued for (on a dry run: would be).' }),
    skipped: z
      .array(
        z.object({
          player_id: playerId,
          reason: z.enum(REMINDER_SKIP_REASONS).openapi({ description: 'Why no reminder was queued.' }),
        }),
      )
      .openapi({ description: 'The players no reminder was queued for, and why.' }),
  })
  .openapi('Reminders');

export const contractStats = z
  .object({
    window: z
      .object({
        since: isoTime.openapi({ description: 'Start of the window.' }),
        until: isoTime.openapi({ description: 'End of the window.' }),
      })
      .openapi({ description: 'The window the events were counted in.' }),
    states: z
      .record(status, z.number().int().openapi({ description: 'Players in this state.' }))
      .openapi({ description: 'Players in each state now.' }),
    events: z
      .record(z.enum(AUDIT_EVENT_TYPES), z.number().int().openapi({ description: 'Audit rows of this event type.' }))
      .openapi({ description: 'Audit events in the window.' }),
    transitions: z
      .array(
        z.object({
          from: z.string().openapi({ description: 'The state before.' }),
          event: z.string().openapi({ description: 'The machine event (OFFER, SIGN, DECLINE, WITHDRAW, EXPIRE).' }),
          to: z.string().openapi({ description: 'The state after.' }),
          count: z.number().int().openapi({ description: 'How many times it happened in the window.' }),
        }),
      )
      .openapi({ description: 'How many times each transition happened in the window: the counts on the chart’s edges.' }),
  })
  .openapi('ContractStats');

export type OfferResponse = z.output<typeof offerResponse>;
export type BulkOfferResponse = z.output<typeof bulkOfferResponse>;
export type WithdrawalResponse = z.output<typeof withdrawalResponse>;
export type ContractListResponse = z.output<typeof contractListResponse>;
export type ContractHistoryResponse = z.output<typeof contractHistory>;
export type RemindersResponse = z.output<typeof remindersResponse>;
export type ContractStatsResponse = z.output<typeof contractStats>;
