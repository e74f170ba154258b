// What one Atomics operation costs on this Node, against a plain typed-array load: the floor
// under every per-item cost in BoundedBuffer (a put and a get each do at least two per item).
//   node bench/atomics-cost.js
const words = new Int32Array(new SharedArrayBuffer(4096));
const N = 20_000_000;
const cases = {
  'plain load': () => {
    let sum = 0;
    for (let i = 0; i < N; i++) sum += words[i & 511];
    return sum;
  },
  'Atomics.load': () => {
    let sum = 0;
    for (let i = 0; i < N; i++) sum += Atomics.load(words, i & 511);
    return sum;
  },
  'Atomics.store': () => {
    for (let i = 0; i < N; i++) Atomics.store(words, i & 511, i);
    return 0;
  },
  'Atomics.exchange': () => {
    let sum = 0;
    for (let i = 0; i < N; i++) sum += Atomics.exchange(words, i & 511, i);
    return sum;
  },
  'Atomics.compareExchange': () => {
    let sum = 0;
    for (let i = 0; i < N; i++) sum += Atomics.compareExchange(words, i & 511, 0, 0);
    return sum;
  },
};
const times = Object.fromEntries(Object.keys(cases).map((name) => [name, []]));
for (let round = 0; round < 5; round++) {
  for (const [name, run] of Object.entries(cases)) {
    const start = performance.now();
    run();
    times[name].push(((performance.now() - start) * 1e6) / N);
  }
}
console.log(`Node ${process.versions.node}, median of 5 rounds of ${N / 1e6} M operations, one thread`);
for (const [name, ns] of Object.entries(times)) {
  ns.sort((a, b) => a - b);
  console.log(`${name.padEnd(24)} ${ns[2].toFixed(1)} ns`);
}
