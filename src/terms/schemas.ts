import { described, isoTime } from '../http/answers.ts';
import { termsRow } from './store.ts';
import { isStorableText, languageCode, name, UNSTORABLE_TEXT } from '../http/input.ts';
import { MAX_TERMS_ELEMENTS, MAX_TERMS_NESTING, termsCost } from './terms-html.ts';
import { z } from '../http/openapi-zod.ts';

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
const termsBody = z
  .string()
  .min(1)
  .max(MAX_TERMS_CHARACTERS)
  .regex(/\S/, 'must not be blank')
  .refine(isStorableText, UNSTORABLE_TEXT)
  .superRefine(withinRenderCost);

export const createContractTermsBody = z
  .object({
    title: name.openapi({ description: 'The terms’ title, shown to the family and on the receipt.' }),
    body: termsBody.openapi({
      description:
        'The terms, in Markdown: shown to the family above the signature, sanitised. They may make at most ' +
        `${MAX_TERMS_ELEMENTS.toLocaleString('en')} HTML elements (paragraphs, list items, table cells, emphasis, links…) ` +
        `and nest quotes and lists at most ${MAX_TERMS_NESTING} deep.`,
    }),
    language: languageCode.optional().openapi({ description: 'The language `title` and `body` are in.' }),
    translations: z
      .record(
        languageCode,
        z
          .object({
            title: name.openapi({ description: 'The title in that language.' }),
            body: termsBody.openapi({ description: 'The terms in that language, in Markdown, under the same limits.' }),
          })
          .strict()
          .openapi({ description: 'The terms in one language.' }),
      )
      .optional()
      .openapi({
        description:
          'The same terms in other languages, `{"es": {"title", "body"}}` (docs/LANGUAGES.md): a family reading in one sees it; ' +
          'the signature records which text was shown, by its SHA-256 and language.',
      }),
  })
  .strict()
  .refine(
    (terms) => terms.language === undefined || terms.translations?.[terms.language] === undefined,
    'a translation into the language of the terms themselves',
  );

/** A version of the club's terms: the store's row, its time in ISO 8601. */
export const contractTerms = described(termsRow.extend({ sha256: z.string(), created_at: isoTime }), {
  version: 'Numbered 1, 2, … per club.',
  title: 'The terms’ title.',
  sha256: 'SHA-256 of `body` (its UTF-8 bytes), in hex.',
  created_at: 'When this version was published.',
  language: 'The language of `title` and `body`; null when not said.',
  translations: 'Its translations by language: each one’s title and the SHA-256 of its body.',
}).openapi('ContractTerms');
export const contractTermsList = z
  .object({ items: z.array(contractTerms).openapi({ description: 'Every version, newest first.' }) })
  .openapi('ContractTermsList');

export type ContractTermsResponse = z.output<typeof contractTerms>;
export type ContractTermsListResponse = z.output<typeof contractTermsList>;
