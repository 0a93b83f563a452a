import { Agent, get } from 'node:http';
import test from 'ava';
import { type DefaultTreeAdapterTypes, parseFragment } from 'parse5';
import { sql } from 'slonik';
import { z } from 'zod';
import { MAX_TERMS_ELEMENTS, MAX_TERMS_NESTING, termsCost, termsHtml } from '../src/terms/terms-html.ts';
import { useHarness } from './helpers/context.ts';
import { craftedTable, largestAllowedTable, largestAllowedTerms } from './helpers/costly-terms.ts';
import { createClub, createPlayer, createTeam } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';

// The crafted-terms finding (docs/RELIABILITY.md, "Security"): 100,000 characters of Markdown made
// 48,444 HTML elements that took 0.5-0.8 s to render, and the family page rendered them on every
// view. Terms may make at most MAX_TERMS_ELEMENTS elements (docs/PRODUCT.md, "Terms"), and the page
// renders each body once.

const harness = useHarness();
const BROWSER = { accept: 'text/html' };

async function club() {
  const { pool } = harness().db;
  const created = await createClub(pool);
  const token = await harness().server.adminToken(created.slug);
  const api = (method: string, path: string, body?: unknown) => request(harness().server.baseUrl, method, path, { token, body });
  const playerId = await createPlayer(pool, created, { teamIds: [await createTeam(pool, created)] });
  const storedTerms = () =>
    pool.oneFirst(sql.type(z.object({ count: z.number() }))`
      SELECT count(*)::integer AS count FROM contract_terms WHERE tenant_id = ${created.id}
    `);
  return { api, playerId, storedTerms };
}

const COSTLY = [
  { shape: 'a 240 × 200 table', body: craftedTable(), elements: '48,444' },
  { shape: 'a list of 25,000 items', body: '- a\n'.repeat(25_000), elements: '25,001' },
  { shape: '25,000 emphasised words', body: '*a* '.repeat(25_000), elements: '25,001' },
];

for (const { shape, body, elements } of COSTLY) {
  test(`terms of ${shape} → 422 validation_failed naming their elements and the limit; nothing is stored`, async (t) => {
    const { api, storedTerms } = await club();
    t.true(body.length <= 100_000, 'within the characters allowed');

    const reply = await api('POST', '/admin/contract-terms', { title: 'Costly', body });

    t.is(reply.status, 422);
    t.is(reply.body.error.code, 'validation_failed');
    t.is(
      reply.body.error.message,
      `The request body is not valid: "body": the terms would make ${elements} HTML elements (paragraphs, list items, ` +
        'table cells, emphasis, links…); at most 2,000 are allowed: shorten the tables or lists.',
    );
    t.is(await storedTerms(), 0);
  });
}

test('terms nesting quotes deeper than MAX_TERMS_NESTING → 422 validation_failed naming the depth; nothing is stored', async (t) => {
  const { api, storedTerms } = await club();
  // 100 elements only, but 99 quotes deep over 49,000 lazy lines took over a second to parse.
  const body = `${'>'.repeat(99)} a\n${'b\n'.repeat(49_000)}`;
  t.is(termsCost(body).elements, 100);

  const reply = await api('POST', '/admin/contract-terms', { title: 'Deep', body });

  t.is(reply.status, 422);
  t.is(
    reply.body.error.message,
    `The request body is not valid: "body": the terms nest quotes and lists 99 deep; at most ${MAX_TERMS_NESTING} are allowed: flatten them.`,
  );
  t.is(await storedTerms(), 0);
});

test('lists nested as real terms nest them are far within MAX_TERMS_NESTING', (t) => {
  const body = '1. Fees\n   - Monthly\n     - Due on the 1st\n       > Late fees apply.\n';

  t.is(termsCost(body).nesting, 4);
});

test('terms of exactly the elements allowed, in all the characters allowed, are accepted', async (t) => {
  const { api, storedTerms } = await club();
  const body = largestAllowedTerms();
  t.is(termsCost(body).elements, MAX_TERMS_ELEMENTS);

  const reply = await api('POST', '/admin/contract-terms', { title: 'Largest', body });

  t.is(reply.status, 201);
  t.is(await storedTerms(), 1);
});

test('long real terms stay far below the limit: 100 paragraphs with emphasis and links, lists, a fee table', (t) => {
  const sections = Array.from({ length: 10 }, (_, section) =>
    [
      `## ${section + 1}. Obligations`,
      ...Array.from(
        { length: 10 },
        (_, clause) =>
          `Clause ${section + 1}.${clause + 1}: the player and the *club* agree that every **training** and match of ` +
          'the season follows [the club rules](https://club.example/rules), and that fees are paid monthly.',
      ),
      Array.from({ length: 5 }, (_, item) => `- Item ${item + 1}: what the family provides`).join('\n'),
    ].join('\n\n'),
  );
  const fees = [
    '| Month | Fee | Due | Note |',
    '|---|---:|---|---|',
    ...Array.from({ length: 12 }, (_, m) => `| ${m + 1} | $150 | 1st | — |`),
  ];
  const body = ['# Player contract', ...sections, '## Fees', fees.join('\n')].join('\n\n');

  t.true(termsCost(body).elements * 3 < MAX_TERMS_ELEMENTS, `${termsCost(body).elements} elements`);
});

test('the count is the number of elements in the HTML the family page shows', (t) => {
  type Node = DefaultTreeAdapterTypes.Node;
  const elementsIn = (node: Node): number =>
    ('tagName' in node ? 1 : 0) + ('childNodes' in node ? node.childNodes.reduce((sum, child) => sum + elementsIn(child), 0) : 0);
  for (const body of [
    '# Title\n\nText with *emphasis*, **strong**, `code`, ~~struck~~, [a link](https://club.example) and <https://club.example>.',
    '- tight\n- list\n\n1. ordered\n2. list\n\n- loose\n\n- list',
    'A hard  \nbreak and a soft\nbreak\n\n---\n\n> quote\n>> nested\n\n```\nfenced\n```\n\n    indented code',
    '| a | b |\n|---|:-:|\n| c | d |',
    '[relative](/admin) ![image](https://club.example/x.png) <b>raw HTML</b>',
  ]) {
    t.is(termsCost(body).elements, elementsIn(parseFragment(termsHtml(body)) as unknown as Node), body);
  }
});

// Serial: ava runs serial tests before the others, so no other test's work is in this process's CPU.
test.serial('50 views of a family page with the largest table allowed cost less CPU than one render of the crafted table', async (t) => {
  const { api, playerId } = await club();
  const table = largestAllowedTable();
  t.is(termsCost(table).elements, MAX_TERMS_ELEMENTS);
  await api('POST', '/admin/contract-terms', { title: 'Fees', body: table });
  const offer = await api('POST', '/admin/contract/offer', { player_id: playerId, monthly_fee: 150 });
  const path = `/contract/${offer.body.contract_token}`;
  const crafted = craftedTable();

  const first = await request(harness().server.baseUrl, 'GET', path, { headers: BROWSER });
  t.true(first.body.includes('<td>a</td>'), 'the first view renders the terms');
  // Views enough for V8 to have compiled the page's code, which it does on threads of this process.
  for (let i = 0; i < 50; i += 1) await browserView(path);
  // The least of three rounds: other processes on the cores only ever add to a round's CPU time.
  const rounds: number[] = [];
  for (let round = 0; round < 3; round += 1) {
    rounds.push(
      await cpuMs(async () => {
        for (let i = 0; i < 50; i += 1) t.is(await browserView(path), 200);
      }),
    );
  }
  const views = Math.min(...rounds);
  const render = await cpuMs(() => termsHtml(crafted));

  t.log(`50 views: ${rounds.map((ms) => ms.toFixed(0)).join(', ')} ms of CPU; one render of the crafted table: ${render.toFixed(0)} ms`);
  t.true(views < render);
});

/** CPU time this process spends on `work`, in ms: the test server's included, as it runs in this process (helpers/server.ts). */
async function cpuMs(work: () => unknown): Promise<number> {
  const before = process.cpuUsage();
  await work();
  const { user, system } = process.cpuUsage(before);
  return (user + system) / 1000;
}

const keptAlive = new Agent({ keepAlive: true });

/**
 * A browser's GET of the page on a connection kept open, the page read and dropped: the client is
 * in this process too, and fetch() decoding every page would cost about as much as the server.
 */
function browserView(path: string): Promise<number> {
  const { hostname, port } = new URL(harness().server.baseUrl);
  return new Promise((resolve, reject) => {
    get({ host: hostname, port, path, headers: BROWSER, agent: keptAlive }, (response) => {
      response.resume().on('end', () => resolve(response.statusCode ?? 0));
    }).on('error', reject);
  });
}
