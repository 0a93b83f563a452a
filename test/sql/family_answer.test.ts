import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { createClub, createPlayer, createTeam, putContractInState } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/family_answer: the contract as the family's link shows it, from the rows before and after.

const db = useDatabase();

test('the state comes from the row before; name, fee, version and the team names in order from the row after', async (t) => {
  const club = await createClub(db().pool);
  const [u14, u12] = [await createTeam(db().pool, club, 'U14'), await createTeam(db().pool, club, 'U12')];
  const playerId = await createPlayer(db().pool, club, { teamIds: [u14, u12], name: 'Ava Lin' });
  await putContractInState(db().pool, club, playerId, 'offered');

  // Two distinct rows: the one stored (offered) and one changed the way a sign changes it.
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
    SELECT answer.* FROM players,
      family_answer(
        players,
        jsonb_populate_record(players, '{"contract_status": "signed", "name": "Ava Lin-Park", "monthly_fee": 175, "contract_version": "v9"}')
      ) AS answer
    WHERE players.tenant_id = ${club.id} AND players.id = ${playerId}
  `);

  t.deepEqual(answer, {
    previous_status: 'offered',
    contract_status: 'signed',
    player_name: 'Ava Lin-Park',
    team_names: ['U12', 'U14'],
    monthly_fee: 175,
    contract_version: 'v9',
  });
});
