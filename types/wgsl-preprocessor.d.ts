// wgsl-preprocessor ships no types; its one export is a template tag that resolves #if/#elif/#else/#endif.
declare module 'wgsl-preprocessor/wgsl-preprocessor.js' {
  export function wgsl(strings: TemplateStringsArray, ...values: unknown[]): string;
}
