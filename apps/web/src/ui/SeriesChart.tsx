'use client';
/** One uPlot chart over a series' points: a few lines sharing the time axis, coloured from the theme. */
import { useEffect, useRef } from 'react';
import type uPlot from 'uplot';

export interface ChartLine {
  label: string;
  values: Array<number | null>;
  /** A CSS variable name (e.g. --ok) or a colour. */
  colour: string;
}

/** The last step at which some line has a value: what the legend shows while the cursor is off the chart. */
function lastValueIndex(lines: ChartLine[]): number | undefined {
  for (let i = Math.max(0, ...lines.map((l) => l.values.length)) - 1; i >= 0; i--) {
    if (lines.some((l) => l.values[i] !== null && l.values[i] !== undefined)) return i;
  }
  return undefined;
}

function colourOf(value: string): string {
  return value.startsWith('--') ? getComputedStyle(document.documentElement).getPropertyValue(value).trim() : value;
}

export function SeriesChart({ title, times, lines, unit, theme }: { title: string; times: number[]; lines: ChartLine[]; unit: string; theme: string }) {
  const host = useRef<HTMLDivElement>(null);
  useEffect(() => {
    let chart: uPlot | null = null;
    let cancelled = false;
    void import('uplot').then(({ default: UPlot }) => {
      if (cancelled || !host.current) return;
      const muted = colourOf('--muted');
      const grid = colourOf('--border');
      const axis = { stroke: muted, grid: { stroke: grid, width: 1 }, ticks: { stroke: grid } };
      // uPlot's legend shows the values under the cursor, and "--" without one: show the latest
      // step's instead, so the legend says something before anyone hovers.
      const latest = lastValueIndex(lines);
      const showLatest = (u: uPlot): void => {
        if (latest !== undefined && u.cursor.idx == null) u.setLegend({ idx: latest }, false);
      };
      chart = new UPlot(
        {
          width: host.current.clientWidth || 380,
          height: 150,
          legend: { show: true },
          scales: { x: { time: true } },
          axes: [axis, { ...axis, label: unit, size: 56 }],
          series: [{}, ...lines.map((l) => ({ label: l.label, stroke: colourOf(l.colour), width: 1.5, spanGaps: false }))],
          hooks: { ready: [showLatest], setCursor: [showLatest] },
        },
        [times, ...lines.map((l) => l.values)] as uPlot.AlignedData,
        host.current,
      );
    });
    return () => {
      cancelled = true;
      chart?.destroy();
    };
  }, [times, lines, unit, theme]);
  return (
    <div className="chart">
      <h3>{title}</h3>
      <div ref={host} data-testid={`chart-${title}`} data-points={times.length} />
    </div>
  );
}
