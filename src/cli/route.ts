import {isReservedEnvironmentName} from '../manifest/reserved.js'

/**
 * `graduate <from> <to> [flags]` runs `graduate promote <from> <to> [flags]`, so the main job reads
 * exactly as typed. Flags first (`graduate --help`) and command names keep their usual meaning; an
 * environment cannot be named like a command (the manifest refuses it, with a hint).
 */
export function routeArgv(argv: string[]): string[] {
  const first = argv[0]
  if (first === undefined || first.startsWith('-') || isReservedEnvironmentName(first)) return argv
  return ['promote', ...argv]
}
