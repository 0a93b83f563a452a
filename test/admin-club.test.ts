import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { useHarness } from './helpers/context.ts';
import { type Club, createClub, createTeam } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';

// docs/PRODUCT.md, "Admin" and "Create responses": loading a club without SQL.

const harness = useHarness();

async function call(club: Club, method: string, path: string, body?: unknown) {
  const { server } = harness();
  return request(server.baseUrl, method, path, { token: await server.adminToken(club.slug), body });
}

const countPlayers = (club: Club) =>
  harness().db.pool.oneFirst(sql.type(z.object({ count: z.bigint() }))`SELECT count(*) FROM players WHERE tenant_id = ${club.id}`);

test('POST /admin/teams → 201 with the team at the top level; GET /admin/teams lists it', async (t) => {
  const club = await createClub(harness().db.pool);

  const created = await call(club, 'POST', '/admin/teams', { name: 'U14 "Gold"; DROP TABLE teams;--' });

  t.is(created.status, 201);
  t.deepEqual(Object.keys(created.body).sort(), ['id', 'name']);
  t.is(created.body.name, 'U14 "Gold"; DROP TABLE teams;--');
  const stored = await harness().db.pool.oneFirst(
    sql.type(z.object({ name: z.string() }))`SELECT name FROM teams WHERE tenant_id = ${club.id} AND id = ${created.body.id}`,
  );
  t.is(stored, 'U14 "Gold"; DROP TABLE teams;--');
  t.deepEqual((await call(club, 'GET', '/admin/teams')).body, { items: [created.body] });
});

test('a second team with the same name in one club → 409 team_name_taken', async (t) => {
  const club = await createClub(harness().db.pool);
  await call(club, 'POST', '/admin/teams', { name: 'U12' });
  const again = await call(club, 'POST', '/admin/teams', { name: 'U12' });
  t.is(again.status, 409);
  t.is(again.body.error.code, 'team_name_taken');
  t.is((await call(club, 'GET', '/admin/teams')).body.items.length, 1);
});

test('POST /admin/players → 201 with the player, stored exactly as sent; GET answers the same shape', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const team = await createTeam(pool, club);
  const name = "Zoë O'Brien-Nakamura 🏀";

  const created = await call(club, 'POST', '/admin/players', { name, email: 'family+x@example.test', team_ids: [team] });

  t.is(created.status, 201);
  t.deepEqual(created.body, {
    id: created.body.id,
    name,
    email: 'family+x@example.test',
    team_ids: [team],
    contract_status: 'none',
    monthly_fee: null,
    contract_url: null,
    birth_date: null,
    guardians: [],
    external_id: null,
    language: null,
  });
  const fetched = await call(club, 'GET', `/admin/players/${created.body.id}`);
  t.is(fetched.status, 200);
  t.deepEqual(fetched.body, created.body);
});

test("a player on another club's team → 422 team_not_found and no player is created", async (t) => {
  const { pool } = harness().db;
  const [mine, theirs] = [await createClub(pool), await createClub(pool)];
  const theirTeam = await createTeam(pool, theirs);

  const reply = await call(mine, 'POST', '/admin/players', { name: 'A', email: 'a@example.test', team_ids: [theirTeam] });

  t.is(reply.status, 422);
  t.is(reply.body.error.code, 'team_not_found');
  t.is(await countPlayers(mine), 0n);
});

const badPlayers: Array<[string, Record<string, unknown>]> = [
  ['an invalid e-mail', { name: 'A', email: 'not-an-email' }],
  ['a blank name', { name: '   ', email: 'a@example.test' }],
  ['a name over 200 characters', { name: 'x'.repeat(201), email: 'a@example.test' }],
  ['a repeated team', { name: 'A', email: 'a@example.test', team_ids: [1, 1] }],
  ['a team id as a string', { name: 'A', email: 'a@example.test', team_ids: ['1'] }],
  ['an unknown field', { name: 'A', email: 'a@example.test', tenant_id: 1 }],
];
for (const [what, body] of badPlayers) {
  test(`a player with ${what} → 422 validation_failed, nothing created`, async (t) => {
    const club = await createClub(harness().db.pool);
    const reply = await call(club, 'POST', '/admin/players', body);
    t.is(reply.status, 422);
    t.is(reply.body.error.code, 'validation_failed');
    t.is(await countPlayers(club), 0n);
  });
}

test("GET /admin/players/:id of another club's player → 404 player_not_found", async (t) => {
  const { pool } = harness().db;
  const [mine, theirs] = [await createClub(pool), await createClub(pool)];
  const created = await call(theirs, 'POST', '/admin/players', { name: 'Theirs', email: 't@example.test' });

  const reply = await call(mine, 'GET', `/admin/players/${created.body.id}`);

  t.is(reply.status, 404);
  t.is(reply.body.error.code, 'player_not_found');
});
