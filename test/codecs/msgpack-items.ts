// The objects the msgpack codec test sends: one per id, rebuilt the same way on both sides.
export function objectOf(id: number) {
  return {
    id,
    payload: 'x'.repeat(32),
    nested: { list: [id, -(id + 1), id / 7, null, true, 'é✓'], when: new Date(1_700_000_000_000 + id) },
    big: BigInt(id) * 10_000_000_000n,
    bytes: Uint8Array.of(id & 255, 1, 2),
  };
}
