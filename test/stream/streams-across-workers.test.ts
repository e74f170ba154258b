// ByteRing between real workers: a file streamed through the Node and web adapters and the
// blocking calls hashes the same on both sides; an early end, an abort and a cancel stop the
// other side cleanly; a second writer is refused; a writer or reader killed mid-stream
// (worker.terminate()) stops the stream through watch(), so the other side fails at once.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ByteRing, type ByteRingHandle, type RingRecoveryReport } from '../../src/index.js';
import { prng } from '../helpers/prng.js';
import { exited, firstMessage, startWorker } from '../helpers/worker.js';

const ACTOR = new URL('../workers/stream-actor.ts', import.meta.url);
const FILE_BYTES = 3 * 1024 * 1024 + 12_345; // not a multiple of any chunk size

interface Outcome {
  ok: boolean;
  value?: unknown;
  code?: string;
  message?: string;
  state?: string;
}

let folder: string;
let file: string;
let fileSha: string;

beforeAll(() => {
  folder = mkdtempSync(join(tmpdir(), 'conveyor-stream-'));
  file = join(folder, 'data.bin');
  const random = prng(14);
  const data = Buffer.allocUnsafe(FILE_BYTES);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(random() * 256);
  writeFileSync(file, data);
  fileSha = createHash('sha256').update(data).digest('hex');
});

afterAll(() => rmSync(folder, { recursive: true, force: true }));

interface Actor {
  result: Promise<Outcome>;
  exit: Promise<number>;
}

/** Starts a worker on a task; listens for its result and its exit from the start (it may exit at once). */
function actor(data: { task: string; ring: ByteRingHandle } & Record<string, unknown>): Actor {
  const worker = startWorker(ACTOR, { workerData: data });
  return { result: firstMessage<Outcome>(worker, 25_000), exit: exited(worker, 25_000) };
}

async function both(...actors: Actor[]): Promise<Outcome[]> {
  const results = await Promise.all(actors.map((a) => a.result));
  await Promise.all(actors.map((a) => a.exit));
  return results;
}

describe('ByteRing between two workers', () => {
  it('pipeline(createReadStream(file), ring.writable()) → pipeline(ring.readable(), sha256) hashes the file', async () => {
    const ring = new ByteRing({ capacity: 256 * 1024 });
    const [writer, reader] = await both(
      actor({ task: 'node-write-file', ring: ring.handle, file }),
      actor({ task: 'node-hash', ring: ring.handle }),
    );
    expect(writer).toEqual({ ok: true, value: 'written' });
    expect(reader).toEqual({ ok: true, value: fileSha });
    expect(ring.state).toBe('ended');
    expect(ring.available).toBe(0);
  });

  it('web streams: file.pipeTo(ring.writableStream()) → for await (ring.readableStream()) hashes the file', async () => {
    const ring = new ByteRing({ capacity: 100_000 });
    const [writer, reader] = await both(
      actor({ task: 'web-write-file', ring: ring.handle, file }),
      actor({ task: 'web-hash', ring: ring.handle }),
    );
    expect(writer).toEqual({ ok: true, value: 'written' });
    expect(reader).toEqual({ ok: true, value: { sha: fileSha, bytes: FILE_BYTES } });
  });

  it('writeSync/readSync in random piece sizes, some larger than the ring, hash the file', async () => {
    const ring = new ByteRing({ capacity: 16 * 1024 });
    const [writer, reader] = await both(
      actor({ task: 'sync-write-file', ring: ring.handle, file, seed: 3 }),
      actor({ task: 'sync-hash', ring: ring.handle, seed: 4 }),
    );
    expect(writer).toEqual({ ok: true, value: 'written' });
    expect(reader).toEqual({ ok: true, value: { sha: fileSha, bytes: FILE_BYTES } });
  });

  it('a writer whose source fails mid-stream aborts the ring: the reader fails instead of ending', async () => {
    const ring = new ByteRing({ capacity: 64 * 1024 });
    const [writer, reader] = await both(
      actor({ task: 'write-then-fail', ring: ring.handle, bytes: 100_000 }),
      actor({ task: 'node-hash', ring: ring.handle }),
    );
    expect(writer).toMatchObject({ ok: false, message: 'source failed' });
    expect(reader).toMatchObject({ ok: false, code: 'ERR_RING_CLOSED', state: 'aborted' });
    expect(ring.state).toBe('aborted');
  });

  it('a reader that stops early cancels the ring: the endless writer stops with ERR_RING_CLOSED', async () => {
    const ring = new ByteRing({ capacity: 64 * 1024 });
    const [writer, reader] = await both(
      actor({ task: 'node-write-endless', ring: ring.handle }),
      actor({ task: 'hash-then-cancel', ring: ring.handle, bytes: 1_000_000 }),
    );
    expect(reader.ok).toBe(true);
    expect(reader.value).toBeGreaterThanOrEqual(1_000_000);
    expect(writer).toMatchObject({ ok: false, code: 'ERR_RING_CLOSED', state: 'cancelled' });
  });

  it('a second writer in another thread is refused with RingRoleError, and writes nothing', async () => {
    const ring = new ByteRing({ capacity: 1024 });
    ring.writeSync(Uint8Array.of(42)); // this thread is the writer
    const [second] = await both(actor({ task: 'attach-writer', ring: ring.handle }));
    expect(second).toMatchObject({ ok: false, code: 'ERR_RING_ROLE_TAKEN' });
    expect(second.message).toMatch(/already has a writer: thread 0\..* cannot attach as a second writer/);
    const into = new Uint8Array(8);
    expect(ring.readSync(into, { timeout: 0 })).toBe(1);
    expect(into[0]).toBe(42);
    expect(ring.available).toBe(0);
  });

  it('a writer terminated mid-stream: watch() aborts the ring, and the reader fails at once with what it read a prefix of the file', async () => {
    const ring = new ByteRing({ capacity: 64 * 1024 });
    const writer = startWorker(ACTOR, {
      workerData: { task: 'sync-write-file', ring: ring.handle, file, seed: 3 },
    });
    const reports: RingRecoveryReport[] = [];
    ring.watch(writer, (report) => reports.push(report));
    const got: Buffer[] = [];
    let bytes = 0;
    while (bytes < 200_000) {
      const into = new Uint8Array(50_000);
      const n = await ring.read(into, { timeout: 20_000 });
      got.push(Buffer.from(into.subarray(0, n)));
      bytes += n;
    }
    await writer.terminate(); // blocked on the full ring, or in the middle of a write
    // Without recovery this read would wait out its 20 s and throw a TimeoutError.
    await expect(ring.read(new Uint8Array(50_000), { timeout: 20_000 })).rejects.toMatchObject({
      code: 'ERR_RING_CLOSED',
      state: 'aborted',
    });
    expect(reports).toEqual([{ threadId: expect.any(Number), roles: ['writer'], state: 'aborted' }]);
    expect(Buffer.concat(got).equals(readFileSync(file).subarray(0, bytes))).toBe(true);
  });

  it('a reader terminated mid-stream: watch() cancels the ring, and the writer waiting for room fails at once', async () => {
    const ring = new ByteRing({ capacity: 64 * 1024 });
    const reader = startWorker(ACTOR, { workerData: { task: 'sync-hash', ring: ring.handle } });
    const reports: RingRecoveryReport[] = [];
    ring.watch(reader, (report) => reports.push(report));
    await ring.write(new Uint8Array(200_000), { timeout: 20_000 }); // the reader drains it
    await reader.terminate(); // asleep in readSync, or reading
    // More than the ring holds: without recovery it would wait out its 20 s for room.
    await expect(ring.write(new Uint8Array(200_000), { timeout: 20_000 })).rejects.toMatchObject({
      code: 'ERR_RING_CLOSED',
      state: 'cancelled',
    });
    expect(reports).toEqual([{ threadId: expect.any(Number), roles: ['reader'], state: 'cancelled' }]);
  });

  it('recover() of a thread that held no role changes nothing, and of the calling thread is refused', () => {
    const ring = new ByteRing({ capacity: 1024 });
    ring.writeSync(Uint8Array.of(1)); // this thread is the writer
    expect(ring.recover(12345)).toEqual({ threadId: 12345, roles: [], state: 'open' });
    expect(() => ring.recover(0)).toThrow(/recover\(0\): that is the calling thread/);
    expect(() => ring.recover(-1)).toThrow(RangeError);
    expect(ring.state).toBe('open');
  });
});
