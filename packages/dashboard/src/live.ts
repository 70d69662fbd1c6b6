// Server-sent events: one reader of the app's event stream per dashboard (started with the
// first browser that listens, stopped with the last), fanned out to every open page.
import type { StreamedEvent, TaskApp } from '@tasks/core';

type Listener = (event: StreamedEvent) => void;

/** @internal Shares one `app.events()` reader among the open event streams. */
export class EventHub {
  readonly #listeners = new Set<Listener>();
  #stop: AbortController | null = null;

  constructor(
    private readonly app: TaskApp,
    private readonly onError: (error: unknown) => void,
  ) {}

  /** Listens to every event from now on; returns the function that stops listening. */
  subscribe(listener: Listener): () => void {
    this.#listeners.add(listener);
    if (!this.#stop) this.#start();
    return () => {
      this.#listeners.delete(listener);
      if (this.#listeners.size === 0) {
        this.#stop?.abort();
        this.#stop = null;
      }
    };
  }

  #start(): void {
    const stop = new AbortController();
    this.#stop = stop;
    void (async () => {
      while (!stop.signal.aborted) {
        try {
          for await (const event of this.app.events({ signal: stop.signal, blockMs: 2_000 }))
            for (const listener of this.#listeners) listener(event);
        } catch (error) {
          if (stop.signal.aborted) return;
          this.onError(error);
          await new Promise((resolve) => setTimeout(resolve, 1_000));
        }
      }
    })();
  }

  /** Stops the reader (open streams stay open and get nothing more). */
  close(): void {
    this.#stop?.abort();
    this.#stop = null;
  }
}

const encoder = new TextEncoder();

/** @internal A `text/event-stream` response fed by the hub until the client leaves. */
export function eventStreamResponse(hub: EventHub, signal: AbortSignal | undefined): Response {
  let cleanup = (): void => undefined;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (text: string): void => {
        try {
          controller.enqueue(encoder.encode(text));
        } catch {
          cleanup();
        }
      };
      send('retry: 2000\n\n');
      const unsubscribe = hub.subscribe((event) => {
        const data = JSON.stringify({ id: event.id, type: event.type, at: event.at, data: event.data });
        send(`event: task\nid: ${event.id}\ndata: ${data}\n\n`);
      });
      const ping = setInterval(() => send(': ping\n\n'), 15_000);
      cleanup = () => {
        clearInterval(ping);
        unsubscribe();
        cleanup = () => undefined;
        try {
          controller.close();
        } catch {
          // already closed
        }
      };
      signal?.addEventListener('abort', () => cleanup(), { once: true });
    },
    cancel() {
      cleanup();
    },
  });
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    },
  });
}
