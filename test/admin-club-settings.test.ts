import test from 'ava';
import { findClub } from '../src/club/store.ts';
import { useHarness } from './helpers/context.ts';
import { type Club, createClub } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';

// docs/PRODUCT.md, "The club's settings": GET and PATCH /admin/club, always the token's club.

const harness = useHarness();

async function call(club: Club, method: string, body?: unknown, rawBody?: string) {
  const { server } = harness();
  return request(server.baseUrl, method, '/admin/club', { token: await server.adminToken(club.slug), body, rawBody });
}

const stored = (club: Club) => findClub(harness().db.pool, club.id);

test('GET /admin/club answers the club’s settings, the defaults for a new club', async (t) => {
  const club = await createClub(harness().db.pool, 'Westside "Hoops"');

  const reply = await call(club, 'GET');

  t.is(reply.status, 200);
  t.deepEqual(reply.body, {
    slug: club.slug,
    name: 'Westside "Hoops"',
    signing_policy: 'one_guardian',
    adult_age: 18,
    default_language: 'en',
    contact_email: null,
    time_zone: 'UTC',
  });
});

const changes: Array<[string, Record<string, unknown>]> = [
  ['name', { name: 'Eastside Hoops 🏀 "Gold"; --' }],
  ['signing_policy', { signing_policy: 'all_guardians' }],
  ['adult_age (lowest)', { adult_age: 14 }],
  ['adult_age (highest)', { adult_age: 21 }],
  ['default_language', { default_language: 'es' }],
  ['contact_email', { contact_email: 'office+registrar@example.test' }],
  ['time_zone', { time_zone: 'America/Argentina/Buenos_Aires' }],
  [
    'every field at once',
    {
      name: 'Eastside',
      signing_policy: 'all_guardians',
      adult_age: 16,
      default_language: 'es',
      contact_email: 'office@example.test',
      time_zone: 'Europe/Madrid',
    },
  ],
];
for (const [what, body] of changes) {
  test(`PATCH /admin/club changes ${what}, and only that; GET answers the same`, async (t) => {
    const club = await createClub(harness().db.pool);
    const before = (await call(club, 'GET')).body;

    const reply = await call(club, 'PATCH', body);

    t.is(reply.status, 200);
    t.deepEqual(reply.body, { ...before, ...body });
    t.deepEqual((await call(club, 'GET')).body, reply.body);
  });
}

test('contact_email: null removes it', async (t) => {
  const club = await createClub(harness().db.pool);
  await call(club, 'PATCH', { contact_email: 'office@example.test' });

  const reply = await call(club, 'PATCH', { contact_email: null });

  t.is(reply.status, 200);
  t.is(reply.body.contact_email, null);
  t.is((await stored(club))?.contact_email, null);
});

test("another club's settings are never visible nor changed; tenant hints are refused", async (t) => {
  const [mine, theirs] = [await createClub(harness().db.pool, 'Mine'), await createClub(harness().db.pool, 'Theirs')];
  const theirsBefore = await stored(theirs);

  t.is((await call(mine, 'GET')).body.slug, mine.slug);
  t.is((await call(mine, 'PATCH', { name: 'Changed', time_zone: 'Asia/Tokyo' })).status, 200);
  t.deepEqual(await stored(theirs), theirsBefore);

  for (const hint of [{ slug: theirs.slug }, { tenant_id: theirs.id }]) {
    const reply = await call(mine, 'PATCH', { name: 'Hijack', ...hint });
    t.is(reply.status, 422, JSON.stringify(hint));
    t.is(reply.body.error.code, 'validation_failed');
  }
  const { server } = harness();
  const hinted = await request(server.baseUrl, 'GET', `/admin/club?tenant=${theirs.slug}`, {
    token: await server.adminToken(mine.slug),
  });
  t.is(hinted.status, 422);
  t.deepEqual(await stored(theirs), theirsBefore);
  t.is((await stored(mine))?.name, 'Changed');
});

const badBodies: Array<[string, unknown]> = [
  ['an empty object', {}],
  ['an unknown field', { name: 'A', colour: 'red' }],
  ['the slug', { slug: 'new-slug' }],
  ['a blank name', { name: '   ' }],
  ['a name over 200 characters', { name: 'x'.repeat(201) }],
  ['a null name', { name: null }],
  ['an unknown signing policy', { signing_policy: 'both_parents' }],
  ['an adult age under 14', { adult_age: 13 }],
  ['an adult age over 21', { adult_age: 22 }],
  ['an adult age as a string', { adult_age: '18' }],
  ['a fractional adult age', { adult_age: 17.5 }],
  ['a language the service does not ship', { default_language: 'fr' }],
  ['a language in upper case', { default_language: 'EN' }],
  ['a contact e-mail that is not an address', { contact_email: 'office' }],
  ['two contact e-mails', { contact_email: 'a@example.test, b@example.test' }],
  ['a contact e-mail with a line break', { contact_email: 'a@example.test\r\nBcc: x@example.test' }],
  ['a contact e-mail over 320 characters', { contact_email: `${'x'.repeat(320)}@example.test` }],
  ['an unknown time zone', { time_zone: 'Mars/Olympus_Mons' }],
  ['an offset instead of a zone', { time_zone: '+05:00' }],
  ['a POSIX zone', { time_zone: 'UTC+5' }],
  ['a zone in the wrong case', { time_zone: 'europe/madrid' }],
  ['an empty time zone', { time_zone: '' }],
  ['a null time zone', { time_zone: null }],
  ['a bad value beside good ones', { name: 'Fine', adult_age: 99 }],
  ['an array', [{ name: 'A' }]],
];
for (const [what, body] of badBodies) {
  test(`PATCH /admin/club with ${what} → 422 validation_failed, nothing changed`, async (t) => {
    const club = await createClub(harness().db.pool);
    const before = await stored(club);

    const reply = await call(club, 'PATCH', body);

    t.is(reply.status, 422);
    t.is(reply.body.error.code, 'validation_failed');
    t.deepEqual(await stored(club), before);
  });
}

test('a time zone Intl takes and PostgreSQL does not know by that name → 422 naming time_zone, nothing changed', async (t) => {
  const club = await createClub(harness().db.pool);
  const before = await stored(club);

  const reply = await call(club, 'PATCH', { name: 'Changed', time_zone: 'europe/madrid' });

  t.is(reply.status, 422);
  t.like(reply.body.error, { code: 'validation_failed', details: [{ path: ['time_zone'] }] });
  t.deepEqual(await stored(club), before);
});

test('PATCH /admin/club with no body at all → 422 validation_failed', async (t) => {
  const club = await createClub(harness().db.pool);
  const before = await stored(club);

  const reply = await call(club, 'PATCH');

  t.is(reply.status, 422);
  t.is(reply.body.error.code, 'validation_failed');
  t.deepEqual(await stored(club), before);
});

test('without a token → 401; a token for a club that does not exist → 403', async (t) => {
  const { server } = harness();
  t.is((await request(server.baseUrl, 'GET', '/admin/club')).status, 401);
  const ghost = { id: 0, slug: 'no-such-club' };
  t.is((await call(ghost, 'GET')).status, 403);
  t.is((await call(ghost, 'PATCH', { name: 'Ghost' })).status, 403);
});
