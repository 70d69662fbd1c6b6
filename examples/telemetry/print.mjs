// Printing helpers of the telemetry example: a span tree and a metrics list.
/** Prints finished spans as a tree (children under their parent, in start order). */
export function printTree(all) {
  const children = new Map();
  for (const s of all) {
    const parent = s.parentSpanContext?.spanId ?? null;
    children.set(parent, [...(children.get(parent) ?? []), s]);
  }
  const start = (x) => x.startTime[0] * 1e9 + x.startTime[1];
  const show = (s, depth) => {
    const {
      'tasks.task.attempt': attempt,
      'tasks.outcome': outcome,
      'tasks.lock.outcome': lock,
    } = s.attributes;
    const error = s.events.some((e) => e.name === 'exception') && 'exception recorded';
    const facts = [attempt !== undefined && `attempt ${attempt}`, outcome ?? lock, error].filter(Boolean);
    console.log(`${'  '.repeat(depth)}${s.name}${facts.length ? `  (${facts.join(', ')})` : ''}`);
    const kids = (children.get(s.spanContext().spanId) ?? []).sort((x, y) => start(x) - start(y));
    for (const c of kids) show(c, depth + 1);
  };
  console.log(`Trace ${all[0]?.spanContext().traceId} (${all.length} spans):`);
  for (const root of children.get(null) ?? []) show(root, 1);
}

/** Prints every data point: counters and gauges as values, histograms as count and sum. */
export function printMetrics(resourceMetrics) {
  console.log('\nMetrics:');
  for (const m of resourceMetrics.flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics)))
    for (const p of m.dataPoints) {
      const labels = Object.values(p.attributes).join(' ');
      const value =
        typeof p.value === 'number' ? p.value : `count ${p.value.count}, sum ${p.value.sum.toFixed(3)} s`;
      console.log(`  ${m.descriptor.name.padEnd(22)} ${labels.padEnd(28)} ${value}`);
    }
}
