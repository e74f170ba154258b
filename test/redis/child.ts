// A consumer process for the Redis tests, killed with SIGKILL by them. Usage:
//   node --import tsx test/redis/child.ts <url> <name> <capacity> <leaseMs> hold|consume
// Prints one JSON line per event: {"got":v,"attempt":n} when it takes an item, {"done":v} when it
// has processed it (just before the ack). 'hold' takes one item and then never acks; 'hold-half'
// takes up to 4 items in one get, acks the first half and holds the rest.
import { RedisBuffer } from '../../src/redis/index.js';

const [url, name, capacity, leaseMs, mode] = process.argv.slice(2);
const queue = await RedisBuffer.open<number>({
  url,
  name,
  capacity: Number(capacity),
  leaseMs: Number(leaseMs),
  maxAttempts: 1000,
});
const say = (line: object) => process.stdout.write(`${JSON.stringify(line)}\n`);
say({ ready: process.pid });
if (mode === 'hold') {
  const lease = await queue.getWithLease({ timeout: 20_000 });
  say({ got: lease.value, attempt: lease.attempt });
  setInterval(() => {}, 1_000); // holds it (renewing) until killed
} else if (mode === 'hold-half') {
  const leases = await queue.getManyWithLease(4, { timeout: 20_000 });
  const half = leases.slice(0, leases.length >> 1);
  expectHeld(await queue.ack(half), half.length);
  say({ got: leases.map((lease) => lease.value), acked: half.map((lease) => lease.value) });
  setInterval(() => {}, 1_000); // holds the rest (renewing) until killed
} else {
  for (;;) {
    let lease: Awaited<ReturnType<typeof queue.getWithLease>>;
    try {
      lease = await queue.getWithLease({ timeout: 20_000 });
    } catch {
      break; // closed and drained (or nothing for 20 s)
    }
    say({ got: lease.value, attempt: lease.attempt });
    await new Promise((resolve) => setTimeout(resolve, Math.random() * 4));
    say({ done: lease.value });
    await lease.ack();
  }
  await queue.disconnect();
}

function expectHeld(held: number, wanted: number): void {
  if (held !== wanted) throw new Error(`acked ${held} of ${wanted} held items`);
}
