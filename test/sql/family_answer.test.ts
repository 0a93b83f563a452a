import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { createClub, createPlayer, createTeam, putContractInState } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/family_answer: the contract as the family's link shows it, from the rows before and after.

const db = useDatabase();

test('the state before, and after: the player’s name, team names in order, fee and version', async (t) => {
  const club = await createClub(db().pool);
  const [u14, u12] = [await createTeam(db().pool, club, 'U14'), await createTeam(db().pool, club, 'U12')];
  const playerId = await createPlayer(db().pool, club, { teamIds: [u14, u12], name: 'Ava Lin' });
  await putContractInState(db().pool, club, playerId, 'signed');

  const answer = await db().pool.one(sql.type(
    z.object({
      previous_status: z.string(),
      contract_status: z.string(),
      player_name: z.string(),
      team_names: z.array(z.string()),
      monthly_fee: z.number(),
      contract_version: z.string().nullable(),
    }),
  )`
    SELECT answer.* FROM players, family_answer(players, players) AS answer
    WHERE players.tenant_id = ${club.id} AND players.id = ${playerId}
  `);

  t.like(answer, { previous_status: 'signed', contract_status: 'signed', player_name: 'Ava Lin', monthly_fee: 150 });
  t.deepEqual(answer.team_names, ['U12', 'U14']);
  t.is(typeof answer.contract_version, 'string');
});
