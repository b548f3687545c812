/**
 * Failures of the server's side, logged with their cause: the first of each kind at once, then at
 * most one line a minute per kind saying how many more there were (each is counted in metrics).
 * Shared by the gRPC server and the REST API's error filter, so an outage under load does not
 * flood the log.
 */
export class FailureLog {
  private readonly kinds = new Map<string, { loggedAt: number; since: number }>();

  constructor(
    private readonly log: (line: string) => void,
    private readonly nowMs: () => number = Date.now,
  ) {}

  note(kind: string, error: unknown): void {
    const now = this.nowMs();
    const seen = this.kinds.get(kind);
    if (seen !== undefined && now - seen.loggedAt < 60_000) {
      seen.since++;
      return;
    }
    const more = seen !== undefined && seen.since > 0 ? ` (and ${seen.since} more in the last minute)` : '';
    this.kinds.set(kind, { loggedAt: now, since: 0 });
    this.log(`weft api: ${kind}${more}: ${describe(error)}`);
  }
}

/** An error with its chain of causes, for the log. */
function describe(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current));
    current = current instanceof Error ? current.cause : undefined;
  }
  return parts.join('\n  caused by: ');
}
