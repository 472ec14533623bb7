// `packettrail service install|uninstall|status`: the systemd service for hosts without the package.
import { DEFAULT_SERVICE_PATHS, installService, selfCommand, type ServicePaths, uninstallService } from '../service/install';
import { serviceStatus } from '../service/status';

export interface ServiceFlags {
  unitFile?: string;
  config?: string;
  stateDir?: string;
  purge?: boolean;
}

function pathsFrom(flags: ServiceFlags): ServicePaths {
  return {
    unitFile: flags.unitFile ?? DEFAULT_SERVICE_PATHS.unitFile,
    configPath: flags.config ?? DEFAULT_SERVICE_PATHS.configPath,
    stateDir: flags.stateDir ?? DEFAULT_SERVICE_PATHS.stateDir,
  };
}

export async function serviceCommand(action: 'install' | 'uninstall' | 'status', flags: ServiceFlags): Promise<number> {
  const paths = pathsFrom(flags);
  const lines = action === 'install' ? installService(paths, selfCommand()) : action === 'uninstall' ? uninstallService(paths, flags.purge === true) : serviceStatus(paths);
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}
