import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { signContract } from '../../src/family/store.ts';
import {
  type Club,
  addGuardians,
  createClub,
  createPlayer,
  putContractInState,
  readSigners,
  setSigningPolicy,
} from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/contract_pending_signers: the signers an open offer still needs (docs/PRODUCT.md, "Who signs").

const db = useDatabase();

const pending = (club: Club, playerId: number) =>
  db().pool.oneFirst(sql.type(z.object({ pending: z.number() }))`SELECT contract_pending_signers(${club.id}, ${playerId}) AS pending`);

async function offeredToGuardians(policy: 'one_guardian' | 'all_guardians') {
  const club = await createClub(db().pool);
  await setSigningPolicy(db().pool, club, policy);
  const playerId = await createPlayer(db().pool, club);
  await addGuardians(db().pool, club, playerId, [
    { name: 'Dana Park', email: 'dana@example.test' },
    { name: 'Sam Park', email: 'sam@example.test' },
  ]);
  await putContractInState(db().pool, club, playerId, 'offered');
  return { club, playerId, signers: await readSigners(db().pool, club, playerId) };
}

test('under all_guardians, every guardian who has not signed is pending', async (t) => {
  const { club, playerId, signers } = await offeredToGuardians('all_guardians');
  t.is(await pending(club, playerId), 2);

  await signContract(db().pool, { token: signers[0]?.token ?? '', signedBy: 'Dana', signatureUrl: null, ip: null, contractVersion: 'v1' });

  t.is(await pending(club, playerId), 1);
});

test('once a signer whose signature completes the contract has signed, none is pending', async (t) => {
  const { club, playerId, signers } = await offeredToGuardians('one_guardian');

  await signContract(db().pool, { token: signers[1]?.token ?? '', signedBy: 'Sam', signatureUrl: null, ip: null, contractVersion: 'v1' });

  t.is(await pending(club, playerId), 0);
});

test('an offer with no signer rows (made before signers existed) needs no one else', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  t.is(await pending(club, playerId), 0);
});
