/**
 * Route templates: a request path with its ids collapsed, so that
 * `/users/1007/orders` and `/users/1014/orders` are one route, and the
 * number of routes an agent reports stays bounded whatever the clients send.
 */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const NUMBER = /^\d+$/;
const HEX = /^[0-9a-f]{16,}$/i;
const HAS_DIGIT = /\d/;
/** Long tokens that mix letters and digits (base64 ids, slugs with hashes). */
const TOKEN = /^[A-Za-z0-9_-]{20,}$/;
/** Segments beyond this many are not templated one by one: the rest becomes one placeholder. */
const MAX_SEGMENTS = 12;
const MAX_SEGMENT_LENGTH = 64;

/** One path segment (or DNS label), collapsed when it looks like an id. */
export function templateSegment(segment: string): string {
  if (segment === '') return segment;
  if (NUMBER.test(segment)) return '{n}';
  if (UUID.test(segment)) return '{uuid}';
  if (HEX.test(segment) && HAS_DIGIT.test(segment)) return '{hex}';
  if (TOKEN.test(segment) && HAS_DIGIT.test(segment)) return '{id}';
  if (segment.length > MAX_SEGMENT_LENGTH) return '{long}';
  return segment;
}

/**
 * The template of a request target: the query and fragment dropped, an
 * absolute-form target (`http://host/path`, as proxies get) reduced to its
 * path, every id-like segment replaced by a placeholder.
 */
export function templateRoute(target: string): string {
  if (target === '*') return '*';
  let path = target;
  const scheme = path.indexOf('://');
  if (scheme > 0 && scheme < 8) {
    const slash = path.indexOf('/', scheme + 3);
    path = slash < 0 ? '/' : path.slice(slash);
  }
  const end = path.search(/[?#]/);
  if (end >= 0) path = path.slice(0, end);
  if (!path.startsWith('/')) return '{other}';
  const segments = path.split('/');
  const templated = segments.slice(0, MAX_SEGMENTS + 1).map(templateSegment);
  if (segments.length > MAX_SEGMENTS + 1) templated.push('{rest}');
  return templated.join('/');
}

const MAX_TEMPLATED_TARGETS = 4096;

/** Where a route outside the bound is reported. */
export const OTHER_ROUTE = '{other}';

/**
 * The routes an agent reports, at most `maxRoutes` distinct templates: once
 * full, a new template is reported as `{other}` (and counted), so a client
 * that walks ids the templating misses cannot grow the agent's memory or
 * the store's cardinality. Templates already admitted stay admitted.
 */
export class RouteTable {
  private readonly routes = new Set<string>();
  /** Request targets already templated (clients repeat them): bounded, cleared when full. */
  private readonly templated = new Map<string, string>();
  private overflowCount = 0;

  constructor(readonly maxRoutes: number) {
    if (!Number.isInteger(maxRoutes) || maxRoutes < 1) throw new Error(`maxRoutes must be a positive integer, got ${maxRoutes}`);
  }

  /** The route to report for a request target. */
  routeOf(target: string): string {
    let route = this.templated.get(target);
    if (route === undefined) {
      route = templateRoute(target);
      if (this.templated.size >= MAX_TEMPLATED_TARGETS) this.templated.clear();
      this.templated.set(target, route);
    }
    return this.admit(route);
  }

  /** The route to report for a template made elsewhere (a DNS name's): itself, or `{other}` once the table is full. */
  admit(route: string): string {
    if (this.routes.has(route)) return route;
    if (this.routes.size >= this.maxRoutes) {
      this.overflowCount += 1;
      return OTHER_ROUTE;
    }
    this.routes.add(route);
    return route;
  }

  get size(): number {
    return this.routes.size;
  }

  /** Requests reported as `{other}` because the table was full. */
  get overflows(): number {
    return this.overflowCount;
  }
}
