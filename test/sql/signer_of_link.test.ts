import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { addGuardians, createClub, createPlayer, putContractInState, readSigners } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/signer_of_link: the signer a link stands for in the player's current offer.

const db = useDatabase();

const signerOf = (tenantId: number, playerId: number, token: string) =>
  db().pool.one(sql.type(z.object({ id: z.number(), role: z.string(), name: z.string() }))`
    SELECT (signer).id, (signer).role, (signer).name
    FROM players, signer_of_link(players, ${token}) AS signer
    WHERE players.tenant_id = ${tenantId} AND players.id = ${playerId}
  `);

test('finds the signer whose link it is', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await addGuardians(db().pool, club, playerId, [
    { name: 'Dana Park', email: 'dana@example.test' },
    { name: 'Sam Park', email: 'sam@example.test' },
  ]);
  await putContractInState(db().pool, club, playerId, 'offered');
  const [, second] = await readSigners(db().pool, club, playerId);

  t.deepEqual(await signerOf(club.id, playerId, second?.token ?? ''), { id: second?.id, role: 'guardian', name: 'Sam Park' });
});

test('an offer made before signers existed gets its one signer, the player, holding the player’s link', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const token = await putContractInState(db().pool, club, playerId, 'offered');
  await db().pool.query(sql.unsafe`DELETE FROM contract_signers WHERE tenant_id = ${club.id} AND player_id = ${playerId}`);

  const signer = await signerOf(club.id, playerId, token);

  t.like(signer, { role: 'player', name: 'Jacelyn Park' });
  t.like(await readSigners(db().pool, club, playerId), [{ id: signer.id, token, status: 'pending' }]);
});
