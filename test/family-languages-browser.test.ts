import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import test from 'ava';
import type { Browser, BrowserContextOptions, Page } from 'playwright-core';
import { sql } from 'slonik';
import { z } from 'zod';
import { launchChromium } from './helpers/browser.ts';
import { useHarness } from './helpers/context.ts';
import { addGuardians, createClub, createPlayer, createTeam, putContractInState } from './helpers/fixtures.ts';

// docs/LANGUAGES.md, in a real browser at a phone's width: the Spanish page is the English page's
// structure in other words, accessible in both, and its switcher works without JavaScript.

const harness = useHarness();
const screenshots =
  process.env.UPDATE_SCREENSHOTS === 'true' ? path.resolve('docs/images') : mkdtempSync(path.join(os.tmpdir(), 'family-languages-'));
test.after.always(() => {
  if (process.env.UPDATE_SCREENSHOTS !== 'true') rmSync(screenshots, { recursive: true, force: true });
});
const AXE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const PHONE: BrowserContextOptions = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true };

let browser: Browser | undefined;
test.before(async () => {
  browser = await launchChromium();
});
test.after.always(async () => {
  await browser?.close();
});

/** A minor's offer, to be signed by a guardian, opened at `query` in a fresh phone-sized browser. */
async function openOffer(query: string, options: BrowserContextOptions = {}) {
  const { pool } = harness().db;
  const club = await createClub(pool, 'Westside Hoops');
  const playerId = await createPlayer(pool, club, { name: 'Lucía Ortiz', teamIds: [await createTeam(pool, club, 'U12 Oro')] });
  await addGuardians(pool, club, playerId, [{ name: 'Ana Ortiz', email: 'ana@example.test' }]);
  const token = await putContractInState(pool, club, playerId, 'offered');
  if (browser === undefined) throw new Error('Chromium did not start');
  const context = await browser.newContext({ ...PHONE, ...options });
  const page = await context.newPage();
  await page.goto(`${harness().server.baseUrl}/contract/${token}${query}`);
  return { club, playerId, page, close: () => context.close() };
}

/** The page's outline: each landmark, heading, control and link by role, in order, without its words. */
async function outline(page: Page): Promise<string[]> {
  return page
    .locator('main, nav, section, h1, h2, h3, dl, dt, dd, form, label, input, button, summary, a')
    .evaluateAll((elements: Array<{ tagName: string; type?: string }>) =>
      elements.map((element) => `${element.tagName.toLowerCase()}${element.tagName === 'INPUT' ? `[${element.type}]` : ''}`),
    );
}

/** Whether the page is no wider than the screen: nothing to scroll sideways. */
async function fitsTheScreen(page: Page): Promise<boolean> {
  return page.evaluate(() => {
    const window = globalThis as unknown as { innerWidth: number; document: { documentElement: { scrollWidth: number } } };
    return window.document.documentElement.scrollWidth <= window.innerWidth;
  });
}

async function axeViolations(page: Page): Promise<string[]> {
  await page.addScriptTag({ content: AXE });
  const result = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run: () => Promise<{ violations: Array<{ id: string }> }> } }).axe;
    return axe.run();
  });
  return result.violations.map((violation) => violation.id);
}

test('the Spanish page has the English page’s structure, fits a phone, and is axe clean in both languages', async (t) => {
  // axe is injected as a script, which the page's own CSP rightly forbids.
  const english = await openOffer('?lang=en', { bypassCSP: true });
  const spanish = await openOffer('?lang=es', { bypassCSP: true });
  t.teardown(english.close);
  t.teardown(spanish.close);

  await spanish.page.getByRole('heading', { name: 'Contrato de jugador de Lucía Ortiz' }).waitFor();
  t.is(await spanish.page.getAttribute('html', 'lang'), 'es');
  t.deepEqual(await outline(spanish.page), await outline(english.page));
  for (const [language, { page }] of [
    ['en', english],
    ['es', spanish],
  ] as const) {
    t.true(await fitsTheScreen(page), 'no sideways scrolling');
    // docs/LANGUAGES.md shows the two side by side; `npm run docs:screenshots` writes them there.
    await page.screenshot({ path: path.join(screenshots, `family-page-${language}.png`) });
    t.deepEqual(await axeViolations(page), []);
  }
});

test('without JavaScript, a family switches to Spanish and signs; the Spanish notice is the one recorded', async (t) => {
  const { club, playerId, page, close } = await openOffer('', { javaScriptEnabled: false });
  t.teardown(close);

  await page.getByRole('link', { name: 'Español' }).click();
  await page.getByLabel('Escriba su nombre completo para firmar').fill('Ana Ortiz');
  await page.getByLabel(/Soy la madre, el padre o el tutor legal/).check();
  await page.getByLabel(/acepto firmar electrónicamente/).check();
  await page.getByRole('button', { name: 'Firmar el contrato' }).click();

  await page.getByRole('status').filter({ hasText: 'Gracias. El contrato está firmado.' }).waitFor();
  t.is(await page.getAttribute('html', 'lang'), 'es');
  const recorded = await harness().db.pool.oneFirst(sql.type(z.object({ version: z.string() }))`
    SELECT contract_disclosure_version AS version FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}
  `);
  t.is(recorded, 'esign-es-2026-12');
});
