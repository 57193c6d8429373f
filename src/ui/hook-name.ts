import type {HookPhase} from '../manifest/types.js'

const PHASE_NAMES: Record<HookPhase, string> = {pre: 'PRE', post: 'POST', rollback: 'rollback', released: 'released', aborted: 'aborted'}

/** How every renderer names a hook: its phase as the manifest's hook list spells it, then its label: `POST hook "Migrate database"`. */
export function hookName(phase: HookPhase, label: string): string {
  return `${PHASE_NAMES[phase]} hook "${label}"`
}

/** A phase's hooks together: `POST hooks`. */
export function hookPhaseName(phase: HookPhase): string {
  return `${PHASE_NAMES[phase]} hooks`
}
