import { hasVisibleCharacter, isPlainUrl, isStorableText, languageCode, name, UNSTORABLE_TEXT } from '../http/input.ts';
import { described } from '../http/answers.ts';
import { familyContract, familyTerms } from './store.ts';
import { coSigner, linkSigner } from '../signers/schemas.ts';
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
    esign_consent: z
      .boolean()
      .optional()
      .openapi({
        description:
          'The signer agrees to sign electronically, having been shown the e-sign disclosure (the family page shows it). ' +
          'Recorded as given; absent (older clients) is recorded as not said.',
      }),
    language: languageCode.optional().openapi({
      description:
        'The language the signer read the terms and the e-sign disclosure in (docs/LANGUAGES.md): the disclosure recorded is ' +
        'that language’s, and the terms’ translation into it, where there is one. Absent: the English disclosure and the ' +
        'terms’ own text, as clients before languages signed.',
    }),
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
    esign_consent: z
      .literal('yes')
      .optional()
      .openapi({ description: 'The page’s “I agree to sign electronically” box, ticked; unticked: the page asks again.' }),
    language: languageCode
      .optional()
      .openapi({ description: 'The language the page was shown in: its e-sign notice and terms are the ones recorded.' }),
  })
  .strict();
export const declineForm = z
  .object({
    language: languageCode.optional().openapi({ description: 'The language the page was shown in: the page after it keeps it.' }),
  })
  .strict();

const terms = described(familyTerms, {
  version: 'Numbered 1, 2, … per club.',
  title: 'The terms’ title.',
  sha256: 'SHA-256 of `body` (its UTF-8 bytes), in hex.',
  body: 'Markdown, exactly as the club wrote it.',
  language: 'The language of this text: the family’s where the club translated the terms into it; null when not said.',
});

export const familyContractResponse = described(
  familyContract.extend({ terms: terms.nullable() }).omit({ contract_version: true }),
  {
    club_name: 'The club making the offer.',
    terms: 'The terms the offer pinned; null when the club had none.',
    player_name: 'The player’s name.',
    team_names: 'The names of the player’s teams.',
    monthly_fee: 'The fee per month, in CONTRACT_CURRENCY.',
    status: 'Where the contract stands.',
  },
)
  .extend({
    contract_version: z
      .string()
      .openapi({ description: 'The contract text version (CONTRACT_VERSION): the one signed, or the one in force.' }),
    signer: linkSigner.openapi({ description: 'Whose link this is (docs/PRODUCT.md, "Who signs").' }),
    signers: z.array(coSigner).openapi({
      description: 'Everyone who signs this contract, in order, and where each stands; no one’s e-mail or link.',
    }),
    language: z.string().openapi({
      description:
        'The language the family page shows this link in (docs/LANGUAGES.md): the signer’s own, the club’s default, the Accept-Language header’s, or `en`.',
    }),
  })
  .openapi('FamilyContract');

export type FamilyContractResponse = z.output<typeof familyContractResponse>;
