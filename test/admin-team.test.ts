import test from 'ava';
import { useHarness } from './helpers/context.ts';
import { type Club, createClub, createTeam } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';

// docs/PRODUCT.md, "Admin": GET /admin/teams/:id, one of the club's teams.

const harness = useHarness();

async function get(club: Club, path: string) {
  const { server } = harness();
  return request(server.baseUrl, 'GET', path, { token: await server.adminToken(club.slug) });
}

test('GET /admin/teams/:id answers the team as GET /admin/teams lists it', async (t) => {
  const club = await createClub(harness().db.pool);
  const team = await createTeam(harness().db.pool, club, 'U12 "Gold"');

  const reply = await get(club, `/admin/teams/${team}`);

  t.is(reply.status, 200);
  t.deepEqual(reply.body, { id: team, name: 'U12 "Gold"' });
  t.deepEqual((await get(club, '/admin/teams')).body.items, [reply.body]);
});

test('another club’s team, or an id no team has → 404 unknown_team', async (t) => {
  const club = await createClub(harness().db.pool);
  const theirs = await createTeam(harness().db.pool, await createClub(harness().db.pool), 'U14');

  for (const id of [theirs, 2_147_483_647]) {
    const reply = await get(club, `/admin/teams/${id}`);
    t.is(reply.status, 404, String(id));
    t.is(reply.body.error.code, 'unknown_team');
  }
});

test('an id that is not a positive whole number → 422 validation_failed', async (t) => {
  const club = await createClub(harness().db.pool);

  for (const id of ['abc', '0', '-1', '1.5']) {
    const reply = await get(club, `/admin/teams/${id}`);
    t.is(reply.status, 422, id);
    t.is(reply.body.error.code, 'validation_failed');
  }
});
