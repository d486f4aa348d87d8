/**
 * A Chart.js chart of one series of counts. Only the parts used are registered, so the
 * bundle carries no unused chart type. The canvas has a text alternative: the same
 * figures as a list for screen readers.
 */
import {
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  DoughnutController,
  Legend,
  LinearScale,
  Tooltip,
} from 'chart.js';
import { useEffect, useRef } from 'preact/hooks';

Chart.register(
  ArcElement,
  BarController,
  BarElement,
  CategoryScale,
  DoughnutController,
  Legend,
  LinearScale,
  Tooltip,
);

const PALETTE = ['#2f6fde', '#2e9e5b', '#d98c1f', '#c6423a', '#7b54c4', '#1f9bb0', '#8a8a8a'];

export function CountChart(props: {
  title: string;
  counts: Record<string, number>;
  kind?: 'bar' | 'doughnut';
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  // A zero is no slice or bar: leaving it out keeps the legend to what is there.
  const labels = Object.keys(props.counts).filter((l) => (props.counts[l] ?? 0) !== 0);
  const values = labels.map((l) => props.counts[l] ?? 0);
  const key = JSON.stringify(props.counts);
  useEffect(() => {
    if (!ref.current) return;
    const kind = props.kind ?? 'bar';
    const chart = new Chart(ref.current, {
      type: kind,
      data: {
        labels,
        datasets: [
          {
            label: props.title,
            data: values,
            backgroundColor: labels.map((_, i) => PALETTE[i % PALETTE.length] as string),
          },
        ],
      },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        plugins: { legend: { display: kind === 'doughnut', position: 'right' } },
      },
    });
    return () => chart.destroy();
  }, [key, props.kind]);
  const total = values.reduce((a, b) => a + b, 0);
  return (
    <figure class="chart">
      <figcaption>
        {props.title} <span class="muted">({total})</span>
      </figcaption>
      {labels.length === 0 ? (
        <p class="muted">none</p>
      ) : (
        <div class="chart-box">
          <canvas ref={ref} role="img" aria-label={`${props.title}: ${describe(props.counts)}`} />
        </div>
      )}
    </figure>
  );
}

const describe = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
