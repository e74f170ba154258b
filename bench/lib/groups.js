// Every benchmark group, with its cases normalized to { run, items: [quick, full] }.
const MODULES = ['single-thread', 'threads', 'python', 'pool', 'redis', 'bulk'];

export async function loadGroups(only) {
  const all = [];
  for (const module of MODULES) {
    if (only !== undefined && only !== module) continue;
    const { groups } = await import(`../cases/${module}.js`);
    for (const group of groups) {
      const cases = {};
      for (const [name, spec] of Object.entries(group.cases)) {
        cases[name] =
          typeof spec === 'function' ? { run: spec, items: [group.items.quick, group.items.full] } : spec;
      }
      all.push({ ...group, module, cases });
    }
  }
  return all;
}
