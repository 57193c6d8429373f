import type {CoreContext} from '../context.js'
import {fail} from '../io.js'

export interface ReportSpec {
  /** The plugin name, e.g. `apps`; JSON keys drop the `--<type>-` prefix when trimPrefix is set. */
  type: string
  trimPrefix: boolean
  /** Keep the prefixed key too (apps, ps, proxy, registry, builder, builds do; git, checks, domains do not). */
  emitLegacyPrefix: boolean
  /** Flags that `Invalid flag passed` lists, when not every flag (ps leaves out its status keys). */
  listedFlags?: (flags: Record<string, string>) => string[]
}

/**
 * `<x>:report <app> [--format json] [--<flag>]`, as Dokku's ParseReportArgs and ReportSingleApp do
 * it: the full text report, one raw value for a single flag, or a flat JSON object of strings.
 */
export function report(ctx: CoreContext, args: string[], spec: ReportSpec, collect: (app: string) => Record<string, string>, verify: (app: string | undefined) => string): number {
  const positional: string[] = []
  const infoFlags: string[] = []
  let format = 'stdout'
  for (let i = 0; i < args.length; i++) {
    const argument = args[i]!
    if (argument === '--format') {
      format = args[++i] ?? ''
    } else if (argument === '--global') {
      continue
    } else if (argument.startsWith('--')) {
      infoFlags.push(argument)
    } else {
      positional.push(argument)
    }
  }
  if (infoFlags.length > 1) fail(`${spec.type}:report command allows only a single flag`)
  if (!['stdout', 'json'].includes(format)) fail(`Invalid --format value specified`)
  const app = verify(positional[0])
  const flags = collect(app)

  if (format === 'json') {
    const data: Record<string, string> = {}
    const prefix = `--${spec.type}-`
    for (const [key, value] of Object.entries(flags)) {
      const legacyKey = key.replace(/^--/, '')
      if (spec.trimPrefix && key.startsWith(prefix)) {
        data[key.slice(prefix.length)] = value
        if (spec.emitLegacyPrefix) data[legacyKey] = value
      } else {
        data[legacyKey] = value
      }
    }
    const sorted = Object.fromEntries(Object.keys(data).sort().map((key) => [key, data[key]]))
    ctx.out.out(JSON.stringify(sorted))
    return 0
  }

  const sortedFlags = Object.keys(flags).sort()
  const infoFlag = infoFlags[0]
  if (infoFlag === undefined) {
    const width = Math.max(31, ...sortedFlags.map((flag) => flag.length))
    ctx.out.info2Quiet(`${app} ${spec.type} information`)
    for (const flag of sortedFlags) {
      const label = flag.replace(/^--/, '').replace(/[-.]/g, ' ')
      ctx.out.verbose(`${`${label.charAt(0).toUpperCase()}${label.slice(1)}:`.padEnd(width)}${flags[flag]}`)
    }
    return 0
  }
  if (infoFlag in flags) {
    ctx.out.out(flags[infoFlag]!)
    return 0
  }
  const listed = (spec.listedFlags ? spec.listedFlags(flags) : sortedFlags).sort()
  fail(`Invalid flag passed, valid flags: ${listed.join(', ')}`)
}
