import { describe, expect, it } from 'vitest';
import { initialResult, type ProbeResult, type ProbeResultState, type ProbeType } from './probe-result.js';
import { deriveView, isSameView } from './probe-view.js';

function results(entries: Partial<Record<ProbeType, ProbeResult>>): Partial<Record<ProbeType, ProbeResultState>> {
  const out: Partial<Record<ProbeType, ProbeResultState>> = {};
  for (const [type, result] of Object.entries(entries) as [ProbeType, ProbeResult][]) out[type] = { ...initialResult(type), result };
  return out;
}

describe('deriveView', () => {
  it.each<{ name: string; have: Partial<Record<ProbeType, ProbeResult>>; started: boolean; ready: boolean }>([
    { name: 'no probes: started and ready', have: {}, started: true, ready: true },
    { name: 'liveness only: ready while it passes', have: { liveness: 'success' }, started: true, ready: true },
    { name: 'liveness failing does not make it unready', have: { liveness: 'failure' }, started: true, ready: true },
    { name: 'readiness not yet passed', have: { readiness: 'failure' }, started: true, ready: false },
    { name: 'readiness passed', have: { readiness: 'success' }, started: true, ready: true },
    { name: 'startup undecided: neither started nor ready', have: { startup: 'unknown' }, started: false, ready: false },
    { name: 'startup failed', have: { startup: 'failure' }, started: false, ready: false },
    { name: 'startup passed, no readiness probe: ready', have: { startup: 'success' }, started: true, ready: true },
    { name: 'startup passed, readiness not yet', have: { startup: 'success', readiness: 'failure' }, started: true, ready: false },
    { name: 'startup undecided gates a passing readiness', have: { startup: 'unknown', readiness: 'success' }, started: false, ready: false },
  ])('$name', ({ have, started, ready }) => {
    expect(deriveView(results(have), undefined)).toEqual({ started, ready });
  });

  it('carries failed', () => {
    const failed = { probe: 'liveness', message: 'down' } as const;
    expect(deriveView(results({ liveness: 'failure' }), failed)).toEqual({ started: true, ready: true, failed });
  });
});

describe('isSameView', () => {
  it('compares every field, failed included', () => {
    const base = { started: true, ready: true };
    expect(isSameView(base, { ...base })).toBe(true);
    expect(isSameView(base, { ...base, ready: false })).toBe(false);
    expect(isSameView(base, { ...base, started: false })).toBe(false);
    expect(isSameView(base, { ...base, failed: { probe: 'liveness', message: 'x' } })).toBe(false);
    expect(isSameView({ ...base, failed: { probe: 'liveness', message: 'x' } }, { ...base, failed: { probe: 'liveness', message: 'x' } })).toBe(true);
    expect(isSameView({ ...base, failed: { probe: 'liveness', message: 'x' } }, { ...base, failed: { probe: 'startup', message: 'x' } })).toBe(false);
  });
});
