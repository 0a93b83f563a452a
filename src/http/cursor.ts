import { AppError } from '../errors.ts';
import { id } from './input.ts';

// Keyset pagination cursors: opaque to clients, a player id underneath.

export function encodeCursor(afterPlayerId: number): string {
  return Buffer.from(`after:${afterPlayerId}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const match = /^after:([1-9][0-9]{0,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  // Ten digits reach past the ids' integer column: such a cursor was forged, not handed out.
  const afterPlayerId = id.safeParse(Number(match?.[1]));
  if (!afterPlayerId.success) {
    throw new AppError('validation_failed', {
      message: 'The cursor is not one this service handed out.',
      details: [{ path: ['cursor'], message: 'unknown cursor' }],
    });
  }
  return afterPlayerId.data;
}
