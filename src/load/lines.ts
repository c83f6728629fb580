/**
 * Logs are read line by line by input.ts: readLines pulled (batches of lines, so detect reads its DNS
 * and flow logs only as far as the audit log's time has come), forEachLine pushed and built on it.
 * Linear however long a line is, each line within --max-file-size, the first byte within
 * --read-timeout, FIFOs and devices included.
 */
export { forEachLine, readLines, type LineBatch } from './input.js';
