/** Messages between the map and its layout worker. */

export interface LayoutNode {
  id: string;
  /** Its namespace box, if drawn in one. */
  parent: string | null;
  /** Known position (kept as is), or null to place. */
  position: { x: number; y: number } | null;
}

export interface LayoutRequest {
  seq: number;
  nodes: LayoutNode[];
  edges: Array<{ source: string; target: string }>;
}

export interface LayoutResult {
  seq: number;
  positions: Record<string, { x: number; y: number }>;
  strategy: 'kept' | 'force' | 'clusters';
  ms: number;
}
