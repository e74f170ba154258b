// Entries (key layout 2) are packed byte for byte as docs/redis.md describes, whichever way a
// payload is written (short ASCII by a loop, longer or non-ASCII by Buffer.write, bytes copied).
import { describe, expect, it } from 'vitest';
import { entryStarts, packEntries, packNumbered, unpackEntry } from '../../src/redis/entries.js';

/** The layout written out the plain way: [u32 rest][u32 attempt=1][u8 id length][id][payload]. */
function reference(id: string, payload: string | Buffer): Buffer {
  const idBytes = Buffer.from(id, 'latin1');
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const head = Buffer.alloc(9);
  head.writeUInt32BE(5 + idBytes.length + body.length, 0);
  head.writeUInt32BE(1, 4);
  head[8] = idBytes.length;
  return Buffer.concat([head, idBytes, body]);
}

describe('packEntries', () => {
  it('writes short and long, ASCII and non-ASCII ids and payloads exactly as the plain layout', () => {
    const ids = ['a1-0', 'é-1', 'z'.repeat(40), 'q', 'ÿ'.repeat(33), ''];
    const payloads: (string | Buffer)[] = [
      '12345',
      'héllo wörld ✓',
      'x'.repeat(50),
      Buffer.from([0, 255, 7]),
      '',
      '😀'.repeat(20),
    ];
    const packed = packEntries(ids, payloads);
    expect(packed).toEqual(Buffer.concat(ids.map((id, i) => reference(id, payloads[i]))));
    const starts = entryStarts(packed);
    expect(starts).toHaveLength(ids.length + 1);
    for (let i = 0; i < ids.length; i++) {
      const entry = unpackEntry(packed.subarray(starts[i], starts[i + 1]), '?');
      expect(entry.id).toBe(ids[i]);
      expect(entry.attempt).toBe(1);
      const want = payloads[i];
      expect(entry.payload).toEqual(typeof want === 'string' ? Buffer.from(want, 'utf8') : want);
    }
  });

  it('packNumbered gives the same bytes as packEntries with the ids prefix + (first + i) in base 36', () => {
    const payloads = ['1', 'two', Buffer.from([3]), 'ünïcode', 'x'.repeat(40)];
    for (const first of [0, 7, 35, 36, 1295, 46_655, 2 ** 40 - 3]) {
      const ids = payloads.map((_, i) => `a1b2c3-${(first + i).toString(36)}`);
      const { entries, firstId } = packNumbered('a1b2c3-', first, payloads);
      expect(firstId).toBe(ids[0]);
      expect(entries).toEqual(packEntries(ids, payloads));
    }
  });
});
