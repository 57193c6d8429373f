// `graduate --help` in a fresh Node process each time: what a user waits for before anything happens.
import {spawnSync} from 'node:child_process'
import path from 'node:path'

const BIN = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..', 'bin', 'run.js')

export async function measureHelpColdStart(times) {
  const durations = []
  for (let run = 0; run < times; run++) {
    const started = process.hrtime.bigint()
    const result = spawnSync(process.execPath, [BIN, '--help'], {encoding: 'utf8', env: {...process.env, NO_COLOR: '1'}})
    const elapsed = Number(process.hrtime.bigint() - started) / 1e6
    if (result.status !== 0) throw new Error(`graduate --help exited ${result.status}: ${result.stderr}`)
    durations.push(Math.round(elapsed))
  }
  return durations
}
