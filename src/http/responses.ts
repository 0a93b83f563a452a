import { AUDIT_EVENT_TYPES, CONTRACT_STATUSES } from '../../machines/contract.ts';
import { ERRORS } from '../errors.ts';
import { MESSAGE_KINDS, MESSAGE_STATUSES, REMINDER_SKIP_REASONS } from '../store/contract-messages.ts';
import { offer, withdrawal } from '../store/contracts.ts';
import { playerRow } from '../store/players.ts';
import { team } from '../store/teams.ts';
import { z } from './openapi-zod.ts';

// What the API answers (docs/PRODUCT.md, "HTTP API" and "Pinned details"). Handlers type their
// bodies with these, and /openapi.json is generated from them, so the documentation cannot drift
// from the code.

const status = z.enum(CONTRACT_STATUSES).openapi({ description: 'The contract’s state (docs/PRODUCT.md, "The state machine").' });
const isoTime = z.string().datetime().openapi({ example: '2026-11-26T07:10:17.206Z' });
const contractUrl = z.string().url().nullable().openapi({ description: 'The family’s link; set only while the offer is open.' });
const playerId = z.number().int().openapi({ description: 'The player’s id.' });
const monthlyFee = z
  .number()
  .int()
  .nullable()
  .openapi({ description: 'The fee per month in CONTRACT_CURRENCY; null before any offer.' });
const teamIds = z.array(z.number().int()).openapi({ description: 'The ids of the player’s teams.' });
const offeredAt = isoTime.nullable().openapi({ description: 'When the current offer was made; null before any.' });

/**
 * The same object schema with a description on each of its fields; the type asks for every one, so
 * a field added to the store's schema without one does not compile.
 */
function described<Shape extends z.ZodRawShape>(
  schema: z.ZodObject<Shape>,
  descriptions: { readonly [Field in keyof Shape]: string },
): z.ZodObject<Shape> {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([field, value]) => [field, value.openapi({ description: descriptions[field] })]),
  );
  return schema.extend(shape) as unknown as z.ZodObject<Shape>;
}

export const errorBody = z
  .object({
    error: z
      .object({
        code: z
          .enum(Object.keys(ERRORS) as [keyof typeof ERRORS, ...Array<keyof typeof ERRORS>])
          .openapi({ description: 'What went wrong, for programs (src/errors.ts lists each with its HTTP status).' }),
        message: z.string().openapi({ description: 'What went wrong, in English, for people.' }),
        details: z.unknown().optional().openapi({ description: 'For validation_failed: zod’s issues.' }),
      })
      .openapi({ description: 'The refusal.' }),
  })
  .openapi('Error');

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
})
  .extend({
    player_id: playerId,
    contract_url: z.string().url().openapi({ description: 'The family’s link: CONTRACT_BASE_URL/<contract_token>.' }),
  })
  .openapi('Offer');

export const withdrawalResponse = described(withdrawal, {
  previous_status: 'The contract’s state before: `offered`.',
  new_status: 'The contract’s state now: `withdrawn`.',
  audit_id: 'The `withdraw` audit row, which keeps the reason.',
  actor: 'Who withdrew the offer (the token’s e-mail); on an idempotent replay, who made the first request.',
})
  .extend({ player_id: playerId })
  .openapi('Withdrawal');

export const teamResponse = described(team, { id: 'The team’s id.', name: 'The team’s name, unique in the club.' }).openapi(
  'Team',
);
export const teamList = z
  .object({ items: z.array(teamResponse).openapi({ description: 'Every team of the club.' }) })
  .openapi('TeamList');

export const player = described(playerRow.omit({ contract_token: true }), {
  id: 'The player’s id.',
  name: 'The player’s name, as the club typed it.',
  email: 'Where the family receives the offer and its link.',
  team_ids: 'The ids of the player’s teams.',
  contract_status: 'The contract’s state (docs/PRODUCT.md, "The state machine").',
  monthly_fee: 'The fee per month in CONTRACT_CURRENCY; null before any offer.',
})
  .extend({ contract_url: contractUrl })
  .openapi('Player');

export const contractList = z
  .object({
    items: z
      .array(
        z.object({
          player_id: playerId,
          name: z.string().openapi({ description: 'The player’s name.' }),
          email: z.string().openapi({ description: 'The family’s e-mail address.' }),
          status,
          monthly_fee: monthlyFee,
          team_ids: teamIds,
          contract_url: contractUrl,
          contract_offered_at: offeredAt,
        }),
      )
      .openapi({ description: 'The players in the state asked for, in a stable order.' }),
    next_cursor: z.string().nullable().openapi({ description: 'Pass back as ?cursor= for the next page.' }),
  })
  .openapi('ContractList');

export const contractHistory = z
  .object({
    player_id: playerId,
    status,
    monthly_fee: monthlyFee,
    team_ids: teamIds,
    contract_url: contractUrl,
    contract_offered_at: offeredAt,
    contract_offered_by: z.string().nullable().openapi({ description: 'Who made the current offer; null before any.' }),
    contract_signed_at: isoTime.nullable().openapi({ description: 'When the family signed; null unless signed.' }),
    contract_signed_by: z.string().nullable().openapi({ description: 'The name the family signed with; null unless signed.' }),
    contract_version: z
      .string()
      .nullable()
      .openapi({ description: 'The contract text version (CONTRACT_VERSION) signed; null unless signed.' }),
    contract_terms_version: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'The terms the offer pinned; null without terms.' }),
    contract_terms_sha256: z.string().nullable().openapi({ description: 'SHA-256 (hex) of the pinned terms’ text.' }),
    history: z
      .array(
        z.object({
          id: z.number().int().openapi({ description: 'The audit row’s id.' }),
          ts: isoTime.openapi({ description: 'When the row was written.' }),
          event_type: z.enum(AUDIT_EVENT_TYPES).openapi({ description: 'What happened.' }),
          old_state: z.record(z.unknown()).openapi({ description: 'The contract’s columns before.' }),
          new_state: z.record(z.unknown()).openapi({ description: 'The contract’s columns after.' }),
          actor: z.string().openapi({ description: 'Who did it: the admin’s e-mail, or the family.' }),
          source: z
            .string()
            .openapi({ description: 'What wrote it: `admin_api`, `family_link`, or the writer an override names.' }),
        }),
      )
      .openapi({ description: 'The contract’s audit rows, newest first.' }),
    messages: z
      .array(
        z.object({
          id: z.number().int().openapi({ description: 'The message’s id.' }),
          kind: z.enum(MESSAGE_KINDS).openapi({ description: 'Which e-mail: an offer, a reminder or a confirmation.' }),
          to: z.string().openapi({ description: 'The recipient’s address.' }),
          status: z
            .enum(MESSAGE_STATUSES)
            .openapi({ description: '`skipped`: its link was replaced, or the offer answered, before it left.' }),
          created_at: isoTime.openapi({ description: 'When it was queued.' }),
          sent_at: isoTime.nullable().openapi({ description: 'When the mail server accepted it; null until then.' }),
          attempts: z.number().int().openapi({ description: 'Attempts at sending it so far.' }),
          error: z.string().nullable().openapi({ description: 'Why the last attempt failed, or why the message was skipped.' }),
        }),
      )
      .openapi({ description: 'The e-mails queued for this player, newest first.' }),
  })
  .openapi('ContractHistory');

export const reminders = z
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

export const contractTerms = z
  .object({
    version: z.number().int().openapi({ description: 'Numbered 1, 2, … per club.' }),
    title: z.string().openapi({ description: 'The terms’ title.' }),
    sha256: z.string().openapi({ description: 'SHA-256 of `body` (its UTF-8 bytes), in hex.' }),
    created_at: isoTime.openapi({ description: 'When this version was published.' }),
  })
  .openapi('ContractTerms');
export const contractTermsList = z
  .object({ items: z.array(contractTerms).openapi({ description: 'Every version, newest first.' }) })
  .openapi('ContractTermsList');

export const familyContract = z
  .object({
    club_name: z.string().openapi({ description: 'The club making the offer.' }),
    terms: contractTerms
      .omit({ created_at: true })
      .extend({ body: z.string().openapi({ description: 'Markdown, exactly as the club wrote it.' }) })
      .nullable()
      .openapi({ description: 'The terms the offer pinned; null when the club had none.' }),
    player_name: z.string().openapi({ description: 'The player’s name.' }),
    team_names: z.array(z.string()).openapi({ description: 'The names of the player’s teams.' }),
    monthly_fee: z.number().int().openapi({ description: 'The fee per month, in CONTRACT_CURRENCY.' }),
    status: z.enum(['offered', 'declined', 'signed']).openapi({ description: 'Where the contract stands.' }),
    contract_version: z.string().openapi({ description: 'The contract text version (CONTRACT_VERSION).' }),
  })
  .openapi('FamilyContract');

export const health = z.object({ status: z.literal('ok').openapi({ description: 'Always `ok`: the process answers.' }) });

export const readiness = z
  .object({
    status: z.enum(['ready', 'not_ready']).openapi({ description: 'The verdict.' }),
    ready: z.boolean().openapi({ description: 'The verdict, as a boolean.' }),
    checks: z
      .object({
        database: z.enum(['ok', 'unreachable']).openapi({ description: 'Whether the database answered within 2 s.' }),
        migrations: z
          .enum(['current', 'pending', 'unknown'])
          .openapi({ description: 'Whether every migration has run (`unknown`: the database did not answer).' }),
        shutting_down: z.boolean().openapi({ description: 'True once SIGTERM or SIGINT was received.' }),
      })
      .openapi({ description: 'Each check.' }),
    pending_migrations: z.array(z.string()).openapi({ description: 'The migrations not yet run.' }),
  })
  .openapi('Readiness');

export type OfferResponse = z.input<typeof offerResponse>;
export type PlayerResponse = z.input<typeof player>;
export type WithdrawalResponse = z.input<typeof withdrawalResponse>;
export type TeamResponse = z.input<typeof teamResponse>;
export type ContractListResponse = z.input<typeof contractList>;
export type ContractHistoryResponse = z.input<typeof contractHistory>;
export type RemindersResponse = z.input<typeof reminders>;
export type ContractStatsResponse = z.input<typeof contractStats>;
export type FamilyContractResponse = z.input<typeof familyContract>;
export type ContractTermsResponse = z.input<typeof contractTerms>;
export type ContractTermsListResponse = z.input<typeof contractTermsList>;

export const playerList = z
  .object({
    items: z.array(player).openapi({ description: 'The players, in id order; each as GET /admin/players/{id} answers.' }),
    next_cursor: z.string().nullable().openapi({ description: 'Pass back as ?cursor= for the next page; null on the last.' }),
  })
  .openapi('PlayerList');
export type PlayerListResponse = z.input<typeof playerList>;
