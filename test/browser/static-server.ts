/** A tiny static HTTP server on 127.0.0.1 (random port) serving a fixed map of URL paths to files. */
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, relative } from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
};

export interface StaticServer {
  readonly origin: string;
  close(): Promise<void>;
}

/** Serves `routes` (URL path → file path); anything else is 404. */
export async function serveStatic(routes: Record<string, string>): Promise<StaticServer> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    const file = routes[path];
    if (!file) { res.writeHead(404).end(`not found: ${path}`); return; }
    readFile(file).then(
      (body) => res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' }).end(body),
      (e: Error) => res.writeHead(500).end(e.message),
    );
  });
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ok());
  });
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((ok) => { server.closeAllConnections(); server.close(() => ok()); }),
  };
}

/** Serves every file under `dir` at its path, and `/` as `dir/index.html` (a built site such as dist-app/). */
export async function serveFolder(dir: string): Promise<StaticServer> {
  const routes: Record<string, string> = { '/': join(dir, 'index.html') };
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile()) routes[`/${relative(dir, join(e.parentPath, e.name))}`] = join(e.parentPath, e.name);
  }
  return serveStatic(routes);
}
