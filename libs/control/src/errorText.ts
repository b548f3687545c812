/**
 * An error's message for a one-line report. Node's connect errors to a name with several
 * addresses are AggregateErrors with an empty message of their own: their parts say it.
 */
export function errorText(error: unknown): string {
  if (error instanceof AggregateError && !error.message) {
    const parts = error.errors.map(errorText).filter((part) => part);
    if (parts.length > 0) return [...new Set(parts)].join('; ');
  }
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    const text = error.message || error.name;
    return typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text;
  }
  return String(error);
}
