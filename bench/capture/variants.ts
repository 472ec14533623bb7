// The sensors a benchmark cell can run: a capture tier as users start it, or a variant of a
// tier that turns one of its costs off, so that cost is measured in the same run as the tier.
// A variant is reached through the environment the sensor is started with.

interface SensorVariant {
  /** The tier passed to `run --source`. */
  readonly source: string;
  /** Added to the sensor's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Added to the sensor's command line. */
  readonly args?: readonly string[];
}

const VARIANTS: Readonly<Record<string, SensorVariant>> = {
  // The ebpf tier recording the exec filename as typed: the kernel's executable path walk off.
  'ebpf-nowalk': { source: 'ebpf', env: { PACKETTRAIL_EXE_PATH_WALK: '0' } },
  // The ebpf tier with connection ends on for its file sink: the kernel's close path, and each
  // close decoded, attributed, formatted and written, on top of the tier as it runs by default.
  'ebpf-closes': { source: 'ebpf', env: {}, args: ['--closes'] },
};

/** What `--tiers` entry `tier` starts: a variant, or the tier itself with the environment unchanged. */
export function sensorVariant(tier: string): SensorVariant {
  return VARIANTS[tier] ?? { source: tier, env: {} };
}
