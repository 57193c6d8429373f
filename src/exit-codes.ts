/**
 * The one exit-code table (DESIGN.md §4). The README and every command's help render it from here,
 * and a test keeps the three in step.
 */

/** A table of exit codes: each name's code, and what it means in help, the README and the summary. */
type CodeTable = Readonly<Record<string, {readonly code: number; readonly meaning: string}>>

const exitCodes = {
  /** Every changed app went live, or there was nothing to do. */
  Graduated: {code: 0, meaning: 'graduated: every changed app is live (or nothing to do)'},
  /** Aborted before the decision; every app still serves its old release. */
  Aborted: {code: 1, meaning: 'aborted cleanly: no app changed, the old releases kept serving'},
  /** Bad flags, a bad manifest or an unknown environment; nothing was contacted or changed. */
  Usage: {code: 2, meaning: 'usage or manifest error: nothing was contacted'},
  /** A host or app failed its read-only checks; nothing was changed. */
  Preflight: {code: 3, meaning: 'preflight failed: a host or app is not ready; nothing was changed'},
  /** Another graduation holds the environment lock. */
  LockHeld: {code: 4, meaning: 'the environment is locked by another graduation'},
  /** Failed after the decision to release: some apps are live, some are not. Needs attention. */
  Partial: {code: 5, meaning: 'partial: failed after the decision; the summary names each app and its repair command'},
  /** Interrupted (Ctrl-C, SIGTERM) before the decision and aborted. */
  Interrupted: {code: 130, meaning: 'interrupted before the decision and aborted'},
} as const satisfies CodeTable

/**
 * `graduate plan --detailed-exitcode` answers Terraform's question for scheduled CI promotions — is
 * there anything to promote? — with Terraform's codes, in place of the table above: every failure
 * (the table's 2 to 5) becomes 1, so that 2 can mean "changes pending".
 */
const planExitCodes = {
  NothingToDo: {code: 0, meaning: 'nothing to do: every app already runs what its source runs'},
  Error: {code: 1, meaning: 'error: the plan could not be made, or the graduation would be refused (what the table above says with 2, 3 or 4)'},
  ChangesPending: {code: 2, meaning: 'changes pending: the graduation would go ahead and deploy at least one app'},
} as const satisfies CodeTable

export const ExitCode = codesOf(exitCodes)
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode]
export const exitCodeTable = rowsOf(exitCodes)

export const PlanExitCode = codesOf(planExitCodes)
export type PlanExitCode = (typeof PlanExitCode)[keyof typeof PlanExitCode]
export const planExitCodeTable = rowsOf(planExitCodes)

export function renderExitCodeHelp(): string {
  return renderRows(exitCodeTable)
}

export function renderPlanExitCodeHelp(): string {
  return renderRows(planExitCodeTable)
}

function codesOf<Table extends CodeTable>(table: Table): {readonly [Name in keyof Table]: Table[Name]['code']} {
  return Object.fromEntries(Object.entries(table).map(([name, {code}]) => [name, code])) as {readonly [Name in keyof Table]: Table[Name]['code']}
}

function rowsOf<Table extends CodeTable>(table: Table): ReadonlyArray<{code: Table[keyof Table]['code']; meaning: string}> {
  return Object.values(table).map(({code, meaning}) => ({code, meaning}))
}

function renderRows(rows: ReadonlyArray<{code: number; meaning: string}>): string {
  return rows.map(({code, meaning}) => `  ${String(code).padStart(3)}  ${meaning}`).join('\n')
}
