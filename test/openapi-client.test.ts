import { readFile } from 'node:fs/promises';
import test from 'ava';
import createClient from 'openapi-fetch';
import { useHarness } from './helpers/context.ts';
import { createClub, readAuditLog, readPlayer } from './helpers/fixtures.ts';
import { OPENAPI_TYPES_FILE, generateOpenApiTypes } from './helpers/generate-openapi-types.ts';
import type { paths } from './helpers/openapi-types.ts';
import { CONTRACT_BASE_URL } from './helpers/server.ts';

// The OpenAPI document is usable, not only valid (issue 14 item 5): a client generated from it
// (openapi-typescript's types, openapi-fetch) runs the README's walkthrough, "An offer, with curl",
// against the live service. `npx tsc -p .` checks every call below against the generated types,
// so a path, parameter or field the document gets wrong does not compile.

const harness = useHarness();

test('the generated client types are fresh (else: npm run openapi:types)', async (t) => {
  t.is(await readFile(OPENAPI_TYPES_FILE, 'utf8'), await generateOpenApiTypes());
});

test('the README walkthrough, through a client generated from /openapi.json', async (t) => {
  const { db, server } = harness();
  const club = await createClub(db.pool, 'Demo Club'); // npm run cli -- tenant create demo "Demo Club"
  const token = await server.adminToken(club.slug, { email: 'registrar@example.com' });
  const api = createClient<paths>({ baseUrl: server.baseUrl, headers: { authorization: `Bearer ${token}` } });
  const family = createClient<paths>({ baseUrl: server.baseUrl });

  const gold = await api.POST('/admin/teams', { body: { name: 'U12 Gold' } });
  t.is(gold.response.status, 201);
  const silver = await api.POST('/admin/teams', { body: { name: 'U14 Silver' } });
  t.is(silver.response.status, 201);
  const goldId = gold.data?.id ?? t.fail('no team');
  t.like(silver.data, { name: 'U14 Silver' });

  const created = await api.POST('/admin/players', {
    body: { name: 'Jacelyn Park', email: 'family+park@example.com', team_ids: [goldId] },
  });
  t.is(created.response.status, 201);
  const playerId = created.data?.id ?? t.fail('no player');
  t.like(created.data, { name: 'Jacelyn Park', contract_status: 'none', team_ids: [goldId], contract_url: null });

  const offer = await api.POST('/admin/contract/offer', { body: { player_id: playerId, monthly_fee: 150 } });
  t.is(offer.response.status, 200);
  t.like(offer.data, {
    player_id: playerId,
    previous_status: 'none',
    new_status: 'offered',
    monthly_fee: 150,
    team_ids: [goldId],
    moved_teams: false,
    archived: false,
    audit_id: null,
    actor: 'registrar@example.com',
  });
  const firstToken = offer.data?.contract_token ?? t.fail('no token');
  t.is(offer.data?.contract_url, `${CONTRACT_BASE_URL}/${firstToken}`);

  const again = await api.POST('/admin/contract/offer', { body: { player_id: playerId, monthly_fee: 160 } });
  t.is(again.response.status, 409);
  t.is(again.error?.error.code, 'offer_exists');
  t.is(again.data, undefined);

  const forced = await api.POST('/admin/contract/offer', {
    params: { query: { force: 'true' }, header: { 'idempotency-key': crypto.randomUUID() } },
    body: { player_id: playerId, monthly_fee: 170 },
  });
  t.is(forced.response.status, 200);
  t.like(forced.data, { previous_status: 'offered', new_status: 'offered', monthly_fee: 170 });
  t.is(typeof forced.data?.audit_id, 'number', 'the replaced offer went to the audit log');
  const linkToken = forced.data?.contract_token ?? t.fail('no token');
  t.not(linkToken, firstToken);

  const offered = await api.GET('/admin/contracts', { params: { query: { status: 'offered' } } });
  t.is(offered.response.status, 200);
  t.deepEqual(
    offered.data?.items.map((item) => [item.player_id, item.status, item.monthly_fee, item.contract_url]),
    [[playerId, 'offered', 170, `${CONTRACT_BASE_URL}/${linkToken}`]],
  );
  t.is(offered.data?.next_cursor, null);

  const link = await family.GET('/contract/{token}', { params: { path: { token: linkToken } } });
  t.is(link.response.status, 200);
  t.deepEqual(link.data, {
    club_name: 'Demo Club',
    language: 'en',
    terms: null,
    player_name: 'Jacelyn Park',
    team_names: ['U12 Gold'],
    monthly_fee: 170,
    status: 'offered',
    contract_version: 'v1',
    signer: { name: 'Jacelyn Park', role: 'player', status: 'pending' },
    signers: [{ name: 'Jacelyn Park', role: 'player', status: 'pending', signed_at: null }],
  });
  const replaced = await family.GET('/contract/{token}', { params: { path: { token: firstToken } } });
  t.is(replaced.response.status, 410);
  t.is(replaced.error?.error.code, 'contract_superseded');

  const signed = await family.POST('/contract/{token}/sign', {
    params: { path: { token: linkToken } },
    body: { signed_by: 'Dana Park' },
  });
  t.is(signed.response.status, 200);
  t.like(signed.data, { status: 'signed', monthly_fee: 170 });
  const twice = await family.POST('/contract/{token}/sign', {
    params: { path: { token: linkToken } },
    body: { signed_by: 'Dana Park' },
  });
  t.is(twice.response.status, 409);
  t.is(twice.error?.error.code, 'contract_already_signed');

  const history = await api.GET('/admin/players/{id}/contract', { params: { path: { id: String(playerId) } } });
  t.is(history.response.status, 200);
  t.like(history.data, {
    player_id: playerId,
    status: 'signed',
    monthly_fee: 170,
    team_ids: [goldId],
    contract_url: null,
    contract_offered_by: 'registrar@example.com',
    contract_signed_by: 'Dana Park',
    contract_version: 'v1',
  });
  t.deepEqual(
    history.data?.history.map((row) => [row.event_type, row.actor]),
    [
      ['sign', 'family'],
      ['re_offer', 'registrar@example.com'],
    ],
  );

  // What the service stored, read from the database rather than through the API.
  t.like(await readPlayer(db.pool, club, playerId), {
    contract_status: 'signed',
    contract_token: linkToken,
    monthly_fee: 170,
    contract_offered_by: 'registrar@example.com',
    contract_signed_by: 'Dana Park',
    contract_signed_ip: '127.0.0.1',
    contract_version: 'v1',
    team_ids: [goldId],
  });
  t.deepEqual(
    (await readAuditLog(db.pool, club, playerId)).map((row) => [row.event_type, row.old_state.contract_token ?? null]),
    [
      ['re_offer', firstToken],
      ['sign', linkToken],
    ],
  );
});
