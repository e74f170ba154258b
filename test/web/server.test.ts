import { request } from 'node:http';
import { networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type PageServer, sendJson, startPageServer } from '../../src/web/server.js';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request: the path goes out exactly as written (fetch would normalise `../`). */
function raw(
  port: number,
  path: string,
  options: { method?: string; headers?: Record<string, string>; body?: string; host?: string } = {},
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: options.host ?? '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        headers: options.headers,
        timeout: 5000,
      },
      (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (s: string) => (body += s));
        res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer to ${path} within 5 s`)));
    req.on('error', reject);
    req.end(options.body);
  });
}

describe('the page server', () => {
  let server: PageServer;
  let posts = 0;
  beforeAll(async () => {
    server = await startPageServer({
      page: 'view.html',
      routes: {
        'GET /api/view': (_req, res) => sendJson(res, 200, { ok: true }),
        'POST /api/run': (_req, res) => {
          posts++;
          sendJson(res, 200, { ok: true });
        },
      },
    });
  });
  afterAll(() => server.close());

  it('listens on 127.0.0.1 only, on the port it prints', async () => {
    expect(server.url).toBe(`http://127.0.0.1:${server.port}/`);
    const others = Object.values(networkInterfaces())
      .flat()
      .filter((i) => i !== undefined && !i.internal && i.family === 'IPv4');
    // 127.0.0.2 and ::1 reach a server bound to 0.0.0.0 or :: on any machine; the others, where present.
    for (const address of ['127.0.0.2', '::1', ...others.map((i) => i!.address)]) {
      await expect(raw(server.port, '/', { host: address })).rejects.toThrow(/ECONNREFUSED|EADDRNOTAVAIL/);
    }
  });

  it('serves the page and its assets with cross-origin isolation and a same-origin policy', async () => {
    const page = await raw(server.port, '/');
    expect(page.status).toBe(200);
    expect(page.body).toContain('<title>conveyor view</title>');
    expect(page.headers['cross-origin-opener-policy']).toBe('same-origin');
    expect(page.headers['cross-origin-embedder-policy']).toBe('require-corp');
    expect(page.headers['content-security-policy']).toContain("default-src 'self'");
    const css = await raw(server.port, '/assets/page.css');
    expect(css.status).toBe(200);
    expect(css.headers['content-type']).toBe('text/css; charset=utf-8');
    expect((await raw(server.port, '/api/view')).body).toBe('{"ok":true}');
  });

  it.each([
    '/assets/../../package.json',
    '/assets/../assets.ts',
    '/assets/%2e%2e/%2e%2e/package.json',
    '/assets/..%2f..%2fpackage.json',
    '/assets/..%5c..%5cpackage.json',
    '/../../../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/assets//etc/passwd',
    '/assets/',
    '/package.json',
    '/src/web/server.ts',
    '/assets/page.css%00.html',
  ])('refuses %s', async (path) => {
    const answer = await raw(server.port, path);
    expect(answer.status).toBe(404);
    expect(answer.body).toBe('not found');
  });

  it('refuses another Host (DNS rebinding), writes from another origin, and writes that are not JSON', async () => {
    const rebound = await raw(server.port, '/', { headers: { Host: `evil.example:${server.port}` } });
    expect(rebound.status).toBe(403);
    const json = { 'Content-Type': 'application/json' };
    const cross = await raw(server.port, '/api/run', {
      method: 'POST',
      headers: { ...json, Origin: 'http://evil.example' },
      body: '{}',
    });
    expect(cross.status).toBe(403);
    const form = await raw(server.port, '/api/run', {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect(form.status).toBe(415);
    expect(posts).toBe(0);
    const own = await raw(server.port, '/api/run', {
      method: 'POST',
      headers: { ...json, Origin: `http://127.0.0.1:${server.port}` },
      body: '{}',
    });
    expect(own.status).toBe(200);
    expect(posts).toBe(1);
    expect((await raw(server.port, '/assets/page.css', { method: 'DELETE' })).status).toBe(405);
  });
});
