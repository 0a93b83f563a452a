import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { databaseChecksum } from './helpers/checksum.ts';
import { useHarness } from './helpers/context.ts';
import { type Club, createClub, createPlayer, createTeam, putContractInState } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { rawRequest } from './helpers/raw-http.ts';

// docs/PRODUCT.md, "Roster import": POST /admin/players/import[?dry_run=true] with a CSV roster.
// Tests that compare a checksum of the whole database run serially, before the others.

const harness = useHarness();

interface Reply {
  readonly status: number;
  readonly body: any;
}

async function importFile(club: Club, file: string | Buffer, options: { query?: string; contentType?: string } = {}): Promise<Reply> {
  const { server } = harness();
  const reply = await rawRequest(server.baseUrl, {
    method: 'POST',
    path: `/admin/players/import${options.query ?? ''}`,
    headers: { authorization: `Bearer ${await server.adminToken(club.slug)}`, 'content-type': options.contentType ?? 'text/csv' },
    body: file,
  });
  return { status: reply.status, body: JSON.parse(reply.text) };
}

async function call(club: Club, path: string) {
  const { server } = harness();
  return request(server.baseUrl, 'GET', path, { token: await server.adminToken(club.slug) });
}

const csv = (...lines: string[]) => `${lines.join('\n')}\n`;

const teamsOf = (club: Club) =>
  harness().db.pool.anyFirst(sql.type(z.object({ name: z.string() }))`
    SELECT name FROM teams WHERE tenant_id = ${club.id} ORDER BY id
  `);

const countPlayers = (club: Club) =>
  harness().db.pool.oneFirst(sql.type(z.object({ count: z.bigint() }))`SELECT count(*) FROM players WHERE tenant_id = ${club.id}`);

test.serial('every bad row is named with its line and column, and nothing is written', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const u12 = await createTeam(pool, club, 'U12');
  const signed = await createPlayer(pool, club, { name: 'Signed', email: 's@example.test', externalId: 'S-1', teamIds: [u12] });
  await putContractInState(pool, club, signed, 'signed');
  const before = await databaseChecksum(pool);

  const reply = await importFile(
    club,
    csv(
      'name,email,external_id,team,birth_date,guardian1_name,guardian1_email',
      'Good,good@example.test,G-1,U12,,,',
      ' ,blank@example.test,,,,,',
      'Mia,not-an-email,M-1,,,,',
      'Leo,leo@example.test,,,2999-01-01,,',
      'Ana,ana@example.test,,,,Mum,',
      'Dup,dup@example.test,G-1,,,,',
      'Signed,s@example.test,S-1,U14,,,',
      'Short,short@example.test',
      'Again,again@example.test,M-1,,,,',
    ),
  );

  t.is(reply.status, 422);
  t.is(reply.body.error.code, 'import_invalid');
  t.deepEqual(
    reply.body.error.details.map(({ line, column }: { line: number; column: string | null }) => [line, column]),
    [
      [3, 'name'],
      [4, 'email'],
      [5, 'birth_date'],
      [6, 'guardian1_email'],
      [7, 'external_id'],
      [8, 'team'],
      [9, null],
      [10, 'external_id'],
    ],
  );
  t.like(reply.body.error.details, [
    { message: 'must not be blank' },
    { message: 'Invalid email' },
    { message: 'must not be in the future (today is the date in UTC)' },
    { message: 'is empty: a guardian has a name and an e-mail' },
    { message: 'external_id G-1 is also on line 2' },
    {
      message:
        'the player has a signed contract: they move to another team only by a tier-change offer ' +
        '(POST /admin/contract/offer with target_team_id)',
    },
    { message: 'has 2 cells where the header has 7 columns' },
    { message: 'external_id M-1 is also on line 4' },
  ]);
  t.is(await databaseChecksum(pool), before, 'no player, team or change written, not even the good row');
});

test.serial('dry_run=true answers what the import would do and writes nothing', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const known = await createPlayer(pool, club, { name: 'Known', externalId: 'R-1' });
  const file = csv('external_id,name,email,team', 'R-1,Known Park,family@example.test,U16', ',Newcomer,new@example.test,U16');
  const before = await databaseChecksum(pool);

  const dry = await importFile(club, file, { query: '?dry_run=true' });

  t.is(dry.status, 200);
  t.is(await databaseChecksum(pool), before);
  const real = await importFile(club, file, { query: '?dry_run=false' });
  t.is(real.status, 200);
  const withoutNewIds = (body: any) => ({
    ...body,
    rows: body.rows.map((row: { action: string }) => (row.action === 'created' ? { ...row, player_id: 'new' } : row)),
  });
  t.deepEqual(withoutNewIds(dry.body), withoutNewIds(real.body));
  t.like(real.body, {
    created: 1,
    updated: 1,
    unchanged: 0,
    teams_created: ['U16'],
    rows: [{ line: 2, player_id: known, action: 'updated' }],
  });
});

test.serial('a file over 2 MB or over 5,000 rows → 413 payload_too_large, nothing written', async (t) => {
  const club = await createClub(harness().db.pool);
  const before = await databaseChecksum(harness().db.pool);

  const huge = await importFile(club, `name,email\nMia,${'m'.repeat(2 * 1024 * 1024)}@example.test\n`);
  const long = await importFile(club, `name,email\n${'Mia,mia@example.test\n'.repeat(5_001)}`);

  t.like(huge, { status: 413, body: { error: { code: 'payload_too_large' } } });
  t.like(long, {
    status: 413,
    body: { error: { code: 'payload_too_large', message: 'The file has more than 5,000 rows: import it in parts.' } },
  });
  t.is(await databaseChecksum(harness().db.pool), before);
});

test('a file creates each row’s player with the team it names (created once), birth date, guardians and external_id', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const u14 = await createTeam(pool, club, 'U14 Boys');

  const reply = await importFile(
    club,
    csv(
      'external_id,name,email,team,birth_date,guardian1_name,guardian1_email,guardian2_name,guardian2_email',
      "R-1,Mia Park,family@example.test,U12 Girls,2014-02-28,Ana Park,ana@example.test,Seán O'Brien,sean@example.test",
      'R-2,Leo Park,family@example.test,U14 Boys,,,,,',
      ',Noa Lee,noa@example.test,U12 Girls,,,,,',
    ),
  );

  t.is(reply.status, 200);
  t.like(reply.body, { created: 3, updated: 0, unchanged: 0, teams_created: ['U12 Girls'] });
  t.deepEqual(
    reply.body.rows.map(({ line, action }: { line: number; action: string }) => [line, action]),
    [
      [2, 'created'],
      [3, 'created'],
      [4, 'created'],
    ],
  );
  t.deepEqual(await teamsOf(club), ['U14 Boys', 'U12 Girls']);
  const [mia, leo, noa] = await Promise.all(
    reply.body.rows.map((row: { player_id: number }) => call(club, `/admin/players/${row.player_id}`)),
  );
  t.like(mia?.body, {
    name: 'Mia Park',
    email: 'family@example.test',
    external_id: 'R-1',
    birth_date: '2014-02-28',
    guardians: [
      { name: 'Ana Park', email: 'ana@example.test' },
      { name: "Seán O'Brien", email: 'sean@example.test' },
    ],
  });
  t.like(leo?.body, { external_id: 'R-2', team_ids: [u14], birth_date: null, guardians: [] });
  t.like(noa?.body, { external_id: null, team_ids: mia?.body.team_ids });
});

test('a row whose external_id the club knows updates that player; the same file again leaves everyone unchanged', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const a = await createTeam(pool, club, 'A');
  const known = await createPlayer(pool, club, { name: 'Mia', email: 'old@example.test', externalId: 'R-7', teamIds: [a] });
  const file = csv('external_id,name,email,team', 'R-7,Mia Park,new@example.test,B', 'R-8,Leo,leo@example.test,B');

  const first = await importFile(club, file);
  const again = await importFile(club, file);

  t.like(first, { status: 200, body: { created: 1, updated: 1, unchanged: 0, teams_created: ['B'] } });
  t.like(first.body.rows[0], { line: 2, player_id: known, action: 'updated' });
  const b = (await call(club, '/admin/teams')).body.items.find((team: { name: string }) => team.name === 'B');
  t.like((await call(club, `/admin/players/${known}`)).body, { name: 'Mia Park', email: 'new@example.test', team_ids: [b.id] });
  t.like(again, { status: 200, body: { created: 0, updated: 0, unchanged: 2, teams_created: [] } });
  t.deepEqual(
    again.body.rows.map((row: { player_id: number }) => row.player_id),
    first.body.rows.map((row: { player_id: number }) => row.player_id),
  );
});

test('another club’s external_id never matches: the row creates a player of this club', async (t) => {
  const { pool } = harness().db;
  const [club, other] = [await createClub(pool), await createClub(pool)];
  const theirs = await createPlayer(pool, other, { name: 'Theirs', externalId: 'R-1' });

  const reply = await importFile(club, csv('external_id,name,email', 'R-1,Ours,ours@example.test'));

  t.like(reply, { status: 200, body: { created: 1, updated: 0 } });
  t.not(reply.body.rows[0].player_id, theirs);
  t.like((await call(other, `/admin/players/${theirs}`)).body, { name: 'Theirs', external_id: 'R-1' });
});

test('reads a BOM, semicolons, CRLF, blank lines and quoted cells with delimiters, quotes and line breaks; cells are kept as written', async (t) => {
  const club = await createClub(harness().db.pool);

  const reply = await importFile(
    club,
    '\uFEFFExternal_ID;Name;EMAIL;Team\r\n' +
      'D-1;"Park; Mia ""Mimi""";mia@example.test;"U12, Girls"\r\n' +
      'D-2;"Two\r\nLines";two@example.test;U12, Girls\r\n' +
      '\r\n' +
      ';;;\r\n' +
      'D-3; Spaced ;last@example.test;\r\n',
  );
  const commas = await importFile(club, csv('name,email', '"Lee, Noa",noa@example.test'));

  t.is(reply.status, 200);
  t.like(reply.body, { created: 3, teams_created: ['U12, Girls'] });
  t.deepEqual(
    reply.body.rows.map((row: { line: number }) => row.line),
    [2, 3, 7],
  );
  const names = await Promise.all(
    reply.body.rows.map(async (row: { player_id: number }) => (await call(club, `/admin/players/${row.player_id}`)).body.name),
  );
  t.deepEqual(names, ['Park; Mia "Mimi"', 'Two\r\nLines', ' Spaced ']);
  t.like(commas, { status: 200, body: { created: 1 } });
});

test('a header row naming a column the import does not take, or missing name or email → 422 import_invalid naming each', async (t) => {
  const club = await createClub(harness().db.pool);

  const reply = await importFile(club, csv('NAME,phone,guardian2_name', 'Mia,555,Ana'));

  t.is(reply.status, 422);
  t.deepEqual(
    reply.body.error.details.map(({ line, column }: { line: number; column: string }) => [line, column]),
    [
      [1, 'phone'],
      [1, 'email'],
      [1, 'guardian2_email'],
    ],
  );
  t.regex(reply.body.error.details[0].message, /is not a column an import takes \(external_id, name, email/);
  t.is(await countPlayers(club), 0n);
});

test('a file that is not UTF-8 or not readable as CSV → 422 import_invalid naming the line', async (t) => {
  const club = await createClub(harness().db.pool);

  const latin1 = await importFile(
    club,
    Buffer.concat([Buffer.from('name,email\nMia,mia@example.test\nJos'), Buffer.from([0xe9]), Buffer.from(',j@example.test\n')]),
  );
  const unclosed = await importFile(club, csv('name,email', 'Mia,mia@example.test', '"Leo,leo@example.test', 'Noa,noa@example.test'));
  const empty = await importFile(club, '');

  t.like(latin1, {
    status: 422,
    body: {
      error: { code: 'import_invalid', details: [{ line: 3, column: null, message: 'is not UTF-8: save the file as "CSV UTF-8"' }] },
    },
  });
  t.like(unclosed, { status: 422, body: { error: { code: 'import_invalid', details: [{ line: 3, column: null }] } } });
  t.like(empty, {
    status: 422,
    body: {
      error: { code: 'import_invalid', details: [{ line: 1, message: 'the file is empty: it needs a header row naming its columns' }] },
    },
  });
  t.is(await countPlayers(club), 0n);
});

test('a body that is not text/csv, or a charset other than UTF-8 → 415 unsupported_media_type', async (t) => {
  const club = await createClub(harness().db.pool);
  const file = csv('name,email', 'Mia,mia@example.test');

  for (const contentType of ['application/json', 'text/plain', 'text/csv; charset=iso-8859-1']) {
    const reply = await importFile(club, file, { contentType });
    t.like(reply, { status: 415, body: { error: { code: 'unsupported_media_type' } } }, contentType);
  }
  t.like(await importFile(club, file, { contentType: 'text/csv; charset=UTF-8' }), { status: 200 });
});
