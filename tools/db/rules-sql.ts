import { pathToFileURL } from 'node:url';
import { type ContractRules, type MachineModule, contractRules } from '../../src/db/contract-rules.ts';

/**
 * The contract rules as a generated migration holds them: a literal the sync reads back, and the SQL
 * that replaces the installed rules (tables contract_statuses, contract_transitions,
 * contract_refusals and the CHECKs on the status and audit event columns) with them.
 */

export async function machineRules(machineFile: string): Promise<ContractRules> {
  return contractRules((await import(pathToFileURL(machineFile).href)) as MachineModule);
}

/** One line per rule, so that two sets of rules compare (and show their difference) line by line. */
function ruleLines(rules: ContractRules): string[] {
  return [
    `initial state ${rules.initialStatus}`,
    ...rules.statuses.map((status) => `state ${status}`),
    ...rules.auditEventTypes.map((type) => `audit event type ${type}`),
    ...rules.transitions.map(
      (row) =>
        `transition ${row.from} ${row.event}${row.position > 0 ? ` #${row.position}` : ''}` +
        `${row.guard === null ? '' : ` [${row.guard}]`} -> ${row.to}${row.auditEvent === null ? '' : ` / ${row.auditEvent}`}`,
    ),
    ...rules.refusals.map((row) => `refusal of ${row.event} in ${row.status}: ${row.code} (${row.sqlstate})`),
  ];
}

export function ruleDifferences(installed: ContractRules | null, wanted: ContractRules): string[] {
  const before = new Set(installed === null ? [] : ruleLines(installed));
  const after = new Set(ruleLines(wanted));
  return [
    ...[...before].filter((line) => !after.has(line)).map((line) => `- ${line}`),
    ...[...after].filter((line) => !before.has(line)).map((line) => `+ ${line}`),
  ];
}

export function rulesLiteral(rules: ContractRules): string {
  const value = (item: unknown): string => (item === null ? 'null' : typeof item === 'string' ? `'${item}'` : String(item));
  const object = (row: object) =>
    `{ ${Object.entries(row)
      .map(([key, item]) => `${key}: ${value(item)}`)
      .join(', ')} }`;
  return `{
  initialStatus: ${value(rules.initialStatus)},
  statuses: [${rules.statuses.map(value).join(', ')}],
  auditEventTypes: [${rules.auditEventTypes.map(value).join(', ')}],
  transitions: [
${rules.transitions.map((row) => `    ${object(row)},`).join('\n')}
  ],
  refusals: [
${rules.refusals.map((row) => `    ${object(row)},`).join('\n')}
  ],
}`;
}

const sqlLiteral = (item: string | number | boolean | null): string =>
  item === null ? 'NULL' : typeof item === 'string' ? `'${item.replaceAll("'", "''")}'` : String(item);

/** `INSERT … VALUES` with the values lined up in columns, so a review reads it as a table. */
function insertSql(
  table: string,
  columns: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number | boolean | null>>,
): string {
  if (rows.length === 0) return `-- ${table}: none`;
  const cells = rows.map((row) => row.map(sqlLiteral));
  const widths = columns.map((_, index) => Math.max(...cells.map((row) => row[index]?.length ?? 0)));
  const lines = cells.map(
    (row) =>
      `  (${row.map((cell, index) => (index === row.length - 1 ? cell : `${cell},`.padEnd((widths[index] ?? 0) + 1))).join(' ')})`,
  );
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES\n${lines.join(',\n')};`;
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && [...a].sort().join('\n') === [...b].sort().join('\n');

const CHECKS = [
  {
    table: 'players',
    constraint: 'players_contract_status_check',
    column: 'contract_status',
    of: (rules: ContractRules) => rules.statuses,
    what: 'states',
  },
  {
    table: 'contract_audit_log',
    constraint: 'contract_audit_log_event_type_check',
    column: 'event_type',
    of: (rules: ContractRules) => rules.auditEventTypes,
    what: 'audit event types',
  },
] as const;

/** Replaces whatever rules are installed (`installed`, null if none) with `rules`. */
export function rulesSql(rules: ContractRules, installed: ContractRules | null): string {
  const parts = [
    '-- The installed rules make way for these. Transitions and refusals name statuses: they go first.',
    'DELETE FROM contract_refusals;',
    'DELETE FROM contract_transitions;',
    'DELETE FROM contract_statuses;',
    '',
    insertSql(
      'contract_statuses',
      ['status', 'initial'],
      rules.statuses.map((status) => [status, status === rules.initialStatus]),
    ),
    '',
    insertSql(
      'contract_transitions',
      ['from_status', 'event', 'position', 'guard', 'to_status', 'audit_event'],
      rules.transitions.map((row) => [row.from, row.event, row.position, row.guard, row.to, row.auditEvent]),
    ),
    '',
    insertSql(
      'contract_refusals',
      ['status', 'event', 'code', 'sqlstate'],
      rules.refusals.map((row) => [row.status, row.event, row.code, row.sqlstate]),
    ),
  ];
  for (const check of CHECKS) {
    if (installed !== null && sameSet(check.of(installed), check.of(rules))) continue;
    parts.push(
      '',
      installed === null
        ? `-- ${check.table}.${check.column} holds exactly the machine's ${check.what}.`
        : `-- The machine's ${check.what} changed: ${check.table}.${check.column} holds exactly these.`,
      ...(installed === null
        ? []
        : [
            '-- NOT VALID: checking the rows already there would block writes to the table for the whole scan.',
            '-- Validate it in a migration of its own (VALIDATE CONSTRAINT blocks no writes).',
            `ALTER TABLE ${check.table} DROP CONSTRAINT ${check.constraint};`,
          ]),
      `ALTER TABLE ${check.table} ADD CONSTRAINT ${check.constraint}`,
      `  CHECK (${check.column} IN (${check.of(rules).map(sqlLiteral).join(', ')}))${installed === null ? '' : ' NOT VALID'};`,
    );
  }
  return parts.join('\n');
}

export function rulesRemovalSql(): string {
  return [
    'DELETE FROM contract_refusals;',
    'DELETE FROM contract_transitions;',
    'DELETE FROM contract_statuses;',
    ...CHECKS.map((check) => `ALTER TABLE ${check.table} DROP CONSTRAINT ${check.constraint};`),
  ].join('\n');
}
