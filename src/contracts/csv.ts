import { type Readable, Readable as ReadableStream, pipeline } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { ContractListResponse } from './schemas.ts';

// GET /admin/contracts.csv (docs/PRODUCT.md, "Admin"): the JSON list's items as CSV rows, streamed
// page by page so a large club's export never sits in memory whole.

export type ContractCsvRow = ContractListResponse['items'][number];

/**
 * The JSON list's item fields, in its order; team_ids and team_names are joined with spaces. The
 * first eight are pinned; the rest were added after them for billing, so that a sheet reading
 * columns by position keeps working.
 */
export const CONTRACT_CSV_COLUMNS = [
  'player_id',
  'name',
  'email',
  'status',
  'monthly_fee',
  'team_ids',
  'contract_url',
  'contract_offered_at',
  'team_names',
  'external_id',
  'signed_by',
  'signed_at',
] as const satisfies readonly (keyof ContractCsvRow)[];

/**
 * OWASP "CSV injection": a spreadsheet runs a cell that starts with one of these as a formula
 * (=HYPERLINK(...) leaks data when clicked), so such a cell is prefixed with ' to be read as text.
 * csv-stringify quotes, but does not do this (STACK-NOTES.md, "CSV"). Every line within a cell is
 * guarded too: a reader that splits the file on line breaks without heeding quotes (an import
 * script, a spreadsheet's "text to columns") would otherwise see a line of a name as a row of its
 * own, whose first cell is the formula. A CR is a line break and a formula start at once, so
 * "\r=1" becomes "'\r'=1".
 */
const FORMULA_START = /^[=+\-@\t\r]/;
const LINE_BREAK = /(\r\n|\r|\n)/;
const guardLine = (line: string): string => (FORMULA_START.test(line) ? `'${line}` : line);
export const neutraliseFormula = (value: string): string =>
  guardLine(
    value
      .split(LINE_BREAK)
      // split's capture group puts the breaks at odd indexes; the lines after them are guarded.
      .map((part, index) => (index % 2 === 0 && index > 0 ? guardLine(part) : part))
      .join(''),
  );

/**
 * Fields quoted whatever csv-stringify would decide: with a record delimiter set (CRLF here) it
 * quotes only that delimiter, so a bare LF or CR in a name went out unquoted and a spreadsheet
 * read the rest of the name as a new row. `;` is the field separator of spreadsheets in locales
 * whose decimal mark is a comma.
 */
const QUOTED = /[\r\n",;]/;

/**
 * The CSV text of the rows that `pages` yields, header first, as a byte stream. Pages are read only
 * as fast as the client takes the text. A page that fails once the answer has started cannot become
 * an error answer: the stream is destroyed, `failed` is told (to log it and end the response), and
 * the client sees a cut-off response rather than a file that looks complete.
 */
export function contractsCsv(
  pages: AsyncIterable<readonly ContractCsvRow[]>,
  failed: (error: NodeJS.ErrnoException) => void,
): Readable {
  async function* rows() {
    for await (const page of pages) {
      for (const row of page) yield { ...row, team_ids: row.team_ids.join(' '), team_names: row.team_names.join(' ') };
    }
  }
  const csv = stringify({
    // Excel and LibreOffice read a CSV without a BOM in the system's legacy code page, so "Zoë"
    // showed as "ZoÃ«"; with it they read UTF-8. Parsers that follow RFC 4180 strictly need to be
    // told to drop it (csv-parse's `bom`, Python's "utf-8-sig").
    bom: true,
    header: true,
    columns: [...CONTRACT_CSV_COLUMNS],
    record_delimiter: 'windows', // RFC 4180
    quoted_match: QUOTED,
    cast: { string: (value) => neutraliseFormula(value) },
  });
  pipeline(ReadableStream.from(rows()), csv, (error) => {
    if (error) failed(error);
  });
  return csv;
}
