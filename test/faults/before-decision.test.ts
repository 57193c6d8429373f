import {declareMatrix} from './cases.js'

declareMatrix('faults before the decision', 0, 8)
