import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { createClub, createPlayer } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/set_player_guardians and sql/player_guardians: a player's guardian list, replaced whole and
// read in list order.

const db = useDatabase();

const guardian = z.object({ id: z.number(), name: z.string(), email: z.string() });

const set = (clubId: number, playerId: number, guardians: unknown) =>
  db().pool.oneFirst(sql.type(z.object({ list: z.array(guardian) }))`
    SELECT set_player_guardians(${clubId}, ${playerId}, ${JSON.stringify(guardians)}::jsonb) AS list
  `);

const read = (clubId: number, playerId: number) =>
  db().pool.oneFirst(sql.type(z.object({ list: z.array(guardian) }))`SELECT player_guardians(${clubId}, ${playerId}) AS list`);

const MUM = { name: 'Mum', email: 'mum@example.test' };
const DAD = { name: 'Dad', email: 'dad@example.test' };

test('replaces the list whole, in the order given, and answers it as player_guardians reads it', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  t.deepEqual(await read(club.id, playerId), []);

  const first = await set(club.id, playerId, [MUM, DAD]);
  t.deepEqual(
    first.map(({ name }) => name),
    ['Mum', 'Dad'],
  );
  t.deepEqual(await read(club.id, playerId), first);

  const swapped = await set(club.id, playerId, [DAD, MUM]);
  t.deepEqual(
    swapped.map(({ name }) => name),
    ['Dad', 'Mum'],
  );
  t.deepEqual(await read(club.id, playerId), swapped);

  t.deepEqual(await set(club.id, playerId, []), []);
  t.deepEqual(await read(club.id, playerId), []);
});

test('the current list again changes nothing, ids included', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const first = await set(club.id, playerId, [MUM, DAD]);

  t.deepEqual(await set(club.id, playerId, [MUM, DAD]), first);
});

test('another player’s list, or another club’s, is not touched', async (t) => {
  const [club, other] = [await createClub(db().pool), await createClub(db().pool)];
  const [mine, sibling] = [await createPlayer(db().pool, club), await createPlayer(db().pool, club)];
  const theirs = await createPlayer(db().pool, other);
  const siblingList = await set(club.id, sibling, [MUM]);
  const theirList = await set(other.id, theirs, [DAD]);

  await set(club.id, mine, [DAD, MUM]);

  t.deepEqual(await read(club.id, sibling), siblingList);
  t.deepEqual(await read(other.id, theirs), theirList);
  t.deepEqual(await read(club.id, theirs), [], 'a player id read under another club finds nobody');
});
