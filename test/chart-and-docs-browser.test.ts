import test from 'ava';
import type { Browser, ConsoleMessage } from 'playwright-core';
import { AUDIT_EVENT_TYPES, CONTRACT_STATUSES } from '../machines/contract.ts';
import { launchChromium } from './helpers/browser.ts';
import { useHarness } from './helpers/context.ts';
import { createClub, createPlayer, putContractInState } from './helpers/fixtures.ts';

// The operations pages in headless Chromium: the state chart (with a club's live counts) and the
// API documentation. Both run under their Content-Security-Policy, so a violation shows up here.

const harness = useHarness();

let browser: Browser | undefined;
test.before(async () => {
  browser = await launchChromium();
});
test.after.always(async () => {
  await browser?.close();
});

async function open(path: string) {
  if (browser === undefined) throw new Error('Chromium did not start');
  const context = await browser.newContext();
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (message: ConsoleMessage) => {
    if (message.type() === 'error') problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(error.message));
  const requested: string[] = [];
  page.on('request', (request) => requested.push(request.url()));
  await page.goto(`${harness().server.baseUrl}${path}`);
  return { page, problems, requested, close: () => context.close() };
}

test('the chart page shows the four states', async (t) => {
  const { page, problems, close } = await open('/contract-machine');
  t.teardown(close);
  for (const state of CONTRACT_STATUSES) {
    t.is(await page.locator(`#state_${state} text`).first().textContent(), state);
  }
  t.deepEqual(problems, []);
});

test('given an admin token (in the fragment), the chart shows the club’s counts on the states and the edges', async (t) => {
  const { db, server } = harness();
  const club = await createClub(db.pool);
  await createPlayer(db.pool, club);
  for (let i = 0; i < 2; i += 1) await putContractInState(db.pool, club, await createPlayer(db.pool, club), 'signed');
  const token = await server.adminToken(club.slug);

  const { page, problems, requested, close } = await open(`/contract-machine#token=${token}`);
  t.teardown(close);

  await page.locator('#state_signed text').nth(1).filter({ hasText: '2 players' }).waitFor();
  t.is(await page.locator('#state_none text').nth(1).textContent(), '1 player');
  t.is(await page.locator('#state_offered text').nth(1).textContent(), '0 players');
  t.false(page.url().includes(token), 'the token is dropped from the address bar');
  t.is(await page.locator('#stats-events tbody tr').count(), AUDIT_EVENT_TYPES.length);
  t.is(await page.locator('#edge_offered_SIGN_signed text').textContent(), 'SIGN / sign · 2', 'the edge shows how often it happened');
  t.is(await page.locator('#edge_none_OFFER_offered text').textContent(), 'OFFER · 2');
  t.true(requested.every((url) => url.startsWith(`${server.baseUrl}/`)));
  t.deepEqual(problems, []);
});

test('a wrong token on the chart page says why, and shows no counts', async (t) => {
  const { page, close } = await open('/contract-machine');
  t.teardown(close);
  const show = async (typed: string, says: string) => {
    await page.getByLabel('Admin token').fill(typed);
    await page.getByRole('button', { name: 'Show counts' }).click();
    await page.getByRole('status').filter({ hasText: says }).waitFor();
    t.pass(`${JSON.stringify(typed)}: ${says}`);
  };
  await show('not-a-token', 'The bearer token is not a JWT');
  await show('   ', 'Paste an admin token first');
  await show('two tokens.a.b and.another.one', 'more than a token after "Bearer"');
  await show('Bearer x.y.z', 'The token was refused');
  t.is(await page.locator('#state_none text').nth(1).textContent(), '–');
});

test('a token pasted with its scheme ("Bearer …") shows the counts', async (t) => {
  const { db, server } = harness();
  const club = await createClub(db.pool);
  await createPlayer(db.pool, club);
  const { page, problems, close } = await open('/contract-machine');
  t.teardown(close);
  await page.getByLabel('Admin token').fill(`Bearer ${await server.adminToken(club.slug)}`);
  await page.getByRole('button', { name: 'Show counts' }).click();
  await page.locator('#state_none text').nth(1).filter({ hasText: '1 player' }).waitFor();
  t.deepEqual(problems, []);
});

test('the docs page renders every operation of /openapi.json, loading nothing from elsewhere', async (t) => {
  const { page, problems, requested, close } = await open('/docs');
  t.teardown(close);
  await page.locator('.opblock-summary-path').first().waitFor();
  const paths = await page.locator('.opblock-summary-path').allTextContents();
  t.true(paths.some((path) => path.includes('/admin/contract/offer')));
  t.true(paths.some((path) => path.includes('/contract/{token}/sign')));
  t.true(
    requested.every((url) => url.startsWith(`${harness().server.baseUrl}/`)),
    requested.join('\n'),
  );
  t.deepEqual(problems, []);
});

test('JSON opened in a browser tab shows no console error: /favicon.ico is the service’s icon', async (t) => {
  for (const path of ['/openapi.json', '/healthz', '/contract-machine.json']) {
    const { page, problems, close } = await open(path);
    t.teardown(close);
    // The browser asks for /favicon.ico on its own, after the page has loaded.
    await page.waitForTimeout(1000);
    t.deepEqual(problems, [], path);
  }
  const icon = await fetch(`${harness().server.baseUrl}/favicon.ico`);
  t.is(icon.status, 200);
  t.is(icon.headers.get('content-type'), 'image/svg+xml');
  t.true((await icon.text()).startsWith('<svg'));
});
