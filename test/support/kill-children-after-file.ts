import {afterAll} from 'vitest'
import {killStartedChildren} from './child-processes.js'

/*
 * Vitest setup file: what a file's hooks started through killAtTeardown (a CLI run in beforeAll, an
 * sshd) dies when the file ends, even when its own afterAll failed or never got that far. Setup-file
 * hooks run after the file's own afterAll hooks, so the file's orderly shutdown comes first.
 */
afterAll(() => killStartedChildren())
