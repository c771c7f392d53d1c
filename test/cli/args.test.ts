import { describe, expect, it } from 'vitest';
import { parseArgs, usage, type ArgSpec } from '../../cli/args.js';

const specs: Record<string, ArgSpec> = {
  method: { kind: 'string', default: 'nullspace', choices: ['nullspace', 'gpm'], help: '' },
  angles: { kind: 'numbers', default: [0, 90], help: '' },
  epochs: { kind: 'int', default: 1, help: '' },
  lr: { kind: 'number', default: 0.005, help: '' },
  'per-class': { kind: 'int', min: 1, help: '' },
  gamma: { kind: 'number', min: 0, max: 1, help: '' },
  json: { kind: 'string', help: '' },
};

describe('CLI argument parsing', () => {
  it('fills defaults and reads both --name value and --name=value', () => {
    expect(parseArgs([], specs)).toEqual({ method: 'nullspace', angles: [0, 90], epochs: 1, lr: 0.005 });
    expect(parseArgs(['--method', 'gpm', '--angles=0,-45,45', '--epochs', '8', '--lr=1e-3', '--json', 'out.json'], specs))
      .toEqual({ method: 'gpm', angles: [0, -45, 45], epochs: 8, lr: 0.001, json: 'out.json' });
  });
  it('rejects unknown options, bad choices and bad numbers with the option name', () => {
    expect(() => parseArgs(['--metod', 'gpm'], specs)).toThrow(/unknown option --metod; options: --method/);
    expect(() => parseArgs(['--method', 'ewc'], specs)).toThrow(/--method: expected one of nullspace, gpm, got 'ewc'/);
    expect(() => parseArgs(['--epochs', '1.5'], specs)).toThrow(/--epochs: expected an integer, got '1.5'/);
    expect(() => parseArgs(['--angles', '0,,90'], specs)).toThrow(/--angles: expected comma-separated numbers, got '0,,90'/);
    expect(() => parseArgs(['--lr'], specs)).toThrow(/--lr: missing value/);
    expect(() => parseArgs(['gpm'], specs)).toThrow(/unexpected argument 'gpm'/);
  });
  it('rejects a number below the option\'s minimum with the option name', () => {
    expect(() => parseArgs(['--per-class', '0'], specs)).toThrow(/^--per-class: expected an integer ≥ 1, got '0'$/);
    expect(parseArgs(['--per-class', '1'], specs)['per-class']).toBe(1);
  });
  it('rejects a number above the option\'s maximum, and usage shows the range', () => {
    expect(() => parseArgs(['--gamma', '1.5'], specs)).toThrow(/^--gamma: expected a number ≤ 1, got '1.5'$/);
    expect(parseArgs(['--gamma', '1'], specs).gamma).toBe(1);
    expect(usage({ gamma: specs.gamma! })).toMatch(/--gamma .*\(in \[0, 1\]\)/);
  });
});
