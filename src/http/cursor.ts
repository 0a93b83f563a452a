import { AppError } from '../errors.ts';

// Keyset pagination cursors: opaque to clients, a player id underneath.

export function encodeCursor(afterPlayerId: number): string {
  return Buffer.from(`after:${afterPlayerId}`).toString('base64url');
}

export function decodeCursor(cursor: string | undefined): number {
  if (cursor === undefined) return 0;
  const match = /^after:([1-9][0-9]{0,9})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (match?.[1] === undefined) {
    throw new AppError('validation_failed', {
      message: 'The cursor is not one this service handed out.',
      details: [{ path: ['cursor'], message: 'unknown cursor' }],
    });
  }
  return Number(match[1]);
}
