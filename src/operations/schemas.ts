import { z } from '../http/openapi-zod.ts';

export const healthResponse = z.object({ status: z.literal('ok').openapi({ description: 'Always `ok`: the process answers.' }) });

export const readinessResponse = z
  .object({
    status: z.enum(['ready', 'not_ready']).openapi({ description: 'The verdict.' }),
    ready: z.boolean().openapi({ description: 'The verdict, as a boolean.' }),
    checks: z
      .object({
        database: z.enum(['ok', 'unreachable']).openapi({ description: 'Whether the database answered within 2 s.' }),
        migrations: z
          .enum(['current', 'pending', 'unknown'])
          .openapi({ description: 'Whether every migration has run (`unknown`: the database did not answer).' }),
        shutting_down: z.boolean().openapi({ description: 'True once SIGTERM or SIGINT was received.' }),
      })
      .openapi({ description: 'Each check.' }),
    pending_migrations: z.array(z.string()).openapi({ description: 'The migrations not yet run.' }),
  })
  .openapi('Readiness');
