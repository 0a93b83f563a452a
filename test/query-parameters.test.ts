import test from 'ava';
import { databaseChecksum } from './helpers/checksum.ts';
import { useHarness } from './helpers/context.ts';
import { createClub, createPlayer, createTeam, putContractInState } from './helpers/fixtures.ts';
import { rawRequest } from './helpers/raw-http.ts';
import { routesOfTheApp } from './helpers/routes.ts';

// docs/PRODUCT.md, "Strict input": a query parameter a route does not take is refused with 422
// validation_failed naming it, on every route the routers answer, so a typo or a guessed option is
// never silently ignored. The family page and its receipt, opened from e-mailed links, are the
// exception.

const harness = useHarness();
const BROWSER = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };

/** Pages a family opens from a link that a mail service may have added tracking parameters to. */
const FAMILY_PAGES = new Set(['GET /contract/:token/receipt']);

async function club() {
  const { db, server } = harness();
  const club = await createClub(db.pool);
  const teamId = await createTeam(db.pool, club);
  const playerId = await createPlayer(db.pool, club, { teamIds: [teamId] });
  const token = await putContractInState(db.pool, club, playerId, 'offered');
  return { playerId, teamId, token, adminToken: await server.adminToken(club.slug) };
}

// Serial: the others write, and this one checks that nothing was written.
test.serial('every route refuses a query parameter it does not take: 422 validation_failed naming it, nothing written', async (t) => {
  const { db, server } = harness();
  const { playerId, teamId, token, adminToken } = await club();
  const routes = (await routesOfTheApp(db.pool)).filter((route) => !FAMILY_PAGES.has(`${route.method} ${route.pattern}`));
  const before = await databaseChecksum(db.pool);

  for (const { method, pattern } of routes) {
    const path = pattern
      .replace(':id', String(pattern.startsWith('/admin/teams') ? teamId : playerId))
      .replace(':token', token)
      .replace(':file', 'family.css');
    const asForm = method === 'POST' && pattern.startsWith('/contract/');
    const headerSets: Record<string, string>[] = [
      pattern.startsWith('/admin/') ? { authorization: `Bearer ${adminToken}` } : {},
      ...(asForm ? [{ 'content-type': 'application/x-www-form-urlencoded', ...BROWSER }] : []),
    ];
    for (const headers of headerSets) {
      const reply = await rawRequest(server.baseUrl, { method, path: `${path}?tenant=x`, headers });
      const what = `${method} ${pattern} ${JSON.stringify(headers)}`;
      t.is(reply.status, 422, what);
      if (reply.headers['content-type']?.startsWith('application/json')) {
        t.is(JSON.parse(reply.text).error.code, 'validation_failed', what);
      }
      t.true(reply.text.includes('unknown parameter') && reply.text.includes('tenant'), what);
    }
  }
  t.is(await databaseChecksum(db.pool), before);
});

test('the family page and its receipt ignore query parameters they do not take: an e-mailed link may come back with tracking parameters', async (t) => {
  const { server } = harness();
  const { token } = await club();

  const page = await rawRequest(server.baseUrl, { method: 'GET', path: `/contract/${token}?utm_source=mail`, headers: BROWSER });
  t.is(page.status, 200);
  t.true(page.text.includes('Sign contract'));

  const signed = await rawRequest(server.baseUrl, {
    method: 'POST',
    path: `/contract/${token}/sign`,
    headers: { 'content-type': 'application/json' },
    body: '{"signed_by":"Dana Park"}',
  });
  t.is(signed.status, 200);
  const receipt = await rawRequest(server.baseUrl, { method: 'GET', path: `/contract/${token}/receipt?utm_source=mail`, headers: BROWSER });
  t.is(receipt.status, 200);
  t.true(receipt.text.includes('Dana Park'));
});

test('the same link asked for JSON (a program) refuses them', async (t) => {
  const { token } = await club();
  const reply = await rawRequest(harness().server.baseUrl, { method: 'GET', path: `/contract/${token}?utm_source=mail` });
  t.is(reply.status, 422);
  t.is(JSON.parse(reply.text).error.message, 'The query string is not valid: unknown parameter "utm_source".');
});
