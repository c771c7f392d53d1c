/**
 * A small argument parser for the CLI: `--name value`, `--name=value` and boolean `--flag`; values are
 * checked against a spec so that a typo or a bad number is a clear error, not a silent default.
 */
import type { OptionSpec } from '../cl/methods/registry.js';

/** An option's spec is the registries' OptionSpec: methods and scenarios declare theirs in cl/, the CLI parses them. */
export type ArgSpec = OptionSpec;

export type ParsedArgs = Record<string, unknown>;

function convert(name: string, spec: ArgSpec, raw: string): unknown {
  switch (spec.kind) {
    case 'string':
      if (spec.choices && !spec.choices.includes(raw)) throw new Error(`--${name}: expected one of ${spec.choices.join(', ')}, got '${raw}'`);
      return raw;
    case 'number': case 'int': {
      const v = Number(raw);
      const noun = spec.kind === 'int' ? 'an integer' : 'a number';
      if (raw.trim() === '' || !Number.isFinite(v) || (spec.kind === 'int' && !Number.isInteger(v))) {
        throw new Error(`--${name}: expected ${noun}, got '${raw}'`);
      }
      if (spec.min !== undefined && v < spec.min) throw new Error(`--${name}: expected ${noun} ≥ ${spec.min}, got '${raw}'`);
      if (spec.max !== undefined && v > spec.max) throw new Error(`--${name}: expected ${noun} ≤ ${spec.max}, got '${raw}'`);
      return v;
    }
    case 'numbers': {
      const parts = raw.split(',').map((s) => s.trim());
      const vs = parts.map(Number);
      if (parts.some((s) => s === '') || vs.some((v) => !Number.isFinite(v))) throw new Error(`--${name}: expected comma-separated numbers, got '${raw}'`);
      return vs;
    }
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw new Error(`--${name}: expected true or false, got '${raw}'`);
      return raw === 'true';
  }
}

export function parseArgs(argv: readonly string[], specs: Record<string, ArgSpec>): ParsedArgs {
  const out: ParsedArgs = {};
  for (const [name, spec] of Object.entries(specs)) if (spec.default !== undefined) out[name] = spec.default;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (!arg.startsWith('--')) throw new Error(`unexpected argument '${arg}' (options start with --)`);
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq < 0 ? undefined : eq);
    const spec = specs[name];
    if (!spec) throw new Error(`unknown option --${name}; options: ${Object.keys(specs).map((k) => `--${k}`).join(' ')}`);
    let raw: string | undefined = eq < 0 ? undefined : arg.slice(eq + 1);
    if (raw === undefined) {
      if (spec.kind === 'boolean' && (argv[i + 1] === undefined || argv[i + 1]!.startsWith('--'))) raw = 'true';
      else if ((raw = argv[++i]) === undefined) throw new Error(`--${name}: missing value`);
    }
    out[name] = convert(name, spec, raw);
  }
  return out;
}

/** ' (≥ min)', ' (≤ max)' or ' (in [min, max])' for a number option with bounds. */
function range(s: ArgSpec): string {
  if (s.min !== undefined && s.max !== undefined) return ` (in [${s.min}, ${s.max}])`;
  if (s.min !== undefined) return ` (≥ ${s.min})`;
  return s.max !== undefined ? ` (≤ ${s.max})` : '';
}

export function usage(specs: Record<string, ArgSpec>): string {
  return Object.entries(specs)
    .map(([name, s]) => `  --${name.padEnd(10)} ${s.help}${s.choices ? ` (${s.choices.join('|')})` : ''}${range(s)}${s.default !== undefined ? ` [default: ${Array.isArray(s.default) ? s.default.join(',') : String(s.default)}]` : ''}`)
    .join('\n');
}
