// The occupancy chart: items in the buffer over time, as a step line that grows as events come.
import { el, formatMs } from './common.js';

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 1000;
const HEIGHT = 300;

export class OccupancyChart {
  constructor(host) {
    this.svg = document.createElementNS(SVG, 'svg');
    this.svg.setAttribute('viewBox', `0 0 ${WIDTH} ${HEIGHT}`);
    this.svg.setAttribute('preserveAspectRatio', 'none');
    this.svg.setAttribute('role', 'img');
    this.cap = document.createElementNS(SVG, 'line');
    this.cap.setAttribute('class', 'cap');
    this.area = document.createElementNS(SVG, 'path');
    this.area.setAttribute('class', 'area');
    this.svg.append(this.area, this.cap);
    this.yTop = el('span');
    this.xEnd = el('span');
    host.append(
      el('div', { class: 'axis' }, this.yTop, el('span', {}, 'dashed line: capacity')),
      this.svg,
      el('div', { class: 'axis' }, el('span', {}, '0'), this.xEnd),
    );
    this.reset(1);
  }

  reset(capacity) {
    this.capacity = capacity;
    this.setPoints([[0, 0]]);
    this.draw(0);
  }

  /** All points, as [t, items held] pairs (the server thins them for long runs). */
  setPoints(points) {
    this.points = points.map(([t, n]) => ({ t, n }));
    this.end = Math.max(0, ...points.map(([t]) => t));
  }

  addPoints(points) {
    for (const [t, n] of points) {
      this.points.push({ t, n });
      if (t > this.end) this.end = t;
    }
  }

  /** Redraws; `now` is the items held now (the last point's level until the next event). */
  draw(now) {
    const span = Math.max(this.end, 1);
    let peak = 0;
    for (const p of this.points) if (p.n > peak) peak = p.n;
    const top = Math.max(peak, this.capacity, 1);
    const x = (t) => ((t / span) * WIDTH).toFixed(1);
    const y = (n) => (HEIGHT - (n / top) * (HEIGHT - 4)).toFixed(1);
    let d = `M0 ${HEIGHT}`;
    let last = 0;
    for (const p of this.points) {
      d += ` L${x(p.t)} ${y(last)} L${x(p.t)} ${y(p.n)}`;
      last = p.n;
    }
    d += ` L${WIDTH} ${y(last)} L${WIDTH} ${HEIGHT} Z`;
    this.area.setAttribute('d', d);
    const capY = y(this.capacity);
    for (const [k, v] of Object.entries({ x1: 0, x2: WIDTH, y1: capY, y2: capY }))
      this.cap.setAttribute(k, v);
    this.xEnd.textContent = formatMs(this.end);
    this.svg.setAttribute(
      'aria-label',
      `Occupancy over ${formatMs(this.end)}: now ${now ?? last} of ${this.capacity}, at most ${peak}`,
    );
  }
}
