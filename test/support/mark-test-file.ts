import path from 'node:path'
import {expect} from 'vitest'
import {TEST_FILE_VARIABLE} from './leftover-processes.js'

/*
 * Vitest setup file: every process this test file starts inherits its name, so the final leftover
 * check (leftover-process-check.ts) can say which file left a process running. Each file runs in a
 * worker of its own, so the variable never names another file.
 */
const testPath = expect.getState().testPath
if (testPath) process.env[TEST_FILE_VARIABLE] = path.relative(process.cwd(), testPath)
