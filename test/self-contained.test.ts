import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import test from 'ava';

// The repository explains itself: code comments, tests, OpenAPI descriptions and docs send their
// reader only to files the repository holds (the rules are in docs/PRODUCT.md), never to a spec or
// a folder that lives beside it. The patterns below are written so that this file does not match
// them.

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** References to documents outside the repository, with what each one points at. */
const OUTSIDE_REFERENCES: ReadonlyArray<{ readonly pattern: RegExp; readonly pointsAt: string }> = [
  { pattern: /SPEC\s*\u00a7/, pointsAt: 'a section of the product spec kept outside the repository' },
  { pattern: /\.\.\/shared\//, pointsAt: 'a folder beside the repository' },
];

/**
 * Frozen historical SQL must stay byte-identical, so the references it was written with stay too:
 * the files 0001–0011 load, and 0013, whose `down` restores those texts verbatim. So must the
 * benchmark's copy of the anchor it is measured against (bench/anchor/README.md).
 */
const EXEMPT_BYTE_IDENTICAL = ['migrations/frozen/', 'migrations/0013_sql-functions.ts', 'bench/anchor/seed-fastapi/'];
const exempt = (file: string) => EXEMPT_BYTE_IDENTICAL.some((prefix) => file.startsWith(prefix));

/** Folders that are not the project's own text when the files are found by walking the tree. */
const NOT_OURS = new Set(['node_modules', '.git', 'dist', '.data']);

/** The repository's files, as git tracks them (plus new ones not ignored); a walk when git is absent. */
function repositoryFiles(): string[] {
  try {
    const listed = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
      cwd: ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
    return [...new Set(listed.split('\0').filter(Boolean))];
  } catch {
    const walk = (dir: string): string[] =>
      readdirSync(path.join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
        const file = path.posix.join(dir, entry.name);
        if (entry.isDirectory()) return NOT_OURS.has(entry.name) ? [] : walk(file);
        return entry.isFile() ? [file] : [];
      });
    return walk('');
  }
}

/** Each text file's content; files with a NUL byte are binary and hold no references. */
function textFiles(): Array<{ readonly file: string; readonly text: string }> {
  return repositoryFiles().flatMap((file) => {
    let text: string;
    try {
      if (!statSync(path.join(ROOT, file)).isFile()) return [];
      text = readFileSync(path.join(ROOT, file), 'utf8');
    } catch (error) {
      // Deleted but still in git's index, or made and removed by another test file meanwhile (the
      // README walkthrough's offered.csv): not the repository's.
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return text.includes('\0') ? [] : [{ file, text }];
  });
}

const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;

test('no file refers its reader to a document outside the repository', (t) => {
  const found: string[] = [];
  for (const { file, text } of textFiles()) {
    if (exempt(file)) continue;
    text.split('\n').forEach((line, index) => {
      for (const { pattern, pointsAt } of OUTSIDE_REFERENCES) {
        if (pattern.test(line)) found.push(`${file}:${index + 1}: ${pointsAt}: ${line.trim()}`);
      }
    });
  }
  t.is(found.length, 0, `write what the reader needs into docs/PRODUCT.md and cite its heading:\n${found.join('\n')}`);
});

// A reference names a document and a heading in it: `docs/PRODUCT.md, "Family links"` (more
// headings joined by "," or "and", across comment lines too) or a link `docs/PRODUCT.md#family-links`.

/** GitHub's anchor for a heading. */
const anchorOf = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');

/** A Markdown file without its fenced code blocks, whose `# …` lines are shell comments, not headings. */
const withoutCodeBlocks = (markdown: string) => markdown.replace(/^```[\s\S]*?^```/gm, '');

/** A line break inside a comment, with the next line's comment marker. */
const BREAK = String.raw`\s*\n\s*(?:\/\/|\*(?!\/)|--)?\s*`;
const unbroken = (text: string) => text.replace(new RegExp(BREAK, 'g'), ' ');
const FIRST_HEADING = new RegExp(String.raw`\s*(?:${BREAK})?"([^"]{1,120})"`, 'y');
const NEXT_HEADING = new RegExp(String.raw`(?:,|\s+and)(?:${BREAK}|\s+)"([^"]{1,120})"`, 'y');

test('every reference to a heading of a document in the repository finds that heading', (t) => {
  const headings = new Map<string, { readonly texts: Set<string>; readonly anchors: Set<string> }>();
  const headingsOf = (document: string) => {
    let known = headings.get(document);
    if (!known) {
      const texts = new Set(
        [...withoutCodeBlocks(readFileSync(path.join(ROOT, document), 'utf8')).matchAll(/^#{1,6} +(.+?) *#*$/gm)].map((m) =>
          (m[1] ?? '').trim(),
        ),
      );
      known = { texts, anchors: new Set([...texts].map(anchorOf)) };
      headings.set(document, known);
    }
    return known;
  };
  const wrong: string[] = [];
  for (const { file, text } of textFiles()) {
    if (exempt(file)) continue;
    for (const match of text.matchAll(/(?<![\w:/.-])([\w./-]*\b[\w-]+\.md)(#[\w-]+|,)/g)) {
      const [, named = '', rest = ''] = match;
      const where = `${file}:${lineOf(text, match.index)}`;
      // Paths in code are from the repository's root; links in a Markdown file, from its folder.
      const document = [named, path.posix.join(path.posix.dirname(file), named)].find((candidate) =>
        existsSync(path.join(ROOT, candidate)),
      );
      if (!document) {
        if (rest !== ',') wrong.push(`${where}: no file ${named}`);
        continue;
      }
      const known = headingsOf(document);
      if (rest.startsWith('#')) {
        if (!known.anchors.has(rest.slice(1))) wrong.push(`${where}: ${document} has no heading ${rest}`);
        continue;
      }
      let at = match.index + match[0].length;
      for (let step = FIRST_HEADING; ; step = NEXT_HEADING) {
        step.lastIndex = at;
        const quoted = step.exec(text);
        if (!quoted) break;
        const heading = unbroken(quoted[1] ?? '');
        if (!known.texts.has(heading)) wrong.push(`${where}: ${document} has no heading "${heading}"`);
        at = step.lastIndex;
      }
    }
  }
  t.is(wrong.length, 0, wrong.join('\n'));
});
