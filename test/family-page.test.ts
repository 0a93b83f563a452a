import test from 'ava';
import { useHarness } from './helpers/context.ts';
import { createClub, createPlayer, createTeam, putContractInState, randomToken, readAuditLog, readPlayer } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { rawRequest } from './helpers/raw-http.ts';
import { CONTRACT_BASE_URL } from './helpers/server.ts';
import { createContractTerms } from '../src/terms/store.ts';
import { offerContract, withdrawContract } from '../src/contracts/store.ts';
import { updateClub } from '../src/club/store.ts';
import { esignDisclosure } from '../src/family/esign-disclosure.ts';

const ESIGN_DISCLOSURE = esignDisclosure('en');
import { formatReadableTime } from '../src/formatting.ts';

// docs/PRODUCT.md, "Family links". The page a parent opens on a phone: served as HTML to browsers,
// forms that post and redirect back (so no JavaScript is needed), every value escaped.

const harness = useHarness({ CONTRACT_VERSION: '2026-27', CONTRACT_CURRENCY: 'USD' });
const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

async function offered(name = 'Jacelyn Park', teamName = 'U12 Gold', clubName = 'Westside Hoops') {
  const { pool } = harness().db;
  const club = await createClub(pool, clubName);
  const playerId = await createPlayer(pool, club, { name, teamIds: [await createTeam(pool, club, teamName)] });
  return { club, playerId, token: await putContractInState(pool, club, playerId, 'offered') };
}

const page = (token: string, query = '') => request(harness().server.baseUrl, 'GET', `/contract/${token}${query}`, { headers: BROWSER });
const post = (token: string, action: 'sign' | 'decline', form: string) =>
  request(harness().server.baseUrl, 'POST', `/contract/${token}/${action}`, { rawBody: form, headers: { ...FORM, ...BROWSER } });

test('a browser gets the page: name, team, fee, version, the signature form and the decline', async (t) => {
  const { token } = await offered();
  const reply = await page(token);
  t.is(reply.status, 200);
  t.regex(reply.headers.get('content-type') ?? '', /^text\/html/);
  const html: string = reply.body;
  for (const text of ['Jacelyn Park', 'U12 Gold', '$150 per month', '2026-27', 'Sign contract', 'Yes, decline the offer']) {
    t.true(html.includes(text), text);
  }
  t.regex(html, /<label for="signed_by">/);
  t.regex(html, /<input id="signed_by" name="signed_by" type="text" required/);
  t.regex(html, new RegExp(`<form class="sign" method="post" action="${token}/sign">`));
  t.false(html.includes('<script'), 'no JavaScript');
});

test('the page is private: not cached, no referrer, no third-party anything (CSP)', async (t) => {
  const { token } = await offered();
  const { headers } = await page(token);
  t.is(headers.get('cache-control'), 'no-store');
  t.is(headers.get('referrer-policy'), 'no-referrer');
  t.is(headers.get('x-content-type-options'), 'nosniff');
  t.regex(headers.get('content-security-policy') ?? '', /default-src 'none'; style-src 'self'; form-action 'self'/);
});

test('every value is escaped', async (t) => {
  const { token } = await offered('<script>alert("x")</script> & Zoë', '<img src=x onerror=alert(1)>', `"Club" <script>x</script>`);
  const html: string = (await page(token)).body;
  t.false(html.includes('<script>alert'));
  t.false(html.includes('<script>x'));
  t.false(html.includes('<img src=x'));
  t.true(html.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Zoë'));
  t.true(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  t.true(html.includes('<p class="club">&quot;Club&quot; &lt;script&gt;x&lt;/script&gt;</p>'), 'the club, named above the contract');
});

// docs/PRODUCT.md, "What the family signs".
test('a contract with terms shows them, rendered and sanitised, with version and hash, before the signature form', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool, `Westside "Hoops" <b>`);
  const body =
    '# Season rules\n\nThe fee is **due** on the 1st.\n\n- Train twice a week\n\n<script>alert(1)</script> [x](javascript:alert(1))\n';
  const terms = await createContractTerms(pool, club.id, { title: 'Player <contract>', body, actor: 'registrar@example.test' });
  const playerId = await createPlayer(pool, club, { name: 'Jacelyn Park', teamIds: [await createTeam(pool, club, 'U12 Gold')] });
  const token = await putContractInState(pool, club, playerId, 'offered');

  const html: string = (await page(token)).body;

  t.true(html.includes('<p class="club">Westside &quot;Hoops&quot; &lt;b&gt;</p>'));
  t.true(html.includes('<h2 id="terms-title">Player &lt;contract&gt;</h2>'));
  t.true(html.includes(`Version 1 · SHA-256 <span class="hash">${terms.sha256}</span>`));
  t.regex(html, /<div class="terms-text" role="region" aria-labelledby="terms-title">/);
  t.true(html.includes('<h3>Season rules</h3>'));
  t.true(html.includes('The fee is <strong>due</strong> on the 1st.'));
  t.true(html.includes('<li>Train twice a week</li>'));
  t.true(html.includes('&lt;script&gt;alert(1)&lt;/script&gt; [x](javascript:alert(1))'), 'raw HTML and script links stay text');
  t.false(html.includes('<script'));
  t.false(html.includes('href="javascript'));
  const termsAt = html.indexOf('class="terms-text"');
  t.true(termsAt > 0 && termsAt < html.indexOf('<form class="sign"'), 'the terms come before the signature');
  t.false(html.includes('Contract version'), 'the terms’ version stands for the contract’s');
});

test('signing with the form: 303 back to the page, which thanks the family; the rows are written', async (t) => {
  const { club, playerId, token } = await offered();

  const reply = await post(token, 'sign', 'signed_by=Dana+O%27Park&agree=yes&esign_consent=yes');

  t.is(reply.status, 303);
  t.is(reply.headers.get('location'), `../${token}?outcome=signed`);
  t.like(await readPlayer(harness().db.pool, club, playerId), { contract_status: 'signed', contract_signed_by: "Dana O'Park" });
  t.is((await readAuditLog(harness().db.pool, club, playerId)).length, 1);
  const result: string = (await page(token, '?outcome=signed')).body;
  t.true(result.includes('Thank you. The contract is signed.'));
  t.true(result.includes('Signed by <strong>Dana O&#39;Park</strong>'));
  t.false(result.includes('Sign contract'), 'no form once signed');
});

for (const [what, form, outcome, message] of [
  ['the box unticked', 'signed_by=Dana+Park', 'agreement_missing', 'Tick the box to confirm that you agree.'],
  ['a blank name', 'signed_by=+++&agree=yes&esign_consent=yes', 'name_missing', 'Type your full name to sign.'],
  ['no name', 'agree=yes&esign_consent=yes', 'name_missing', 'Type your full name to sign.'],
  [
    'the e-sign consent box unticked',
    'signed_by=Dana+Park&agree=yes',
    'consent_missing',
    'Tick the box to agree to sign electronically, or ask the club for a paper copy.',
  ],
] as const) {
  test(`a form post with ${what} comes back to the page saying "${message}"`, async (t) => {
    const { club, playerId, token } = await offered();

    const reply = await post(token, 'sign', form);

    t.is(reply.status, 303);
    t.is(reply.headers.get('location'), `../${token}?outcome=${outcome}`);
    t.is((await readPlayer(harness().db.pool, club, playerId)).contract_status, 'offered');
    const html: string = (await page(token, `?outcome=${outcome}`)).body;
    t.true(html.includes(`role="alert">${message}`));
    t.true(html.includes('aria-invalid="true"'));
  });
}

test('the page shows the e-sign disclosure, its version and sha256, before the consent box the form requires', async (t) => {
  const { token } = await offered();

  const html: string = (await page(token)).body;

  const disclosureAt = html.indexOf('<h3 id="disclosure-title">Signing electronically</h3>');
  t.true(disclosureAt > html.indexOf('<form class="sign"'), 'in the signature form');
  t.true(html.includes(`Notice ${ESIGN_DISCLOSURE.version} · SHA-256 <span class="hash">${ESIGN_DISCLOSURE.sha256}</span>`));
  t.true(html.includes('You may ask the club for a paper copy'));
  t.regex(html, /<input id="esign_consent" name="esign_consent" type="checkbox" value="yes" required>/);
  t.true(disclosureAt < html.indexOf('id="esign_consent"'), 'the notice comes before its box');
});

test('signing with the form records the consent, the disclosure shown and the browser’s user agent', async (t) => {
  const { club, playerId, token } = await offered();

  await request(harness().server.baseUrl, 'POST', `/contract/${token}/sign`, {
    rawBody: 'signed_by=Dana+Park&agree=yes&esign_consent=yes',
    headers: { ...FORM, ...BROWSER, 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)' },
  });

  const [row] = await readAuditLog(harness().db.pool, club, playerId);
  t.like(row?.new_state, {
    contract_status: 'signed',
    contract_esign_consent: true,
    contract_disclosure_version: ESIGN_DISCLOSURE.version,
    contract_disclosure_sha256: ESIGN_DISCLOSURE.sha256,
    contract_signed_user_agent: 'Mozilla/5.0 (iPhone; CPU iPhone OS 18_0 like Mac OS X)',
  });
});

test('declining with the form: 303 back to the page, which shows the decline', async (t) => {
  const { club, playerId, token } = await offered();

  const reply = await post(token, 'decline', '');

  t.is(reply.status, 303);
  t.is((await readPlayer(harness().db.pool, club, playerId)).contract_status, 'declined');
  const html: string = (await page(token, '?outcome=declined')).body;
  t.true(html.includes('you declined the offer'));
  t.true(html.includes('This offer was declined on'));
});

test('a second form post (double submit, back button) lands on the page and changes nothing', async (t) => {
  const { club, playerId, token } = await offered();
  await post(token, 'sign', 'signed_by=Dana+Park&agree=yes&esign_consent=yes');
  const before = await readPlayer(harness().db.pool, club, playerId);

  const again = await post(token, 'sign', 'signed_by=Someone+Else&agree=yes&esign_consent=yes');
  const declineAfter = await post(token, 'decline', '');

  t.is(again.status, 303);
  t.is(again.headers.get('location'), `../${token}`);
  t.is(declineAfter.status, 303);
  t.deepEqual(await readPlayer(harness().db.pool, club, playerId), before);
  t.is((await readAuditLog(harness().db.pool, club, playerId)).length, 1);
});

// The forms are read as strictly as JSON bodies: what the page's own inputs cannot send is refused
// with a page that names it, not taken as a blank name or an unticked box.
for (const [what, action, form, problem] of [
  ['an unknown field', 'sign', 'signed_by=Dana+Park&agree=yes&esign_consent=yes&tenant_id=7', 'unknown field &quot;tenant_id&quot;'],
  [
    'a repeated name',
    'sign',
    'signed_by=Dana&signed_by=Park&agree=yes&esign_consent=yes',
    '&quot;signed_by&quot;: Expected string, received array',
  ],
  [
    'a name in brackets',
    'sign',
    'signed_by[first]=Dana&agree=yes&esign_consent=yes',
    '&quot;signed_by&quot;: Expected string, received object',
  ],
  [
    'a name over 200 characters',
    'sign',
    `signed_by=${'x'.repeat(201)}&agree=yes&esign_consent=yes`,
    '&quot;signed_by&quot;: String must contain at most 200',
  ],
  ['a NUL in the name', 'sign', 'signed_by=Dana%00Park&agree=yes&esign_consent=yes', '&quot;signed_by&quot;: must not contain NUL'],
  ['the box sending something other than yes', 'sign', 'signed_by=Dana+Park&agree=no', '&quot;agree&quot;: Invalid literal value'],
  ['a field', 'decline', 'reason=too+expensive', 'unknown field &quot;reason&quot;'],
] as const) {
  test(`a ${action} form with ${what} → 422 page naming it; the row and its audit log are unchanged`, async (t) => {
    const { club, playerId, token } = await offered();
    const { pool } = harness().db;
    const before = { player: await readPlayer(pool, club, playerId), audit: await readAuditLog(pool, club, playerId) };

    const reply = await post(token, action, form);

    t.is(reply.status, 422);
    t.regex(reply.headers.get('content-type') ?? '', /^text\/html/);
    t.regex(reply.body, /^<!doctype html>/i);
    t.true(reply.body.includes('Something went wrong'));
    t.true(reply.body.includes(`The form is not valid: ${problem}`), reply.body);
    t.deepEqual({ player: await readPlayer(pool, club, playerId), audit: await readAuditLog(pool, club, playerId) }, before);
  });
}

test('a form post on a replaced link goes back to the page, which says so; nothing is written', async (t) => {
  const { club, playerId, token } = await offered();
  const { pool } = harness().db;
  await offerContract(pool, { tenantId: club.id, playerId, monthlyFee: 99, targetTeamId: null, force: true, actor: 'a' });
  const before = { player: await readPlayer(pool, club, playerId), audit: await readAuditLog(pool, club, playerId) };

  const sign = await post(token, 'sign', 'signed_by=Dana+Park&agree=yes&esign_consent=yes');
  const decline = await post(token, 'decline', '');

  for (const reply of [sign, decline]) {
    t.is(reply.status, 303);
    t.is(reply.headers.get('location'), `../${token}`);
  }
  t.deepEqual({ player: await readPlayer(pool, club, playerId), audit: await readAuditLog(pool, club, playerId) }, before);
  t.is(before.player.contract_status, 'offered');
  t.true((await page(token)).body.includes('This offer has been replaced'));
});

test('an unknown link is a 404 page; a replaced one a 410 page that points to the newest e-mail', async (t) => {
  const unknown = await page(randomToken());
  t.is(unknown.status, 404);
  t.regex(unknown.headers.get('content-type') ?? '', /^text\/html/);
  t.true(unknown.body.includes('We can’t find this contract'));

  const { club, playerId, token } = await offered();
  await offerContract(harness().db.pool, { tenantId: club.id, playerId, monthlyFee: 99, targetTeamId: null, force: true, actor: 'a' });
  const replaced = await page(token);
  t.is(replaced.status, 410);
  t.true(replaced.body.includes('This offer has been replaced'));
  t.true(replaced.body.includes('most recent e-mail'));
  t.true(replaced.body.includes('Ask Westside Hoops for the newest link'));
  t.false(unknown.body.includes('Westside Hoops'), 'an unknown link names no club');
});

test('a replaced link’s page escapes the club it names', async (t) => {
  const { club, playerId, token } = await offered('Jacelyn Park', 'U12 Gold', `O'Neil & <i>Sons</i>`);
  await offerContract(harness().db.pool, { tenantId: club.id, playerId, monthlyFee: 99, targetTeamId: null, force: true, actor: 'a' });
  const { body } = await page(token);
  t.true(body.includes('Ask O&#39;Neil &amp; &lt;i&gt;Sons&lt;/i&gt; for the newest link'), body);
  t.false(body.includes('<i>'));
});

const CONTACT = "o'neil+registrar@example.test";
const CONTACT_HTML = 'o&#39;neil+registrar@example.test';
const contactLink = `<a href="mailto:${CONTACT_HTML}">${CONTACT_HTML}</a>`;

test("the club's contact e-mail, escaped, is whom to ask on the contract page, once declined, replaced or withdrawn", async (t) => {
  const { pool } = harness().db;
  const { club, token } = await offered();
  await updateClub(pool, club.id, { contact_email: CONTACT });

  const open = (await page(token)).body;
  t.true(open.includes(`Questions about your contract? Write to Westside Hoops at ${contactLink}.`), open);
  t.false(open.includes(CONTACT), 'the address is escaped');

  await post(token, 'decline', '');
  const declined = (await page(token)).body;
  t.true(declined.includes(`If that was a mistake, contact the club at ${contactLink}: they can send you a new offer.`), declined);

  const again = await offered();
  await updateClub(pool, again.club.id, { contact_email: CONTACT });
  await offerContract(pool, {
    tenantId: again.club.id,
    playerId: again.playerId,
    monthlyFee: 99,
    targetTeamId: null,
    force: true,
    actor: 'a',
  });
  const replaced = await page(again.token);
  t.is(replaced.status, 410);
  t.true(replaced.body.includes(`Ask Westside Hoops for the newest link: ${contactLink}.`), replaced.body);

  const third = await offered();
  await updateClub(pool, third.club.id, { contact_email: CONTACT });
  await withdrawContract(pool, { tenantId: third.club.id, playerId: third.playerId, reason: 'Team full', actor: 'a' });
  const withdrawn = await page(third.token);
  t.is(withdrawn.status, 410);
  t.true(withdrawn.body.includes('The club withdrew this offer'));
  t.true(withdrawn.body.includes('<p class="club">Westside Hoops</p>'), 'the page names the club');
  t.true(withdrawn.body.includes(`Write to Westside Hoops at ${contactLink}.`), withdrawn.body);
});

test('a club without a contact e-mail: the pages say to contact the club, with no address', async (t) => {
  const { token } = await offered();
  await post(token, 'decline', '');
  const { body } = await page(token);
  t.true(body.includes('If that was a mistake, contact the club: they can send you a new offer.'));
  t.false(body.includes('mailto:'));
});

test("the page's times are in the club's time zone, named with its offset", async (t) => {
  const { pool } = harness().db;
  const { club, playerId, token } = await offered();
  await updateClub(pool, club.id, { time_zone: 'Asia/Tokyo' });
  await post(token, 'decline', '');
  const declinedAt = (await readPlayer(pool, club, playerId)).contract_declined_at ?? 0;

  const { body } = await page(token);

  t.true(body.includes(`This offer was declined on ${formatReadableTime(declinedAt, 'Asia/Tokyo')}.`), body);
  t.regex(body, /declined on \w+ \d+, \d{4} at \d+:\d\d [AP]M \(Asia\/Tokyo, UTC\+9\)\./);
});

test('the stylesheet is served from this service', async (t) => {
  const reply = await request(harness().server.baseUrl, 'GET', '/assets/family.css');
  t.is(reply.status, 200);
  t.regex(reply.headers.get('content-type') ?? '', /^text\/css/);
  t.regex(reply.body, /:focus-visible/);
});

const CROSS_SITE: ReadonlyArray<readonly [string, Record<string, string>]> = [
  ['another site’s Origin', { origin: 'https://evil.example' }],
  ['an Origin on another port of the same host', { origin: 'http://127.0.0.1:1' }],
  ['Origin: null (a sandboxed or opaque page)', { origin: 'null' }],
  ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
  ['Sec-Fetch-Site: same-site (a sibling subdomain)', { 'sec-fetch-site': 'same-site' }],
  ['Sec-Fetch-Site: cross-site, whatever the Origin', { 'sec-fetch-site': 'cross-site', origin: 'https://contracts.example.test' }],
];

for (const [what, headers] of CROSS_SITE) {
  test(`a form post from another site (${what}) → 403 cross_site_post, as a page or JSON; nothing is signed or declined`, async (t) => {
    const { db, server } = harness();
    const { club, playerId, token } = await offered();

    for (const [action, form] of [
      ['sign', 'signed_by=Dana+Park&agree=yes&esign_consent=yes'],
      ['decline', ''],
    ] as const) {
      const send = (accept: string) =>
        rawRequest(server.baseUrl, {
          method: 'POST',
          path: `/contract/${token}/${action}`,
          headers: { ...FORM, accept, ...headers },
          body: form,
        });
      const asPage = await send(BROWSER.accept);
      t.is(asPage.status, 403, `${action}, page`);
      t.regex(asPage.headers['content-type'] ?? '', /^text\/html/);
      t.true(asPage.text.includes('this request was sent from another site'));
      const asJson = await send('application/json');
      t.is(asJson.status, 403, `${action}, JSON`);
      t.is(JSON.parse(asJson.text).error.code, 'cross_site_post');
    }
    t.is((await readPlayer(db.pool, club, playerId)).contract_status, 'offered');
    t.deepEqual(await readAuditLog(db.pool, club, playerId), []);
  });
}

test('form posts from the page itself pass: Sec-Fetch-Site same-origin, an Origin of the Host or of CONTRACT_BASE_URL, or no header at all (a program)', async (t) => {
  const { db, server } = harness();
  const { host } = new URL(server.baseUrl);
  const cases: ReadonlyArray<readonly [string, Record<string, string>]> = [
    ['same-origin', { 'sec-fetch-site': 'same-origin', origin: server.baseUrl }],
    ['the Host’s origin', { origin: server.baseUrl }],
    [
      'CONTRACT_BASE_URL’s origin, behind a proxy that passes on another Host',
      { origin: 'https://contracts.example.test', host: 'internal:3000' },
    ],
    ['no Origin, no Sec-Fetch-Site', {}],
  ];
  t.is(new URL(CONTRACT_BASE_URL).origin, 'https://contracts.example.test');
  for (const [what, headers] of cases) {
    const { club, playerId, token } = await offered();
    const reply = await rawRequest(server.baseUrl, {
      method: 'POST',
      path: `/contract/${token}/sign`,
      headers: { ...FORM, ...BROWSER, host, ...headers },
      body: 'signed_by=Dana+Park&agree=yes&esign_consent=yes',
    });
    t.is(reply.status, 303, what);
    t.is(reply.headers.location, `../${token}?outcome=signed`, what);
    t.like(await readPlayer(db.pool, club, playerId), { contract_status: 'signed', contract_signed_ip: '127.0.0.1' }, what);
  }
});
