// A static server on 127.0.0.1 for the browser tests: it serves dist/, test/ and examples/ from
// the repository (and dist/ again at /conveyor/, as the browser example imports it), with the
// headers that make a page cross-origin isolated (COOP/COEP, and CORP on every script), except
// under /plain/, which serves the same files without them. TypeScript files (the contract suites
// and the vitest shim) are served compiled to JavaScript.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SERVED = ['dist', 'test', 'examples'];
const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
};

export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function compile(file: string): string {
  return ts.transpileModule(readFileSync(file, 'utf8'), {
    compilerOptions: { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.ESNext },
    fileName: file,
  }).outputText;
}

/** The file a URL path names, its body and type; undefined if it is not one we serve. */
function resolve(path: string): { body: string | Buffer; type: string } | undefined {
  const file = normalize(join(ROOT, decodeURIComponent(path)));
  if (!SERVED.some((folder) => file.startsWith(join(ROOT, folder) + sep))) return undefined;
  if (file.endsWith('.ts') && existsSync(file)) return { body: compile(file), type: TYPES['.js']! };
  if (existsSync(file) && statSync(file).isFile()) {
    return { body: readFileSync(file), type: TYPES[extname(file)] ?? 'application/octet-stream' };
  }
  const typescript = file.replace(/\.js$/, '.ts'); // tests import their .ts neighbours as .js
  if (file.endsWith('.js') && existsSync(typescript))
    return { body: compile(typescript), type: TYPES['.js']! };
  return undefined;
}

export async function startServer(): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const plain = url.pathname.startsWith('/plain/');
    const path = (plain ? url.pathname.slice('/plain'.length) : url.pathname).replace(
      /^\/conveyor\//,
      '/dist/',
    );
    const found = resolve(path);
    if (found === undefined) {
      response.writeHead(404).end(`not found: ${url.pathname}`);
      return;
    }
    response.writeHead(200, {
      'Content-Type': found.type,
      'Cache-Control': 'no-store',
      ...(plain ? {} : ISOLATION_HEADERS),
    });
    response.end(found.body);
  });
  await new Promise<void>((ready) => server.listen(0, '127.0.0.1', ready));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections();
        server.close(() => done());
      }),
  };
}
