import { readFileSync, readdirSync } from 'node:fs';

/**
 * The message catalogs (docs/LANGUAGES.md): one JSON file per language in src/i18n/catalogs/,
 * named by its language code; adding a language is adding a file. Messages are ICU MessageFormat.
 * English is complete by rule (test/i18n-catalogs.test.ts): every other catalog may lack a message,
 * which then shows in English, that string alone.
 */

export const DEFAULT_LANGUAGE = 'en';

/** A catalog flattened: "page.contract.heading" → its message. */
export type Catalog = ReadonlyMap<string, string>;

const CATALOG_DIR = new URL('./catalogs/', import.meta.url);

export function flatten(tree: unknown, prefix = '', into = new Map<string, string>()): Map<string, string> {
  if (typeof tree === 'string') {
    into.set(prefix, tree);
    return into;
  }
  if (typeof tree !== 'object' || tree === null || Array.isArray(tree)) {
    throw new Error(`catalog entry ${prefix || '(root)'} is neither a message nor a group of them`);
  }
  for (const [key, value] of Object.entries(tree)) flatten(value, prefix === '' ? key : `${prefix}.${key}`, into);
  return into;
}

function loadCatalogs(): ReadonlyMap<string, Catalog> {
  const catalogs = new Map<string, Catalog>();
  for (const file of readdirSync(CATALOG_DIR)
    .filter((name) => name.endsWith('.json'))
    .sort()) {
    catalogs.set(file.slice(0, -'.json'.length), flatten(JSON.parse(readFileSync(new URL(file, CATALOG_DIR), 'utf8'))));
  }
  if (!catalogs.has(DEFAULT_LANGUAGE)) throw new Error(`src/i18n/catalogs/${DEFAULT_LANGUAGE}.json is missing`);
  return catalogs;
}

export const CATALOGS = loadCatalogs();

/** The languages there is a catalog for, English first. */
export const LANGUAGES: readonly string[] = [
  DEFAULT_LANGUAGE,
  ...[...CATALOGS.keys()].filter((code) => code !== DEFAULT_LANGUAGE),
];

export function isLanguage(code: unknown): code is string {
  return typeof code === 'string' && CATALOGS.has(code);
}
