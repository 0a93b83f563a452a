import { createHash } from 'node:crypto';
import type { X509Certificate } from 'node:crypto';
import type { DatabasePool } from 'slonik';
import { type ChainVerdict, verifyClubChain } from '../contracts/audit-chain.ts';
import { verifySeal } from './seal.ts';
import { type FoundReceipt, findReceiptBySha256, readReceiptContent } from './store.ts';

/** What `club-contracts receipt verify FILE.pdf` found (docs/RECEIPTS.md, "Verifying a receipt"). */
export type ReceiptVerdict =
  | {
      readonly valid: true;
      readonly sha256: string;
      readonly receipt: FoundReceipt;
      readonly chain: Extract<ChainVerdict, { intact: true }>;
      readonly signatures: ReadonlyArray<{ readonly signedBy: string; readonly role: string | null; readonly signedAt: Date }>;
      readonly certificateSubject: string;
    }
  | {
      readonly valid: false;
      /** Which check failed: the seal (and its certificate), the audit chain's record of the file, or the chain. */
      readonly check: 'seal' | 'recorded' | 'chain';
      readonly problem: string;
    };

/**
 * The three checks, in order: the seal is intact and by the deployment's certificate; the file's
 * sha256 is the one a `receipt` audit row records; that club's audit chain is intact (so the row
 * was not slipped in or changed).
 */
export async function verifyReceiptFile(pool: DatabasePool, pdf: Buffer, certificate: X509Certificate): Promise<ReceiptVerdict> {
  const seal = verifySeal(pdf, certificate);
  if (!seal.valid) return { valid: false, check: 'seal', problem: seal.problem };
  const sha256 = createHash('sha256').update(pdf).digest('hex');
  const receipt = await findReceiptBySha256(pool, sha256);
  if (receipt === null) {
    return {
      valid: false,
      check: 'recorded',
      problem: `no club's audit log records a receipt with this file's SHA-256 (${sha256})`,
    };
  }
  const chain = await verifyClubChain(pool, { id: receipt.tenantId, slug: receipt.clubSlug });
  if (!chain.intact) {
    return { valid: false, check: 'chain', problem: `${receipt.clubSlug}: row ${chain.rowId} ${chain.problem}` };
  }
  const content = await readReceiptContent(pool, receipt, '');
  return {
    valid: true,
    sha256,
    receipt,
    chain,
    signatures: (content?.signatures ?? []).map(({ signedBy, role, signedAt }) => ({ signedBy, role, signedAt })),
    certificateSubject: seal.certificate.subject.replace(/\n/g, ', '),
  };
}
