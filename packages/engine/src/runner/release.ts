// Ending a run's child container. tsyringe's `dispose()` is async: it calls each Disposable's `dispose()`
// at once, but its continuation keeps the container — and through its registrations the machine, the
// kernel and the pmaps — alive until the microtask queue drains. `compare --jobs 1` runs the whole
// matrix synchronously, so every run ever made stayed reachable until the end (1.6 GiB for the
// catalogue). Dropping the registrations first releases the run the moment it returns.
//
// A container holds something to dispose only when it built an instance with a `dispose()` itself (a class
// registration it resolved: tsyringe's InternalDependencyContainer.construct adds it to `disposables`); the
// policies register values and factories. With nothing there, `dispose()` would only mark the container
// disposed — which nothing asks once the run has returned — at the price of a promise, a generator and a
// microtask per run (~3 % of a litmus-sized run), so it is skipped. A tsyringe without that set is always
// asked to dispose.
import type { DependencyContainer } from 'tsyringe';

/** What tsyringe's container keeps of the Disposable instances it built (not part of its typed API). */
interface BuiltDisposables {
  readonly disposables?: { readonly size: number };
}

export function releaseContainer(child: DependencyContainer): void {
  child.reset();
  const built = (child as DependencyContainer & BuiltDisposables).disposables;
  if (built !== undefined && built.size === 0) return;
  child.dispose()?.catch(() => undefined);
}
