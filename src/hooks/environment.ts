import {mkdir, rename, rm, writeFile} from 'node:fs/promises'
import path from 'node:path'
import type {HookContext} from './types.js'

/*
 * The GRADUATE_* contract: the variables every hook can rely on. Each hook kind runs its command with
 * `/bin/sh -c`, so a script reads them the same way wherever it runs.
 */

/** The graduation's id (e.g. `20261123T101500Z-3f9a`): the same in every hook, event and record of one run. */
export const GRADUATE_ID = 'GRADUATE_ID'
/** The source environment, as the manifest names it. */
export const GRADUATE_FROM = 'GRADUATE_FROM'
/** The target environment, as the manifest names it. */
export const GRADUATE_TO = 'GRADUATE_TO'
/** Comma-separated manifest names of the apps this graduation deploys, in manifest order; apps skipped as unchanged are left out. */
export const GRADUATE_APPS = 'GRADUATE_APPS'
/** The hook's phase: `pre`, `post`, `released` or `aborted`. */
export const GRADUATE_PHASE = 'GRADUATE_PHASE'
/** `released` and `aborted` hooks only: how the graduation ended, `released` or `aborted` (a partial outcome runs neither). */
export const GRADUATE_OUTCOME = 'GRADUATE_OUTCOME'
/**
 * `local` hooks only: the path of a JSON file (mode 0600, written once per phase) holding the whole
 * context: id, environments, phase, outcome, and every app with its source and target host and app, the
 * revision the target ran before (`from`, null when never deployed) and the one it gets (`to`), and
 * whether it is deployed or skipped. Remote hooks get the scalar variables only: a local path means
 * nothing on the host.
 */
export const GRADUATE_CONTEXT = 'GRADUATE_CONTEXT'

/** Every variable of the contract with what it means, for the README and `--help`. */
export const hookVariableTable: ReadonlyArray<{name: string; meaning: string}> = [
  {name: GRADUATE_ID, meaning: 'the graduation id, the same in every hook, event and record of one run'},
  {name: GRADUATE_FROM, meaning: 'the source environment (in a rollback, the environment rolled back)'},
  {name: GRADUATE_TO, meaning: 'the target environment'},
  {name: GRADUATE_APPS, meaning: 'comma-separated names of the apps being deployed (unchanged apps are left out)'},
  {name: GRADUATE_PHASE, meaning: 'pre, post, rollback, released or aborted'},
  {name: GRADUATE_OUTCOME, meaning: 'released and aborted hooks only: released or aborted (a partial outcome runs neither phase)'},
  {name: GRADUATE_CONTEXT, meaning: 'local hooks only: path of a JSON file listing every app with its hosts and old and new revisions'},
]

const CONTRACT_NAMES: ReadonlySet<string> = new Set(hookVariableTable.map(({name}) => name))

/** The scalar variables for one phase: what every hook kind receives. */
export function graduateVariables(context: HookContext): Record<string, string> {
  const deployed = context.apps.filter((app) => app.action === 'deploy').map((app) => app.app)
  const endsRun = context.phase === 'released' || context.phase === 'aborted'
  return {
    [GRADUATE_ID]: context.id,
    [GRADUATE_FROM]: context.from,
    [GRADUATE_TO]: context.to,
    [GRADUATE_APPS]: deployed.join(','),
    [GRADUATE_PHASE]: context.phase,
    ...(endsRun && context.outcome !== undefined ? {[GRADUATE_OUTCOME]: context.outcome} : {}),
  }
}

/**
 * A local hook's environment: `base` with the contract laid over it. Contract names inherited from
 * `base` are dropped first, so a `pre` hook run from inside another graduation's hook never sees a
 * stale GRADUATE_OUTCOME.
 */
export function localHookEnvironment(base: NodeJS.ProcessEnv, variables: Record<string, string>, contextFile: string): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(Object.entries(base).filter(([name]) => !CONTRACT_NAMES.has(name)))
  return {...inherited, ...variables, [GRADUATE_CONTEXT]: contextFile}
}

/**
 * Writes the context for one phase into `workDir` and returns its path. The file is created afresh with
 * mode 0600 and renamed into place, so a reader never sees half of it and a file left over from an
 * earlier run cannot keep a wider mode. Its name carries the graduation id, so two graduations sharing a
 * directory never read each other's context.
 */
export async function writeContextFile(context: HookContext, workDir: string): Promise<string> {
  await mkdir(workDir, {recursive: true, mode: 0o700})
  const file = path.join(workDir, `graduate-${context.id.replaceAll(/[^\w.-]/g, '_')}-${context.phase}.json`)
  const partial = `${file}.partial`
  await rm(partial, {force: true})
  await writeFile(partial, `${JSON.stringify(context, null, 2)}\n`, {mode: 0o600, flag: 'wx'})
  await rename(partial, file)
  return file
}
