/** One entry of the kernel's HTTP/1 aggregates (bpf/weft.h struct weft_l7_agg_key and weft_l7_agg), decoded. */
export interface L7Aggregate {
  /** The socket, as SocketRecord.id. */
  socketId: string;
  /** Upper-case method. */
  method: string;
  /** Names the path: its text came earlier in a WEFT_L7_PATH record. */
  pathHash: bigint;
  /** HTTP status; 0: the connection closed before the response. */
  status: number;
  /** Requests completed since the last read. */
  count: number;
  /** The durations' histogram: non-empty buckets (bpf/weft.h WEFT_L7_AGG_*) and how many fell in each. */
  buckets: HistogramBucket[];
}

export interface HistogramBucket {
  index: number;
  count: number;
}
