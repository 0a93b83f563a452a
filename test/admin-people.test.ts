import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { useHarness } from './helpers/context.ts';
import { type Club, createClub, createPlayer, putContractInState, readPlayer } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';

// docs/PRODUCT.md, "People": a player's birth date and guardians, on POST /admin/players,
// PATCH /admin/players/:id and every answer that shows a player.

const harness = useHarness();

async function call(club: Club, method: string, path: string, body?: unknown, headers?: Record<string, string>) {
  const { server } = harness();
  return request(server.baseUrl, method, path, {
    token: await server.adminToken(club.slug),
    body,
    ...(headers === undefined ? {} : { headers: { 'content-type': 'application/json', ...headers } }),
  });
}

const storedGuardian = z.object({ id: z.number(), position: z.number(), name: z.string(), email: z.string() });

/** The player's birth date and guardians as the database holds them. */
async function storedPeople(club: Club, playerId: number) {
  const { pool } = harness().db;
  const birthDate = await pool.maybeOneFirst(sql.type(z.object({ birth_date: z.string().nullable() }))`
    SELECT birth_date FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}
  `);
  const guardians = await pool.any(sql.type(storedGuardian)`
    SELECT id, position, name, email FROM guardians WHERE tenant_id = ${club.id} AND player_id = ${playerId} ORDER BY position
  `);
  return { birth_date: birthDate, guardians };
}

const playersOf = (club: Club) =>
  harness().db.pool.oneFirst(sql.type(z.object({ count: z.bigint() }))`SELECT count(*) FROM players WHERE tenant_id = ${club.id}`);

/** A date `days` from today in UTC, YYYY-MM-DD. */
const utcDay = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

const MOTHER = { name: 'Ana Park', email: 'ana+park@example.test' };
const FATHER = { name: "Seán O'Brien", email: 'sean@example.test' };

test('POST /admin/players stores the birth date and the guardians in order; every answer shows them alike', async (t) => {
  const club = await createClub(harness().db.pool);

  const created = await call(club, 'POST', '/admin/players', {
    name: 'Mia Park',
    email: 'family@example.test',
    birth_date: '2014-02-28',
    guardians: [FATHER, MOTHER],
  });

  t.is(created.status, 201);
  const stored = await storedPeople(club, created.body.id);
  t.deepEqual(stored, {
    birth_date: '2014-02-28',
    guardians: [
      { id: stored.guardians[0]?.id ?? 0, position: 1, ...FATHER },
      { id: stored.guardians[1]?.id ?? 0, position: 2, ...MOTHER },
    ],
  });
  t.like(created.body, {
    birth_date: '2014-02-28',
    guardians: stored.guardians.map(({ id, name, email }) => ({ id, name, email })),
  });
  t.deepEqual((await call(club, 'GET', `/admin/players/${created.body.id}`)).body, created.body);
  t.deepEqual((await call(club, 'GET', '/admin/players')).body.items, [created.body]);
});

test('POST /admin/players without either: birth_date null, no guardians', async (t) => {
  const club = await createClub(harness().db.pool);

  const created = await call(club, 'POST', '/admin/players', { name: 'Adult', email: 'adult@example.test' });
  const explicit = await call(club, 'POST', '/admin/players', {
    name: 'Adult too',
    email: 'adult2@example.test',
    birth_date: null,
    guardians: [],
  });

  for (const reply of [created, explicit]) {
    t.is(reply.status, 201);
    t.like(reply.body, { birth_date: null, guardians: [] });
    t.deepEqual(await storedPeople(club, reply.body.id), { birth_date: null, guardians: [] });
  }
});

test('today (UTC) is a birth date; four guardians are allowed', async (t) => {
  const club = await createClub(harness().db.pool);
  const four = [1, 2, 3, 4].map((n) => ({ name: `Guardian ${n}`, email: `g${n}@example.test` }));

  const reply = await call(club, 'POST', '/admin/players', {
    name: 'Newborn',
    email: 'nb@example.test',
    birth_date: utcDay(0),
    guardians: four,
  });

  t.is(reply.status, 201, JSON.stringify(reply.body));
  t.is(reply.body.birth_date, utcDay(0));
  t.deepEqual(
    reply.body.guardians.map((guardian: { name: string }) => guardian.name),
    four.map((guardian) => guardian.name),
  );
});

const badPeople: Array<[string, Record<string, unknown>, string]> = [
  ['a birth date tomorrow (UTC)', { birth_date: utcDay(1) }, 'birth_date'],
  ['an impossible birth date', { birth_date: '2013-02-29' }, 'birth_date'],
  ['a birth date not written YYYY-MM-DD', { birth_date: '2013-2-1' }, 'birth_date'],
  ['a birth date with a time', { birth_date: '2013-02-01T00:00:00Z' }, 'birth_date'],
  ['a birth date before 1900', { birth_date: '1899-12-31' }, 'birth_date'],
  ['a birth date as a number', { birth_date: 20130201 }, 'birth_date'],
  ['a fifth guardian', { guardians: [1, 2, 3, 4, 5].map((n) => ({ name: `G${n}`, email: `g${n}@example.test` })) }, 'guardians'],
  ['a guardian’s malformed e-mail', { guardians: [MOTHER, { name: 'Dad', email: 'not-an-email' }] }, 'guardians'],
  ['a guardian’s blank name', { guardians: [{ name: '  ', email: 'dad@example.test' }] }, 'guardians'],
  ['a guardian without an e-mail', { guardians: [{ name: 'Dad' }] }, 'guardians'],
  ['a guardian with an unknown field', { guardians: [{ ...MOTHER, phone: '555' }] }, 'guardians'],
  ['guardians as an object', { guardians: MOTHER }, 'guardians'],
];

for (const [what, people, field] of badPeople) {
  test(`POST /admin/players with ${what} → 422 validation_failed naming ${field}, no player`, async (t) => {
    const club = await createClub(harness().db.pool);
    const reply = await call(club, 'POST', '/admin/players', { name: 'Mia', email: 'mia@example.test', ...people });
    t.is(reply.status, 422);
    t.is(reply.body.error.code, 'validation_failed');
    t.true(
      reply.body.error.details.some((issue: { path: unknown[] }) => issue.path[0] === field),
      JSON.stringify(reply.body.error.details),
    );
    t.is(await playersOf(club), 0n);
  });

  test(`PATCH /admin/players/:id with ${what} → 422 validation_failed naming ${field}, nothing changed`, async (t) => {
    const club = await createClub(harness().db.pool);
    const created = await call(club, 'POST', '/admin/players', {
      name: 'Mia',
      email: 'mia@example.test',
      birth_date: '2012-06-01',
      guardians: [MOTHER],
    });
    const before = await storedPeople(club, created.body.id);
    const reply = await call(club, 'PATCH', `/admin/players/${created.body.id}`, { name: 'Changed', ...people });
    t.is(reply.status, 422);
    t.is(reply.body.error.code, 'validation_failed');
    t.true(
      reply.body.error.details.some((issue: { path: unknown[] }) => issue.path[0] === field),
      JSON.stringify(reply.body.error.details),
    );
    t.deepEqual(await storedPeople(club, created.body.id), before);
    t.is((await call(club, 'GET', `/admin/players/${created.body.id}`)).body.name, 'Mia');
  });
}

test('PATCH guardians replaces the list whole; null or absent leaves it; [] empties it', async (t) => {
  const club = await createClub(harness().db.pool);
  const created = await call(club, 'POST', '/admin/players', {
    name: 'Mia',
    email: 'mia@example.test',
    guardians: [MOTHER],
  });
  const path = `/admin/players/${created.body.id}`;

  const replaced = await call(club, 'PATCH', path, { guardians: [FATHER, MOTHER] });
  t.is(replaced.status, 200);
  const stored = await storedPeople(club, created.body.id);
  t.deepEqual(
    stored.guardians.map(({ position, name, email }) => ({ position, name, email })),
    [
      { position: 1, ...FATHER },
      { position: 2, ...MOTHER },
    ],
  );
  t.deepEqual(
    replaced.body.guardians,
    stored.guardians.map(({ id, name, email }) => ({ id, name, email, language: null })),
  );
  t.deepEqual(replaced.body, (await call(club, 'GET', path)).body);

  for (const untouched of [{ name: 'Mia Park' }, { name: 'Mia Park', guardians: null }]) {
    const reply = await call(club, 'PATCH', path, untouched);
    t.is(reply.status, 200);
    t.deepEqual(reply.body.guardians, replaced.body.guardians);
    t.deepEqual(await storedPeople(club, created.body.id), stored);
  }

  const same = await call(club, 'PATCH', path, { guardians: [FATHER, MOTHER] });
  t.deepEqual(same.body.guardians, replaced.body.guardians, 'the same list again keeps its ids');

  const emptied = await call(club, 'PATCH', path, { guardians: [] });
  t.deepEqual(emptied.body.guardians, []);
  t.deepEqual((await storedPeople(club, created.body.id)).guardians, []);
});

test('PATCH birth_date sets it, null forgets it, absent leaves it', async (t) => {
  const club = await createClub(harness().db.pool);
  const created = await call(club, 'POST', '/admin/players', { name: 'Mia', email: 'mia@example.test' });
  const path = `/admin/players/${created.body.id}`;

  const set = await call(club, 'PATCH', path, { birth_date: '2011-09-30' });
  t.is(set.status, 200);
  t.is(set.body.birth_date, '2011-09-30');
  t.is((await storedPeople(club, created.body.id)).birth_date, '2011-09-30');

  const renamed = await call(club, 'PATCH', path, { name: 'Mia Park' });
  t.is(renamed.body.birth_date, '2011-09-30');
  t.is((await storedPeople(club, created.body.id)).birth_date, '2011-09-30');

  const forgotten = await call(club, 'PATCH', path, { birth_date: null });
  t.is(forgotten.status, 200);
  t.is(forgotten.body.birth_date, null);
  t.is((await storedPeople(club, created.body.id)).birth_date, null);
});

test("PATCH of another club's player → 404 player_not_found, their birth date and guardians untouched", async (t) => {
  const [mine, theirs] = [await createClub(harness().db.pool), await createClub(harness().db.pool)];
  const their = await call(theirs, 'POST', '/admin/players', {
    name: 'Theirs',
    email: 't@example.test',
    birth_date: '2010-01-01',
    guardians: [MOTHER],
  });
  const before = await storedPeople(theirs, their.body.id);

  const reply = await call(mine, 'PATCH', `/admin/players/${their.body.id}`, { birth_date: '2012-01-01', guardians: [FATHER] });

  t.is(reply.status, 404);
  t.is(reply.body.error.code, 'player_not_found');
  t.deepEqual(await storedPeople(theirs, their.body.id), before);
  t.is((await call(mine, 'GET', `/admin/players/${their.body.id}`)).status, 404);
});

test('an Idempotency-Key replay of a create answers the same guardians and adds none', async (t) => {
  const club = await createClub(harness().db.pool);
  const body = { name: 'Mia', email: 'mia@example.test', birth_date: '2013-05-05', guardians: [MOTHER, FATHER] };

  const first = await call(club, 'POST', '/admin/players', body, { 'idempotency-key': 'people-1' });
  const again = await call(club, 'POST', '/admin/players', body, { 'idempotency-key': 'people-1' });

  t.is(first.status, 201);
  t.is(again.status, 201);
  t.is(again.headers.get('idempotent-replayed'), 'true');
  t.deepEqual(again.body, first.body);
  t.is(await playersOf(club), 1n);
  t.is((await storedPeople(club, first.body.id)).guardians.length, 2);

  const other = await call(club, 'POST', '/admin/players', { ...body, guardians: [MOTHER] }, { 'idempotency-key': 'people-1' });
  t.is(other.status, 422);
  t.is(other.body.error.code, 'idempotency_key_reused', 'another guardian list is another request');
});

test('guardians changed while an offer is open leave the offer as it is', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const playerId = await createPlayer(pool, club, { name: 'Mia', email: 'mia@example.test' });
  await putContractInState(pool, club, playerId, 'offered');
  const before = await readPlayer(pool, club, playerId);

  const reply = await call(club, 'PATCH', `/admin/players/${playerId}`, { birth_date: '2012-01-01', guardians: [MOTHER] });

  t.is(reply.status, 200);
  t.is(reply.body.contract_status, 'offered');
  t.deepEqual(await readPlayer(pool, club, playerId), before);
});

test('deleting a player deletes their guardians', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const created = await call(club, 'POST', '/admin/players', { name: 'Mia', email: 'mia@example.test', guardians: [MOTHER] });

  await pool.query(sql.unsafe`DELETE FROM players WHERE tenant_id = ${club.id} AND id = ${created.body.id}`);

  t.deepEqual((await storedPeople(club, created.body.id)).guardians, []);
});
