// Human output: a borderless column layout (cli-table3) for lists and a key/value layout for one record;
// --json callers print the API's JSON instead.
import Table from 'cli-table3';

export interface Output {
  write(text: string): void;
}

const PLAIN = {
  chars: {
    top: '',
    'top-mid': '',
    'top-left': '',
    'top-right': '',
    bottom: '',
    'bottom-mid': '',
    'bottom-left': '',
    'bottom-right': '',
    left: '',
    'left-mid': '',
    mid: '',
    'mid-mid': '',
    right: '',
    'right-mid': '',
    middle: '  ',
  },
  style: { 'padding-left': 0, 'padding-right': 0, head: [] as string[], border: [] as string[] },
};

export function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function printTable(out: Output, rows: Array<Record<string, unknown>>, columns: string[]): void {
  if (rows.length === 0) {
    out.write('(none)\n');
    return;
  }
  const table = new Table({ ...PLAIN, head: columns.map((column) => column.toUpperCase()) });
  for (const row of rows) table.push(columns.map((column) => cell(row[column])));
  out.write(`${table.toString()}\n`);
}

/** One record: its scalar fields as key/value lines; nested arrays are left to the caller. */
export function printRecord(out: Output, record: Record<string, unknown>): void {
  const table = new Table(PLAIN);
  for (const [key, value] of Object.entries(record)) {
    if (Array.isArray(value) || (typeof value === 'object' && value !== null)) continue;
    table.push([`${key}:`, cell(value)]);
  }
  out.write(`${table.toString()}\n`);
}

export function printJson(out: Output, value: unknown): void {
  out.write(`${JSON.stringify(value, null, 2)}\n`);
}
