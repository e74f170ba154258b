// The live page: follows `conveyor run --web`'s stream (/api/events) of frames, the run's state
// as the server keeps it from the workers' events, and draws the buffer, each thread's state, the
// counts and the occupancy chart; the form starts the run again.
import { OccupancyChart } from './chart.js';
import { classify, el, formatMs, legend, shape, slotList } from './common.js';

/** Slots drawn one by one; a larger buffer is drawn as a bar. */
const MAX_SLOTS_DRAWN = 64;
const $ = (id) => document.getElementById(id);

const chart = new OccupancyChart($('chart'));
$('legend').append(legend());
let run = null;
let frame = null;
let end = null;
let drawing = 0;

/** A fresh view of a run that just started. */
function begin(info) {
  run = info;
  frame = null;
  end = null;
  chart.reset(info.capacity);
  const form = $('controls');
  for (const [name, value] of Object.entries(info.form))
    if (form.elements[name]) form.elements[name].value = value;
  schedule();
}

function schedule() {
  if (drawing === 0) drawing = requestAnimationFrame(draw);
}

function draw() {
  drawing = 0;
  if (run === null) return;
  const f = frame ?? {
    held: 0,
    capacity: run.capacity,
    produced: 0,
    consumed: 0,
    largest: 0,
    t: 0,
    in: 0,
    out: 0,
    actors: run.actors.map((name) => ({ name, state: 'starting', items: 0, waits: 0 })),
    slots: run.capacity <= MAX_SLOTS_DRAWN ? new Array(run.capacity).fill(null) : undefined,
  };
  $('occupancy').textContent = `${f.held} / ${f.capacity}`;
  const host = $('slots');
  if (f.slots !== undefined) {
    host.replaceChildren(slotList(f.slots, f.in, f.out, `buffer of ${f.capacity} slots`));
  } else {
    const bar = el('div', {}, '');
    bar.style.width = `${(100 * f.held) / f.capacity}%`;
    host.replaceChildren(
      el(
        'div',
        {
          class: 'meter',
          role: 'meter',
          'aria-valuemin': 0,
          'aria-valuemax': f.capacity,
          'aria-valuenow': f.held,
          'aria-label': 'items in the buffer',
        },
        bar,
      ),
    );
  }
  $('threads').replaceChildren(
    ...f.actors.map((a) => {
      const kind = classify(a.state);
      return el(
        'li',
        { class: 'thread', 'data-actor': a.name, 'data-state': kind.state, 'data-on': kind.on },
        shape(kind),
        el('span', { class: 'name' }, a.name),
        el('span', { class: 'state' }, kind.label),
        el('span', { class: 'count' }, `${a.items} items · ${a.waits} waits`),
      );
    }),
  );
  $('produced').textContent = f.produced;
  $('consumed').textContent = f.consumed;
  $('largest').textContent = f.largest;
  $('elapsed').textContent = formatMs(f.t);
  chart.draw(f.held);
  let status = `run ${run.id}: running`;
  if (end?.error) status = `run ${run.id} failed: ${end.error}`;
  else if (end)
    status = `run ${run.id} ${end.stopped ? 'stopped' : 'finished'} in ${formatMs(end.elapsedMs)}`;
  $('status').textContent = status;
  document.body.dataset.run = end ? 'ended' : 'running';
}

const stream = new EventSource('/api/events');
stream.addEventListener('run', (m) => begin(JSON.parse(m.data)));
stream.addEventListener('frame', (m) => {
  const next = JSON.parse(m.data);
  if (run === null || next.id !== run.id) return;
  if (next.resetPoints) chart.setPoints(next.points);
  else chart.addPoints(next.points);
  frame = next;
  schedule();
});
stream.addEventListener('end', (m) => {
  const message = JSON.parse(m.data);
  if (run === null || message.id !== run.id) return;
  end = message;
  schedule();
});
stream.addEventListener('open', () => {
  if (run === null) $('status').textContent = 'connected; waiting for the run';
});
stream.addEventListener('error', () => {
  $('status').textContent = 'lost the connection to conveyor run --web (is it still running?)';
});

async function post(path, body) {
  const answer = await fetch(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
  const reply = await answer.json().catch(() => ({ error: `HTTP ${answer.status}` }));
  const error = $('form-error');
  const message = reply.error ?? (answer.ok ? '' : `HTTP ${answer.status}`);
  error.hidden = message === '';
  error.textContent = message;
}

$('controls').addEventListener('submit', (event) => {
  event.preventDefault();
  const fields = Object.fromEntries(new FormData(event.target).entries());
  post('/api/run', fields).catch((e) => {
    $('form-error').hidden = false;
    $('form-error').textContent = `could not reach conveyor: ${e.message}`;
  });
});
$('stop').addEventListener('click', () => post('/api/stop', {}).catch(() => {}));
