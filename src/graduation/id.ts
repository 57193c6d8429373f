import crypto from 'node:crypto'

/** A graduation id sorts by start time: `20261123T101500Z-3f9a`. */
export function newGraduationId(now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')
  return `${stamp}-${crypto.randomBytes(2).toString('hex')}`
}

export const GRADUATION_ID = /^\d{8}T\d{6}Z-[0-9a-f]{4}$/
