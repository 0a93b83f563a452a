import { createHash } from 'node:crypto';
import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { useHarness } from './helpers/context.ts';
import { createClub, createPlayer, createTeam, readAuditLog } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';

// What the family signs (docs/PRODUCT.md, "What the family signs"): a club's versioned terms, pinned
// by the offer, shown with the club's name, and bound to the signature by the hash of their text.

const harness = useHarness();
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

async function club(name = 'Westside Hoops') {
  const { pool } = harness().db;
  const created = await createClub(pool, name);
  const token = await harness().server.adminToken(created.slug);
  const api = (method: string, path: string, body?: unknown) => request(harness().server.baseUrl, method, path, { token, body });
  const playerId = await createPlayer(pool, created, { teamIds: [await createTeam(pool, created, 'U12 Gold')] });
  return { created, api, playerId };
}

test('POST /admin/contract-terms publishes versions 1, 2, … with the hash of their text; GET lists them, newest first', async (t) => {
  const { api } = await club();
  const body = '# Season 2026–27\n\nThe fee is due on the 1st of each month.\n';

  const first = await api('POST', '/admin/contract-terms', { title: 'Player contract', body });
  const second = await api('POST', '/admin/contract-terms', { title: 'Player contract, amended', body: `${body}\nAmended.\n` });

  t.is(first.status, 201);
  t.like(first.body, { version: 1, title: 'Player contract', sha256: sha256(body) });
  t.regex(first.body.created_at, /^\d{4}-\d\d-\d\dT/);
  t.like(second.body, { version: 2 });
  const list = await api('GET', '/admin/contract-terms');
  t.deepEqual(
    list.body.items.map((item: { version: number }) => item.version),
    [2, 1],
  );
});

test('blank or oversized terms → 422 validation_failed, and nothing is stored', async (t) => {
  const { api, created } = await club();
  for (const body of [{ title: '', body: 'x' }, { title: 'T', body: ' ' }, { title: 'T', body: 'x'.repeat(100_001) }, { title: 'T' }]) {
    const reply = await api('POST', '/admin/contract-terms', body);
    t.is(reply.status, 422, JSON.stringify(body).slice(0, 60));
  }
  const stored = await harness().db.pool.oneFirst(
    sql.type(z.object({ count: z.number() }))`SELECT count(*)::integer AS count FROM contract_terms WHERE tenant_id = ${created.id}`,
  );
  t.is(stored, 0);
});

test('an offer pins the newest terms; a version published later does not change the open offer', async (t) => {
  const { api, playerId } = await club('Demo Club');
  await api('POST', '/admin/contract-terms', { title: 'v1 title', body: 'First text' });
  const offer = await api('POST', '/admin/contract/offer', { player_id: playerId, monthly_fee: 150 });
  await api('POST', '/admin/contract-terms', { title: 'v2 title', body: 'Second text' });

  const family = await request(harness().server.baseUrl, 'GET', `/contract/${offer.body.contract_token}`);

  t.like(family.body, {
    club_name: 'Demo Club',
    terms: { version: 1, title: 'v1 title', body: 'First text', sha256: sha256('First text') },
  });
  const view = await api('GET', `/admin/players/${playerId}/contract`);
  t.like(view.body, { contract_terms_version: 1, contract_terms_sha256: sha256('First text') });
});

test('signing records the hash of exactly the text the family was served, in the contract and its audit row', async (t) => {
  const { api, playerId, created } = await club();
  await api('POST', '/admin/contract-terms', { title: 'Player contract', body: 'Terms with «ünïcode» and **Markdown**.\n' });
  const { body: offer } = await api('POST', '/admin/contract/offer', { player_id: playerId, monthly_fee: 150 });
  const served = (await request(harness().server.baseUrl, 'GET', `/contract/${offer.contract_token}`)).body.terms.body;

  const signed = await request(harness().server.baseUrl, 'POST', `/contract/${offer.contract_token}/sign`, {
    body: { signed_by: 'Dana Park' },
  });

  t.is(signed.status, 200);
  t.like(signed.body, { status: 'signed', terms: { version: 1, sha256: sha256(served) } });
  const stored = await harness().db.pool.one(sql.type(z.object({ version: z.number(), hash: z.string() }))`
    SELECT contract_terms_version AS version, encode(contract_terms_sha256, 'hex') AS hash FROM players
    WHERE tenant_id = ${created.id} AND id = ${playerId}
  `);
  t.deepEqual(stored, { version: 1, hash: sha256(served) });
  const sign = (await readAuditLog(harness().db.pool, created, playerId)).find((row) => row.event_type === 'sign');
  t.like(sign?.new_state, { contract_status: 'signed', contract_terms_version: 1, contract_terms_sha256: sha256(served) });
  const history = await api('GET', `/admin/players/${playerId}/contract`);
  t.like(history.body.history[0], { event_type: 'sign', new_state: { contract_terms_sha256: sha256(served) } });
});

test('without terms an offer pins none: the family JSON has terms null and CONTRACT_VERSION stands', async (t) => {
  const { api, playerId } = await club();
  const { body: offer } = await api('POST', '/admin/contract/offer', { player_id: playerId, monthly_fee: 150 });
  const family = await request(harness().server.baseUrl, 'GET', `/contract/${offer.contract_token}`);
  t.like(family.body, { club_name: 'Westside Hoops', terms: null, contract_version: 'v1' });
});
