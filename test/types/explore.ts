// Type tests for explore()'s verdict, checked by `npm run typecheck` (tsc over test/): each
// `@ts-expect-error` line must fail to compile, or tsc reports the directive as unused.
import { explore } from '../../src/check/explore.js';
import { buildModel } from '../../src/check/models.js';

const verdict = explore(buildModel('no-mutex'));

// Without a test of `status`, the violation may be missing.
// @ts-expect-error TS18048: 'verdict.violation' is possibly 'undefined'.
verdict.violation.kind;

// Testing `status` narrows it: no `!` needed.
if (verdict.status === 'violation') {
  const kind: string = verdict.violation.kind;
  const shortest: boolean = verdict.violation.shortest;
  void [kind, shortest];
}

// An incomplete verdict says what stopped it; a holding one has no violation at all.
if (verdict.status === 'incomplete') {
  const by: 'states' | 'memory' = verdict.stoppedBy;
  void by;
}
if (verdict.status === 'holds') {
  const none: undefined = verdict.violation;
  void none;
  // @ts-expect-error TS2339: only an incomplete verdict has stoppedBy.
  verdict.stoppedBy;
}
