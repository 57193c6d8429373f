/**
 * graduate's own command names. An environment may not take one of them: `graduate plan production`
 * would be ambiguous between "the plan command" and "graduate from `plan` into production".
 */
export const RESERVED_ENVIRONMENT_NAMES = [
  'promote',
  'plan',
  'status',
  'abort',
  'resume',
  'history',
  'rollback',
  'doctor',
  'gate',
  'validate',
  'init',
  'schema',
  'unlock',
  'help',
  'version',
] as const

export function isReservedEnvironmentName(name: string): boolean {
  return (RESERVED_ENVIRONMENT_NAMES as readonly string[]).includes(name)
}
