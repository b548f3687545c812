import type { ConnectionSample, ListenerSample } from '@weft/telemetry';

/**
 * One end's report of one connection for one interval, as the ingest works
 * with it: exactly what the telemetry decoder yields (addresses normalized,
 * counters as deltas for the interval).
 */
export type ConnectionHalf = ConnectionSample;

/** A process listening on a port, as an agent reported it: names the server end of a plain host. */
export type ListenerReport = ListenerSample;
