import { createHash } from 'node:crypto';
import test from 'ava';
import { queueDueReminder } from '../../src/mail/contract-messages.ts';
import { offerContract } from '../../src/contracts/store.ts';
import { signContract } from '../../src/family/store.ts';
import { createClub, createPlayer, putContractInState, readMessages } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/queue_due_reminder: an automatic reminder is queued only while its offer is still open.

const db = useDatabase();
const sha256 = (token: string) => createHash('sha256').update(token).digest();

test('queued while the player still has that very offer', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const token = await putContractInState(db().pool, club, playerId, 'offered');

  t.true((await queueDueReminder(db().pool, club.id, playerId, sha256(token))) !== null);
  t.like(await readMessages(db().pool, club, playerId), [{ kind: 'offer' }, { kind: 'reminder', status: 'queued' }]);
});

test('nothing once a newer offer replaced the link, or the family signed', async (t) => {
  const club = await createClub(db().pool);
  const [replaced, signed] = [await createPlayer(db().pool, club), await createPlayer(db().pool, club)];
  const oldToken = await putContractInState(db().pool, club, replaced, 'offered');
  await offerContract(db().pool, { tenantId: club.id, playerId: replaced, monthlyFee: 1, targetTeamId: null, force: true, actor: 'a' });
  const signedToken = await putContractInState(db().pool, club, signed, 'offered');
  await signContract(db().pool, { token: signedToken, signedBy: 'D', signatureUrl: null, ip: null, contractVersion: 'v1' });

  t.is(await queueDueReminder(db().pool, club.id, replaced, sha256(oldToken)), null);
  t.is(await queueDueReminder(db().pool, club.id, signed, sha256(signedToken)), null);
  t.false((await readMessages(db().pool, club, replaced)).some((message) => message.kind === 'reminder'));
  t.false((await readMessages(db().pool, club, signed)).some((message) => message.kind === 'reminder'));
});
