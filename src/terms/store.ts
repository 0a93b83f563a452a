import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';

export const termsRow = z.object({
  version: z.number().int(),
  title: z.string(),
  sha256: z.instanceof(Buffer).transform((hash) => hash.toString('hex')),
  created_at: z.number(),
  /** The language of the version's own text; null: not said. */
  language: z.string().nullable(),
  /** sql/contract_terms_translations_of: {"es": {title, sha256}, …}. */
  translations: z.record(
    z
      .object({
        title: z.string().describe('The title in that language.'),
        sha256: z.string().describe('SHA-256 of the translation’s body (its UTF-8 bytes), in hex.'),
      })
      .describe('One translation.'),
  ),
});
export type StoredTerms = z.infer<typeof termsRow>;

/** A version's text in another language (docs/LANGUAGES.md). */
export interface TermsTranslation {
  readonly title: string;
  readonly body: string;
}

/** sql/create_contract_terms_with_translations: the club's next version; immutable from then on. */
export async function createContractTerms(
  db: CommonQueryMethods,
  tenantId: number,
  terms: {
    readonly title: string;
    readonly body: string;
    readonly actor: string;
    readonly language?: string | null;
    readonly translations?: Readonly<Record<string, TermsTranslation>>;
  },
): Promise<StoredTerms> {
  return db.one(sql.type(termsRow)`
    SELECT * FROM create_contract_terms_with_translations(
      ${tenantId}, ${terms.title}, ${terms.body}, ${terms.actor}, ${terms.language ?? null},
      ${sql.jsonb({ ...terms.translations } as Record<string, { title: string; body: string }>)}
    )
  `);
}

/** The club's versions, newest first (bodies left out: read one through a contract's link). */
export async function listContractTerms(db: CommonQueryMethods, tenantId: number): Promise<readonly StoredTerms[]> {
  return db.any(sql.type(termsRow)`
    SELECT version, title, sha256, created_at, language, contract_terms_translations_of(tenant_id, version) AS translations
    FROM contract_terms WHERE tenant_id = ${tenantId} ORDER BY version DESC
  `);
}
