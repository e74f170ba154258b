// The page's own files (src/web/assets/, shipped in the package as they are: no build step). From
// dist/web/ and from src/web/ alike, ../../src/web/assets/ is that folder.
import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ASSETS_DIR = fileURLToPath(new URL('../../src/web/assets/', import.meta.url));

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
};

export interface Asset {
  body: Buffer;
  type: string;
}

/**
 * Every asset, read once, by its bare file name. The server looks names up in this map and
 * never builds a path from a request, so nothing outside this folder can be served.
 */
export function loadAssets(dir = ASSETS_DIR): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type === undefined) continue;
    assets.set(name, { body: readFileSync(join(dir, name)), type });
  }
  if (!assets.has('live.html') || !assets.has('view.html')) {
    throw new Error(`conveyor's page assets are missing from ${dir} (is the package complete?)`);
  }
  return assets;
}
