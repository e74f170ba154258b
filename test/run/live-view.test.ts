import { describe, expect, it } from 'vitest';
import { LiveView } from '../../src/run/live-view.js';
import { SEED_DEFAULTS } from '../../src/run/options.js';

describe('the live view', () => {
  it('counts items in words that agree with the number: 0 items, 1 item, 2 items', () => {
    const view = new LiveView({ write: () => true }, { ...SEED_DEFAULTS }, ['consumer-1', 'producer-1']);
    const line = (actor: string) => view.render().find((l) => l.includes(actor))!;
    expect(line('producer-1')).toMatch(/ 0 items$/);
    view.update({ t: 1, actor: 'producer-1', event: 'produced', item: 1, occupancy: 1 });
    expect(line('producer-1')).toMatch(/ 1 item$/);
    view.update({ t: 2, actor: 'producer-1', event: 'produced', item: 2, occupancy: 2 });
    expect(line('producer-1')).toMatch(/ 2 items$/);
    expect(view.render()[0]).toMatch(/^buffer \[■■□+\] 2\/10/);
  });
});
