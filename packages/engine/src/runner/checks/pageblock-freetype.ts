// `pageblock-freetype`: the freetype (migratetype + flags) of the pageblock holding a frame (Linux
// get_pageblock_migratetype and the __GFP_UNMAPPED freetype flags, spec linux.md §4.2).
import { type CheckHandler, targetFrame } from './check.js';

export const pageblockFreetypeCheck: CheckHandler = (state, step) => {
  const pa = state.allocator;
  if (pa === undefined) return undefined;
  return pa.pageblockFreetype(targetFrame(state, step));
};
