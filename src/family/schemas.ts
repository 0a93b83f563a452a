import { hasVisibleCharacter, isPlainUrl, isStorableText, name, UNSTORABLE_TEXT } from '../http/input.ts';
import { contractTerms } from '../terms/schemas.ts';
import { z } from '../http/openapi-zod.ts';

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

export const familyContractResponse = z
  .object({
    club_name: z.string().openapi({ description: 'The club making the offer.' }),
    terms: contractTerms
      .omit({ created_at: true })
      .extend({ body: z.string().openapi({ description: 'Markdown, exactly as the club wrote it.' }) })
      .nullable()
      .openapi({ description: 'The terms the offer pinned; null when the club had none.' }),
    player_name: z.string().openapi({ description: 'The playerResponse’s name.' }),
    team_names: z.array(z.string()).openapi({ description: 'The names of the playerResponse’s teams.' }),
    monthly_fee: z.number().int().openapi({ description: 'The fee per month, in CONTRACT_CURRENCY.' }),
    status: z.enum(['offered', 'declined', 'signed']).openapi({ description: 'Where the contract stands.' }),
    contract_version: z.string().openapi({ description: 'The contract text version (CONTRACT_VERSION).' }),
  })
  .openapi('FamilyContract');

export type FamilyContractResponse = z.input<typeof familyContractResponse>;
