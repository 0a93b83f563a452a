import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { createClub, createPlayer, readSigners } from '../helpers/fixtures.ts';
import { useDatabase } from '../helpers/sql-test.ts';

// sql/offer_contract, as the previous release calls it while a deploy is half done
// (docs/OPERATING.md, "A breaking change"): the offer of offer_contract_with_signers, in the outcome
// type that release reads.

const db = useDatabase();

test('offers as offer_contract_with_signers does, signers and all, answering the previous release’s outcome type', async (t) => {
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);

  const outcome = await db().pool.one(sql.type(z.object({ new_status: z.string(), contract_token: z.string() }).passthrough())`
    SELECT * FROM offer_contract(${club.id}, ${playerId}, 150, NULL, false, ARRAY['none'], 'a', 'admin_api')
  `);

  t.deepEqual(Object.keys(outcome).sort(), [
    'actor',
    'archived',
    'audit_id',
    'contract_token',
    'monthly_fee',
    'moved_teams',
    'new_status',
    'previous_status',
    'replayed',
    'team_ids',
  ]);
  t.is(outcome.new_status, 'offered');
  t.like(await readSigners(db().pool, club, playerId), [{ role: 'player', token: outcome.contract_token }]);
});
