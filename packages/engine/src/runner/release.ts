// Ending a run's child container. tsyringe's `dispose()` is async: it calls each Disposable's `dispose()`
// at once, but its continuation keeps the container — and through its registrations the machine, the
// kernel and the pmaps — alive until the microtask queue drains. `compare --jobs 1` runs the whole
// matrix synchronously, so every run ever made stayed reachable until the end (1.6 GiB for the
// catalogue). Dropping the registrations first releases the run the moment it returns.
import type { DependencyContainer } from 'tsyringe';

export function releaseContainer(child: DependencyContainer): void {
  child.reset();
  child.dispose()?.catch(() => undefined);
}
