# Python's queue.Queue between a producer thread and a consumer thread. Usage: queue_bench.py N CAPACITY
import json
import queue
import sys
import threading
import time

n = int(sys.argv[1])
q = queue.Queue(int(sys.argv[2]))
result = {}


def produce():
    for i in range(n):
        q.put(i)


def consume():
    total = 0
    for _ in range(n):
        total += q.get()
    result["count"] = n
    result["sum"] = total


consumer = threading.Thread(target=consume)
producer = threading.Thread(target=produce)
start = time.perf_counter()
consumer.start()
producer.start()
producer.join()
consumer.join()
result["seconds"] = time.perf_counter() - start
print(json.dumps(result))
