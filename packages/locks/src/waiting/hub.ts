// Hand-off delivery inside this process. Each adapter subscribes to a lock's channel once,
// however many of its waiters wait there, and routes every hand-off message ("owner|token")
// straight to the waiter it names: one map lookup per message instead of one listener per
// waiter. A script's reply lists the hand-offs it made, and the caller delivers those meant
// for a waiter of this process at once; the scripts publish only the hand-offs to waiters of
// other processes (an owner id starts with its process's prefix).
import type { RedisAdapter, Unsubscribe } from '@tasks/redis';

type Receiver = (message: string) => void;

/** Waiters of this process, by channel, then by owner id (no key string built per message). */
const receivers = new Map<string, Map<string, Receiver>>();

/** Delivers a hand-off message to the waiter it names, if that waiter is in this process. */
function dispatch(channel: string, message: string): void {
  const bar = message.indexOf('|');
  if (bar > 0) receivers.get(channel)?.get(message.slice(0, bar))?.(message);
}

/** @internal Delivers the hand-offs a script reported to the waiters of this process. */
export function handOverLocally(channel: string | null, grants: readonly string[]): void {
  if (channel === null || grants.length === 0) return;
  for (const grant of grants) dispatch(channel, grant);
}

/** @internal Registers a waiter; returns its deregistration. */
export function addReceiver(channel: string, owner: string, receiver: Receiver): () => void {
  let byOwner = receivers.get(channel);
  if (!byOwner) receivers.set(channel, (byOwner = new Map<string, Receiver>()));
  byOwner.set(owner, receiver);
  const registered = byOwner;
  return () => {
    if (registered.get(owner) !== receiver) return;
    registered.delete(owner);
    if (registered.size === 0 && receivers.get(channel) === registered) receivers.delete(channel);
  };
}

interface Subscription {
  users: number;
  /** Resolves once SUBSCRIBE was acknowledged. */
  readonly ready: Promise<Unsubscribe>;
  live: boolean;
}

const subscriptions = new WeakMap<RedisAdapter, Map<string, Subscription>>();

/**
 * @internal True when `redis` already listens on `channel` for another waiter of this process:
 * a new waiter then needs no SUBSCRIBE round trip and can join the line at once.
 */
export function isListening(redis: RedisAdapter, channel: string): boolean {
  return subscriptions.get(redis)?.get(channel)?.live === true;
}

/** Stops one user's listening; a promise only when it was the last user (UNSUBSCRIBE). */
export type StopListening = () => Promise<void> | undefined;

/**
 * @internal Makes `redis` listen on `channel` (once per adapter and channel) and resolves when
 * it does; the returned function stops listening for this user.
 */
export async function listen(redis: RedisAdapter, channel: string): Promise<StopListening> {
  let byChannel = subscriptions.get(redis);
  if (!byChannel) subscriptions.set(redis, (byChannel = new Map<string, Subscription>()));
  let subscription = byChannel.get(channel);
  if (!subscription) {
    const created: Subscription = {
      users: 0,
      live: false,
      ready: redis.subscribe(channel, (message) => dispatch(channel, message)),
    };
    byChannel.set(channel, (subscription = created));
    void created.ready.then(
      () => (created.live = true),
      () => byChannel.delete(channel),
    );
  }
  subscription.users++;
  try {
    await subscription.ready;
  } catch (error) {
    subscription.users--;
    throw error;
  }
  return stopper(byChannel, channel, subscription);
}

/**
 * @internal {@link listen} without waiting: when `redis` already listens on `channel`, adds a
 * user and returns its stop function at once; otherwise undefined (call `listen`).
 */
export function listenNow(redis: RedisAdapter, channel: string): StopListening | undefined {
  const byChannel = subscriptions.get(redis);
  const subscription = byChannel?.get(channel);
  if (!byChannel || subscription?.live !== true) return undefined;
  subscription.users++;
  return stopper(byChannel, channel, subscription);
}

function stopper(
  byChannel: Map<string, Subscription>,
  channel: string,
  current: Subscription,
): StopListening {
  return () => {
    if (--current.users > 0 || byChannel.get(channel) !== current) return undefined;
    byChannel.delete(channel);
    current.live = false;
    return current.ready.then((unsubscribe) => unsubscribe());
  };
}
