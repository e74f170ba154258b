// The step-by-step viewer: fetches the file's steps from `conveyor view` (/api/view) and shows one
// step at a time: the thread that moved, the memory after it, every thread's state. The
// violation's step is marked in the list and explained above it.
import { classify, el, formatMs, legend, shape, slotList } from './common.js';

const $ = (id) => document.getElementById(id);
const PLAY_MS = 700;
const EMPTY_SLOT = '·';

let doc = null;
let at = 1;
let timer = 0;

function showError(message) {
  $('error').hidden = false;
  $('error').textContent = `conveyor view could not read the file:\n${message}`;
  $('title').textContent = 'no file to show';
  document.body.dataset.ready = 'error';
}

function start(loaded) {
  doc = loaded;
  $('title').textContent = `${doc.file} — ${doc.title}`;
  for (const id of ['stepper-section', 'memory-section', 'threads-section', 'steps-section'])
    $(id).hidden = false;
  $('step-count').textContent = doc.steps.length;
  for (const input of [$('jump'), $('scrub')]) input.max = String(doc.steps.length);
  $('legend').append(legend());
  $('notes').replaceChildren(...doc.notes.map((n) => el('li', {}, n)));
  const v = doc.violation;
  if (v !== null) {
    $('violation').hidden = false;
    $('violation-title').textContent = `Violation: ${v.kind}`;
    $('violation-text').textContent =
      `${v.message} — at step ${v.step}${v.thread ? `, when ${v.thread} moved` : ', a property of the state after it'}.`;
    $('violation-step').textContent = v.step;
  }
  $('steps').replaceChildren(
    ...doc.steps.map((s) =>
      el(
        'li',
        { 'data-step': s.step, 'data-violation': v !== null && v.step === s.step ? 'true' : 'false' },
        el(
          'button',
          { type: 'button', tabindex: '-1', 'aria-label': `step ${s.step}: ${s.thread} ${s.action}` },
          el('span', {}, s.step),
          el('span', {}, s.thread),
          el('span', {}, s.t === undefined ? s.action : `${s.action} · ${formatMs(s.t)}`),
        ),
      ),
    ),
  );
  document.body.dataset.ready = 'true';
  go(1);
}

/** Shows step n (clamped to the file's steps). */
function go(n) {
  if (doc === null || doc.steps.length === 0) return;
  at = Math.min(Math.max(1, Math.trunc(n) || 1), doc.steps.length);
  const s = doc.steps[at - 1];
  const before = at > 1 ? doc.steps[at - 2] : null;
  const v = doc.violation;
  const here = v !== null && v.step === at;
  $('step-now').textContent = at;
  $('jump').value = String(at);
  $('scrub').value = String(at);
  $('now').textContent =
    `${at}. ${s.thread}: ${s.action}${s.t === undefined ? '' : ` (at ${formatMs(s.t)})`}${here ? ' — the violation happens here' : ''}`;
  $('violation').dataset.here = here ? 'true' : 'false';
  document.body.dataset.step = String(at);
  document.body.dataset.atViolation = here ? 'true' : 'false';
  drawMemory(s.memory, before?.memory);
  $('threads').replaceChildren(
    ...doc.threads.map((name) => {
      const kind = classify(s.threads[name] ?? 'not started');
      const moved = name === s.thread;
      return el(
        'li',
        {
          class: 'thread',
          'data-actor': name,
          'data-state': kind.state,
          'data-on': kind.on,
          'data-moved': moved ? 'true' : 'false',
        },
        shape(kind),
        el('span', { class: 'name' }, name),
        el('span', { class: 'state' }, kind.label),
        el('span', { class: 'count' }, moved ? 'moved ◀' : ''),
      );
    }),
  );
  for (const li of $('steps').children) {
    const button = li.firstElementChild;
    if (Number(li.dataset.step) === at) {
      button.setAttribute('aria-current', 'step');
      li.scrollIntoView({ block: 'nearest' });
    } else {
      button.removeAttribute('aria-current');
    }
  }
  $('back').disabled = at === 1;
  $('first').disabled = at === 1;
  $('forward').disabled = at === doc.steps.length;
  $('last').disabled = at === doc.steps.length;
  if (at === doc.steps.length) pause();
}

function drawMemory(memory, before) {
  const rows = [];
  // A value that this step changed is highlighted (and said so for screen readers).
  const row = (group, name, label, text) => {
    const value = memory[group][name];
    const changed = before !== undefined && JSON.stringify(before[group][name]) !== JSON.stringify(value);
    rows.push(
      el('dt', {}, label),
      el(
        'dd',
        { class: changed ? 'changed' : undefined, 'data-name': name },
        text,
        changed ? el('span', { class: 'sr-only' }, ' (changed)') : null,
      ),
    );
  };
  for (const [name, value] of Object.entries(memory.semaphores))
    row('semaphores', name, `semaphore ${name}`, value);
  for (const [name, holder] of Object.entries(memory.mutexes))
    row('mutexes', name, `mutex ${name}`, holder ?? 'free');
  for (const [name, value] of Object.entries(memory.words)) {
    row('words', name, name, Array.isArray(value) ? `[${value.join(', ')}]` : value);
  }

  const parts = [el('dl', {}, ...rows)];
  for (const [name, slots] of Object.entries(memory.buffers)) {
    const inAt = typeof memory.words.in === 'number' ? memory.words.in % slots.length : -1;
    const outAt = typeof memory.words.out === 'number' ? memory.words.out % slots.length : -1;
    parts.push(
      el('h3', { class: 'sr-only' }, name),
      slotList(
        slots.map((x) => (x === EMPTY_SLOT ? null : x)),
        inAt,
        outAt,
        `${name}: ${slots.length} slots`,
      ),
    );
  }
  if (doc.derived)
    parts.push(el('p', { class: 'muted' }, 'Rebuilt from the trace’s events (see the notes below).'));
  $('memory').replaceChildren(...parts);
}

function play() {
  if (doc === null) return;
  if (at === doc.steps.length) go(1);
  $('play').setAttribute('aria-pressed', 'true');
  $('play').textContent = '❚❚ pause';
  clearInterval(timer);
  timer = setInterval(() => go(at + 1), PLAY_MS);
}

function pause() {
  clearInterval(timer);
  timer = 0;
  $('play').setAttribute('aria-pressed', 'false');
  $('play').textContent = '▶ play';
}

$('first').addEventListener('click', () => go(1));
$('back').addEventListener('click', () => go(at - 1));
$('forward').addEventListener('click', () => go(at + 1));
$('last').addEventListener('click', () => go(Number.POSITIVE_INFINITY));
$('play').addEventListener('click', () => (timer ? pause() : play()));
$('jump').addEventListener('change', (e) => go(Number(e.target.value)));
$('scrub').addEventListener('input', (e) => go(Number(e.target.value)));
$('to-violation').addEventListener('click', () => doc?.violation && go(doc.violation.step));
$('steps').addEventListener('click', (e) => {
  const li = e.target.closest('li[data-step]');
  if (li) go(Number(li.dataset.step));
});

document.addEventListener('keydown', (e) => {
  if (doc === null || e.altKey || e.ctrlKey || e.metaKey) return;
  const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLSelectElement;
  const keys = {
    ArrowRight: () => go(at + 1),
    ArrowLeft: () => go(at - 1),
    Home: () => go(1),
    End: () => go(doc.steps.length),
    ' ': () => (timer ? pause() : play()),
    v: () => doc.violation && go(doc.violation.step),
    V: () => doc.violation && go(doc.violation.step),
  };
  const action = keys[e.key];
  if (action === undefined || typing) return;
  // Space on a focused button presses it; let it, rather than acting twice.
  if (e.key === ' ' && e.target instanceof HTMLButtonElement) return;
  e.preventDefault();
  action();
});

fetch('/api/view')
  .then((answer) => answer.json())
  .then((loaded) => (loaded.error !== undefined ? showError(loaded.error) : start(loaded.doc)))
  .catch((error) => showError(`the page could not reach conveyor view: ${error.message}`));
