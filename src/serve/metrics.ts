/** Prometheus text exposition (format 0.0.4) for a handful of counters and gauges. */
export class Metrics {
  private readonly values = new Map<string, { help: string; type: 'counter' | 'gauge'; series: Map<string, number> }>();

  define(name: string, type: 'counter' | 'gauge', help: string): void {
    if (!this.values.has(name)) this.values.set(name, { help, type, series: new Map() });
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
