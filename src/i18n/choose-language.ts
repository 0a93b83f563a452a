import { DEFAULT_LANGUAGE, isLanguage } from './catalogs.ts';

/**
 * The language a family reads in (docs/LANGUAGES.md, "Which language"), the first of: `?lang=` on
 * the page, the signer's own language, the club's default_language, the browser's Accept-Language,
 * English. A value without a catalog is passed over, so a stale setting or a hand-typed `?lang=xx`
 * falls through to the next.
 */
export function chooseLanguage(sources: {
  readonly query?: unknown;
  readonly signer?: string | null;
  readonly club?: string | null;
  readonly acceptLanguage?: string | undefined;
}): string {
  for (const candidate of [sources.query, sources.signer, sources.club]) {
    if (isLanguage(candidate)) return candidate;
  }
  return preferredLanguage(sources.acceptLanguage) ?? DEFAULT_LANGUAGE;
}

/**
 * The browser's most preferred language there is a catalog for (RFC 9110 §12.5.4): by q-value,
 * ties in the order given; `es-MX` is Spanish; `q=0` is "not this one"; `*` chooses nothing.
 */
export function preferredLanguage(header: string | undefined): string | null {
  if (header === undefined) return null;
  const ranked = header
    .split(',')
    .slice(0, 50)
    .map((entry, position) => {
      const [range = '', ...parameters] = entry.trim().split(';');
      const q = parameters.map((parameter) => /^\s*q\s*=\s*([01](?:\.\d{0,3})?)\s*$/i.exec(parameter)?.[1]).find(Boolean);
      return { language: range.trim().toLowerCase().split('-')[0] ?? '', q: q === undefined ? 1 : Number(q), position };
    })
    .filter((entry) => entry.q > 0 && isLanguage(entry.language))
    .sort((a, b) => b.q - a.q || a.position - b.position);
  return ranked[0]?.language ?? null;
}
