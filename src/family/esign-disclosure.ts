import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

/**
 * The disclosure a family reads before it consents to sign electronically (docs/PRODUCT.md,
 * "Evidence"), as the US ESIGN Act asks of a consumer contract. Its text is in the repository, one
 * file per version; a signature records the version and the sha256 of the exact text shown, so a
 * changed text is a new version. Markdown, rendered on the page like the terms.
 */
export interface EsignDisclosure {
  readonly version: string;
  readonly text: string;
  /** Hex, of the text's UTF-8 bytes. */
  readonly sha256: string;
}

const text = readFileSync(new URL('./disclosures/esign-en.md', import.meta.url), 'utf8');

export const ESIGN_DISCLOSURE: EsignDisclosure = {
  version: 'esign-en-2026-12',
  text,
  sha256: createHash('sha256').update(text, 'utf8').digest('hex'),
};
