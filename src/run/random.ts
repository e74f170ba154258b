// A small seeded PRNG (mulberry32) for the sleep ranges: the same --seed gives the same draws.

/** Returns a function giving uniform floats in [0, 1), determined by `seed`. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 15), z | 1);
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61);
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}

/** A seed for one actor, so that actors draw different but repeatable sequences. */
export function actorSeed(seed: number, actor: string): number {
  let h = seed >>> 0;
  for (let i = 0; i < actor.length; i++) h = Math.imul(h ^ actor.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}
