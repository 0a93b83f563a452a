import { isoTime } from '../http/answers.ts';
import { z } from '../http/openapi-zod.ts';

// Who signs a contract (docs/PRODUCT.md, "Who signs"): the signers the offer fixed, as
// sql/list_contract_signers.sql lists them. Each reader sees only what is theirs: the club gets every
// signer's e-mail and link in the offer's answer; a family's link shows its co-signers' names, roles
// and where they stand, never their e-mail or link.

export const SIGNER_ROLES = ['guardian', 'player'] as const;
export const SIGNER_STATUSES = ['pending', 'signed', 'declined'] as const;

/** One signer as the database lists them, link token included: never answered as is. */
export const storedSigner = z.object({
  /** Null for the one signer of an offer made before signers existed: the player. */
  signer_id: z.number().int().nullable(),
  name: z.string(),
  email: z.string(),
  role: z.enum(SIGNER_ROLES),
  token: z.string(),
  status: z.enum(SIGNER_STATUSES),
  /** Epoch milliseconds, as slonik reads a timestamptz column (this one comes inside JSON). */
  signed_at: z
    .string()
    .nullable()
    .transform((at) => (at === null ? null : Date.parse(at))),
  /** Their own language (docs/LANGUAGES.md); null: the club's. Absent from outcomes stored before languages. */
  language: z.string().nullable().default(null),
});
export type StoredSigner = z.infer<typeof storedSigner>;

/**
 * The signers of an offer, in order; an outcome stored before signers existed has none (null), and a
 * database before them no such column.
 */
export const storedSigners = z
  .array(storedSigner)
  .nullish()
  .transform((signers) => signers ?? []);

const role = z
  .enum(SIGNER_ROLES)
  .openapi({ description: '`guardian`: a parent or guardian signing for a minor; `player`: the player.' });
const status = z
  .enum(SIGNER_STATUSES)
  .openapi({ description: 'Where this signer stands: `pending` until they sign or decline.' });
const signerName = z.string().openapi({ description: 'The signer’s name: the guardian’s as listed, or the player’s.' });

/** A signer as the offer's answer shows it to the club. */
export const offerSigner = z
  .object({
    signer_id: z.number().int().openapi({ description: 'The signer’s id in the club.' }),
    name: signerName,
    email: z.string().openapi({ description: 'Where this signer’s offer e-mail goes.' }),
    role,
    contract_url: z.string().url().openapi({ description: 'This signer’s own link: CONTRACT_BASE_URL/<token>.' }),
    status,
  })
  .openapi('OfferSigner');

/** The link's own signer, as the family's answer shows it. */
export const linkSigner = z.object({ name: signerName, role, status });

/** A co-signer as a family's link shows them: no e-mail, no link. */
export const coSigner = z
  .object({
    name: signerName,
    role,
    status,
    signed_at: isoTime.nullable().openapi({ description: 'When they signed; null until then.' }),
  })
  .openapi('ContractSigner');

export function offerSigners(signers: readonly StoredSigner[], contractBaseUrl: string): z.input<typeof offerSigner>[] {
  return signers.map((signer) => ({
    signer_id: signer.signer_id ?? 0,
    name: signer.name,
    email: signer.email,
    role: signer.role,
    contract_url: `${contractBaseUrl}/${signer.token}`,
    status: signer.status,
  }));
}

/** What a family's link shows of who signs: its own signer, and every signer without e-mail or link. */
export function familySigners(signers: readonly StoredSigner[], token: string) {
  const own = signers.find((signer) => signer.token === token);
  // sql/list_contract_signers lists the player as the one signer of a contract without signer rows.
  if (own === undefined) throw new Error('a link that opens a contract names one of its signers');
  return {
    signer: { name: own.name, role: own.role, status: own.status },
    signers: signers.map(({ name, role, status, signed_at }) => ({ name, role, status, signed_at })),
  };
}
