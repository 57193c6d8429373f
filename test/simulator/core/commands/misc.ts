import fs from 'node:fs'
import path from 'node:path'
import {dataDir} from '../../host/paths.js'
import type {CoreCommand} from '../context.js'
import {fail} from '../io.js'
import {verifyApp} from '../store/apps.js'
import {listBuilds} from '../store/builds.js'
import {findContainer} from '../store/docker.js'
import {readText} from '../store/files.js'
import {readSettings} from '../store/settings.js'
import {CORE_CHECKS_PLUGIN} from '../deploy/triggers.js'

export const version: CoreCommand = (ctx) => {
  ctx.out.out(`dokku version ${readSettings(ctx.paths).dokkuVersion}`)
  return 0
}

/** logs:failed reads the failed-containers list; on 0.38.27 kill_new writes a global file it does not read (observed §3). */
export const logsFailed: CoreCommand = (ctx, args) => {
  const app = args[1] === '--all' ? undefined : verifyApp(ctx.paths, args[1])
  const file = app === undefined ? path.join(dataDir(ctx.paths, CORE_CHECKS_PLUGIN), 'failed-containers') : path.join(dataDir(ctx.paths, CORE_CHECKS_PLUGIN, app), 'failed-containers')
  const entries = (readText(file) ?? '').split('\n').filter(Boolean)
  const existing = entries.map((line) => line.split(' ')[0]!).filter((cid) => findContainer(ctx.paths, cid))
  if (existing.length === 0) {
    ctx.out.warn('No failed containers found')
    return 0
  }
  for (const cid of existing) ctx.out.info2(`${cid.slice(0, 12)} (no output recorded by the simulator)`)
  return 0
}

export const buildsList: CoreCommand = (ctx, args) => {
  const rest = args.slice(1)
  const json = rest.includes('--format') && rest[rest.indexOf('--format') + 1] === 'json'
  const app = verifyApp(ctx.paths, rest.find((arg, index) => !arg.startsWith('--') && rest[index - 1] !== '--format'))
  const records = listBuilds(ctx.paths, app).map((record) => ({
    ...record,
    display_status: record.status,
    duration: record.finished_at ? `${Math.round((Date.parse(record.finished_at) - Date.parse(record.started_at)) / 1000)}s` : '',
  }))
  if (json) {
    ctx.out.out(JSON.stringify(records))
    return 0
  }
  ctx.out.info2Quiet(`${app} builds`)
  for (const record of records) ctx.out.out(`${record.id} ${record.kind} ${record.status} ${record.source} ${record.started_at}`)
  return 0
}

/** builds:output prints a finished build's log. (Real Dokku tails a running one forever — observed §1.) */
export const buildsOutput: CoreCommand = (ctx, args) => {
  const app = verifyApp(ctx.paths, args[1])
  const builds = listBuilds(ctx.paths, app)
  const wanted = !args[2] || args[2] === 'current' ? builds[builds.length - 1] : builds.find((record) => record.id === args[2])
  if (!wanted) fail('No build found')
  const log = readText(wanted.log_path) ?? ''
  if (log) ctx.out.passthrough(log)
  return 0
}

export const pluginList: CoreCommand = (ctx, args) => {
  const plugins = fs
    .readdirSync(ctx.paths.pluginEnabled)
    .sort()
    .map((name) => {
      const manifest = readText(path.join(ctx.paths.pluginEnabled, name, 'plugin.toml')) ?? ''
      const field = (key: string) => new RegExp(`^${key}\\s*=\\s*"([^"]*)"`, 'm').exec(manifest)?.[1] ?? ''
      const core = fs.realpathSync(path.join(ctx.paths.pluginEnabled, name)).includes('core-plugins')
      return {name, version: field('version'), enabled: true, core, description: field('description'), source_url: '', committish: '', branch: ''}
    })
  if (args.includes('--format') && args[args.indexOf('--format') + 1] === 'json') {
    ctx.out.out(JSON.stringify(plugins))
    return 0
  }
  for (const plugin of plugins) ctx.out.out(`  ${plugin.name.padEnd(28)} ${plugin.version.padEnd(10)} enabled    ${plugin.description}`)
  return 0
}
