import { z } from './openapi-zod.ts';
import { CONTRACT_STATUSES } from '../../machines/contract.ts';
import { MAX_TERMS_ELEMENTS, MAX_TERMS_NESTING, termsCost } from './terms-html.ts';

// Request shapes (docs/PRODUCT.md, "HTTP API" and "Strict input"). Strict everywhere: no coercion
// in JSON bodies, and unknown fields are refused, so a tenant hint in a body or query string is an
// error rather than silently used.

const MAX_INT4 = 2_147_483_647;

export const id = z.number().int().min(1).max(MAX_INT4);

/** NUL, or half of a UTF-16 surrogate pair (JSON can carry one as "\ud800"; UTF-8 cannot). */
const UNSTORABLE = /\u0000|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

/**
 * Whether PostgreSQL can store the text exactly as sent: it refuses NUL, and would quietly turn a
 * lone surrogate into U+FFFD.
 */
function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

const UNSTORABLE_TEXT = 'must not contain NUL characters or unpaired UTF-16 surrogates';

/**
 * A character that shows: not a space, not a control or format character (U+200B and its kin), not
 * a combining mark on its own, not one of the fillers that draw nothing (Hangul fillers, the blank
 * Braille pattern). A signature needs one; a name of invisible characters signs nothing.
 */
const VISIBLE = /[^\p{White_Space}\p{Default_Ignorable_Code_Point}\p{C}\p{M}\u2800]/u;

export function hasVisibleCharacter(value: string): boolean {
  return VISIBLE.test(value);
}

/**
 * Whether a URL is stored as sent and carries no credentials: the URL parser would drop a tab or
 * line break inside it (so the text kept is not the URL checked), and `user:pass@` puts a password
 * in the contract's record.
 */
function isPlainUrl(value: string): boolean {
  return !/[\s\p{C}]/u.test(value) && !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(value);
}

/** A name as the club typed it: kept exactly (quotes, semicolons, unicode), but not blank. */
const name = z.string().min(1).max(200).regex(/\S/, 'must not be blank').refine(isStorableText, UNSTORABLE_TEXT);

/** A positive whole number in a path or query string, where everything arrives as text. */
const idText = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, 'must be a positive whole number')
  .transform(Number)
  .pipe(id);

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

/** The Idempotency-Key header of admin writes: printable ASCII, as in the IETF draft (a UUID fits). */
export const idempotencyKeyHeader = z.object({
  'idempotency-key': z
    .string()
    .regex(/^[\x21-\x7e]{1,255}$/, 'must be 1 to 255 printable ASCII characters, such as a UUID')
    .optional()
    .describe(
      'Makes the write safe to retry: the same key with the same request answers the first outcome again ' +
        '(with `Idempotent-Replayed: true`) and writes nothing. Keys belong to the club and expire after ' +
        'IDEMPOTENCY_KEY_TTL_SECONDS.',
    ),
});

export const createTeamBody = z.object({ name: name.openapi({ description: 'The team’s name, unique in the club.' }) }).strict();

/** Up to 100,000 characters of Markdown: a JSON body of up to 4 bytes a character, escaped. */
export const TERMS_BODY_LIMIT = '1mb';
const MAX_TERMS_CHARACTERS = 100_000;

/** Terms that would cost too much to render (terms-html.ts), refused with what to shorten. */
function withinRenderCost(body: string, context: z.RefinementCtx): void {
  // Zod runs this even when the body is over its length; parsing that would cost up to ten times more.
  if (body.length > MAX_TERMS_CHARACTERS) return;
  const { elements, nesting } = termsCost(body);
  if (elements > MAX_TERMS_ELEMENTS) {
    context.addIssue({
      code: 'custom',
      message:
        `the terms would make ${elements.toLocaleString('en')} HTML elements (paragraphs, list items, table cells, ` +
        `emphasis, links…); at most ${MAX_TERMS_ELEMENTS.toLocaleString('en')} are allowed: shorten the tables or lists`,
    });
  }
  if (nesting > MAX_TERMS_NESTING) {
    context.addIssue({
      code: 'custom',
      message: `the terms nest quotes and lists ${nesting} deep; at most ${MAX_TERMS_NESTING} are allowed: flatten them`,
    });
  }
}
export const createContractTermsBody = z
  .object({
    title: name.openapi({ description: 'The terms’ title, shown to the family and on the receipt.' }),
    body: z
      .string()
      .min(1)
      .max(MAX_TERMS_CHARACTERS)
      .regex(/\S/, 'must not be blank')
      .refine(isStorableText, UNSTORABLE_TEXT)
      .superRefine(withinRenderCost)
      .openapi({
        description:
          'The terms, in Markdown: shown to the family above the signature, sanitised. They may make at most ' +
          `${MAX_TERMS_ELEMENTS.toLocaleString('en')} HTML elements (paragraphs, list items, table cells, emphasis, links…) ` +
          `and nest quotes and lists at most ${MAX_TERMS_NESTING} deep.`,
      }),
  })
  .strict();

export const createPlayerBody = z
  .object({
    name: name.openapi({ description: 'The player’s name, as the family will see it.' }),
    email: z.string().max(320).email().openapi({ description: 'Where the family receives the offer and its link.' }),
    team_ids: z
      .array(id)
      .max(20)
      .refine((ids) => new Set(ids).size === ids.length, 'must not repeat a team')
      .default([])
      .openapi({ description: 'The club’s teams the player plays in.' }),
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

/**
 * The query of a route that takes none: a parameter there is refused like an unknown one anywhere
 * else (422 naming it), so that a typo or a guessed option (`?tenant=`, `?all=true`) is never
 * silently ignored.
 */
export const noQuery = z.object({}).strict();

export const playerPath = z.object({ id: idText.describe('The player’s id.') });

export const listContractsQuery = z
  .object({
    status: z.enum(CONTRACT_STATUSES).describe('The contract state to list.'),
    limit: z
      .string()
      .regex(/^[0-9]{1,3}$/, 'must be a whole number from 1 to 500')
      .transform(Number)
      .pipe(z.number().min(1).max(500))
      .default('50')
      .describe('Items per page, 1 to 500.'),
    cursor: z.string().max(100).optional().describe('The previous page’s `next_cursor`; none for the first page.'),
  })
  .strict();

/** GET /admin/contracts.csv: every player in one state, so no page size and no cursor. */
export const exportContractsQuery = z
  .object({
    status: z
      .enum(CONTRACT_STATUSES)
      .openapi({ param: { description: 'The contract state whose players are exported.', example: 'offered' } }),
  })
  .strict();

export const signBody = z
  .object({
    signed_by: name
      .refine(hasVisibleCharacter, 'must contain a visible character')
      .openapi({ description: 'The name the family signs with, as typed; at least one visible character.' }),
    signature_url: z
      .string()
      .max(2000)
      .url()
      .refine((value) => value.startsWith('https://'), 'must be an https URL')
      .refine(isStorableText, UNSTORABLE_TEXT)
      .refine(isPlainUrl, 'must not contain spaces, tabs, line breaks or other control characters, nor a user:password@')
      .optional()
      .openapi({ description: 'An https link to a signature image or signing record, kept with the contract.' }),
  })
  .strict();

/** DECLINE takes no input; an empty object is fine, anything else is refused. */
export const declineBody = z.object({}).strict().optional();

/**
 * The family page's forms, as strict as the JSON bodies: each field once and as text, none the page
 * does not have, nothing the page's own inputs would not send (its name field takes 200
 * characters, its box sends `yes`). A blank name or an unticked box is not refused here: the page
 * asks the family again.
 */
export const signForm = z
  .object({
    signed_by: z
      .string()
      .max(200)
      .refine(isStorableText, UNSTORABLE_TEXT)
      .optional()
      .openapi({ description: 'The name typed on the page; blank: the page asks again.' }),
    agree: z
      .literal('yes')
      .optional()
      .openapi({ description: 'The page’s “I agree to this contract” box, ticked; unticked: the page asks again.' }),
  })
  .strict();
export const declineForm = z.object({}).strict();

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

// GET /admin/players, PATCH /admin/players/:id, PATCH /admin/teams/:id.

export const teamPath = z.object({ id: idText.describe('The team’s id.') });

export const listPlayersQuery = z
  .object({
    team_id: idText.optional().describe('Only the players on this team (another club’s team: none).'),
    status: z.enum(CONTRACT_STATUSES).optional().describe('Only the players whose contract is in this state.'),
    q: z
      .string()
      .min(1)
      .max(200)
      .refine(isStorableText, UNSTORABLE_TEXT)
      .optional()
      .describe('Only the players whose name or e-mail contains this, case-insensitively (`%` and `_` match themselves).'),
    limit: z
      .string()
      .regex(/^[0-9]{1,3}$/, 'must be a whole number from 1 to 500')
      .transform(Number)
      .pipe(z.number().min(1).max(500))
      .default('50')
      .describe('Players per page, 1 to 500.'),
    cursor: z.string().max(100).optional().describe('The `next_cursor` of the previous page.'),
  })
  .strict();

export const updatePlayerBody = z
  .object({
    name: name.optional().openapi({ description: 'The player’s name, stored exactly as sent.' }),
    email: z
      .string()
      .max(320)
      .email()
      .optional()
      .openapi({ description: 'The family’s e-mail. Changing it sends nothing; the next reminder goes to it.' }),
    team_ids: z
      .array(id)
      .max(20)
      .refine((ids) => new Set(ids).size === ids.length, 'must not repeat a team')
      .optional()
      .openapi({
        description:
          'All the player’s teams, replacing the current ones. A signed player’s teams change only by a tier-change offer.',
      }),
  })
  .strict()
  .refine((body) => Object.values(body).some((value) => value !== undefined), 'give at least one of name, email, team_ids');

export const updateTeamBody = z
  .object({ name: name.openapi({ description: 'The team’s new name, unique in the club.' }) })
  .strict();
