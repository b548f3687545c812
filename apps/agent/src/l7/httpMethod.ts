const KNOWN_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'POST', 'PUT', 'DELETE', 'CONNECT', 'OPTIONS', 'TRACE', 'PATCH']);

/** A request's method as reported: one of the standard ones, else `OTHER`, so that methods cannot grow the report's cardinality. */
export function reportedMethod(method: string): string {
  return KNOWN_METHODS.has(method) ? method : 'OTHER';
}

/** The route of a CONNECT request (its target is an authority, not a path). */
export const CONNECT_ROUTE = '{connect}';
