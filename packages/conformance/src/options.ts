// What a plug-in's vitest file hands the kit.

type TestBody = () => void;

/** The vitest functions the kit registers its tests with (injectable so the kit can test itself). */
export interface TestApi {
  describe(name: string, body: TestBody): void;
  readonly it: ((name: string, body: TestBody) => void) & {
    /** vitest's `it.fails`: the test passes only if its body throws. */
    readonly fails?: (name: string, body: TestBody) => void;
    /** vitest's `it.skip`. */
    readonly skip?: (name: string, body: TestBody) => void;
  };
}

export interface ConformanceOptions {
  /** The plug-in's package folder (the one whose package.json carries the `shootdown` manifest). */
  readonly pluginDir: string;
  /** Plug-ins loaded before it, e.g. the one whose policy it adds a variant to. */
  readonly extraPluginDirs?: readonly string[];
  /** The policies to check (default: every policy the plug-in's manifest lists). */
  readonly policies?: readonly string[];
  /**
   * Checks known to fail, each written `<policy> › <test name>` as the test is named (e.g.
   * `arm64-pkey › kernel-text.yaml under arm64-pkey`). They are registered with `it.fails`, so the
   * suite turns red once the plug-in is fixed and the entry is stale; a name that matches no check
   * is itself a failure.
   */
  readonly knownFailures?: readonly string[];
  /**
   * Checks not run at all, `<policy> › <test name>` → why (e.g. a run too slow for a unit suite). Use
   * sparingly: a skipped check proves nothing; prefer `knownFailures`.
   */
  readonly skip?: Readonly<Record<string, string>>;
}
