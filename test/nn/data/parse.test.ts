// The byte-level reader of the mnist / fashion-mnist JSON files, on small hand-made files.
import { describe, expect, it } from 'vitest';
import { parseImageJson } from '../../../nn/data/parse.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('parseImageJson', () => {
  it('reads a flat list of decimals (mnist layout) exactly as JSON.parse then float32', () => {
    const text = '{ "data": [0,0.2,0.624,1,0.992,0.196,0,0.5] }';
    const { images, n } = parseImageJson(bytes(text), 4, 1, 'test');
    expect(n).toBe(2);
    expect(images).toEqual(Float32Array.from(JSON.parse(text).data as number[]));
  });

  it('reads a list of images (fashion-mnist layout), dividing by 255 like float32 x/255, dropping empty entries', () => {
    const text = '{"data":[[0,255,17],[],[3,128,254],[]]}';
    const { images, n } = parseImageJson(bytes(text), 3, 255, 'test');
    expect(n).toBe(2);
    const want = [0, 255, 17, 3, 128, 254].map((v) => Math.fround(v / 255));
    expect(Array.from(images)).toEqual(want);
  });

  it('rejects what it does not understand, naming the file and the byte', () => {
    expect(() => parseImageJson(bytes('{"data":[[1,2],[3]]}'), 2, 1, 'f.json')).toThrow('f.json: an image has 1 values, expected 2 at byte 17');
    expect(() => parseImageJson(bytes('{"data":[1,2,3]}'), 2, 1, 'f.json')).toThrow('f.json: 3 values is not a whole number of 2-pixel images');
    expect(() => parseImageJson(bytes('{"data":[1e3,2]}'), 2, 1, 'f.json')).toThrow("f.json: unexpected character 'e'");
    expect(() => parseImageJson(bytes('{"data":[-1,2]}'), 2, 1, 'f.json')).toThrow("unexpected character '-'");
    expect(() => parseImageJson(bytes('{"data":[1.,2]}'), 2, 1, 'f.json')).toThrow('a number ends in "."');
    expect(() => parseImageJson(bytes('{"n": 3, "data":[1,2]}'), 2, 1, 'f.json')).toThrow('a number outside the "data" list');
    expect(() => parseImageJson(bytes('{"data":[[[1,2]]]}'), 2, 1, 'f.json')).toThrow('lists nested deeper than a list of images');
  });
});
