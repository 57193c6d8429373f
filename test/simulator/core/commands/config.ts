import type {CoreCommand, CoreContext} from '../context.js'
import {fail} from '../io.js'
import {verifyApp} from '../store/apps.js'
import {CONFIG_KEY, readConfig, updateConfig} from '../store/config-env.js'
import {currentContainers} from '../deploy/scheduler.js'
import {deployedImage, releaseAndDeploy, startCapture} from '../deploy/release.js'
import {finishBuild} from '../store/builds.js'

function splitFlags(args: string[]): {flags: Set<string>; positional: string[]} {
  const flags = new Set<string>()
  const positional: string[] = []
  for (const arg of args) (arg.startsWith('--') ? flags.add(arg) : positional.push(arg))
  return {flags, positional}
}

export const configGet: CoreCommand = (ctx, args) => {
  const {flags, positional} = splitFlags(args.slice(1))
  const app = verifyApp(ctx.paths, positional[0])
  const key = positional[1]
  if (!key) fail('Expects a key')
  const value = readConfig(ctx.paths, app)[key]
  if (value === undefined) return 1
  ctx.out.out(flags.has('--quoted') ? `'${value.replace(/'/g, "'\\''")}'` : value)
  return 0
}

export const configKeys: CoreCommand = (ctx, args) => {
  const {positional} = splitFlags(args.slice(1))
  const app = verifyApp(ctx.paths, positional[0])
  for (const key of Object.keys(readConfig(ctx.paths, app)).sort()) ctx.out.out(key)
  return 0
}

export const configExport: CoreCommand = (ctx, args) => {
  const rest = args.slice(1)
  let format = 'exports'
  const positional: string[] = []
  for (let i = 0; i < rest.length; i++) {
    if (rest[i] === '--format') format = rest[++i] ?? ''
    else if (!rest[i]!.startsWith('--')) positional.push(rest[i]!)
  }
  const config = readConfig(ctx.paths, verifyApp(ctx.paths, positional[0]))
  const keys = Object.keys(config).sort()
  const single = (value: string) => `'${value.replace(/'/g, "'\\''")}'`
  switch (format) {
    case 'exports':
      for (const key of keys) ctx.out.out(`export ${key}=${single(config[key]!)}`)
      return 0
    case 'envfile':
      for (const key of keys) ctx.out.out(`${key}=${single(config[key]!)}`)
      return 0
    case 'json':
      ctx.out.out(JSON.stringify(config))
      return 0
    case 'shell':
      ctx.out.out(keys.map((key) => `${key}=${single(config[key]!)}`).join(' '))
      return 0
    default:
      fail(`Unknown export format: ${format}`)
  }
}

export const configSet: CoreCommand = async (ctx, args) => {
  const {flags, positional} = splitFlags(args.slice(1))
  const app = verifyApp(ctx.paths, positional[0])
  const pairs = positional.slice(1)
  if (pairs.length === 0) fail('At least one env pair must be given')
  const entries: Record<string, string> = {}
  for (const pair of pairs) {
    const separator = pair.indexOf('=')
    if (separator <= 0) fail(`Invalid env pair: ${pair}`)
    const key = pair.slice(0, separator)
    if (!CONFIG_KEY.test(key)) fail(`Invalid key name: '${key}'`)
    const raw = pair.slice(separator + 1)
    entries[key] = flags.has('--encoded') ? Buffer.from(raw, 'base64').toString('utf8') : raw
  }
  updateConfig(ctx.paths, app, entries)
  ctx.out.info1Quiet('Setting config vars')
  if (!ctx.quiet) {
    const width = Math.max(...Object.keys(entries).map((key) => key.length)) + 3
    for (const key of Object.keys(entries).sort()) ctx.out.verbose(`${`${key}:`.padEnd(width)}${entries[key]}`)
  }
  if (!flags.has('--no-restart')) await redeploy(ctx, app)
  return 0
}

export const configUnset: CoreCommand = async (ctx, args) => {
  const {flags, positional} = splitFlags(args.slice(1))
  const app = verifyApp(ctx.paths, positional[0])
  const keys = positional.slice(1)
  if (keys.length === 0) fail('At least one key must be given')
  const current = readConfig(ctx.paths, app)
  for (const key of keys) ctx.out.info1Quiet(key in current ? `Unsetting ${key}` : `Skipping ${key}, it is not set in the environment`)
  updateConfig(ctx.paths, app, {}, keys)
  if (!flags.has('--no-restart')) await redeploy(ctx, app)
  return 0
}

/** A config change without --no-restart re-releases `latest` (release-and-deploy … config-redeploy); a failure is only a warning. */
async function redeploy(ctx: CoreContext, app: string): Promise<void> {
  if (currentContainers(ctx.paths, app).size === 0) return
  ctx.out.info1(`Restarting app ${app}`)
  const capture = startCapture(ctx, app, 'config-redeploy', 'deploy')
  let ok = false
  try {
    ok = await releaseAndDeploy(ctx, capture, app, deployedImage(ctx, app), {releasePhase: true})
  } finally {
    finishBuild(ctx.paths, capture.record, ok ? 0 : 1)
  }
  if (!ok) ctx.out.warn('Failure while restarting app: exit status 1')
}
