// uPlot time-series chart (lazy-loaded: uPlot stays out of the initial bundle).
// Values are for drawing only: the amounts are converted to numbers exact to
// the cent at the edge (toChartNumber); no arithmetic happens on them.
import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

export const PALETTE = ['#0369a1', '#b45309', '#047857', '#7c3aed', '#be123c', '#0f766e', '#a16207', '#4338ca', '#9d174d', '#15803d'];

export interface ChartSeries {
  label: string;
  values: (number | null)[];
}

export default function Chart({ x, series, stacked = false, height = 240, label, money = true }: { x: number[]; series: ChartSeries[]; stacked?: boolean; height?: number; label: string; money?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    let data: (number | null)[][] = series.map((s) => s.values);
    if (stacked) {
      const acc = x.map(() => 0);
      data = series.map((s) => s.values.map((v, i) => (acc[i] = Math.round((acc[i] + (v ?? 0)) * 100) / 100)));
    }
    const dark = document.documentElement.classList.contains('dark');
    const axis = { stroke: dark ? '#cbd5e1' : '#334155', grid: { stroke: dark ? '#334155' : '#e2e8f0' }, ticks: { stroke: dark ? '#475569' : '#cbd5e1' } };
    const order = stacked ? series.map((_, i) => series.length - 1 - i) : series.map((_, i) => i);
    const opts: uPlot.Options = {
      width: Math.max(280, el.clientWidth),
      height,
      series: [
        {},
        ...order.map((i) => ({
          label: series[i].label,
          stroke: PALETTE[i % PALETTE.length],
          fill: stacked ? PALETTE[i % PALETTE.length] + 'cc' : undefined,
          width: 2,
          value: (_u: uPlot, v: number | null) => (v == null ? '—' : money ? v.toFixed(2) : String(v)),
        })),
      ],
      axes: [axis, { ...axis, size: 60 }],
      scales: { x: { time: true } },
      legend: { show: true },
    };
    const plot = new uPlot(opts, [x, ...order.map((i) => data[i])] as uPlot.AlignedData, el);
    const ro = new ResizeObserver(() => plot.setSize({ width: Math.max(280, el.clientWidth), height }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      plot.destroy();
    };
  }, [x, series, stacked, height, money]);
  return <div ref={ref} role="img" aria-label={label} className="w-full overflow-hidden" />;
}
