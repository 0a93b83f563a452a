import { CONTRACT_STATUSES } from '../../machines/contract.ts';
import { ERRORS } from '../errors.ts';
import { z } from './openapi-zod.ts';

// What every answer shape is built from (docs/PRODUCT.md, "HTTP API" and "Pinned details"). Handlers type their
// bodies with these, and /openapi.json is generated from them, so the documentation cannot drift
// from the code.

export const status = z
  .enum(CONTRACT_STATUSES)
  .openapi({ description: 'The contract’s state (docs/PRODUCT.md, "The state machine").' });
/** Epoch milliseconds, as slonik's default type parsers read a timestamptz, in the API's form: ISO 8601 in UTC. */
const fromEpoch = (value: unknown) => (typeof value === 'number' ? new Date(value).toISOString() : value);

/** A time in an answer: parsing the store's row turns its epoch milliseconds into ISO 8601. */
export const isoTime = z.preprocess(fromEpoch, z.string().datetime()).openapi({ example: '2026-11-26T07:10:17.206Z' });
export const contractUrl = z
  .string()
  .url()
  .nullable()
  .openapi({ description: 'The family’s link; set only while the offer is open.' });
export const playerId = z.number().int().openapi({ description: 'The player’s id.' });
export const offeredAt = isoTime.nullable().openapi({ description: 'When the current offer was made; null before any.' });

/**
 * The same object schema with a description on each of its fields; the type asks for every one, so
 * a field added to the store's schema without one does not compile.
 */
export function described<Shape extends z.ZodRawShape>(
  schema: z.ZodObject<Shape>,
  descriptions: { readonly [Field in keyof Shape]: string },
): z.ZodObject<Shape> {
  const shape = Object.fromEntries(
    Object.entries(schema.shape).map(([field, value]) => [field, value.openapi({ description: descriptions[field] })]),
  );
  return schema.extend(shape) as unknown as z.ZodObject<Shape>;
}

/** A refusal's code and message: the `error` of an error body, and of a bulk request's refused row. */
export const errorDetail = z.object({
  code: z
    .enum(Object.keys(ERRORS) as [keyof typeof ERRORS, ...Array<keyof typeof ERRORS>])
    .openapi({ description: 'What went wrong, for programs (src/errors.ts lists each with its HTTP status).' }),
  message: z.string().openapi({ description: 'What went wrong, in English, for people.' }),
});

export const errorBody = z
  .object({
    error: errorDetail
      .extend({
        details: z.unknown().optional().openapi({
          description:
            'For validation_failed: zod’s issues. For import_invalid: every line of the file to fix, as [{line, column, message}].',
        }),
      })
      .openapi({ description: 'The refusal.' }),
  })
  .openapi('Error');
