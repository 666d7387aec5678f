// runner/release.ts: a run's child container lets go of its registrations at once, disposes what it built,
// and skips tsyringe's async dispose when it built nothing disposable.
import { describe, expect, it, vi } from 'vitest';
import { releaseContainer } from '../src/runner/release.js';
import { rootContainer } from '../src/runner/root-container.js';

class Resource {
  disposed = false;
  dispose(): void {
    this.disposed = true;
  }
}

const TOKEN = Symbol.for('shootdown.test.release');

describe('releaseContainer', () => {
  it('disposes, before it returns, an instance the container built', () => {
    const child = rootContainer().createChildContainer();
    child.register(TOKEN, { useClass: Resource });
    const built = child.resolve<Resource>(TOKEN);
    const dispose = vi.spyOn(child, 'dispose');
    releaseContainer(child);
    expect(dispose).toHaveBeenCalledTimes(1);
    expect(built.disposed).toBe(true);
  });

  it('drops the registrations and skips dispose when the container built nothing disposable', () => {
    const child = rootContainer().createChildContainer();
    const value = new Resource();
    child.register(TOKEN, { useValue: value });
    child.register(Symbol.for('shootdown.test.release.factory'), { useFactory: () => new Resource() });
    child.resolve(Symbol.for('shootdown.test.release.factory'));
    const dispose = vi.spyOn(child, 'dispose');
    releaseContainer(child);
    expect(dispose).not.toHaveBeenCalled();
    expect(child.isRegistered(TOKEN)).toBe(false);
    // a value the policy registered is the policy's own: never disposed by the container
    expect(value.disposed).toBe(false);
  });
});
