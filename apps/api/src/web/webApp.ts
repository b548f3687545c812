/**
 * The web app (apps/web's static export) on the API's own origin: one port, no CORS, and the
 * session cookie goes with every API call. Pages get headers that keep them from being framed or
 * leaking their URL, and a content security policy that loads only this origin (Next's export
 * inlines its bootstrap scripts, hence 'unsafe-inline' for scripts and styles; the map's layout
 * worker is a same-origin script).
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self' 'unsafe-inline'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "worker-src 'self' blob:",
  "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

export class WebRootError extends Error {}

/** The headers of every page of the web app (here and in `weft web`). */
export function webPageHeaders(set: (name: string, value: string) => void): void {
  set('X-Content-Type-Options', 'nosniff');
  set('X-Frame-Options', 'DENY');
  set('Referrer-Policy', 'no-referrer');
  set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
}

/** Whether `root` holds a built web app (its index.html). */
export function isWebRoot(root: string): boolean {
  return existsSync(join(root, 'index.html')) && statSync(join(root, 'index.html')).isFile();
}

/** Serves the export in `root` at / (before app.init()); API routes stay the API's. */
export function serveWebApp(app: NestExpressApplication, root: string): void {
  if (!isWebRoot(root)) throw new WebRootError(`${root} holds no built web app (index.html): build it with scripts/setup.sh`);
  app.useStaticAssets(root, {
    index: 'index.html',
    redirect: true,
    extensions: ['html'],
    fallthrough: true,
    setHeaders(res) {
      webPageHeaders((name, value) => res.setHeader(name, value));
    },
  });
}
