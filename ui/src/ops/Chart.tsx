const COLORS = ['#2b59c3', '#c0392b', '#1e7b34', '#8a5a00', '#7b3fa0', '#0f7c8c', '#555'];

export interface Series {
  name: string;
  points: [number, number][];
}

/** A small inline SVG line chart over a time axis (no library). */
export function LineChart(props: { title: string; unit: string; series: Series[]; width?: number; height?: number }) {
  const w = props.width ?? 520;
  const h = props.height ?? 160;
  const pad = { l: 40, r: 8, t: 8, b: 20 };
  const all = props.series.flatMap((s) => s.points);
  const summary = props.series.map((s) => `${s.name}: ${s.points.at(-1)?.[1] ?? 0} ${props.unit}`).join(', ');
  if (all.length < 2) {
    return (
      <figure className="ops-chart">
        <figcaption>{props.title}</figcaption>
        <p className="muted small">Collecting samples (one every 10 s)…</p>
      </figure>
    );
  }
  const t0 = Math.min(...all.map((p) => p[0]));
  const t1 = Math.max(...all.map((p) => p[0]));
  const vmax = Math.max(1, ...all.map((p) => p[1]));
  const x = (t: number) => pad.l + ((t - t0) / Math.max(1, t1 - t0)) * (w - pad.l - pad.r);
  const y = (v: number) => pad.t + (1 - v / vmax) * (h - pad.t - pad.b);
  const minutes = Math.round((t1 - t0) / 60_000);
  return (
    <figure className="ops-chart">
      <figcaption>{props.title}</figcaption>
      <svg viewBox={`0 0 ${w} ${h}`} width="100%" role="img" aria-label={`${props.title}. Latest: ${summary}`}>
        <line x1={pad.l} y1={y(0)} x2={w - pad.r} y2={y(0)} stroke="currentColor" strokeOpacity="0.3" />
        <line x1={pad.l} y1={y(vmax)} x2={w - pad.r} y2={y(vmax)} stroke="currentColor" strokeOpacity="0.15" />
        <text x={pad.l - 4} y={y(vmax) + 4} textAnchor="end" fontSize="10" fill="currentColor">
          {Number.isInteger(vmax) ? vmax : vmax.toFixed(2)}
        </text>
        <text x={pad.l - 4} y={y(0) + 4} textAnchor="end" fontSize="10" fill="currentColor">
          0
        </text>
        <text x={pad.l} y={h - 4} fontSize="10" fill="currentColor">
          {minutes > 0 ? `−${minutes} min` : `−${Math.round((t1 - t0) / 1000)} s`}
        </text>
        <text x={w - pad.r} y={h - 4} textAnchor="end" fontSize="10" fill="currentColor">
          now
        </text>
        {props.series.map((s, i) => (
          <polyline
            key={s.name}
            fill="none"
            stroke={COLORS[i % COLORS.length]}
            strokeWidth="2"
            points={s.points.map(([t, v]) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`).join(' ')}
          />
        ))}
      </svg>
      <ul className="ops-legend">
        {props.series.map((s, i) => (
          <li key={s.name}>
            <span className="swatch" style={{ background: COLORS[i % COLORS.length] }} aria-hidden="true" /> {s.name}
          </li>
        ))}
      </ul>
    </figure>
  );
}
