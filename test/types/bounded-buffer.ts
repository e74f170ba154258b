// Type tests for BoundedBuffer, checked by `npm run typecheck` (tsc over test/): the codec decides
// the item type. Each `@ts-expect-error` line must fail to compile, or tsc reports the directive
// as unused; every other line must compile.
import { BoundedBuffer, type Codec, type JsonValue } from '../../src/index.js';

export async function itemTypesFollowTheCodec(): Promise<void> {
  // int32 (the default) and float64: numbers.
  const ints = new BoundedBuffer({ capacity: 4 });
  ints.tryPut(1);
  const n: number = ints.getSync({ timeout: 0 });
  // @ts-expect-error a string is not an int32
  ints.tryPut('1');
  // @ts-expect-error int32 stores numbers, so a BoundedBuffer<string> without a string codec is a mismatch
  new BoundedBuffer<string>({ capacity: 4 });
  // @ts-expect-error the same with the codec named
  new BoundedBuffer<string>({ capacity: 4, codec: 'int32' });
  const floats = new BoundedBuffer({ capacity: 4, codec: 'float64' });
  floats.tryPut(0.5);

  // string → string; bytes → Uint8Array.
  const strings = new BoundedBuffer({ capacity: 4, codec: 'string' });
  const s: string = await strings.get();
  // @ts-expect-error a number is not a string
  strings.tryPut(1);
  const bytes = new BoundedBuffer({ capacity: 4, codec: 'bytes' });
  bytes.tryPut(new Uint8Array(1));
  // @ts-expect-error an array of numbers is not a Uint8Array
  bytes.tryPut([1, 2]);
  // @ts-expect-error bytes stores Uint8Array
  new BoundedBuffer<number>({ capacity: 4, codec: 'bytes' });

  // json → a JSON value by default, or the item type you give.
  const json = new BoundedBuffer({ capacity: 1024, codec: 'json', slotBytes: 256 });
  await json.put({ id: 1 });
  const value: JsonValue = await json.get();
  interface Job {
    id: number;
    name: string;
  }
  const jobs = new BoundedBuffer<Job>({ capacity: 16, codec: 'json' });
  await jobs.put({ id: 1, name: 'a' });
  // @ts-expect-error a Job needs a name
  await jobs.put({ id: 2 });
  const job: Job = jobs.getSync({ timeout: 0 });

  // structured → your T; a custom codec → its T, inferred.
  const maps = new BoundedBuffer<Map<string, Date>>({ capacity: 4, codec: 'structured' });
  maps.tryPut(new Map());
  const pairs: Codec<[number, number]> = {
    encode: ([a, b]) => new Uint8Array([a, b]),
    decode: (bytes) => [bytes[0], bytes[1]],
  };
  const custom = new BoundedBuffer({ capacity: 4, codec: pairs });
  custom.tryPut([1, 2]);
  // @ts-expect-error the codec encodes pairs
  custom.tryPut(3);

  // from() opens a handle with the item type you name.
  const opened = BoundedBuffer.from<string>(strings.handle);
  const t: string = opened.getSync({ timeout: 0 });
  void [n, s, value, job, t];
}
