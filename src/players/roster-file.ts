import { isUtf8 } from 'node:buffer';
import { CsvError, parse } from 'csv-parse/sync';
import type { z } from 'zod';
import { AppError } from '../errors.ts';
import { name } from '../http/input.ts';
import { birthDate, email, externalId } from './schemas.ts';
import type { ImportRow, OptionalImportField } from './store.ts';

// docs/PRODUCT.md, "Roster import": a club's roster file, read as CSV and checked row by row with
// the same rules as POST /admin/players, so that every line to fix is named at once, before the
// database sees any of it (sql/import_players checks the people again, and what only the database
// knows: a signed player's team).

/** At most this many players in one file; a longer one is refused whole (413), before its rows are checked. */
export const MAX_ROSTER_ROWS = 5_000;

const GUARDIAN_COLUMNS = [
  ['guardian1_name', 'guardian1_email'],
  ['guardian2_name', 'guardian2_email'],
] as const;

/** The columns a file may have, in the order the documentation lists them; name and email are required. */
export const ROSTER_COLUMNS = ['external_id', 'name', 'email', 'team', 'birth_date', ...GUARDIAN_COLUMNS.flat()] as const;
type RosterColumn = (typeof ROSTER_COLUMNS)[number];

/** What is wrong with one line of the file; `column` is null where the line as a whole is. */
export interface RosterProblem {
  readonly line: number;
  readonly column: string | null;
  readonly message: string;
}

export interface RosterFile {
  /** The rows that passed every check, in file order. */
  readonly rows: readonly ImportRow[];
  /** The optional fields the file's header has columns for: an update leaves the others as they are. */
  readonly fields: readonly OptionalImportField[];
  /** Every problem found, in line order: the file is imported only when there is none. */
  readonly problems: readonly RosterProblem[];
}

interface CsvRecord {
  readonly line: number;
  readonly cells: readonly string[];
}

/**
 * Reads a roster file: UTF-8 (a BOM is dropped), comma- or semicolon-separated (whichever the header
 * line uses), quoted cells as RFC 4180 has them (with commas, quotes and line breaks inside), CRLF
 * or LF. Blank lines and lines of empty cells are skipped. Cells are kept exactly as written. More
 * than MAX_ROSTER_ROWS rows: 413 payload_too_large.
 */
export function readRosterFile(bytes: Buffer): RosterFile {
  const notUtf8 = firstLineNotUtf8(bytes);
  if (notUtf8 !== null) {
    return problemsOnly([{ line: notUtf8, column: null, message: 'is not UTF-8: save the file as "CSV UTF-8"' }]);
  }
  const read = readRecords(bytes);
  if ('problem' in read) return problemsOnly([read.problem]);
  const [header, ...records] = read.records;
  if (header === undefined) {
    return problemsOnly([{ line: 1, column: null, message: 'the file is empty: it needs a header row naming its columns' }]);
  }
  const columns = readHeader(header);
  if ('problems' in columns) return problemsOnly(columns.problems);

  const rows: ImportRow[] = [];
  const problems: RosterProblem[] = [];
  // Every row's external_id counts, its other cells right or wrong, so that a repeat is named at once.
  const externalIdAt = columns.names.indexOf('external_id');
  const firstLineOf = new Map<string, number>();
  for (const record of records) {
    const row = readRow(record, columns.names);
    if ('problems' in row) problems.push(...row.problems);
    const externalId = record.cells.length === columns.names.length ? (record.cells[externalIdAt] ?? '') : '';
    const first = externalId === '' ? undefined : firstLineOf.get(externalId);
    if (first !== undefined) {
      problems.push({ line: record.line, column: 'external_id', message: `external_id ${externalId} is also on line ${first}` });
    } else if (externalId !== '') {
      firstLineOf.set(externalId, record.line);
    }
    if (!('problems' in row) && first === undefined) rows.push(row);
  }
  return { rows, fields: columns.fields, problems };
}

const problemsOnly = (problems: readonly RosterProblem[]): RosterFile => ({ rows: [], fields: [], problems });

/** The line of the first line break-delimited stretch that is not UTF-8, or null when all of it is. */
function firstLineNotUtf8(bytes: Buffer): number | null {
  if (isUtf8(bytes)) return null;
  // A line break's byte never occurs inside a UTF-8 sequence, so each line can be checked alone.
  let line = 1;
  let start = 0;
  for (let at = 0; at <= bytes.length; at++) {
    if (at === bytes.length || bytes[at] === 0x0a) {
      if (!isUtf8(bytes.subarray(start, at))) return line;
      line++;
      start = at + 1;
    }
  }
  return line;
}

/** Every non-empty record with the line it starts on; csv-parse's own line count drifts over a quoted CRLF. */
function readRecords(bytes: Buffer): { readonly records: readonly CsvRecord[] } | { readonly problem: RosterProblem } {
  const lines = lineCounter(bytes);
  const records: CsvRecord[] = [];
  let recordStart = 0;
  try {
    parse(bytes, {
      bom: true,
      delimiter: delimiterOf(bytes),
      relax_column_count: true,
      skip_empty_lines: true,
      on_record: (cells: string[], { bytes: recordEnd }) => {
        const line = lines.lineOf(recordStart);
        recordStart = recordEnd;
        if (cells.every((cell) => cell === '')) return null;
        // The header and MAX_ROSTER_ROWS rows; stopping here keeps a long file from filling memory.
        if (records.length > MAX_ROSTER_ROWS) {
          throw new AppError('payload_too_large', {
            message: `The file has more than ${MAX_ROSTER_ROWS.toLocaleString('en')} rows: import it in parts.`,
          });
        }
        records.push({ line, cells });
        return null;
      },
    });
  } catch (error) {
    if (!(error instanceof CsvError)) throw error;
    return { problem: { line: lines.lineOf(recordStart), column: null, message: unreadable(error) } };
  }
  return { records };
}

/** Line numbers of byte offsets that only grow: the next record starts after any line breaks at `offset`. */
function lineCounter(bytes: Buffer) {
  let scanned = 0;
  let line = 1;
  const isBreak = (at: number) => bytes[at] === 0x0a || (bytes[at] === 0x0d && bytes[at + 1] !== 0x0a);
  return {
    lineOf(offset: number): number {
      let start = offset;
      while (bytes[start] === 0x0a || bytes[start] === 0x0d) start++;
      for (; scanned < start; scanned++) if (isBreak(scanned)) line++;
      return line;
    },
  };
}

/** A semicolon when the header line has one and no comma (as a spreadsheet saves CSV where the decimal mark is a comma), else a comma. */
function delimiterOf(bytes: Buffer): ',' | ';' {
  const text = bytes.subarray(0, 4096).toString('utf8');
  const headerLine = text.split(/\r?\n|\r/).find((line) => line.trim() !== '') ?? '';
  return headerLine.includes(';') && !headerLine.includes(',') ? ';' : ',';
}

function unreadable(error: CsvError): string {
  switch (error.code) {
    case 'CSV_QUOTE_NOT_CLOSED':
      return 'a quoted cell starts on this row and its closing quote never comes';
    case 'INVALID_OPENING_QUOTE':
      return 'a quote inside a cell that does not start with one: quote the whole cell, doubling the quotes inside it ("")';
    case 'CSV_INVALID_CLOSING_QUOTE':
      return 'a quoted cell goes on after its closing quote: double a quote inside a quoted cell ("")';
    default:
      return `cannot be read as CSV (${error.code})`;
  }
}

interface Columns {
  /** The column of each cell, by position. */
  readonly names: readonly RosterColumn[];
  readonly fields: readonly OptionalImportField[];
}

/** The header's columns, matched without regard to case or surrounding spaces. */
function readHeader({ line, cells }: CsvRecord): Columns | { readonly problems: readonly RosterProblem[] } {
  const problems: RosterProblem[] = [];
  const names: RosterColumn[] = [];
  for (const cell of cells) {
    const column = ROSTER_COLUMNS.find((known) => known === cell.trim().toLowerCase());
    if (column === undefined) {
      // Named as written, cut short: a stray cell of a header can be as long as the file.
      problems.push({
        line,
        column: cell.slice(0, 100),
        message: `is not a column an import takes (${ROSTER_COLUMNS.join(', ')})`,
      });
    } else if (names.includes(column)) {
      problems.push({ line, column, message: 'is in the header twice' });
    } else {
      names.push(column);
    }
  }
  for (const required of ['name', 'email'] as const) {
    if (!names.includes(required)) problems.push({ line, column: required, message: 'is required: the header must name it' });
  }
  for (const pair of GUARDIAN_COLUMNS) {
    const [given, missing] = names.includes(pair[0]) ? pair : [...pair].reverse();
    if (names.includes(given) && !names.includes(missing)) {
      problems.push({ line, column: missing, message: `is required beside ${given}: a guardian has a name and an e-mail` });
    }
  }
  if (problems.length > 0) return { problems };
  const fields: OptionalImportField[] = [];
  if (names.includes('team')) fields.push('team');
  if (names.includes('birth_date')) fields.push('birth_date');
  if (names.includes('guardian1_name') || names.includes('guardian2_name')) fields.push('guardians');
  return { names, fields };
}

/** One data row, checked as POST /admin/players checks a player: an empty optional cell is no value. */
function readRow(
  { line, cells }: CsvRecord,
  names: readonly RosterColumn[],
): ImportRow | { readonly problems: readonly RosterProblem[] } {
  if (cells.length !== names.length) {
    const message = `has ${cells.length} cells where the header has ${names.length} columns`;
    return { problems: [{ line, column: null, message }] };
  }
  const problems: RosterProblem[] = [];
  const cellOf = (column: RosterColumn): string => cells[names.indexOf(column)] ?? '';
  /** The cell, if the schema takes it; an empty cell is no value, or a problem where one is `required` (saying why). */
  const checked = (column: RosterColumn, schema: z.ZodType<string>, required?: string): string | null => {
    const cell = cellOf(column);
    if (cell === '') {
      if (required !== undefined) problems.push({ line, column, message: `is empty: ${required}` });
      return null;
    }
    const result = schema.safeParse(cell);
    if (result.success) return result.data;
    problems.push({ line, column, message: result.error.issues[0]?.message ?? 'is not valid' });
    return null;
  };

  const row = {
    line,
    external_id: checked('external_id', externalId),
    name: checked('name', name, 'every player needs a name'),
    email: checked('email', email, 'every player needs an e-mail'),
    team: checked('team', name),
    birth_date: checked('birth_date', birthDate),
    guardians: GUARDIAN_COLUMNS.flatMap(([nameColumn, emailColumn]) => {
      const given = [cellOf(nameColumn), cellOf(emailColumn)];
      if (given.every((cell) => cell === '')) return [];
      const guardianName = checked(nameColumn, name, 'a guardian has a name and an e-mail');
      const guardianEmail = checked(emailColumn, email, 'a guardian has a name and an e-mail');
      return guardianName === null || guardianEmail === null ? [] : [{ name: guardianName, email: guardianEmail }];
    }),
  };
  if (problems.length > 0 || row.name === null || row.email === null) return { problems };
  return { ...row, name: row.name, email: row.email };
}
