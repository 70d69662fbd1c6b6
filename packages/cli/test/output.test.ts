import { describe, expect, it } from 'vitest';
import { Output, type CliIo } from '../src/output.js';
import { renderPairs, renderTable } from '../src/table.js';

function io(tty: boolean): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    stdout: { write: (chunk: string) => out.push(chunk), isTTY: tty, columns: 40 },
    stderr: { write: (chunk: string) => err.push(chunk) },
    env: {},
    cwd: '/',
  };
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 150));

describe('renderTable', () => {
  it('aligns columns, right-aligns numbers and leaves no trailing spaces', () => {
    const text = renderTable(
      [{ header: 'NAME' }, { header: 'COUNT', align: 'right' }, { header: 'NOTE' }],
      [
        ['a', '1', ''],
        ['longer-name', '12345', 'x'],
      ],
    );
    expect(text.split('\n')).toEqual([
      'NAME         COUNT  NOTE',
      'a                1',
      'longer-name  12345  x',
    ]);
  });

  it('aligns label/value pairs', () => {
    expect(
      renderPairs([
        ['Delayed', '1'],
        ['Dead-lettered', '0'],
      ]),
    ).toBe('Delayed        1\nDead-lettered  0');
  });
});

describe('Output', () => {
  it('draws a live progress line on a terminal, redrawn in place and cleared before other lines', async () => {
    const target = io(true);
    const out = new Output(target, false);
    expect(out.live).toBe(true);
    out.progress('running 1');
    out.progress('running 2'); // coalesced: at most one redraw per 100 ms
    await tick();
    expect(target.out).toEqual(['\r\u001b[2Krunning 2']);
    out.print('a result line');
    expect(target.out.slice(1)).toEqual(['\r\u001b[2K', 'a result line\n', '\r\u001b[2Krunning 2']);
    out.progress('x'.repeat(100));
    await tick();
    expect(target.out.at(-1)).toBe(`\r\u001b[2K${'x'.repeat(39)}`); // cut to the terminal width
    out.endProgress();
    expect(target.out.at(-1)).toBe('\r\u001b[2K');
  });

  it('never draws progress when stdout is not a terminal, or with --json', async () => {
    for (const [tty, json] of [
      [false, false],
      [true, true],
    ] as const) {
      const target = io(tty);
      const out = new Output(target, json);
      expect(out.live).toBe(false);
      out.progress('running 1');
      await tick();
      out.print('line');
      out.endProgress();
      expect(target.out).toEqual(['line\n']);
    }
  });

  it('writes notes and logger lines on stderr, one line each', () => {
    const target = io(false);
    const out = new Output(target, false);
    out.note('two\nlines');
    out.logger().warn('careful', { key: 'k', n: 2 });
    expect(target.err).toEqual(['two lines\n', 'warning: careful key=k n=2\n']);
    expect(target.out).toEqual([]);
  });
});
