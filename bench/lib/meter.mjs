// CPU accounting per process and for the whole box, and the quiet gate.
//
// - node CPU: process.cpuUsage() (exact, all threads of this process);
// - redis CPU: INFO cpu used_cpu_user + used_cpu_sys (exact, read over a control connection);
// - box CPU: /proc/stat (tick-sampled, so only a coarse detector of foreign load);
// - cpu pressure: PSI /proc/pressure/cpu "some" total, as % of wall time.
// CPU % is "% of one core" (the box maximum is 100 × cores).
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';

const USER_HZ = 100;

function readBoxJiffies() {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const fields = line.trim().split(/\s+/).slice(1).map(Number);
    const [user, nice, system, idle, iowait = 0, irq = 0, softirq = 0, steal = 0] = fields;
    return { busy: user + nice + system + irq + softirq + steal, idle: idle + iowait };
  } catch {
    return null;
  }
}

function readPsiSomeUs() {
  try {
    const line = readFileSync('/proc/pressure/cpu', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('some'));
    const match = line && /total=(\d+)/.exec(line);
    return match ? Number(match[1]) : null;
  } catch {
    return null;
  }
}

/** Parses the sections of one INFO reply into { field: value } (numbers where numeric). */
export function parseInfo(text) {
  const out = {};
  for (const line of String(text).split('\r\n')) {
    if (!line || line.startsWith('#')) continue;
    const colon = line.indexOf(':');
    if (colon < 0) continue;
    const key = line.slice(0, colon);
    const value = line.slice(colon + 1);
    out[key] = /^-?\d+(\.\d+)?$/.test(value) ? Number(value) : value;
  }
  return out;
}

/** Total calls per command from INFO commandstats (`cmdstat_get:calls=12,...`). */
function commandCalls(info) {
  const calls = {};
  for (const [key, value] of Object.entries(info)) {
    if (!key.startsWith('cmdstat_')) continue;
    const match = /calls=(\d+)/.exec(String(value));
    if (match) calls[key.slice(8)] = Number(match[1]);
  }
  return calls;
}

/**
 * Takes consistent snapshots of every meter. `control` is an ioredis connection used for
 * nothing but INFO, so the measured client's queue is never touched.
 */
export class CpuMeter {
  constructor(control) {
    this.control = control;
  }

  async snapshot() {
    const t = performance.now();
    const node = process.cpuUsage();
    const box = readBoxJiffies();
    const psi = readPsiSomeUs();
    const info = parseInfo(await this.control.info('cpu', 'commandstats', 'memory', 'stats'));
    return {
      t,
      nodeUs: node.user + node.system,
      box,
      psi,
      redisUs: Math.round((info.used_cpu_user + info.used_cpu_sys) * 1e6),
      calls: commandCalls(info),
      usedMemory: info.used_memory,
      netIn: info.total_net_input_bytes,
      netOut: info.total_net_output_bytes,
    };
  }

  /** CPU and command figures between two snapshots, for `ops` operations. */
  static diff(a, b, ops) {
    const wallMs = b.t - a.t;
    const pct = (us) => (us / (wallMs * 1000)) * 100;
    const nodePct = pct(b.nodeUs - a.nodeUs);
    const redisPct = pct(b.redisUs - a.redisUs);
    let boxPct = null;
    if (a.box && b.box) boxPct = ((((b.box.busy - a.box.busy) / USER_HZ) * 1e6) / (wallMs * 1000)) * 100;
    const psiPct = a.psi !== null && b.psi !== null ? pct(b.psi - a.psi) : null;
    let redisCalls = 0;
    const perCommand = {};
    for (const [name, calls] of Object.entries(b.calls)) {
      if (name === 'info') continue;
      const delta = calls - (a.calls[name] ?? 0);
      if (delta > 0) {
        redisCalls += delta;
        perCommand[name] = delta;
      }
    }
    const perOp = (x) => (ops > 0 ? x / ops : null);
    return {
      wallMs,
      nodeCpuPct: nodePct,
      redisCpuPct: redisPct,
      boxCpuPct: boxPct,
      otherCpuPct: boxPct === null ? null : boxPct - nodePct - redisPct,
      cpuPressurePct: psiPct,
      nodeUsPerOp: perOp(b.nodeUs - a.nodeUs),
      redisUsPerOp: perOp(b.redisUs - a.redisUs),
      redisCallsPerOp: perOp(redisCalls),
      redisCallsByCommand: Object.fromEntries(Object.entries(perCommand).map(([k, v]) => [k, perOp(v)])),
      usedMemoryDelta: b.usedMemory - a.usedMemory,
      memBytesPerOp: perOp(b.usedMemory - a.usedMemory),
      // Bytes Redis read from / wrote to all clients (the INFO exchanges add ~0.1 % here).
      netInBytesPerOp: perOp(b.netIn - a.netIn),
      netOutBytesPerOp: perOp(b.netOut - a.netOut),
    };
  }
}

/**
 * Waits until the whole box has been under `pct` % of one core for two consecutive windows,
 * at most `maxMs`. Returns whether it passed and how long it waited.
 */
export async function quietGate({ pct, windowMs, maxMs }) {
  const start = performance.now();
  let quietWindows = 0;
  let last = readBoxJiffies();
  if (!last) return { passed: true, waitedMs: 0, note: 'no /proc/stat' };
  while (performance.now() - start < maxMs + windowMs) {
    await sleep(windowMs);
    const now = readBoxJiffies();
    const busyPct = ((((now.busy - last.busy) / USER_HZ) * 1000) / windowMs) * 100;
    last = now;
    quietWindows = busyPct < pct ? quietWindows + 1 : 0;
    if (quietWindows >= 2) return { passed: true, waitedMs: Math.round(performance.now() - start) };
    if (performance.now() - start >= maxMs) break;
  }
  return { passed: false, waitedMs: Math.round(performance.now() - start) };
}

/** A sample is clean when the gate passed and no foreign load or CPU pressure showed up. */
export function isClean(sample, limits) {
  if (!sample.gate.passed) return false;
  if (sample.error) return false;
  const m = sample.metrics;
  if (m.otherCpuPct !== null && m.otherCpuPct > limits.otherMaxPct) return false;
  if (m.cpuPressurePct !== null && m.cpuPressurePct > limits.psiMaxPct) return false;
  return true;
}
