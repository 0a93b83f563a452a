import { BoundedCache } from '../bounded-cache.ts';
import type { ContractTerms } from '../family/store.ts';
import { termsHtml } from './terms-html.ts';

export type TermsHtml = (terms: Pick<ContractTerms, 'sha256' | 'body'>) => string;

/**
 * Terms as HTML, rendered once (security issue 20): terms never change, and the same body makes
 * the same HTML, so it is kept by the SHA-256 of its text, whichever club's it is. Rendering the
 * largest terms allowed costs tens of ms; a page view serving them from here costs nothing of it.
 * Bounded by the HTML's characters, the least recently viewed going first.
 */
export function cachedTermsHtml(maxCharacters: number): TermsHtml {
  const rendered = new BoundedCache<string>(maxCharacters, Date.now, (html) => html.length);
  return ({ sha256, body }) => {
    const cached = rendered.get(sha256);
    if (cached !== undefined) return cached;
    const html = termsHtml(body);
    rendered.set(sha256, html);
    return html;
  };
}
