/** Float64 CPU reference for kernels/elementwise.wgsl.ts: broadcasting map over 1 to 3 inputs. */

export interface HostArray {
  data: ArrayLike<number>;
  shape: readonly number[];
}

export function broadcastShapeRef(shapes: readonly (readonly number[])[]): number[] {
  const rank = Math.max(...shapes.map((s) => s.length));
  return Array.from({ length: rank }, (_, i) =>
    Math.max(...shapes.map((s) => s[s.length - rank + i] ?? 1)));
}

/** out[idx] = fn(...inputs at the broadcast idx), in float64. */
export function mapReference(fn: (...xs: number[]) => number, inputs: readonly HostArray[]): HostArray {
  const shape = broadcastShapeRef(inputs.map((x) => x.shape));
  const n = shape.reduce((a, b) => a * b, 1);
  const out = new Float64Array(n);
  const idx = new Array<number>(shape.length).fill(0);
  for (let i = 0; i < n; i++) {
    let rem = i;
    for (let d = shape.length - 1; d >= 0; d--) { idx[d] = rem % shape[d]!; rem = Math.floor(rem / shape[d]!); }
    const args = inputs.map((x) => {
      let off = 0, stride = 1;
      for (let d = x.shape.length - 1; d >= 0; d--) {
        const od = shape.length - x.shape.length + d;
        if (x.shape[d] !== 1) off += idx[od]! * stride;
        stride *= x.shape[d]!;
      }
      return x.data[off]!;
    });
    out[i] = fn(...args);
  }
  return { data: out, shape };
}
