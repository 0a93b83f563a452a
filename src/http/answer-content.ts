import type { ResponseConfig } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { z as zod } from './openapi-zod.ts';

// How an operation's answers are declared (operation.ts), by media type.

export const json = (schema: z.ZodTypeAny, description: string): ResponseConfig => ({
  description,
  content: { 'application/json': { schema } },
});

export const text = (type: string, description: string): ResponseConfig => ({
  description,
  content: { [type]: { schema: zod.string() } },
});

export const noContent = (description: string): ResponseConfig => ({ description });
