// The run as an SVG chart, written by hand: the buffer's occupancy over time against its
// capacity, and one lane per actor showing when it worked, slept and waited (coloured by the
// semaphore it waited on), with axes, a legend and a title. ChartRecorder collects what the chart
// needs as events stream in and thins it as it grows, so a long run draws in bounded memory.
import type { RunEvent, SemaphoreName } from './protocol.js';
import type { ScenarioResult } from './scenario.js';
import { Lanes, type Segment } from './summary.js';

export const COLORS = {
  working: '#3a923a',
  sleeping: '#d0d0d0',
  empty: '#f28e2b',
  full: '#4e79a7',
  mutex: '#d62728',
  occupancy: '#9ecae9',
  occupancyLine: '#1f5f99',
  capacity: '#444444',
  axis: '#333333',
  grid: '#e6e6e6',
} as const;

const WIDTH = 960;
const LEFT = 110;
const RIGHT = 24;
const PLOT_W = WIDTH - LEFT - RIGHT;
const OCC_TOP = 64;
const OCC_H = 170;
const LANE_H = 20;
const LANE_GAP = 8;
/** Item ticks drawn at most; beyond this the lanes show states only. */
const MAX_TICKS = 2000;
/** Occupancy points plus lane segments kept before thinning (far more than the chart's pixels). */
const MAX_KEPT = 20_000;

/**
 * What the chart draws, collected as events arrive (each actor's events in its own order). Once
 * more than MAX_KEPT points and segments are kept, it thins them to a time grid of `quantum` ms
 * (doubling as the run goes on): each grid cell keeps its lowest, highest and last occupancy, and
 * each lane one segment per cell, in the state it spent most of that cell in.
 */
export class ChartRecorder {
  readonly #actors: readonly string[];
  #points: [number, number][] = [[0, 0]];
  readonly #segments = new Map<string, Segment[]>();
  #ticks: RunEvent[] | undefined = [];
  readonly #lanes: Lanes;
  #kept = 0;
  /** The thinning grid in ms; 0 until the first thinning. */
  quantum = 0;

  constructor(actors: readonly string[]) {
    this.#actors = actors;
    for (const actor of actors) this.#segments.set(actor, []);
    this.#lanes = new Lanes((actor, seg) => {
      this.#segments.get(actor)!.push(seg);
      this.#grew();
    });
  }

  add(e: RunEvent): void {
    this.#lanes.add(e);
    if (e.event !== 'produced' && e.event !== 'consumed') return;
    this.#points.push([e.t, e.occupancy]);
    if (this.#ticks !== undefined) {
      if (this.#ticks.length < MAX_TICKS) this.#ticks.push({ ...e });
      else this.#ticks = undefined; // too many to draw: none at all
    }
    this.#grew();
  }

  /** The chart's data once the run is over (ends every unfinished lane at `end`). */
  finish(end: number): {
    points: [number, number][];
    lanes: Map<string, Segment[]>;
    ticks: RunEvent[];
    quantum: number;
  } {
    this.#lanes.finish(end);
    const points = [...this.#points].sort((a, b) => a[0] - b[0]);
    const lanes = new Map(this.#actors.map((a) => [a, this.#segments.get(a)!]));
    return { points, lanes, ticks: this.#ticks ?? [], quantum: this.quantum };
  }

  #grew(): void {
    if (++this.#kept <= MAX_KEPT) return;
    let latest = 0;
    for (const [t] of this.#points) latest = Math.max(latest, t);
    for (const list of this.#segments.values()) latest = Math.max(latest, list.at(-1)?.to ?? 0);
    // A grid over the run so far, coarse enough that thinning leaves at most about half of
    // MAX_KEPT (three points and one segment per lane per cell), at least twice the last one.
    const cells = Math.max(50, Math.floor(MAX_KEPT / (2 * (3 + this.#actors.length))));
    this.quantum = Math.max(this.quantum * 2, latest / cells, 1e-3);
    this.#points = thinPoints(this.#points, this.quantum);
    this.#kept = this.#points.length;
    for (const [actor, list] of this.#segments) {
      const thinned = thinSegments(list, this.quantum);
      this.#segments.set(actor, thinned);
      this.#kept += thinned.length;
    }
  }
}

/** Per grid cell: the lowest, the highest and the last point, in time order. */
export function thinPoints(points: [number, number][], quantum: number): [number, number][] {
  const sorted = [...points].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (let i = 0; i < sorted.length; ) {
    const cell = Math.floor(sorted[i][0] / quantum);
    let low = sorted[i];
    let high = sorted[i];
    let j = i;
    for (; j < sorted.length && Math.floor(sorted[j][0] / quantum) === cell; j++) {
      if (sorted[j][1] < low[1]) low = sorted[j];
      if (sorted[j][1] > high[1]) high = sorted[j];
    }
    const last = sorted[j - 1];
    for (const p of [low, high, last].sort((a, b) => a[0] - b[0])) if (out.at(-1) !== p) out.push(p);
    i = j;
  }
  return out;
}

/** Segments within one grid cell become one, in the state most of the cell's time went to. */
export function thinSegments(segments: Segment[], quantum: number): Segment[] {
  const out: Segment[] = [];
  for (let i = 0; i < segments.length; ) {
    const cell = Math.floor(segments[i].from / quantum);
    const time = new Map<string, { ms: number; seg: Segment }>();
    let j = i;
    for (; j < segments.length && Math.floor(segments[j].from / quantum) === cell; j++) {
      const seg = segments[j];
      const key = seg.state === 'waiting' ? `waiting ${seg.on}` : seg.state;
      const entry = time.get(key) ?? { ms: 0, seg };
      entry.ms += seg.to - seg.from;
      time.set(key, entry);
    }
    let best = { ms: -1, seg: segments[i] };
    for (const entry of time.values()) if (entry.ms > best.ms) best = entry;
    const merged: Segment = { ...best.seg, from: segments[i].from, to: segments[j - 1].to };
    const previous = out.at(-1);
    if (previous !== undefined && previous.state === merged.state && previous.on === merged.on)
      previous.to = merged.to;
    else out.push(merged);
    i = j;
  }
  return out;
}

export function renderChart(recorder: ChartRecorder, result: ScenarioResult): string {
  const { options, actors } = result;
  const end = Math.max(result.elapsed, 1);
  const data = recorder.finish(end);
  const x = (t: number) => LEFT + (Math.min(Math.max(t, 0), end) / end) * PLOT_W;
  const yOcc = (n: number) => OCC_TOP + OCC_H - (n / options.capacity) * OCC_H;
  const lanesTop = OCC_TOP + OCC_H + 40;
  const lanesBottom = lanesTop + actors.length * (LANE_H + LANE_GAP) - LANE_GAP;
  const axisY = lanesBottom + 10;
  const legendY = axisY + 62;
  const height = legendY + 30;
  const out: string[] = [];
  const title =
    `conveyor run: ${plural(options.producers, 'producer')}, ${plural(options.consumers, 'consumer')}, ` +
    `capacity ${options.capacity}, ${options.items} items per producer (${options.mode} mode)`;
  const subtitle =
    `produce ${range(options.produceMs)} ms, consume ${range(options.consumeMs)} ms per item` +
    (options.timeScale === 1 ? '' : `, time scale ${options.timeScale}`) +
    `; ${result.stopped ? 'stopped' : 'finished'} after ${seconds(result.elapsed)}` +
    (data.quantum > 0 ? `; drawn at ${trim(data.quantum)} ms resolution` : '');

  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<title>${esc(title)}</title>`,
    `<rect width="${WIDTH}" height="${height}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
    `<text x="${WIDTH / 2}" y="40" text-anchor="middle" fill="#555555">${esc(subtitle)}</text>`,
  );

  // Occupancy panel: grid, capacity line, occupancy as a step area.
  out.push(`<g class="occupancy">`);
  for (const n of occupancyTicks(options.capacity)) {
    out.push(
      `<line x1="${LEFT}" x2="${LEFT + PLOT_W}" y1="${f(yOcc(n))}" y2="${f(yOcc(n))}" stroke="${COLORS.grid}"/>`,
      `<text x="${LEFT - 6}" y="${f(yOcc(n) + 4)}" text-anchor="end">${n}</text>`,
    );
  }
  const points = data.points;
  let path = `M${f(x(0))},${f(yOcc(0))}`;
  for (const [t, n] of points) path += `H${f(x(t))}V${f(yOcc(n))}`;
  path += `H${f(x(end))}`;
  out.push(
    `<path d="${path}V${f(yOcc(0))}Z" fill="${COLORS.occupancy}" fill-opacity="0.6"/>`,
    `<path d="${path}" fill="none" stroke="${COLORS.occupancyLine}" stroke-width="1.5"/>`,
    `<line x1="${LEFT}" x2="${LEFT + PLOT_W}" y1="${f(yOcc(options.capacity))}" y2="${f(yOcc(options.capacity))}" stroke="${COLORS.capacity}" stroke-width="1.5" stroke-dasharray="6 4"/>`,
    `<text x="${LEFT + PLOT_W - 4}" y="${f(yOcc(options.capacity) - 5)}" text-anchor="end" fill="${COLORS.capacity}">capacity ${options.capacity}</text>`,
    `<line x1="${LEFT}" x2="${LEFT}" y1="${OCC_TOP}" y2="${OCC_TOP + OCC_H}" stroke="${COLORS.axis}"/>`,
    `<text transform="translate(${LEFT - 40},${OCC_TOP + OCC_H / 2}) rotate(-90)" text-anchor="middle">items in buffer</text>`,
    `</g>`,
  );

  // Lanes: working underneath, then sleeping and waiting on top, then item ticks.
  const lanes = data.lanes;
  const ticks = data.ticks;
  out.push(`<g class="lanes">`);
  actors.forEach((actor, i) => {
    const top = lanesTop + i * (LANE_H + LANE_GAP);
    out.push(`<text x="${LEFT - 8}" y="${top + LANE_H / 2 + 4}" text-anchor="end">${esc(actor)}</text>`);
    out.push(
      `<rect x="${LEFT}" y="${top}" width="${PLOT_W}" height="${LANE_H}" fill="#fafafa" stroke="#eeeeee"/>`,
    );
    for (const seg of lanes.get(actor)!) out.push(segmentRect(seg, top, x));
    if (ticks.length <= MAX_TICKS) {
      for (const e of ticks) {
        if (e.actor !== actor) continue;
        out.push(
          `<line x1="${f(x(e.t))}" x2="${f(x(e.t))}" y1="${top}" y2="${top + LANE_H}" stroke="#1b1b1b" stroke-width="1"><title>${esc(tickTitle(e))}</title></line>`,
        );
      }
    }
  });
  out.push(`</g>`);

  // Time axis.
  out.push(
    `<g class="axis">`,
    `<line x1="${LEFT}" x2="${LEFT + PLOT_W}" y1="${axisY}" y2="${axisY}" stroke="${COLORS.axis}"/>`,
  );
  const step = niceStep(end / 8);
  const inSeconds = end >= 2000;
  for (let t = 0; t <= end + 1e-9; t += step) {
    const label = inSeconds ? `${trim(t / 1000)} s` : `${trim(t)} ms`;
    out.push(
      `<line x1="${f(x(t))}" x2="${f(x(t))}" y1="${OCC_TOP}" y2="${OCC_TOP + OCC_H}" stroke="${COLORS.grid}" stroke-dasharray="2 3"/>`,
      `<line x1="${f(x(t))}" x2="${f(x(t))}" y1="${axisY}" y2="${axisY + 5}" stroke="${COLORS.axis}"/>`,
      `<text x="${f(x(t))}" y="${axisY + 18}" text-anchor="middle">${label}</text>`,
    );
  }
  out.push(
    `<text x="${LEFT + PLOT_W / 2}" y="${axisY + 36}" text-anchor="middle" fill="#555555">time since start${options.timeScale === 1 ? '' : ' (scaled run, real time)'}</text>`,
    `</g>`,
  );

  // Legend.
  const legend: [string, string][] = [
    ['working', COLORS.working],
    ['sleeping', COLORS.sleeping],
    ['waiting on empty', COLORS.empty],
    ['waiting on full', COLORS.full],
    ['waiting on mutex', COLORS.mutex],
    ['item produced/consumed', '#1b1b1b'],
    ['items in buffer', COLORS.occupancy],
  ];
  out.push(`<g class="legend">`);
  let lx = 24;
  for (const [label, color] of legend) {
    const swatch =
      label.startsWith('item ') && label.includes('/')
        ? `<rect x="${lx + 5}" y="${legendY - 11}" width="2" height="14" fill="${color}"/>`
        : `<rect x="${lx}" y="${legendY - 10}" width="12" height="12" fill="${color}"/>`;
    out.push(swatch, `<text x="${lx + 17}" y="${legendY}">${esc(label)}</text>`);
    lx += 17 + label.length * 6.6 + 14;
  }
  out.push(`</g>`, `</svg>`, '');
  return out.join('\n');
}

function segmentRect(seg: Segment, top: number, x: (t: number) => number): string {
  const x1 = x(seg.from);
  const w = x(seg.to) - x1;
  if (w < 0.05) return '';
  const color = seg.state === 'waiting' ? COLORS[seg.on as SemaphoreName] : COLORS[seg.state];
  const what = seg.state === 'waiting' ? `waiting on ${seg.on}` : seg.state;
  return `<rect x="${f(x1)}" y="${top}" width="${f(Math.max(w, 0.5))}" height="${LANE_H}" fill="${color}"><title>${what} ${trim(seg.from)}–${trim(seg.to)} ms</title></rect>`;
}

function tickTitle(e: RunEvent): string {
  return `${e.event} item ${e.item} at ${trim(e.t)} ms (occupancy ${e.occupancy})`;
}

function occupancyTicks(capacity: number): number[] {
  const step = Math.max(1, niceStep(capacity / 5));
  const ticks: number[] = [];
  for (let n = 0; n <= capacity; n += step) ticks.push(n);
  return ticks;
}

/** 1, 2 or 5 times a power of ten, at least `raw`. */
export function niceStep(raw: number): number {
  if (!(raw > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(raw));
  for (const m of [1, 2, 5, 10]) if (m * power >= raw) return m * power;
  return 10 * power;
}

function f(n: number): string {
  return String(Math.round(n * 10) / 10);
}

function trim(n: number): string {
  return String(Math.round(n * 100) / 100);
}

function seconds(ms: number): string {
  return ms >= 1000 ? `${trim(ms / 1000)} s` : `${trim(ms)} ms`;
}

function range(r: { min: number; max: number }): string {
  return r.min === r.max ? String(r.min) : `${r.min}-${r.max}`;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function esc(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
