import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The database functions as text: sql/NAME.sql holds the current definition of the function NAME,
 * and the migrations `npm run db:sync` generates hold, inline, each definition they install. What a
 * file declares is read from its `CREATE OR REPLACE FUNCTION` header, enough to tell when a change
 * needs the old function dropped first (new arguments or result) and how to name it in a DROP.
 */

export const SQL_DIR = fileURLToPath(new URL('../../sql/', import.meta.url));
export const FROZEN_DIR = fileURLToPath(new URL('../../migrations/frozen/', import.meta.url));

/** Function name → its whole definition, as the file holds it. */
export type Definitions = ReadonlyMap<string, string>;

export async function readDefinitions(sqlDir: string): Promise<Definitions> {
  const definitions = new Map<string, string>();
  const problems: string[] = [];
  for (const file of (await readdir(sqlDir)).filter((name) => name.endsWith('.sql')).sort()) {
    const name = file.slice(0, -'.sql'.length);
    const text = await readFile(path.join(sqlDir, file), 'utf8');
    try {
      const header = functionHeader(text);
      if (header.name !== name) problems.push(`sql/${file} defines ${header.name}: name the file after its function`);
      if (!/^CREATE OR REPLACE FUNCTION\b/im.test(stripComments(text))) {
        problems.push(`sql/${file}: write CREATE OR REPLACE FUNCTION, so a new text replaces the function in place`);
      }
    } catch (error) {
      problems.push(`sql/${file}: ${(error as Error).message}`);
    }
    definitions.set(name, text);
  }
  if (problems.length > 0) throw new Error(`sql/ cannot be synced:\n${problems.map((problem) => `  - ${problem}`).join('\n')}`);
  return definitions;
}

/**
 * What migrations 0001–0011 left installed, before any generated migration held a function's text:
 * the newest version of each file they loaded from migrations/frozen/ (`NAME.vN.sql`).
 */
export async function frozenDefinitions(frozenDir: string): Promise<Definitions> {
  const newest = new Map<string, { version: number; file: string }>();
  for (const file of await readdir(frozenDir)) {
    const match = /^(\w+)\.v(\d+)\.sql$/.exec(file);
    if (match?.[1] === undefined) continue;
    const version = Number(match[2]);
    if ((newest.get(match[1])?.version ?? 0) < version) newest.set(match[1], { version, file });
  }
  const definitions = new Map<string, string>();
  for (const [name, { file }] of [...newest].sort(([a], [b]) => a.localeCompare(b))) {
    definitions.set(name, await readFile(path.join(frozenDir, file), 'utf8'));
  }
  return definitions;
}

export interface FunctionHeader {
  readonly name: string;
  /** The arguments as DROP FUNCTION names them: their types. */
  readonly identityArguments: string;
  /** Arguments, defaults and result, normalised: when it changes, CREATE OR REPLACE cannot apply. */
  readonly signature: string;
}

export function functionHeader(text: string): FunctionHeader {
  const code = stripComments(text);
  const start = /\bCREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\s+([a-z_][a-z0-9_]*)\s*\(/i.exec(code);
  if (start?.[1] === undefined) throw new Error('no CREATE FUNCTION statement');
  if (/\bCREATE\s+(?:OR\s+REPLACE\s+)?FUNCTION\b/gi.test(code.slice(start.index + start[0].length))) {
    throw new Error('more than one function: one file per function');
  }
  const open = start.index + start[0].length;
  const close = closingParenthesis(code, open);
  const body = code.indexOf('$$', close);
  const argumentList = code.slice(open, close);
  const result = code.slice(close + 1, body === -1 ? undefined : body);
  const identity = splitTopLevel(argumentList)
    .map((argument) => argument.replace(/\s+(DEFAULT\b|=).*$/is, '').trim())
    .filter((argument) => argument !== '' && !/^OUT\s/i.test(argument))
    .map((argument) => {
      const words = argument.replace(/^(IN|INOUT|VARIADIC)\s+/i, '').split(/\s+/);
      if (words.length < 2) throw new Error(`name the argument "${argument}"`);
      return words.slice(1).join(' ');
    });
  return {
    name: start[1].toLowerCase(),
    identityArguments: identity.join(', '),
    signature:
      `${argumentList} ${result.replace(/\b(LANGUAGE|STABLE|IMMUTABLE|VOLATILE|STRICT|SECURITY|SET|COST|ROWS|PARALLEL)\b.*$/is, '')}`
        .replace(/\s+/g, ' ')
        .trim()
        .toLowerCase(),
  };
}

/** `DROP FUNCTION name(types)` for the function a definition creates. */
export function dropStatement(text: string): string {
  const header = functionHeader(text);
  return `DROP FUNCTION ${header.name}(${header.identityArguments});`;
}

/** Whether `after` can replace `before` in place, or needs it dropped first. */
export function sameSignature(before: string, after: string): boolean {
  return functionHeader(before).signature === functionHeader(after).signature;
}

function stripComments(text: string): string {
  return text.replace(/--[^\n]*/g, '').replace(/\/\*[\s\S]*?\*\//g, '');
}

function closingParenthesis(code: string, from: number): number {
  let depth = 1;
  for (let index = from; index < code.length; index++) {
    if (code[index] === '(') depth++;
    if (code[index] === ')' && --depth === 0) return index;
  }
  throw new Error('unbalanced parentheses in the argument list');
}

function splitTopLevel(list: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const character of list) {
    if (character === '(' || character === '[') depth++;
    if (character === ')' || character === ']') depth--;
    if (character === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else {
      current += character;
    }
  }
  parts.push(current);
  return parts;
}
