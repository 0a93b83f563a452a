import test from 'ava';
import pg from 'pg';
import { sql } from 'slonik';
import { claimContractMessages } from '../../src/mail/contract-messages.ts';
import { type Club, createClub, createPlayer, putContractInState, readMessages, readOutbox } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/claim_contract_messages: the e-mail worker's poll of the outbox (docs/DESIGN.md, "E-mail
// queue"). Every test file has a database of its own, so the due messages are its own; each test
// claims them all first, so a test sees only the messages it queues.

const db = useDatabase();
const LEASE_MS = 60_000;

const claimAll = () => claimContractMessages(db().pool, 1000, LEASE_MS);

async function offered(club: Club) {
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');
  return { playerId, id: (await readMessages(db().pool, club, playerId))[0]?.id ?? 0 };
}

test.serial('claims the due messages, at most the limit, each for the lease: due again only once it runs out', async (t) => {
  await claimAll();
  const club = await createClub(db().pool);
  const queued = [await offered(club), await offered(club), await offered(club)];

  const first = await claimContractMessages(db().pool, 2, LEASE_MS);
  const second = await claimContractMessages(db().pool, 2, LEASE_MS);

  t.is(first.length, 2);
  t.is(second.length, 1);
  t.deepEqual([...first, ...second].map((message) => message.id).sort(), queued.map((message) => message.id).sort());
  t.like(first[0], { tenant_id: club.id, attempts: 0 });
  t.deepEqual(await claimAll(), [], 'nothing due while the leases run');
  for (const { playerId } of queued) {
    const [row] = await readOutbox(db().pool, club, playerId);
    t.like(row, { status: 'queued', claimed: true, due: false });
    t.true(Math.abs((row?.due_in_s ?? 0) - LEASE_MS / 1000) < 5, 'due again when the lease runs out');
  }

  // The lease of one runs out (its worker died): it is taken again.
  await db().pool.query(
    sql.unsafe`UPDATE contract_messages SET due_at = now() WHERE tenant_id = ${club.id} AND id = ${queued[0]?.id ?? 0}`,
  );
  t.deepEqual(
    (await claimAll()).map((message) => message.id),
    [queued[0]?.id],
  );
});

test.serial(
  'takes only queued outbox messages: not one sent, nor one with a job of its own (queued the previous release’s way)',
  async (t) => {
    await claimAll();
    const club = await createClub(db().pool);
    const [sent, legacy] = [await offered(club), await offered(club)];
    await db().pool.query(sql.unsafe`
    UPDATE contract_messages SET status = 'sent', sent_at = now() WHERE tenant_id = ${club.id} AND id = ${sent.id}
  `);
    await db().pool.query(sql.unsafe`UPDATE contract_messages SET due_at = NULL WHERE tenant_id = ${club.id} AND id = ${legacy.id}`);

    t.deepEqual(await claimAll(), []);
  },
);

test.serial('a message another worker is claiming is skipped, not waited for; two workers never take one message', async (t) => {
  await claimAll();
  const club = await createClub(db().pool);
  const queued = [await offered(club), await offered(club)];

  // One worker's claim, not yet committed, on a connection of its own.
  const worker = new pg.Client({ connectionString: db().url });
  await worker.connect();
  t.teardown(() => worker.end());
  await worker.query('BEGIN');
  const mine = await worker.query<{ id: string }>('SELECT id FROM claim_contract_messages(1, interval $$1 minute$$)');

  const theirs = await claimContractMessages(db().pool, 10, LEASE_MS);
  await worker.query('COMMIT');

  t.is(mine.rows.length, 1);
  t.is(theirs.length, 1);
  t.deepEqual(
    [...mine.rows.map((row) => Number(row.id)), ...theirs.map((message) => message.id)].sort(),
    queued.map((message) => message.id).sort(),
  );
});
