# The seed's program (three semaphores: empty, full, mutex; capacity 10) with the sleeps and
# prints removed and the item count a parameter. Usage: seed_bench.py N
import json
import sys
import threading
import time

N = int(sys.argv[1])
CAPACITY = 10
buffer = [-1] * CAPACITY
in_index = 0
out_index = 0
mutex = threading.Semaphore()
empty = threading.Semaphore(CAPACITY)
full = threading.Semaphore(0)
result = {}


class Producer(threading.Thread):
    def run(self):
        global in_index
        counter = 0
        for _ in range(N):
            empty.acquire()
            mutex.acquire()
            buffer[in_index] = counter
            counter += 1
            in_index = (in_index + 1) % CAPACITY
            mutex.release()
            full.release()


class Consumer(threading.Thread):
    def run(self):
        global out_index
        total = 0
        for _ in range(N):
            full.acquire()
            mutex.acquire()
            total += buffer[out_index]
            out_index = (out_index + 1) % CAPACITY
            mutex.release()
            empty.release()
        result["count"] = N
        result["sum"] = total


producer = Producer()
consumer = Consumer()
start = time.perf_counter()
consumer.start()
producer.start()
producer.join()
consumer.join()
result["seconds"] = time.perf_counter() - start
print(json.dumps(result))
