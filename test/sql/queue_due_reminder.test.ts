import { createHash } from 'node:crypto';
import test from 'ava';
import { queueDueReminder } from '../../src/mail/contract-messages.ts';
import { offerContract } from '../../src/contracts/store.ts';
import { signContract } from '../../src/family/store.ts';
import {
  addGuardians,
  createClub,
  createPlayer,
  putContractInState,
  readMessages,
  readSigners,
  setSigningPolicy,
} from '../helpers/fixtures.ts';
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

test('goes to every signer still pending, each with their own link, and not to one who signed', async (t) => {
  const club = await createClub(db().pool);
  await setSigningPolicy(db().pool, club, 'all_guardians');
  const playerId = await createPlayer(db().pool, club);
  await addGuardians(db().pool, club, playerId, [
    { name: 'Dana Park', email: 'dana@example.test' },
    { name: 'Sam Park', email: 'sam@example.test' },
    { name: 'Alex Park', email: 'alex@example.test' },
  ]);
  await putContractInState(db().pool, club, playerId, 'offered');
  const [first, second] = await readSigners(db().pool, club, playerId);
  await signContract(db().pool, { token: first?.token ?? '', signedBy: 'Dana Park', signatureUrl: null, ip: null, contractVersion: 'v1' });

  // Scheduled from the second guardian's offer mail: any of the offer's links names the offer.
  t.true((await queueDueReminder(db().pool, club.id, playerId, sha256(second?.token ?? ''))) !== null);

  const reminders = (await readMessages(db().pool, club, playerId)).filter((message) => message.kind === 'reminder');
  t.deepEqual(
    reminders.map((message) => message.recipient),
    ['sam@example.test', 'alex@example.test'],
  );
});
