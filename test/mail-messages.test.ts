import test from 'ava';
import { translator } from '../src/i18n/translator.ts';
import { type DefaultTreeAdapterTypes, type ParserError, parse } from 'parse5';
import { formatMonthlyFee } from '../src/formatting.ts';
import { type ContractMessage, renderMessage } from '../src/mail/messages.ts';

// README.md, "E-mail": what the family reads in each message. Every value is escaped for where it
// goes; names are stored exactly as the club sent them.

type Element = DefaultTreeAdapterTypes.Element;
type Node = DefaultTreeAdapterTypes.Node;

const contractUrl = 'http://localhost:3000/contract/Xy3_-abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLM';
const receiptUrl = `${contractUrl}/receipt`;
const base = {
  clubName: 'Demo Club',
  clubContactEmail: null as string | null,
  timeZone: 'UTC',
  playerName: 'Jacelyn Park',
  teamNames: ['U12 Gold', 'U14 Silver'],
  monthlyFee: 1500,
  currency: 'USD',
  contractUrl,
  signerName: null as string | null,
  language: 'en',
};
const signedAt = new Date(Date.UTC(2026, 0, 31, 18, 5, 9));

const offer = (overrides: Partial<Extract<ContractMessage, { kind: 'offer' }>> = {}): ContractMessage => ({
  ...base,
  kind: 'offer',
  replacesEarlierOffer: false,
  voided: null,
  ...overrides,
});
const reminder = (overrides: Partial<Extract<ContractMessage, { kind: 'reminder' }>> = {}): ContractMessage => ({
  ...base,
  kind: 'reminder',
  offeredAt: new Date(Date.UTC(2026, 0, 28, 9)),
  ...overrides,
});
const signed = (overrides: Partial<Extract<ContractMessage, { kind: 'confirmation' }>> = {}): ContractMessage => ({
  ...base,
  kind: 'confirmation',
  outcome: 'signed',
  signedBy: 'Dana Park',
  declinedBy: null,
  awaitedSigners: [],
  terms: null,
  at: signedAt,
  contractVersion: 'v7-2026',
  receiptUrl,
  ...overrides,
});
const declined = (overrides: Partial<Extract<ContractMessage, { kind: 'confirmation' }>> = {}): ContractMessage =>
  signed({ outcome: 'declined', signedBy: null, contractVersion: null, receiptUrl: null, ...overrides });

const every = (overrides: Partial<typeof base> = {}): Array<[string, ContractMessage]> => [
  ['offer', offer(overrides)],
  ['re-offer', offer({ replacesEarlierOffer: true, ...overrides })],
  ['reminder', reminder(overrides)],
  ['signed confirmation', signed(overrides)],
  ['declined confirmation', declined(overrides)],
];

const lines = (text: string) => text.split(/\r?\n/);

/** The HTML parsed by a browser-grade parser, with every parse error it reported. */
function parseHtml(html: string): { document: DefaultTreeAdapterTypes.Document; errors: ParserError[] } {
  const errors: ParserError[] = [];
  const document = parse(html, { onParseError: (error) => errors.push(error), sourceCodeLocationInfo: true });
  return { document, errors };
}

const VOID = new Set(['meta', 'br', 'hr', 'img', 'input', 'link']);

/**
 * What parse5's error callback does not report (it reports the tokenizer's errors): elements the
 * parser had to imply or close itself, and end tags it had to drop. `tbody`, which HTML lets a
 * table leave out, is the one element allowed to be implied.
 */
function structureProblems(html: string): string[] {
  const { document } = parseHtml(html);
  const problems: string[] = [];
  let closed = 0;
  for (const element of elements(document)) {
    const location = element.sourceCodeLocation;
    if (!location?.startTag) {
      if (element.tagName !== 'tbody') problems.push(`<${element.tagName}> implied`);
      continue;
    }
    if (VOID.has(element.tagName)) continue;
    if (location.endTag) closed += 1;
    else problems.push(`<${element.tagName}> at line ${location.startLine} not closed`);
  }
  const endTags = html.match(/<\/[a-z]/gi)?.length ?? 0;
  if (endTags !== closed) problems.push(`${endTags - closed} end tag(s) without their element`);
  return problems;
}

function elements(node: Node): Element[] {
  const children = 'childNodes' in node ? node.childNodes : [];
  const own = 'tagName' in node ? [node] : [];
  return [...own, ...children.flatMap(elements)];
}

function textContent(node: Node): string {
  if (node.nodeName === '#text') return (node as DefaultTreeAdapterTypes.TextNode).value;
  return 'childNodes' in node ? node.childNodes.map(textContent).join('') : '';
}

const elementNamed = (document: DefaultTreeAdapterTypes.Document, tagName: string) => {
  const found = elements(document).find((element) => element.tagName === tagName);
  if (found === undefined) throw new Error(`no <${tagName}>`);
  return found;
};
const body = (document: DefaultTreeAdapterTypes.Document) => elementNamed(document, 'body');

for (const [name, message] of every()) {
  test(`${name}: the subject and both parts name the club, the text holds the link on a line of its own`, (t) => {
    const rendered = renderMessage(message);
    t.true(rendered.subject.startsWith('Demo Club: '), rendered.subject);
    t.true(rendered.subject.includes('Jacelyn Park'));
    t.true(rendered.text.includes('Demo Club'));
    t.true(lines(rendered.text).includes(contractUrl), rendered.text);
    const { document } = parseHtml(rendered.html);
    t.true(textContent(body(document)).includes('Demo Club'));
    t.is(textContent(elementNamed(document, 'title')), rendered.subject);
  });

  test(`${name}: the HTML is well formed, readable on a phone, self-contained, with the link as a button`, (t) => {
    const { html } = renderMessage(message);
    const { document, errors } = parseHtml(html);
    t.deepEqual(
      errors.map((error) => `${error.code} at line ${error.startLine}`),
      [],
    );
    t.deepEqual(structureProblems(html), []);
    t.true(html.startsWith('<!doctype html>'));
    const all = elements(document);
    const viewport = all.find((element) => element.tagName === 'meta' && element.attrs.some((a) => a.value === 'viewport'));
    t.truthy(viewport, 'a viewport meta tag');
    t.regex(html, /max-width:/);
    // Nothing is fetched when the message opens, nothing runs.
    for (const tag of ['script', 'img', 'link', 'iframe', 'object', 'style', 'form']) {
      t.false(
        all.some((element) => element.tagName === tag),
        `no <${tag}>`,
      );
    }
    t.false(all.some((element) => element.attrs.some((a) => a.name === 'src' || a.name.startsWith('on'))));
    const links = all.filter((element) => element.tagName === 'a');
    t.true(links.length >= 1);
    // The contract's page, and for a signature its receipt: no other link.
    const targets = message.kind === 'confirmation' && message.receiptUrl !== null ? [contractUrl, receiptUrl] : [contractUrl];
    for (const link of links) t.true(targets.includes(link.attrs.find((a) => a.name === 'href')?.value ?? ''));
    t.truthy(links.find((link) => /padding:\s*1\dpx/.test(link.attrs.find((a) => a.name === 'style')?.value ?? '')));
  });

  test(`${name}: the player, the fee as the family page shows it, and the teams`, (t) => {
    const { text, html } = renderMessage(message);
    const htmlText = textContent(body(parseHtml(html).document));
    for (const part of [text, htmlText]) {
      t.true(part.includes('Jacelyn Park'));
      t.true(part.includes(formatMonthlyFee(1500, 'USD', translator('en'))));
      t.true(part.includes('$1,500 per month'));
      t.true(part.includes('U12 Gold, U14 Silver'));
    }
  });
}

test('the fee is shown in the club currency, in whole units', (t) => {
  t.true(renderMessage(offer({ currency: 'EUR', monthlyFee: 95 })).text.includes('€95 per month'));
  t.true(renderMessage(offer({ currency: 'JPY', monthlyFee: 12000 })).text.includes('¥12,000 per month'));
});

test('one team reads "Team", none reads that the club assigns one', (t) => {
  t.true(lines(renderMessage(offer({ teamNames: ['U12 Gold'] })).text).includes('Team: U12 Gold'));
  t.true(lines(renderMessage(offer({ teamNames: [] })).text).includes('Teams: To be assigned by the club'));
});

test('a re-offer says it replaces the earlier link; a first offer does not', (t) => {
  const again = renderMessage(offer({ replacesEarlierOffer: true }));
  const first = renderMessage(offer());
  t.regex(again.text, /replaces the one we sent before: the link in that e-mail no longer works/);
  t.regex(textContent(body(parseHtml(again.html).document)), /replaces the one we sent before/);
  t.regex(again.subject, /new contract offer/);
  t.notRegex(first.text, /replaces/);
  t.notRegex(first.html, /replaces/);
});

test('a reminder says when the offer was made', (t) => {
  const { text, subject } = renderMessage(reminder());
  t.regex(subject, /reminder/i);
  t.true(text.includes('a player contract on January 28, 2026'));
});

test('a signed confirmation: who signed, when (ISO 8601 in UTC and readable), fee, teams, version', (t) => {
  const { text, html, subject } = renderMessage(signed());
  t.regex(subject, /signed/);
  const textLines = lines(text);
  t.true(textLines.includes('Signed by: Dana Park'));
  t.true(textLines.includes('Signed on: January 31, 2026 at 6:05 PM UTC (2026-01-31T18:05:09Z)'), text);
  t.true(textLines.includes('Contract version: v7-2026'));
  t.true(textLines.includes('Monthly fee: $1,500 per month'));
  t.true(textLines.includes('Teams: U12 Gold, U14 Silver'));
  const htmlText = textContent(body(parseHtml(html).document));
  for (const expected of ['Dana Park', '2026-01-31T18:05:09Z', 'January 31, 2026 at 6:05 PM UTC', 'v7-2026']) {
    t.true(htmlText.includes(expected), expected);
  }
});

test('a signed confirmation links the receipt, on a line of its own in the text; a declined one has none', (t) => {
  const { text, html } = renderMessage(signed());
  t.true(lines(text).includes(receiptUrl), text);
  const hrefs = elements(parseHtml(html).document).flatMap((element) =>
    element.tagName === 'a' ? element.attrs.filter((a) => a.name === 'href').map((a) => a.value) : [],
  );
  t.true(hrefs.includes(receiptUrl));
  const refusal = renderMessage(declined());
  t.false(refusal.text.includes('/receipt') || refusal.html.includes('/receipt'));
});

test('a declined confirmation states the outcome and claims no signature', (t) => {
  const { text, html, subject } = renderMessage(declined());
  t.regex(subject, /declined/);
  t.true(text.includes('You declined the offer from Demo Club on January 31, 2026 at 6:05 PM UTC (2026-01-31T18:05:09Z)'));
  t.notRegex(text, /Signed|Contract version/);
  t.notRegex(textContent(body(parseHtml(html).document)), /Signed by|Contract version/);
});

for (const [name, message] of every({ clubContactEmail: "office+o'neil@example.test" })) {
  test(`${name}: names the club's contact e-mail as whom to ask, as a mailto link in the HTML`, (t) => {
    const { text, html } = renderMessage(message);
    t.true(
      lines(text).includes("Questions about the contract? Write to the club at office+o'neil@example.test, or reply to this e-mail."),
      text,
    );
    const { document, errors } = parseHtml(html);
    t.deepEqual(errors, []);
    t.deepEqual(structureProblems(html), []);
    t.true(textContent(body(document)).includes("Write to the club at office+o'neil@example.test"));
    const hrefs = elements(document).flatMap((element) =>
      element.tagName === 'a' ? element.attrs.filter((a) => a.name === 'href').map((a) => a.value) : [],
    );
    t.true(hrefs.includes("mailto:office+o'neil@example.test"), 'the attribute holds the address as sent, escaped in the markup');
    t.false(html.includes("o'neil"), 'the quote is escaped in the HTML');
  });
}

test('without a contact e-mail, families are told to contact the club directly', (t) => {
  for (const [name, message] of every()) {
    const { text, html } = renderMessage(message);
    t.true(lines(text).includes('Questions about the contract? Contact the club directly.'), name);
    t.false(html.includes('mailto:'), name);
  }
});

test('a declined confirmation names the contact e-mail where it says to contact the club', (t) => {
  const { text, html } = renderMessage(declined({ clubContactEmail: 'office@example.test' }));
  t.true(text.includes('If that was a mistake, contact the club at office@example.test: they can send you a new offer.'), text);
  t.true(textContent(body(parseHtml(html).document)).includes('contact the club at office@example.test: they can'));
});

test("times are shown in the club's time zone, named with its offset; the ISO time stays UTC", (t) => {
  const madrid = renderMessage(signed({ timeZone: 'Europe/Madrid' }));
  t.true(lines(madrid.text).includes('Signed on: January 31, 2026 at 7:05 PM (Europe/Madrid, UTC+1) (2026-01-31T18:05:09Z)'), madrid.text);
  t.true(textContent(body(parseHtml(madrid.html).document)).includes('January 31, 2026 at 7:05 PM (Europe/Madrid, UTC+1)'));

  const refusal = renderMessage(declined({ timeZone: 'America/Los_Angeles' }));
  t.true(refusal.text.includes('on January 31, 2026 at 10:05 AM (America/Los_Angeles, UTC-8) (2026-01-31T18:05:09Z)'), refusal.text);

  // 23:30 UTC on January 28 is already January 29 in Tokyo.
  const late = renderMessage(reminder({ timeZone: 'Asia/Tokyo', offeredAt: new Date(Date.UTC(2026, 0, 28, 23, 30)) }));
  t.true(late.text.includes('a player contract on January 29, 2026'), late.text);
});

test('a zone this Node.js does not know is read as UTC, and says so, rather than failing the message', (t) => {
  const { text } = renderMessage(signed({ timeZone: 'Atlantis/Poseidonia' }));
  t.true(lines(text).includes('Signed on: January 31, 2026 at 6:05 PM UTC (2026-01-31T18:05:09Z)'), text);
});

const hostile = {
  clubName: `"quoted" & 'single' <b>Club</b>`,
  playerName: '<script>alert(1)</script>',
  teamNames: ['<img src=x onerror=alert(1)>', 'javascript:alert(1)', 'A & B </td></tr></table>'],
};

for (const [name, message] of every(hostile)) {
  test(`${name}: hostile names stay text in the HTML and are shown as sent`, (t) => {
    const { html, text, subject } = renderMessage(
      message.kind === 'confirmation' && message.outcome === 'signed'
        ? { ...message, signedBy: '"><script>alert(2)</script>', contractVersion: "v1' onmouseover='x" }
        : message,
    );
    t.false(html.includes('<script'), 'no script tag in the markup');
    t.false(html.includes('<img'));
    t.false(html.includes('<b>'));
    const { document, errors } = parseHtml(html);
    t.deepEqual(errors, []);
    t.deepEqual(structureProblems(html), []);
    const all = elements(document);
    t.false(all.some((element) => ['script', 'img', 'b'].includes(element.tagName)));
    for (const element of all) {
      for (const attribute of element.attrs) {
        t.false(attribute.name.startsWith('on'), `${element.tagName} has no ${attribute.name}`);
        t.notRegex(attribute.value, /javascript:/i);
      }
    }
    // Parsed back, the text holds the names exactly as sent.
    const htmlText = textContent(body(document));
    for (const value of [hostile.clubName, hostile.playerName, hostile.teamNames.join(', ')]) {
      t.true(htmlText.includes(value), value);
      t.true(text.includes(value), `the plain text is not HTML-escaped: ${value}`);
    }
    t.true(subject.startsWith(`${hostile.clubName}: `));
    t.false(text.includes('&amp;') || text.includes('&lt;') || text.includes('&#39;'));
  });
}

test('a name with line breaks cannot put a line of its own (a fake link) into the text', (t) => {
  const { text, subject } = renderMessage(
    offer({ playerName: 'Dana\r\nhttps://phish.example.test/x\n', clubName: 'Demo\u2028Club\u202e' }),
  );
  t.false(lines(text).includes('https://phish.example.test/x'));
  t.deepEqual(
    lines(text).filter((line) => /^\s*https?:/.test(line)),
    [contractUrl],
    'the contract link is the only line that is a link',
  );
  t.regex(text, /Dana https:\/\/phish\.example\.test\/x /);
  t.false(/[\r\n\u2028\u202e]/.test(subject));
});

test('the structure check catches what the parse errors miss', (t) => {
  const page = (inner: string) => `<!doctype html><html><head><title>x</title></head><body>${inner}</body></html>`;
  t.deepEqual(structureProblems(page('<p>a</p>')), []);
  t.deepEqual(structureProblems(page('<p>a</div>')), ['<p> at line 1 not closed', '1 end tag(s) without their element']);
  t.deepEqual(structureProblems(page('<table><tr><td>a</td></tr></table>')), []);
  t.deepEqual(structureProblems('<p>a</p>'), ['<html> implied', '<head> implied', '<body> implied']);
});

test('only an http(s) contract link on one line is rendered', (t) => {
  for (const bad of ['javascript:alert(1)', 'data:text/html,x', 'http://localhost/contract/a b', 'https://x/\nhttps://y']) {
    t.throws(() => renderMessage(offer({ contractUrl: bad })), { message: /contractUrl/ }, bad);
  }
  t.notThrows(() => renderMessage(offer({ contractUrl: 'https://sign.example.org/c/contract/abc' })));
  t.throws(() => renderMessage(signed({ receiptUrl: 'javascript:alert(1)' })), { message: /receiptUrl/ });
});
