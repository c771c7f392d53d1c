/**
 * A small SVG writer: elements as strings, text and attributes escaped, numbers written compactly
 * (at most two decimals, no trailing zeros: coordinates in a viewBox of a few hundred units need no more),
 * and one self-contained document with a viewBox and fonts every system has. No DOM, no Node: the CLI
 * writes the string to a file, a page puts it into the document.
 */

/** Text for an element's content or an attribute's value: `& < > " '` as entities. */
export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&${{ '&': 'amp', '<': 'lt', '>': 'gt', '"': 'quot', "'": 'apos' }[c]!};`);
}

/** A coordinate or length: `12`, `3.5`, `0.25`, never `-0` or an exponent; a non-finite value is an error. */
export function num(v: number): string {
  if (!Number.isFinite(v)) throw new RangeError(`svg: a coordinate must be a finite number, got ${v}`);
  return String(Math.round(v * 100) / 100); // String(-0) is '0'
}

export type Attributes = Record<string, string | number | undefined>;

/** `<tag a="1" …>children</tag>` (or `<tag … />` without children); undefined attributes are left out. */
export function el(tag: string, attributes: Attributes = {}, children: string | readonly string[] = ''): string {
  const attrs = Object.entries(attributes)
    .filter((e): e is [string, string | number] => e[1] !== undefined)
    .map(([k, v]) => ` ${k}="${typeof v === 'number' ? num(v) : escapeXml(v)}"`)
    .join('');
  const body = typeof children === 'string' ? children : children.join('');
  return body ? `<${tag}${attrs}>${body}</${tag}>` : `<${tag}${attrs}/>`;
}

/** A `<text>` element whose content is escaped. */
export function text(x: number, y: number, content: string, attributes: Attributes = {}): string {
  return el('text', { x, y, ...attributes }, escapeXml(content));
}

/** `M x y L x y …` through the points (an SVG path's data). */
export function pathData(points: readonly (readonly [number, number])[]): string {
  return points.map(([x, y], i) => `${i ? 'L' : 'M'}${num(x)} ${num(y)}`).join(' ');
}

/** The whole document: a viewBox of width × height, a white background, a title for screen readers. */
export function svgDocument(width: number, height: number, title: string, body: readonly string[]): string {
  return `${el('svg', {
    xmlns: 'http://www.w3.org/2000/svg', viewBox: `0 0 ${num(width)} ${num(height)}`, width, height,
    'font-family': 'system-ui, -apple-system, "Segoe UI", Helvetica, Arial, sans-serif', 'font-size': 12,
  }, [el('title', {}, escapeXml(title)), el('rect', { width, height, fill: '#ffffff' }), ...body])}\n`;
}
