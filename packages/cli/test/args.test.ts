import { describe, expect, it } from 'vitest';
import { integerOption, jsonOption, listOption, parseCommandLine } from '../src/args.js';
import { UsageError } from '../src/errors.js';
import { formatDuration, formatInstant, redactUrl } from '../src/format.js';

describe('command-line parsing', () => {
  const options = {
    json: { type: 'boolean', help: '' },
    size: { type: 'string', multiple: true, help: '' },
    'wait-ms': { type: 'string', help: '' },
  } as const;

  it('parses positionals and options anywhere, and records which options were used', () => {
    const parsed = parseCommandLine(['--json', 'dlq', 'show', 'x', '--size', 'a,b', '--size', 'c'], options);
    expect(parsed.positionals).toEqual(['dlq', 'show', 'x']);
    expect([...parsed.used].sort()).toEqual(['json', 'size']);
    expect(listOption(parsed.values, 'size')).toEqual(['a', 'b', 'c']);
  });

  it('turns unknown options into usage errors', () => {
    expect(() => parseCommandLine(['--nope'], options)).toThrow(
      new UsageError('Unknown option --nope. Run `tasks --help` for the options.'),
    );
  });

  it('checks integers and JSON', () => {
    const { values } = parseCommandLine(['--wait-ms', '250'], options);
    expect(integerOption(values, 'wait-ms', 0)).toBe(250);
    expect(integerOption(values, 'absent', 7)).toBe(7);
    for (const bad of ['-1', '1.5', 'ten', '']) {
      const parsed = parseCommandLine([`--wait-ms=${bad}`], options);
      expect(() => integerOption(parsed.values, 'wait-ms', 0)).toThrow(UsageError);
    }
    const negative = parseCommandLine(['--wait-ms', '-5', 'x'], options);
    expect(negative.positionals).toEqual(['x']);
    expect(() => integerOption(negative.values, 'wait-ms', 0)).toThrow(
      new UsageError("--wait-ms must be a whole number of at least 0, got '-5'"),
    );
    expect(jsonOption({ args: '{"a":[1,2]}' }, 'args', {})).toEqual({ a: [1, 2] });
    expect(jsonOption({}, 'args', {})).toEqual({});
    expect(() => jsonOption({ args: "{'a':1}" }, 'args', {})).toThrow(/--args is not valid JSON/);
  });
});

describe('formatting', () => {
  it('formats durations, instants and URLs for people', () => {
    expect([350, 1_500, 125_000, 3_660_000].map(formatDuration)).toEqual([
      '350 ms',
      '1.5 s',
      '2 min 5 s',
      '1 h 1 min',
    ]);
    expect(formatInstant(Date.UTC(2026, 10, 28, 6, 0, 0, 123))).toBe('2026-11-28T06:00:00Z');
    expect(redactUrl('redis://u:pw@h:1')).toBe('redis://u:***@h:1');
    expect(redactUrl('redis://h:1')).toBe('redis://h:1');
  });
});
