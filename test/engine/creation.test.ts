/**
 * Tensor factories never make up values: data that is not numbers, a dtype the engine does not have,
 * an int32 value that does not fit, or an option it does not know is an error naming the function,
 * the argument, what was expected and what came; int32 fills are exact at every size.
 */
import { describe, expect, it } from 'vitest';
import * as wc from '../../index.js';
import { useDevice } from '../helpers/device.js';

/** Passes a value the signature does not allow, as JavaScript callers can. */
const bad = <T>(v: unknown) => v as T;

describe('tensor creation', () => {
  const device = useDevice();

  it('tensor(): data that is not numbers is an error, not NaN or 0', () => {
    expect(() => wc.tensor(bad('abc'))).toThrow(new TypeError('tensor: data must be a number, a list of numbers (nested for more dimensions) or a typed array, got string "abc"'));
    expect(() => wc.tensor(bad([1, 'a', null]))).toThrow(new TypeError('tensor: data[1] must be a number, got string "a"'));
    expect(() => wc.tensor(bad([1, 2, null]))).toThrow(new TypeError('tensor: data[2] must be a number, got null'));
    expect(() => wc.tensor(bad([[1, 2], [3, true]]))).toThrow(new TypeError('tensor: data[1][1] must be a number, got boolean true'));
    expect(() => wc.tensor(bad([1, [2, 3]]))).toThrow(new TypeError('tensor: data[1] must be a number, got an array'));
    expect(() => wc.tensor(bad([[1, 2], [3]]))).toThrow(new RangeError('tensor: nested lists must be rectangular: data[1] has 1 entries, data[0] has 2'));
    expect(() => wc.tensor(bad([[1, 2], 3]))).toThrow(new TypeError('tensor: data[1] must be a list of 2 numbers like data[0], got number 3'));
    expect(() => wc.tensor(bad({ a: 1 }))).toThrow(new TypeError('tensor: data must be a number, a list of numbers (nested for more dimensions) or a typed array, got an object'));
  });

  it('tensor(): nested typed arrays are rows, NaN and ±Infinity stay float32 data', async () => {
    const rows = wc.tensor(bad([new Float32Array([1, 2]), new Float32Array([3, 4])]));
    expect(rows.shape).toEqual([2, 2]);
    expect(Array.from(await rows.toArray())).toEqual([1, 2, 3, 4]);
    expect(Array.from(await wc.tensor([NaN, Infinity, -Infinity]).toArray())).toEqual([NaN, Infinity, -Infinity]);
  });

  it('int32 data must be integers that fit in 32 bits', async () => {
    const opts = { dtype: 'int32' } as const;
    expect(() => wc.tensor([1, 2.5], [2], opts)).toThrow(new RangeError('tensor: data[1] must be an integer in [-2147483648, 2147483647] for dtype int32, got 2.5'));
    expect(() => wc.tensor([[0], [2 ** 31]], undefined, opts)).toThrow(new RangeError('tensor: data[1][0] must be an integer in [-2147483648, 2147483647] for dtype int32, got 2147483648'));
    expect(() => wc.tensor(new Float32Array([0, NaN]), [2], opts)).toThrow(new RangeError('tensor: data[1] must be an integer in [-2147483648, 2147483647] for dtype int32, got NaN'));
    expect(() => wc.arange(0, 2, 0.5, opts)).toThrow(new RangeError("arange: start 0, step 0.5 and the last value 1.5 must be integers in int32's range for dtype int32"));
    expect(() => wc.arange(bad('3'))).toThrow(new TypeError('arange: end must be a finite number, got string "3"'));
    expect(Array.from(await wc.tensor([-(2 ** 31), 2 ** 31 - 1], [2], opts).toArray())).toEqual([-(2 ** 31), 2 ** 31 - 1]);
  });

  it('a dtype the engine does not have is an error, not float32 reported as something else', () => {
    const message = (fn: string, dtype: string) => new TypeError(`${fn}: options.dtype must be 'float32' or 'int32', got string "${dtype}"`);
    for (const dtype of ['float64', 'int64', 'bool']) {
      const opts = bad<wc.CreateOptions>({ dtype });
      expect(() => wc.tensor([1, 2], [2], opts)).toThrow(message('tensor', dtype));
      expect(() => wc.zeros([2], opts)).toThrow(message('zeros', dtype));
      expect(() => wc.full([1000], 1, opts)).toThrow(message('full', dtype));
      expect(() => wc.arange(3, undefined, 1, opts)).toThrow(message('arange', dtype));
      expect(() => wc.eye(2, 2, opts)).toThrow(message('eye', dtype));
      expect(() => wc.cast(wc.ones([2]), bad(dtype))).toThrow(new TypeError(`cast: dtype must be 'float32' or 'int32', got string "${dtype}"`));
    }
  });

  it('random factories are float32 only and say so', () => {
    const int = bad<wc.CreateOptions>({ dtype: 'int32' });
    expect(() => wc.rand([4], int)).toThrow(new TypeError("rand: options.dtype must be 'float32' (uniform samples are real numbers; cast() the result for integers), got string \"int32\""));
    expect(() => wc.randn([4], int)).toThrow(new TypeError("randn: options.dtype must be 'float32' (normal samples are real numbers; cast() the result for integers), got string \"int32\""));
    expect(() => wc.rand([4], { low: bad('0') })).toThrow(new TypeError('rand: options.low must be a finite number, got string "0"'));
    expect(() => wc.rand([4], { low: 1, high: 0 })).toThrow(new RangeError('rand: options.low (1) must be ≤ options.high (0)'));
    expect(() => wc.randn([4], { std: -1 })).toThrow(new RangeError('randn: options.std must be a number ≥ 0, got -1'));
  });

  it('options: a misspelt key or a non-object is an error, not ignored', () => {
    expect(() => wc.tensor([1], [1], bad({ requires_grad: true }))).toThrow(new TypeError("tensor: unknown option 'requires_grad'; the options are requiresGrad, dtype, device"));
    expect(() => wc.tensor([1], [1], bad('int32'))).toThrow(new TypeError('tensor: options must be an object, got string "int32"'));
    expect(() => wc.ones([2], bad({ dtpye: 'int32' }))).toThrow(new TypeError("ones: unknown option 'dtpye'; the options are requiresGrad, dtype, device"));
    expect(() => wc.zeros([2], { dtype: 'int32', requiresGrad: true })).toThrow(new TypeError('zeros: options.requiresGrad needs dtype float32 (only float32 tensors can require gradients), got dtype int32'));
    expect(() => wc.tensor([1], [1], bad({ requiresGrad: 'yes' }))).toThrow(new TypeError('tensor: options.requiresGrad must be a boolean, got string "yes"'));
    expect(() => wc.rand([2], bad({ seed: 3 }))).toThrow(new TypeError("rand: unknown option 'seed'; the options are requiresGrad, dtype, device, generator, low, high"));
  });

  it('full(): the value must be a number, and an integer that fits for int32', () => {
    expect(() => wc.full([2], bad('1'))).toThrow(new TypeError('full: value must be a number, got string "1"'));
    expect(() => wc.full([2], 1.5, { dtype: 'int32' })).toThrow(new RangeError('full: value must be an integer in [-2147483648, 2147483647] for dtype int32, got 1.5'));
    expect(() => wc.full([2000], Infinity, { dtype: 'int32' })).toThrow(new RangeError('full: value must be an integer in [-2147483648, 2147483647] for dtype int32, got Infinity'));
  });

  it('full(): int32 fills are exact at every size (not rounded through float32)', async () => {
    for (const n of [3, 1000, 70_000]) {
      for (const v of [16_777_217, 2_147_483_647, -2_147_483_648, -16_777_219]) {
        const t = wc.full([n], v, { dtype: 'int32' });
        const host = await t.toArray();
        expect(host).toBeInstanceOf(Int32Array);
        expect([host[0], host[n - 1]]).toEqual([v, v]);
        t.dispose();
      }
    }
  });

  it('full(): float32 NaN and ±Infinity fills are allowed', async () => {
    expect(Array.from(await wc.full([1000], -Infinity).toArray()).every((v) => v === -Infinity)).toBe(true);
    expect(Number.isNaN((await wc.full([2], NaN).toArray())[1])).toBe(true);
  });

  it('a refused call allocates nothing', () => {
    const before = device().stats().liveTensors;
    const calls = [
      () => wc.tensor(bad([1, 'a'])), () => wc.tensor([1.5], [1], { dtype: 'int32' }), () => wc.full([1000], 0.5, { dtype: 'int32' }),
      () => wc.zeros([2], { dtype: 'int32', requiresGrad: true }), () => wc.rand([3], bad({ dtype: 'int32' })),
    ];
    for (const f of calls) expect(f).toThrow();
    expect(device().stats().liveTensors).toBe(before);
  });
});
