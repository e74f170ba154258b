// The tiny task of the worker-pool benchmark, registered the way workerpool wants it.
import workerpool from 'workerpool';

workerpool.worker({ add: ([a, b]) => a + b });
