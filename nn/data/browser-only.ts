/** Stands in for node.ts in the browser build: a page has no node_modules to read. */
export async function readPackageFile(pkg: string, _file: string, op: string): Promise<Uint8Array> {
  throw new Error(`${op}: a browser cannot read the npm package '${pkg}' from node_modules; pass {baseUrl: '<URL of the folder holding 0.json … 9.json>'} to fetch the files`);
}
