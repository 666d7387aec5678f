// The machine schema's `costs` is the cost-model schema (schemas/machine.schema.json → cost-model.schema.json),
// checked by the MMU's own validator; cycles are counted events times their weights (spec linux.md §7.2).
import { describe, expect, it } from 'vitest';
import { createMachine, defaultCostModel, MachineConfigError, validateMachineParams } from '../src/index.js';

describe('costs in the machine parameters', () => {
  it('prices events with the weights given in the parameters', () => {
    const m = createMachine({ cpus: 2, costs: { ipi: 40 } });
    const before = m.snapshot().cycles;
    m.count('ipi', 2);
    expect(m.snapshot().cycles - before).toBe(80);
  });

  it('a weight passed as the argument overrides the one in the parameters', () => {
    const m = createMachine({ cpus: 2, costs: { ipi: 40 } }, { ipi: 7 });
    const before = m.snapshot().cycles;
    m.count('ipi', 1);
    expect(m.snapshot().cycles - before).toBe(7);
  });

  it('omitted weights are the cost model defaults', () => {
    const m = createMachine({ cpus: 2, costs: { ipi: 40 } });
    const before = m.snapshot().cycles;
    m.count('full', 1);
    expect(m.snapshot().cycles - before).toBe(defaultCostModel['full']);
  });

  it('a negative weight is refused with its JSON pointer', () => {
    const v = validateMachineParams({ costs: { ipi: -1 } });
    expect(v.ok).toBe(false);
    if (!v.ok) expect(v.errors.map((e) => e.pointer)).toEqual(['/costs/ipi']);
    expect(() => createMachine({ costs: { ipi: -1 } })).toThrow(MachineConfigError);
  });
});
