/*
 * The classic three-semaphore producer-consumer protocol (the founding program's) in Promela, for
 * the cross-check of `conveyor check` against Spin. Step for step the same as
 * src/check/three-semaphores.ts: each statement below is one atomic step there (acquire, lock,
 * read `in`, write the slot, write `in`, unlock, release).
 *
 * Parameters (pass with -D): P producers, C consumers, CAP slots, N items per producer, and
 * VARIANT: 0 three-semaphores, 1 no-mutex, 2 swapped-acquire, 3 no-empty, 4 no-full, 5 wrong-release.
 *
 *   spin -a -DP=2 -DC=2 -DCAP=2 -DN=3 -DVARIANT=0 three-semaphores.pml && gcc -O2 -DSAFETY -o pan pan.c && ./pan -m100000
 *
 * Checks: assertions (no write into a slot that holds an item, no read of an empty slot, each item
 * taken once and in order per producer, every item taken by the end) and Spin's own invalid end
 * states (a deadlock).
 */

#ifndef P
#define P 2
#endif
#ifndef C
#define C 2
#endif
#ifndef CAP
#define CAP 2
#endif
#ifndef N
#define N 3
#endif
#ifndef VARIANT
#define VARIANT 0
#endif

#define NO_MUTEX 1
#define SWAPPED_ACQUIRE 2
#define NO_EMPTY 3
#define NO_FULL 4
#define WRONG_RELEASE 5

/* An item is producer * 16 + k + 1 (k from 0); 0 marks an empty slot. */
#define PRODUCER(item) (((item) - 1) / 16)
#define INDEX(item) (((item) - 1) % 16)

byte buffer[CAP];          /* the ring; 0: empty slot */
byte in_ = 0;              /* next slot to write; guarded by mutex */
byte out_ = 0;             /* next slot to read; guarded by mutex */
byte sem_empty = CAP;         /* semaphore: free slots */
byte sem_full = 0;             /* semaphore: filled slots */
byte mutex = 0;            /* 0: free; else the holder's thread number + 1 */
short consumed[P];         /* bit k of consumed[p]: item k of producer p was taken */
byte last[C * P];          /* last[c * P + p]: index + 1 of the last item of p that consumer c took */

inline acquire(s) { atomic { s > 0 -> s-- } }
inline lock(who) { atomic { mutex == 0 -> mutex = who } }
inline unlock(who) { d_step { assert(mutex == who); mutex = 0 } }

proctype producer(byte p) {
  byte k = 0;
  byte i;
  do
  :: k < N ->
#if VARIANT == SWAPPED_ACQUIRE
    lock(p + 1);
    acquire(sem_empty);
#else
#if VARIANT != NO_EMPTY
    acquire(sem_empty);
#endif
#if VARIANT != NO_MUTEX
    lock(p + 1);
#endif
#endif
    i = in_;
    d_step { assert(buffer[i] == 0); buffer[i] = p * 16 + k + 1 };  /* a held slot: an item is lost */
    in_ = (i + 1) % CAP;
#if VARIANT != NO_MUTEX
    unlock(p + 1);
#endif
    d_step { sem_full++; k++ }
  :: else -> break
  od
}

proctype consumer(byte c; byte share) {
  byte k = 0;
  byte o;
  byte item;
  do
  :: k < share ->
#if VARIANT != NO_FULL
    acquire(sem_full);
#endif
#if VARIANT != NO_MUTEX
    lock(P + c + 1);
#endif
    o = out_;
    d_step {
      item = buffer[o];
      assert(item != 0);                                                   /* a read of nothing */
      buffer[o] = 0;
      assert((consumed[PRODUCER(item)] & (1 << INDEX(item))) == 0);        /* taken once */
      consumed[PRODUCER(item)] = consumed[PRODUCER(item)] | (1 << INDEX(item));
      assert(INDEX(item) + 1 > last[c * P + PRODUCER(item)]);              /* in order */
      last[c * P + PRODUCER(item)] = INDEX(item) + 1;
      item = 0
    };
    out_ = (o + 1) % CAP;
#if VARIANT != NO_MUTEX
    unlock(P + c + 1);
#endif
#if VARIANT == WRONG_RELEASE
    d_step { sem_full++; k++ }
#else
    d_step { sem_empty++; k++ }
#endif
  :: else -> break
  od
}

init {
  byte n;
  atomic {
    n = 0;
    do
    :: n < P -> run producer(n); n++
    :: else -> break
    od;
    n = 0;
    do
    :: n < C -> run consumer(n, (P * N) / C + (n < (P * N) % C -> 1 : 0)); n++
    :: else -> break
    od;
    n = 0
  }
  _nr_pr == 1;  /* every producer and consumer has finished */
  n = 0;
  do
  :: n < P -> assert(consumed[n] == (1 << N) - 1); n++  /* every item was taken */
  :: else -> break
  od
}
