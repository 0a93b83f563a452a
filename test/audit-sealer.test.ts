import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import { offerContract } from '../src/contracts/store.ts';
import { createLogger } from '../src/logger.ts';
import { startAuditSealer } from '../src/worker/audit-sealer.ts';
import { eventually } from './helpers/eventually.ts';
import { createClub, createPlayer, putContractInState } from './helpers/fixtures.ts';
import { useDatabase } from './helpers/sql-test.ts';

// src/worker/audit-sealer.ts: the worker seals new audit rows into checkpoints on its own, every
// AUDIT_SEAL_INTERVAL_SECONDS, with nobody asking.

const db = useDatabase();

test('a transition’s audit row is in a checkpoint within a few of the sealer’s rounds', async (t) => {
  const sealer = startAuditSealer({ pool: db().pool, intervalMs: 100, logger: createLogger('silent') });
  t.teardown(() => sealer.stop());
  const club = await createClub(db().pool);
  const playerId = await createPlayer(db().pool, club);
  await putContractInState(db().pool, club, playerId, 'offered');

  const { audit_id: auditId } = await offerContract(db().pool, {
    tenantId: club.id,
    playerId,
    monthlyFee: 180,
    targetTeamId: null,
    force: true,
    actor: 'registrar@example.test',
  });

  const sealed = await eventually(
    'the checkpoints holding the offer’s row',
    () =>
      db().pool.anyFirst(sql.type(z.object({ seal_id: z.bigint() }))`
        SELECT seal_id FROM contract_audit_checkpoints WHERE tenant_id = ${club.id} AND ${auditId ?? 0n} = ANY (audit_ids)
      `),
    (checkpoints) => checkpoints.length > 0,
  );
  t.is(sealed.length, 1);
});
