// What moving an item costs in CPU time, in one thread (a put then a get, no peer to wait for):
// the lane ({ producers: 1, consumers: 1 }) against ringbuf.js and the buffer for any number, in
// batches of 1024 int32 and one at a time. CPU time, not wall time, so that a loaded machine moves
// the figures less than it moves the two-worker rows of `npm run bench` (bench/cases/bulk.js).
//   npm run build && node bench/lane-cost.js
import { RingBuffer } from 'ringbuf.js';
import { BoundedBuffer } from '../dist/index.js';

const BATCH = 1024;
const ITEMS = 20_000_000;
const SINGLES = 2_000_000;
const ROUNDS = 5;
const LANE = { producers: 1, consumers: 1 };

const batch = Int32Array.from({ length: BATCH }, (_, k) => k);
const into = new Int32Array(BATCH);

/** CPU seconds that `body` takes. */
function cpu(body) {
  const start = process.cpuUsage();
  body();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1e6;
}

const cases = {
  'ringbuf.js 0.4, push/pop chunks of 1024': () => {
    const ring = new RingBuffer(RingBuffer.getStorageForCapacity(BATCH, Int32Array), Int32Array);
    return (
      ITEMS /
      cpu(() => {
        for (let i = 0; i < ITEMS; i += BATCH) {
          ring.push(batch);
          ring.pop(into);
        }
      })
    );
  },
  'lane, putManySync(Int32Array)/getManySync({ into })': () => batches(LANE),
  'any number, putManySync(Int32Array)/getManySync({ into })': () => batches({}),
  'lane, putSync/getSync': () => singles(LANE),
  'any number, putSync/getSync': () => singles({}),
};

function batches(options) {
  const buffer = new BoundedBuffer({ capacity: BATCH, ...options });
  return (
    ITEMS /
    cpu(() => {
      for (let i = 0; i < ITEMS; i += BATCH) {
        buffer.putManySync(batch);
        buffer.getManySync(BATCH, { into });
      }
    })
  );
}

function singles(options) {
  const buffer = new BoundedBuffer({ capacity: BATCH, ...options });
  return (
    SINGLES /
    cpu(() => {
      for (let i = 0; i < SINGLES; i++) {
        buffer.putSync(i);
        buffer.getSync();
      }
    })
  );
}

const rates = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (const [name, run] of Object.entries(cases)) rates[name].push(run());
}
const median = (list) => list.sort((a, b) => a - b)[list.length >> 1];
console.log(`items per CPU-second, median of ${ROUNDS} rounds (Node ${process.versions.node})`);
for (const [name, list] of Object.entries(rates)) {
  console.log(`  ${name.padEnd(60)} ${(median(list) / 1e6).toFixed(1).padStart(7)} M`);
}
