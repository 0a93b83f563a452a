import { type CommonQueryMethods, sql } from 'slonik';
import { z } from 'zod';

export const termsRow = z.object({
  version: z.number().int(),
  title: z.string(),
  sha256: z.instanceof(Buffer).transform((hash) => hash.toString('hex')),
  created_at: z.number(),
});
export type StoredTerms = z.infer<typeof termsRow>;

/** sql/create_contract_terms: the club's next version; immutable from then on. */
export async function createContractTerms(
  db: CommonQueryMethods,
  tenantId: number,
  terms: { readonly title: string; readonly body: string; readonly actor: string },
): Promise<StoredTerms> {
  return db.one(
    sql.type(termsRow)`SELECT * FROM create_contract_terms(${tenantId}, ${terms.title}, ${terms.body}, ${terms.actor})`,
  );
}

/** The club's versions, newest first (bodies left out: read one through a contract's link). */
export async function listContractTerms(db: CommonQueryMethods, tenantId: number): Promise<readonly StoredTerms[]> {
  return db.any(sql.type(termsRow)`
    SELECT version, title, sha256, created_at FROM contract_terms WHERE tenant_id = ${tenantId} ORDER BY version DESC
  `);
}
