import {afterAll, beforeAll, describe, it} from 'vitest'
import {INJECTION_POINTS, MatrixBench, type Position} from './matrix.js'

const POSITION_ORDER: Position[] = ['first', 'middle', 'last']

/**
 * The points `npm test` injects: one of each way a graduation can end — refused before anything
 * changed, a deploy failing before its gate, a host lost while held, the POST hook failing, a release
 * that never arrives (partial), a failure after every app went live. `npm run test:faults` injects
 * every point.
 */
const EVERYDAY_POINTS = new Set(['connect', 'preflight', 'build', 'checks', 'held (host lost)', 'POST hook', 'release lost', 'record'])

export function declareMatrix(title: string, from: number, to: number): void {
  const everyPosition = process.env['GRADUATE_FAULTS'] === 'all'
  describe(title, () => {
    const bench = new MatrixBench()
    beforeAll(() => bench.start())
    afterAll(async () => {
      await bench.stop()
      console.log(`fault matrix (${title}): ${bench.injected} faults injected, invariant held in ${bench.held}`)
    })
    INJECTION_POINTS.slice(from, to).forEach((point, offset) => {
      if (!everyPosition && !EVERYDAY_POINTS.has(point.point)) return
      const positions = everyPosition ? POSITION_ORDER : [POSITION_ORDER[(from + offset) % POSITION_ORDER.length]!]
      for (const position of positions) {
        const end = point.expect === 'partial' ? 'that app old, the others new' : `every app ${point.expect}`
        it(`${point.point}, ${position} app → ${end}, exit ${point.exit}`, () => bench.runCase(point, position).then(() => undefined), 300_000)
      }
    })
  })
}
