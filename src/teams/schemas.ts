import { described } from '../http/answers.ts';
import { idText, name } from '../http/input.ts';
import { team } from './store.ts';
import { z } from '../http/openapi-zod.ts';

export const createTeamBody = z.object({ name: name.openapi({ description: 'The team’s name, unique in the club.' }) }).strict();

export const teamPath = z.object({ id: idText.describe('The team’s id.') });

export const updateTeamBody = z
  .object({ name: name.openapi({ description: 'The team’s new name, unique in the club.' }) })
  .strict();

export const teamResponse = described(team, { id: 'The team’s id.', name: 'The team’s name, unique in the club.' }).openapi(
  'Team',
);
export const teamListResponse = z
  .object({ items: z.array(teamResponse).openapi({ description: 'Every team of the club.' }) })
  .openapi('TeamList');

export type TeamResponse = z.output<typeof teamResponse>;
