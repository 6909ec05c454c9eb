import { describe, expect, it } from 'vitest';
import { agentUnitEnvironment } from './unit-environment.js';

describe('agentUnitEnvironment', () => {
  it("reads the agent unit's Environment= lines, quoted or not, leaving out BATON_ ones", () => {
    const unit = ['[Service]', 'Environment=BATON_STATE_DIR=/var/lib/baton/agent', '# Environment=COMMENTED=1', 'Environment="NODE_OPTIONS=--a=1 --b"', 'Environment=MALLOC_ARENA_MAX=2', 'EnvironmentFile=-/etc/baton/agent.env'].join('\n');
    expect(agentUnitEnvironment(unit)).toEqual({ NODE_OPTIONS: '--a=1 --b', MALLOC_ARENA_MAX: '2' });
  });

  it('reads the real unit', () => {
    const env = agentUnitEnvironment();
    expect(env.NODE_OPTIONS).toMatch(/--max-old-space-size=32/);
    expect(env.MALLOC_ARENA_MAX).toBe('2');
  });
});
