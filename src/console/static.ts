/**
 * Serves the built console (`dist/console`, made by `vite build`) with node:fs: `index.html` at
 * `/` and hashed files under `/assets/`. Only plain file names inside the folder are served, so a
 * path cannot climb out of it.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { extname, join, resolve, sep } from 'node:path';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
};

/** dist/src/console/static.js -> dist/console */
export const DEFAULT_CONSOLE_DIR = fileURLToPath(new URL('../../console/', import.meta.url));

export interface StaticFile {
  body: Buffer;
  contentType: string;
}

export class ConsoleFiles {
  private readonly root: string;

  constructor(root: string = DEFAULT_CONSOLE_DIR) {
    this.root = resolve(root);
  }

  /** `name` is a path relative to the folder, e.g. `index.html` or `assets/index-abc.js`. */
  async read(name: string): Promise<StaticFile | null> {
    if (!/^(assets\/)?[A-Za-z0-9_][A-Za-z0-9_.-]*$/.test(name) || name.includes('..')) return null;
    const contentType = CONTENT_TYPES[extname(name).toLowerCase()];
    if (!contentType) return null;
    const full = resolve(join(this.root, name));
    if (!full.startsWith(this.root + sep)) return null;
    try {
      return { body: await readFile(full), contentType };
    } catch {
      return null;
    }
  }
}
