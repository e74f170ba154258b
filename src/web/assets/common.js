// What both pages draw the same way: elements, thread states (a shape, a colour and a word),
// the buffer's slots and the legend.

/** Makes an element: el('li', { class: 'slot', 'data-filled': 'true' }, 'text', child, …). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value !== undefined && value !== null && value !== false) node.setAttribute(name, String(value));
  }
  for (const child of children) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

/**
 * A thread's state as { state, on, label }: state is working, sleeping, waiting, done or idle;
 * `on` is the semaphore waited on (empty, full, mutex, or other for anything else a model blocks on).
 */
export function classify(text) {
  if (text === 'done') return { state: 'done', label: 'done' };
  if (text === 'sleeping') return { state: 'sleeping', label: 'sleeping' };
  if (text === 'not started' || text === 'starting') return { state: 'idle', label: text };
  const waiting = /^(?:waiting on|blocked on) (.*)$/.exec(text);
  if (waiting !== null) {
    const what = waiting[1];
    const name = /\b(empty|full|mutex)\b/.exec(what);
    return { state: 'waiting', on: name === null ? 'other' : name[1], label: text };
  }
  return { state: 'working', label: text };
}

/** The shape for a classified state (colour and shape come from page.css). */
export function shape(kind) {
  return el('span', { class: 'shape', 'data-state': kind.state, 'data-on': kind.on, 'aria-hidden': 'true' });
}

export const LEGEND = [
  { state: 'working', label: 'working' },
  { state: 'sleeping', label: 'sleeping' },
  { state: 'waiting', on: 'empty', label: 'waiting on empty (buffer full)' },
  { state: 'waiting', on: 'full', label: 'waiting on full (buffer empty)' },
  { state: 'waiting', on: 'mutex', label: 'waiting on mutex' },
  { state: 'done', label: 'done' },
];

export function legend(items = LEGEND) {
  return el(
    'ul',
    { class: 'legend', 'aria-label': 'legend' },
    ...items.map((k) => el('li', {}, shape(k), k.label)),
  );
}

/**
 * The buffer's slots: `slots` holds each slot's text, or null when empty; `inAt` and `outAt` mark
 * the next slot to fill and to empty.
 */
export function slotList(slots, inAt, outAt, label) {
  const list = el('ol', { class: 'slots', 'aria-label': label });
  slots.forEach((item, i) => {
    const marks = [i === inAt ? 'in' : '', i === outAt ? 'out' : ''].filter(Boolean).join(' ');
    const filled = item !== null;
    list.append(
      el(
        'li',
        {
          class: 'slot',
          'data-filled': filled ? 'true' : 'false',
          'aria-label': `slot ${i}: ${filled ? `item ${item}` : 'empty'}${marks ? `, ${marks}` : ''}`,
        },
        filled ? item : '',
        marks ? el('span', { class: 'mark', 'aria-hidden': 'true' }, `${marks} ↑`) : null,
      ),
    );
  });
  return list;
}

/** `2.5 s`, `340 ms`, `0.4 ms`. */
export function formatMs(ms) {
  if (ms >= 10_000) return `${(ms / 1000).toFixed(1)} s`;
  if (ms >= 1000) return `${(ms / 1000).toFixed(2)} s`;
  if (ms >= 10) return `${Math.round(ms)} ms`;
  return `${ms.toFixed(1)} ms`;
}
