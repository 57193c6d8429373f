// `node test/simulator/sim.mjs up|state …`: the simulator's CLI (cli.ts) without a project build.
// It compiles the simulator only when one of its sources or configs is newer than its last build
// (dist/.tsbuildinfo, which tsc -b touches on every build), with the compiler's output on stderr:
// stdout carries only what the CLI prints, the one JSON line of `up`. The CLI then runs in this
// process, so SIGTERM and SIGINT reach the simulator itself.
import {spawnSync} from 'node:child_process'
import fs from 'node:fs'
import path from 'node:path'
import {fileURLToPath} from 'node:url'

const HERE = path.dirname(fileURLToPath(import.meta.url))
const REPOSITORY = path.resolve(HERE, '..', '..')
const TSCONFIG = path.join(HERE, 'tsconfig.json')
const BUILD_INFO = path.join(HERE, 'dist', '.tsbuildinfo')

/** Newest modification time of the simulator's compiled inputs (what its tsconfig includes). */
function newestInput() {
  let newest = Math.max(fs.statSync(TSCONFIG).mtimeMs, fs.statSync(path.join(REPOSITORY, 'tsconfig.json')).mtimeMs)
  const visit = (dir) => {
    for (const entry of fs.readdirSync(dir, {withFileTypes: true})) {
      const file = path.join(dir, entry.name)
      if (entry.isDirectory()) {
        if (entry.name !== 'dist') visit(file)
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) {
        newest = Math.max(newest, fs.statSync(file).mtimeMs)
      }
    }
  }
  visit(HERE)
  return newest
}

function builtAt() {
  try {
    return fs.statSync(BUILD_INFO).mtimeMs
  } catch {
    return -Infinity
  }
}

if (newestInput() > builtAt()) {
  process.stderr.write('simulator: compiling test/simulator (its sources changed since the last build)\n')
  const tsc = path.join(REPOSITORY, 'node_modules', 'typescript', 'bin', 'tsc')
  const compiled = spawnSync(process.execPath, [tsc, '-b', TSCONFIG], {cwd: REPOSITORY, stdio: ['ignore', 2, 2]})
  if (compiled.status !== 0) process.exit(compiled.status ?? 1)
}

await import('./dist/cli.js')
