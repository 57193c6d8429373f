import {afterAll, beforeAll, describe, it} from 'vitest'
import {INJECTION_POINTS, MatrixBench, type Position} from './matrix.js'

const POSITION_ORDER: Position[] = ['first', 'middle', 'last']

/**
 * Declares the matrix cases for the injection points in [from, to). `npm test` runs each point once,
 * for a position that rotates with the point; `npm run test:faults` (GRADUATE_FAULTS=all) runs every
 * point for the first, a middle and the last app.
 */
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
      const positions = everyPosition ? POSITION_ORDER : [POSITION_ORDER[(from + offset) % POSITION_ORDER.length]!]
      for (const position of positions) {
        const end = point.expect === 'partial' ? 'that app old, the others new' : `every app ${point.expect}`
        it(`${point.point}, ${position} app → ${end}, exit ${point.exit}`, () => bench.runCase(point, position).then(() => undefined), 300_000)
      }
    })
  })
}
