import { createHash } from 'node:crypto';
import { CATALOGS, DEFAULT_LANGUAGE } from '../i18n/catalogs.ts';

/**
 * The disclosure a family reads before it consents to sign electronically (docs/PRODUCT.md,
 * "Evidence"), as the US ESIGN Act asks of a consumer contract. Its text is in each language's
 * catalog (`disclosure.text`, Markdown, rendered like the terms) under the version the catalog
 * names; a signature records the version and the sha256 of the exact text shown, so a changed text
 * is a new version. A language whose catalog has none shows the English one.
 */
export interface EsignDisclosure {
  readonly version: string;
  readonly text: string;
  /** Hex, of the text's UTF-8 bytes. */
  readonly sha256: string;
}

const disclosures = new Map<string, EsignDisclosure>();
for (const [language, catalog] of CATALOGS) {
  const text = catalog.get('disclosure.text');
  const version = catalog.get('language.esignDisclosure');
  if (text === undefined || version === undefined) continue;
  disclosures.set(language, { version, text, sha256: createHash('sha256').update(text, 'utf8').digest('hex') });
}

/** The disclosure shown in `language`. */
export function esignDisclosure(language: string): EsignDisclosure {
  const found = disclosures.get(language) ?? disclosures.get(DEFAULT_LANGUAGE);
  if (found === undefined) throw new Error('the English catalog has no e-sign disclosure');
  return found;
}
