import test from 'ava';
import { sql } from 'slonik';
import { z } from 'zod';
import * as machine from '../machines/contract.ts';
import type { AuditEventType, ContractEventType } from '../machines/contract.ts';
import { contractRules } from '../src/db/contract-rules.ts';
import { WEBHOOK_EVENT_TYPES, contractEventType } from '../src/webhooks/event-types.ts';
import { useDatabase } from './helpers/sql-test.ts';

// docs/WEBHOOKS.md, "Events": one event type per transition of machines/contract.ts, and the SQL
// that queues them (sql/contract_event_type.sql) names them as src/webhooks/event-types.ts does.

const db = useDatabase();
const { transitions } = contractRules(machine);
const eventOf = (row: (typeof transitions)[number]) =>
  contractEventType(row.event as ContractEventType, row.auditEvent as AuditEventType | null);

test('every transition of the machine has its event type, and every contract event type is some transition’s', (t) => {
  t.deepEqual(
    transitions.filter((row) => eventOf(row) === null).map((row) => `${row.from} ${row.event} → ${row.to}`),
    [],
  );
  t.deepEqual([...new Set([...transitions.map(eventOf), 'message.failed'])].sort(), [...WEBHOOK_EVENT_TYPES].sort());
});

test('sql/contract_event_type names each transition’s event as the service does, and an operator’s override none', async (t) => {
  const named = async (event: string, audit: string | null) =>
    db().pool.oneFirst(sql.type(z.object({ type: z.string().nullable() }))`SELECT contract_event_type(${event}, ${audit}) AS type`);

  for (const row of transitions) t.is(await named(row.event, row.auditEvent), eventOf(row), `${row.from} ${row.event}`);
  t.is(await named('OVERRIDE', 'admin_override'), null);
});
