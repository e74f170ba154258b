// The stored form of one item (key layout 2): a self-delimiting string that carries the item's id,
// its delivery count and its payload, so that the buffer, a lease and the dead-letter list hold
// the same string and moving a batch is a list operation, and a batch travels as one concatenation.
//
//   [u32 BE length of the rest][u32 BE attempt][u8 id length][id (latin1)][payload]
//
// Invariant: the scripts (scripts.ts) rewrite only the attempt field (bytes 5-8), and refuse an
// entry whose length field does not match its string (another program wrote it): such an entry
// is dead-lettered on the server and never reaches a concatenated reply.
import { ItemDecodeError } from './errors.js';

/** The key layout these entries and scripts belong to; OPEN refuses a queue of another layout. */
export const LAYOUT = '2';

/** Bytes before the id: the length field, the attempt, the id's length. */
const HEADER = 9;

export interface Entry {
  id: string;
  /** 1 on first delivery; 0 in an entry handed back before it was used (the next take adds 1). */
  attempt: number;
  payload: Buffer;
}

/** Packs items (ids of at most 255 latin1 characters) into one buffer of entries, attempt 1 each. */
export function packEntries(ids: readonly string[], payloads: readonly (string | Buffer)[]): Buffer {
  let total = 0;
  const sizes = new Array<number>(payloads.length);
  for (let i = 0; i < payloads.length; i++) {
    const payload = payloads[i];
    sizes[i] = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.byteLength;
    total += HEADER + ids[i].length + sizes[i];
  }
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < payloads.length; i++) {
    const id = ids[i];
    out.writeUInt32BE(HEADER - 4 + id.length + sizes[i], at);
    out.writeUInt32BE(1, at + 4);
    out[at + 8] = id.length;
    at += HEADER + out.write(id, at + HEADER, 'latin1');
    const payload = payloads[i];
    if (typeof payload === 'string') at += out.write(payload, at, 'utf8');
    else at += payload.copy(out, at);
  }
  return out;
}

/** Splits a concatenation of entries (a GET reply); throws ItemDecodeError if it is cut short. */
export function unpackEntries(blob: Buffer): Entry[] {
  const entries: Entry[] = [];
  let at = 0;
  while (at < blob.length) {
    const whole = blob.length - at >= HEADER;
    const end = at + 4 + (whole ? blob.readUInt32BE(at) : 0);
    if (!whole || end > blob.length || at + HEADER + blob[at + 8] > end) {
      throw new ItemDecodeError('(unknown)', `entry at byte ${at} of a batch is cut short`);
    }
    entries.push(entry(blob, at, end));
    at = end;
  }
  return entries;
}

/** One stored entry; an entry that is not one (another program wrote it) keeps its bytes as payload. */
export function unpackEntry(value: Buffer, fallbackId: string): Entry {
  if (
    value.length >= HEADER &&
    value.readUInt32BE(0) + 4 === value.length &&
    HEADER + value[8] <= value.length
  )
    return entry(value, 0, value.length);
  return { id: fallbackId, attempt: 0, payload: value };
}

function entry(blob: Buffer, at: number, end: number): Entry {
  const idEnd = at + HEADER + blob[at + 8];
  return {
    id: blob.toString('latin1', at + HEADER, idEnd),
    attempt: blob.readUInt32BE(at + 4),
    payload: blob.subarray(idEnd, end),
  };
}
