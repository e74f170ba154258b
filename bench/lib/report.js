// Renders a benchmark report (the object `run.js --json` prints) as Markdown tables.

/** A rate as `4.10 M/s` or `658 k/s`; a latency as `6.8 µs (p99 13.5)`. */
export function format(group, value) {
  if (group.latency) return `${value.p50.toFixed(1)} µs (p99 ${value.p99.toFixed(1)})`;
  const r = value.rate;
  if (group.unit === 'bytes/s') return `${(r / 1e9).toFixed(2)} GB/s`;
  if (r >= 1e6) return `${(r / 1e6).toFixed(r >= 1e8 ? 0 : r >= 1e7 ? 1 : 2)} M/s`;
  return `${(r / 1e3).toFixed(r < 1e4 ? 2 : 0)} k/s`;
}

/** 2 significant digits below 10 (0.0042, 0.44, 1.2), whole numbers above. */
function ratioText(ratio) {
  if (ratio >= 10) return ratio.toFixed(0);
  if (ratio >= 0.1) return ratio.toFixed(2);
  return ratio.toPrecision(2);
}

/** The page written to bench/RESULTS.md. */
export function resultsPage(table) {
  return (
    '# Benchmark results\n\nWritten by `npm run bench -- --save`. Absolute rates drift between runs on shared ' +
    'machines; compare the ratios, which are taken within each round.\n\n' +
    `${table}\n`
  );
}

export function markdown(report) {
  const lines = [];
  lines.push(
    `conveyor benchmarks, ${report.mode} run: ${report.rounds} interleaved rounds, ${report.date.slice(0, 10)}, ` +
      `Node ${report.machine.node}, ${report.machine.cpus} × ${report.machine.cpu}, ${report.seconds} s`,
  );
  const failures = [];
  for (const group of report.groups) {
    lines.push('', `### ${group.title}`, '');
    const latency = group.unit.includes('µs');
    // Cases may report details (medians over rounds), e.g. Redis round trips per item: one more column.
    const detailed = !latency && group.cases.some((c) => c.details !== undefined);
    const more = detailed ? ' details (medians) |' : '';
    lines.push(
      latency
        ? `| case | p50 round trip | p99 | spread | time vs ${group.baseline} |`
        : `| case | ${group.unit} (median) | spread | vs ${group.baseline} |${more}`,
    );
    lines.push(latency ? '|---|---|---|---|---|' : `|---|---|---|---|${detailed ? '---|' : ''}`);
    for (const c of group.cases) {
      if (c.median === undefined) {
        const why = c.skipped ? `skipped: ${c.skipped}` : `error: ${c.error}`;
        lines.push(
          latency ? `| ${c.name} | ${why} | | | |` : `| ${c.name} | ${why} | | |${detailed ? ' |' : ''}`,
        );
        continue;
      }
      const spread = `${Math.round((100 * c.min) / c.median)}–${Math.round((100 * c.max) / c.median)}%`;
      if (c.error) failures.push(`${c.name}: ${c.error}`);
      const ratio = c.ratio === undefined ? '' : `${ratioText(c.ratio)}x`;
      if (latency)
        lines.push(
          `| ${c.name} | ${c.median.toFixed(1)} µs | ${c.p99.toFixed(1)} µs | ${spread} | ${ratio} |`,
        );
      else {
        const details = Object.entries(c.details ?? {})
          .map(([key, v]) => `${key} ${Number.isInteger(v) ? v : v.toFixed(2)}`)
          .join(', ');
        lines.push(
          `| ${c.name} | ${format(group, { rate: c.median })} | ${spread} | ${ratio} |${detailed ? ` ${details} |` : ''}`,
        );
      }
    }
  }
  if (failures.length > 0)
    lines.push('', 'Rounds that failed (left out of the medians):', ...failures.map((f) => `- ${f}`));
  lines.push(
    '',
    'spread: lowest and highest round as a percentage of the median. Ratios are medians of per-round ratios to the',
    "group's baseline measured in the same round (for latency, lower is better).",
  );
  return lines.join('\n');
}
