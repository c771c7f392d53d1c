/** Stands in for node.ts in the browser build: a page has no folder to read. */
export async function readIdxFile(dir: string, _name: string, op: string): Promise<{ bytes: Uint8Array; file: string }> {
  throw new Error(`${op}: reading the folder ${dir} works in Node only (a browser has no file system); fetch the four IDX files yourself (gunzipped) and pass their bytes to idxDataset()`);
}
