import { AUDIT_EVENT_TYPES, CONTRACT_STATUSES } from '../../machines/contract.ts';
import { ERRORS } from '../errors.ts';
import { MESSAGE_KINDS, MESSAGE_STATUSES, REMINDER_SKIP_REASONS } from '../store/contract-messages.ts';
import { offer } from '../store/contracts.ts';
import { playerRow } from '../store/players.ts';
import { team } from '../store/teams.ts';
import { z } from './openapi-zod.ts';

// What the API answers (docs/PRODUCT.md, "HTTP API" and "Pinned details"). Handlers type their
// bodies with these, and /openapi.json is generated from them, so the documentation cannot drift
// from the code.

const status = z.enum(CONTRACT_STATUSES);
const isoTime = z.string().datetime().openapi({ example: '2026-11-26T07:10:17.206Z' });
const contractUrl = z.string().url().nullable().openapi({ description: 'The family’s link; set only while the offer is open.' });

export const errorBody = z
  .object({
    error: z.object({
      code: z.enum(Object.keys(ERRORS) as [keyof typeof ERRORS, ...Array<keyof typeof ERRORS>]),
      message: z.string(),
      details: z.unknown().optional().openapi({ description: 'For validation_failed: zod’s issues.' }),
    }),
  })
  .openapi('Error');

export const offerResponse = offer
  .extend({
    player_id: z.number().int(),
    contract_token: offer.shape.contract_token.openapi({ description: '32 random bytes, base64url: 43 characters.' }),
    contract_url: z.string().url(),
    archived: offer.shape.archived.openapi({ description: 'True when a signed contract was voided (tier change).' }),
  })
  .openapi('Offer');

export const teamResponse = team.openapi('Team');
export const teamList = z.object({ items: z.array(teamResponse) }).openapi('TeamList');

export const player = playerRow.omit({ contract_token: true }).extend({ contract_url: contractUrl }).openapi('Player');

export const contractList = z
  .object({
    items: z.array(
      z.object({
        player_id: z.number().int(),
        name: z.string(),
        email: z.string(),
        status,
        monthly_fee: z.number().int().nullable(),
        team_ids: z.array(z.number().int()),
        contract_url: contractUrl,
        contract_offered_at: isoTime.nullable(),
      }),
    ),
    next_cursor: z.string().nullable().openapi({ description: 'Pass back as ?cursor= for the next page.' }),
  })
  .openapi('ContractList');

export const contractHistory = z
  .object({
    player_id: z.number().int(),
    status,
    monthly_fee: z.number().int().nullable(),
    team_ids: z.array(z.number().int()),
    contract_url: contractUrl,
    contract_offered_at: isoTime.nullable(),
    contract_offered_by: z.string().nullable(),
    contract_signed_at: isoTime.nullable(),
    contract_signed_by: z.string().nullable(),
    contract_version: z.string().nullable(),
    contract_terms_version: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'The terms the offer pinned; null without terms.' }),
    contract_terms_sha256: z.string().nullable().openapi({ description: 'SHA-256 (hex) of the pinned terms’ text.' }),
    history: z.array(
      z.object({
        id: z.number().int(),
        ts: isoTime,
        event_type: z.enum(AUDIT_EVENT_TYPES),
        old_state: z.record(z.unknown()),
        new_state: z.record(z.unknown()),
        actor: z.string(),
        source: z.string(),
      }),
    ),
    messages: z
      .array(
        z.object({
          id: z.number().int(),
          kind: z.enum(MESSAGE_KINDS),
          to: z.string(),
          status: z
            .enum(MESSAGE_STATUSES)
            .openapi({ description: '`skipped`: its link was replaced, or the offer answered, before it left.' }),
          created_at: isoTime,
          sent_at: isoTime.nullable(),
          attempts: z.number().int(),
          error: z.string().nullable().openapi({ description: 'Why the last attempt failed, or why the message was skipped.' }),
        }),
      )
      .openapi({ description: 'The e-mails queued for this player, newest first.' }),
  })
  .openapi('ContractHistory');

export const reminders = z
  .object({
    queued: z.array(z.number().int()).openapi({ description: 'The players a reminder was queued for (on a dry run: would be).' }),
    skipped: z.array(z.object({ player_id: z.number().int(), reason: z.enum(REMINDER_SKIP_REASONS) })),
  })
  .openapi('Reminders');

export const contractStats = z
  .object({
    window: z.object({ since: isoTime, until: isoTime }),
    states: z.record(status, z.number().int()).openapi({ description: 'Players in each state now.' }),
    events: z.record(z.enum(AUDIT_EVENT_TYPES), z.number().int()).openapi({ description: 'Audit events in the window.' }),
  })
  .openapi('ContractStats');

export const contractTerms = z
  .object({
    version: z.number().int().openapi({ description: 'Numbered 1, 2, … per club.' }),
    title: z.string(),
    sha256: z.string().openapi({ description: 'SHA-256 of `body` (its UTF-8 bytes), in hex.' }),
    created_at: isoTime,
  })
  .openapi('ContractTerms');
export const contractTermsList = z.object({ items: z.array(contractTerms) }).openapi('ContractTermsList');

export const familyContract = z
  .object({
    club_name: z.string(),
    terms: contractTerms
      .omit({ created_at: true })
      .extend({ body: z.string().openapi({ description: 'Markdown, exactly as the club wrote it.' }) })
      .nullable()
      .openapi({ description: 'The terms the offer pinned; null when the club had none.' }),
    player_name: z.string(),
    team_names: z.array(z.string()),
    monthly_fee: z.number().int(),
    status: z.enum(['offered', 'declined', 'signed']),
    contract_version: z.string(),
  })
  .openapi('FamilyContract');

export const health = z.object({ status: z.literal('ok') });

export const readiness = z
  .object({
    status: z.enum(['ready', 'not_ready']),
    ready: z.boolean(),
    checks: z.object({
      database: z.enum(['ok', 'unreachable']),
      migrations: z.enum(['current', 'pending', 'unknown']),
      shutting_down: z.boolean(),
    }),
    pending_migrations: z.array(z.string()),
  })
  .openapi('Readiness');

export type OfferResponse = z.input<typeof offerResponse>;
export type PlayerResponse = z.input<typeof player>;
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
