// Preloaded by `bun test` in the runtime suite: the test files import conveyor from src/, and this
// points those imports at dist/, so Bun runs the code that ships rather than transpiling src itself.

/** The part of Bun's plugin API used here (Bun's types are not installed). */
interface Resolve {
  path: string;
  importer: string;
}
interface Builder {
  onResolve(options: { filter: RegExp }, resolve: (args: Resolve) => { path: string } | undefined): void;
}
const { plugin } = (
  globalThis as unknown as { Bun: { plugin(p: { name: string; setup(b: Builder): void }): void } }
).Bun;

const SRC = new URL('../../src/', import.meta.url).pathname;
const DIST = new URL('../../dist/', import.meta.url).pathname;

plugin({
  name: 'conveyor from dist',
  setup(build) {
    build.onResolve({ filter: /\/src\/.*\.js$/ }, (args) => {
      const path = new URL(args.path, `file://${args.importer}`).pathname;
      return path.startsWith(SRC) ? { path: DIST + path.slice(SRC.length) } : undefined;
    });
  },
});
