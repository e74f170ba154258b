// What a new user met with BoundedBuffer (issue 11): each test failed before its fix.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { BoundedBuffer, Mutex, Semaphore } from '../../src/index.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

describe('BoundedBuffer with int32 items', () => {
  it('stores -0 as 0, as Int32Array does (Math.round(-0.4) is -0)', () => {
    const buffer = new BoundedBuffer({ capacity: 2 });
    expect(buffer.tryPut(Math.round(-0.4))).toBe(true);
    buffer.putSync(-0);
    expect(Object.is(buffer.getSync({ timeout: 0 }), 0)).toBe(true);
    expect(Object.is(buffer.getSync({ timeout: 0 }), 0)).toBe(true);
  });
});

describe('BoundedBuffer whose codec cannot decode an item', () => {
  const failing = {
    encode: (item: string) => new TextEncoder().encode(item),
    decode: (bytes: Uint8Array): string => {
      const text = new TextDecoder().decode(bytes);
      if (text === 'bad') throw new Error('cannot decode bad');
      return text;
    },
  };

  it('throws an error that carries the item still encoded: nothing is lost silently', () => {
    const buffer = new BoundedBuffer({ capacity: 4, codec: failing });
    buffer.putSync('bad');
    let caught: (Error & { encoded?: unknown }) | undefined;
    try {
      buffer.getSync({ timeout: 0 });
    } catch (error) {
      caught = error as Error & { encoded?: unknown };
    }
    expect(caught?.message).toBe('cannot decode bad');
    expect(new TextDecoder().decode(caught?.encoded as Uint8Array)).toBe('bad');
    expect(buffer.size).toBe(0);
  });

  it('hands back, from getMany, the items it decoded and the ones it could not', async () => {
    const buffer = new BoundedBuffer({ capacity: 4, codec: failing });
    buffer.putManySync(['a', 'bad', 'c']);
    const error = await buffer.getMany(3).then(
      () => undefined,
      (e: Error & { items?: string[]; encoded?: Uint8Array[] }) => e,
    );
    expect(error?.items).toEqual(['a', 'c']);
    expect(error?.encoded?.map((b) => new TextDecoder().decode(b))).toEqual(['bad']);
  });

  it('wraps a decoder that throws a non-object, so the item still travels with the error', () => {
    const throwing = new BoundedBuffer<number>({
      capacity: 1,
      codec: {
        encode: () => new Uint8Array([1]),
        decode: () => {
          throw 'no'; // a string
        },
      },
    });
    throwing.putSync(5);
    expect(() => throwing.getSync({ timeout: 0 })).toThrow(
      expect.objectContaining({
        message: "the codec's decode() threw 'no' (string)",
        encoded: new Uint8Array([1]),
      }),
    );
  });
});

describe('opening a buffer from the wrong thing', () => {
  it.each([
    [
      'BoundedBuffer',
      () => new BoundedBuffer({ capacity: 1 }),
      (x: unknown) => BoundedBuffer.from(x as never),
      'buffer.handle',
    ],
    ['Semaphore', () => new Semaphore(1), (x: unknown) => Semaphore.from(x as never), 'semaphore.handle'],
    ['Mutex', () => new Mutex(), (x: unknown) => Mutex.from(x as never), 'mutex.handle'],
  ])(
    'says "pass %s\'s handle" for a structured clone of the object itself, or the object',
    (_, make, from, hint) => {
      const object = make();
      for (const wrong of [structuredClone(object), object]) {
        expect(() => from(wrong)).toThrow(`pass ${hint}`);
      }
    },
  ); // prettier-ignore
});

describe('messages', () => {
  it('say "an Array", not "a Array"', () => {
    const buffer = new BoundedBuffer({ capacity: 1 });
    expect(() => buffer.tryPut([1] as never)).toThrow(/got an Array$/);
    expect(() => new BoundedBuffer({ capacity: 1, codec: 'bytes' }).tryPut({} as never)).toThrow(
      /got an Object$/,
    );
  });

  it('name the size asked for when slotBytes is too large to allocate', () => {
    expect(() => new BoundedBuffer({ capacity: 1_000_000, codec: 'string', slotBytes: 1 << 24 })).toThrow(
      /cannot allocate [\d,]+ bytes of shared memory \(capacity 1000000 × 16777224 bytes a slot, for slotBytes 16777216\)/,
    );
  });
});

describe('getSync with no timeout on the main thread', () => {
  it('prints one warning (once per process) before it freezes the process, then still works', async () => {
    // A child process: its main thread waits on an empty buffer until a worker puts 7 after 300 ms.
    const INDEX = new URL('../../src/index.ts', import.meta.url).href;
    const script = `
      import { Worker } from 'node:worker_threads';
      import { BoundedBuffer } from ${JSON.stringify(INDEX)};
      const buffer = new BoundedBuffer({ capacity: 1 });
      const worker = new Worker(\`
        Promise.all([import('tsx/esm/api'), import('node:worker_threads')]).then(async ([tsx, threads]) => {
          tsx.register();
          const { BoundedBuffer } = await import(${JSON.stringify(INDEX)});
          const b = BoundedBuffer.from(threads.workerData);
          threads.parentPort.postMessage('ready');
          for (const item of [7, 8]) {
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 300);
            b.putSync(item, { timeout: 5000 });
          }
        });\`, { eval: true, workerData: buffer.handle });
      await new Promise((resolve) => worker.once('message', resolve));
      console.log(buffer.getSync(), buffer.getSync());
      await worker.terminate();
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise((resolve) => child.on('close', resolve));
    clearTimeout(timer);
    expect(code, stderr).toBe(0);
    expect(stdout.trim()).toBe('7 8');
    expect(
      stderr.match(/Warning: BoundedBuffer.getSync\(\) is waiting with no timeout on the main thread/g),
    ).toHaveLength(1);
  });
});
