import type {CoreCommand} from '../context.js'
import {fail} from '../io.js'
import {verifyApp} from '../store/apps.js'
import {imageFsDir} from '../store/docker.js'
import {containerEnv} from '../deploy/container-env.js'
import {deployedImage} from '../deploy/release.js'

/**
 * run [--no-tty] [-e|--env K=V] [--ttl-seconds N] <app> <cmd...>: the command runs in a container of
 * `dokku/<app>:latest` (with registry push-on-release, of the last release pushed) — while a deploy
 * is held that is already the NEW image, with the current config (GIT_REV included) — and its exit
 * code is the command's (contract §3, run details).
 */
export const runCommand: CoreCommand = async (ctx, args) => {
  const rest = args.slice(1)
  const runEnv: Record<string, string> = {}
  let app: string | undefined
  while (rest.length > 0) {
    const arg = rest.shift()!
    if (arg === '--no-tty' || arg === '--force-tty') continue
    if (arg === '-e' || arg === '--env' || arg === '--ttl-seconds' || arg === '--cron-id' || arg === '--concurrency-policy') {
      const value = rest.shift()
      if (!value) fail(`expected ${arg} to have an argument`)
      if (arg === '-e' || arg === '--env') addEnv(runEnv, value)
      continue
    }
    const inline = /^(?:-e|--env)=(.*)$/.exec(arg)
    if (inline) {
      addEnv(runEnv, inline[1]!)
      continue
    }
    if (/^--(?:ttl-seconds|cron-id|concurrency-policy)=/.test(arg)) continue
    app = arg
    break
  }
  const name = verifyApp(ctx.paths, app)
  if (rest.length === 0) fail('No command specified')
  const image = deployedImage(ctx, name)
  const env = containerEnv(ctx.paths, name, image.id, {...runEnv, DYNO: `run.${Math.floor(1000 + Math.random() * 9000)}`})
  // `docker run -i`: the container reads the command's stdin, so it is forwarded as soon as the command starts.
  return ctx.session.waitFor(new Promise<number>((resolve) => {
    const child = ctx.session.spawn(rest[0]!, rest.slice(1), {cwd: imageFsDir(ctx.paths, image.id), env, stdio: ['pipe', 'pipe', 'pipe']})
    child.stdin!.on('error', () => {})
    ctx.stdin.pipe(child.stdin!)
    child.stdout!.on('data', (chunk: Buffer) => ctx.out.passthrough(chunk))
    child.stderr!.on('data', (chunk: Buffer) => ctx.out.passthrough(chunk, true))
    child.on('error', (error) => {
      ctx.out.err(`docker: Error response from daemon: failed to create task for container: exec: "${rest[0]}": ${error.message}`)
      resolve(127)
    })
    child.on('close', (code, signal) => {
      ctx.stdin.unpipe(child.stdin!)
      resolve(code ?? (signal ? 137 : 1))
    })
  }))
}

function addEnv(env: Record<string, string>, pair: string): void {
  const separator = pair.indexOf('=')
  if (separator > 0) env[pair.slice(0, separator)] = pair.slice(separator + 1)
}
