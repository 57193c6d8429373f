import type {CoreCommand} from '../context.js'
import {verifyApp} from '../store/apps.js'
import {GLOBAL, computedProperty, getProperty, setProperty} from '../store/properties.js'
import {findContainer} from '../store/docker.js'
import {currentContainers} from '../deploy/scheduler.js'
import {runTriggerScript, triggerSteps} from '../deploy/triggers.js'
import {report} from './report.js'

const listOf = (value: string | undefined) => (value ? value.split(',').filter(Boolean) : [])

export const checksReport: CoreCommand = (ctx, args) =>
  report(
    ctx,
    args.slice(1),
    {type: 'checks', trimPrefix: true, emitLegacyPrefix: false},
    (app) => ({
      '--checks-computed-wait-to-retire': computedProperty(ctx.paths, 'checks', app, 'wait-to-retire', '60'),
      '--checks-disabled-list': listOf(getProperty(ctx.paths, 'checks', app, 'disabled')).join(',') || 'none',
      '--checks-global-wait-to-retire': getProperty(ctx.paths, 'checks', GLOBAL, 'wait-to-retire') ?? '',
      '--checks-skipped-list': listOf(getProperty(ctx.paths, 'checks', app, 'skipped')).join(',') || 'none',
      '--checks-wait-to-retire': getProperty(ctx.paths, 'checks', app, 'wait-to-retire') ?? '',
    }),
    (app) => verifyApp(ctx.paths, app),
  )

/** checks:disable|enable|skip <app> [types]: `_all_` when no types are given. */
function changeList(kind: 'disable' | 'enable' | 'skip'): CoreCommand {
  return (ctx, args) => {
    const app = verifyApp(ctx.paths, args[1])
    const types = listOf(args[2]).length ? listOf(args[2]) : ['_all_']
    const disabled = new Set(listOf(getProperty(ctx.paths, 'checks', app, 'disabled')))
    const skipped = new Set(listOf(getProperty(ctx.paths, 'checks', app, 'skipped')))
    for (const type of types) {
      disabled.delete(type)
      skipped.delete(type)
      if (kind === 'disable') disabled.add(type)
      if (kind === 'skip') skipped.add(type)
    }
    setProperty(ctx.paths, 'checks', app, 'disabled', [...disabled].join(','))
    setProperty(ctx.paths, 'checks', app, 'skipped', [...skipped].join(','))
    const verb = {disable: 'Disabling', enable: 'Enabling', skip: 'Skipping'}[kind]
    ctx.out.info1(`${verb} zero downtime for app's (${app}) proctypes (${types.join(',')})`)
    return 0
  }
}

export const checksDisable = changeList('disable')
export const checksEnable = changeList('enable')
export const checksSkip = changeList('skip')

export const checksSet: CoreCommand = (ctx, args) => {
  const global = args.includes('--global')
  const positional = args.slice(1).filter((arg) => arg !== '--global')
  const app = global ? GLOBAL : verifyApp(ctx.paths, positional.shift())
  const [key, value] = positional
  if (!key) return 1
  setProperty(ctx.paths, 'checks', app, key, value ?? '')
  ctx.out.info1(`Setting ${key} to ${value ?? ''}`)
  return 0
}

/** checks:run: check-deploy against the running containers, with five arguments and no build capture. */
export const checksRun: CoreCommand = async (ctx, args) => {
  const app = verifyApp(ctx.paths, args[1])
  const only = listOf(args[2])
  const env = {...ctx.env}
  delete env['DOKKU_BUILD_ID']
  delete env['DOKKU_BUILD_SOURCE']
  for (const [key, cid] of currentContainers(ctx.paths, app)) {
    const [proc] = key.split('.')
    if (only.length && !only.includes(proc!)) continue
    const container = findContainer(ctx.paths, cid)
    ctx.out.info1(`Running checks for ${key}`)
    for (const step of triggerSteps(ctx.paths, 'check-deploy')) {
      if (step.kind === 'core-checks') continue
      const code = await runTriggerScript(step.file, [app, cid, proc!, '5000', container?.ip ?? ''], env, ctx.out)
      if (code !== 0) return code
    }
  }
  return 0
}
