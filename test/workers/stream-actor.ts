// Worker side of the ByteRing tests: one writer or one reader of a ring, by task.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { parentPort, workerData } from 'node:worker_threads';
import { ByteRing, type ByteRingHandle } from '../../src/index.js';
import { prng } from '../helpers/prng.js';

type Job =
  | { task: 'node-write-file' | 'web-write-file'; ring: ByteRingHandle; file: string }
  | { task: 'node-hash' | 'web-hash' | 'sync-hash'; ring: ByteRingHandle; seed?: number }
  | { task: 'sync-write-file'; ring: ByteRingHandle; file: string; seed: number }
  | { task: 'write-then-fail'; ring: ByteRingHandle; bytes: number }
  | { task: 'hash-then-cancel'; ring: ByteRingHandle; bytes: number }
  | { task: 'node-write-endless'; ring: ByteRingHandle }
  | { task: 'attach-writer'; ring: ByteRingHandle };

const job = workerData as Job;
const BOUND = { timeout: 10_000 };

/** The outcome of a task: its result, or the error's code and message. */
async function outcome(run: () => Promise<unknown>): Promise<unknown> {
  try {
    return { ok: true, value: await run() };
  } catch (error) {
    const { code, message, state } = error as { code?: string; message: string; state?: string };
    return { ok: false, code, message, state };
  }
}

async function main(): Promise<unknown> {
  const ring = ByteRing.from(job.ring);
  switch (job.task) {
    case 'node-write-file':
      await pipeline(createReadStream(job.file), ring.writable());
      return 'written';
    case 'web-write-file':
      await Readable.toWeb(createReadStream(job.file)).pipeTo(ring.writableStream());
      return 'written';
    case 'sync-write-file': {
      // Pieces of random sizes, some larger than the ring, written with the blocking form.
      const { readFileSync } = await import('node:fs');
      const data = readFileSync(job.file);
      const random = prng(job.seed);
      for (let at = 0; at < data.length; ) {
        const size = Math.min(data.length - at, 1 + Math.floor(random() * ring.capacity * 1.5));
        ring.writeSync(data.subarray(at, at + size), BOUND);
        at += size;
      }
      ring.close();
      return 'written';
    }
    case 'node-hash': {
      const hash = createHash('sha256');
      await pipeline(ring.readable(), hash);
      return (hash.read() as Buffer).toString('hex');
    }
    case 'web-hash': {
      const hash = createHash('sha256');
      let bytes = 0;
      for await (const chunk of ring.readableStream()) {
        hash.update(chunk);
        bytes += chunk.length;
      }
      return { sha: hash.digest('hex'), bytes };
    }
    case 'sync-hash': {
      // Reads into buffers of random sizes with the blocking form, until the end.
      const hash = createHash('sha256');
      const random = prng(job.seed ?? 1);
      let bytes = 0;
      for (;;) {
        const into = new Uint8Array(1 + Math.floor(random() * 100_000));
        const n = ring.readSync(into, BOUND);
        if (n === 0) break;
        hash.update(into.subarray(0, n));
        bytes += n;
      }
      return { sha: hash.digest('hex'), bytes };
    }
    case 'write-then-fail': {
      // A source that fails after `bytes` bytes: the pipeline destroys the Writable, aborting the ring.
      const bytes = job.bytes;
      async function* failing() {
        yield Buffer.alloc(bytes, 7);
        throw new Error('source failed');
      }
      await pipeline(Readable.from(failing()), ring.writable());
      return 'written';
    }
    case 'hash-then-cancel': {
      // Reads `bytes` bytes, then destroys its Readable, which cancels the ring.
      const readable = ring.readable();
      let bytes = 0;
      for await (const chunk of readable) {
        bytes += (chunk as Buffer).length;
        if (bytes >= job.bytes) break; // leaving for-await destroys the stream
      }
      return bytes;
    }
    case 'node-write-endless': {
      // Writes forever: only the reader cancelling stops it.
      async function* endless() {
        for (;;) yield Buffer.alloc(4096, 1);
      }
      await pipeline(Readable.from(endless()), ring.writable());
      return 'written';
    }
    case 'attach-writer':
      ring.writeSync(new Uint8Array([1]), BOUND);
      return 'attached';
  }
}

parentPort!.postMessage(await outcome(main));
