// The live page: follows `conveyor run --web`'s event stream (/api/events) and draws the buffer,
// each thread's state, the counts and the occupancy chart; the form starts the run again.
import { OccupancyChart } from './chart.js';
import { classify, el, formatMs, legend, shape, slotList } from './common.js';

/** Slots drawn one by one; a larger buffer is drawn as a bar. */
const MAX_SLOTS_DRAWN = 64;
const $ = (id) => document.getElementById(id);

const chart = new OccupancyChart($('chart'));
$('legend').append(legend());
let run = null;
let frame = 0;

/** A fresh view of a run that just started. */
function begin(info) {
  run = {
    id: info.id,
    capacity: info.capacity,
    queue: [], // items in the buffer, oldest first
    produced: 0,
    consumed: 0,
    largest: 0,
    t: 0,
    end: null,
    actors: new Map(info.actors.map((a) => [a, { state: 'starting', items: 0, waits: 0 }])),
  };
  chart.reset(info.capacity);
  const form = $('controls');
  for (const [name, value] of Object.entries(info.form))
    if (form.elements[name]) form.elements[name].value = value;
  schedule();
}

/** Each event moves one actor and, for produced/consumed, the buffer. */
function apply(e) {
  const actor = run.actors.get(e.actor);
  run.t = Math.max(run.t, e.t);
  switch (e.event) {
    case 'produced':
      run.queue.push(e.item);
      run.produced++;
      actor.items++;
      actor.state = 'working';
      break;
    case 'consumed': {
      const at = run.queue.indexOf(e.item);
      if (at >= 0) run.queue.splice(at, 1);
      run.consumed++;
      actor.items++;
      actor.state = 'working';
      break;
    }
    case 'wait':
      actor.state = `waiting on ${e.on}`;
      actor.waits++;
      break;
    case 'sleep':
      actor.state = 'sleeping';
      break;
    case 'done':
      actor.state = 'done';
      break;
    default: // start, work, wake
      actor.state = 'working';
  }
  if (e.event === 'produced' || e.event === 'consumed') {
    run.largest = Math.max(run.largest, e.occupancy);
    chart.add(e.t, run.queue.length);
  }
}

function schedule() {
  if (frame === 0) frame = requestAnimationFrame(draw);
}

function draw() {
  frame = 0;
  if (run === null) return;
  const { capacity, queue } = run;
  $('occupancy').textContent = `${queue.length} / ${capacity}`;
  const host = $('slots');
  if (capacity <= MAX_SLOTS_DRAWN) {
    // A ring as the seed's: items enter at `in` and leave at `out`.
    const out = run.consumed % capacity;
    const slots = new Array(capacity).fill(null);
    for (let i = 0; i < queue.length; i++) slots[(out + i) % capacity] = queue[i];
    host.replaceChildren(slotList(slots, run.produced % capacity, out, `buffer of ${capacity} slots`));
  } else {
    const bar = el('div', {}, '');
    bar.style.width = `${(100 * queue.length) / capacity}%`;
    host.replaceChildren(
      el(
        'div',
        {
          class: 'meter',
          role: 'meter',
          'aria-valuemin': 0,
          'aria-valuemax': capacity,
          'aria-valuenow': queue.length,
          'aria-label': 'items in the buffer',
        },
        bar,
      ),
    );
  }
  $('threads').replaceChildren(
    ...[...run.actors].map(([name, a]) => {
      const kind = classify(a.state);
      return el(
        'li',
        { class: 'thread', 'data-actor': name, 'data-state': kind.state, 'data-on': kind.on },
        shape(kind),
        el('span', { class: 'name' }, name),
        el('span', { class: 'state' }, kind.label),
        el('span', { class: 'count' }, `${a.items} items · ${a.waits} waits`),
      );
    }),
  );
  $('produced').textContent = run.produced;
  $('consumed').textContent = run.consumed;
  $('largest').textContent = run.largest;
  $('elapsed').textContent = formatMs(run.t);
  chart.draw();
  let status = `run ${run.id}: running`;
  if (run.end?.error) status = `run ${run.id} failed: ${run.end.error}`;
  else if (run.end)
    status = `run ${run.id} ${run.end.summary.stopped ? 'stopped' : 'finished'} in ${formatMs(run.end.summary.elapsedMs)}`;
  $('status').textContent = status;
  document.body.dataset.run = run.end ? 'ended' : 'running';
}

const stream = new EventSource('/api/events');
stream.addEventListener('run', (m) => begin(JSON.parse(m.data)));
stream.addEventListener('events', (m) => {
  const batch = JSON.parse(m.data);
  if (run === null || batch.id !== run.id) return;
  for (const e of batch.events) apply(e);
  schedule();
});
stream.addEventListener('end', (m) => {
  const end = JSON.parse(m.data);
  if (run === null || end.id !== run.id) return;
  run.end = end;
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
