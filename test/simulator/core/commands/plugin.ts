import fs from 'node:fs'
import path from 'node:path'
import type {CoreCommand, CoreContext} from '../context.js'
import {fail} from '../io.js'
import {randomHex} from '../store/files.js'
import {runTriggerScript, triggerSteps} from '../deploy/triggers.js'
import {runChild} from '../session.js'

/**
 * plugin:install <url> [--committish <ref>] [--name <name>] [--skip-install-trigger] (root only; the
 * entry script refuses it for the dokku user). A git URL is cloned, a tarball unpacked (a single top-level
 * directory flattened), the plugin enabled, and every enabled plugin's install trigger run.
 */
export const pluginInstall: CoreCommand = async (ctx, args) => {
  const rest = args.slice(1)
  const url = rest[0]
  if (!url || !/^(https:|git|ssh:|file:)|\.(tar\.gz|tgz)$/.test(url)) {
    ctx.out.warn('First argument must be --core or url to plugin')
    ctx.out.warn('Valid prefixes: https:, git:, ssh:, file:')
    ctx.out.warn('Valid suffixes: .tar.gz, .tgz')
    fail('Please retry with valid arguments')
  }
  const option = (name: string) => (rest.includes(name) ? rest[rest.indexOf(name) + 1] : undefined)
  const name = option('--name') ?? url.split('/').pop()!.replace(/\.git$/, '').replace(/^dokku-/, '')
  const available = path.join(ctx.paths.pluginAvailable, name)
  ctx.out.info1Quiet(`Cloning plugin repo ${url} to ${available}`)
  if (fs.existsSync(available)) fail(`Plugin ${name} is already installed; run plugin:uninstall ${name} first`)
  await download(ctx, url, available)
  const enabled = path.join(ctx.paths.pluginEnabled, name)
  if (fs.existsSync(enabled)) fail('Plugin already enabled')
  fs.symlinkSync(available, enabled)
  ctx.out.info1Quiet(`Plugin ${name} enabled`)
  if (!rest.includes('--skip-install-trigger')) return runInstallTriggers(ctx)
  return 0
}

async function download(ctx: CoreContext, url: string, destination: string): Promise<void> {
  const source = url.startsWith('file://') ? url.slice('file://'.length) : url
  if (/\.(tar\.gz|tgz)$/.test(url)) {
    const staging = path.join(ctx.paths.tmpDir, `plugin-${randomHex(4)}`)
    fs.mkdirSync(staging, {recursive: true})
    const untar = await runChild('tar', ['-xzf', source, '-C', staging])
    if (untar.code !== 0) fail(`Failed to download plugin: ${untar.stderr.trim()}`)
    const entries = fs.readdirSync(staging)
    const root = entries.length === 1 && fs.statSync(path.join(staging, entries[0]!)).isDirectory() ? path.join(staging, entries[0]!) : staging
    fs.renameSync(root, destination)
    fs.rmSync(staging, {recursive: true, force: true})
    return
  }
  const clone = await runChild('git', ['clone', '--quiet', url, destination])
  if (clone.code !== 0) fail(`Failed to clone plugin: ${clone.stderr.trim()}`)
}

async function runInstallTriggers(ctx: CoreContext): Promise<number> {
  for (const step of triggerSteps(ctx.paths, 'install')) {
    if (step.kind !== 'script') continue
    const code = await runTriggerScript(step.file, [], ctx.env, ctx.out)
    if (code !== 0) return code
  }
  return 0
}

export const pluginUninstall: CoreCommand = async (ctx, args) => {
  const name = args[1]
  if (!name) fail('Please specify a plugin')
  const available = path.join(ctx.paths.pluginAvailable, name)
  if (fs.existsSync(path.join(ctx.paths.libRoot, 'core-plugins', 'available', name))) fail('Cannot uninstall a core plugin')
  if (!fs.existsSync(available)) fail(`Plugin (${name}) is not currently installed`)
  const uninstall = path.join(available, 'uninstall')
  if (fs.existsSync(uninstall)) {
    const code = await runTriggerScript(uninstall, [name], ctx.env, ctx.out)
    if (code !== 0) return code
  }
  fs.rmSync(path.join(ctx.paths.pluginEnabled, name), {force: true})
  fs.rmSync(available, {recursive: true, force: true})
  ctx.out.info1Quiet(`Plugin ${name} uninstalled`)
  return 0
}
