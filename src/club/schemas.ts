import { described } from '../http/answers.ts';
import { name } from '../http/input.ts';
import { z } from '../http/openapi-zod.ts';
import { isTimeZone } from '../formatting.ts';
import { ADULT_AGES, SIGNING_POLICIES, club } from './store.ts';
import { languageCode } from '../http/input.ts';

const DESCRIPTIONS = {
  slug: 'The club’s identifier, as admin tokens name it; never changes.',
  name: 'The club’s name, as families see it in every page and e-mail.',
  signing_policy:
    'Who signs a minor’s contract: `one_guardian` (any one listed guardian completes it) or `all_guardians` (every listed guardian must sign).',
  adult_age: `From this age on the offer’s day, a player signs alone (${ADULT_AGES.min}..${ADULT_AGES.max}).`,
  default_language: 'The language of the club’s pages and e-mails when the signer has none of their own (docs/LANGUAGES.md).',
  contact_email:
    'Whom families ask: the Reply-To of the club’s e-mails, shown on every family page; null when the club has none.',
  time_zone: 'The IANA time zone the times families see are shown in, such as `Europe/Madrid`.',
} as const;

/**
 * An IANA time zone name that Intl formats in (PostgreSQL must know it by the same name too:
 * sql/update_club.sql). The shape keeps out what Intl or PostgreSQL would read as an offset
 * (`+05:00`, `UTC+5`) rather than a zone.
 */
const timeZone = z
  .string()
  .max(64)
  .regex(/^[A-Za-z][A-Za-z0-9_-]*(?:\/[A-Za-z0-9_+-]+)*$/, 'must be an IANA time zone name, such as Europe/Madrid')
  .refine(isTimeZone, 'is not a time zone this service knows');

export const updateClubBody = z
  .object({
    name: name.optional().openapi({ description: DESCRIPTIONS.name }),
    signing_policy: z.enum(SIGNING_POLICIES).optional().openapi({ description: DESCRIPTIONS.signing_policy }),
    adult_age: z
      .number()
      .int()
      .min(ADULT_AGES.min)
      .max(ADULT_AGES.max)
      .optional()
      .openapi({ description: DESCRIPTIONS.adult_age }),
    default_language: languageCode.optional().openapi({ description: DESCRIPTIONS.default_language }),
    contact_email: z
      .string()
      .max(320)
      .email()
      .nullable()
      .optional()
      .openapi({ description: `${DESCRIPTIONS.contact_email} Send null to remove it.` }),
    time_zone: timeZone.optional().openapi({ description: DESCRIPTIONS.time_zone }),
  })
  .strict()
  .refine(
    (body) => Object.values(body).some((value) => value !== undefined),
    'give at least one of name, signing_policy, adult_age, default_language, contact_email, time_zone',
  );

export const clubResponse = described(club, DESCRIPTIONS).openapi('Club');

export type ClubResponse = z.output<typeof clubResponse>;
