import MarkdownIt, { type Token } from 'markdown-it';
import sanitizeHtml from 'sanitize-html';

/**
 * A club's contract terms, written in Markdown, as HTML the family page can show (docs/API.md,
 * "Terms and the receipt"). Two layers, so that neither alone has to be right: markdown-it with `html:
 * false` escapes raw HTML and makes links only of absolute http(s) and mailto URLs; sanitize-html
 * then keeps only the elements and attributes below, and links only to http(s) and mailto.
 */

/** Absolute links only: a relative one would point into this service, whose page URLs are credentials. */
const ABSOLUTE_LINK = /^(?:https?:\/\/|mailto:)/i;

// Images are off: the terms are text, and an image would be fetched from wherever the club pointed
// it (the page's CSP would block it anyway). `![alt](url)` stays a link.
const markdown = new MarkdownIt({ html: false, linkify: false, typographer: false }).disable('image');
// Stricter than markdown-it's own check, which lets data:image/… through: anything else stays text.
markdown.validateLink = (url) => ABSOLUTE_LINK.test(url);

/** The page's own headings are h1 (the contract) and h2 (the terms' title); the text's start below them. */
const FIRST_HEADING_LEVEL = 3;

const ALLOWED: sanitizeHtml.IOptions = {
  allowedTags: [
    ...['h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'blockquote', 'pre', 'code'],
    ...['ul', 'ol', 'li', 'em', 'strong', 's', 'a'],
    ...['table', 'thead', 'tbody', 'tr', 'th', 'td'],
  ],
  // No style (markdown-it aligns table cells with it, and the CSP refuses inline styles) and no class.
  allowedAttributes: { a: ['href', 'rel'], ol: ['start'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: {},
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: {
    // A link tells the site it opens nothing about the page. One that is not absolute keeps its text
    // and loses its target (turning it into another element would confuse the sanitiser's nesting).
    a: (_tagName, { href = '' }) => {
      const attribs: sanitizeHtml.Attributes = ABSOLUTE_LINK.test(href) ? { href, rel: 'noopener noreferrer' } : {};
      return { tagName: 'a', attribs };
    },
  },
};

/** The terms' Markdown as sanitised HTML, its headings moved below the page's own. */
export function termsHtml(body: string): string {
  return sanitizedHtml(markdown.renderer.render(termsTokens(body), markdown.options, {}));
}

/**
 * The terms' Markdown parsed as the page parses it, its top heading level moved to h3: what the
 * page renders as HTML and the receipt PDF draws (src/receipts/render.ts), so both show the same.
 */
export function termsTokens(body: string): Token[] {
  const tokens = markdown.parse(body, {});
  const top = tokens.reduce((level, token) => (token.type === 'heading_open' ? Math.min(level, levelOf(token.tag)) : level), 6);
  const shift = FIRST_HEADING_LEVEL - top;
  for (const token of tokens) {
    if (token.type === 'heading_open' || token.type === 'heading_close')
      token.tag = `h${Math.min(6, levelOf(token.tag) + shift)}`;
  }
  return tokens;
}

/** Whether a link target is one the page makes a link of (absolute http(s) or mailto). */
export const isTermsLink = (url: string) => ABSOLUTE_LINK.test(url);

/** The second layer on its own: whatever HTML it is given, only the allow-list comes out. */
export function sanitizedHtml(html: string): string {
  return sanitizeHtml(html, ALLOWED);
}

const levelOf = (tag: string) => Number(tag.slice(1));

/**
 * The most HTML elements a club's terms may make (docs/PRODUCT.md, "Terms"). Rendering and
 * sanitising cost follows the elements more than the characters: 100,000 characters of one 240 ×
 * 200 table made 48,000 cells and took 0.5-0.8 s, where plain text of that length takes 9 ms. At
 * 2,000 the costliest shapes measured (links, tables, emphasis, lists, headings, nested quotes)
 * render in 25-50 ms on a busy 2-core machine, while long real terms stay far below: 100 paragraphs
 * each with emphasis, bold and a link, ten short lists and a 12-month fee table make 540.
 */
export const MAX_TERMS_ELEMENTS = 2_000;

/**
 * The deepest the terms' quotes and lists may sit inside each other. Real terms nest a list or two;
 * markdown-it's block parse grows with depth times lines, and 99 quotes deep over 49,000 lazy
 * continuation lines took 1.1-1.7 s to parse while making only 100 elements (20 deep: 0.27 s).
 */
export const MAX_TERMS_NESTING = 20;

/** What rendering `body` would cost, read from markdown-it's parse alone (the cheaper half of the work, and deterministic). */
export interface TermsCost {
  /**
   * How many HTML elements termsHtml would make: opening tags, and those that close themselves
   * (hr, br, code). Hidden tokens (the paragraphs of a tight list) and soft line breaks make none.
   */
  readonly elements: number;
  /** How many quotes and lists the deepest text sits in. */
  readonly nesting: number;
}

export function termsCost(body: string): TermsCost {
  let elements = 0;
  let depth = 0;
  let nesting = 0;
  for (const token of markdown.parse(body, {})) {
    elements += elementsOf(token);
    for (const child of token.children ?? []) elements += elementsOf(child);
    if (CONTAINERS.has(token.type)) {
      depth += token.nesting;
      nesting = Math.max(nesting, depth);
    }
  }
  return { elements, nesting };
}

const CONTAINERS = new Set(
  ['blockquote', 'bullet_list', 'ordered_list'].flatMap((container) => [`${container}_open`, `${container}_close`]),
);

function elementsOf(token: Token): number {
  if (token.hidden || token.nesting === -1) return 0;
  if (token.nesting === 1) return 1;
  if (token.type === 'fence' || token.type === 'code_block') return 2; // <pre><code>
  return token.tag !== '' && token.type !== 'softbreak' ? 1 : 0;
}
