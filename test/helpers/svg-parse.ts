/**
 * A strict little XML reader for the plots' tests (no dependency, no regular expressions): it walks
 * the text character by character and throws on anything a browser's XML parser would reject in our
 * output — a tag closed out of order or never, an unquoted or repeated attribute, a raw `<` or a stray
 * `&` in text or a value, text outside the root — and returns the element tree with entities decoded.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  children: XmlElement[];
  /** The element's own text (not its children's), entities decoded. */
  text: string;
}

const ENTITIES: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

const isNameChar = (c: string) => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c === '-' || c === '_' || c === ':' || c === '.';
const isSpace = (c: string) => c === ' ' || c === '\n' || c === '\t' || c === '\r';

/** Text with `&name;` / `&#n;` entities replaced; a `<` or an unknown or unterminated `&` is an error. */
function decode(raw: string, at: number): string {
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === '<') throw new SyntaxError(`svg: raw '<' in text or attribute near offset ${at + i}`);
    if (c !== '&') { out += c; continue; }
    const end = raw.indexOf(';', i);
    const name = end < 0 ? '' : raw.slice(i + 1, end);
    if (name.startsWith('#') && name.length > 1 && [...name.slice(1)].every((d) => d >= '0' && d <= '9')) out += String.fromCodePoint(Number(name.slice(1)));
    else if (name in ENTITIES) out += ENTITIES[name];
    else throw new SyntaxError(`svg: stray '&' near offset ${at + i}`);
    i = end;
  }
  return out;
}

export function parseSvg(source: string): XmlElement {
  let i = 0;
  const stack: XmlElement[] = [];
  let root: XmlElement | null = null;
  const fail = (why: string): never => { throw new SyntaxError(`svg: ${why} at offset ${i}`); };
  const readName = () => {
    const start = i;
    while (i < source.length && isNameChar(source[i]!)) i++;
    if (i === start) fail('expected a name');
    return source.slice(start, i);
  };
  const skipSpace = () => { while (i < source.length && isSpace(source[i]!)) i++; };
  while (i < source.length) {
    if (source[i] !== '<') {
      const start = i;
      while (i < source.length && source[i] !== '<') i++;
      const text = decode(source.slice(start, i), start);
      const top = stack[stack.length - 1];
      if (top) top.text += text;
      else if ([...text].some((c) => !isSpace(c))) fail('text outside the root element');
      continue;
    }
    if (source.startsWith('<?', i) || source.startsWith('<!--', i)) {
      const close = source.startsWith('<?', i) ? '?>' : '-->';
      const end = source.indexOf(close, i);
      if (end < 0) fail(`unterminated ${source.slice(i, i + 4)}`);
      i = end + close.length;
      continue;
    }
    if (source.startsWith('</', i)) {
      i += 2;
      const name = readName();
      skipSpace();
      if (source[i] !== '>') fail(`expected '>' after </${name}`);
      i++;
      const open = stack.pop();
      if (!open || open.name !== name) fail(`</${name}> closes ${open ? `<${open.name}>` : 'nothing'}`);
      continue;
    }
    i++;
    const el: XmlElement = { name: readName(), attrs: {}, children: [], text: '' };
    for (;;) {
      const before = i;
      skipSpace();
      if (source.startsWith('/>', i) || source[i] === '>') break;
      if (i === before) fail(`expected a space before an attribute of <${el.name}>`);
      const key = readName();
      if (key in el.attrs) fail(`attribute ${key} repeated on <${el.name}>`);
      if (source[i] !== '=' || (source[i + 1] !== '"' && source[i + 1] !== "'")) fail(`attribute ${key} of <${el.name}> is not ="quoted"`);
      const quote = source[i + 1]!;
      const end = source.indexOf(quote, i + 2);
      if (end < 0) fail(`unterminated value of ${key}`);
      el.attrs[key] = decode(source.slice(i + 2, end), i + 2);
      i = end + 1;
    }
    if (stack.length) stack[stack.length - 1]!.children.push(el);
    else if (root) fail('a second root element');
    else root = el;
    if (source[i] === '/') i += 2;
    else { i++; stack.push(el); }
  }
  if (stack.length) throw new SyntaxError(`svg: <${stack[stack.length - 1]!.name}> is never closed`);
  if (!root) throw new SyntaxError('svg: no root element');
  return root;
}

/** Every element under (and including) `node` that satisfies `pred`, in document order. */
export function findAll(node: XmlElement, pred: (e: XmlElement) => boolean): XmlElement[] {
  return [...(pred(node) ? [node] : []), ...node.children.flatMap((c) => findAll(c, pred))];
}

/** Elements with the given class. */
export const byClass = (node: XmlElement, cls: string) => findAll(node, (e) => e.attrs.class === cls);

/** The points of a path's `M x y L x y …` data (the only commands the plots write for lines). */
export function pathPoints(d: string): [number, number][] {
  const parts = d.split(' ').filter((p) => p !== '');
  const out: [number, number][] = [];
  for (let k = 0; k < parts.length; k += 2) {
    const cmd = parts[k]![0];
    if (cmd !== (k === 0 ? 'M' : 'L')) throw new SyntaxError(`pathPoints: expected ${k === 0 ? 'M' : 'L'} at part ${k} of '${d}'`);
    out.push([Number(parts[k]!.slice(1)), Number(parts[k + 1])]);
  }
  return out;
}
