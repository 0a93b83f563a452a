import { contractUrl, described } from '../http/answers.ts';
import {
  contractStates,
  id,
  idText,
  isStorableText,
  languageCode,
  name,
  pageCursor,
  pageLimit,
  UNSTORABLE_TEXT,
} from '../http/input.ts';
import { importOutcome, playerRow } from './store.ts';
import { z } from '../http/openapi-zod.ts';

/** Today's date in UTC, "YYYY-MM-DD": the last day a birth date may be (sql/check_player_people reads the same). */
export const todayUtc = (): string => new Date().toISOString().slice(0, 10);

/** A real calendar date written YYYY-MM-DD, from 1900 to today (UTC). */
export const birthDate = z
  .string()
  .regex(/^[0-9]{4}-[0-9]{2}-[0-9]{2}$/, 'must be a date written YYYY-MM-DD')
  .refine((value) => {
    const date = new Date(`${value}T00:00:00Z`);
    return !Number.isNaN(date.getTime()) && date.toISOString().slice(0, 10) === value;
  }, 'must be a real date')
  .refine((value) => value >= '1900-01-01', 'must not be before 1900-01-01')
  .refine((value) => value <= todayUtc(), 'must not be in the future (today is the date in UTC)');

/** An e-mail address as the players table keeps it (players_email_check: at most 320 characters). */
export const email = z.string().max(320).email();

/**
 * The club's own id for a player (its registration system's), by which a roster import matches
 * rows: 1..100 characters, not blank, no control character (players_external_id_check; line and
 * paragraph separators are refused too, as a line break in a spreadsheet cell).
 */
export const externalId = z
  .string()
  .min(1)
  .max(100)
  .regex(/\S/, 'must not be blank')
  .refine((value) => !/[\p{Cc}\u2028\u2029]/u.test(value), 'must not contain control characters or line breaks')
  .refine(isStorableText, UNSTORABLE_TEXT);

const guardian = z
  .object({
    name: name.openapi({ description: 'The guardian’s name, stored exactly as sent.' }),
    email: email.openapi({ description: 'Where the guardian will receive their own link.' }),
    language: languageCode
      .nullable()
      .optional()
      .openapi({ description: 'The language of the guardian’s page and e-mails; absent or null: the club’s.' }),
  })
  .strict();

const guardians = z.array(guardian).max(4, 'at most 4 guardians').openapi({
  description:
    'The people who sign for a minor, in order (0 to 4). A list changed while an offer is open applies from the next offer.',
});

export const createPlayerBody = z
  .object({
    name: name.openapi({ description: 'The player’s name, as the family will see it.' }),
    email: email.openapi({ description: 'Where the family receives the offer and its link.' }),
    team_ids: z
      .array(id)
      .max(20)
      .refine((ids) => new Set(ids).size === ids.length, 'must not repeat a team')
      .default([])
      .openapi({ description: 'The club’s teams the player plays in.' }),
    birth_date: birthDate
      .nullable()
      .optional()
      .openapi({ description: 'The player’s birth date, YYYY-MM-DD, not in the future (UTC); absent or null: unknown.' }),
    guardians: guardians.default([]),
    external_id: externalId
      .nullable()
      .optional()
      .openapi({
        description:
          'The club’s own id for the player (its registration system’s), unique in the club; a roster import updates the ' +
          'player whose external_id a row gives. Absent or null: none.',
      }),
    language: languageCode.nullable().optional().openapi({
      description: 'The language of the player’s page and e-mails when they sign for themselves; absent or null: the club’s.',
    }),
  })
  .strict();

export const playerPath = z.object({ id: idText.describe('The player’s id.') });

export const listPlayersQuery = z
  .object({
    team_id: idText.optional().describe('Only the players on this team (another club’s team: none).'),
    status: contractStates('Only the players whose contract is in one of these states.').optional(),
    q: z
      .string()
      .min(1)
      .max(200)
      .refine(isStorableText, UNSTORABLE_TEXT)
      .optional()
      .describe('Only the players whose name or e-mail contains this, case-insensitively (`%` and `_` match themselves).'),
    limit: pageLimit('Players'),
    cursor: pageCursor,
  })
  .strict();

export const updatePlayerBody = z
  .object({
    name: name.optional().openapi({ description: 'The player’s name, stored exactly as sent.' }),
    email: email
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
    birth_date: birthDate.nullable().optional().openapi({
      description: 'The player’s birth date, YYYY-MM-DD, not in the future (UTC); null: unknown; absent: unchanged.',
    }),
    guardians: guardians.nullable().optional().openapi({
      description: 'All the player’s guardians, replacing the current list (`[]` removes them); null or absent: unchanged.',
    }),
    external_id: externalId.nullable().optional().openapi({
      description: 'The club’s own id for the player, unique in the club; null removes it; absent: unchanged.',
    }),
    language: languageCode.nullable().optional().openapi({
      description: 'The player’s own language; null removes it (the club’s applies); absent: unchanged.',
    }),
  })
  .strict()
  .refine(
    (body) => Object.values(body).some((value) => value !== undefined),
    'give at least one of name, email, team_ids, birth_date, guardians, external_id, language',
  );

const guardianResponse = described(playerRow.shape.guardians.element, {
  id: 'The guardian’s id; each guardian of a list that replaces the old one gets a new one.',
  name: 'The guardian’s name, as the club typed it.',
  email: 'Where the guardian will receive their own link.',
  language: 'The language of the guardian’s page and e-mails; null: the club’s.',
}).openapi('Guardian');

export const playerResponse = described(playerRow.omit({ contract_token: true }), {
  id: 'The player’s id.',
  name: 'The player’s name, as the club typed it.',
  email: 'Where the family receives the offer and its link.',
  team_ids: 'The ids of the player’s teams.',
  contract_status: 'The contract’s state (docs/PRODUCT.md, "The state machine").',
  monthly_fee: 'The fee per month in CONTRACT_CURRENCY; null before any offer.',
  birth_date: 'The player’s birth date, YYYY-MM-DD; null when unknown.',
  guardians: 'The player’s guardians, in list order, each with its id.',
  external_id: 'The club’s own id for the player, unique in the club (a roster import matches rows by it); null when none.',
  language: 'The player’s own language, for an offer they sign themselves; null: the club’s.',
})
  .extend({
    guardians: z.array(guardianResponse).openapi({ description: 'The player’s guardians, in list order (0 to 4).' }),
    contract_url: contractUrl,
  })
  .openapi('Player');

export const playerListResponse = z
  .object({
    items: z.array(playerResponse).openapi({ description: 'The players, in id order; each as GET /admin/players/{id} answers.' }),
    next_cursor: z.string().nullable().openapi({ description: 'Pass back as ?cursor= for the next page; null on the last.' }),
  })
  .openapi('PlayerList');
export type PlayerListResponse = z.output<typeof playerListResponse>;

export type PlayerResponse = z.output<typeof playerResponse>;

export const importQuery = z
  .object({
    dry_run: z
      .enum(['true', 'false'])
      .transform((value) => value === 'true')
      .default('false')
      .describe('`true` answers what the import would do, refusals included, and writes nothing.'),
  })
  .strict();

export const rosterFile = z.instanceof(Buffer).openapi({
  type: 'string',
  description:
    'The roster as CSV in UTF-8 (a BOM is allowed), comma- or semicolon-separated, CRLF or LF, cells quoted as in ' +
    'RFC 4180; at most 5,000 rows and 2 MB. A header row names its columns, in any order and case: `name` and ' +
    '`email` (required), `external_id`, `team`, `birth_date`, `guardian1_name`, `guardian1_email`, ' +
    '`guardian2_name`, `guardian2_email` (docs/PRODUCT.md, "Roster import").',
});

const importedRow = described(importOutcome.shape.rows.element, {
  line: 'The row’s line in the file (the header is on line 1; a row with a line break in a cell starts on its first).',
  player_id: 'The player the row created, updated or left as they were.',
  action:
    '`created`: a new player; `updated`: the player whose external_id the row gives, changed; `unchanged`: that player, already as the row says.',
}).openapi('ImportedRow');

export const importResponse = described(importOutcome, {
  created: 'How many rows created a player.',
  updated: 'How many rows changed the player whose external_id they give.',
  unchanged: 'How many rows gave a player exactly as they already were.',
  teams_created:
    'The teams the file named that the club did not have, created by exactly those names, in the order the file first names them.',
  rows: 'Every row of the file, in line order.',
})
  .extend({ rows: z.array(importedRow).openapi({ description: 'Every row of the file, in line order.' }) })
  .openapi('RosterImport');
export type ImportResponse = z.output<typeof importResponse>;
