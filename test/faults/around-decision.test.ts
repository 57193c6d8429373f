import {declareMatrix} from './cases.js'

declareMatrix('faults around and after the decision', 8, 17)
