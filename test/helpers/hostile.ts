import fc from 'fast-check';

// Building blocks for property tests that throw what a hostile or broken client might send. Each
// one is something HTTP can carry: anything else never reaches the service.

/** Any UTF-16 code unit, so strings can hold lone surrogates (which JSON can carry as \ud800). */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((unit) => String.fromCharCode(unit));

/** Strings that have broken services before, by kind. */
const NOTORIOUS = {
  // PostgreSQL text cannot hold NUL; terminals and logs choke on escapes.
  control: ['\u0000', 'a\u0000b', 'Dana Park\u0000', '\u0007\u001b[31m', '\r\n\t'],
  // JSON can carry half a surrogate pair; UTF-8 cannot.
  surrogates: ['\ud800', '\udfff', 'Dana\udbff', '\udc00Park', '\ud83d'],
  invisible: ['\u202eDana Park', '\u200f\u200e', '\u200b', '\ufeff', '\u00a0', ' ', ''],
  scripts: ['👨‍👩‍👧‍👦 Park', 'Zoë', 'e\u0301', '𝕏', 'ǅ', 'שלום', '日本語', 'O’Brien'],
  injection: ["O'Brien; DROP TABLE players; --", '<script>alert(1)</script>', '${7*7}', '{{7*7}}', '%00', '%s%n', '../../etc/passwd'],
  lookalikes: ['null', 'true', '1', '-0', '1e308', '9007199254740993', '-9223372036854775809', '__proto__', 'constructor'],
  addresses: [
    'https://sign.example.test/s/1',
    'http://sign.example.test/s/1',
    'https://',
    'https://\u0000.test',
    'https://sign.example.test/\u0000',
    'https://sign.example.test/\ud800',
    'javascript:alert(1)',
    'family+x@example.test',
    'a\u0000@example.test',
    '@',
  ],
};

export const oddString: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...NOTORIOUS.control) },
  { weight: 2, arbitrary: fc.constantFrom(...NOTORIOUS.surrogates) },
  { weight: 1, arbitrary: fc.constantFrom(...NOTORIOUS.invisible) },
  { weight: 1, arbitrary: fc.constantFrom(...NOTORIOUS.scripts) },
  { weight: 1, arbitrary: fc.constantFrom(...NOTORIOUS.injection) },
  { weight: 1, arbitrary: fc.constantFrom(...NOTORIOUS.lookalikes) },
  { weight: 1, arbitrary: fc.constantFrom(...NOTORIOUS.addresses) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', maxLength: 30 }) },
  { weight: 2, arbitrary: fc.string({ unit: codeUnit, maxLength: 30 }) },
  { weight: 1, arbitrary: fc.integer({ min: 190, max: 20_000 }).map((length) => 'x'.repeat(length)) },
  { weight: 1, arbitrary: fc.constant('é'.repeat(100_000)) },
);

/** Numbers a field does not want: huge, tiny, negative zero, fractions, past int4 and 2^53. */
export const oddNumber: fc.Arbitrary<number> = fc.oneof(
  fc.constantFrom(1e308, -1e308, -0, 0, -1, 0.5, 1.5, 5e-324, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, 2 ** 53 + 2, -(2 ** 53), 1_000_001),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
);

/** Number literals only raw JSON text can hold (and some that are not JSON at all). */
const NUMBER_LITERALS = [
  '1e400',
  '-1e400',
  '-0',
  '1.0',
  '1e2',
  '1E+2',
  '123456789012345678901234567890',
  '9007199254740993',
  '00',
  '+1',
  '.5',
  '0x10',
  'NaN',
  'Infinity',
];

/** JSON text for one value a field should refuse, or not know what to do with. */
export const oddJsonValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: oddString.map((value) => JSON.stringify(value)) },
  { weight: 3, arbitrary: oddNumber.map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.constantFrom(...NUMBER_LITERALS) },
  { weight: 1, arbitrary: oddNumber.map((value) => JSON.stringify(String(value))) },
  { weight: 1, arbitrary: fc.bigInt().map((value) => JSON.stringify(String(value))) },
  { weight: 1, arbitrary: fc.constantFrom('null', 'true', 'false', '[]', '{}', '[null]', '{"__proto__":{"admin":true}}') },
  { weight: 1, arbitrary: fc.array(oddNumber, { maxLength: 30 }).map((value) => JSON.stringify(value)) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)) },
);

/** Field names a body or query string should not have. */
export const oddKey: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'tenant', 'tenant_id', 'id', ''),
  fc.string({ unit: 'grapheme', maxLength: 12 }),
);

/** JSON text of an object with these (possibly repeated) members, each value already JSON. */
export function jsonObjectText(members: ReadonlyArray<readonly [string, string]>): string {
  return `{${members.map(([key, value]) => `${JSON.stringify(key)}:${value}`).join(',')}}`;
}

/** Bodies that are not a JSON object at all. */
export const oddBodyText: fc.Arbitrary<string | Buffer> = fc.oneof(
  fc.constantFrom('', ' ', 'null', '[]', '"text"', '1', '{', '{"player_id":', '\ufeff{}', '{}garbage', '{"a":1}{"a":2}'),
  fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value)),
  fc.string({ unit: 'binary', maxLength: 60 }),
  fc.constantFrom(
    'signed_by=Dana+Park&agree=yes&esign_consent=yes',
    'signed_by=a&signed_by=b&agree=yes&esign_consent=yes',
    '__proto__[x]=1&agree=yes&esign_consent=yes',
    '%zz=%',
  ),
  fc.uint8Array({ maxLength: 60 }).map((bytes) => Buffer.from(bytes)),
  fc.constant(JSON.stringify({ padding: 'x'.repeat(40_000) })),
);

/**
 * A path segment holding `value`, percent-encoded as a client would; a lone surrogate goes out as
 * its three-byte (invalid UTF-8) form, the way a sloppy encoder writes it.
 */
export function encodeSegment(value: string): string {
  let encoded = '';
  for (const char of value) {
    const unit = char.charCodeAt(0);
    if (char.length === 1 && unit >= 0xd800 && unit <= 0xdfff) {
      encoded += [0xe0 | (unit >> 12), 0x80 | ((unit >> 6) & 0x3f), 0x80 | (unit & 0x3f)]
        .map((byte) => `%${byte.toString(16).toUpperCase()}`)
        .join('');
    } else {
      encoded += encodeURIComponent(char);
    }
  }
  return encoded;
}

/** Path segments as sent on the wire: encoded odd strings, and raw percent garbage. */
export const oddSegment: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: oddString.filter((value) => value.length < 3000).map(encodeSegment) },
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      '%',
      '%%',
      '%zz',
      '%E0%A4%A',
      '%C0%AF',
      '%ff',
      '%00',
      '%2F',
      '%5C',
      '..',
      '.',
      '%2e%2e',
      '%2e%2e%2fadmin',
      ';',
      ';x=1',
      '*',
      '~',
      "'",
      '%27%20OR%201=1--',
      'a'.repeat(4000),
    ),
  },
);

/** Query strings: repeated keys, arrays, prototype keys, percent garbage, around the real names. */
export function oddQuery(names: readonly string[], plausible: (name: string) => fc.Arbitrary<string>): fc.Arbitrary<string> {
  const known = names.length > 0 ? fc.constantFrom(...names) : oddKey;
  const pair = fc.oneof(
    { weight: 4, arbitrary: known.chain((name) => fc.tuple(fc.constant(name), fc.oneof(plausible(name), oddString))) },
    {
      weight: 1,
      arbitrary: fc.tuple(
        known.map((name) => `${name}[]`),
        plausible(''),
      ),
    },
    { weight: 1, arbitrary: fc.tuple(oddKey, oddString) },
  );
  const encoded = pair.map(([key, value]) => `${encodeSegment(key)}=${encodeSegment(value.slice(0, 500))}`);
  const garbage = fc.constantFrom('%', '%zz=%', '&&', '==', '=', 'a[b]=c', '__proto__[admin]=true', 'force', '?', '#x', ';');
  return fc
    .array(fc.oneof({ weight: 4, arbitrary: encoded }, { weight: 1, arbitrary: garbage }), { maxLength: 5 })
    .map((parts) => (parts.length === 0 ? '' : `?${parts.join('&')}`));
}

/** What HTTP lets into a header value: the UTF-8 bytes of `value`, less control characters. */
export function headerValue(value: string): string {
  return Buffer.from(value, 'utf8')
    .toString('latin1')
    .replace(/[^\t\x20-\x7e\x80-\xff]/g, '')
    .trim();
}

/** A roster file's cell that the import should refuse, read oddly, or keep exactly (docs/PRODUCT.md, "Roster import"). */
export const oddCsvCell: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: oddString },
  {
    weight: 3,
    arbitrary: fc.constantFrom('"', '""', '"a""b"', '"unclosed', 'a"b', '"a"b', ',', ';', '\r\n', '\n', '\r', '\u0000', '\ufeff', ' '),
  },
  { weight: 1, arbitrary: fc.constantFrom('2999-01-01', '2014-02-30', '14/02/2014', 'x'.repeat(201), 'R-1', 'U12 Gold') },
);

/** Content types a CSV body may come under, right or wrong. */
export const CSV_CONTENT_TYPES = [
  'text/csv',
  'text/csv; charset=utf-8',
  'TEXT/CSV; charset=UTF-8',
  'text/csv; charset=latin1',
  'text/csv; charset=utf-16',
  'text/csv; header=present',
  'application/csv',
];

export const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'application/json; charset=UTF-8',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/json; charset=nonsense',
  'APPLICATION/JSON',
  'application/json;;',
  'application/json, text/plain',
  'application/vnd.api+json',
  'application/merge-patch+json',
  'text/json',
  'text/plain',
  'text/html',
  'application/x-www-form-urlencoded',
  'application/x-www-form-urlencoded; charset=utf-8',
  'multipart/form-data; boundary=xyz',
  'application/octet-stream',
  '*/*',
  'json',
  ';',
  '',
];

export const ACCEPTS = [
  'application/json',
  'text/html',
  'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
  '*/*',
  'application/json;q=0, text/html;q=0',
  'text/html;q=0',
  'image/png',
  'application/xml',
  'garbage',
  ';;;',
  'text/*',
  '*/*;q=abc',
  `text/html, ${'x'.repeat(2000)}`,
  '',
];
