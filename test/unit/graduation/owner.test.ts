import {describe, expect, it} from 'vitest'
import {describeOwner, printableOwner} from '../../../src/graduation/owner.js'

describe('the owner of a graduation', () => {
  it('turns a newline into a space and drops escape sequences, so it travels as one argument and prints plainly', () => {
    expect(printableOwner('alice@ci (GitLab CI job a\nb)')).toBe('alice@ci (GitLab CI job a b)')
    expect(printableOwner('x\u001b[31mred\u001b[0m')).toBe('xred')
    expect(printableOwner('tab\there\u0007bell')).toBe('tab here bell')
  })

  it('keeps within the gate plugin: printable ASCII, at most 200 characters, never empty', () => {
    expect(printableOwner('josé@laptop')).toBe('jos?@laptop')
    expect(printableOwner('a'.repeat(300))).toHaveLength(200)
    expect(printableOwner('\n\u001b[0m')).toBe('unknown')
  })

  it('describes a CI job from its environment, cleaned', () => {
    const owner = describeOwner({GITLAB_CI: 'true', CI_JOB_URL: 'https://gitlab.example.com/job/1\n\u001b[2Jboom'})
    expect(owner).toMatch(/^\S+@\S+ \(GitLab CI job https:\/\/gitlab\.example\.com\/job\/1 boom\)$/)
  })
})
