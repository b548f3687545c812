import { templateSegment } from '../http1/routeTemplate.js';

/** Labels of a name templated one by one; the rest (towards the root) is kept only as `{rest}`. */
const MAX_LABELS = 10;
const REVERSE_ZONES = ['.in-addr.arpa', '.ip6.arpa'];

/**
 * A query name as a route: lower case without the trailing dot, every label
 * that looks like an id collapsed as a path segment is (`{n}`, `{uuid}`,
 * `{hex}`, `{id}`, `{long}`), a reverse lookup's address as `{ip}`, and a
 * name of more than MAX_LABELS labels cut to its last MAX_LABELS (the zone
 * is what groups names). The route table's bound applies on top
 * (RouteTable.admit).
 */
export function dnsRouteOf(name: string): string {
  let n = name.toLowerCase();
  if (n.endsWith('.')) n = n.slice(0, -1);
  if (n === '') return '.';
  for (const zone of REVERSE_ZONES) if (n.endsWith(zone)) return `{ip}${zone}`;
  const labels = n.split('.');
  const kept = labels.length > MAX_LABELS ? labels.slice(labels.length - MAX_LABELS) : labels;
  const templated = kept.map(templateSegment);
  if (labels.length > MAX_LABELS) templated.unshift('{rest}');
  return templated.join('.');
}

const METHODS = new Set(['A', 'AAAA', 'CNAME', 'MX', 'NS', 'PTR', 'SOA', 'SRV', 'TXT', 'HTTPS', 'SVCB', 'CAA', 'ANY', 'DS', 'DNSKEY', 'NAPTR']);

/** The query type as a request's method: its name for the common types, `OTHER` for the rest (bounded). */
export function dnsMethodOf(type: string | undefined): string {
  if (type === undefined) return 'UNKNOWN';
  return METHODS.has(type) ? type : 'OTHER';
}
