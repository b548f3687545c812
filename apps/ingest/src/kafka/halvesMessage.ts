import type { ConnectionHalf, ListenerReport } from '../halves/connectionHalf.js';

/** One node's halves of one interval that belong to one partition (plus the node's listeners). */
export interface HalvesMessage {
  nodeId: string;
  /** The agent run (its start) and its batch number: (node, run, sequence) is unique. */
  agentRun: string;
  sequence: bigint;
  second: number;
  halves: ConnectionHalf[];
  listeners: ListenerReport[];
}

/** Bytes on the halves topic; decode throws on anything malformed. */
export interface HalvesCodec {
  encode(message: HalvesMessage): Uint8Array;
  decode(value: Uint8Array): HalvesMessage;
}
