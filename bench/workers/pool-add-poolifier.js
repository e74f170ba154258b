// The tiny task of the worker-pool benchmark, wrapped the way poolifier wants it.
import { ThreadWorker } from 'poolifier';

export default new ThreadWorker(([a, b]) => a + b);
