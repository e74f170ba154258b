// The msgpack codec: objects through a BoundedBuffer between two real workers, exactly once and
// in order; bad options named; msgpackr loaded only through 'conveyor/msgpack'.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { msgpack } from '../../src/codecs/msgpack.js';
import { BoundedBuffer, ItemTooLargeError } from '../../src/index.js';
import { exited, firstMessage, startWorker } from '../helpers/worker.js';
import { objectOf } from './msgpack-items.js';

const ACTOR = new URL('../workers/msgpack-actor.ts', import.meta.url);

describe('msgpack()', () => {
  it('carries objects between two workers through a BoundedBuffer, each exactly once, in order', async () => {
    const items = 3000;
    const buffer = new BoundedBuffer({ capacity: 64, codec: msgpack(), slotBytes: 256 });
    const producer = startWorker(ACTOR, { workerData: { task: 'produce', buffer: buffer.handle, items } });
    const consumer = startWorker(ACTOR, { workerData: { task: 'consume', buffer: buffer.handle, items } });
    const consumed = firstMessage<unknown[]>(consumer, 25_000);
    const exits = Promise.all([exited(producer, 25_000), exited(consumer, 25_000)]); // listen before they exit
    expect(await firstMessage(producer, 25_000)).toBe('produced');
    buffer.close();
    const got = await consumed;
    await exits;
    expect(got).toHaveLength(items);
    expect(got).toEqual(Array.from({ length: items }, (_, id) => objectOf(id)));
  });

  it('refuses an object too large for the slot and leaves nothing behind', () => {
    const buffer = new BoundedBuffer<unknown>({ capacity: 2, codec: msgpack(), slotBytes: 16 });
    expect(() => buffer.tryPut({ text: 'y'.repeat(100) })).toThrow(ItemTooLargeError);
    expect(buffer.size).toBe(0);
    expect(buffer.tryPut({ a: 1 })).toBe(true);
    expect(buffer.tryGet()).toEqual({ ok: true, value: { a: 1 } });
  });

  it('hands back binary data that later gets do not overwrite (copies, not views of shared bytes)', () => {
    type Item = { id: number; data: Uint8Array; floats: Float64Array };
    const buffer = new BoundedBuffer<Item>({
      capacity: 4,
      codec: msgpack<Item>(),
      slotBytes: 256,
    });
    const kept: Item[] = [];
    for (let id = 0; id < 3000; id++) {
      buffer.putSync({ id, data: new Uint8Array(20).fill(id & 255), floats: new Float64Array([id, -id]) });
      kept.push(buffer.getSync());
    }
    kept.forEach(({ id, data, floats }) => {
      expect(data).toEqual(new Uint8Array(20).fill(id & 255));
      expect([...floats]).toEqual([id, -id]);
    });
  });

  it('decodes maps as Maps when asked', () => {
    const codec = msgpack({ mapsAsMaps: true });
    expect(codec.decode(codec.encode({ a: 1 }))).toEqual(new Map([['a', 1]]));
  });

  it('rejects bad options, naming the value', () => {
    expect(() => msgpack({ useRecords: 'yes' as never })).toThrow(
      "useRecords must be a boolean, got 'yes' (string)",
    );
    expect(() => msgpack(3 as never)).toThrow(/options must be an object/);
  });

  it("is reached only through its own entry point: nothing under 'conveyor' imports msgpackr", () => {
    const root = new URL('../../src/', import.meta.url);
    const seen = new Set<string>();
    const reachesMsgpackr = (file: URL): boolean => {
      if (seen.has(file.href)) return false;
      seen.add(file.href);
      const text = readFileSync(file, 'utf8');
      if (/from '(msgpackr)[/']/.test(text)) return true;
      for (const [, path] of text.matchAll(/from '(\.[^']+)\.js'/g)) {
        if (reachesMsgpackr(new URL(`${path}.ts`, file))) return true;
      }
      return false;
    };
    expect(reachesMsgpackr(new URL('index.ts', root))).toBe(false);
    expect(seen.size).toBeGreaterThan(20); // the walk did follow the imports
    seen.clear();
    expect(reachesMsgpackr(new URL('codecs/msgpack.ts', root))).toBe(true);
    const exports = JSON.parse(readFileSync(new URL('../package.json', root), 'utf8')).exports;
    expect(exports['./msgpack'].import).toBe('./dist/codecs/msgpack.js');
  });
});
