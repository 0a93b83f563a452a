import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { esignDisclosure } from '../src/family/esign-disclosure.ts';
import { chooseLanguage, preferredLanguage } from '../src/i18n/choose-language.ts';
import { createLogger } from '../src/logger.ts';
import { createMetrics } from '../src/operations/metrics.ts';
import { type ContractWorker, startContractWorker } from '../src/worker/contract-worker.ts';
import { type TestDatabase, createTestDatabase } from './helpers/database.ts';
import { eventually } from './helpers/eventually.ts';
import { type Club, createClub, createTeam } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { type TestServer, startTestServer } from './helpers/server.ts';
import { type ReceivedMail, type TestSmtpServer, startSmtpServer } from './helpers/smtp-server.ts';

// docs/LANGUAGES.md: which language a family reads in, and that pages, e-mails and the signature's
// record follow it. Through HTTP, with a real worker and SMTP server.

let db: TestDatabase;
let smtp: TestSmtpServer;
let server: TestServer;
let worker: ContractWorker;

test.before(async () => {
  db = await createTestDatabase();
  smtp = await startSmtpServer();
  server = await startTestServer(db.pool, { env: { SMTP_URL: smtp.url, SMTP_TIMEOUT_MS: '1000' } });
  worker = await startContractWorker(server.config, {
    directDatabaseUrl: db.url,
    pool: db.pool,
    metrics: createMetrics(db.pool),
    logger: createLogger('silent'),
  });
});
test.after.always(async () => {
  await worker?.stop();
  await server?.close();
  await smtp?.close();
  await db?.drop();
});

interface Offered {
  readonly club: Club;
  readonly admin: string;
  readonly token: string;
  readonly playerId: number;
}

let mailboxes = 0;
const mailbox = (name: string) => {
  mailboxes += 1;
  return `${name}+${mailboxes}@example.test`;
};

/** A club (with `clubLanguage`) offering a minor whose one guardian has `guardianLanguage`. */
async function offered(options: { clubLanguage?: string; guardianLanguage?: string | null; email?: string } = {}) {
  const club = await createClub(db.pool, 'Westside Hoops');
  const admin = await server.adminToken(club.slug);
  if (options.clubLanguage !== undefined) {
    await request(server.baseUrl, 'PATCH', '/admin/club', { token: admin, body: { default_language: options.clubLanguage } });
  }
  const team = await createTeam(db.pool, club, 'U12 Oro');
  const player = await request(server.baseUrl, 'POST', '/admin/players', {
    token: admin,
    body: {
      name: 'Lucía Ortiz',
      email: mailbox('lucia'),
      team_ids: [team],
      birth_date: '2015-03-01',
      guardians: [{ name: 'Ana Ortiz', email: options.email ?? mailbox('ana'), language: options.guardianLanguage ?? null }],
    },
  });
  const offer = await request(server.baseUrl, 'POST', '/admin/contract/offer', {
    token: admin,
    body: { player_id: player.body.id, monthly_fee: 150 },
  });
  return { club, admin, token: offer.body.contract_token as string, playerId: player.body.id as number } satisfies Offered;
}

const page = (token: string, headers: Record<string, string> = {}, query = '') =>
  request(server.baseUrl, 'GET', `/contract/${token}${query}`, { headers: { accept: 'text/html', ...headers } });
const htmlLang = (body: string) => /<html lang="([a-z]+)"/.exec(body)?.[1];

test('the order: ?lang=, the signer’s language, the club’s, the browser’s, English', (t) => {
  t.is(chooseLanguage({ query: 'en', signer: 'es', club: 'es', acceptLanguage: 'es' }), 'en');
  t.is(chooseLanguage({ signer: 'es', club: 'en', acceptLanguage: 'en' }), 'es');
  t.is(chooseLanguage({ signer: null, club: 'es', acceptLanguage: 'en' }), 'es');
  t.is(chooseLanguage({ signer: null, club: null, acceptLanguage: 'es-MX,es;q=0.9,en;q=0.5' }), 'es');
  t.is(chooseLanguage({}), 'en');
  t.is(chooseLanguage({ query: 'xx', club: 'es' }), 'es', 'a language without a catalog falls through');
});

test('Accept-Language is read by q-value: es-MX is Spanish, q=0 is “not this one”, unknown languages pass', (t) => {
  t.is(preferredLanguage('fr-CA, es-MX;q=0.8, en;q=0.7'), 'es');
  t.is(preferredLanguage('en;q=0.2, es;q=0.9'), 'es');
  t.is(preferredLanguage('es;q=0, en'), 'en');
  t.is(preferredLanguage('de, fr'), null);
  t.is(preferredLanguage('*'), null);
});

test('a guardian with Spanish reads the page in Spanish: html lang, Content-Language, money and words', async (t) => {
  const { token } = await offered({ guardianLanguage: 'es' });

  const reply = await page(token, { 'accept-language': 'en' });

  t.is(reply.status, 200);
  t.is(htmlLang(reply.body), 'es');
  t.is(reply.headers.get('content-language'), 'es');
  t.regex(reply.body, /Contrato de jugador de Lucía Ortiz/);
  t.regex(reply.body, /150\sUS\$ al mes/);
  t.regex(reply.body, /<a href="\?lang=en" hreflang="en" lang="en">English<\/a>/);
});

test('?lang= overrides the signer’s language; an unknown one is passed over', async (t) => {
  const { token } = await offered({ guardianLanguage: 'es' });

  t.is(htmlLang((await page(token, {}, '?lang=en')).body), 'en');
  t.is(htmlLang((await page(token, {}, '?lang=xx')).body), 'es');
});

test('with no language of the signer’s, the club’s default applies, over the browser’s', async (t) => {
  const spanishClub = await offered({ clubLanguage: 'es' });
  const englishClub = await offered({ clubLanguage: 'en' });

  t.is(htmlLang((await page(spanishClub.token, { 'accept-language': 'en' })).body), 'es');
  t.is(htmlLang((await page(englishClub.token, { 'accept-language': 'es-MX,es;q=0.9' })).body), 'en');
});

test('a link that names no club is answered in the browser’s language, else English', async (t) => {
  const unknown = 'x'.repeat(43);

  const spanish = await page(unknown, { 'accept-language': 'es-MX,es;q=0.9,en;q=0.5' });
  t.is(spanish.status, 404);
  t.is(htmlLang(spanish.body), 'es');
  t.regex(spanish.body, /No encontramos este contrato/);
  t.is(htmlLang((await page(unknown)).body), 'en');
});

test('the family JSON says the language; its error messages stay English', async (t) => {
  const { token } = await offered({ guardianLanguage: 'es' });

  t.like(await request(server.baseUrl, 'GET', `/contract/${token}`), { status: 200, body: { language: 'es' } });
  const missing = await request(server.baseUrl, 'GET', `/contract/${'x'.repeat(43)}`, { headers: { 'accept-language': 'es' } });
  t.like(missing.body, { error: { code: 'contract_not_found', message: 'No contract has this link.' } });
});

test('the offer e-mail is in the guardian’s language, with its Content-Language', async (t) => {
  const email = mailbox('ana');
  await offered({ guardianLanguage: 'es', email });

  const mail = (await eventually(
    'the offer e-mail',
    () => smtp.received.find((received) => received.envelope.to.includes(email)),
    (received) => received !== undefined,
  )) as ReceivedMail;
  t.is(mail.subject, 'Westside Hoops: su oferta de contrato para Lucía Ortiz');
  t.regex(mail.raw.toString('utf8'), /^Content-Language: es\r?$/m);
  t.regex(mail.text ?? '', /Lea el contrato y después fírmelo o recházelo en su página:/);
  t.regex(mail.text ?? '', /Cuota mensual: 150\sUS\$ al mes/);
});

test('an English guardian of a Spanish club gets the club’s language only when they have none', async (t) => {
  const [english, unset] = [mailbox('en'), mailbox('unset')];
  await offered({ clubLanguage: 'es', guardianLanguage: 'en', email: english });
  await offered({ clubLanguage: 'es', email: unset });

  const subjects = await eventually(
    'both offer e-mails',
    () => [english, unset].map((to) => smtp.received.find((mail) => mail.envelope.to.includes(to))?.subject),
    (found) => found.every((subject) => subject !== undefined),
  );
  t.deepEqual(subjects, ['Westside Hoops: your contract offer for Lucía Ortiz', 'Westside Hoops: su oferta de contrato para Lucía Ortiz']);
});

test('signing from the Spanish page records the Spanish e-sign notice and the terms’ Spanish text, with its language', async (t) => {
  const club = await createClub(db.pool, 'Westside Hoops');
  const admin = await server.adminToken(club.slug);
  const terms = await request(server.baseUrl, 'POST', '/admin/contract-terms', {
    token: admin,
    body: {
      title: 'Season terms',
      body: 'Fees are due on the 1st.',
      language: 'en',
      translations: { es: { title: 'Condiciones de la temporada', body: 'Las cuotas vencen el día 1.' } },
    },
  });
  t.like(terms, { status: 201, body: { language: 'en', translations: { es: { title: 'Condiciones de la temporada' } } } });
  const player = await request(server.baseUrl, 'POST', '/admin/players', {
    token: admin,
    body: { name: 'Lucía Ortiz', email: mailbox('lucia'), language: 'es' },
  });
  t.like(player.body, { language: 'es' });
  const offer = await request(server.baseUrl, 'POST', '/admin/contract/offer', {
    token: admin,
    body: { player_id: player.body.id, monthly_fee: 150 },
  });
  const token = offer.body.contract_token;
  const shown = await page(token);
  t.regex(shown.body, /Las cuotas vencen el día 1\./);
  t.notRegex(shown.body, /Fees are due/);

  const signed = await request(server.baseUrl, 'POST', `/contract/${token}/sign`, {
    rawBody: new URLSearchParams({ signed_by: 'Lucía Ortiz', agree: 'yes', esign_consent: 'yes', language: 'es' }).toString(),
    headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html' },
  });
  t.is(signed.status, 303);

  const recorded = await db.pool.one(sql.type(
    z.object({ terms_language: z.string(), terms_sha256: z.string(), disclosure_version: z.string() }),
  )`
    SELECT terms_language, encode(terms_sha256, 'hex') AS terms_sha256, disclosure_version
    FROM contract_signers WHERE tenant_id = ${club.id} AND player_id = ${player.body.id}
  `);
  t.deepEqual(recorded, {
    terms_language: 'es',
    terms_sha256: terms.body.translations.es.sha256,
    disclosure_version: esignDisclosure('es').version,
  });
});
