/** The health columns every edge table shows (list view, service page): rate, failure share, RTT p99. */
import type { EdgeStats } from '../model/apiTypes';
import { healthLevel, rateUnit } from '../model/edgeHealth';
import { formatMicros, formatRate, formatShare } from '../model/format';

export function EdgeHealthHeaders() {
  return (
    <>
      <th scope="col" className="num">Rate</th>
      <th scope="col" className="num">Failures</th>
      <th scope="col" className="num">RTT p99</th>
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
      <td className="num">{formatMicros(stats.rtt_p99_us)}</td>
    </>
  );
}
