// The runtime modes the end-to-end matrix runs in. Each e2e file loops over this list, so a new
// mode (worker) joins the whole matrix by adding its name here.
import type { MeshOptions } from '../../src/api/index.ts';

export const MODES = ['inline', 'worker'] as const satisfies readonly NonNullable<MeshOptions['mode']>[];

export type Mode = (typeof MODES)[number];
