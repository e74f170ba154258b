// Runs conveyor's Lua scripts (scripts.ts) on one connection: EVAL the first time this handle
// sends a script, EVALSHA after that, and EVAL again when the server answers NOSCRIPT (it was
// restarted or its script cache flushed). Not ioredis' defineCommand: ioredis copies every defined
// command onto each autopipeline it builds (one per event-loop turn), a cost paid per call.
import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import { SCRIPT_KEY_COUNT } from './keys.js';
import { SCRIPTS, type ScriptName } from './scripts.js';

type Arg = string | number | Buffer;
type Send = (...args: Arg[]) => Promise<unknown>;
/** The four commands used here (ioredis defines a `…Buffer` twin of every command). */
interface Eval {
  eval: Send;
  evalBuffer: Send;
  evalsha: Send;
  evalshaBuffer: Send;
}

const SHAS = Object.fromEntries(
  Object.entries(SCRIPTS).map(([name, lua]) => [name, createHash('sha1').update(lua).digest('hex')]),
) as Record<ScriptName, string>;

export class ScriptRunner {
  /** Scripts this runner has sent in full once (so the server has them unless it lost its cache). */
  readonly #sent = new Set<ScriptName>();
  /** The keys and the prefix, the first arguments of every script call. */
  readonly #head: Arg[];

  constructor(
    private readonly redis: Redis,
    keys: readonly string[],
    prefix: string,
  ) {
    this.#head = [SCRIPT_KEY_COUNT, ...keys, prefix];
  }

  /** Runs a script; string replies come back as strings. */
  call(name: ScriptName, args: Arg[]): Promise<unknown> {
    return this.#run(name, args, false);
  }

  /** Runs a script; string replies come back as Buffers. */
  callBuffer(name: ScriptName, args: Arg[]): Promise<unknown> {
    return this.#run(name, args, true);
  }

  #run(name: ScriptName, args: Arg[], buffers: boolean): Promise<unknown> {
    const rest = this.#head.concat(args);
    const redis = this.redis as unknown as Eval;
    const full = () =>
      buffers ? redis.evalBuffer(SCRIPTS[name], ...rest) : redis.eval(SCRIPTS[name], ...rest);
    if (!this.#sent.has(name)) {
      this.#sent.add(name);
      return full();
    }
    const sent = buffers ? redis.evalshaBuffer(SHAS[name], ...rest) : redis.evalsha(SHAS[name], ...rest);
    return sent.catch((error: unknown) => {
      if (!(error instanceof Error) || !error.message.includes('NOSCRIPT')) throw error;
      return full();
    });
  }
}
