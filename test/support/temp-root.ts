import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/**
 * Vitest global setup: every temporary directory the tests make (scratch homes, manifests, simulated
 * hosts) goes under one root for this run, removed when the run ends, so runs leave nothing in /tmp.
 */
export function setup(): () => void {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'graduate-tests-'))
  process.env['TMPDIR'] = root
  return () => fs.rmSync(root, {recursive: true, force: true})
}
