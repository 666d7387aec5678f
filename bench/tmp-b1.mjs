import { Access, Mode, Pte, createMachine } from '@shootdown/mmu';
const USER_VA = 0x40000000;
const m = createMachine({ tlb: process.argv[2] ?? 'precise', cpus: 1, memory: '64MiB' });
const table = () => m.frames.allocAny('page-table');
m.createKernelSpace(table);
const mm = m.createSpace(1, table);
m.ensurePath(mm, USER_VA, 1, table);
for (let i = 0; i < 64; i++)
  m.setLeaf(mm, USER_VA + i * 4096, 1, m.frames.allocAny('data'), Pte.WRITABLE | Pte.USER);
m.setRoot(0, mm);
const hit = (n) => {
  for (let i = 0; i < n; i++) m.access(0, USER_VA + (i & 63) * 4096, Access.READ, Mode.USER);
};
hit(1e6);
const t0 = process.cpuUsage();
hit(5e6);
const ms = (() => {
  const u = process.cpuUsage(t0);
  return (u.user + u.system) / 1000;
})();
console.log((5e6 / ms / 1e3).toFixed(2), 'M/s');
