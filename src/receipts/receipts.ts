import type { DatabasePool } from 'slonik';
import type { ReceiptConfig } from '../config.ts';
import { AppError } from '../errors.ts';
import { renderReceipt } from './render.ts';
import { type ReceiptSealer, loadReceiptSealer } from './seal.ts';
import { type ReceiptOf, type StoredReceipt, readReceiptContent, readStoredReceipt, recordReceipt } from './store.ts';

/**
 * Signed contracts' receipt PDFs (docs/RECEIPTS.md), for the worker. A receipt is made once, by the
 * first of the completion's confirmation jobs (which attach it) or by the backfill job of a contract
 * completed before receipts existed, and recorded with its `receipt` audit row; from then on the
 * recorded bytes are served (family/links.ts reads them), never made again.
 */
export interface Receipts {
  /** The recorded receipt of the contract, made and recorded now if it is not yet. */
  of(of: ReceiptOf, by: { readonly actor: string; readonly source: string }): Promise<StoredReceipt>;
}

export function createReceipts({
  pool,
  config,
  currency,
}: {
  readonly pool: DatabasePool;
  readonly config: ReceiptConfig;
  readonly currency: string;
}): Receipts {
  // Read (or made) on first use: a process that never makes a receipt never reads the key.
  let sealer: ReceiptSealer | null = null;
  // One making per contract at a time in this process: the confirmations of several signers come at once.
  const making = new Map<string, Promise<StoredReceipt>>();

  const make = async (of: ReceiptOf, by: { readonly actor: string; readonly source: string }): Promise<StoredReceipt> => {
    const stored = await readStoredReceipt(pool, of);
    if (stored !== null) return stored;
    const content = await readReceiptContent(pool, of, currency);
    if (content === null) throw new AppError('receipt_unavailable');
    sealer ??= loadReceiptSealer(config);
    const pdf = await renderReceipt(content, sealer, config.deploymentName);
    const recorded = await recordReceipt(pool, of, pdf, by);
    if (recorded.recorded) return { pdf, sha256: recorded.sha256, auditId: recorded.auditId };
    // Another process recorded it meanwhile: theirs is the receipt.
    const theirs = await readStoredReceipt(pool, of);
    if (theirs === null) throw new Error('a receipt recorded meanwhile is not there');
    return theirs;
  };

  return {
    of(of, by) {
      const key = `${of.tenantId}/${of.playerId}/${of.signAuditId}`;
      let promise = making.get(key);
      if (promise === undefined) {
        promise = make(of, by).finally(() => making.delete(key));
        making.set(key, promise);
      }
      return promise;
    },
  };
}
