import test from 'ava';
import { sql } from 'slonik';
import { remindFamilies } from '../../src/mail/contract-messages.ts';
import { type Club, addGuardians, createClub, createPlayer, putContractInState, readMessages, readSigners } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/remind_families: POST /admin/contracts/remind in one call.

const db = useDatabase();

/** An offer made over an hour ago, so its own mail does not count as a recent reminder. */
async function offeredLongAgo(club: Club): Promise<number> {
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');
  await db().pool.query(sql.unsafe`
    UPDATE contract_messages SET created_at = now() - interval '2 hours' WHERE tenant_id = ${club.id} AND player_id = ${playerId}
  `);
  return playerId;
}

test('each player named gets a reminder, or the reason it is skipped, in the order asked', async (t) => {
  const [club, other] = [await createClub(db().pool), await createClub(db().pool)];
  const due = await offeredLongAgo(club);
  const fresh = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, fresh, 'offered');
  const signed = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, signed, 'signed');
  const theirs = await offeredLongAgo(other);

  const outcome = await remindFamilies(db().pool, club.id, [signed, due, fresh, theirs, due], false);

  t.deepEqual(outcome, [
    { player_id: signed, skipped_because: 'not_offered' },
    { player_id: due, skipped_because: null },
    { player_id: fresh, skipped_because: 'reminded_recently' },
    { player_id: theirs, skipped_because: 'player_not_found' },
  ]);
  t.like(await readMessages(db().pool, club, due), [{ kind: 'offer' }, { kind: 'reminder', status: 'queued' }]);
  t.is((await readMessages(db().pool, other, theirs)).length, 1, 'another club’s player gets nothing');
});

test('without ids, every offered player of the club; a dry run answers the same and queues nothing', async (t) => {
  const club = await createClub(db().pool);
  const [first, second] = [await offeredLongAgo(club), await offeredLongAgo(club)];
  await createPlayer(db().pool, club);

  t.deepEqual(await remindFamilies(db().pool, club.id, null, true), [
    { player_id: first, skipped_because: null },
    { player_id: second, skipped_because: null },
  ]);
  t.is((await readMessages(db().pool, club, first)).length, 1, 'the dry run queued nothing');

  await remindFamilies(db().pool, club.id, null, false);
  t.deepEqual(await remindFamilies(db().pool, club.id, null, true), [
    { player_id: first, skipped_because: 'reminded_recently' },
    { player_id: second, skipped_because: 'reminded_recently' },
  ]);
});

test('the one-hour rule counts per signer: a guardian mailed within the hour is left out, the other reminded', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await addGuardians(db().pool, club, playerId, [
    { name: 'Dana Park', email: 'dana@example.test' },
    { name: 'Sam Park', email: 'sam@example.test' },
  ]);
  await putContractInState(db().pool, club, playerId, 'offered');
  const [, second] = await readSigners(db().pool, club, playerId);
  // Dana's offer mail went out two hours ago; Sam's is recent.
  await db().pool.query(sql.unsafe`
    UPDATE contract_messages SET created_at = now() - interval '2 hours'
    WHERE tenant_id = ${club.id} AND player_id = ${playerId} AND signer_id <> ${second?.id ?? 0}
  `);

  t.deepEqual(await remindFamilies(db().pool, club.id, [playerId], false), [{ player_id: playerId, skipped_because: null }]);
  t.deepEqual(
    (await readMessages(db().pool, club, playerId)).filter((message) => message.kind === 'reminder').map((message) => message.recipient),
    ['dana@example.test'],
  );
  t.deepEqual(await remindFamilies(db().pool, club.id, [playerId], false), [{ player_id: playerId, skipped_because: 'reminded_recently' }]);
});
