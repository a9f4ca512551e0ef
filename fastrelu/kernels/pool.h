/* fastrelu's thread pool: workers that spin briefly after a job, then sleep.
 *
 * Why not OpenMP: libgomp's idle workers spin for a long time after each
 * parallel region (its default wait policy), and in a numpy program that
 * alternates an OpenBLAS matmul with our calls they take the cores OpenBLAS's
 * own threads need (OpenBLAS #3187): such a loop ran 2-3x slower than with
 * numpy's activation.  OMP_WAIT_POLICY and GOMP_SPINCOUNT are process-global,
 * so a library may not set them; a pool of its own decides for itself.
 *
 * The manner is pthreadpool's: the calling thread takes part in the work as
 * slot 0; a job is cut into chunks, each participant owns an equal run of
 * them and claims its own from the front, then steals the others' from the
 * back, so a worker that wakes late (or is preempted by a BLAS thread) costs
 * the call nothing but the chunk it holds, and back-to-back calls on an array
 * that fits the cores' caches find each part in the cache of the core that
 * did it last time (one shared chunk counter handed chunks to whichever core
 * came first: relu_ of 262144 float32 in place on 2 threads took 22 us,
 * slower than one thread); idle workers spin for fr_pool_spin_ns
 * (back-to-back calls find them awake), then park on a condition variable
 * (a matmul between two calls finds them asleep, off the cores).
 *
 * Nothing here changes process-global state.  Workers start on the first
 * call that wants them, so a process held to one thread never starts any.
 * After fork() the child of a process whose workers had started runs
 * serially (loops.h: fr_serial_only), never touching a pool whose threads it
 * does not have; a child forked before any worker started starts its own.
 */
#ifndef FASTRELU_POOL_H
#define FASTRELU_POOL_H

#include <stdint.h>
#include "kernels.h"

/* job: run fn(ctx, chunk, slot) for chunk in [0, nchunks); slot < nslots
 * names the participant (0: the caller), for per-participant scratch. */
typedef void (*fr_task_fn)(void *ctx, fr_intp chunk, int slot);
/* fr_parallel's wake: when it wakes parked workers (there) */
enum { FR_WAKE_BACK_TO_BACK, FR_WAKE_IN_STREAM, FR_WAKE_ALWAYS };

#if !defined(FR_NO_THREADS) && !defined(_WIN32) && defined(__STDC_VERSION__) && \
    __STDC_VERSION__ >= 201112L && !defined(__STDC_NO_ATOMICS__)
#define FR_HAVE_THREADS 1
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define fr_cpu_relax() _mm_pause()
#elif defined(__aarch64__)
#define fr_cpu_relax() __asm__ __volatile__("yield")
#else
#define fr_cpu_relax() ((void)0)
#endif

#define FR_POOL_MAX 256                     /* participants, caller included */
#define FR_TICKET_SETUP 0xffffffffu         /* low word meaning "not open" */
/* a slot's run of chunks: generation (24 bits) | front (20) | back (20) */
#define FR_RUN_BITS 20
#define FR_RUN_MASK ((1u << FR_RUN_BITS) - 1u)
#define FR_POOL_CHUNKS_MAX ((fr_intp)FR_RUN_MASK)   /* more: the job runs on the caller */
#define FR_GEN_MASK 0xffffffu

/* How long an idle worker stays awake, ns: long enough for back-to-back
 * calls, short against a BLAS call (see fr_pool_set_spin_us). */
static _Atomic long fr_pool_spin_ns = 100000;
static _Atomic int fr_pool_yield = 1;       /* read by the workers, set by set_spin_yield */

static struct {
    pthread_mutex_t call_lock;    /* one job at a time; a second caller runs serially */
    pthread_mutex_t park_lock;    /* guards parked[] and the waits on wake[] */
    pthread_cond_t wake[FR_POOL_MAX];   /* one per slot: a job wakes only its own */
    int parked[FR_POOL_MAX];
    int nworkers;                 /* started: slots 1..nworkers */
    long long last_job_ns;        /* when the last job ended (under call_lock) */
    _Atomic long long jobs, worker_chunks;   /* counters, for pool_stats() */
    /* high 32 bits: job generation; low 32: FR_TICKET_SETUP while the job is
     * written, 0 once it is open */
    _Atomic uint64_t ticket;
    /* slot s's unclaimed chunks [front, back), tagged with the generation:
     * claims are compare-and-swap on the whole word, so a worker holding a
     * stale job can never claim a chunk of a newer one.  One line each: the
     * owner's claims do not pass a line between the cores. */
    struct { _Alignas(64) _Atomic uint64_t word; } run[FR_POOL_MAX];
    _Atomic fr_intp done;         /* chunks finished in this job */
    _Atomic int sleepers;         /* how many parked[] are set */
    /* the job, written while the ticket says SETUP */
    _Atomic(fr_task_fn) fn;
    _Atomic(void *) ctx;
    _Atomic int nslots;
#if defined(__SSE2__)
    _Atomic unsigned int csr;     /* caller's MXCSR control bits (FTZ/DAZ, rounding) */
#endif
} fr_pool = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER};

static long long fr_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A chunk of slot v's run (its front, or its back when stolen), or -1. */
static fr_intp fr_pool_claim(int v, uint32_t gen, int front) {
    uint64_t w = atomic_load(&fr_pool.run[v].word);
    for (;;) {
        uint32_t f = (uint32_t)(w >> FR_RUN_BITS) & FR_RUN_MASK, b = (uint32_t)w & FR_RUN_MASK;
        if ((uint32_t)(w >> (2 * FR_RUN_BITS)) != (gen & FR_GEN_MASK) || f >= b) return -1;
        uint64_t nw = front ? w + ((uint64_t)1 << FR_RUN_BITS) : w - 1;
        if (atomic_compare_exchange_weak(&fr_pool.run[v].word, &w, nw)) return front ? f : b - 1;
    }
}
/* Run slot's own chunks of job `gen`, then the others'; returns how many. */
static fr_intp fr_pool_work(uint32_t gen, fr_task_fn fn, void *ctx, int nslots, int slot) {
    fr_intp ran = 0, c;
    for (int k = 0; k < nslots; k++) {
        int v = (slot + k) % nslots;
        while ((c = fr_pool_claim(v, gen, k == 0)) >= 0) {
            fn(ctx, c, slot);
            atomic_fetch_add(&fr_pool.done, 1);
            ran++;
        }
    }
    return ran;
}
static void *fr_pool_worker(void *arg) {
    int slot = (int)(intptr_t)arg;
    uint32_t seen = (uint32_t)(atomic_load(&fr_pool.ticket) >> 32);
    long long last_end = 0;     /* when it last finished a job */
    int quick = 1;              /* that job came within a spin of the one before */
    for (;;) {
        /* wait for a new generation: spin, then park.  Only after a job that
         * came quickly: calls farther apart have other work between them (a
         * BLAS call), which a spinning worker slows down (a numpy loop of a
         * 0.5 ms matmul and sigmoid_ of its 131072 outputs: 1.07x the loop's
         * time on one thread, the worker woken for each call and spinning
         * into the next matmul).  A stream of calls starts spinning with its
         * second call. */
        long long spin = atomic_load_explicit(&fr_pool_spin_ns, memory_order_relaxed);
        long long deadline = fr_now_ns() + (quick ? spin : 0);
        uint64_t t;
        for (int i = 1;; i++) {
            t = atomic_load(&fr_pool.ticket);
            if ((uint32_t)(t >> 32) != seen) break;
            fr_cpu_relax();
            if ((i & 63) != 0) continue;
            /* every few microseconds: let a runnable thread (a BLAS worker
             * sharing this core) have it, and park once the spin is over */
            if (atomic_load_explicit(&fr_pool_yield, memory_order_relaxed)) sched_yield();
            if (fr_now_ns() > deadline) {
                pthread_mutex_lock(&fr_pool.park_lock);
                fr_pool.parked[slot] = 1;
                atomic_fetch_add(&fr_pool.sleepers, 1);
                while ((uint32_t)((t = atomic_load(&fr_pool.ticket)) >> 32) == seen)
                    pthread_cond_wait(&fr_pool.wake[slot], &fr_pool.park_lock);
                fr_pool.parked[slot] = 0;
                atomic_fetch_sub(&fr_pool.sleepers, 1);
                pthread_mutex_unlock(&fr_pool.park_lock);
                break;
            }
        }
        seen = (uint32_t)(t >> 32);
        if ((uint32_t)t == FR_TICKET_SETUP) continue;      /* the job is being written */
        long long start = fr_now_ns();
        quick = last_end == 0 || start - last_end < spin;
        /* read the job; if it changed meanwhile, every claim below fails */
        fr_task_fn fn = atomic_load(&fr_pool.fn);
        void *ctx = atomic_load(&fr_pool.ctx);
        int nslots = atomic_load(&fr_pool.nslots);
        if (slot >= nslots) continue;
#if defined(__SSE2__)
        unsigned int csr = atomic_load(&fr_pool.csr);
        if ((_mm_getcsr() & ~0x3fu) != csr) _mm_setcsr(csr);
#endif
        fr_intp ran = fr_pool_work(seen, fn, ctx, nslots, slot);
        if (ran) atomic_fetch_add_explicit(&fr_pool.worker_chunks, ran, memory_order_relaxed);
        last_end = fr_now_ns();
    }
    return NULL;
}

/* Start workers up to `want` (slots 1..want); returns how many of those run
 * (more may exist, from an earlier, larger thread count: they sit out). */
static int fr_pool_grow(int want) {
    if (want > FR_POOL_MAX - 1) want = FR_POOL_MAX - 1;
    while (fr_pool.nworkers < want) {
        pthread_t th;
        pthread_attr_t attr;
        pthread_cond_init(&fr_pool.wake[fr_pool.nworkers + 1], NULL);
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        pthread_attr_setstacksize(&attr, 256 * 1024);
        int rc = pthread_create(&th, &attr, fr_pool_worker,
                                (void *)(intptr_t)(fr_pool.nworkers + 1));
        pthread_attr_destroy(&attr);
        if (rc != 0) break;                 /* run with the workers we have */
        fr_pool.nworkers++;
    }
    return fr_pool.nworkers < want ? fr_pool.nworkers : want;
}

/* Run a job on up to nt participants (the caller plus nt - 1 workers).
 * Returns the number of slots the job may use; fn is only ever called with
 * slot < that number.  Falls back to the caller alone when another thread
 * holds the pool.  wake: FR_WAKE_ALWAYS wakes parked workers.  A job too
 * small to pay for that (a futex wake and ~50 us until it runs, on a VM)
 * uses the workers still spinning, and wakes parked ones only when the
 * pool's last job ended within FR_POOL_RECENT_NS (FR_WAKE_IN_STREAM: a
 * stream of calls, the next calls find them awake) or within
 * FR_POOL_BACK_TO_BACK_NS (FR_WAKE_BACK_TO_BACK: nothing but a few Python
 * statements between the calls; this starts them on a run of back-to-back
 * calls.  The workers' 100 us spin was too wide a window: in a numpy loop of
 * a 40 us matmul and sigmoid_ of its 65536 outputs every call woke the
 * worker).  From the last job's
 * end, not its start: calls longer than that (relu of a strided view of 2M
 * float32, 1.5 ms) otherwise never counted as a stream, the worker parked
 * between them and each ran on the caller alone. */
#define FR_POOL_RECENT_NS 1000000
#define FR_POOL_BACK_TO_BACK_NS 10000
static int fr_parallel(int nt, fr_intp nchunks, fr_task_fn fn, void *ctx, int wake) {
    if (nt > 1 && nchunks > 1 && nchunks <= FR_POOL_CHUNKS_MAX
            && pthread_mutex_trylock(&fr_pool.call_lock) == 0) {
        int slots = 1 + fr_pool_grow(nt - 1);
        if (slots > 1) {
            uint32_t gen = (uint32_t)(atomic_load(&fr_pool.ticket) >> 32) + 1;
            atomic_store(&fr_pool.ticket, ((uint64_t)gen << 32) | FR_TICKET_SETUP);
            atomic_store(&fr_pool.fn, fn);
            atomic_store(&fr_pool.ctx, ctx);
            atomic_store(&fr_pool.nslots, slots);
            atomic_store(&fr_pool.done, 0);
            for (int v = 0; v < slots; v++) {        /* slot v owns [v n / slots, (v + 1) n / slots) */
                uint64_t f = (uint64_t)(nchunks * v / slots), b = (uint64_t)(nchunks * (v + 1) / slots);
                atomic_store(&fr_pool.run[v].word, (uint64_t)((gen + 1) & FR_GEN_MASK) << (2 * FR_RUN_BITS)
                                                   | f << FR_RUN_BITS | b);
            }
#if defined(__SSE2__)
            atomic_store(&fr_pool.csr, _mm_getcsr() & ~0x3fu);
#endif
            gen++;
            atomic_store(&fr_pool.ticket, (uint64_t)gen << 32);
            if (wake != FR_WAKE_ALWAYS)
                wake = fr_now_ns() - fr_pool.last_job_ns
                       < (wake == FR_WAKE_IN_STREAM ? FR_POOL_RECENT_NS : FR_POOL_BACK_TO_BACK_NS);
            if (wake && atomic_load(&fr_pool.sleepers) > 0) {
                pthread_mutex_lock(&fr_pool.park_lock);
                for (int w = 1; w < slots; w++)
                    if (fr_pool.parked[w]) pthread_cond_signal(&fr_pool.wake[w]);
                pthread_mutex_unlock(&fr_pool.park_lock);
            }
            fr_pool_work(gen, fn, ctx, slots, 0);
            atomic_fetch_add_explicit(&fr_pool.jobs, 1, memory_order_relaxed);
            /* chunks other participants still hold */
            for (int i = 1; atomic_load(&fr_pool.done) < nchunks; i++) {
                fr_cpu_relax();
                if ((i & 1023) == 0) sched_yield();
            }
            fr_pool.last_job_ns = fr_now_ns();
            pthread_mutex_unlock(&fr_pool.call_lock);
            return slots;
        }
        pthread_mutex_unlock(&fr_pool.call_lock);
    }
    for (fr_intp c = 0; c < nchunks; c++) fn(ctx, c, 0);
    return 1;
}

static void fr_pool_set_spin_us(long us) { atomic_store(&fr_pool_spin_ns, us < 0 ? 0 : us * 1000); }
static long fr_pool_get_spin_us(void) { return atomic_load(&fr_pool_spin_ns) / 1000; }
static void fr_pool_set_yield(int on) { atomic_store(&fr_pool_yield, on); }
static int fr_pool_started(void) { return fr_pool.nworkers; }
static long long fr_pool_jobs(void) { return atomic_load(&fr_pool.jobs); }
static long long fr_pool_worker_chunks(void) { return atomic_load(&fr_pool.worker_chunks); }

#else   /* no threads: every job runs on the caller */

static int fr_parallel(int nt, fr_intp nchunks, fr_task_fn fn, void *ctx, int wake) {
    (void)nt; (void)wake;
    for (fr_intp c = 0; c < nchunks; c++) fn(ctx, c, 0);
    return 1;
}
static void fr_pool_set_spin_us(long us) { (void)us; }
static long fr_pool_get_spin_us(void) { return 0; }
static void fr_pool_set_yield(int on) { (void)on; }
static int fr_pool_started(void) { return 0; }
static long long fr_pool_jobs(void) { return 0; }
static long long fr_pool_worker_chunks(void) { return 0; }

#endif

static int fr_have_threads(void) {
#ifdef FR_HAVE_THREADS
    return 1;
#else
    return 0;
#endif
}

#endif /* FASTRELU_POOL_H */
