import { CONTRACT_STATUSES, type ContractStatus } from '../../machines/contract.ts';
import { z } from './openapi-zod.ts';
import { LANGUAGES } from '../i18n/catalogs.ts';

// What every request shape is built from (docs/PRODUCT.md, "HTTP API" and "Strict input"). Strict everywhere: no coercion
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
export function isStorableText(value: string): boolean {
  return !UNSTORABLE.test(value);
}

export const UNSTORABLE_TEXT = 'must not contain NUL characters or unpaired UTF-16 surrogates';

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
export function isPlainUrl(value: string): boolean {
  return !/[\s\p{C}]/u.test(value) && !/^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(value);
}

/** A name as the club typed it: kept exactly (quotes, semicolons, unicode), but not blank. */
export const name = z.string().min(1).max(200).regex(/\S/, 'must not be blank').refine(isStorableText, UNSTORABLE_TEXT);

/** A positive whole number in a path or query string, where everything arrives as text. */
export const idText = z
  .string()
  .regex(/^[1-9][0-9]{0,9}$/, 'must be a positive whole number')
  .transform(Number)
  .pipe(id);

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

/**
 * The query of a route that takes none: a parameter there is refused like an unknown one anywhere
 * else (422 naming it), so that a typo or a guessed option (`?tenant=`, `?all=true`) is never
 * silently ignored.
 */
export const noQuery = z.object({}).strict();

/** A language the service has a catalog for (docs/LANGUAGES.md): "en", "es". */
export const languageCode = z
  .enum(LANGUAGES as [string, ...string[]])
  .openapi({ description: `A language code with a catalog: ${LANGUAGES.join(', ')}.` });

/** `?limit=` of a keyset-paginated list: 1 to 500 items a page, 50 unless given. */
export const pageLimit = (items: string) =>
  z
    .string()
    .regex(/^[0-9]{1,3}$/, 'must be a whole number from 1 to 500')
    .transform(Number)
    .pipe(z.number().min(1).max(500))
    .default('50')
    .describe(`${items} per page, 1 to 500.`);

/** `?cursor=` of a keyset-paginated list: where the previous page ended. */
export const pageCursor = z.string().max(100).optional().describe('The previous page’s `next_cursor`; none for the first page.');

const STATE = `(?:${CONTRACT_STATUSES.join('|')})`;
const isState = (text: string): text is ContractStatus => (CONTRACT_STATUSES as readonly string[]).includes(text);
const issue = (message: string) => ({ code: z.ZodIssueCode.custom, message });

/**
 * `?status=` of the lists and the CSV export: one of the machine's states, or several joined with
 * commas (`offered,declined,withdrawn,expired`: everyone not signed, in one request). Each item is
 * judged on its own, so the answer says which one is unknown, empty or repeated. Repeating the
 * parameter (`status=a&status=b`) stays refused, as an array is no string: one spelling, not two.
 * The length bound keeps a hostile value (a URL may be 16 KB) from becoming thousands of issues.
 */
export const contractStates = (description: string) =>
  z
    .string()
    .max(200)
    .transform((text, ctx): readonly ContractStatus[] => {
      const states: ContractStatus[] = [];
      for (const [index, item] of text.split(',').entries()) {
        if (item === '') ctx.addIssue(issue(`item ${index + 1} is empty`));
        else if (!isState(item))
          ctx.addIssue(issue(`${JSON.stringify(item)} is not a contract state (${CONTRACT_STATUSES.join(', ')})`));
        else if (states.includes(item)) ctx.addIssue(issue(`${JSON.stringify(item)} is given twice`));
        else states.push(item);
      }
      return states;
    })
    .openapi({
      // What a client generator can check before sending; the no-repeat rule is in the words.
      pattern: `^${STATE}(?:,${STATE})*$`,
      example: 'offered,declined,withdrawn,expired',
    })
    .describe(`${description} One state, or several separated by commas, each at most once.`);
