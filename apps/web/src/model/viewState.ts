/**
 * The whole view as URL search parameters, so that a link (from an alert, or a colleague)
 * reopens exactly that view: the time range, live mode, replay position, selection and its
 * neighbourhood, filters, the comparison baseline, the open edge and the node budget. Only what
 * differs from the defaults is written, in a fixed order, so equal views have equal URLs.
 */

export const RANGE_PRESETS = ['5m', '15m', '1h', '6h', '24h', '7d'] as const;
export type RangePreset = (typeof RANGE_PRESETS)[number];
export const DIRECTIONS = ['both', 'out', 'in'] as const;
export type Direction = (typeof DIRECTIONS)[number];
/** Baselines: the window just before, the same window a day (or a week) ago, or a custom one. */
export const BASELINES = ['previous', '1d', '7d', 'custom'] as const;
export type Baseline = (typeof BASELINES)[number];

export const DEFAULT_BUDGET = 300;
export const MAX_DEPTH = 5;

export interface EdgeRef {
  source: string;
  target: string;
  port: number;
}

export interface ViewState {
  /** A preset relative to now, or null for the custom [from, to). */
  range: RangePreset | null;
  /** Custom range, unix seconds (when range is null). */
  from: number | null;
  to: number | null;
  /** Refresh every few seconds (relative ranges only). */
  live: boolean;
  /** Replay: the map as of this unix second (a short window ending there), or null for the whole range. */
  at: number | null;
  selected: string | null;
  depth: number;
  direction: Direction;
  namespace: string | null;
  errorsOnly: boolean;
  minRate: number;
  compare: Baseline | null;
  baselineFrom: number | null;
  baselineTo: number | null;
  edge: EdgeRef | null;
  showAll: boolean;
  budget: number;
  /** The accessible list beside the drawing. */
  list: boolean;
}

export const DEFAULT_VIEW: ViewState = {
  range: '15m',
  from: null,
  to: null,
  live: true,
  at: null,
  selected: null,
  depth: 1,
  direction: 'both',
  namespace: null,
  errorsOnly: false,
  minRate: 0,
  compare: null,
  baselineFrom: null,
  baselineTo: null,
  edge: null,
  showAll: false,
  budget: DEFAULT_BUDGET,
  list: false,
};

const RANGE_SECONDS: Record<RangePreset, number> = { '5m': 300, '15m': 900, '1h': 3600, '6h': 21_600, '24h': 86_400, '7d': 604_800 };

function integer(value: string | null, min: number, max: number): number | null {
  if (value === null || !/^\d+$/.test(value)) return null;
  const n = Number(value);
  return n >= min && n <= max ? n : null;
}

function oneOf<T extends string>(value: string | null, allowed: readonly T[]): T | null {
  return value !== null && (allowed as readonly string[]).includes(value) ? (value as T) : null;
}

/** The view a URL's search parameters describe; what is missing or malformed takes its default. */
export function parseViewState(params: URLSearchParams): ViewState {
  const from = integer(params.get('from'), 0, 0xffffffff);
  const to = integer(params.get('to'), 0, 0xffffffff);
  const custom = from !== null && to !== null && from < to;
  const range = custom ? null : (oneOf(params.get('range'), RANGE_PRESETS) ?? DEFAULT_VIEW.range);
  const compare = oneOf(params.get('compare'), BASELINES);
  const baselineFrom = integer(params.get('baseline_from'), 0, 0xffffffff);
  const baselineTo = integer(params.get('baseline_to'), 0, 0xffffffff);
  const customBaseline = baselineFrom !== null && baselineTo !== null && baselineFrom < baselineTo;
  const edgeSource = params.get('edge_source');
  const edgeTarget = params.get('edge_target');
  const edgePort = integer(params.get('edge_port'), 0, 65535);
  const minRate = Number(params.get('min_rate') ?? '0');
  return {
    range,
    from: custom ? from : null,
    to: custom ? to : null,
    live: !custom && params.get('live') !== '0',
    at: integer(params.get('at'), 0, 0xffffffff),
    selected: params.get('service') || null,
    depth: integer(params.get('depth'), 1, MAX_DEPTH) ?? DEFAULT_VIEW.depth,
    direction: oneOf(params.get('direction'), DIRECTIONS) ?? DEFAULT_VIEW.direction,
    namespace: params.get('namespace') || null,
    errorsOnly: params.get('errors') === '1',
    minRate: Number.isFinite(minRate) && minRate > 0 ? minRate : 0,
    compare: compare === 'custom' && !customBaseline ? null : compare,
    baselineFrom: compare === 'custom' && customBaseline ? baselineFrom : null,
    baselineTo: compare === 'custom' && customBaseline ? baselineTo : null,
    edge: edgeSource && edgeTarget && edgePort !== null ? { source: edgeSource, target: edgeTarget, port: edgePort } : null,
    showAll: params.get('all') === '1',
    budget: integer(params.get('budget'), 10, 100_000) ?? DEFAULT_BUDGET,
    list: params.get('list') === '1',
  };
}

/** The search string (without '?') of a view: only what differs from the defaults, in a fixed order. */
export function formatViewState(view: ViewState): string {
  const params = new URLSearchParams();
  if (view.range === null && view.from !== null && view.to !== null) {
    params.set('from', String(view.from));
    params.set('to', String(view.to));
  } else if (view.range !== null && view.range !== DEFAULT_VIEW.range) {
    params.set('range', view.range);
  }
  if (view.range !== null && !view.live) params.set('live', '0');
  if (view.at !== null) params.set('at', String(view.at));
  if (view.selected !== null) params.set('service', view.selected);
  if (view.depth !== DEFAULT_VIEW.depth) params.set('depth', String(view.depth));
  if (view.direction !== DEFAULT_VIEW.direction) params.set('direction', view.direction);
  if (view.namespace !== null) params.set('namespace', view.namespace);
  if (view.errorsOnly) params.set('errors', '1');
  if (view.minRate > 0) params.set('min_rate', String(view.minRate));
  if (view.compare !== null) {
    params.set('compare', view.compare);
    if (view.compare === 'custom' && view.baselineFrom !== null && view.baselineTo !== null) {
      params.set('baseline_from', String(view.baselineFrom));
      params.set('baseline_to', String(view.baselineTo));
    }
  }
  if (view.edge !== null) {
    params.set('edge_source', view.edge.source);
    params.set('edge_target', view.edge.target);
    params.set('edge_port', String(view.edge.port));
  }
  if (view.showAll) params.set('all', '1');
  if (view.budget !== DEFAULT_BUDGET) params.set('budget', String(view.budget));
  if (view.list) params.set('list', '1');
  return params.toString();
}

export interface UnixWindow {
  from: number;
  to: number;
}

/** The window a view reads, in unix seconds, at `nowSeconds`. */
export function windowOf(view: ViewState, nowSeconds: number): UnixWindow {
  if (view.range === null && view.from !== null && view.to !== null) return { from: view.from, to: view.to };
  const seconds = RANGE_SECONDS[view.range ?? '15m'];
  return { from: nowSeconds - seconds, to: nowSeconds };
}

/**
 * The part of the window the map shows while replaying: a slice ending at `at`, a thirtieth of
 * the window (at least a minute), inside the window.
 */
export function replayWindow(window: UnixWindow, at: number): UnixWindow {
  const slice = Math.max(60, Math.floor((window.to - window.from) / 30));
  const to = Math.min(window.to, Math.max(window.from + slice, at));
  return { from: Math.max(window.from, to - slice), to };
}

/** The baseline a comparison reads, or null without one. */
export function baselineOf(view: ViewState, window: UnixWindow): UnixWindow | null {
  const span = window.to - window.from;
  switch (view.compare) {
    case null:
      return null;
    case 'previous':
      return { from: window.from - span, to: window.from };
    case '1d':
      return { from: window.from - 86_400, to: window.to - 86_400 };
    case '7d':
      return { from: window.from - 604_800, to: window.to - 604_800 };
    case 'custom':
      return view.baselineFrom !== null && view.baselineTo !== null ? { from: view.baselineFrom, to: view.baselineTo } : null;
  }
}
