import { describe, expect, it } from 'vitest';
import { compareVersions } from '../src/checks.js';
import { isOutOfMemoryReply } from '../src/errors.js';
import { blockingFindings, defineScript, scriptShebang, type RedisCheckReport } from '../src/index.js';

describe('script flags', () => {
  it('puts the #!lua line first, before the prologue, and into the SHA1', () => {
    const plain = defineScript({ name: 'p', keys: ['k'], lua: 'return 1' });
    const flagged = defineScript({ name: 'p', keys: ['k'], flags: ['allow-oom'], lua: 'return 1' });
    expect(flagged.lua.startsWith('#!lua flags=allow-oom\nlocal k = KEYS[1]\n')).toBe(true);
    expect(flagged.sha1).not.toBe(plain.sha1);
    expect(plain.lua.startsWith('local k')).toBe(true);
    expect(scriptShebang([])).toBe('');
    expect(scriptShebang(['allow-oom', 'no-writes', 'allow-oom'])).toBe('#!lua flags=allow-oom,no-writes\n');
  });
});

describe('checks', () => {
  it('compares versions numerically', () => {
    expect(compareVersions('6.2.14', '7.0.0')).toBeLessThan(0);
    expect(compareVersions('7.0.15', '7.0.0')).toBeGreaterThan(0);
    expect(compareVersions('10.0', '7.0.0')).toBeGreaterThan(0);
    expect(compareVersions('7.0', '7.0.0')).toBe(0);
  });

  it('blocks on errors in warn mode, on warnings too in strict mode, never when off', () => {
    const report: RedisCheckReport = {
      target: 't',
      version: '7.0.15',
      findings: [
        { check: 'version', level: 'info', message: 'ok', source: 'INFO' },
        { check: 'eviction-policy', level: 'warning', message: 'evicts', source: 'INFO' },
      ],
    };
    expect(blockingFindings(report, 'warn')).toEqual([]);
    expect(blockingFindings(report, 'strict').map((f) => f.check)).toEqual(['eviction-policy']);
    expect(
      blockingFindings({ ...report, findings: [{ ...report.findings[0]!, level: 'error' }] }, 'off'),
    ).toEqual([]);
  });

  it("recognises Redis' OOM reply, plain and from a script", () => {
    expect(isOutOfMemoryReply(new Error("OOM command not allowed when used memory > 'maxmemory'."))).toBe(
      true,
    );
    expect(
      isOutOfMemoryReply(
        new Error("OOM command not allowed when used memory > 'maxmemory'. script: abc, on @user_script:1."),
      ),
    ).toBe(true);
    expect(isOutOfMemoryReply(new Error('WRONGTYPE Operation against a key'))).toBe(false);
  });
});
