// Preloaded into a measured child (`node --import peak-usage.js …`): at exit it writes one line to stderr
// with the process's own CPU time since it started (node's bootstrap included) and its peak resident size.
process.on('exit', () => {
  const cpu = process.cpuUsage();
  const figures = {
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    maxRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  process.stderr.write(`peak-usage ${JSON.stringify(figures)}\n`);
});
