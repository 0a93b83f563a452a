import test from 'ava';
import { type DefaultTreeAdapterTypes, parseFragment } from 'parse5';
import { sanitizedHtml, termsHtml } from '../src/terms/terms-html.ts';

// docs/PRODUCT.md, "What the family signs": the club's Markdown terms become HTML on the family page.
// Whatever a club (or whoever holds its admin token) writes, nothing in it runs, loads, or links
// anywhere but to an http(s) or mailto address. Checked on the HTML as a browser-grade parser reads it.

type Element = DefaultTreeAdapterTypes.Element;
type Node = DefaultTreeAdapterTypes.Node;

function elements(node: Node): Element[] {
  const children = 'childNodes' in node ? node.childNodes : [];
  const own = 'tagName' in node ? [node as Element] : [];
  return [...own, ...children.flatMap(elements)];
}

const parsed = (html: string) => elements(parseFragment(html) as unknown as Node);

const ALLOWED_TAGS = new Set([
  ...['h3', 'h4', 'h5', 'h6', 'p', 'br', 'hr', 'blockquote', 'pre', 'code'],
  ...['ul', 'ol', 'li', 'em', 'strong', 's', 'a', 'table', 'thead', 'tbody', 'tr', 'th', 'td'],
]);
/** What a browser would read as a script URL: the scheme after stripping what it ignores. */
const SCRIPTY_URL = /^(?:javascript|vbscript|data):/i;
const schemeOf = (value: string) => value.replace(/[\s\p{Cc}]+/gu, '').toLowerCase();

/** Everything a hostile fragment could leave behind, named; empty when the HTML is safe. */
function dangers(html: string): string[] {
  const found: string[] = [];
  for (const element of parsed(html)) {
    if (!ALLOWED_TAGS.has(element.tagName)) found.push(`<${element.tagName}>`);
    for (const { name, value } of element.attrs) {
      if (name.startsWith('on')) found.push(`${element.tagName}[${name}]`);
      if (name === 'style' || name === 'src' || name === 'srcdoc' || name === 'class') found.push(`${element.tagName}[${name}]`);
      if (SCRIPTY_URL.test(schemeOf(value))) found.push(`${element.tagName}[${name}=${value}]`);
    }
    if (element.tagName === 'a') {
      const href = element.attrs.find((attribute) => attribute.name === 'href')?.value;
      if (href !== undefined && !/^(?:https?:\/\/|mailto:)/i.test(href)) found.push(`a[href=${href}]`);
      if (href !== undefined && element.attrs.find((attribute) => attribute.name === 'rel')?.value !== 'noopener noreferrer') {
        found.push(`a[href=${href}] without rel="noopener noreferrer"`);
      }
    }
  }
  return found;
}

const HOSTILE_MARKDOWN = [
  '<script>alert(1)</script>',
  'Before <script>alert(1)</script> after',
  '[x](javascript:alert(1))',
  '[x](JaVaScRiPt:alert(1))',
  '[x](&#106;avascript:alert(1))',
  '[x](java\tscript:alert(1))',
  '[x](vbscript:msgbox(1))',
  '[x](data:text/html,<script>alert(1)</script>)',
  '[x](data:image/png;base64,iVBORw0KGgo=)',
  '<javascript:alert(1)>',
  '[ref][r]\n\n[r]: javascript:alert(1)',
  '<img src=x onerror=alert(1)>',
  '![x](https://tracker.example/pixel.png)',
  '![x](javascript:alert(1))',
  '<a href="data:text/html,<script>alert(1)</script>">click</a>',
  '<a href="https://example.org" onclick="alert(1)">click</a>',
  '<div onclick="alert(1)">\n\n*inside a raw HTML block*\n\n</div>',
  '<iframe src="https://evil.example"></iframe>',
  '<style>body{display:none}</style>',
  '<svg><script>alert(1)</script></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>',
  '<!-- <script>alert(1)</script> -->',
  '[relative](/admin/contracts) and [protocol-relative](//evil.example/x)',
  '| a |\n|:-:|\n| <b onmouseover=alert(1)>x</b> |',
];

for (const markdown of HOSTILE_MARKDOWN) {
  test(`Markdown ${JSON.stringify(markdown).slice(0, 70)}: nothing in it runs, loads or links elsewhere`, (t) => {
    const html = termsHtml(markdown);
    t.deepEqual(dangers(html), [], html);
    t.false(/<script|<img|<iframe|<style|<svg/i.test(html), html);
  });
}

test('raw HTML in the Markdown is shown as text, not dropped silently', (t) => {
  const html = termsHtml('Fees <b>must</b> be paid <script>alert(1)</script>');
  t.true(html.includes('&lt;b&gt;must&lt;/b&gt;'), html);
  t.true(html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), html);
});

// The second layer alone, as if markdown-it had let something through.
const HOSTILE_HTML = [
  '<script>alert(1)</script>',
  '<p onclick="alert(1)">x</p>',
  '<a href="javascript:alert(1)">x</a>',
  '<a href="  JAVASCRIPT:alert(1)">x</a>',
  '<a href="java&#x09;script:alert(1)">x</a>',
  '<a href="data:text/html,&lt;script&gt;alert(1)&lt;/script&gt;">x</a>',
  '<a href="vbscript:msgbox(1)">x</a>',
  '<a href="/admin">x</a>',
  '<a href="//evil.example">x</a>',
  '<a href="https://example.org" target="_blank" rel="opener">x</a>',
  '<img src=x onerror=alert(1)>',
  '<p style="background:url(javascript:alert(1))">x</p>',
  '<iframe srcdoc="<script>alert(1)</script>"></iframe>',
  '<form action="https://evil.example"><input name="q"><button>go</button></form>',
  '<object data="x.swf"></object><embed src="x.swf">',
  '<svg onload="alert(1)"><a href="javascript:alert(1)">x</a></svg>',
  '<h1 class="big" id="x">Title</h1>',
  '<table><tr><td onmouseover="alert(1)" style="color:red">x</td></tr></table>',
];

for (const html of HOSTILE_HTML) {
  test(`sanitiser alone, ${JSON.stringify(html).slice(0, 70)}: only the allow-list survives`, (t) => {
    const clean = sanitizedHtml(html);
    t.deepEqual(dangers(clean), [], clean);
  });
}

test('ordinary Markdown renders: headings below the page’s own, lists, emphasis, links, quotes, code, tables', (t) => {
  const html = termsHtml(
    [
      '# Player contract',
      '## Fees',
      'The fee is **due** on the *1st*; see [the club rules](https://club.example/rules?a=1&b=2) or [write to us](mailto:office@club.example).',
      '- one\n- two',
      '3. three\n4. four',
      '> A quote.',
      '`inline` and\n\n```\nblock <code>\n```',
      '---',
      '| Month | Fee |\n|:--|--:|\n| May | $150 |',
    ].join('\n\n'),
  );
  const all = parsed(html);
  const tags = all.map((element) => element.tagName);
  for (const tag of ['h3', 'h4', 'strong', 'em', 'ul', 'ol', 'li', 'blockquote', 'code', 'pre', 'hr', 'table', 'th', 'td']) {
    t.true(tags.includes(tag), `<${tag}>`);
  }
  t.false(tags.includes('h1') || tags.includes('h2'), 'the page’s h1 and h2 stay the only ones');
  const links = all.filter((element) => element.tagName === 'a').map((a) => Object.fromEntries(a.attrs.map((x) => [x.name, x.value])));
  t.deepEqual(links, [
    { href: 'https://club.example/rules?a=1&b=2', rel: 'noopener noreferrer' },
    { href: 'mailto:office@club.example', rel: 'noopener noreferrer' },
  ]);
  t.deepEqual(all.find((element) => element.tagName === 'ol')?.attrs, [{ name: 'start', value: '3' }]);
  t.true(html.includes('block &lt;code&gt;'));
  t.deepEqual(dangers(html), []);
});

test('the text’s top heading becomes h3 whatever level it was written at, and levels keep their steps', (t) => {
  const tags = (markdown: string) => parsed(termsHtml(markdown)).map((element) => element.tagName);
  t.deepEqual(tags('### A\n\n#### B'), ['h3', 'h4']);
  t.deepEqual(tags('# A\n\n###### F'), ['h3', 'h6']);
  t.deepEqual(tags('No headings at all.'), ['p']);
});

test('the check above catches what it looks for', (t) => {
  t.deepEqual(dangers('<p onclick="x">a</p><script></script><a href="JavaScript:x">b</a><a href="https://x.example">c</a>'), [
    'p[onclick]',
    '<script>',
    'a[href=JavaScript:x]',
    'a[href=JavaScript:x]',
    'a[href=JavaScript:x] without rel="noopener noreferrer"',
    'a[href=https://x.example] without rel="noopener noreferrer"',
  ]);
});
