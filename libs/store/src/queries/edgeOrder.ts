/**
 * Edges in the order every answer lists them: by source, target, port. Sorted here rather than
 * by the statement: an ORDER BY over the aggregated edges cost bench/query's 20,000-edge map
 * about 150 ms of its ~450 (the sort moves whole result rows), a sort of the parsed records a few.
 */
export function compareEdges(a: { source: string; target: string; port: number }, b: { source: string; target: string; port: number }): number {
  if (a.source !== b.source) return a.source < b.source ? -1 : 1;
  if (a.target !== b.target) return a.target < b.target ? -1 : 1;
  return a.port - b.port;
}
