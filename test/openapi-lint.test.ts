import { execFile } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import test from 'ava';
import { openApiDocument } from '../src/http/openapi.ts';

// docs/PRODUCT.md, "Admin": the OpenAPI document passes `@redocly/cli lint` with its recommended
// rules (redocly.yaml) with no error and no warning, and describes every field a client sees.

const REDOCLY = path.resolve('node_modules/.bin/redocly');

interface Problem {
  readonly ruleId: string;
  readonly severity: string;
  readonly message: string;
  readonly location?: ReadonlyArray<{ readonly pointer?: string }>;
}

test('@redocly/cli lint (recommended rules) finds no error and no warning', async (t) => {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'openapi-lint-'));
  try {
    const file = path.join(dir, 'openapi.json');
    await fs.writeFile(file, JSON.stringify(openApiDocument(), null, 2));
    // Exit 1 when it finds errors; the JSON report on stdout says what, either way.
    const { stdout } = await promisify(execFile)(REDOCLY, ['lint', '--format=json', `--config=${path.resolve('redocly.yaml')}`, file], {
      cwd: dir,
      // Telemetry off: the lint runs without the network.
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' },
      timeout: 50_000,
    }).catch((error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }));
    const report = JSON.parse(stdout) as { totals: { errors: number; warnings: number }; problems: Problem[] };
    const problems = report.problems.map(
      (problem) => `${problem.severity} ${problem.ruleId} at ${problem.location?.[0]?.pointer ?? '?'}: ${problem.message}`,
    );
    t.deepEqual(problems, []);
    t.like(report.totals, { errors: 0, warnings: 0 });
  } finally {
    await fs.rm(dir, { recursive: true, force: true });
  }
});

test('every field and parameter has a description', (t) => {
  const missing: string[] = [];
  const visit = (schema: unknown, where: string): void => {
    if (schema === null || typeof schema !== 'object') return;
    if (Array.isArray(schema)) {
      for (const [index, item] of schema.entries()) visit(item, `${where}/${index}`);
      return;
    }
    const node = schema as Record<string, unknown>;
    for (const [name, property] of Object.entries((node.properties ?? {}) as Record<string, Record<string, unknown>>)) {
      if (typeof property.description !== 'string' || property.description === '') missing.push(`${where}/properties/${name}`);
    }
    for (const [key, value] of Object.entries(node)) {
      if (key === 'parameters' && Array.isArray(value)) {
        for (const parameter of value as Array<{ name: string; description?: string }>) {
          if (!parameter.description) missing.push(`${where}/parameters/${parameter.name}`);
        }
      }
      visit(value, `${where}/${key}`);
    }
  };
  visit(openApiDocument(), '#');
  t.deepEqual(missing, []);
});

test('every operation has an operationId, a 4xx answer, and says whether it needs a token', (t) => {
  const doc = openApiDocument() as { paths: Record<string, Record<string, Record<string, unknown>>> };
  for (const [route, operations] of Object.entries(doc.paths)) {
    for (const [method, operation] of Object.entries(operations)) {
      t.regex(String(operation.operationId), /^[a-z][A-Za-z]+$/, `${method} ${route}`);
      t.true(
        Object.keys(operation.responses as object).some((status) => /^4\d\d$/.test(status)),
        `${method} ${route}`,
      );
      t.true(Array.isArray(operation.security), `${method} ${route}`);
    }
  }
});
