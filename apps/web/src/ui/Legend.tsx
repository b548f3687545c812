/** Always on screen: what colours, widths and dashes mean. */
import { BAD_SHARE, WARN_SHARE } from '../model/edgeHealth';

export function Legend({ comparing }: { comparing: boolean }) {
  const pct = (x: number): string => `${x * 100}%`;
  return (
    <aside className="overlay legend" aria-label="Legend">
      <strong>Failure share</strong>
      <ul>
        <li>
          <span className="swatch" style={{ background: 'var(--ok)' }} /> under {pct(WARN_SHARE)}
        </li>
        <li>
          <span className="swatch" style={{ background: 'var(--warn)' }} /> {pct(WARN_SHARE)} – {pct(BAD_SHARE)}
        </li>
        <li>
          <span className="swatch" style={{ background: 'var(--bad)' }} /> {pct(BAD_SHARE)} and more
        </li>
        <li>
          <span className="swatch" style={{ background: 'var(--idle)' }} /> no attempts
        </li>
        <li className="muted">width: connections (or requests) per second</li>
        <li className="muted">label: requests/s · failure share · request p99</li>
        {comparing ? (
          <>
            <li>
              <span className="swatch" style={{ background: 'repeating-linear-gradient(90deg, var(--appeared) 0 6px, transparent 6px 9px)' }} /> new edge
            </li>
            <li>
              <span className="swatch" style={{ background: 'repeating-linear-gradient(90deg, var(--vanished) 0 2px, transparent 2px 5px)' }} /> vanished edge
            </li>
            <li>
              <span className="swatch" style={{ background: 'repeating-linear-gradient(90deg, var(--bad) 0 10px, transparent 10px 14px)' }} /> worse edge
            </li>
          </>
        ) : null}
      </ul>
    </aside>
  );
}
