// The baseline: the same apps moved the way the original dokku-graduate plugin moves them
// (peers.md §1). Each app is pushed in turn and the next push starts only once the previous one is
// held; after the POST hook the holds are released one at a time in reverse order, each release
// waiting for the previous push to finish, and each gate noticing its release at its next 3-second
// poll. It drives the same hosts and the same gate plugin as graduate, with plain `ssh` and `git`.
// The original's 5-second pause before it starts (graduate:clean) is left out, in its favour.
import {spawn} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {appNames, targetHostOf} from './fleet.mjs'

const POLL_MS = 3_000

export async function runSequential({sim, scenario, source, work}) {
  const apps = appNames(scenario)
  const sourceRevs = Object.fromEntries(sim.state().hosts.find((host) => host.name === source).apps.map((app) => [app.name, app.liveRev]))
  const ssh = sshCommand(sim)
  // Like the original, which pushes from the source host's own repository: nothing to fetch in the timed part.
  const repos = {}
  for (const app of apps) repos[app] = await localRepository(sim, source, app, work, ssh)

  const id = `bench-sequential-${Date.now()}`
  const startedAt = Date.now()
  const held = []
  for (const [index, app] of apps.entries()) {
    const host = sim.host(targetHostOf(scenario, index))
    await run(ssh.split(' ')[0], [...ssh.split(' ').slice(1), '-p', String(host.port), 'dokku@127.0.0.1', 'graduate:arm', app, id, sourceRevs[app], '600'])
    const push = startPush(repos[app], `ssh://dokku@127.0.0.1:${host.port}/${app}`, sourceRevs[app], ssh)
    await push.held
    held.push({app, host, push, heldAt: Date.now()})
  }
  await new Promise((resolve) => setTimeout(resolve, scenario.hookMs))
  for (const {app, host, push, heldAt} of held.reverse()) {
    const sinceHeld = Date.now() - heldAt
    await new Promise((resolve) => setTimeout(resolve, POLL_MS - (sinceHeld % POLL_MS)))
    await run(ssh.split(' ')[0], [...ssh.split(' ').slice(1), '-p', String(host.port), 'dokku@127.0.0.1', 'graduate:release', id, app])
    const code = await push.done
    if (code !== 0) throw new Error(`the sequential baseline's push of ${app} exited ${code}`)
  }
  const totalMs = Date.now() - startedAt
  for (const {app, host} of held) await run(ssh.split(' ')[0], [...ssh.split(' ').slice(1), '-p', String(host.port), 'dokku@127.0.0.1', 'graduate:disarm', id, app])

  const liveSince = sim
    .state()
    .hosts.filter((host) => host.name.startsWith('prod-'))
    .flatMap((host) => host.apps.filter((app) => apps.includes(app.name)).map((app) => app.liveSince))
  return {totalMs, hostSkewMs: Math.max(...liveSince) - Math.min(...liveSince)}
}

function sshCommand(sim) {
  return `ssh -i ${sim.clientKeyPath} -o UserKnownHostsFile=${sim.knownHostsPath} -o StrictHostKeyChecking=yes -o BatchMode=yes -o IdentitiesOnly=yes`
}

async function localRepository(sim, source, app, work, ssh) {
  const dir = path.join(work, 'sequential', app)
  if (!fs.existsSync(dir)) await run('git', ['init', '-q', '--bare', dir])
  await run('git', ['--git-dir', dir, 'fetch', '-q', `ssh://dokku@127.0.0.1:${sim.host(source).port}/${app}`, '+refs/heads/*:refs/remotes/source/*'], {GIT_SSH_COMMAND: ssh})
  return dir
}

/** A git push whose `held` settles when the gate says it holds the deploy, and `done` with the exit code. */
function startPush(repo, remote, sha, ssh) {
  const child = spawn('git', ['--git-dir', repo, 'push', remote, `+${sha}:refs/heads/main`], {env: {...process.env, GIT_SSH_COMMAND: ssh}, stdio: ['ignore', 'pipe', 'pipe']})
  let output = ''
  const done = new Promise((resolve) => child.on('close', resolve))
  const held = new Promise((resolve, reject) => {
    const onData = (chunk) => {
      output += chunk
      if (/graduate: holding /.test(output)) resolve()
    }
    child.stdout.on('data', onData)
    child.stderr.on('data', onData)
    void done.then((code) => reject(new Error(`a sequential push to ${remote} ended (exit ${code}) before it was held:\n${output}`)))
  })
  return {held, done}
}

function run(command, args, env = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {env: {...process.env, ...env}, stdio: ['ignore', 'ignore', 'pipe']})
    let stderr = ''
    child.stderr.on('data', (chunk) => (stderr += chunk))
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr}`))))
  })
}
