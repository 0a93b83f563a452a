import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { type ImportRow, type OptionalImportField, importPlayers } from '../../src/players/store.ts';
import { type Club, addGuardians, createClub, createPlayer, createTeam, putContractInState, readPlayer } from '../helpers/fixtures.ts';
import { databaseChecksum } from '../helpers/checksum.ts';
import { sqlstateOf, useDatabase } from '../helpers/sql-test.ts';

// sql/import_players: a roster file's rows, already checked by the service, written in one call
// (docs/PRODUCT.md, "Roster import").

const db = useDatabase();

const ALL_FIELDS: readonly OptionalImportField[] = ['team', 'birth_date', 'guardians'];

const row = (line: number, fields: Partial<ImportRow> = {}): ImportRow => ({
  line,
  external_id: null,
  name: `Player ${line}`,
  email: `player${line}@example.test`,
  team: null,
  birth_date: null,
  guardians: [],
  ...fields,
});

const run = (club: Club, rows: readonly ImportRow[], fields = ALL_FIELDS, dryRun = false) =>
  importPlayers(db().pool, club.id, rows, fields, { dryRun });

const stored = (club: Club, playerId: number) =>
  db().pool.one(sql.type(
    z.object({
      name: z.string(),
      email: z.string(),
      birth_date: z.string().nullable(),
      external_id: z.string().nullable(),
      team_names: z.array(z.string()),
      guardians: z.array(z.object({ name: z.string(), email: z.string() })),
    }),
  )`
    SELECT name, email, birth_date, external_id,
      ARRAY(
        SELECT teams.name FROM player_teams JOIN teams ON teams.tenant_id = player_teams.tenant_id AND teams.id = player_teams.team_id
        WHERE player_teams.tenant_id = players.tenant_id AND player_teams.player_id = players.id ORDER BY teams.name
      ) AS team_names,
      coalesce((SELECT jsonb_agg(jsonb_build_object('name', name, 'email', email) ORDER BY position) FROM guardians
        WHERE guardians.tenant_id = players.tenant_id AND guardians.player_id = players.id), '[]') AS guardians
    FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}
  `);

/** Refused with IMINV: the rows its DETAIL names. */
async function refusal(call: Promise<unknown>): Promise<unknown> {
  const error = await call.then(
    () => null,
    (thrown: unknown) => thrown,
  );
  if (error === null) throw new Error('the import was not refused');
  let current: unknown = error;
  while (current instanceof Error && (current as { code?: unknown }).code !== 'IMINV') current = current.cause;
  const detail = (current as { detail?: unknown }).detail;
  if (typeof detail !== 'string') throw error;
  return JSON.parse(detail);
}

test('creates a player per row, with their team, birth date, guardians and external_id; names the teams it created', async (t) => {
  const club = await createClub(db().pool);
  await createTeam(db().pool, club, 'U12 Girls');
  const mum = { name: 'Ana Park', email: 'ana@example.test' };

  const outcome = await run(club, [
    row(2, { external_id: 'R-1', team: 'U14 Boys', birth_date: '2012-05-01', guardians: [mum] }),
    row(3, { team: 'U12 Girls' }),
    row(5, { team: 'U10 Mixed' }),
    row(6, { team: 'U14 Boys' }),
  ]);

  t.like(outcome, { created: 4, updated: 0, unchanged: 0, teams_created: ['U14 Boys', 'U10 Mixed'] });
  t.deepEqual(
    outcome.rows.map(({ line, action }) => ({ line, action })),
    [2, 3, 5, 6].map((line) => ({ line, action: 'created' })),
  );
  const [first, second] = outcome.rows;
  t.deepEqual(await stored(club, first?.player_id ?? 0), {
    name: 'Player 2',
    email: 'player2@example.test',
    birth_date: '2012-05-01',
    external_id: 'R-1',
    team_names: ['U14 Boys'],
    guardians: [mum],
  });
  t.like(await stored(club, second?.player_id ?? 0), { external_id: null, team_names: ['U12 Girls'], guardians: [] });
});

test('a row with an external_id the club knows updates that player; importing the same rows again leaves them unchanged', async (t) => {
  const club = await createClub(db().pool);
  const oldTeam = await createTeam(db().pool, club, 'U12');
  const playerId = await createPlayer(db().pool, club, { name: 'Mia', email: 'old@example.test', externalId: 'R-7', teamIds: [oldTeam] });
  await addGuardians(db().pool, club, playerId, [{ name: 'Old Guardian', email: 'old.guardian@example.test' }]);
  const rows = [
    row(2, { external_id: 'R-7', name: 'Mia Park', email: 'new@example.test', team: 'U14', birth_date: '2011-01-31', guardians: [] }),
  ];

  const first = await run(club, rows);
  const again = await run(club, rows);

  t.like(first, {
    created: 0,
    updated: 1,
    unchanged: 0,
    teams_created: ['U14'],
    rows: [{ line: 2, player_id: playerId, action: 'updated' }],
  });
  t.deepEqual(await stored(club, playerId), {
    name: 'Mia Park',
    email: 'new@example.test',
    birth_date: '2011-01-31',
    external_id: 'R-7',
    team_names: ['U14'],
    guardians: [],
  });
  t.like(again, { created: 0, updated: 0, unchanged: 1, teams_created: [], rows: [{ line: 2, player_id: playerId, action: 'unchanged' }] });
});

test('an update leaves the fields whose columns the file does not have as they are', async (t) => {
  const club = await createClub(db().pool);
  const team = await createTeam(db().pool, club, 'U12');
  const playerId = await createPlayer(db().pool, club, { name: 'Mia', externalId: 'R-8', teamIds: [team] });
  await addGuardians(db().pool, club, playerId, [{ name: 'Ana', email: 'ana@example.test' }]);

  const outcome = await run(club, [row(2, { external_id: 'R-8', name: 'Mia Park', email: 'family@example.test' })], []);

  t.like(outcome, { updated: 1 });
  t.like(await stored(club, playerId), { name: 'Mia Park', team_names: ['U12'], guardians: [{ name: 'Ana', email: 'ana@example.test' }] });
});

test('an empty team cell takes the player off their teams; a team column makes the named team their one team', async (t) => {
  const club = await createClub(db().pool);
  const [a, b] = [await createTeam(db().pool, club, 'A'), await createTeam(db().pool, club, 'B')];
  const both = await createPlayer(db().pool, club, { externalId: 'both', teamIds: [a, b] });
  const none = await createPlayer(db().pool, club, { externalId: 'none', teamIds: [a] });

  await run(club, [row(2, { external_id: 'both', team: 'B' }), row(3, { external_id: 'none', team: null })], ['team']);

  t.deepEqual((await stored(club, both)).team_names, ['B']);
  t.deepEqual((await stored(club, none)).team_names, []);
});

test('another club’s external_id never matches: the row creates a player in this club', async (t) => {
  const [club, other] = [await createClub(db().pool), await createClub(db().pool)];
  const theirs = await createPlayer(db().pool, other, { name: 'Theirs', externalId: 'R-1' });

  const outcome = await run(club, [row(2, { external_id: 'R-1', name: 'Ours' })]);

  t.like(outcome, { created: 1, updated: 0 });
  t.not(outcome.rows[0]?.player_id, theirs);
  t.like(await stored(other, theirs), { name: 'Theirs' });
});

test.serial(
  'a row changing a signed player’s team is refused (IMINV) naming its line, with every such row, and nothing is written',
  async (t) => {
    const club = await createClub(db().pool);
    const team = await createTeam(db().pool, club, 'U12');
    const signed = [
      await createPlayer(db().pool, club, { externalId: 'S-1', teamIds: [team] }),
      await createPlayer(db().pool, club, { externalId: 'S-2', teamIds: [team] }),
    ];
    for (const playerId of signed) await putContractInState(db().pool, club, playerId, 'signed');
    const before = await databaseChecksum(db().pool);

    const problems = await refusal(
      run(club, [
        row(2, { external_id: 'S-1', team: 'U14' }),
        row(3, { name: 'New player', team: 'U16' }),
        row(4, { external_id: 'S-2', team: null }),
      ]),
    );

    t.like(problems, [
      { line: 2, column: 'team' },
      { line: 4, column: 'team' },
    ]);
    t.is((problems as unknown[]).length, 2);
    t.is(await databaseChecksum(db().pool), before, 'no player, team or change written');
  },
);

test('a signed player’s row that keeps their team updates the rest', async (t) => {
  const club = await createClub(db().pool);
  const team = await createTeam(db().pool, club, 'U12');
  const playerId = await createPlayer(db().pool, club, { externalId: 'S-3', teamIds: [team] });
  await putContractInState(db().pool, club, playerId, 'signed');
  const contract = await readPlayer(db().pool, club, playerId);

  const outcome = await run(club, [row(2, { external_id: 'S-3', name: 'Renamed', team: 'U12' })]);

  t.like(outcome, { updated: 1 });
  t.deepEqual(await readPlayer(db().pool, club, playerId), contract, 'the signed contract and its teams untouched');
});

test('an external_id on two rows is refused (IMINV) naming the later line', async (t) => {
  const club = await createClub(db().pool);

  const problems = await refusal(run(club, [row(2, { external_id: 'X' }), row(3), row(4, { external_id: 'X' })]));

  t.deepEqual(problems, [{ line: 4, column: 'external_id', message: 'external_id X is also on line 2' }]);
});

test('a birth date or guardian the service would refuse is refused again (IMINV) naming its line', async (t) => {
  const club = await createClub(db().pool);
  const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

  t.like(await refusal(run(club, [row(2), row(3, { birth_date: tomorrow })])), [{ line: 3, column: 'birth_date' }]);
  t.like(await refusal(run(club, [row(2, { guardians: [{ name: ' ', email: 'x@example.test' }] })])), [{ line: 2, column: null }]);
  t.is(await db().pool.oneFirst(sql.type(z.object({ count: z.bigint() }))`SELECT count(*) FROM players WHERE tenant_id = ${club.id}`), 0n);
});

test.serial('a dry run answers what the import would do and leaves the database as it was', async (t) => {
  const club = await createClub(db().pool);
  await createPlayer(db().pool, club, { externalId: 'R-1' });
  const before = await databaseChecksum(db().pool);

  const outcome = await run(club, [row(2, { external_id: 'R-1', team: 'New team' }), row(3)], ALL_FIELDS, true);

  t.like(outcome, { created: 1, updated: 1, teams_created: ['New team'] });
  t.is(await databaseChecksum(db().pool), before);
});

test('locks only the players it changes: an unchanged player’s family can sign meanwhile', async (t) => {
  const club = await createClub(db().pool);
  const unchanged = await createPlayer(db().pool, club, { name: 'Same', email: 'same@example.test', externalId: 'U' });
  const changed = await createPlayer(db().pool, club, { name: 'Old', email: 'changed@example.test', externalId: 'C' });
  const lockNowait = (playerId: number) =>
    sqlstateOf(
      db().pool.query(sql.unsafe`
        SELECT 1 FROM players WHERE tenant_id = ${club.id} AND id = ${playerId} FOR UPDATE NOWAIT
      `),
    );

  // A transaction slonik does not know of, so that the checks may run on other connections meanwhile.
  await db().pool.connect(async (importing) => {
    await importing.query(sql.unsafe`BEGIN`);
    await importing.query(sql.unsafe`
      SELECT * FROM import_players(${club.id}, ${sql.jsonb([
        row(2, { external_id: 'U', name: 'Same', email: 'same@example.test' }),
        row(3, { external_id: 'C', name: 'New', email: 'changed@example.test' }),
      ])}, '{}')
    `);
    t.is(await lockNowait(unchanged), null, 'the unchanged player is free');
    t.is(await lockNowait(changed), '55P03', 'the changed player is held until the import ends');
    await importing.query(sql.unsafe`ROLLBACK`);
  });
});
