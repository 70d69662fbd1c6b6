// The mutations: cancel, pause/resume, DLQ replay and purge. Each is a POST form checked by
// `Auth.refusal` first; on success the browser is sent back (303) with a notice code.
import { PRIORITIES, SIZES, type Priority, type Size, type StreamSelector, type TaskApp } from '@tasks/core';

/** @internal The outcome of an action: where to go next, and what to say there. */
export interface ActionResult {
  readonly path: string | null;
  readonly done: string;
}

function text(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === 'string' ? value.trim() : '';
}

function selector(form: FormData): StreamSelector {
  const priority = text(form, 'priority');
  const size = text(form, 'size');
  return {
    ...((PRIORITIES as readonly string[]).includes(priority) ? { priority: priority as Priority } : {}),
    ...((SIZES as readonly string[]).includes(size) ? { size: size as Size } : {}),
  };
}

/** Thrown for a request the action cannot carry out (missing id, missing confirmation). */
export class ActionInputError extends Error {
  override readonly name = 'ActionInputError';
}

function required(form: FormData, name: string): string {
  const value = text(form, name);
  if (!value) throw new ActionInputError(`the form lacks its ${name}`);
  return value;
}

/** @internal Runs the action named `name`; `null` for an unknown one. */
export async function runAction(app: TaskApp, name: string, form: FormData): Promise<ActionResult | null> {
  switch (name) {
    case 'cancel': {
      const result = await app.cancel(required(form, 'id'));
      return { path: null, done: result.outcome };
    }
    case 'pause':
      await app.pause(selector(form));
      return { path: null, done: 'paused' };
    case 'resume':
      await app.resume(selector(form));
      return { path: null, done: 'resumed' };
    case 'dlq-replay': {
      const handle = await app.dlq.replay(required(form, 'id'));
      return { path: `/tasks/${encodeURIComponent(handle.id)}`, done: 'replayed' };
    }
    case 'dlq-purge': {
      if (text(form, 'confirm') !== 'yes')
        throw new ActionInputError('purging needs the confirmation box ticked');
      const id = text(form, 'id');
      await app.dlq.purge(id || undefined);
      return { path: '/dlq', done: 'purged' };
    }
    default:
      return null;
  }
}
