#!/usr/bin/env node
// Writes test/support/file-durations.json (read by longest-first.ts) from a Vitest JSON report:
//   npx vitest run --reporter=json --outputFile=/tmp/vitest.json && node test/support/file-durations.mjs /tmp/vitest.json
import fs from 'node:fs'
import path from 'node:path'

const report = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'))
const root = path.resolve(import.meta.dirname, '..', '..')
const rows = report.testResults
  .map((file) => [path.relative(root, file.name).split(path.sep).join('/'), Math.round((file.endTime - file.startTime) / 100) / 10])
  .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
fs.writeFileSync(path.join(import.meta.dirname, 'file-durations.json'), `${JSON.stringify(Object.fromEntries(rows), null, 2)}\n`)
