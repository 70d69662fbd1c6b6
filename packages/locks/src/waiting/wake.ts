/** @internal A one-at-a-time wake-up: `wait(ms)` resolves on `fire()` or after `ms`. */
export class Wake {
  #resolve: (() => void) | undefined;
  #pending = false;

  fire(): void {
    if (this.#resolve) this.#resolve();
    else this.#pending = true;
  }

  wait(ms: number): Promise<void> {
    if (this.#pending) {
      this.#pending = false;
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#resolve = undefined;
        resolve();
      };
      const timer = setTimeout(done, ms);
      this.#resolve = done;
    });
  }
}
