// The page's HTTP server: node:http on 127.0.0.1 only, a free port unless one is given. It serves
// the page's own assets (looked up by exact name, never by building a path) and the routes its
// command adds, and refuses requests whose Host is not its own address (DNS rebinding) and
// writes from any other origin.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Asset, loadAssets } from './assets.js';

export const HOST = '127.0.0.1';

/** A route's handler: it answers `res` itself. */
export type Route = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface PageServerOptions {
  /** The asset served at `/`: `live.html` or `view.html`. */
  page: string;
  /** `GET /api/…` and `POST /api/…` routes, by method and path: `GET /api/view`. */
  routes: Record<string, Route>;
  /** 0 (default) picks a free port. */
  port?: number;
}

export interface PageServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

/** Limits on what a request may send (the page's only writes are small JSON forms). */
export const MAX_BODY_BYTES = 16 * 1024;

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  // Cross-origin isolation: harmless here, and what a page using SharedArrayBuffer would need.
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Content-Security-Policy':
    "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cache-Control': 'no-store',
};

export async function startPageServer(options: PageServerOptions): Promise<PageServer> {
  const assets = loadAssets();
  if (!assets.has(options.page)) throw new Error(`no page asset named ${options.page}`);
  let origin = '';
  const server: Server = createServer((req, res) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: `internal error: ${(error as Error).message}` });
      else res.end();
    });
  });
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const host = req.headers.host ?? '';
    if (host !== `${HOST}:${port}` && host !== `localhost:${port}`) {
      return sendText(res, 403, `refused: Host '${host}' is not this server's address`);
    }
    const url = new URL(req.url ?? '/', origin);
    const method = req.method ?? 'GET';
    if (method === 'POST') {
      // Only the page itself may write: same origin, JSON body (a cross-site form cannot send that).
      if (
        req.headers.origin !== undefined &&
        req.headers.origin !== origin &&
        req.headers.origin !== `http://${host}`
      ) {
        return sendText(res, 403, 'refused: cross-origin write');
      }
      if (!/^application\/json\b/.test(req.headers['content-type'] ?? '')) {
        return sendText(res, 415, 'refused: send application/json');
      }
    }
    const route = options.routes[`${method} ${url.pathname}`];
    if (route !== undefined) return route(req, res, url);
    if (method !== 'GET' && method !== 'HEAD') return sendText(res, 405, `method ${method} not allowed`);
    let asset: Asset | undefined;
    if (url.pathname === '/' || url.pathname === '/index.html') asset = assets.get(options.page);
    else if (url.pathname.startsWith('/assets/')) asset = assets.get(url.pathname.slice('/assets/'.length));
    if (asset === undefined) return sendText(res, 404, 'not found');
    res.writeHead(200, { 'Content-Type': asset.type, 'Content-Length': asset.body.length });
    res.end(method === 'HEAD' ? undefined : asset.body);
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: HOST, port: options.port ?? 0 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  origin = `http://${HOST}:${port}`;
  return {
    url: `${origin}/`,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections(); // event streams stay open otherwise
      }),
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

export function sendText(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, {
    'Content-Type': 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}

/** The request's JSON body, at most MAX_BODY_BYTES; throws a message fit for a 400 answer. */
export async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  let size = 0;
  const chunks: Buffer[] = [];
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error(`the request body is over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new Error('the request body is not JSON');
  }
}
