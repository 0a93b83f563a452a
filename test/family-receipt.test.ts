import test from 'ava';
import { esignDisclosure } from '../src/family/esign-disclosure.ts';

const ESIGN_DISCLOSURE = esignDisclosure('en');
import { formatIsoTime, formatReadableTime } from '../src/formatting.ts';
import { createContractTerms } from '../src/terms/store.ts';
import { offerContract } from '../src/contracts/store.ts';
import { updateClub } from '../src/club/store.ts';
import { useHarness } from './helpers/context.ts';
import {
  type Club,
  createClub,
  createPlayer,
  createTeam,
  putContractInState,
  randomToken,
  readAuditLog,
  readPlayer,
} from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';

// docs/PRODUCT.md, "What the family signs": the receipt of a signed contract, and what a signed
// contract's link shows once a tier change replaced it.

const harness = useHarness({ CONTRACT_VERSION: '2026-27', CONTRACT_CURRENCY: 'USD' });
const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

const get = (path: string, headers: Record<string, string> = BROWSER) => request(harness().server.baseUrl, 'GET', path, { headers });

async function signed(options: { terms?: boolean; clubName?: string } = {}) {
  const { pool } = harness().db;
  const club = await createClub(pool, options.clubName);
  const terms = options.terms
    ? await createContractTerms(pool, club.id, { title: 'Player contract 2026', body: '# Rules\n\nPay on time.\n', actor: 'r' })
    : null;
  const team = await createTeam(pool, club, 'U12 Gold');
  const playerId = await createPlayer(pool, club, { name: 'Jacelyn Park', teamIds: [team] });
  const token = await putContractInState(pool, club, playerId, 'signed');
  return { club, playerId, token, terms, signedAt: (await readPlayer(pool, club, playerId)).contract_signed_at ?? 0 };
}

/** A tier change: the signed contract is replaced by an offer on another team; its token is archived. */
async function changeTier(club: Club, playerId: number) {
  const { pool } = harness().db;
  const team = await createTeam(pool, club, 'U14 Silver');
  const offer = { tenantId: club.id, playerId, monthlyFee: 175, targetTeamId: team, force: false, actor: 'registrar@example.test' };
  return offerContract(pool, offer);
}

test('a signed contract’s receipt: who, when (readable and ISO, UTC), from where, fee, teams, club and the terms’ hash', async (t) => {
  const { token, terms, signedAt } = await signed({ terms: true });

  const reply = await get(`/contract/${token}/receipt`);

  t.is(reply.status, 200);
  t.regex(reply.headers.get('content-type') ?? '', /^text\/html/);
  t.is(reply.headers.get('cache-control'), 'no-store');
  const html: string = reply.body;
  for (const text of [
    'Receipt: signed contract for Jacelyn Park',
    '<p class="club">Westside Hoops</p>',
    '<dt>Signed by</dt>\n      <dd>Dana Park</dd>',
    formatReadableTime(signedAt),
    formatIsoTime(signedAt),
    '<dd>203.0.113.7</dd>',
    '$150 per month',
    'U12 Gold',
    '<dd>Player contract 2026</dd>',
    '<dt>Terms version</dt>\n      <dd>1</dd>',
    `<dd class="hash">${terms?.sha256}</dd>`,
    `href="../${token}"`,
  ]) {
    t.true(html.includes(text), text);
  }
  t.regex(html, /UTC/);
  t.true(html.includes('href="../../assets/family.css"'), 'the stylesheet, relative to the receipt');
  t.false(html.includes('<form') || html.includes('<button'), 'nothing to press on a receipt');
});

test("the receipt's readable time is in the club's time zone, named with its offset; its ISO time stays UTC; it names whom to ask", async (t) => {
  const { club, playerId, token, signedAt } = await signed();
  await updateClub(harness().db.pool, club.id, { time_zone: 'America/Argentina/Buenos_Aires', contact_email: 'office@example.test' });

  const { body } = await get(`/contract/${token}/receipt`);

  t.true(
    body.includes(
      `${formatReadableTime(signedAt, 'America/Argentina/Buenos_Aires')}<br><span class="record">${formatIsoTime(signedAt)}</span>`,
    ),
    body,
  );
  t.true(body.includes('(America/Argentina/Buenos_Aires, UTC-3)'));
  t.false(body.includes(formatReadableTime(signedAt)), 'not the UTC reading');
  t.regex(formatIsoTime(signedAt), /Z$/);
  t.true(body.includes('Write to Westside Hoops at <a href="mailto:office@example.test">office@example.test</a>.'));

  // The signed page and, after a tier change, the replaced link's page read the same time.
  t.true((await get(`/contract/${token}`)).body.includes(`on ${formatReadableTime(signedAt, 'America/Argentina/Buenos_Aires')}.`));
  await changeTier(club, playerId);
  const replaced = (await get(`/contract/${token}`)).body;
  t.true(replaced.includes(`on ${formatReadableTime(signedAt, 'America/Argentina/Buenos_Aires')} for Jacelyn Park`), replaced);
  t.true(replaced.includes('Ask Westside Hoops for the newest link: <a href="mailto:office@example.test">office@example.test</a>.'));
});

test('the receipt shows the signature’s evidence: consent to sign electronically, the notice shown, the user agent', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const playerId = await createPlayer(pool, club, { name: 'Jacelyn Park' });
  const token = await putContractInState(pool, club, playerId, 'offered');
  await request(harness().server.baseUrl, 'POST', `/contract/${token}/sign`, {
    rawBody: 'signed_by=Dana+Park&agree=yes&esign_consent=yes',
    headers: { ...BROWSER, 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'Mozilla/5.0 <Phone>' },
  });

  const html: string = (await get(`/contract/${token}/receipt`)).body;

  t.true(html.includes('<dt>Consent to sign electronically</dt>\n      <dd>Given</dd>'));
  t.true(html.includes(`<dd>${ESIGN_DISCLOSURE.version}<br><span class="hash">${ESIGN_DISCLOSURE.sha256}</span></dd>`));
  t.true(html.includes('<dd>Mozilla/5.0 &lt;Phone&gt;</dd>'), 'the user agent, escaped');
});

test('a signature made without evidence (an older client, or before it was recorded) says so on the receipt', async (t) => {
  const { token } = await signed();

  const html: string = (await get(`/contract/${token}/receipt`)).body;

  t.true(html.includes('<dt>Consent to sign electronically</dt>\n      <dd>Not recorded</dd>'));
  t.false(html.includes('E-sign notice shown'));
});

test('without terms the receipt names the contract version signed', async (t) => {
  const { token } = await signed();
  const html: string = (await get(`/contract/${token}/receipt`)).body;
  t.true(html.includes('No terms: contract version v1'));
  t.false(html.includes('SHA-256'));
});

test('the signed page links to its receipt', async (t) => {
  const { token } = await signed();
  const html: string = (await get(`/contract/${token}`)).body;
  t.true(html.includes(`<a href="${token}/receipt">`));
});

test('no receipt for an open or declined offer: a 404 page for browsers, contract_not_signed for programs', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  for (const status of ['offered', 'declined'] as const) {
    const playerId = await createPlayer(pool, club, {});
    const token = await putContractInState(pool, club, playerId, status);

    const page = await get(`/contract/${token}/receipt`);
    const json = await get(`/contract/${token}/receipt`, { accept: 'application/json' });

    t.is(page.status, 404);
    t.regex(page.headers.get('content-type') ?? '', /^text\/html/);
    t.true(page.body.includes('No receipt: this contract is not signed'), status);
    t.true(page.body.includes('href="../../assets/family.css"'));
    t.is(json.status, 404);
    t.is(json.body.error.code, 'contract_not_signed');
  }
  const unknown = await get(`/contract/${randomToken()}/receipt`, { accept: 'application/json' });
  t.is(unknown.status, 404);
  t.is(unknown.body.error.code, 'contract_not_found');
});

test('after a tier change the old link answers programs 410 as before; its page shows what was signed, and its receipt works', async (t) => {
  const { club, playerId, token, terms, signedAt } = await signed({ terms: true });
  // A newer version published before the tier change: the old receipt still names the one signed.
  await createContractTerms(harness().db.pool, club.id, { title: 'Player contract 2027', body: 'New text', actor: 'r' });
  const change = await changeTier(club, playerId);
  t.is(change.new_status, 'offered');
  t.like((await readAuditLog(harness().db.pool, club, playerId)).at(-1), { event_type: 'tier_change' });

  const json = await get(`/contract/${token}`, { accept: 'application/json' });
  t.is(json.status, 410);
  t.deepEqual(json.body, {
    error: {
      code: 'contract_superseded',
      message: 'This link was replaced by a newer offer. Use the link in the most recent e-mail from the club.',
    },
  });

  const page = await get(`/contract/${token}`);
  t.is(page.status, 410);
  for (const text of ['This contract was replaced', 'Signed by <strong>Dana Park</strong>', formatReadableTime(signedAt), 'U12 Gold']) {
    t.true(page.body.includes(text), text);
  }
  t.true(page.body.includes(`<a href="../contract/${token}/receipt">`));
  t.true(page.body.includes('Ask Westside Hoops for the newest link'));

  const receipt = await get(`/contract/${token}/receipt`);
  t.is(receipt.status, 200);
  for (const text of [
    'Dana Park',
    formatIsoTime(signedAt),
    '<dd>203.0.113.7</dd>',
    '$150 per month',
    'U12 Gold',
    '<dd>Player contract 2026</dd>',
    `<dd class="hash">${terms?.sha256}</dd>`,
    'replaced this contract',
  ]) {
    t.true(receipt.body.includes(text), text);
  }
  t.false(receipt.body.includes('U14 Silver'), 'the teams signed for, not the new offer’s');
  t.false(receipt.body.includes('$175'));

  const current = await get(`/contract/${change.contract_token}/receipt`);
  t.is(current.status, 404, 'the new offer is not signed yet');
});

test('a link replaced before anything was signed has no receipt: 410, naming the club to ask', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool, 'Eastside <Ballers>');
  const playerId = await createPlayer(pool, club, {});
  const token = await putContractInState(pool, club, playerId, 'offered');
  await offerContract(pool, { tenantId: club.id, playerId, monthlyFee: 99, targetTeamId: null, force: true, actor: 'a' });

  const page = await get(`/contract/${token}/receipt`);
  const json = await get(`/contract/${token}/receipt`, { accept: 'application/json' });

  t.is(page.status, 410);
  t.true(page.body.includes('This offer has been replaced'));
  t.true(page.body.includes('Ask Eastside &lt;Ballers&gt; for the newest link'));
  t.true(page.body.includes('href="../../assets/family.css"'));
  t.is(json.status, 410);
  t.is(json.body.error.code, 'contract_superseded');
});
