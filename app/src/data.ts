/**
 * Where the page's scenarios get their images: the packed class files under data/ (written at build
 * time by scripts/pack-datasets.ts), fetched by the library's own loader through `fetch` below, which
 * reports each file's download for the progress bar and keeps the files in memory, so a second run in
 * the same page starts without downloading again.
 */
import type { cl } from 'webgpu-cl';

export type PageData = NonNullable<cl.ExperimentRunOptions['data']>;

export interface FileProgress {
  /** The file's URL. */
  url: string;
  loaded: number;
  /** Content-Length, when the server sends it. */
  total: number | null;
}

export function pageData(base: string, onProgress: (p: FileProgress) => void): PageData {
  const cache = new Map<string, ArrayBuffer>();
  const download = async (url: string): Promise<ArrayBuffer> => {
    const res = await fetch(url);
    if (!res.ok || !res.body) throw new Error(`loading ${url} failed: HTTP ${res.status} (run \`npm run build:app\`, which packs the datasets into data/)`);
    const length = Number(res.headers.get('content-length'));
    const total = Number.isFinite(length) && length > 0 ? length : null;
    const chunks: Uint8Array[] = [];
    let loaded = 0;
    const reader = res.body.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      loaded += value.length;
      onProgress({ url, loaded, total });
    }
    const bytes = new Uint8Array(loaded);
    let at = 0;
    for (const c of chunks) { bytes.set(c, at); at += c.length; }
    return bytes.buffer;
  };
  return {
    baseUrl: { mnist: new URL('data/mnist', base).href, fashion: new URL('data/fashion', base).href },
    packed: true,
    fetch: async (url) => {
      let bytes = cache.get(url);
      if (!bytes) {
        bytes = await download(url);
        cache.set(url, bytes);
      }
      return new Response(bytes.slice(0));
    },
  };
}
