/**
 * `weft web`: the web app's static export, and /api/ forwarded to a Weft API, on one origin, so
 * the session cookie the API sets is this origin's and the pages need no CORS. The forwarding is
 * http-proxy-middleware's; the pages get the API's own security headers (webPageHeaders).
 */
import express from 'express';
import { createProxyMiddleware } from 'http-proxy-middleware';
import { webPageHeaders } from '@weft/api';
import { ConfigError, parseListenAddress } from '@weft/runtime';
import type { WebOptions } from './commandOptions.js';
import { DEFAULT_WEB_ROOT, webRootOf } from './webApp.js';

function apiUrlOf(value: string): URL {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError(`--api must be the API's URL (http://host:8080), got ${JSON.stringify(value)}`, '--api');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError(`--api must be an http:// or https:// URL, got ${value}`, '--api');
  return url;
}

export async function runWeb(options: WebOptions): Promise<void> {
  const say = (message: string): void => void process.stderr.write(`weft web: ${message}\n`);
  try {
    const api = apiUrlOf(options.api);
    const addr = parseListenAddress(options.webAddr, '--web-addr');
    const root = webRootOf(options.webDir);
    if (root === null) throw new ConfigError(`--web-dir: ${options.webDir ?? DEFAULT_WEB_ROOT} holds no built web app (index.html): run scripts/setup.sh`, '--web-dir');
    const app = express();
    app.disable('x-powered-by');
    let forwardFailures = 0;
    // pathFilter, not a mount path: the API sees the request's whole path (/api/v1/...).
    app.use(
      createProxyMiddleware({
        target: api.origin,
        pathFilter: '/api/',
        xfwd: true,
        on: {
          error(error, _req, res) {
            forwardFailures++;
            // The first failure and every hundredth are logged (with the count), each is answered 502.
            if (forwardFailures === 1 || forwardFailures % 100 === 0) say(`the API at ${api.origin} did not answer (${forwardFailures} so far): ${(error as Error).message}`);
            const response = res as import('node:http').ServerResponse;
            if (!response.headersSent) {
              response.writeHead(502, { 'content-type': 'application/json' });
              response.end(JSON.stringify({ error: `the Weft API at ${api.origin} does not answer` }));
            }
          },
        },
      }),
    );
    app.use(express.static(root, { index: 'index.html', extensions: ['html'], setHeaders: (res) => webPageHeaders((name, value) => res.setHeader(name, value)) }));
    const server = await new Promise<import('node:http').Server>((resolve, reject) => {
      const listening = app.listen(addr.port, addr.host, () => resolve(listening));
      listening.once('error', reject);
    }).catch((error: NodeJS.ErrnoException) => {
      throw new ConfigError(`--web-addr: cannot listen on ${options.webAddr}: ${error.code ?? error.message}`, '--web-addr');
    });
    const bound = server.address();
    const port = typeof bound === 'object' && bound !== null ? bound.port : addr.port;
    say(`web map at http://${addr.host.includes(':') ? `[${addr.host}]` : addr.host}:${port}/ (the API: ${api.origin})`);
    const stop = (): void => void server.close(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (err) {
    if (err instanceof ConfigError) {
      say(err.message);
      process.exit(2);
    }
    throw err;
  }
}
