// bench/RESULTS.md: the "last run" section between the markers is the benchmark's to rewrite; everything
// else in the file (the earlier figures) is kept by hand and left as it is.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export const RESULTS_FILE = new URL('../../bench/RESULTS.md', import.meta.url);

const START = '<!-- last-run:start (written by `pnpm bench`; edits between these markers are overwritten) -->';
const END = '<!-- last-run:end -->';

const NEW_FILE = (section: string) => `# Benchmark results

## Last run

${START}

${section}

${END}

## Earlier figures

Kept by hand: copy a last run here with its commit before it is overwritten.
`;

export async function writeLastRun(section: string): Promise<string> {
  const path = RESULTS_FILE.pathname;
  const current = existsSync(path) ? await readFile(path, 'utf8') : null;
  let next: string;
  if (current === null) {
    next = NEW_FILE(section);
  } else {
    const start = current.indexOf(START);
    const end = current.indexOf(END);
    next =
      start >= 0 && end > start
        ? `${current.slice(0, start + START.length)}\n\n${section}\n\n${current.slice(end)}`
        : `${current.trimEnd()}\n\n## Last run\n\n${START}\n\n${section}\n\n${END}\n`;
  }
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, next);
  return path;
}
