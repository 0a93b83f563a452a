import { createHash } from 'node:crypto';
import test from 'ava';
import { expireContract, offerContract } from '../../src/contracts/store.ts';
import { signContract } from '../../src/family/store.ts';
import { createClub, createPlayer, putContractInState, readAuditLog, readPlayer } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/expire_contract: the job queue's call at an offer's deadline.

const db = useDatabase();
const sha256 = (token: string) => createHash('sha256').update(token).digest();

test('an offer still open at its deadline expires, with an expire audit row by the system', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const token = await putContractInState(db().pool, club, playerId, 'offered');

  t.true(await expireContract(db().pool, club.id, playerId, sha256(token)));

  t.like(await readPlayer(db().pool, club, playerId), { contract_status: 'expired', contract_token: token });
  t.like((await readAuditLog(db().pool, club, playerId)).at(-1), { event_type: 'expire', actor: 'system', source: 'offer_deadline' });
});

test('a signature that won the race stays signed, and a newer offer is not expired by the older deadline', async (t) => {
  const club = await createClub(db().pool);
  const [signed, reoffered] = [await createPlayer(db().pool, club), await createPlayer(db().pool, club)];
  const signedToken = await putContractInState(db().pool, club, signed, 'offered');
  await signContract(db().pool, { token: signedToken, signedBy: 'Dana', signatureUrl: null, ip: null, contractVersion: 'v1' });
  const oldToken = await putContractInState(db().pool, club, reoffered, 'offered');
  await offerContract(db().pool, { tenantId: club.id, playerId: reoffered, monthlyFee: 1, targetTeamId: null, force: true, actor: 'a' });
  const before = [await readPlayer(db().pool, club, signed), await readPlayer(db().pool, club, reoffered)];

  t.false(await expireContract(db().pool, club.id, signed, sha256(signedToken)));
  t.false(await expireContract(db().pool, club.id, reoffered, sha256(oldToken)));

  t.deepEqual([await readPlayer(db().pool, club, signed), await readPlayer(db().pool, club, reoffered)], before);
});
