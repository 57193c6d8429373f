import {describe, expect, it} from 'vitest'
import {PreflightError, UsageError} from '../../../src/errors.js'
import type {StoredRecord} from '../../../src/graduation/records.js'
import {chooseRecord} from '../../../src/graduation/rollback.js'

function record(id: string, outcome: string, extra: Partial<StoredRecord> = {}): StoredRecord {
  return {id, kind: 'graduation', env: 'production', fromEnv: 'dev', owner: 'ops@laptop', startedAt: `2026-11-${id.padStart(2, '0')}T10:00:00.000Z`, outcome, flipSkewMs: null, apps: [], ...extra}
}

describe('which graduation a rollback undoes', () => {
  it('is the newest one that changed the environment', () => {
    expect(chooseRecord([record('1', 'graduated'), record('2', 'partial'), record('3', 'aborted')], 'production').id).toBe('2')
  })

  it('steps back one graduation per rollback: one already undone is passed over', () => {
    const history = [record('1', 'graduated'), record('2', 'graduated'), record('3', 'graduated', {kind: 'rollback', rollbackOf: '2'})]
    expect(chooseRecord(history, 'production').id).toBe('1')
  })

  it('does not count a rollback that did not go through as undoing anything', () => {
    const history = [record('1', 'graduated'), record('2', 'graduated'), record('3', 'aborted', {kind: 'rollback', rollbackOf: '2'})]
    expect(chooseRecord(history, 'production').id).toBe('2')
  })

  it('says there is nothing to roll back when every graduation is undone or none went live', () => {
    expect(() => chooseRecord([record('1', 'aborted')], 'production')).toThrow(PreflightError)
    expect(() => chooseRecord([record('1', 'graduated'), record('2', 'graduated', {kind: 'rollback', rollbackOf: '1'})], 'production')).toThrow(/nothing to roll back/)
  })

  it('takes the one named by --to, refusing an unknown id and one that never went live', () => {
    const history = [record('1', 'graduated'), record('2', 'aborted'), record('3', 'graduated')]
    expect(chooseRecord(history, 'production', '1').id).toBe('1')
    expect(() => chooseRecord(history, 'production', '9')).toThrow(UsageError)
    expect(() => chooseRecord(history, 'production', '2')).toThrow(/ended aborted: nothing of it went live/)
  })
})
