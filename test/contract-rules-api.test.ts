import { createHash } from 'node:crypto';
import test from 'ava';
import { sql } from 'slonik';
import * as machine from '../machines/contract.ts';
import { contractRules } from '../src/db/contract-rules.ts';
import { CONTRACT_STATUSES, type ContractStatus } from '../machines/contract.ts';
import { expireContract } from '../src/contracts/store.ts';
import { useHarness } from './helpers/context.ts';
import {
  type Club,
  addGuardians,
  createClub,
  createPlayer,
  createTeam,
  putContractInState,
  readAuditLog,
  readPlayer,
  setSigningPolicy,
} from './helpers/fixtures.ts';
import { request } from './helpers/http.ts';

// README.md, "The rules": with the database enforcing the machine's rows, every transition they
// allow still works through the API, and an operator's override shows where admins look.

const harness = useHarness();
const rules = contractRules(machine);

for (const transition of rules.transitions) {
  const guard = transition.guard === null ? '' : ` [${transition.guard}]`;
  test(`${transition.from} --${transition.event}${guard}--> ${transition.to} works through the API`, async (t) => {
    const { pool } = harness().db;
    const club = await createClub(pool);
    const [current, other] = [await createTeam(pool, club), await createTeam(pool, club)];
    const playerId = await createPlayer(pool, club, { teamIds: [current] });
    if (transition.guard === 'moreSignersPending') {
      // Two guardians who must both sign: the first signature leaves the second pending.
      await setSigningPolicy(pool, club, 'all_guardians');
      await addGuardians(pool, club, playerId, [
        { name: 'Dana Park', email: 'dana@example.test' },
        { name: 'Sam Park', email: 'sam@example.test' },
      ]);
    }
    const token = await contractIn(transition.from, club, playerId);
    const auditBefore = await readAuditLog(pool, club, playerId);

    const reply = await send(club, playerId, token, transition.event, {
      force: transition.guard === 'force',
      targetTeamId: transition.guard === 'teamChange' ? other : null,
    });

    t.is(reply.status, 200, JSON.stringify(reply.body));
    t.is((await readPlayer(pool, club, playerId)).contract_status, transition.to);
    const written = (await readAuditLog(pool, club, playerId)).slice(auditBefore.length);
    t.deepEqual(
      written.map((row) => row.event_type),
      transition.auditEvent === null ? [] : [transition.auditEvent],
    );
  });
}

const isContractStatus = (status: string): status is ContractStatus => (CONTRACT_STATUSES as readonly string[]).includes(status);

/** Puts the player's contract in `status` through the contract functions; its link, if it has one. */
async function contractIn(status: string, club: Club, playerId: number): Promise<string | null> {
  if (status === 'none') return null;
  if (isContractStatus(status) && status !== 'none') return putContractInState(harness().db.pool, club, playerId, status);
  throw new Error(`the machine has a state ${status} that this test cannot set up yet`);
}

async function send(
  club: Club,
  playerId: number,
  token: string | null,
  event: string,
  offer: { force: boolean; targetTeamId: number | null },
) {
  const { server } = harness();
  switch (event) {
    case 'OFFER':
      return request(server.baseUrl, 'POST', `/admin/contract/offer?force=${offer.force}`, {
        token: await server.adminToken(club.slug),
        body: { player_id: playerId, monthly_fee: 175, target_team_id: offer.targetTeamId },
      });
    case 'SIGN':
      return request(server.baseUrl, 'POST', `/contract/${token}/sign`, { body: { signed_by: 'Dana Park' } });
    case 'DECLINE':
      return request(server.baseUrl, 'POST', `/contract/${token}/decline`);
    case 'WITHDRAW':
      return request(server.baseUrl, 'POST', '/admin/contract/withdraw', {
        token: await server.adminToken(club.slug),
        body: { player_id: playerId, reason: 'Offered by mistake' },
      });
    case 'EXPIRE': {
      // No route: the job queue sends EXPIRE at the offer's deadline, through this call.
      const expired = await expireContract(
        harness().db.pool,
        club.id,
        playerId,
        createHash('sha256')
          .update(token ?? '')
          .digest(),
      );
      return { status: expired ? 200 : 409, body: { expired } };
    }
    default:
      throw new Error(`the machine has an event ${event} that this test cannot send through the API yet`);
  }
}

test("an operator's override shows in the contract's history, with the stats counting it", async (t) => {
  const { pool } = harness().db;
  const { server } = harness();
  const club = await createClub(pool);
  const playerId = await createPlayer(pool, club);
  await putContractInState(pool, club, playerId, 'offered');

  await pool.query(sql.unsafe`
    SELECT override_contract(${club.id}, ${playerId}, '{"monthly_fee": 90}', 'Hardship discount agreed by the board.', 'treasurer@example.test')
  `);

  const adminToken = await server.adminToken(club.slug);
  const history = await request(server.baseUrl, 'GET', `/admin/players/${playerId}/contract`, { token: adminToken });
  t.is(history.status, 200);
  t.like(history.body, { monthly_fee: 90, status: 'offered' });
  t.like(history.body.history[0], { event_type: 'admin_override', actor: 'treasurer@example.test', source: 'override_contract' });
  const stats = await request(server.baseUrl, 'GET', '/admin/contract/stats', { token: adminToken });
  t.is(stats.body.events.admin_override, 1);
});
