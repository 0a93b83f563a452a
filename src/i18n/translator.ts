import { IntlMessageFormat } from 'intl-messageformat';
import { CATALOGS, type Catalog, DEFAULT_LANGUAGE, isLanguage } from './catalogs.ts';

/** A value a message takes: text and numbers are formatted; everything is escaped in HTML. */
export type MessageValues = Readonly<Record<string, string | number>>;

/** Markup a message's tags become in HTML, given their content, already escaped. */
export type MessageTags = Readonly<Record<string, (inner: string) => string>>;

/** Every family-facing string, in one language (docs/LANGUAGES.md). */
export interface Translator {
  readonly language: string;
  /** For Intl: "en-US", "es". */
  readonly locale: string;
  /** The message as plain text: tags keep their content only. Escaping is the caller's (Eta's). */
  t(key: string, values?: MessageValues): string;
  /** The message as HTML: its text and values escaped, its tags made markup by `tags` (or the defaults). */
  html(key: string, values?: MessageValues, tags?: MessageTags): string;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (text: string): string => text.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] ?? char);

/** Markup a piece of a message became: kept apart from text, which is escaped. */
class Markup {
  constructor(readonly html: string) {}
}

/** A message compiled once per translator: its format and the tags it marks words with. */
interface Compiled {
  readonly format: IntlMessageFormat;
  readonly tags: readonly string[];
}
const translators = new Map<string, Translator>();

/** The translator of `language`; English for a code without a catalog. */
export function translator(language: string): Translator {
  const code = isLanguage(language) ? language : DEFAULT_LANGUAGE;
  let found = translators.get(code);
  if (found === undefined) {
    found = createTranslator(code, CATALOGS.get(code) as Catalog, CATALOGS.get(DEFAULT_LANGUAGE) as Catalog);
    translators.set(code, found);
  }
  return found;
}

/**
 * A translator over `catalog`, falling back to `fallback` (English) message by message: a missing
 * translation shows that one string in English, formatted for English.
 */
export function createTranslator(language: string, catalog: Catalog, fallback: Catalog): Translator {
  const locale = catalog.get('language.locale') ?? language;
  const fallbackLocale = fallback.get('language.locale') ?? DEFAULT_LANGUAGE;
  const compiled = new Map<string, Compiled>();
  const compile = (key: string): Compiled => {
    let found = compiled.get(key);
    if (found === undefined) {
      const own = catalog.get(key);
      const [message, messageLocale] = own !== undefined ? [own, locale] : [fallback.get(key), fallbackLocale];
      if (message === undefined) throw new Error(`no message "${key}" in the English catalog`);
      found = {
        format: new IntlMessageFormat(message, messageLocale, undefined, { ignoreTag: false }),
        tags: [...message.matchAll(/<([a-z]+)>/g)].map((match) => match[1] as string),
      };
      compiled.set(key, found);
    }
    return found;
  };

  return {
    language,
    locale,
    t(key, values = {}) {
      const { format, tags } = compile(key);
      const plainTags = Object.fromEntries(tags.map((tag) => [tag, (chunks: unknown[]) => chunks.join('')]));
      return String(format.format({ ...values, ...plainTags }));
    },
    html(key, values = {}, tags = {}) {
      const defaults: MessageTags = {
        strong: (inner) => `<strong>${inner}</strong>`,
        mail: (inner) => `<a href="mailto:${escapeHtml(String(values.email ?? ''))}">${inner}</a>`,
      };
      const { format, tags: marked } = compile(key);
      const markup = Object.fromEntries(
        marked.map((tag) => {
          const make = tags[tag] ?? defaults[tag];
          if (make === undefined) throw new Error(`message "${key}" has a tag <${tag}> no markup is given for`);
          return [tag, (chunks: unknown[]) => new Markup(make(chunks.map(piece).join('')))];
        }),
      );
      const parts = format.formatToParts<Markup>({ ...values, ...markup });
      return parts.map((part) => piece(part.value)).join('');
    },
  };
}

function piece(value: unknown): string {
  if (value instanceof Markup) return value.html;
  if (Array.isArray(value)) return value.map(piece).join('');
  return escapeHtml(String(value));
}
