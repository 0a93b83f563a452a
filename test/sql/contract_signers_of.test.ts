import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { type Club, addGuardians, createClub, createPlayer, putContractInState, readSigners } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/contract_signers_of: who signs the player's current offer, as its answers list them.

const db = useDatabase();

const signersOf = (club: Club, playerId: number) =>
  db().pool.oneFirst(sql.type(z.object({ signers: z.array(z.record(z.unknown())) }))`
    SELECT contract_signers_of(players) AS signers FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}
  `);

test('lists the offer’s signers in order, each with id, name, e-mail, role, link, status and language', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await addGuardians(db().pool, club, playerId, [
    { name: 'Dana Park', email: 'dana@example.test' },
    { name: 'Sam Park', email: 'sam@example.test' },
  ]);
  await db().pool.query(sql.unsafe`UPDATE guardians SET language = 'es' WHERE tenant_id = ${club.id} AND name = 'Sam Park'`);
  await putContractInState(db().pool, club, playerId, 'offered');
  const [first, second] = await readSigners(db().pool, club, playerId);

  t.deepEqual(await signersOf(club, playerId), [
    {
      signer_id: first?.id,
      name: 'Dana Park',
      email: 'dana@example.test',
      role: 'guardian',
      token: first?.token,
      status: 'pending',
      signed_at: null,
      language: null,
    },
    {
      signer_id: second?.id,
      name: 'Sam Park',
      email: 'sam@example.test',
      role: 'guardian',
      token: second?.token,
      status: 'pending',
      signed_at: null,
      language: 'es',
    },
  ]);
});

test('an offer with no signer rows lists the player, at the player’s e-mail and link, as it stands', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const token = await putContractInState(db().pool, club, playerId, 'declined');
  await db().pool.query(sql.unsafe`DELETE FROM contract_signers WHERE tenant_id = ${club.id} AND player_id = ${playerId}`);

  t.deepEqual(await signersOf(club, playerId), [
    {
      signer_id: null,
      name: 'Jacelyn Park',
      email: 'family@example.test',
      role: 'player',
      token,
      status: 'declined',
      signed_at: null,
      language: null,
    },
  ]);
});

test('a player never offered has no signers', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  t.deepEqual(await signersOf(club, playerId), []);
});
