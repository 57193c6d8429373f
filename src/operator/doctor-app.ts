import {psScaleReport} from '../dokku/commands/core.js'
import {migrationLikeTasks, parseReleaseTasks} from '../dokku/parse/release-tasks.js'
import {maxParallelByType, parseProcessScale} from '../dokku/parse/scale.js'
import type {GateAppFacts, GateMissingApp} from '../dokku/parse/gate.js'
import {type AppFacts, appFactsFromGate, readAppFacts} from '../graduation/app-facts.js'
import {HOLD_RULES} from '../graduation/hold-rules.js'
import type {HostDirectory} from '../graduation/hosts.js'
import type {DokkuHost} from '../remote/dokku-host.js'
import type {AppLocation} from '../manifest/types.js'
import {shortRevision} from '../ui/format.js'
import {type DeployedFiles, readDeployedFiles} from './deployed-files.js'
import {describeFailure} from './describe-failure.js'
import {type DoctorRow, RowSink} from './doctor-rows.js'

export interface AppCheckContext {
  host: DokkuHost
  hosts: HostDirectory
  env: string
  /** The manifest's app name and where it lives in this environment. */
  app: AppLocation & {name: string}
  /** A target is graduated into: it must be able to hold a deploy. The chain's first environment is only a source. */
  role: 'source' | 'target'
  /** graduate's git cache, where the deployed revision's Procfile and app.json are read. */
  repo: string
  commandMs: number
  fetchMs: number
  /** What the host's gate said of the app in its `graduate:facts` answer; without it the app is read with Dokku's reports. */
  gate?: GateAppFacts | GateMissingApp
}

/**
 * The checks of one app: it exists and what it runs; for a target also everything that decides whether
 * its deploy can be held and released with the others — proxy, scheduler, checks, skip-deploy — and
 * what the protocol cannot promise for it: web containers beyond formation.web.max_parallel, other
 * process types, release tasks that migrate before the hold. Read-only (the deployed revision is
 * fetched into the local git cache).
 */
export async function checkApp(context: AppCheckContext): Promise<DoctorRow[]> {
  const {app} = context
  const rows = new RowSink({host: context.host.label, env: context.env, app: app.name, ...(app.app === app.name ? {} : {targetApp: app.app})})
  const options = {timeoutMs: context.commandMs}
  let facts: AppFacts
  try {
    const wanted = {side: 'target', detail: 'minimal'} as const
    facts = context.gate === undefined ? await readAppFacts(context.host, app.app, wanted, options) : appFactsFromGate(context.host.label, context.gate, wanted)
  } catch (error) {
    const failure = describeFailure(error)
    rows.fail('app', `cannot read ${app.app}: ${failure.reason}`, failure.fix)
    return rows.rows
  }
  if (!facts.exists) {
    rows.fail('app', `${app.app} does not exist on this host`, `dokku apps:create ${app.app}`)
    return rows.rows
  }
  if (facts.artifact === null) rows.warn('app', `${app.app} exists but has no successful deploy yet, so ${context.env} has nothing of it to promote`, `deploy it once (git push to dokku@…:${app.app}), or graduate into ${context.env} first`)
  else rows.ok('app', `${app.app} runs ${shortRevision(facts.artifact)} (${facts.deploySource})`)
  if (context.role === 'source') return rows.rows

  checkSettings(facts, rows)
  const files = await deployedFiles(context, facts)
  try {
    const scale = context.gate?.exists
      ? {...context.gate.scale}
      : parseProcessScale((await context.host.run(psScaleReport(app.app), {...options, readOnly: true})).stdout, psScaleReport(app.app))
    checkWebScale(app.app, scale, files, rows)
    checkOtherProcesses(scale, rows)
  } catch (error) {
    const failure = describeFailure(error)
    rows.fail('web scale', `cannot read the scale: ${failure.reason}`, failure.fix)
  }
  checkReleaseTasks(app.name, files, rows)
  return rows.rows
}

/** What decides whether the app's deploy can be held (the rules preflight refuses by), one row each. */
function checkSettings(facts: AppFacts, rows: RowSink): void {
  for (const rule of HOLD_RULES) {
    const verdict = rule.judge(facts)
    if (verdict === undefined) continue
    if (verdict.status === 'ok') rows.ok(rule.id, verdict.found)
    else rows[verdict.status](rule.id, verdict.found, verdict.fix)
  }
}

type FilesAnswer = {files: DeployedFiles} | {files: undefined; status: 'ok' | 'warn'; note: string}

/** The deployed Procfile and app.json, or why they could not be read. */
async function deployedFiles(context: AppCheckContext, facts: AppFacts): Promise<FilesAnswer> {
  if (facts.rev === null) {
    if (facts.deploySource === 'docker-image') return {files: undefined, status: 'ok', note: 'deployed from an image, whose Procfile and app.json are inside it and were not read'}
    if (facts.artifact === null) return {files: undefined, status: 'ok', note: 'not deployed yet'}
    return {files: undefined, status: 'warn', note: `the deployed revision is not a git commit graduate can read (${facts.deploySource})`}
  }
  try {
    const files = await readDeployedFiles({
      hosts: context.hosts,
      location: {host: context.app.host, app: context.app.app},
      rev: facts.rev,
      deployBranch: facts.deployBranch,
      key: `doctor/${context.env}/${context.app.name}`,
      repo: context.repo,
      timeoutMs: context.fetchMs,
    })
    return {files}
  } catch (error) {
    return {files: undefined, status: 'warn', note: `could not read the deployed revision's Procfile and app.json: ${describeFailure(error).reason}`}
  }
}

/**
 * With formation.web.max_parallel below the web scale, containers beyond the first batch start and are
 * checked only after the release (dokku-contract.md §6.4): the flip lags, and a failure there is partial.
 */
function checkWebScale(name: string, scale: Record<string, number>, answer: FilesAnswer, rows: RowSink): void {
  const web = scale['web'] ?? 1
  if (web <= 1) {
    rows.ok('web scale', web === 1 ? 'one web container, held before any traffic moves' : 'no web container')
    return
  }
  const fix = `set "formation": {"web": {"max_parallel": ${web}}} in ${name}'s app.json and deploy it`
  if (answer.files === undefined) {
    rows.warn('web scale', `${web} web containers, and whether formation.web.max_parallel covers them is unknown: ${answer.note}`, fix)
    return
  }
  const maxParallel = maxParallelByType(answer.files.appJson)['web']
  if (maxParallel !== undefined && maxParallel >= web) {
    rows.ok('web scale', `${web} web containers, formation.web.max_parallel ${maxParallel}: all are held together`)
    return
  }
  const batch = maxParallel ?? 1
  rows.warn(
    'web scale',
    `${web} web containers but formation.web.max_parallel is ${maxParallel === undefined ? "unset (Dokku's default 1)" : maxParallel}: ${web > batch + 1 ? `web.${batch + 1}–${web} start and are` : `web.${web} starts and is`} checked only after the release`,
    fix,
  )
}

/** Process types other than web start only after the release: their failure cannot be aborted with the others. */
function checkOtherProcesses(scale: Record<string, number>, rows: RowSink): void {
  const others = Object.entries(scale).filter(([type, quantity]) => type !== 'web' && quantity > 0)
  if (others.length === 0) {
    rows.ok('workers', 'no process type besides web')
    return
  }
  const list = others.map(([type, quantity]) => `${type}=${quantity}`).join(', ')
  rows.warn('workers', `${list} ${others.length === 1 ? 'starts' : 'start'} only after the release, so a failure there cannot be rolled back with the other apps; keep ${others.length === 1 ? 'it' : 'them'} able to run beside the old release`)
}

/** A migration in the Procfile's release or app.json's predeploy runs before the hold, even when the graduation aborts. */
function checkReleaseTasks(manifestName: string, answer: FilesAnswer, rows: RowSink): void {
  if (answer.files === undefined) {
    if (answer.status === 'warn') rows.warn('release tasks', answer.note)
    else rows.ok('release tasks', answer.note)
    return
  }
  const tasks = parseReleaseTasks(answer.files)
  const migrations = migrationLikeTasks(tasks)
  if (migrations.length === 0) {
    const present = [tasks.release === undefined ? undefined : 'a Procfile release', tasks.predeploy === undefined ? undefined : 'an app.json predeploy'].filter(Boolean)
    rows.ok('release tasks', present.length === 0 ? 'no Procfile release or app.json predeploy' : `${present.join(' and ')} that does not look like a migration`)
    return
  }
  for (const task of migrations) {
    const from = task.where === 'Procfile release' ? 'the Procfile' : "app.json's scripts.dokku.predeploy"
    rows.warn(
      'release tasks',
      `the ${task.where} "${task.command}" looks like a migration: Dokku runs it before the hold, so it runs even when the graduation aborts`,
      `move it to graduate's POST hook (hooks: post: - run: {app: ${manifestName}, command: ${JSON.stringify(task.command)}}) and remove it from ${from}`,
    )
  }
}
