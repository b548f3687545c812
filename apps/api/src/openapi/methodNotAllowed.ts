import type { OpenAPIObject } from '@nestjs/swagger';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

interface Request {
  method: string;
  path: string;
}
interface Response {
  status(code: number): Response;
  setHeader(name: string, value: string): void;
  json(body: unknown): void;
}

/**
 * Express middleware: a request to a path the document has, with a method it
 * does not document, is a 405 with Allow (the methods documented, and HEAD
 * beside GET), not the framework's 404 for a path that does not exist.
 */
export function methodNotAllowed(document: OpenAPIObject): (req: Request, res: Response, next: () => void) => void {
  const paths = Object.entries(document.paths).map(([path, item]) => {
    const documented = METHODS.filter((m) => (item as Record<string, unknown>)[m] !== undefined).map((m) => m.toUpperCase());
    if (documented.includes('GET') && !documented.includes('HEAD')) documented.push('HEAD');
    const pattern = new RegExp(`^${path.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^/}]+\}/g, '[^/]+')}/?$`);
    return { pattern, allowed: documented };
  });
  return (req, res, next) => {
    const entry = paths.find((p) => p.pattern.test(req.path));
    if (entry === undefined || entry.allowed.includes(req.method)) return next();
    res.setHeader('Allow', entry.allowed.join(', '));
    res.status(405).json({ error: `method ${req.method} is not allowed on ${req.path}; use ${entry.allowed.join(' or ')}` });
  };
}
