import { type Readable, Readable as ReadableStream, pipeline } from 'node:stream';
import { stringify } from 'csv-stringify';
import type { ContractListResponse } from './responses.ts';

// GET /admin/contracts.csv (docs/PRODUCT.md, "Admin"): the JSON list's items as CSV rows, streamed
// page by page so a large club's export never sits in memory whole.

export type ContractCsvRow = ContractListResponse['items'][number];

/** The JSON list's item fields, in its order; team_ids are joined with spaces. */
export const CONTRACT_CSV_COLUMNS = [
  'player_id',
  'name',
  'email',
  'status',
  'monthly_fee',
  'team_ids',
  'contract_url',
  'contract_offered_at',
] as const satisfies readonly (keyof ContractCsvRow)[];

/**
 * OWASP "CSV injection": a spreadsheet runs a cell that starts with one of these as a formula
 * (=HYPERLINK(...) leaks data when clicked), so such a cell is prefixed with ' to be read as text.
 * csv-stringify quotes, but does not do this (STACK-NOTES.md, "CSV").
 */
const FORMULA_START = /^[=+\-@\t\r]/;
export const neutraliseFormula = (value: string): string => (FORMULA_START.test(value) ? `'${value}` : value);

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
      for (const row of page) yield { ...row, team_ids: row.team_ids.join(' ') };
    }
  }
  const csv = stringify({
    header: true,
    columns: [...CONTRACT_CSV_COLUMNS],
    record_delimiter: 'windows', // RFC 4180
    cast: { string: (value) => neutraliseFormula(value) },
  });
  pipeline(ReadableStream.from(rows()), csv, (error) => {
    if (error) failed(error);
  });
  return csv;
}
