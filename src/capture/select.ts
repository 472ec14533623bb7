// Chooses the capture tier (ebpf, then tracefs, then poll): `auto` takes the best one that
// works here and says why; an explicitly requested tier that cannot work is an error naming the reason.
// The kernel tiers are loaded only when tried (import() inside functions), so choosing `poll`
// never loads koffi or touches tracefs, and tests can pass their own factories.
import type { CaptureTier } from '../core/connection-event';
import type { Logger } from '../core/context';
import type { CaptureSource } from '../core/stages';
import { PtError, errorMessage } from '../core/errors';
import type { ProbeResult } from './probe';

export type RequestedTier = 'auto' | 'ebpf' | 'tracefs' | 'poll';

/** One tier: a cheap check and a factory (the source is started by the caller). */
export interface TierFactory {
  probe(): ProbeResult | Promise<ProbeResult>;
  create(): CaptureSource | Promise<CaptureSource>;
}

export interface SelectDeps {
  logger: Logger;
  /** The sensor's own pid: kernel tiers leave out its traffic. */
  ignorePid?: number;
  /** Read DNS answers (ebpf tier): server ports besides 53; absent, no DNS tap. */
  dns?: { readonly extraPorts: readonly number[] } | undefined;
  /** Whether a sink takes connection_closed records: the ebpf tier then sends them from the kernel. */
  closes?: boolean | undefined;
  createPoll(): CaptureSource;
  /** Replace a kernel tier (tests, other builds); default: the tier in this folder, loaded lazily. */
  ebpf?: TierFactory;
  tracefs?: TierFactory;
  poll?: TierFactory;
}

export interface Selected {
  source: CaptureSource;
  tier: CaptureTier;
  /** e.g. "ebpf: BPF object not built; tracefs: works" */
  why: string;
}

function defaultEbpfTier(deps: Pick<SelectDeps, 'logger' | 'ignorePid' | 'dns' | 'closes'>): TierFactory {
  return {
    async probe() {
      try {
        const m = await import('./ebpf');
        return m.probeEbpf();
      } catch (err) {
        return { works: false, reason: `ebpf tier failed to load: ${errorMessage(err)}` };
      }
    },
    async create() {
      const m = await import('./ebpf');
      return m.createEbpfSource({ logger: deps.logger, ignorePid: deps.ignorePid, dns: deps.dns, closes: deps.closes });
    },
  };
}

function defaultTracefsTier(deps: Pick<SelectDeps, 'logger' | 'ignorePid'>): TierFactory {
  return {
    async probe() {
      const m = await import('./tracefs');
      return m.probeTracefs();
    },
    async create() {
      const m = await import('./tracefs');
      return m.createTracefsSource({ logger: deps.logger, ignorePid: deps.ignorePid });
    },
  };
}

function pollTier(createPoll: () => CaptureSource): TierFactory {
  return {
    probe: () => ({
      works: true,
      reason:
        process.getuid?.() === 0
          ? 'works (polling: misses connections shorter than the interval)'
          : 'works without root, but sees only processes of this user and misses short connections',
    }),
    create: createPoll,
  };
}

const ORDER: CaptureTier[] = ['ebpf', 'tracefs', 'poll'];

function factoryFor(tier: CaptureTier, deps: SelectDeps): TierFactory {
  switch (tier) {
    case 'ebpf':
      return deps.ebpf ?? defaultEbpfTier(deps);
    case 'tracefs':
      return deps.tracefs ?? defaultTracefsTier(deps);
    case 'poll':
      return deps.poll ?? pollTier(deps.createPoll);
    default:
      throw new PtError('E_CAPTURE', `capture tier ${tier} is not available here`);
  }
}

async function tryTier(f: TierFactory): Promise<{ source?: CaptureSource; reason: string }> {
  let probe: ProbeResult;
  try {
    probe = await f.probe();
  } catch (err) {
    return { reason: `probe failed: ${errorMessage(err)}` };
  }
  if (!probe.works) return { reason: probe.reason };
  try {
    return { source: await f.create(), reason: probe.reason };
  } catch (err) {
    return { reason: `${probe.reason}, but creating it failed: ${errorMessage(err)}` };
  }
}

export async function selectSource(requested: RequestedTier, deps: SelectDeps): Promise<Selected> {
  if (requested !== 'auto') {
    const r = await tryTier(factoryFor(requested, deps));
    if (!r.source) throw new PtError('E_CAPTURE', `capture tier ${requested} cannot run here: ${r.reason}`);
    return { source: r.source, tier: requested, why: `${requested}: ${r.reason} (requested)` };
  }
  const reasons: string[] = [];
  for (const tier of ORDER) {
    const r = await tryTier(factoryFor(tier, deps));
    reasons.push(`${tier}: ${r.reason}`);
    if (r.source) {
      return { source: r.source, tier, why: reasons.join('; ') };
    }
  }
  throw new PtError('E_CAPTURE', `no capture tier works here: ${reasons.join('; ')}`);
}
