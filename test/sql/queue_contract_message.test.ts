import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { type Club, createClub, createPlayer, putContractInState, readJobs, readMessages } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/queue_contract_message, as the previous release's transitions call it while a deploy is half
// done (docs/OPERATING.md, "A breaking change"): the message, for no particular signer, and its job.

const db = useDatabase();

const queue = (club: Club, playerId: number, kind: string, token: string | null) =>
  db().pool.oneFirst(sql.type(z.object({ id: z.bigint() }))`
    SELECT queue_contract_message(${club.id}, ${playerId}, ${kind}, 'park+family@example.test', ${token}, NULL) AS id
  `);

test('queues one message to the address given, for no signer, and one job to send it', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);

  const id = await queue(club, playerId, 'reminder', 'a-link-token');

  t.like(await readMessages(db().pool, club, playerId), [
    { id: Number(id), kind: 'reminder', recipient: 'park+family@example.test', status: 'queued', attempts: 0 },
  ]);
  t.is(
    await db().pool.oneFirst(sql.type(z.object({ signer_id: z.number().nullable() }))`
      SELECT signer_id FROM contract_messages WHERE tenant_id = ${club.id} AND id = ${id}`),
    null,
  );
  t.deepEqual(await readJobs(db().pool, club, playerId), [{ task: 'send_contract_message', key: null, message_id: Number(id) }]);
});

test('an offer mail replaces the pending one: the older is skipped, one job sends the newer', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  const token = await putContractInState(db().pool, club, playerId, 'offered');

  const id = await queue(club, playerId, 'offer', token);

  const [older, newer] = await readMessages(db().pool, club, playerId);
  t.like(older, { kind: 'offer', status: 'skipped', last_error: 'a newer offer replaced its link before it left' });
  t.like(newer, { id: Number(id), kind: 'offer', status: 'queued' });
  t.deepEqual(
    (await readJobs(db().pool, club, playerId)).map((job) => job.message_id),
    [Number(id)],
  );
});
