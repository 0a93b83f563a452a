import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { verifyClubChain } from '../src/contracts/audit-chain.ts';
import { useHarness } from './helpers/context.ts';
import { createClub, createPlayer, readAuditLog, readPlayer } from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';

// docs/PRODUCT.md, "Non-functional guarantees": concurrent offers on one player serialise on its
// row lock; their audit rows chain one after another ("Audit log").

const harness = useHarness();
const SIMULTANEOUS = 20;

async function offerTogether(slug: string, playerId: number, query: string) {
  const { server } = harness();
  const token = await server.adminToken(slug);
  return Promise.all(
    Array.from({ length: SIMULTANEOUS }, (_, i) =>
      request(server.baseUrl, 'POST', `/admin/contract/offer${query}`, {
        token,
        body: { player_id: playerId, monthly_fee: 100 + i },
      }),
    ),
  );
}

test(`${SIMULTANEOUS} simultaneous first offers on one player: exactly one 200, the rest 409, one token`, async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const playerId = await createPlayer(pool, club);

  const replies = await offerTogether(club.slug, playerId, '');

  const statuses = replies.map((reply) => reply.status).sort();
  t.deepEqual(statuses, [200, ...Array<number>(SIMULTANEOUS - 1).fill(409)]);
  t.true(replies.filter((reply) => reply.status === 409).every((reply) => reply.body.error.code === 'offer_exists'));
  const winner = replies.find((reply) => reply.status === 200);
  const player = await readPlayer(pool, club, playerId);
  t.is(player.contract_token, winner?.body.contract_token);
  t.is(player.monthly_fee, winner?.body.monthly_fee);
  t.deepEqual(await readAuditLog(pool, club, playerId), []);
});

test(`${SIMULTANEOUS} simultaneous forced offers: every old token archived exactly once, the last row holds the final token`, async (t) => {
  const { pool } = harness().db;
  const club = await createClub(pool);
  const playerId = await createPlayer(pool, club);

  const replies = await offerTogether(club.slug, playerId, '?force=true');

  t.true(replies.every((reply) => reply.status === 200));
  const issued = replies.map((reply) => reply.body.contract_token as string);
  t.is(new Set(issued).size, SIMULTANEOUS);
  const audit = await readAuditLog(pool, club, playerId);
  t.is(audit.length, SIMULTANEOUS - 1, 'the first offer replaced nothing; each later one replaced one');
  const archived = audit.map((row) => row.old_state.contract_token);
  t.is(new Set(archived).size, archived.length, 'no token archived twice');
  // Each row's old token is the previous row's new token: one unbroken chain.
  for (let i = 1; i < audit.length; i += 1) {
    t.is(audit[i]?.old_state.contract_token, audit[i - 1]?.new_state.contract_token);
  }
  const finalToken = (await readPlayer(pool, club, playerId)).contract_token;
  t.is(audit.at(-1)?.new_state.contract_token, finalToken);
  t.deepEqual([...archived, finalToken].sort(), [...issued].sort());
  const live = await pool.oneFirst(sql.type(z.object({ count: z.bigint() }))`
    SELECT count(*) FROM players WHERE contract_token = ANY (${sql.array(issued, 'text')})
  `);
  t.is(live, 1n, 'only the final token still opens a contract');
  t.like(
    await verifyClubChain(pool, club),
    { intact: true, rows: SIMULTANEOUS - 1, removed: 0 },
    'the audit rows chain one after another (README, "Tamper evidence")',
  );
});
