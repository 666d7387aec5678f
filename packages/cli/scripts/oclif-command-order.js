// A rolldown plug-in for the vendored @oclif/core (scripts/bundle-dist.js --vendor-plugin): its Plugin class
// sorts the commands with commandOrder (src/command-order.ts, which says why) instead of localeCompare.
// The build fails when oclif's sort is not there to replace (another oclif release): commandOrder must be
// checked against that release before it is used again.
import { commandOrder } from '../dist/command-order.js';

const SORT = '.sort((a, b) => a.id.localeCompare(b.id))';

export default {
  name: 'oclif-command-order',
  transform(code, id) {
    if (!/@oclif[\\/]core[\\/]lib[\\/]config[\\/]plugin\.js$/.test(id)) return null;
    if (code.split(SORT).length !== 2)
      throw new Error(`${id}: the command sort to replace is not there once`);
    return {
      code: `${code.replace(SORT, '.sort((a, b) => commandOrder(a.id, b.id))')}\n${commandOrder.toString()}\n`,
    };
  },
};
