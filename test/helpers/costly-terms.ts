import { MAX_TERMS_ELEMENTS } from '../../src/terms/terms-html.ts';

// Terms bodies of the crafted-terms finding (docs/RELIABILITY.md, "Security"), for the tests and the bench.

const MAX_TERMS_CHARACTERS = 100_000;

/** The finding's body: one table of 240 rows × 200 columns, 97,283 characters making 48,444 HTML elements. */
export function craftedTable(rows = 240, columns = 200): string {
  const row = `|${'a|'.repeat(columns)}`;
  return [row, `|${'-|'.repeat(columns)}`, ...Array.from({ length: rows }, () => row)].join('\n');
}

/**
 * The costliest terms allowed: one paragraph of links (the costliest element to sanitise, by its
 * attributes), exactly MAX_TERMS_ELEMENTS elements, their URLs long enough to fill the characters allowed.
 */
export function largestAllowedTerms(): string {
  const links = MAX_TERMS_ELEMENTS - 1;
  const url = 'https://club.example/';
  const padding = Math.floor(MAX_TERMS_CHARACTERS / links) - `[a](${url}) `.length;
  return `[a](${url}${'x'.repeat(padding)}) `.repeat(links);
}

/**
 * The largest table allowed, as costly to render per character as the crafted one, and a note below
 * it: 35 rows (the header's too) of 56 cells make 1,998 elements, the note's paragraph and emphasis 2 more.
 */
export function largestAllowedTable(): string {
  return `${craftedTable(34, 56)}\n\nFees are due *monthly*.`;
}
