// Script replies that are not leases, decoded: the dead-letter list, and what an immediate close
// took out of the buffer.
import { unpackEntry } from './entries.js';
import type { ItemCodec } from './item-codec.js';
import type { DeadLetter } from './options.js';

/**
 * Decodes what an immediate close took out (entries); an item that cannot be decoded is told to
 * `onDeadLetter` instead of being returned.
 */
export function decodeDiscarded<T>(
  codec: ItemCodec<T>,
  reply: Buffer[],
  onDeadLetter: ((letter: DeadLetter) => void) | undefined,
): T[] {
  const items: T[] = [];
  for (const value of reply) {
    const { id, payload, attempt } = unpackEntry(value, '(not an entry)');
    try {
      items.push(codec.decode(id, payload));
    } catch (error) {
      const reason = (error as Error).message;
      onDeadLetter?.({ id, payload, reason, attempts: attempt });
    }
  }
  return items;
}

/** What the DEAD_LIST script returns: id, payload, reason, attempts for each letter. */
export type DeadListReply = (Buffer | number | null)[];

export function deadLetterList(reply: DeadListReply): DeadLetter[] {
  const letters: DeadLetter[] = [];
  for (let i = 0; i < reply.length; i += 4) {
    letters.push({
      id: (reply[i] as Buffer).toString(),
      payload: (reply[i + 1] as Buffer | null) ?? undefined,
      reason: (reply[i + 2] as Buffer).toString(),
      attempts: reply[i + 3] as number,
    });
  }
  return letters;
}
