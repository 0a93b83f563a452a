import { extendZodWithOpenApi } from '@asteasolutions/zod-to-openapi';
import { z } from 'zod';

// The request and response schemas describe themselves for /openapi.json; this must run before
// any of them is built, so schema modules take `z` from here.
extendZodWithOpenApi(z);

export { z };
