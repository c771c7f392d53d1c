/**
 * The app's live figures that need no browser: the protected-share table of projection methods, from the
 * same report the CLI prints (cl.protectedShareOf). Mutations tried: rows and layers swapped (fails);
 * the share printed without ×100 (fails); a non-projection run drawing an empty table (fails).
 */
import { describe, expect, it } from 'vitest';
import { liveProtection } from '../../app/src/live-view.js';
import { protectedShareOf } from '../../cl/strategy/result.js';

describe('app live view: protected share', () => {
  const base = { experiences: ['a', 'b', 'c'], trained: ['a', 'b', 'c'], points: [], starts: [0], matrix: [] };

  it('one row per finished experience, one column per layer, in %', () => {
    const reports = { 'gradient-projection': [{ protectedShare: [0.125, 0.5] }, { protectedShare: [0.25, 0.75] }] };
    const html = liveProtection({ ...base, protectedShare: protectedShareOf(reports) });
    const rows = html.match(/<tr>.*?<\/tr>/g)!;
    expect(rows).toHaveLength(3);
    expect(rows[0]).toContain('layer 2');
    expect(rows[1]).toMatch(/after a<\/th><td>12\.5 %<\/td><td>50\.0 %<\/td>/);
    expect(rows[2]).toMatch(/after b<\/th><td>25\.0 %<\/td><td>75\.0 %<\/td>/);
  });

  it('nothing for a run without a projection report', () => {
    expect(protectedShareOf({ ewc: [{}, {}] })).toBeNull();
    expect(protectedShareOf(undefined)).toBeNull();
    expect(liveProtection({ ...base, protectedShare: null })).toBe('');
  });
});
