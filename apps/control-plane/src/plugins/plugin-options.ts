import type { ControlPlaneContext } from '../app/control-plane-context.ts';

/** What every feature plugin is registered with. */
export interface PluginOptions {
  context: ControlPlaneContext;
}
