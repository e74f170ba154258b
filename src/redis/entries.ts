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

/** Strings up to this long are measured and written by a loop here, not a call into Buffer's C++. */
const SHORT = 32;

/** The UTF-8 size of a string payload: its length when it is short and ASCII (no call out). */
function utf8Size(payload: string): number {
  if (payload.length > SHORT) return Buffer.byteLength(payload);
  for (let i = 0; i < payload.length; i++)
    if (payload.charCodeAt(i) > 0x7f) return Buffer.byteLength(payload);
  return payload.length;
}

/** Writes an entry's header at `at` (attempt 1); the id and the payload follow it. */
function writeHeader(out: Buffer, at: number, idLength: number, payloadSize: number): void {
  const rest = HEADER - 4 + idLength + payloadSize;
  out[at] = rest >>> 24;
  out[at + 1] = (rest >>> 16) & 0xff;
  out[at + 2] = (rest >>> 8) & 0xff;
  out[at + 3] = rest & 0xff;
  out[at + 4] = 0;
  out[at + 5] = 0;
  out[at + 6] = 0;
  out[at + 7] = 1;
  out[at + 8] = idLength;
}

/** Writes a payload of `size` UTF-8 bytes at `at`. */
function writePayload(out: Buffer, at: number, payload: string | Buffer, size: number): void {
  if (typeof payload !== 'string') payload.copy(out, at);
  else if (size !== payload.length || size > SHORT) out.write(payload, at, 'utf8');
  else for (let k = 0; k < size; k++) out[at + k] = payload.charCodeAt(k); // ASCII (utf8Size)
}

function payloadSizes(payloads: readonly (string | Buffer)[]): number[] {
  const sizes = new Array<number>(payloads.length);
  for (let i = 0; i < payloads.length; i++) {
    const payload = payloads[i];
    sizes[i] = typeof payload === 'string' ? utf8Size(payload) : payload.byteLength;
  }
  return sizes;
}

/**
 * Packs items (ids of at most 255 latin1 characters) into one buffer of entries, attempt 1 each:
 * the layout written plainly, for entries with ids of any form (tests, tools). Puts use
 * packNumbered, the fast form, which its test checks byte for byte against this one.
 */
export function packEntries(ids: readonly string[], payloads: readonly (string | Buffer)[]): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < payloads.length; i++) {
    const id = Buffer.from(ids[i], 'latin1');
    const payload =
      typeof payloads[i] === 'string' ? Buffer.from(payloads[i] as string) : (payloads[i] as Buffer);
    const header = Buffer.alloc(HEADER);
    header.writeUInt32BE(HEADER - 4 + id.length + payload.length, 0);
    header.writeUInt32BE(1, 4);
    header[8] = id.length;
    parts.push(header, id, payload);
  }
  return Buffer.concat(parts);
}

/** How many base-36 digits a non-negative integer has. */
function base36Digits(n: number): number {
  let digits = 1;
  while (n >= 36) {
    n = Math.floor(n / 36);
    digits++;
  }
  return digits;
}

/**
 * The entries of a put: item i gets the id `prefix + (first + i).toString(36)` (prefix ASCII), packed
 * as packEntries would, without making each id a string. Returns them and the first id.
 */
export function packNumbered(
  prefix: string,
  first: number,
  payloads: readonly (string | Buffer)[],
): { entries: Buffer; firstId: string } {
  const sizes = payloadSizes(payloads);
  let total = 0;
  for (let i = 0; i < payloads.length; i++)
    total += HEADER + prefix.length + base36Digits(first + i) + sizes[i];
  const out = Buffer.allocUnsafe(total);
  let at = 0;
  for (let i = 0; i < payloads.length; i++) {
    let seq = first + i;
    const digits = base36Digits(seq);
    writeHeader(out, at, prefix.length + digits, sizes[i]);
    at += HEADER;
    for (let k = 0; k < prefix.length; k++) out[at + k] = prefix.charCodeAt(k);
    at += prefix.length;
    for (let k = digits - 1; k >= 0; k--) {
      const digit = seq % 36;
      out[at + k] = digit < 10 ? 0x30 + digit : 0x57 + digit; // '0'-'9', 'a'-'z'
      seq = Math.floor(seq / 36);
    }
    at += digits;
    writePayload(out, at, payloads[i], sizes[i]);
    at += sizes[i];
  }
  return { entries: out, firstId: prefix + first.toString(36) };
}

/**
 * Where each entry of a concatenation (a GET reply) starts, and then where the last one ends;
 * throws ItemDecodeError if one is cut short. Read them with the functions below, without copying.
 */
export function entryStarts(blob: Buffer): number[] {
  const starts: number[] = [];
  let at = 0;
  while (at < blob.length) {
    starts.push(at);
    const whole = blob.length - at >= HEADER;
    const end = at + 4 + (whole ? blob.readUInt32BE(at) : 0);
    if (!whole || end > blob.length || at + HEADER + blob[at + 8] > end) {
      throw new ItemDecodeError('(unknown)', `entry at byte ${at} of a batch is cut short`);
    }
    at = end;
  }
  starts.push(at);
  return starts;
}

/** The id of the entry starting at `at`. */
export function entryId(blob: Buffer, at: number): string {
  return blob.toString('latin1', at + HEADER, at + HEADER + blob[at + 8]);
}

/** The attempt of the entry starting at `at`. */
export function entryAttempt(blob: Buffer, at: number): number {
  return blob.readUInt32BE(at + 4);
}

/** Where the payload of the entry starting at `at` starts (it ends where the next entry starts). */
export function payloadStart(blob: Buffer, at: number): number {
  return at + HEADER + blob[at + 8];
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
