// The tiny task of the worker-pool benchmark, as conveyor's WorkerPool, piscina and tinypool load it.
export default ([a, b]) => a + b;
