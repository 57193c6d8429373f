/**
 * The one exit-code table (DESIGN.md §4). The README and every command's help render it from here,
 * and a test keeps the three in step.
 */
export const ExitCode = {
  /** Every changed app went live, or there was nothing to do. */
  Graduated: 0,
  /** Aborted before the decision; every app still serves its old release. */
  Aborted: 1,
  /** Bad flags, a bad manifest or an unknown environment; nothing was contacted or changed. */
  Usage: 2,
  /** A host or app failed its read-only checks; nothing was changed. */
  Preflight: 3,
  /** Another graduation holds the environment lock. */
  LockHeld: 4,
  /** Failed after the decision to release: some apps are live, some are not. Needs attention. */
  Partial: 5,
  /** Interrupted (Ctrl-C, SIGTERM) before the decision and aborted. */
  Interrupted: 130,
} as const

export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]

export const exitCodeTable: ReadonlyArray<{code: ExitCode; meaning: string}> = [
  {code: ExitCode.Graduated, meaning: 'graduated: every changed app is live (or nothing to do)'},
  {code: ExitCode.Aborted, meaning: 'aborted cleanly: no app changed, the old releases kept serving'},
  {code: ExitCode.Usage, meaning: 'usage or manifest error: nothing was contacted'},
  {code: ExitCode.Preflight, meaning: 'preflight failed: a host or app is not ready; nothing was changed'},
  {code: ExitCode.LockHeld, meaning: 'the environment is locked by another graduation'},
  {code: ExitCode.Partial, meaning: 'partial: failed after the decision; the summary names each app and its repair command'},
  {code: ExitCode.Interrupted, meaning: 'interrupted before the decision and aborted'},
]

/**
 * `graduate plan --detailed-exitcode` answers Terraform's question for scheduled CI promotions — is
 * there anything to promote? — with Terraform's codes, in place of the table above: every failure
 * (the table's 2 to 5) becomes 1, so that 2 can mean "changes pending".
 */
export const PlanExitCode = {
  NothingToDo: 0,
  Error: 1,
  ChangesPending: 2,
} as const

export type PlanExitCode = (typeof PlanExitCode)[keyof typeof PlanExitCode]

export const planExitCodeTable: ReadonlyArray<{code: PlanExitCode; meaning: string}> = [
  {code: PlanExitCode.NothingToDo, meaning: 'nothing to do: every app already runs what its source runs'},
  {code: PlanExitCode.Error, meaning: 'error: the plan could not be made, or the graduation would be refused (what the table above says with 2, 3 or 4)'},
  {code: PlanExitCode.ChangesPending, meaning: 'changes pending: the graduation would go ahead and deploy at least one app'},
]

export function renderExitCodeHelp(): string {
  return exitCodeTable.map(({code, meaning}) => `  ${String(code).padStart(3)}  ${meaning}`).join('\n')
}

export function renderPlanExitCodeHelp(): string {
  return planExitCodeTable.map(({code, meaning}) => `  ${String(code).padStart(3)}  ${meaning}`).join('\n')
}
