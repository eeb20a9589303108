/**
 * `run` made safe to call at any time: calls never overlap, and calls made during a run ask for
 * one more run after it (however many there were), while `more()` allows. A call that finds a
 * run going returns at once.
 */
export function coalesced(run: () => Promise<void>, more: () => boolean = () => true): () => Promise<void> {
  let running = false;
  let again = false;
  return async () => {
    if (running) {
      again = true;
      return;
    }
    running = true;
    try {
      do {
        again = false;
        await run();
      } while (again && more());
    } finally {
      running = false;
    }
  };
}
