import { Access, Mode, Pte, createMachine } from '@shootdown/mmu';
const USER_VA = 0x40000000;
const m = createMachine({ cpus: 64, memory: '64MiB' });
const table = () => m.frames.allocAny('page-table');
m.createKernelSpace(table);
const mm = m.createSpace(1, table);
m.ensurePath(mm, USER_VA, 1, table);
for (let c = 0; c < 64; c++) m.setRoot(c, mm);
const frames = Array.from({ length: 256 }, () => m.frames.allocAny('data'));
const step = (n) => {
  for (let i = 0; i < n; i++) {
    const va = USER_VA + (i & 255) * 4096;
    m.setLeaf(mm, va, 1, frames[i & 255], Pte.WRITABLE | Pte.USER);
    m.access(i & 63, va, Access.WRITE, Mode.USER);
    m.clearEntry(mm, va, 1);
    if ((i & 31) === 31) for (let c = 0; c < 64; c++) m.invpcid(c, 1, 1);
  }
};
step(20000);
const t0 = process.cpuUsage();
step(200000);
const ms = (() => {
  const u = process.cpuUsage(t0);
  return (u.user + u.system) / 1000;
})();
console.log(((3 * 200000) / ms / 1e3).toFixed(2), 'M ops/s');
