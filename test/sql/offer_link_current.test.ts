import { createHash } from 'node:crypto';
import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { offerContract } from '../../src/contracts/store.ts';
import { type Club, addGuardians, createClub, createPlayer, putContractInState, readSigners } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/offer_link_current: whether a link's hash still opens the player's open offer.

const db = useDatabase();

const current = (club: Club, playerId: number, token: string) =>
  db().pool.oneFirst(sql.type(z.object({ current: z.boolean() }))`
    SELECT offer_link_current(players, ${sql.binary(createHash('sha256').update(token).digest())}) AS current
    FROM players WHERE tenant_id = ${club.id} AND id = ${playerId}
  `);

test('every signer’s link of the open offer is current; none is once a newer offer replaced them', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await addGuardians(db().pool, club, playerId, [
    { name: 'Dana Park', email: 'dana@example.test' },
    { name: 'Sam Park', email: 'sam@example.test' },
  ]);
  await putContractInState(db().pool, club, playerId, 'offered');
  const signers = await readSigners(db().pool, club, playerId);
  for (const signer of signers) t.true(await current(club, playerId, signer.token));

  await offerContract(db().pool, { tenantId: club.id, playerId, monthlyFee: 160, targetTeamId: null, force: true, actor: 'a' });

  for (const signer of signers) t.false(await current(club, playerId, signer.token));
});

test('a link of an answered offer is not current', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const token = await putContractInState(db().pool, club, playerId, 'declined');
  t.false(await current(club, playerId, token));
});
