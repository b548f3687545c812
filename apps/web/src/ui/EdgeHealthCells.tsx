/** The health columns every edge table shows (list view, service page): rate, failure share, p99 (the requests', else the RTT's). */
import type { EdgeStats } from '../model/apiTypes';
import { healthLevel, rateUnit } from '../model/edgeHealth';
import { formatMicros, formatMillis, formatRate, formatShare } from '../model/format';

export function EdgeHealthHeaders() {
  return (
    <>
      <th scope="col" className="num">Rate</th>
      <th scope="col" className="num">Failures</th>
      <th scope="col" className="num" title="Request p99; RTT p99 (marked RTT) where no request was seen">
        p99
      </th>
    </>
  );
}

export function EdgeHealthCells({ stats, rate, share }: { stats: EdgeStats; rate: number; share: number | null }) {
  return (
    <>
      <td className="num">
        {formatRate(rate)} {rateUnit(stats)}
      </td>
      <td className={`num level-${healthLevel(share)}`}>{formatShare(share)}</td>
      <td className="num">{stats.requests > 0 ? formatMillis(stats.request_latency_p99_ms) : <span className="muted">{formatMicros(stats.rtt_p99_us)} RTT</span>}</td>
    </>
  );
}
