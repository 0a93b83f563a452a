import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import test from 'ava';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { createContractTerms } from '../src/terms/store.ts';
import { launchChromium } from './helpers/browser.ts';
import { useHarness } from './helpers/context.ts';
import {
  addGuardians,
  createClub,
  createPlayer,
  createTeam,
  putContractInState,
  readAuditLog,
  readPlayer,
  readSigners,
  setSigningPolicy,
} from './helpers/fixtures.ts';

// The family page in a real browser (headless Chromium), on a phone-sized screen: with JavaScript,
// without it, and with the keyboard alone.

const harness = useHarness();
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

let browser: Browser | undefined;
test.before(async () => {
  browser = await launchChromium();
});
test.after.always(async () => {
  await browser?.close();
});

async function openOffer(options: BrowserContextOptions = {}, terms: { title: string; body: string } | null = null) {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const published = terms === null ? null : await createContractTerms(pool, club.id, { ...terms, actor: 'registrar@example.test' });
  const team = await createTeam(pool, club, 'U12 Gold');
  const playerId = await createPlayer(pool, club, { name: 'Jacelyn Park', teamIds: [team] });
  const token = await putContractInState(pool, club, playerId, 'offered');
  if (browser === undefined) throw new Error('Chromium did not start');
  const context = await browser.newContext({ ...PHONE, ...options });
  const page = await context.newPage();
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  const url = `${harness().server.baseUrl}/contract/${token}`;
  await page.goto(url);
  return { club, playerId, token, page, requested, terms: published, close: () => context.close() };
}

/** Only this service was asked for anything: no fonts, scripts or trackers from elsewhere. */
function onlyOwnOrigin(requested: readonly string[]): boolean {
  return requested.length > 0 && requested.every((url) => url.startsWith(`${harness().server.baseUrl}/`));
}

async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: () => Promise<{ violations: Array<{ id: string }> }> } }).axe;
    return axe.run();
  });
  return result.violations.map((violation) => violation.id);
}

test('a parent signs with a typed name and sees the result; the rows are written', async (t) => {
  const { club, playerId, page, requested, close } = await openOffer();
  t.teardown(close);
  await page.getByRole('heading', { name: 'Player contract for Jacelyn Park' }).waitFor();
  t.true(await page.getByText('$150 per month').isVisible());
  t.true(await page.getByText('U12 Gold').isVisible());

  await page.getByLabel('Type your full name to sign').fill('Dana Park');
  await page.getByLabel(/I agree to this contract/).check();
  await page.getByLabel(/agree to sign electronically/).check();
  await page.getByRole('button', { name: 'Sign contract' }).click();

  await page.getByRole('status').filter({ hasText: 'Thank you. The contract is signed.' }).waitFor();
  t.true(await page.getByRole('heading', { name: 'Signed' }).isVisible());
  t.is(new URL(page.url()).searchParams.get('outcome'), 'signed');
  t.like(await readPlayer(harness().db.pool, club, playerId), { contract_status: 'signed', contract_signed_by: 'Dana Park' });
  t.is((await readAuditLog(harness().db.pool, club, playerId)).length, 1);
  t.true(onlyOwnOrigin(requested), requested.join('\n'));
});

test('with JavaScript disabled the page still signs (plain form post, redirect after post)', async (t) => {
  const { club, playerId, page, requested, close } = await openOffer({ javaScriptEnabled: false });
  t.teardown(close);

  await page.getByLabel('Type your full name to sign').fill('Dana Park');
  await page.getByLabel(/I agree to this contract/).check();
  await page.getByLabel(/agree to sign electronically/).check();
  await page.getByRole('button', { name: 'Sign contract' }).click();

  await page.getByRole('heading', { name: 'Signed' }).waitFor();
  t.is((await readPlayer(harness().db.pool, club, playerId)).contract_status, 'signed');
  t.true(onlyOwnOrigin(requested));
});

test('with JavaScript disabled a parent can decline, after confirming', async (t) => {
  const { club, playerId, page, close } = await openOffer({ javaScriptEnabled: false });
  t.teardown(close);

  t.false(await page.getByRole('button', { name: 'Yes, decline the offer' }).isVisible(), 'hidden until asked for');
  await page.getByText("I don't want this contract").click();
  await page.getByRole('button', { name: 'Yes, decline the offer' }).click();

  await page.getByRole('heading', { name: 'Declined' }).waitFor();
  t.is((await readPlayer(harness().db.pool, club, playerId)).contract_status, 'declined');
});

test('the browser does not submit without a name and the agreement ticked', async (t) => {
  const { club, playerId, page, close } = await openOffer();
  t.teardown(close);

  await page.getByRole('button', { name: 'Sign contract' }).click();
  await page.getByLabel('Type your full name to sign').fill('Dana Park');
  await page.getByRole('button', { name: 'Sign contract' }).click();

  t.false(page.url().includes('outcome='));
  t.is((await readPlayer(harness().db.pool, club, playerId)).contract_status, 'offered');
});

test('the keyboard alone is enough to sign', async (t) => {
  const { club, playerId, page, close } = await openOffer();
  t.teardown(close);

  await page.keyboard.press('Tab');
  t.is(await page.locator(':focus').textContent(), 'Español', 'first the language switcher, at the top (docs/LANGUAGES.md)');
  await page.keyboard.press('Tab');
  t.is(await page.locator(':focus').getAttribute('id'), 'signed_by');
  await page.keyboard.type('Dana Park');
  await page.keyboard.press('Tab');
  t.is(await page.locator(':focus').getAttribute('id'), 'agree');
  await page.keyboard.press('Space');
  await page.keyboard.press('Tab');
  t.is(await page.locator(':focus').getAttribute('id'), 'esign_consent', 'the consent box, after the notice it refers to');
  await page.keyboard.press('Space');
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');

  await page.getByRole('heading', { name: 'Signed' }).waitFor();
  t.is((await readPlayer(harness().db.pool, club, playerId)).contract_signed_by, 'Dana Park');
});

test('axe finds no accessibility violations on the offer page or the result page', async (t) => {
  // axe is injected as a script, which the page's own CSP rightly forbids.
  const { page, close } = await openOffer({ bypassCSP: true });
  t.teardown(close);
  t.deepEqual(await axeViolations(page), []);

  await page.getByLabel('Type your full name to sign').fill('Dana Park');
  await page.getByLabel(/I agree to this contract/).check();
  await page.getByLabel(/agree to sign electronically/).check();
  await page.getByRole('button', { name: 'Sign contract' }).click();
  await page.getByRole('heading', { name: 'Signed' }).waitFor();
  t.deepEqual(await axeViolations(page), []);
});

/** Terms several screens long on a phone, with the Markdown a club would write; the last clause matters. */
const LONG_TERMS = {
  title: 'Player contract 2026–27',
  body: [
    '# Season rules',
    'The monthly fee is **due on the 1st**. Questions: [write to the club](mailto:office@club.example).',
    '## Training',
    '- Two sessions a week\n- One game at the weekend',
    ...Array.from({ length: 30 }, (_, index) => `${index + 1}. Clause ${index + 1}: the player and the family follow the club's rules.`),
    '> Signed contracts run until the end of the season.',
    '## Cancellation',
    'Either side may cancel with 30 days’ notice in writing.',
  ].join('\n\n'),
};

test('on a phone the terms are in the page in full, the signature after their last clause; signing leads to a receipt with the signer and the hash', async (t) => {
  // axe is injected as a script, which the page's own CSP rightly forbids.
  const { page, terms, requested, close } = await openOffer({ bypassCSP: true }, LONG_TERMS);
  t.teardown(close);
  const screenshots = mkdtempSync(path.join(os.tmpdir(), 'family-terms-'));
  t.teardown(() => rmSync(screenshots, { recursive: true, force: true }));

  const title = page.getByRole('heading', { name: 'Player contract 2026–27' });
  const text = page.getByRole('region', { name: 'Player contract 2026–27' });
  const name = page.getByLabel('Type your full name to sign');
  t.true(await title.isVisible());
  t.true(await page.getByRole('heading', { name: 'Season rules' }).isVisible());
  t.true(await page.getByText(`SHA-256 ${terms?.sha256}`).isVisible());
  const [titleBox, textBox, nameBox] = await Promise.all([title.boundingBox(), text.boundingBox(), name.boundingBox()]);
  if (titleBox === null || textBox === null || nameBox === null) return t.fail('the terms and the form are laid out');
  t.true(titleBox.y + titleBox.height <= textBox.y, 'the title above the text');
  t.true(textBox.y + textBox.height <= nameBox.y, 'the text above the signature');
  t.true(textBox.width <= 390, 'no wider than the phone');
  t.true(await text.evaluate((box) => box.scrollHeight <= box.clientHeight), 'no inner scroll box: the page scrolls');
  const lastClause = await page.getByText('Either side may cancel with 30 days’ notice in writing.').boundingBox();
  if (lastClause === null) return t.fail('the last clause is laid out');
  t.true(lastClause.y + lastClause.height <= nameBox.y, 'the last clause comes before the signature');
  t.true(textBox.height > 844, 'several screens of terms, all in the page');
  await page.screenshot({ path: path.join(screenshots, 'offer.png'), fullPage: true });
  t.log(`screenshot: ${path.join(screenshots, 'offer.png')} (removed after the test)`);
  t.deepEqual(await axeViolations(page), []);

  await page.keyboard.press('Tab');
  t.is(await page.locator(':focus').textContent(), 'Español', 'the language switcher first (docs/LANGUAGES.md)');
  await page.keyboard.press('Tab');
  t.is(await page.locator(':focus').getAttribute('href'), 'mailto:office@club.example', 'then the terms’ link, before the form');

  await name.fill('Dana Park');
  await page.getByLabel(/I agree to this contract/).check();
  await page.getByLabel(/agree to sign electronically/).check();
  await page.getByRole('button', { name: 'Sign contract' }).click();
  await page.getByRole('heading', { name: 'Signed' }).waitFor();
  await page.getByRole('link', { name: 'Your receipt, to print or save' }).click();

  await page.getByRole('heading', { name: 'Receipt: signed contract for Jacelyn Park' }).waitFor();
  t.true(await page.getByText('Dana Park', { exact: true }).isVisible());
  t.true(await page.getByText(terms?.sha256 ?? '-').isVisible());
  t.true(page.url().endsWith('/receipt'));
  t.deepEqual(await axeViolations(page), []);
  await page.emulateMedia({ media: 'print' });
  t.false(await page.getByRole('link', { name: 'Back to the contract' }).isVisible(), 'printed without the page’s controls');
  await page.screenshot({ path: path.join(screenshots, 'receipt-print.png'), fullPage: true });
  t.true(onlyOwnOrigin(requested), requested.join('\n'));
});

test('no page of the family’s shows a console error: the icon and stylesheet load under the page’s own CSP', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const token = await putContractInState(pool, club, await createPlayer(pool, club), 'offered');
  if (browser === undefined) throw new Error('Chromium did not start');
  const context = await browser.newContext(PHONE);
  t.teardown(() => context.close());
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') problems.push(`${page.url()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`${page.url()}: ${error.message}`));
  const icons: Array<{ status: number; type: string | undefined }> = [];
  page.on('response', (response) => {
    if (response.url().endsWith('/favicon.svg')) icons.push({ status: response.status(), type: response.headers()['content-type'] });
  });

  await page.goto(`${harness().server.baseUrl}/contract/${token}`);
  await page.getByLabel('Type your full name to sign').fill('Dana Park');
  await page.getByLabel(/I agree to this contract/).check();
  await page.getByLabel(/agree to sign electronically/).check();
  await page.getByRole('button', { name: 'Sign contract' }).click();
  await page.getByRole('heading', { name: 'Signed' }).waitFor();
  await page.getByRole('link', { name: 'Your receipt, to print or save' }).click();
  await page.getByRole('heading', { name: /^Receipt/ }).waitFor();
  t.true(page.url().endsWith(`/contract/${token}/receipt`));

  t.deepEqual(problems, []);
  t.true(icons.length >= 1, 'the icon was asked for');
  t.true(
    icons.every((icon) => icon.status === 200 && icon.type === 'image/svg+xml'),
    JSON.stringify(icons),
  );
});

test('two guardians sign on their phones, each through their own link: the first sees the contract wait for the second; the receipt lists both', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  await setSigningPolicy(pool, club, 'all_guardians');
  const playerId = await createPlayer(pool, club, { name: 'Jacelyn Park' });
  await addGuardians(pool, club, playerId, [
    { name: 'Dana Park', email: 'dana@example.test' },
    { name: 'Sam Park', email: 'sam@example.test' },
  ]);
  await putContractInState(pool, club, playerId, 'offered');
  const [dana, sam] = await readSigners(pool, club, playerId);
  if (browser === undefined || dana === undefined || sam === undefined) return t.fail('Chromium and two signers');
  // axe is injected as a script, which the page's own CSP rightly forbids.
  const context = await browser.newContext({ ...PHONE, bypassCSP: true });
  t.teardown(() => context.close());
  const page = await context.newPage();

  const signThrough = async (token: string, name: string) => {
    await page.goto(`${harness().server.baseUrl}/contract/${token}`);
    t.true(await page.getByRole('heading', { name: 'Who signs' }).isVisible());
    t.deepEqual(await axeViolations(page), []);
    await page.getByLabel('Type your full name to sign').fill(name);
    await page.getByLabel(/parent or guardian and I agree/).check();
    await page.getByLabel(/agree to sign electronically/).check();
    await page.getByRole('button', { name: 'Sign contract' }).click();
  };

  await signThrough(dana.token, 'Dana Park');
  await page.getByRole('heading', { name: 'Your signature is recorded' }).waitFor();
  t.true(await page.getByText('it is waiting for Sam Park to sign').isVisible());
  t.false(await page.getByRole('button', { name: 'Sign contract' }).isVisible(), 'no second signature through the same link');
  t.deepEqual(await axeViolations(page), []);
  t.is((await readPlayer(pool, club, playerId)).contract_status, 'offered');

  await signThrough(sam.token, 'Sam Park');
  await page.getByRole('heading', { name: 'Signed' }).waitFor();
  await page.getByRole('link', { name: 'Your receipt, to print or save' }).click();
  await page.getByRole('heading', { name: 'Every signature' }).waitFor();
  t.true(await page.getByText('Dana Park', { exact: true }).first().isVisible());
  t.deepEqual(await axeViolations(page), []);
  t.like(await readPlayer(pool, club, playerId), { contract_status: 'signed', contract_signed_by: 'Sam Park' });
  t.deepEqual(
    (await readAuditLog(pool, club, playerId)).map((row) => row.event_type),
    ['signature', 'sign'],
  );
});
