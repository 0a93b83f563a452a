import type Router from '@koa/router';
import type { DatabasePool } from 'slonik';
import { parseConfig } from '../../src/config.ts';
import { migrationNames } from '../../src/db/migrate.ts';
import { createApp } from '../../src/http/app.ts';
import { generateLocalSigningKey } from '../../src/identity/local-signing-key.ts';
import { createLogger } from '../../src/logger.ts';
import { createSchemaGate } from '../../src/operations/schema-gate.ts';

export interface AppRoute {
  /** Upper case, as the router keeps it; HEAD (which Koa answers for every GET) is left out. */
  readonly method: string;
  /** The router's pattern, e.g. `/admin/players/:id`. */
  readonly pattern: string;
  /** The same path in OpenAPI's syntax, e.g. `/admin/players/{id}`. */
  readonly openApiPath: string;
}

/** Every (method, path) the app's routers answer, read from the routers themselves. */
export async function routesOfTheApp(pool: DatabasePool): Promise<AppRoute[]> {
  const { key } = await generateLocalSigningKey();
  const app = createApp(parseConfig({ LOG_LEVEL: 'silent' }), {
    pool,
    logger: createLogger('silent'),
    localKey: key,
    schemaGate: createSchemaGate(pool, migrationNames()),
  });
  const routers = app.middleware
    .map((middleware) => (middleware as { router?: Router }).router)
    .filter((router): router is Router => router !== undefined);
  const routes = new Map<string, AppRoute>();
  for (const layer of routers.flatMap((router) => router.stack)) {
    const pattern = String(layer.path);
    for (const method of layer.methods.filter((each) => each !== 'HEAD')) {
      routes.set(`${method} ${pattern}`, { method, pattern, openApiPath: pattern.replace(/:(\w+)/g, '{$1}') });
    }
  }
  return [...routes.values()].sort((a, b) => `${a.openApiPath} ${a.method}`.localeCompare(`${b.openApiPath} ${b.method}`));
}
