// What every formatter needs to know about the sensor itself: the host it runs on and its
// version. One object per sink, made once when the sink is built.
import type { HostInfo } from '../core/context';

export interface FormatEnv {
  readonly host: HostInfo;
  readonly agentVersion: string;
}
