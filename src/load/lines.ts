/**
 * Logs are read line by line by input.ts's forEachLine: linear however long a line is, each line
 * within --max-file-size, the first byte within --read-timeout, FIFOs and devices included.
 */
export { forEachLine } from './input.js';
