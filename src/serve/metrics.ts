/** Prometheus text exposition (format 0.0.4) for a handful of counters, gauges and histograms. */
export class Metrics {
  private readonly values = new Map<string, { help: string; type: 'counter' | 'gauge'; series: Map<string, number> }>();
  private readonly histograms = new Map<string, { help: string; buckets: readonly number[]; counts: number[]; sum: number; count: number }>();

  define(name: string, type: 'counter' | 'gauge', help: string): void {
    if (!this.values.has(name)) this.values.set(name, { help, type, series: new Map() });
  }

  /** A histogram without labels: `buckets` are the upper bounds (`le`), ascending. */
  defineHistogram(name: string, help: string, buckets: readonly number[]): void {
    if (!this.histograms.has(name)) this.histograms.set(name, { help, buckets, counts: buckets.map(() => 0), sum: 0, count: 0 });
  }

  observe(name: string, value: number): void {
    const histogram = this.histograms.get(name);
    if (!histogram) throw new Error(`histogram ${name} is not defined`);
    histogram.buckets.forEach((bound, index) => {
      if (value <= bound) histogram.counts[index]++;
    });
    histogram.sum += value;
    histogram.count++;
  }

  add(name: string, amount = 1, labels: Record<string, string> = {}): void {
    const metric = this.metric(name);
    const key = labelText(labels);
    metric.series.set(key, (metric.series.get(key) ?? 0) + amount);
  }

  set(name: string, value: number, labels: Record<string, string> = {}): void {
    this.metric(name).series.set(labelText(labels), value);
  }

  get(name: string, labels: Record<string, string> = {}): number {
    return this.metric(name).series.get(labelText(labels)) ?? 0;
  }

  render(): string {
    const lines: string[] = [];
    for (const [name, metric] of this.values) {
      lines.push(`# HELP ${name} ${metric.help}`, `# TYPE ${name} ${metric.type}`);
      if (metric.series.size === 0 && metric.type === 'counter') lines.push(`${name} 0`);
      for (const [labels, value] of metric.series) lines.push(`${name}${labels} ${value}`);
    }
    for (const [name, histogram] of this.histograms) {
      lines.push(`# HELP ${name} ${histogram.help}`, `# TYPE ${name} histogram`);
      histogram.buckets.forEach((bound, index) => lines.push(`${name}_bucket{le="${bound}"} ${histogram.counts[index]}`));
      lines.push(`${name}_bucket{le="+Inf"} ${histogram.count}`, `${name}_sum ${histogram.sum}`, `${name}_count ${histogram.count}`);
    }
    return lines.join('\n') + '\n';
  }

  private metric(name: string) {
    const metric = this.values.get(name);
    if (!metric) throw new Error(`metric ${name} is not defined`);
    return metric;
  }
}

function labelText(labels: Record<string, string>): string {
  const entries = Object.entries(labels);
  if (entries.length === 0) return '';
  return `{${entries.map(([key, value]) => `${key}="${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`;
}
