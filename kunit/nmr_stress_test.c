// SPDX-License-Identifier: GPL-2.0
/*
 * Concurrency stress for the NMR core, through the public API only.
 *
 * Kernel threads pinned across the CPUs register and deregister providers
 * and clients of a few NPIs at random for a bounded time.  The callbacks
 * decline or accept at random, and detach either at once, or by returning
 * -EINPROGRESS and completing later from a work item, from a timer, or from
 * inside the detach callback itself; other calls run sections bracketed by
 * nmr_client_enter()/nmr_provider_enter() on live bindings.  Every
 * callback checks what the contract promises and counts a violation when
 * it does not hold: each attached side is detached once and cleaned up
 * once, after its pending detach completed; a declined side gets nothing;
 * no callback runs for a registration whose wait has returned.  Each wait
 * checks that the registration's sides are balanced, and the end checks
 * every binding context and that the registry is empty.
 *
 * A second case runs the race that hung a user-mode NMR emulation: one
 * thread registers, deregisters and waits for a provider in a loop while
 * another does the same with a client of the same NPI, with attach
 * callbacks that sleep, yield or spin, so that deregistrations race
 * attaches still in progress and take the late-comer path.
 *
 * A third case attacks the API as an adversary would, with every call the
 * contract allows (and the misuse it promises to detect) made at random
 * from callbacks and other threads: attach and detach callbacks
 * deregister themselves, their peer or any recent registration; a racer
 * on the other CPU uses each handle the moment NMR publishes it (a
 * deregistration, a refused or requested unload, while the register call
 * still runs, with a crowd of peers on one NPI so that the call takes a
 * while); sides complete from work items on either CPU, timers, IPIs, or
 * are held until a dual wait lets them go; sections are entered before,
 * inside and after the attach and during the detach, carried out of
 * attach callbacks and exited on another CPU, in a timer or an IPI; two
 * threads wait for one registration at once, with and without timeouts.
 * Among them, misuse the contract says NMR detects: deregistering twice,
 * waiting before deregistering, a wait racing another, a wait from the
 * registration's own attach callback, completes for sides that are not
 * pending and second completes, a second nmr_client_attach_provider(),
 * refuse/request unload in the wrong state, and an exit without an enter
 * where the counts show it.  The case counts each misuse it makes, and
 * NMR's misuse warnings (nmr_kunit_misuses()) must match that count
 * exactly.  It never misuses freed memory: a handle is only ever given to
 * NMR while the case knows it is valid (see nmr_adv_get()).
 *
 * The registrations and binding contexts live on the case's lists until
 * the case ends, so a callback that comes too late touches valid memory
 * and is counted instead of corrupting it.  If a thread does not finish,
 * the case fails and leaks that memory on purpose.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/irqflags.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/ktime.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/random.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/smp.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/uuid.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include <nmr/nmr.h>
#include <nmr/nmr_kunit.h>

#include "nmr_test_chars.h"

static unsigned int stress_ms = 3000;
module_param(stress_ms, uint, 0444);
MODULE_PARM_DESC(stress_ms, "How long the random stress case runs, in ms (default 3000)");

static unsigned int race_ms = 3000;
module_param(race_ms, uint, 0444);
MODULE_PARM_DESC(race_ms,
		 "How long the provider/client register-deregister race runs, in ms (default 3000)");

static unsigned int adversarial_ms = 30000;
module_param(adversarial_ms, uint, 0444);
MODULE_PARM_DESC(adversarial_ms, "How long the adversarial case runs, in ms (default 30000)");

static unsigned int adversarial_skip;
module_param(adversarial_skip, uint, 0444);
MODULE_PARM_DESC(adversarial_skip,
		 "Attacks the adversarial case leaves out, a mask: 1 handle racer, 2 deregistrations from callbacks, 4 sections carried out of attach callbacks, 8 dual waits, 16 misuse, 32 waits from attach callbacks, 64 provider enter inside its attach (default 0)");

#define NMR_STRESS_NPIS		3
#define NMR_STRESS_THREADS	4
/* Registrations one thread of the random case holds at a time. */
#define NMR_STRESS_SLOTS	4
/* Generous for a debug kernel under TCG; a timeout is a failure. */
#define NMR_STRESS_WAIT_TIMEOUT	(30 * HZ)
/* Registrations and binding contexts one case may create. */
#define NMR_STRESS_MAX_OBJS	200000
#define NMR_STRESS_MAGIC	0x4e4d5253	/* "NMRS" */
/* Kinds of violation the report lists, at most. */
#define NMR_STRESS_VKINDS	16

/* The adversarial case: clients and providers of NPI 0 that decline all. */
#define NMR_ADV_CROWD		6
/* Recent registrations, for callbacks that deregister someone else. */
#define NMR_ADV_RING		32
#define NMR_ADV_RACERS		2
/* Deregistrations from callbacks nested inside each other, at most. */
#define NMR_ADV_MAX_NESTING	3
/*
 * How long a dual wait may keep a side held: one of its waits returns at
 * once, but a loaded TCG host can stall the guest for seconds.
 */
#define NMR_ADV_PIN_MAX		(10 * HZ)

/* What adversarial_skip can leave out. */
enum nmr_adv_attack {
	NMR_ATTACK_HANDLE_RACER	= BIT(0),
	NMR_ATTACK_CB_DEREGISTER	= BIT(1),
	NMR_ATTACK_CARRY		= BIT(2),
	NMR_ATTACK_DUAL_WAIT	= BIT(3),
	NMR_ATTACK_MISUSE		= BIT(4),
	NMR_ATTACK_WAIT_IN_ATTACH	= BIT(5),
	NMR_ATTACK_PROVIDER_ENTER	= BIT(6),
};

enum nmr_stress_count {
	NMR_SC_REGISTER,
	NMR_SC_DEREGISTER,
	NMR_SC_DEREGISTER_IRQS_OFF,
	NMR_SC_WAIT,
	NMR_SC_WAIT_TIMEOUT,
	NMR_SC_CLIENT_DECLINE,
	NMR_SC_PROVIDER_DECLINE,
	NMR_SC_RETRY,
	NMR_SC_PROVIDER_ATTACH,
	NMR_SC_CLIENT_ATTACH,
	NMR_SC_FAIL_AFTER_ATTACH,
	NMR_SC_ATTACH_RACED,
	NMR_SC_LATE_COMER,
	NMR_SC_DETACH_SYNC,
	NMR_SC_DETACH_INSIDE,
	NMR_SC_DETACH_WORK,
	NMR_SC_DETACH_TIMER,
	NMR_SC_CLEANUP,
	NMR_SC_ENTER,
	NMR_SC_ENTER_REFUSED,
	NMR_SC_NOMEM,
	NMR_SC_VIOLATION,
	/* The adversarial case */
	NMR_SC_DETACH_WORK_ON,
	NMR_SC_DETACH_IPI,
	NMR_SC_DETACH_HELD,
	NMR_SC_HELD_BY_DUAL,
	NMR_SC_CROWD_DECLINE,
	NMR_SC_RACER_ARMED,
	NMR_SC_RACER_HIT,
	NMR_SC_RACER_LATE,
	NMR_SC_RACER_DEREGISTER,
	NMR_SC_RACER_REFUSE,
	NMR_SC_RACER_REQUEST,
	NMR_SC_ATTACH_DEREGISTER,
	NMR_SC_DETACH_DEREGISTER,
	NMR_SC_ENTER_CLOSED,
	NMR_SC_ENTER_IN_ATTACH,
	NMR_SC_ENTER_PROVIDER_ATTACH,
	NMR_SC_CARRIED_WORK,
	NMR_SC_CARRIED_WORK_ON,
	NMR_SC_CARRIED_TIMER,
	NMR_SC_CARRIED_IPI,
	NMR_SC_ENTER_TIMER,
	NMR_SC_ENTER_IPI,
	NMR_SC_DUAL_WAIT,
	NMR_SC_WAIT_TIMED_OUT,
	NMR_SC_UNREGISTER,
	/* Misuse made on purpose, each drawing one warning: keep together. */
	NMR_SC_MISUSE_DEREGISTER,
	NMR_SC_MISUSE_WAIT_EARLY,
	NMR_SC_MISUSE_WAIT_RACING,
	NMR_SC_MISUSE_WAIT_IN_ATTACH,
	NMR_SC_MISUSE_COMPLETE,
	NMR_SC_MISUSE_ATTACH_AGAIN,
	NMR_SC_MISUSE_REFUSE,
	NMR_SC_MISUSE_REQUEST,
	NMR_SC_MISUSE_EXIT,
	NMR_SC_COUNT,
};

#define NMR_SC_MISUSE_FIRST	NMR_SC_MISUSE_DEREGISTER
#define NMR_SC_MISUSE_LAST	NMR_SC_MISUSE_EXIT

/* How a detach callback finishes its side. */
enum nmr_stress_detach {
	NMR_STRESS_DETACH_SYNC,		/* return 0 */
	NMR_STRESS_DETACH_INSIDE,	/* complete, then return -EINPROGRESS */
	NMR_STRESS_DETACH_WORK,		/* -EINPROGRESS; a work item completes */
	NMR_STRESS_DETACH_TIMER,	/* -EINPROGRESS; a timer completes */
	/* The random case uses the modes above, the adversarial one all. */
	NMR_STRESS_DETACH_WORK_ON,	/* -EINPROGRESS; a work item on another CPU */
	NMR_STRESS_DETACH_IPI,		/* -EINPROGRESS; an IPI to another CPU */
	NMR_STRESS_DETACH_HELD,		/* -EINPROGRESS; held, see nmr_adv_hold() */
	NMR_STRESS_DETACH_MODES,
};

#define NMR_STRESS_DETACH_BASIC_MODES	(NMR_STRESS_DETACH_TIMER + 1)

struct nmr_stress;

/* The dispatch table each registration hands its peers. */
struct nmr_stress_dispatch {
	u32 magic;
	u32 id;
};

/*
 * Calls of one kind, to tell whether two of them overlapped: in one word,
 * the calls in flight (low 32 bits) and the calls begun so far (high 32
 * bits), so that a begin counts itself in both and reads both at one
 * instant.  (Two counters, in flight then begun, let a call whose begin
 * fell between another's two increments go unseen by that other: it
 * found none in flight, and counted the newcomer as begun before it.)
 */
struct nmr_adv_calls {
	atomic64_t state;
	/*
	 * The accounting case only: called once inside a begin, just after
	 * its first write to the counters, where an interrupt or the other
	 * CPU can let another call of the kind in; cleared before it runs.
	 */
	void (*begin_hook)(struct nmr_adv_calls *calls);
	void *hook_data;
};

/* One provider or client registration; kept until the case ends. */
struct nmr_stress_reg {
	struct nmr_stress *s;
	struct list_head node;
	bool is_client;
	/* The end-of-case probe: always attach, always detach at once. */
	bool accept_all;
	/* The adversarial case's crowd on NPI 0: declines every offer. */
	bool crowd;
	bool never_registered;
	unsigned int npi;
	union {
		struct nmr_provider_characteristics pchars;
		struct nmr_client_characteristics cchars;
	};
	/* Written by NMR: the racer reads @handle with acquire. */
	union {
		struct nmr_provider *provider;
		struct nmr_client *client;
		void *handle;
	};
	struct nmr_stress_dispatch dispatch;
	/* Written by the registering thread, read by callbacks. */
	bool registering;
	bool deregistering;
	bool waited;
	/* This registration's sides that attached, detached, were cleaned up. */
	atomic_t attached;
	atomic_t detached;
	atomic_t cleaned;
	/* Its bindings whose provider side attached and is not cleaned up. */
	atomic_t bindings;
	/* Deregister calls that returned -EINPROGRESS, waits that returned 0. */
	atomic_t deregistered;
	atomic_t waits_ok;

	/* The adversarial case: see nmr_adv_get() and nmr_adv_hold(). */
	spinlock_t guard;
	bool closing;			/* guard: no new use of the handle */
	unsigned int uses;		/* guard: calls with the handle in flight */
	struct list_head held;		/* guard: this registration's held sides */
	bool held_final;		/* guard: no side is held from now on */
	bool pinned;			/* guard: a dual wait relies on @held */
	bool dereg_started;		/* a deregister call for it was made */
	bool register_done;		/* its register call returned */
	bool owner_deregistered;	/* the owning thread: it deregistered */
	bool refused;			/* the handle racer: its refuse holds */
	struct nmr_adv_calls dereg_calls;
	struct nmr_adv_calls wait_calls;
};

/* One side's binding context; kept until the case ends. */
struct nmr_stress_bctx {
	struct nmr_stress *s;
	struct list_head node;
	/* On s->live while a thread may enter a section on the binding. */
	struct list_head live_node;
	bool live;
	bool client_side;
	struct nmr_stress_reg *reg;
	struct nmr_stress_reg *peer_reg;
	struct nmr_stress_bctx *peer;
	struct nmr_binding *binding;
	/* Client side: the thread that ran the attach callback. */
	struct task_struct *attach_task;
	bool attached;
	enum nmr_stress_detach mode;
	bool completed;
	bool work_ready;
	bool timer_ready;
	atomic_t detached;
	atomic_t cleaned;
	/*
	 * Client side: the sections entered on this binding, by either side,
	 * and not exited yet; no cleanup may run while it is not zero.
	 */
	atomic_t sections;
	/* On reg->held while its detach is held; reg->guard. */
	struct list_head held_node;
	bool held;
	unsigned long held_since;
	struct work_struct work;
	struct timer_list timer;
	call_single_data_t csd;
};

/* A section entered in one context and exited in another. */
struct nmr_adv_section {
	struct nmr_stress *s;
	struct nmr_binding *binding;
	bool client_role;
	/* The binding's client context, and its provider's if it attached. */
	struct nmr_stress_bctx *cb;
	struct nmr_stress_bctx *pb;
	union {
		struct work_struct work;
		struct timer_list timer;
		call_single_data_t csd;
	};
};

/* Uses each handle it is given the moment NMR publishes it. */
struct nmr_adv_racer {
	struct nmr_stress *s;
	struct task_struct *task;
	struct completion done;
	bool finished;
	unsigned int cpu;
	struct nmr_stress_reg *target;
	wait_queue_head_t wq;
};

struct nmr_stress_thread {
	struct nmr_stress *s;
	struct task_struct *task;
	struct completion done;
	bool finished;
	unsigned int cpu;
	/* The race case: the only role this thread registers. */
	bool is_client;
	unsigned long iterations;
	struct nmr_stress_reg *slot[NMR_STRESS_SLOTS];
	/* The adversarial case: enters sections from softirq context. */
	struct timer_list enter_timer;
};

/* Per-case state. */
struct nmr_stress {
	struct kunit *test;
	/* Protects regs, bctxs and live; taken in any context. */
	spinlock_t lock;
	struct list_head regs;
	struct list_head bctxs;
	struct list_head live;
	guid_t npi[NMR_STRESS_NPIS];
	unsigned int nr_npis;
	/* The random case: attaches are declined and fail at random. */
	bool random_attach;
	/* The race case: attach callbacks sleep or yield more often. */
	bool slow_attach;
	bool race;
	unsigned long end;
	struct workqueue_struct *wq;
	/* Per-CPU workers, for completes and exits on a chosen CPU. */
	struct workqueue_struct *pcpu_wq;
	atomic_t nr_objs;
	atomic_long_t count[NMR_SC_COUNT];
	struct nmr_stress_thread threads[NMR_STRESS_THREADS];
	unsigned int nr_threads;
	/* nmr_kunit_misuses() when the case started. */
	unsigned long misuses_before;
	/* Violations by message, see nmr_stress_violation_kind(). */
	const char *vkind[NMR_STRESS_VKINDS];
	atomic_long_t vcount[NMR_STRESS_VKINDS];
	/* The adversarial case */
	bool adversarial;
	unsigned int skip;
	/* Sections whose exit is still to come. */
	atomic_t carried;
	/* Deregistrations from callbacks in progress, to bound the nesting. */
	atomic_t cb_nesting;
	/* lock */
	struct nmr_stress_reg *ring[NMR_ADV_RING];
	unsigned int ring_next;
	struct nmr_adv_racer racers[NMR_ADV_RACERS];
	unsigned int nr_racers;
	struct nmr_stress_reg *crowd[2 * NMR_ADV_CROWD];
	unsigned int nr_crowd;
};

static void nmr_stress_inc(struct nmr_stress *s, enum nmr_stress_count c)
{
	atomic_long_inc(&s->count[c]);
}

static long nmr_stress_count(struct nmr_stress *s, enum nmr_stress_count c)
{
	return atomic_long_read(&s->count[c]);
}

/*
 * Counts a violation under its message, so that the report names every
 * kind that happened even when the log lines were rate-limited away.
 */
static void nmr_stress_violation_kind(struct nmr_stress *s, const char *fmt)
{
	unsigned int i;

	for (i = 0; i < NMR_STRESS_VKINDS; i++) {
		const char *kind = READ_ONCE(s->vkind[i]);

		if (!kind && !cmpxchg(&s->vkind[i], NULL, fmt))
			kind = fmt;
		if (kind == fmt) {
			atomic_long_inc(&s->vcount[i]);
			return;
		}
	}
}

/* Callable in any context: counted, logged, and failed by the case. */
static __printf(2, 3) void nmr_stress_violation(struct nmr_stress *s, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	nmr_stress_inc(s, NMR_SC_VIOLATION);
	nmr_stress_violation_kind(s, fmt);
	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_err_ratelimited("contract violation: %pV\n", &vaf);
	va_end(args);
}

static const char *nmr_stress_role(const struct nmr_stress_reg *r)
{
	return r->is_client ? "client" : "provider";
}

/* No callback may run for a registration once its wait has returned. */
static void nmr_stress_check_live(struct nmr_stress_reg *r, const char *what)
{
	if (READ_ONCE(r->waited))
		nmr_stress_violation(r->s, "%s called for %s %p after its wait returned",
				     what, nmr_stress_role(r), r);
}

/* A short sleep, yield or spin at random, to vary how attaches interleave. */
static void nmr_stress_dawdle(struct nmr_stress *s)
{
	u32 r = get_random_u32_below(16);

	if (!r)
		usleep_range(10, 50);
	else if (r < (s->slow_attach ? 5 : 2))
		cond_resched();
	else if (r < (s->slow_attach ? 12 : 3))
		udelay(get_random_u32_below(50));
}

static bool nmr_stress_obj_get(struct nmr_stress *s)
{
	if (atomic_inc_return(&s->nr_objs) <= NMR_STRESS_MAX_OBJS)
		return true;
	atomic_dec(&s->nr_objs);
	return false;
}

static int nmr_stress_deregister_call(struct nmr_stress_reg *r)
{
	if (r->is_client)
		return nmr_deregister_client(r->client);
	return nmr_deregister_provider(r->provider);
}

/* @timeout 0 waits without one. */
static int nmr_stress_wait_call(struct nmr_stress_reg *r, unsigned long timeout)
{
	if (r->is_client)
		return timeout ?
		       nmr_wait_for_client_deregister_complete_timeout(r->client, timeout) :
		       nmr_wait_for_client_deregister_complete(r->client);
	return timeout ?
	       nmr_wait_for_provider_deregister_complete_timeout(r->provider, timeout) :
	       nmr_wait_for_provider_deregister_complete(r->provider);
}

/* After its wait returned 0: every side of @r balanced. */
static void nmr_stress_check_balanced(struct nmr_stress_reg *r)
{
	if (atomic_read(&r->detached) != atomic_read(&r->attached) ||
	    atomic_read(&r->cleaned) != atomic_read(&r->attached) ||
	    atomic_read(&r->bindings))
		nmr_stress_violation(r->s,
				     "%s %p waited for with %d sides attached, %d detached, %d cleaned up, %d bindings left",
				     nmr_stress_role(r), r, atomic_read(&r->attached),
				     atomic_read(&r->detached), atomic_read(&r->cleaned),
				     atomic_read(&r->bindings));
}

/* The adversarial case: helpers */

static bool nmr_adv_on(struct nmr_stress *s, enum nmr_adv_attack attack)
{
	return s->adversarial && !(s->skip & attack);
}

/* Callbacks of the end-of-case probes stay plain. */
static bool nmr_adv_reg(const struct nmr_stress_reg *r)
{
	return r->s->adversarial && !r->accept_all;
}

static unsigned int nmr_adv_other_cpu(void)
{
	unsigned int self = raw_smp_processor_id();
	unsigned int cpu = cpumask_any_but(cpu_online_mask, self);

	return cpu < nr_cpu_ids ? cpu : self;
}

/* calls->state: the calls in flight in the low 32 bits, those begun above. */
#define NMR_ADV_CALL_BEGUN	BIT_ULL(32)

/*
 * Returns the number of calls of this kind in flight when ours began;
 * *@begun receives the number begun so far, ours included.  Fully
 * ordered, as is the end: a call that began before ours and ended
 * before ours began has made everything it did before its end visible
 * to us; one that began after ours is counted in the end's own read.
 */
static int nmr_adv_calls_begin(struct nmr_adv_calls *calls, s64 *begun)
{
	void (*hook)(struct nmr_adv_calls *calls);
	s64 state = atomic64_add_return(NMR_ADV_CALL_BEGUN + 1, &calls->state);

	hook = READ_ONCE(calls->begin_hook);
	if (unlikely(hook)) {
		WRITE_ONCE(calls->begin_hook, NULL);
		hook(calls);
	}
	*begun = state >> 32;
	return (u32)state - 1;
}

/* True when another call of the kind ran at some point during ours. */
static bool nmr_adv_calls_end(struct nmr_adv_calls *calls, int before, s64 begun)
{
	s64 state = atomic64_sub_return(1, &calls->state);

	return before || state >> 32 != begun;
}

/*
 * The handle guard.  A registration's handle may be given to NMR from the
 * moment NMR publishes it until a wait for it returns 0, which frees it;
 * the case must never pass a freed handle (that would be its bug, not
 * NMR's).  So every call with the handle other than the owner's last
 * waits takes a use, which never blocks and fails once the owner has
 * closed the guard; the owner closes it and waits for the uses to drain
 * before any wait that may return 0.  Callbacks only ever try.
 */
static bool nmr_adv_get(struct nmr_stress_reg *r)
{
	unsigned long flags;
	bool ok;

	spin_lock_irqsave(&r->guard, flags);
	/* Pairs with NMR's publication of the handle. */
	ok = !r->closing && smp_load_acquire(&r->handle);
	if (ok)
		r->uses++;
	spin_unlock_irqrestore(&r->guard, flags);
	return ok;
}

static void nmr_adv_put(struct nmr_stress_reg *r)
{
	unsigned long flags;

	spin_lock_irqsave(&r->guard, flags);
	r->uses--;
	spin_unlock_irqrestore(&r->guard, flags);
}

static unsigned int nmr_adv_uses(struct nmr_stress_reg *r)
{
	unsigned long flags;
	unsigned int uses;

	spin_lock_irqsave(&r->guard, flags);
	uses = r->uses;
	spin_unlock_irqrestore(&r->guard, flags);
	return uses;
}

/*
 * Keeps every other thread's hands off @r's handle.  Uses are NMR calls
 * that do not sleep, or waits with a short timeout, so they drain soon;
 * false (a violation) when they do not.  Process context.
 */
static bool nmr_adv_close(struct nmr_stress_reg *r)
{
	unsigned long deadline = jiffies + NMR_STRESS_WAIT_TIMEOUT;
	unsigned long flags;

	spin_lock_irqsave(&r->guard, flags);
	r->closing = true;
	spin_unlock_irqrestore(&r->guard, flags);
	while (nmr_adv_uses(r)) {
		if (time_after(jiffies, deadline)) {
			nmr_stress_violation(r->s,
					     "calls with %s %p's handle did not return in %d s",
					     nmr_stress_role(r), r, NMR_STRESS_WAIT_TIMEOUT / HZ);
			return false;
		}
		usleep_range(20, 100);
	}
	return true;
}

static void nmr_adv_reopen(struct nmr_stress_reg *r)
{
	unsigned long flags;

	spin_lock_irqsave(&r->guard, flags);
	r->closing = false;
	spin_unlock_irqrestore(&r->guard, flags);
}

/*
 * Whether a deregistration of @a or @b began, for an enter that failed.
 * The deregistering thread sets dereg_started and then a full barrier
 * before its call closes the binding; this barrier orders the failed
 * enter's read of the closed binding before the reads of the flags.
 */
static bool nmr_adv_dereg_began(struct nmr_stress_reg *a, struct nmr_stress_reg *b)
{
	/* Pairs with the smp_mb() in nmr_adv_deregister(). */
	smp_mb();
	return READ_ONCE(a->dereg_started) || READ_ONCE(b->dereg_started);
}

/* A recent registration (perhaps waited for already: nmr_adv_get() tells). */
static struct nmr_stress_reg *nmr_adv_pick(struct nmr_stress *s)
{
	struct nmr_stress_reg *r;
	unsigned long flags;

	spin_lock_irqsave(&s->lock, flags);
	r = s->ring[get_random_u32_below(NMR_ADV_RING)];
	spin_unlock_irqrestore(&s->lock, flags);
	return r;
}

/* One deregister call of nmr_adv_deregister(), between its two halves. */
struct nmr_adv_dereg {
	int before;
	s64 begun;
	int ret;
};

/* The call itself; false when the guard let nobody in (no call made). */
static bool nmr_adv_deregister_call(struct nmr_stress_reg *r, struct nmr_adv_dereg *d)
{
	struct nmr_stress *s = r->s;
	unsigned long flags;

	if (!nmr_adv_get(r))
		return false;
	WRITE_ONCE(r->deregistering, true);
	WRITE_ONCE(r->dereg_started, true);
	/* Before the call closes any binding: nmr_adv_dereg_began(). */
	smp_mb();
	d->before = nmr_adv_calls_begin(&r->dereg_calls, &d->begun);
	if (!get_random_u32_below(8)) {
		local_irq_save(flags);
		d->ret = nmr_stress_deregister_call(r);
		local_irq_restore(flags);
		nmr_stress_inc(s, NMR_SC_DEREGISTER_IRQS_OFF);
	} else {
		d->ret = nmr_stress_deregister_call(r);
	}
	return true;
}

/* What the call returned, accounted for. */
static void nmr_adv_deregister_account(struct nmr_stress_reg *r, struct nmr_adv_dereg *d,
				       enum nmr_stress_count who)
{
	struct nmr_stress *s = r->s;
	int ret = d->ret;
	bool overlap;

	/* Counted before the call ends, so that a refused one sees it. */
	if (ret == -EINPROGRESS && atomic_inc_return(&r->deregistered) != 1)
		nmr_stress_violation(s, "deregistering %s %p succeeded twice",
				     nmr_stress_role(r), r);
	overlap = nmr_adv_calls_end(&r->dereg_calls, d->before, d->begun);
	nmr_adv_put(r);

	if (ret == -EINPROGRESS) {
		nmr_stress_inc(s, NMR_SC_DEREGISTER);
		if (who != NMR_SC_COUNT)
			nmr_stress_inc(s, who);
	} else if (ret == -EINVAL) {
		nmr_stress_inc(s, NMR_SC_MISUSE_DEREGISTER);
		if (!overlap && !atomic_read(&r->deregistered))
			nmr_stress_violation(s,
					     "deregistering %s %p returned -EINVAL, and no other deregistration of it succeeded (owner deregistered %d, deregistration started %d, waited %d, waits ok %d, closing %d, register done %d, crowd %d)",
					     nmr_stress_role(r), r,
					     READ_ONCE(r->owner_deregistered),
					     READ_ONCE(r->dereg_started), READ_ONCE(r->waited),
					     atomic_read(&r->waits_ok), READ_ONCE(r->closing),
					     READ_ONCE(r->register_done), r->crowd);
	} else {
		nmr_stress_violation(s, "deregistering %s %p returned %d",
				     nmr_stress_role(r), r, ret);
	}
}

/*
 * Deregister @r through its guard, from any thread or callback, and
 * account for the result: exactly one deregister call per registration
 * may return -EINPROGRESS; every other one is "deregistering twice",
 * which NMR warns about once and refuses with -EINVAL.  @who counts the
 * successful ones of a kind (NMR_SC_COUNT: none).  Any context.
 */
static void nmr_adv_deregister(struct nmr_stress_reg *r, enum nmr_stress_count who)
{
	struct nmr_adv_dereg d;

	if (nmr_adv_deregister_call(r, &d))
		nmr_adv_deregister_account(r, &d, who);
}

enum nmr_adv_wait_kind {
	NMR_ADV_WAIT_FINAL,	/* the guard closed, nothing else waits */
	NMR_ADV_WAIT_DUAL,	/* one of two waiters, see nmr_adv_dual_wait() */
	NMR_ADV_WAIT_EARLY,	/* misuse: before any deregistration */
	NMR_ADV_WAIT_IN_ATTACH,	/* misuse: from the registration's own attach */
};

/*
 * A wait for @r, accounted for: 0 at most once per registration, and
 * then never for a misuse; -ETIMEDOUT only with a timeout; -EINVAL (one
 * misuse warning each) only for misuse, or while another wait runs.
 */
static int nmr_adv_wait(struct nmr_stress_reg *r, unsigned long timeout,
			enum nmr_adv_wait_kind kind)
{
	struct nmr_stress *s = r->s;
	int before, ret;
	bool overlap;
	s64 begun;

	before = nmr_adv_calls_begin(&r->wait_calls, &begun);
	ret = nmr_stress_wait_call(r, timeout);
	overlap = nmr_adv_calls_end(&r->wait_calls, before, begun);

	switch (ret) {
	case 0:
		WRITE_ONCE(r->waited, true);
		if (atomic_inc_return(&r->waits_ok) != 1)
			nmr_stress_violation(s, "two waits for %s %p returned 0",
					     nmr_stress_role(r), r);
		if (kind == NMR_ADV_WAIT_EARLY || kind == NMR_ADV_WAIT_IN_ATTACH)
			nmr_stress_violation(s, "a wait for %s %p %s returned 0",
					     nmr_stress_role(r), r,
					     kind == NMR_ADV_WAIT_EARLY ?
					     "before its deregistration" :
					     "from its own attach callback");
		nmr_stress_inc(s, NMR_SC_WAIT);
		break;
	case -ETIMEDOUT:
		if (!timeout)
			nmr_stress_violation(s, "a wait without a timeout for %s %p timed out",
					     nmr_stress_role(r), r);
		else if (kind == NMR_ADV_WAIT_IN_ATTACH)
			nmr_stress_violation(s,
					     "a wait for %s %p from its own attach callback, which can never return, timed out instead of returning -EINVAL",
					     nmr_stress_role(r), r);
		else
			nmr_stress_inc(s, NMR_SC_WAIT_TIMED_OUT);
		break;
	case -EINVAL:
		switch (kind) {
		case NMR_ADV_WAIT_EARLY:
			nmr_stress_inc(s, NMR_SC_MISUSE_WAIT_EARLY);
			break;
		case NMR_ADV_WAIT_IN_ATTACH:
			nmr_stress_inc(s, NMR_SC_MISUSE_WAIT_IN_ATTACH);
			break;
		default:
			nmr_stress_inc(s, NMR_SC_MISUSE_WAIT_RACING);
			if (kind == NMR_ADV_WAIT_FINAL || !overlap)
				nmr_stress_violation(s,
						     "a wait for deregistered %s %p returned -EINVAL with no other wait running",
						     nmr_stress_role(r), r);
			break;
		}
		break;
	default:
		nmr_stress_violation(s, "a wait for %s %p returned %d", nmr_stress_role(r), r, ret);
		break;
	}
	return ret;
}

/*
 * Callbacks deregister their own registration, their peer, or a recent
 * one, as the contract allows from attach and detach callbacks (never a
 * wait from a detach callback: it may run in atomic context).
 */
static void nmr_adv_cb_deregister(struct nmr_stress *s, struct nmr_stress_reg *self,
				  struct nmr_stress_reg *peer, enum nmr_stress_count who)
{
	struct nmr_stress_reg *r;

	if (!nmr_adv_on(s, NMR_ATTACK_CB_DEREGISTER))
		return;
	switch (get_random_u32_below(3)) {
	case 0:
		r = self;
		break;
	case 1:
		r = peer;
		break;
	default:
		r = nmr_adv_pick(s);
		break;
	}
	if (r && !r->crowd && atomic_inc_return(&s->cb_nesting) <= NMR_ADV_MAX_NESTING)
		nmr_adv_deregister(r, who);
	if (r && !r->crowd)
		atomic_dec(&s->cb_nesting);
}

/* Complete calls for sides that are not pending: each warns, is ignored. */
static void nmr_adv_misuse_complete(struct nmr_stress *s, struct nmr_binding *binding,
				    bool client, bool provider)
{
	if (client) {
		nmr_client_detach_provider_complete(binding);
		nmr_stress_inc(s, NMR_SC_MISUSE_COMPLETE);
	}
	if (provider) {
		nmr_provider_detach_client_complete(binding);
		nmr_stress_inc(s, NMR_SC_MISUSE_COMPLETE);
	}
}

/* Once the detach of @binding began, neither side may enter it. */
static void nmr_adv_expect_closed(struct nmr_stress *s, struct nmr_binding *binding,
				  const char *where)
{
	if (get_random_u32_below(2))
		return;
	if (nmr_client_enter(binding)) {
		nmr_stress_violation(s, "nmr_client_enter() succeeded %s", where);
		nmr_client_exit(binding);
	} else {
		nmr_stress_inc(s, NMR_SC_ENTER_CLOSED);
	}
	if (nmr_provider_enter(binding)) {
		nmr_stress_violation(s, "nmr_provider_enter() succeeded %s", where);
		nmr_provider_exit(binding);
	} else {
		nmr_stress_inc(s, NMR_SC_ENTER_CLOSED);
	}
}

/* Carried sections */

static void nmr_adv_section_end(struct nmr_adv_section *sec)
{
	struct nmr_stress *s = sec->s;

	if (atomic_read(&sec->cb->cleaned) || (sec->pb && atomic_read(&sec->pb->cleaned)))
		nmr_stress_violation(s,
				     "a binding context was cleaned up inside a %s section carried to another context",
				     sec->client_role ? "client" : "provider");
	atomic_dec(&sec->cb->sections);
	if (sec->client_role)
		nmr_client_exit(sec->binding);
	else
		nmr_provider_exit(sec->binding);
	kfree(sec);
	atomic_dec(&s->carried);
}

static void nmr_adv_section_work_fn(struct work_struct *work)
{
	struct nmr_adv_section *sec = container_of(work, struct nmr_adv_section, work);

	if (!get_random_u32_below(4))
		usleep_range(10, 100);
	nmr_adv_section_end(sec);
}

static void nmr_adv_section_timer_fn(struct timer_list *timer)
{
	struct nmr_adv_section *sec = from_timer(sec, timer, timer);

	nmr_adv_section_end(sec);
}

static void nmr_adv_section_ipi_fn(void *info)
{
	nmr_adv_section_end(info);
}

/*
 * Hands an entered section on @binding (counted in @cb->sections) to a
 * work item on any CPU or on the other one, a timer or an IPI, which
 * exits it; @late: a timer, a few ticks from now.  False when it could
 * not: the caller exits it itself.
 */
static bool nmr_adv_carry(struct nmr_stress *s, struct nmr_binding *binding, bool client_role,
			  struct nmr_stress_bctx *cb, struct nmr_stress_bctx *pb, gfp_t gfp,
			  bool late)
{
	struct nmr_adv_section *sec = kzalloc(sizeof(*sec), gfp);

	if (!sec)
		return false;
	sec->s = s;
	sec->binding = binding;
	sec->client_role = client_role;
	sec->cb = cb;
	sec->pb = pb;
	atomic_inc(&s->carried);
	switch (late ? 2 : get_random_u32_below(4)) {
	case 0:
		nmr_stress_inc(s, NMR_SC_CARRIED_WORK);
		INIT_WORK(&sec->work, nmr_adv_section_work_fn);
		queue_work(s->wq, &sec->work);
		break;
	case 1:
		nmr_stress_inc(s, NMR_SC_CARRIED_WORK_ON);
		INIT_WORK(&sec->work, nmr_adv_section_work_fn);
		queue_work_on(nmr_adv_other_cpu(), s->pcpu_wq, &sec->work);
		break;
	case 2:
		nmr_stress_inc(s, NMR_SC_CARRIED_TIMER);
		timer_setup(&sec->timer, nmr_adv_section_timer_fn, 0);
		mod_timer(&sec->timer, jiffies + (late ? 1 + get_random_u32_below(4) :
						    get_random_u32_below(3)));
		break;
	default:
		nmr_stress_inc(s, NMR_SC_CARRIED_IPI);
		INIT_CSD(&sec->csd, nmr_adv_section_ipi_fn, sec);
		if (smp_call_function_single_async(nmr_adv_other_cpu(), &sec->csd))
			nmr_adv_section_end(sec);
		break;
	}
	return true;
}

/* Binding contexts */

static struct nmr_stress_bctx *nmr_stress_bctx_new(struct nmr_stress_reg *r,
						   struct nmr_stress_reg *peer_reg,
						   struct nmr_binding *binding)
{
	struct nmr_stress *s = r->s;
	struct nmr_stress_bctx *b;
	unsigned long flags;

	if (!nmr_stress_obj_get(s))
		return NULL;
	b = kzalloc(sizeof(*b), GFP_KERNEL);
	if (!b) {
		atomic_dec(&s->nr_objs);
		return NULL;
	}
	b->s = s;
	b->client_side = r->is_client;
	b->reg = r;
	b->peer_reg = peer_reg;
	b->binding = binding;
	INIT_LIST_HEAD(&b->live_node);
	INIT_LIST_HEAD(&b->held_node);
	atomic_set(&b->detached, 0);
	atomic_set(&b->cleaned, 0);
	atomic_set(&b->sections, 0);
	spin_lock_irqsave(&s->lock, flags);
	list_add_tail(&b->node, &s->bctxs);
	spin_unlock_irqrestore(&s->lock, flags);
	return b;
}

/* From now on, threads may enter sections on @b's binding. */
static void nmr_stress_bctx_live(struct nmr_stress_bctx *b)
{
	struct nmr_stress *s = b->s;
	unsigned long flags;

	spin_lock_irqsave(&s->lock, flags);
	list_add_tail(&b->live_node, &s->live);
	b->live = true;
	spin_unlock_irqrestore(&s->lock, flags);
}

/* Before the binding may go away: no thread will enter it any more. */
static void nmr_stress_bctx_unlive(struct nmr_stress_bctx *b)
{
	struct nmr_stress *s = b->s;
	unsigned long flags;

	spin_lock_irqsave(&s->lock, flags);
	if (b->live) {
		list_del_init(&b->live_node);
		b->live = false;
	}
	spin_unlock_irqrestore(&s->lock, flags);
}

/* Sections on a live binding */

/*
 * Enter a section on the next live binding, as a module calls into its
 * peer.  enter runs under s->lock, which keeps the binding from being
 * cleaned up meanwhile (the detach callback takes it first); once entered,
 * the binding stays attached until the exit, so the peer's context must
 * not be cleaned up before it.  Any context; sleeps inside the section
 * only if @may_sleep.  The adversarial case may exit it elsewhere.
 */
static void nmr_stress_enter_one(struct nmr_stress *s, bool may_sleep)
{
	struct nmr_stress_bctx *b, *cb;
	unsigned long flags;
	bool entered;

	spin_lock_irqsave(&s->lock, flags);
	b = list_first_entry_or_null(&s->live, struct nmr_stress_bctx, live_node);
	if (!b) {
		spin_unlock_irqrestore(&s->lock, flags);
		return;
	}
	list_rotate_left(&s->live);
	entered = b->client_side ? nmr_client_enter(b->binding) : nmr_provider_enter(b->binding);
	spin_unlock_irqrestore(&s->lock, flags);

	if (!entered) {
		nmr_stress_inc(s, NMR_SC_ENTER_REFUSED);
		return;
	}
	nmr_stress_inc(s, NMR_SC_ENTER);
	cb = b->client_side ? b : b->peer;
	atomic_inc(&cb->sections);
	if (s->adversarial && get_random_u32_below(2) &&
	    nmr_adv_carry(s, b->binding, b->client_side, cb, b->client_side ? b->peer : b,
			  may_sleep ? GFP_KERNEL : GFP_ATOMIC, false))
		return;
	if (!get_random_u32_below(4)) {
		if (may_sleep)
			usleep_range(5, 30);
		else
			udelay(get_random_u32_below(5));
	}
	if (atomic_read(&b->cleaned) || atomic_read(&b->peer->cleaned))
		nmr_stress_violation(s,
				     "%s binding context %p cleaned up inside an entered section",
				     nmr_stress_role(b->reg), b);
	atomic_dec(&cb->sections);
	if (b->client_side)
		nmr_client_exit(b->binding);
	else
		nmr_provider_exit(b->binding);
}

/* Attach */

static int nmr_stress_provider_attach(struct nmr_binding *binding, void *provider_context,
				      const struct nmr_registration_instance *client,
				      void *client_binding_context, const void *client_dispatch,
				      void **provider_binding_context,
				      const void **provider_dispatch)
{
	struct nmr_stress_reg *p = provider_context;
	struct nmr_stress_reg *c = container_of(client, struct nmr_stress_reg,
						cchars.client_registration_instance);
	struct nmr_stress_bctx *cb = client_binding_context;
	struct nmr_stress *s = p->s;
	struct nmr_stress_bctx *pb;

	nmr_stress_check_live(p, "provider attach");
	nmr_stress_check_live(c, "provider attach");
	if (cb->reg != c || cb->binding != binding || client_dispatch != &c->dispatch ||
	    c->npi != p->npi)
		nmr_stress_violation(s, "provider %p offered a client binding %p it does not match",
				     p, binding);

	if (s->random_attach && !p->accept_all && !get_random_u32_below(6)) {
		nmr_stress_inc(s, NMR_SC_PROVIDER_DECLINE);
		return -ENODEV;
	}
	pb = nmr_stress_bctx_new(p, c, binding);
	if (!pb) {
		nmr_stress_inc(s, NMR_SC_NOMEM);
		return -ENOMEM;
	}
	pb->peer = cb;
	pb->attached = true;
	atomic_inc(&p->attached);
	atomic_inc(&p->bindings);
	atomic_inc(&c->bindings);
	nmr_stress_inc(s, NMR_SC_PROVIDER_ATTACH);
	nmr_stress_bctx_live(pb);
	*provider_binding_context = pb;
	*provider_dispatch = &p->dispatch;
	return 0;
}

/*
 * Declines, retries after a provider's decline, fails after attaching, or
 * attaches (perhaps entering a section on the new binding at once), as
 * the contract's section 4 allows.
 */
static int nmr_stress_client_attach(struct nmr_binding *binding, void *client_context,
				    const struct nmr_registration_instance *provider)
{
	struct nmr_stress_reg *c = client_context;
	struct nmr_stress_reg *p = container_of(provider, struct nmr_stress_reg,
						pchars.provider_registration_instance);
	struct nmr_stress *s = c->s;
	bool random_attach = s->random_attach && !c->accept_all;
	unsigned int tries = 1;
	struct nmr_stress_bctx *cb, *pb;
	const void *pdispatch;
	void *pcontext;
	int ret;

	nmr_stress_check_live(c, "client attach");
	nmr_stress_check_live(p, "client attach");
	if (!c->is_client || p->is_client || c->npi != p->npi)
		nmr_stress_violation(s, "client %p offered provider %p of another NPI", c, p);

	if (random_attach && !get_random_u32_below(5)) {
		nmr_stress_inc(s, NMR_SC_CLIENT_DECLINE);
		return -ENODEV;
	}
	cb = nmr_stress_bctx_new(c, p, binding);
	if (!cb) {
		nmr_stress_inc(s, NMR_SC_NOMEM);
		return -ENOMEM;
	}
	nmr_stress_dawdle(s);
	if (random_attach && get_random_u32_below(2))
		tries = 2;
	for (;;) {
		ret = nmr_client_attach_provider(binding, cb, &c->dispatch, &pcontext, &pdispatch);
		if (!ret || !--tries)
			break;
		nmr_stress_inc(s, NMR_SC_RETRY);
	}
	if (ret)
		return ret;

	pb = pcontext;
	if (pdispatch != &p->dispatch || pb->peer != cb || pb->reg != p)
		nmr_stress_violation(s, "client %p got the wrong provider context or dispatch", c);
	cb->peer = pb;
	if (random_attach && !get_random_u32_below(16)) {
		nmr_stress_inc(s, NMR_SC_FAIL_AFTER_ATTACH);
		return -ENOMEM;
	}
	if (!get_random_u32_below(4)) {
		if (nmr_client_enter(binding)) {
			nmr_stress_inc(s, NMR_SC_ENTER);
			atomic_inc(&cb->sections);
			nmr_stress_dawdle(s);
			atomic_dec(&cb->sections);
			nmr_client_exit(binding);
		} else {
			nmr_stress_inc(s, NMR_SC_ENTER_REFUSED);
		}
	}
	nmr_stress_dawdle(s);
	if (READ_ONCE(c->deregistering) || READ_ONCE(p->deregistering))
		nmr_stress_inc(s, NMR_SC_ATTACH_RACED);
	cb->attach_task = current;
	cb->attached = true;
	atomic_inc(&c->attached);
	nmr_stress_inc(s, NMR_SC_CLIENT_ATTACH);
	nmr_stress_bctx_live(cb);
	return 0;
}

/* Attach, adversarial */

/*
 * A wait for @r from inside one of its own attach callbacks: it could
 * never return (the attach in progress holds the registration), so the
 * contract makes it misuse, refused with -EINVAL.  It is made after a
 * deregistration, when a real wait would sleep, and with a timeout so
 * that a core that sleeps anyway fails the case instead of hanging it.
 */
static void nmr_adv_wait_in_attach(struct nmr_stress_reg *r)
{
	nmr_adv_deregister(r, NMR_SC_ATTACH_DEREGISTER);
	if (!READ_ONCE(r->dereg_started) || !nmr_adv_get(r))
		return;
	nmr_adv_wait(r, HZ / 10, NMR_ADV_WAIT_IN_ATTACH);
	nmr_adv_put(r);
}

/* Attacks at the start of either attach callback. */
static void nmr_adv_attach_attacks(struct nmr_stress *s, struct nmr_stress_reg *self,
				   struct nmr_stress_reg *peer, struct nmr_binding *binding)
{
	/* Both sides are offered, neither attached: nothing is pending. */
	if (nmr_adv_on(s, NMR_ATTACK_MISUSE) && !get_random_u32_below(16))
		nmr_adv_misuse_complete(s, binding, get_random_u32_below(2),
					get_random_u32_below(2));
	if (!get_random_u32_below(12))
		nmr_adv_cb_deregister(s, self, peer, NMR_SC_ATTACH_DEREGISTER);
	if (nmr_adv_on(s, NMR_ATTACK_WAIT_IN_ATTACH) && !get_random_u32_below(64))
		nmr_adv_wait_in_attach(self);
}

/*
 * Sections the client's attach callback enters once
 * nmr_client_attach_provider() returned 0: both sides must be able to
 * enter from then on until a deregistration begins.  Some are carried out
 * of the callback and exited after it returned, whatever it returns.
 */
static void nmr_adv_attach_sections(struct nmr_stress *s, struct nmr_stress_reg *c,
				    struct nmr_stress_reg *p, struct nmr_stress_bctx *cb,
				    struct nmr_stress_bctx *pb, struct nmr_binding *binding,
				    bool carry_client, bool fail)
{
	unsigned int role;

	for (role = 0; role < 2; role++) {
		bool client_role = !role;
		bool entered;

		if (get_random_u32_below(2))
			continue;
		entered = client_role ? nmr_client_enter(binding) : nmr_provider_enter(binding);
		if (!entered) {
			if (!nmr_adv_dereg_began(c, p))
				nmr_stress_violation(s,
						     "nmr_%s_enter() failed in the client's attach callback after nmr_client_attach_provider() returned 0, with no deregistration begun",
						     client_role ? "client" : "provider");
			nmr_stress_inc(s, NMR_SC_ENTER_CLOSED);
			continue;
		}
		nmr_stress_inc(s, NMR_SC_ENTER_IN_ATTACH);
		atomic_inc(&cb->sections);
		if (nmr_adv_on(s, NMR_ATTACK_CARRY) && (carry_client || !client_role) &&
		    (fail || get_random_u32_below(2)) &&
		    nmr_adv_carry(s, binding, client_role, cb, pb, GFP_KERNEL, fail))
			continue;
		nmr_stress_dawdle(s);
		atomic_dec(&cb->sections);
		if (client_role)
			nmr_client_exit(binding);
		else
			nmr_provider_exit(binding);
	}
}

/*
 * The adversarial client: besides what the random case's client does, it
 * checks that it cannot enter before it attached, misuses completes and
 * nmr_client_attach_provider(), enters sections inside the callback and
 * carries some out of it (also when it then fails), deregisters
 * registrations, waits for itself, and makes an exit without an enter.
 */
static int nmr_adv_client_attach(struct nmr_binding *binding, void *client_context,
				 const struct nmr_registration_instance *provider)
{
	struct nmr_stress_reg *c = client_context;
	struct nmr_stress_reg *p = container_of(provider, struct nmr_stress_reg,
						pchars.provider_registration_instance);
	struct nmr_stress *s = c->s;
	bool unbalanced = nmr_adv_on(s, NMR_ATTACK_MISUSE) && !get_random_u32_below(32);
	unsigned int tries = get_random_u32_below(2) ? 2 : 1;
	bool fail;
	struct nmr_stress_bctx *cb, *pb;
	const void *pdispatch;
	void *pcontext;
	int ret;

	nmr_stress_check_live(c, "client attach");
	nmr_stress_check_live(p, "client attach");
	if (!c->is_client || p->is_client || c->npi != p->npi)
		nmr_stress_violation(s, "client %p offered provider %p of another NPI", c, p);
	if (c->crowd || p->crowd) {
		nmr_stress_inc(s, NMR_SC_CROWD_DECLINE);
		return -ENODEV;
	}

	if (!get_random_u32_below(4)) {
		if (nmr_client_enter(binding)) {
			nmr_stress_violation(s,
					     "nmr_client_enter() succeeded before nmr_client_attach_provider()");
			nmr_client_exit(binding);
		} else {
			nmr_stress_inc(s, NMR_SC_ENTER_CLOSED);
		}
	}
	nmr_adv_attach_attacks(s, c, p, binding);
	if (!get_random_u32_below(6)) {
		nmr_stress_inc(s, NMR_SC_CLIENT_DECLINE);
		return -ENODEV;
	}
	cb = nmr_stress_bctx_new(c, p, binding);
	if (!cb) {
		nmr_stress_inc(s, NMR_SC_NOMEM);
		return -ENOMEM;
	}
	nmr_stress_dawdle(s);
	for (;;) {
		ret = nmr_client_attach_provider(binding, cb, &c->dispatch, &pcontext, &pdispatch);
		if (!ret || !--tries)
			break;
		nmr_stress_inc(s, NMR_SC_RETRY);
		if (get_random_u32_below(2) && nmr_client_enter(binding)) {
			nmr_stress_violation(s,
					     "nmr_client_enter() succeeded after the provider declined");
			nmr_client_exit(binding);
		}
	}
	if (ret)
		return ret;

	pb = pcontext;
	if (pdispatch != &p->dispatch || pb->peer != cb || pb->reg != p)
		nmr_stress_violation(s, "client %p got the wrong provider context or dispatch", c);
	cb->peer = pb;
	if (nmr_adv_on(s, NMR_ATTACK_MISUSE) && !get_random_u32_below(16)) {
		const void *dispatch2;
		void *context2;

		ret = nmr_client_attach_provider(binding, cb, &c->dispatch, &context2, &dispatch2);
		if (ret == -EINVAL)
			nmr_stress_inc(s, NMR_SC_MISUSE_ATTACH_AGAIN);
		else
			nmr_stress_violation(s,
					     "a second nmr_client_attach_provider() returned %d, not -EINVAL",
					     ret);
	}
	/* Sections carried out of a failing attach must still hold the provider. */
	fail = !get_random_u32_below(16);
	nmr_adv_attach_sections(s, c, p, cb, pb, binding, !unbalanced || fail, fail);
	nmr_adv_attach_attacks(s, c, p, binding);
	if (fail) {
		nmr_stress_inc(s, NMR_SC_FAIL_AFTER_ATTACH);
		return -ENOMEM;
	}
	nmr_stress_dawdle(s);
	if (READ_ONCE(c->deregistering) || READ_ONCE(p->deregistering))
		nmr_stress_inc(s, NMR_SC_ATTACH_RACED);
	cb->attach_task = current;
	cb->attached = true;
	atomic_inc(&c->attached);
	nmr_stress_inc(s, NMR_SC_CLIENT_ATTACH);
	if (unbalanced) {
		/*
		 * Nobody enters the client side of this binding any more, so
		 * the counts show the extra exit when the side drains: one
		 * warning.
		 */
		nmr_client_exit(binding);
		nmr_stress_inc(s, NMR_SC_MISUSE_EXIT);
	} else {
		nmr_stress_bctx_live(cb);
	}
	return 0;
}

/*
 * The adversarial provider: the random case's provider, plus the attacks
 * of nmr_adv_attach_attacks(), and a section entered before it returns,
 * sometimes carried past a decline.  The enter must succeed unless a
 * deregistration began: nmr_provider_enter() succeeds on any CPU from the
 * moment provider_attach_client() returns 0 (contract 8), and NMR runs no
 * code between the callback's start and its return, so the binding must
 * be open for the whole callback.
 */
static int nmr_adv_provider_attach(struct nmr_binding *binding, void *provider_context,
				   const struct nmr_registration_instance *client,
				   void *client_binding_context, const void *client_dispatch,
				   void **provider_binding_context,
				   const void **provider_dispatch)
{
	struct nmr_stress_reg *p = provider_context;
	struct nmr_stress_reg *c = container_of(client, struct nmr_stress_reg,
						cchars.client_registration_instance);
	struct nmr_stress_bctx *cb = client_binding_context;
	struct nmr_stress *s = p->s;
	struct nmr_stress_bctx *pb = NULL;
	bool decline;

	nmr_stress_check_live(p, "provider attach");
	nmr_stress_check_live(c, "provider attach");
	if (cb->reg != c || cb->binding != binding || client_dispatch != &c->dispatch ||
	    c->npi != p->npi)
		nmr_stress_violation(s, "provider %p offered a client binding %p it does not match",
				     p, binding);

	nmr_adv_attach_attacks(s, p, c, binding);
	decline = !get_random_u32_below(6);
	if (!decline) {
		pb = nmr_stress_bctx_new(p, c, binding);
		if (!pb) {
			nmr_stress_inc(s, NMR_SC_NOMEM);
			return -ENOMEM;
		}
		pb->peer = cb;
	}
	if (nmr_adv_on(s, NMR_ATTACK_PROVIDER_ENTER) && !get_random_u32_below(3)) {
		if (nmr_provider_enter(binding)) {
			nmr_stress_inc(s, NMR_SC_ENTER_PROVIDER_ATTACH);
			atomic_inc(&cb->sections);
			if (!(nmr_adv_on(s, NMR_ATTACK_CARRY) && get_random_u32_below(2) &&
			      nmr_adv_carry(s, binding, false, cb, pb, GFP_KERNEL, decline))) {
				atomic_dec(&cb->sections);
				nmr_provider_exit(binding);
			}
		} else if (!nmr_adv_dereg_began(p, c)) {
			nmr_stress_violation(s,
					     "nmr_provider_enter() failed in provider_attach_client() with no deregistration begun: the binding was not open yet");
		} else {
			nmr_stress_inc(s, NMR_SC_ENTER_CLOSED);
		}
	}
	if (decline) {
		nmr_stress_inc(s, NMR_SC_PROVIDER_DECLINE);
		return -ENODEV;
	}
	pb->attached = true;
	atomic_inc(&p->attached);
	atomic_inc(&p->bindings);
	atomic_inc(&c->bindings);
	nmr_stress_inc(s, NMR_SC_PROVIDER_ATTACH);
	nmr_stress_bctx_live(pb);
	*provider_binding_context = pb;
	*provider_dispatch = &p->dispatch;
	return 0;
}

/* Detach */

static void nmr_stress_complete(struct nmr_stress_bctx *b)
{
	if (nmr_adv_reg(b->reg))
		nmr_adv_expect_closed(b->s, b->binding, "before its side's complete");
	WRITE_ONCE(b->completed, true);
	/* @b's binding may be gone once this returns. */
	if (b->client_side)
		nmr_client_detach_provider_complete(b->binding);
	else
		nmr_provider_detach_client_complete(b->binding);
}

static void nmr_stress_work_fn(struct work_struct *work)
{
	struct nmr_stress_bctx *b = container_of(work, struct nmr_stress_bctx, work);

	if (!get_random_u32_below(4))
		usleep_range(10, 100);
	nmr_stress_complete(b);
}

static void nmr_stress_timer_fn(struct timer_list *timer)
{
	struct nmr_stress_bctx *b = from_timer(b, timer, timer);

	nmr_stress_complete(b);
}

static void nmr_adv_ipi_complete_fn(void *info)
{
	nmr_stress_complete(info);
}

/*
 * A held side's timer: it completes the side unless a dual wait pinned
 * the registration, whose first waiter to return completes it instead.
 * One of the two waits returns at once, unless NMR let both in: then
 * neither returns, and after a while the timer lets go anyway.
 */
static void nmr_adv_held_timer_fn(struct timer_list *timer)
{
	struct nmr_stress_bctx *b = from_timer(b, timer, timer);
	struct nmr_stress_reg *r = b->reg;
	unsigned long flags;
	bool release, stuck = false;

	spin_lock_irqsave(&r->guard, flags);
	release = b->held && !r->pinned;
	if (b->held && r->pinned) {
		stuck = time_after(jiffies, b->held_since + NMR_ADV_PIN_MAX);
		if (!stuck)
			mod_timer(&b->timer, jiffies + HZ / 10);
	}
	if (release || stuck) {
		list_del_init(&b->held_node);
		WRITE_ONCE(b->held, false);
	}
	spin_unlock_irqrestore(&r->guard, flags);
	if (stuck)
		nmr_stress_violation(r->s,
				     "no wait of a dual wait for %s %p returned in %d s: were both let in?",
				     nmr_stress_role(r), r, NMR_ADV_PIN_MAX / HZ);
	if (release || stuck)
		nmr_stress_complete(b);
}

/*
 * Holds @b's pending detach: a timer completes it soon, unless a dual
 * wait pins its registration meanwhile, so that neither wait can return 0
 * before both were made.  False once the registration's owner released
 * its held sides for good: the caller completes at once instead.
 */
static bool nmr_adv_hold(struct nmr_stress_bctx *b)
{
	struct nmr_stress_reg *r = b->reg;
	unsigned long flags;
	bool held;

	spin_lock_irqsave(&r->guard, flags);
	held = !r->held_final;
	if (held) {
		list_add_tail(&b->held_node, &r->held);
		WRITE_ONCE(b->held, true);
		b->held_since = jiffies;
		timer_setup(&b->timer, nmr_adv_held_timer_fn, 0);
		b->timer_ready = true;
		mod_timer(&b->timer, jiffies + 1 + get_random_u32_below(8));
	}
	spin_unlock_irqrestore(&r->guard, flags);
	return held;
}

/* Completes @r's held sides; none is held after this. */
static void nmr_adv_release(struct nmr_stress_reg *r, enum nmr_stress_count count)
{
	struct nmr_stress_bctx *b, *next;
	unsigned long flags;
	LIST_HEAD(list);

	spin_lock_irqsave(&r->guard, flags);
	r->pinned = false;
	r->held_final = true;
	list_splice_init(&r->held, &list);
	list_for_each_entry(b, &list, held_node)
		WRITE_ONCE(b->held, false);
	spin_unlock_irqrestore(&r->guard, flags);
	list_for_each_entry_safe(b, next, &list, held_node) {
		list_del_init(&b->held_node);
		if (count != NMR_SC_COUNT)
			nmr_stress_inc(r->s, count);
		nmr_stress_complete(b);
	}
}

/*
 * In an adversarial detach callback, maybe in atomic context: nobody can
 * enter any more; the client's detach runs before the provider's (so the
 * provider side is not pending yet: completing it is misuse); and it
 * deregisters registrations.
 */
static void nmr_adv_in_detach(struct nmr_stress_bctx *b)
{
	struct nmr_stress *s = b->s;

	nmr_adv_expect_closed(s, b->binding, "in a detach callback");
	if (b->client_side && nmr_adv_on(s, NMR_ATTACK_MISUSE) && !get_random_u32_below(16))
		nmr_adv_misuse_complete(s, b->binding, false, true);
	if (!get_random_u32_below(8))
		nmr_adv_cb_deregister(s, b->reg, b->peer_reg, NMR_SC_DETACH_DEREGISTER);
}

/* May run in atomic context: nothing here sleeps. */
static int nmr_stress_detach(struct nmr_stress_bctx *b)
{
	struct nmr_stress *s = b->s;

	nmr_stress_check_live(b->reg, "detach");
	nmr_stress_check_live(b->peer_reg, "detach");
	if (!b->attached)
		nmr_stress_violation(s, "detach of a %s side that never attached (%p)",
				     nmr_stress_role(b->reg), b);
	if (atomic_inc_return(&b->detached) != 1)
		nmr_stress_violation(s, "%s side %p detached twice", nmr_stress_role(b->reg), b);
	nmr_stress_bctx_unlive(b);
	atomic_inc(&b->reg->detached);
	/*
	 * A late comer is detached by the thread that ran its attach, before
	 * that thread's register call returns.
	 */
	if (b->client_side && b->attach_task == current &&
	    (READ_ONCE(b->reg->registering) || READ_ONCE(b->peer_reg->registering)))
		nmr_stress_inc(s, NMR_SC_LATE_COMER);

	if (nmr_adv_reg(b->reg))
		nmr_adv_in_detach(b);

	b->mode = b->reg->accept_all ? NMR_STRESS_DETACH_SYNC :
		  get_random_u32_below(s->adversarial ? NMR_STRESS_DETACH_MODES :
				       NMR_STRESS_DETACH_BASIC_MODES);
	if (b->mode == NMR_STRESS_DETACH_HELD) {
		if (nmr_adv_hold(b)) {
			nmr_stress_inc(s, NMR_SC_DETACH_HELD);
			return -EINPROGRESS;
		}
		b->mode = NMR_STRESS_DETACH_INSIDE;
	}
	switch (b->mode) {
	case NMR_STRESS_DETACH_INSIDE:
		nmr_stress_inc(s, NMR_SC_DETACH_INSIDE);
		nmr_stress_complete(b);
		if (nmr_adv_on(s, NMR_ATTACK_MISUSE) && !get_random_u32_below(4)) {
			/* Still in its detach callback: @b's binding lives. */
			if (b->client_side)
				nmr_client_detach_provider_complete(b->binding);
			else
				nmr_provider_detach_client_complete(b->binding);
			nmr_stress_inc(s, NMR_SC_MISUSE_COMPLETE);
		}
		return -EINPROGRESS;
	case NMR_STRESS_DETACH_WORK_ON:
		nmr_stress_inc(s, NMR_SC_DETACH_WORK_ON);
		INIT_WORK(&b->work, nmr_stress_work_fn);
		b->work_ready = true;
		queue_work_on(nmr_adv_other_cpu(), s->pcpu_wq, &b->work);
		return -EINPROGRESS;
	case NMR_STRESS_DETACH_IPI:
		nmr_stress_inc(s, NMR_SC_DETACH_IPI);
		INIT_CSD(&b->csd, nmr_adv_ipi_complete_fn, b);
		if (smp_call_function_single_async(nmr_adv_other_cpu(), &b->csd))
			nmr_stress_complete(b);
		return -EINPROGRESS;
	case NMR_STRESS_DETACH_WORK:
		nmr_stress_inc(s, NMR_SC_DETACH_WORK);
		INIT_WORK(&b->work, nmr_stress_work_fn);
		b->work_ready = true;
		queue_work(s->wq, &b->work);
		return -EINPROGRESS;
	case NMR_STRESS_DETACH_TIMER:
		nmr_stress_inc(s, NMR_SC_DETACH_TIMER);
		timer_setup(&b->timer, nmr_stress_timer_fn, 0);
		b->timer_ready = true;
		mod_timer(&b->timer, jiffies + get_random_u32_below(3));
		return -EINPROGRESS;
	default:
		nmr_stress_inc(s, NMR_SC_DETACH_SYNC);
		return 0;
	}
}

static int nmr_stress_client_detach(void *client_binding_context)
{
	return nmr_stress_detach(client_binding_context);
}

static int nmr_stress_provider_detach(void *provider_binding_context)
{
	return nmr_stress_detach(provider_binding_context);
}

/* Cleanup */

static void nmr_stress_cleanup(struct nmr_stress_bctx *b)
{
	struct nmr_stress *s = b->s;
	struct nmr_stress_bctx *cb;

	nmr_stress_check_live(b->reg, "cleanup");
	nmr_stress_check_live(b->peer_reg, "cleanup");
	if (!b->attached || atomic_read(&b->detached) != 1)
		nmr_stress_violation(s, "cleanup of %s side %p: attached %d, detached %d times",
				     nmr_stress_role(b->reg), b, b->attached,
				     atomic_read(&b->detached));
	if (b->mode != NMR_STRESS_DETACH_SYNC && !READ_ONCE(b->completed))
		nmr_stress_violation(s, "cleanup of %s side %p before its pending detach completed",
				     nmr_stress_role(b->reg), b);
	if (atomic_inc_return(&b->cleaned) != 1)
		nmr_stress_violation(s, "%s side %p cleaned up twice", nmr_stress_role(b->reg), b);
	cb = b->client_side ? b : b->peer;
	if (atomic_read(&cb->sections))
		nmr_stress_violation(s,
				     "cleanup of %s side %p with %d sections still entered on its binding",
				     nmr_stress_role(b->reg), b, atomic_read(&cb->sections));
	if (READ_ONCE(b->held))
		nmr_stress_violation(s, "cleanup of %s side %p while its detach was held",
				     nmr_stress_role(b->reg), b);
	atomic_inc(&b->reg->cleaned);
	nmr_stress_inc(s, NMR_SC_CLEANUP);
}

static void nmr_stress_client_cleanup(void *client_binding_context)
{
	struct nmr_stress_bctx *cb = client_binding_context;

	nmr_stress_cleanup(cb);
	if (atomic_read(&cb->peer->cleaned))
		nmr_stress_violation(cb->s, "client side %p cleaned up after its provider side",
				     cb);
}

/* The last callback of a binding. */
static void nmr_stress_provider_cleanup(void *provider_binding_context)
{
	struct nmr_stress_bctx *pb = provider_binding_context;
	struct nmr_stress_bctx *cb = pb->peer;

	nmr_stress_cleanup(pb);
	if (atomic_read(&cb->cleaned) != (cb->attached ? 1 : 0))
		nmr_stress_violation(pb->s,
				     "provider side %p cleaned up with client side %p cleaned up %d times (attached %d)",
				     pb, cb, atomic_read(&cb->cleaned), cb->attached);
	atomic_dec(&pb->reg->bindings);
	atomic_dec(&pb->peer_reg->bindings);
}

/* Registrations */

static struct nmr_stress_reg *nmr_stress_reg_new(struct nmr_stress *s, bool is_client,
						 unsigned int npi, bool accept_all)
{
	bool adv = s->adversarial && !accept_all;
	struct nmr_stress_reg *r;
	unsigned long flags;

	if (!nmr_stress_obj_get(s))
		return NULL;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r) {
		atomic_dec(&s->nr_objs);
		return NULL;
	}
	r->s = s;
	r->is_client = is_client;
	r->accept_all = accept_all;
	r->npi = npi;
	r->dispatch.magic = NMR_STRESS_MAGIC;
	r->dispatch.id = npi;
	if (is_client)
		nmr_test_client_chars(&r->cchars, &s->npi[npi],
				      adv ? nmr_adv_client_attach : nmr_stress_client_attach,
				      nmr_stress_client_detach, nmr_stress_client_cleanup);
	else
		nmr_test_provider_chars(&r->pchars, &s->npi[npi],
					adv ? nmr_adv_provider_attach : nmr_stress_provider_attach,
					nmr_stress_provider_detach, nmr_stress_provider_cleanup);
	atomic_set(&r->attached, 0);
	atomic_set(&r->detached, 0);
	atomic_set(&r->cleaned, 0);
	atomic_set(&r->bindings, 0);
	atomic_set(&r->deregistered, 0);
	atomic_set(&r->waits_ok, 0);
	spin_lock_init(&r->guard);
	INIT_LIST_HEAD(&r->held);
	atomic64_set(&r->dereg_calls.state, 0);
	atomic64_set(&r->wait_calls.state, 0);
	spin_lock_irqsave(&s->lock, flags);
	list_add_tail(&r->node, &s->regs);
	spin_unlock_irqrestore(&s->lock, flags);
	return r;
}

/* False when NMR refused to register @r: nothing to wait for then. */
static bool nmr_stress_register_reg(struct nmr_stress_reg *r)
{
	struct nmr_stress *s = r->s;
	unsigned long flags;
	int ret;

	WRITE_ONCE(r->registering, true);
	if (r->is_client)
		ret = nmr_register_client(&r->cchars, r, &r->client);
	else
		ret = nmr_register_provider(&r->pchars, r, &r->provider);
	WRITE_ONCE(r->registering, false);
	WRITE_ONCE(r->register_done, true);
	if (ret) {
		nmr_stress_violation(s, "registering a %s returned %d", nmr_stress_role(r), ret);
		r->never_registered = true;
		WRITE_ONCE(r->waited, true);
		spin_lock_irqsave(&r->guard, flags);
		r->closing = true;
		spin_unlock_irqrestore(&r->guard, flags);
		return false;
	}
	nmr_stress_inc(s, NMR_SC_REGISTER);
	return true;
}

static struct nmr_stress_reg *nmr_stress_register(struct nmr_stress *s, bool is_client,
						  unsigned int npi, bool accept_all)
{
	struct nmr_stress_reg *r = nmr_stress_reg_new(s, is_client, npi, accept_all);

	if (!r) {
		nmr_stress_inc(s, NMR_SC_NOMEM);
		return NULL;
	}
	return nmr_stress_register_reg(r) ? r : NULL;
}

/* Deregisters, sometimes with interrupts off as the contract allows. */
static void nmr_stress_deregister(struct nmr_stress_reg *r)
{
	struct nmr_stress *s = r->s;
	unsigned long flags;
	int ret;

	WRITE_ONCE(r->deregistering, true);
	if (!get_random_u32_below(8)) {
		local_irq_save(flags);
		ret = nmr_stress_deregister_call(r);
		local_irq_restore(flags);
		nmr_stress_inc(s, NMR_SC_DEREGISTER_IRQS_OFF);
	} else {
		ret = nmr_stress_deregister_call(r);
	}
	if (ret != -EINPROGRESS)
		nmr_stress_violation(s, "deregistering %s %p returned %d, not -EINPROGRESS",
				     nmr_stress_role(r), r, ret);
	else
		atomic_inc(&r->deregistered);
	nmr_stress_inc(s, NMR_SC_DEREGISTER);
}

/*
 * Waits with a timeout, which counts as a failure, then for real so that
 * nothing leaks; then every side of the registration must be balanced.
 */
static void nmr_stress_wait(struct nmr_stress_reg *r)
{
	struct nmr_stress *s = r->s;
	int ret;

	ret = nmr_stress_wait_call(r, NMR_STRESS_WAIT_TIMEOUT);
	if (ret == -ETIMEDOUT) {
		nmr_stress_inc(s, NMR_SC_WAIT_TIMEOUT);
		nmr_stress_violation(s, "waiting for %s %p took more than %d s",
				     nmr_stress_role(r), r, NMR_STRESS_WAIT_TIMEOUT / HZ);
		ret = nmr_stress_wait_call(r, 0);
	}
	if (ret)
		nmr_stress_violation(s, "waiting for %s %p returned %d",
				     nmr_stress_role(r), r, ret);
	else
		atomic_inc(&r->waits_ok);
	WRITE_ONCE(r->waited, true);
	nmr_stress_inc(s, NMR_SC_WAIT);
	nmr_stress_check_balanced(r);
}

/* Threads */

static bool nmr_stress_over(struct nmr_stress *s)
{
	return time_after_eq(jiffies, READ_ONCE(s->end));
}

/* The random case: register, deregister and wait in any order. */
static void nmr_stress_random_step(struct nmr_stress_thread *t)
{
	struct nmr_stress *s = t->s;
	struct nmr_stress_reg **slot = &t->slot[get_random_u32_below(NMR_STRESS_SLOTS)];

	if (!*slot) {
		*slot = nmr_stress_register(s, get_random_u32_below(2),
					    get_random_u32_below(s->nr_npis), false);
	} else if (!(*slot)->deregistering) {
		nmr_stress_deregister(*slot);
		/* Else waited for later, after other operations. */
		if (get_random_u32_below(2)) {
			nmr_stress_wait(*slot);
			*slot = NULL;
		}
	} else {
		nmr_stress_wait(*slot);
		*slot = NULL;
	}
	if (!get_random_u32_below(4))
		nmr_stress_enter_one(s, true);
}

/* The race case: one registration at a time, deregistered at once. */
static void nmr_stress_race_step(struct nmr_stress_thread *t)
{
	struct nmr_stress *s = t->s;
	struct nmr_stress_reg *r;

	r = nmr_stress_register(s, t->is_client, 0, false);
	if (!r)
		return;
	/* Stay registered for a while, mostly, so the peer's loop meets us. */
	switch (get_random_u32_below(16)) {
	case 0:
		usleep_range(20, 100);
		break;
	case 1:
	case 2:
	case 3:
	case 4:
		cond_resched();
		break;
	default:
		udelay(get_random_u32_below(200));
		break;
	}
	nmr_stress_deregister(r);
	nmr_stress_wait(r);
}

/* The adversarial case: registrations and their owners */

/* The racer on another CPU than @t's, made to pounce on @r's handle. */
static void nmr_adv_arm(struct nmr_stress_thread *t, struct nmr_stress_reg *r)
{
	struct nmr_stress *s = t->s;
	struct nmr_adv_racer *rc = &s->racers[0];
	unsigned int i;

	for (i = 0; i < s->nr_racers; i++)
		if (s->racers[i].cpu != t->cpu)
			rc = &s->racers[i];
	if (!s->nr_racers || cmpxchg(&rc->target, NULL, r))
		return;
	nmr_stress_inc(s, NMR_SC_RACER_ARMED);
	wake_up(&rc->wq);
}

static struct nmr_stress_reg *nmr_adv_register(struct nmr_stress_thread *t, bool is_client,
					       unsigned int npi)
{
	struct nmr_stress *s = t->s;
	struct nmr_stress_reg *r = nmr_stress_reg_new(s, is_client, npi, false);
	unsigned long flags;

	if (!r) {
		nmr_stress_inc(s, NMR_SC_NOMEM);
		return NULL;
	}
	if (nmr_adv_on(s, NMR_ATTACK_HANDLE_RACER) && !get_random_u32_below(3))
		nmr_adv_arm(t, r);
	if (!nmr_stress_register_reg(r))
		return NULL;
	spin_lock_irqsave(&s->lock, flags);
	s->ring[s->ring_next++ % NMR_ADV_RING] = r;
	spin_unlock_irqrestore(&s->lock, flags);
	return r;
}

/* Misuse: a wait before any deregistration of @r, refused with -EINVAL. */
static void nmr_adv_wait_early(struct nmr_stress_reg *r)
{
	if (!nmr_adv_close(r))
		return;
	if (!READ_ONCE(r->dereg_started))
		nmr_adv_wait(r, get_random_u32_below(2) ? HZ / 10 : 0, NMR_ADV_WAIT_EARLY);
	if (!atomic_read(&r->waits_ok))
		nmr_adv_reopen(r);
}

/* nmr_unregister_*(), when nobody deregistered @r yet.  True when done. */
static bool nmr_adv_unregister(struct nmr_stress_reg *r)
{
	struct nmr_stress *s = r->s;

	if (!nmr_adv_close(r))
		return false;
	if (READ_ONCE(r->dereg_started)) {
		nmr_adv_reopen(r);
		return false;
	}
	WRITE_ONCE(r->deregistering, true);
	WRITE_ONCE(r->dereg_started, true);
	/* As in nmr_adv_deregister(). */
	smp_mb();
	if (r->is_client)
		nmr_unregister_client(r->client);
	else
		nmr_unregister_provider(r->provider);
	WRITE_ONCE(r->waited, true);
	atomic_inc(&r->deregistered);
	atomic_inc(&r->waits_ok);
	nmr_stress_inc(s, NMR_SC_UNREGISTER);
	nmr_stress_inc(s, NMR_SC_DEREGISTER);
	nmr_stress_inc(s, NMR_SC_WAIT);
	nmr_stress_check_balanced(r);
	return true;
}

/* The owning thread deregisters @r, perhaps after others did already. */
static void nmr_adv_owner_deregister(struct nmr_stress_reg *r)
{
	struct nmr_stress *s = r->s;
	bool misuse = nmr_adv_on(s, NMR_ATTACK_MISUSE);
	u32 dice = get_random_u32_below(16);

	r->owner_deregistered = true;
	if (dice == 0 && misuse)
		nmr_adv_wait_early(r);
	if (atomic_read(&r->waits_ok) || (dice == 1 && nmr_adv_unregister(r)))
		return;
	nmr_adv_deregister(r, NMR_SC_COUNT);
	if (dice >= 2 && dice < 4 && misuse)
		nmr_adv_deregister(r, NMR_SC_COUNT);
}

/*
 * The owner's last waits, with the guard closed and nothing held: without
 * a timeout, with a long one, or with short ones in a loop.
 */
static void nmr_adv_final_wait(struct nmr_stress_reg *r)
{
	unsigned long deadline = jiffies + NMR_STRESS_WAIT_TIMEOUT;
	struct nmr_stress *s = r->s;
	u32 how = get_random_u32_below(4);
	unsigned long timeout;
	int ret;

	nmr_adv_release(r, NMR_SC_COUNT);
	do {
		if (time_after(jiffies, deadline)) {
			nmr_stress_inc(s, NMR_SC_WAIT_TIMEOUT);
			nmr_stress_violation(s, "waiting for %s %p took more than %d s",
					     nmr_stress_role(r), r, NMR_STRESS_WAIT_TIMEOUT / HZ);
			how = 0;
		}
		timeout = how == 0 ? 0 : how == 1 ? NMR_STRESS_WAIT_TIMEOUT :
			  1 + get_random_u32_below(4);
		ret = nmr_adv_wait(r, timeout, NMR_ADV_WAIT_FINAL);
	} while (ret && (ret == -ETIMEDOUT || time_before(jiffies, deadline)));
}

/* Two waits for one registration at once, see nmr_adv_dual_wait(). */
struct nmr_adv_dual {
	struct nmr_stress_reg *r;
	struct work_struct work;
	struct completion done;
	atomic_t finished;
	bool released;
};

/*
 * One of the two waiters: a few waits, with or without a timeout, until
 * one returns 0.  While the registration is pinned neither can return 0,
 * so each wait is made on a live handle; the first waiter to give up
 * releases the held sides, and the other one is alone from then on.
 */
static void nmr_adv_dual_party(struct nmr_adv_dual *d)
{
	struct nmr_stress_reg *r = d->r;
	unsigned int tries = 1 + get_random_u32_below(3);
	int ret;

	do {
		ret = nmr_adv_wait(r, get_random_u32_below(2) ? 1 + get_random_u32_below(3) : 0,
				   NMR_ADV_WAIT_DUAL);
		if (!ret && !READ_ONCE(d->released))
			nmr_stress_violation(r->s,
					     "a wait for %s %p returned 0 while one of its sides was held",
					     nmr_stress_role(r), r);
		if (ret == -EINVAL)
			usleep_range(10, 50);
	} while (ret && --tries);
	if (atomic_inc_return(&d->finished) == 1) {
		WRITE_ONCE(d->released, true);
		nmr_adv_release(r, NMR_SC_HELD_BY_DUAL);
	}
}

static void nmr_adv_dual_work_fn(struct work_struct *work)
{
	struct nmr_adv_dual *d = container_of(work, struct nmr_adv_dual, work);

	nmr_adv_dual_party(d);
	complete(&d->done);
}

/*
 * The owner and a work item wait for @r at once, with its guard closed
 * and one of its sides held: exactly one wait may be in NMR at a time
 * (the other gets -EINVAL, or -ETIMEDOUT from its own timeout), and only
 * one may ever return 0.
 */
static void nmr_adv_dual_wait(struct nmr_stress_reg *r)
{
	struct nmr_stress *s = r->s;
	struct nmr_adv_dual *d = kzalloc(sizeof(*d), GFP_KERNEL);

	if (!d) {
		nmr_adv_final_wait(r);
		return;
	}
	d->r = r;
	INIT_WORK(&d->work, nmr_adv_dual_work_fn);
	init_completion(&d->done);
	atomic_set(&d->finished, 0);
	if (get_random_u32_below(2))
		queue_work(s->wq, &d->work);
	else
		queue_work_on(nmr_adv_other_cpu(), s->pcpu_wq, &d->work);
	nmr_adv_dual_party(d);
	if (!wait_for_completion_timeout(&d->done, NMR_STRESS_WAIT_TIMEOUT)) {
		/* Leaked: the work item may still use it. */
		nmr_stress_violation(s, "the second wait for %s %p did not return in %d s",
				     nmr_stress_role(r), r, NMR_STRESS_WAIT_TIMEOUT / HZ);
		return;
	}
	kfree(d);
	nmr_stress_inc(s, NMR_SC_DUAL_WAIT);
	if (!atomic_read(&r->waits_ok))
		nmr_adv_final_wait(r);
}

/* True when a dual wait may rely on one of @r's sides being held. */
static bool nmr_adv_pin(struct nmr_stress_reg *r)
{
	unsigned long flags;
	bool pinned;

	spin_lock_irqsave(&r->guard, flags);
	pinned = !r->held_final && !list_empty(&r->held);
	r->pinned = pinned;
	spin_unlock_irqrestore(&r->guard, flags);
	return pinned;
}

/* The owner's end of @r, which it deregistered. */
static void nmr_adv_finish(struct nmr_stress_reg *r)
{
	struct nmr_stress *s = r->s;

	if (atomic_read(&r->waits_ok) || !nmr_adv_close(r))
		return;
	if (nmr_adv_on(s, NMR_ATTACK_DUAL_WAIT) && get_random_u32_below(2) && nmr_adv_pin(r))
		nmr_adv_dual_wait(r);
	else
		nmr_adv_final_wait(r);
	if (atomic_read(&r->waits_ok))
		nmr_stress_check_balanced(r);
}

static void nmr_adv_enter_ipi_fn(void *info)
{
	struct nmr_stress *s = info;

	nmr_stress_inc(s, NMR_SC_ENTER_IPI);
	nmr_stress_enter_one(s, false);
}

static void nmr_adv_enter_timer_fn(struct timer_list *timer)
{
	struct nmr_stress_thread *t = from_timer(t, timer, enter_timer);

	nmr_stress_inc(t->s, NMR_SC_ENTER_TIMER);
	nmr_stress_enter_one(t->s, false);
}

static void nmr_adv_step(struct nmr_stress_thread *t)
{
	struct nmr_stress *s = t->s;
	struct nmr_stress_reg **slot = &t->slot[get_random_u32_below(NMR_STRESS_SLOTS)];

	if (!*slot) {
		*slot = nmr_adv_register(t, get_random_u32_below(2),
					 get_random_u32_below(s->nr_npis));
	} else if (!(*slot)->owner_deregistered) {
		nmr_adv_owner_deregister(*slot);
		if (get_random_u32_below(2)) {
			nmr_adv_finish(*slot);
			*slot = NULL;
		}
	} else {
		nmr_adv_finish(*slot);
		*slot = NULL;
	}
	switch (get_random_u32_below(16)) {
	case 0:
	case 1:
	case 2:
		nmr_stress_enter_one(s, true);
		break;
	case 3:
		smp_call_function_single(nmr_adv_other_cpu(), nmr_adv_enter_ipi_fn, s, 1);
		break;
	case 4:
		if (!timer_pending(&t->enter_timer))
			mod_timer(&t->enter_timer, jiffies + get_random_u32_below(2));
		break;
	}
}

/* The handle racer */

/*
 * Refuse and request unload, as only the racer makes them: a refuse
 * succeeds until a deregistration begins; a request succeeds only after
 * a refuse that held and before the deregistration released it.
 */
static bool nmr_adv_refuse(struct nmr_stress_reg *r)
{
	struct nmr_stress *s = r->s;
	bool was_deregistered = atomic_read(&r->deregistered);
	int ret;

	if (!nmr_adv_get(r))
		return false;
	ret = r->is_client ? nmr_client_refuse_unload(r->client) :
			     nmr_provider_refuse_unload(r->provider);
	nmr_adv_put(r);
	switch (ret) {
	case 0:
		if (was_deregistered)
			nmr_stress_violation(s, "refusing unload of deregistered %s %p succeeded",
					     nmr_stress_role(r), r);
		r->refused = true;
		nmr_stress_inc(s, NMR_SC_RACER_REFUSE);
		return true;
	case -EINVAL:
		nmr_stress_inc(s, NMR_SC_MISUSE_REFUSE);
		if (!nmr_adv_dereg_began(r, r))
			nmr_stress_violation(s,
					     "refusing unload of registered %s %p returned -EINVAL",
					     nmr_stress_role(r), r);
		return false;
	default:
		nmr_stress_violation(s, "refusing unload of %s %p returned %d",
				     nmr_stress_role(r), r, ret);
		return false;
	}
}

static void nmr_adv_request(struct nmr_stress_reg *r)
{
	struct nmr_stress *s = r->s;
	bool was_deregistered = atomic_read(&r->deregistered);
	int ret;

	if (!nmr_adv_get(r))
		return;
	ret = r->is_client ? nmr_client_request_unload(r->client) :
			     nmr_provider_request_unload(r->provider);
	nmr_adv_put(r);
	switch (ret) {
	case 0:
		if (!r->refused || was_deregistered)
			nmr_stress_violation(s, "requesting unload of %s %p succeeded %s",
					     nmr_stress_role(r), r,
					     r->refused ? "after its deregistration" :
							  "without a refuse");
		nmr_stress_inc(s, NMR_SC_RACER_REQUEST);
		break;
	case -EINVAL:
		nmr_stress_inc(s, NMR_SC_MISUSE_REQUEST);
		if (r->refused && !nmr_adv_dereg_began(r, r))
			nmr_stress_violation(s,
					     "requesting unload of %s %p after its refuse returned -EINVAL",
					     nmr_stress_role(r), r);
		break;
	default:
		nmr_stress_violation(s, "requesting unload of %s %p returned %d",
				     nmr_stress_role(r), r, ret);
		break;
	}
	r->refused = false;
}

/*
 * Spins on @r's handle until NMR publishes it, then at once deregisters
 * it, refuses its unload (left for the deregistration to release, or
 * requested back), or requests an unload it never refused (misuse).
 */
static void nmr_adv_race_handle(struct nmr_stress_reg *r)
{
	struct nmr_stress *s = r->s;
	unsigned long deadline = jiffies + 2;

	/* Pairs with NMR's publication, as in nmr_adv_get(). */
	while (!smp_load_acquire(&r->handle)) {
		if (READ_ONCE(r->register_done) || time_after(jiffies, deadline)) {
			nmr_stress_inc(s, NMR_SC_RACER_LATE);
			return;
		}
		cpu_relax();
	}
	nmr_stress_inc(s, READ_ONCE(r->register_done) ? NMR_SC_RACER_LATE : NMR_SC_RACER_HIT);
	switch (get_random_u32_below(8)) {
	case 0:
	case 1:
	case 2:
	case 3:
		nmr_adv_deregister(r, NMR_SC_RACER_DEREGISTER);
		break;
	case 4:
	case 5:
		if (nmr_adv_refuse(r))
			nmr_adv_request(r);
		break;
	case 6:
		nmr_adv_request(r);
		nmr_adv_refuse(r);
		break;
	default:
		nmr_adv_refuse(r);
		break;
	}
}

static int nmr_adv_racer_fn(void *data)
{
	struct nmr_adv_racer *rc = data;
	struct nmr_stress *s = rc->s;
	struct nmr_stress_reg *r;

	while (!nmr_stress_over(s)) {
		wait_event_timeout(rc->wq, READ_ONCE(rc->target) || nmr_stress_over(s), HZ / 10);
		r = xchg(&rc->target, NULL);
		if (r)
			nmr_adv_race_handle(r);
	}
	kthread_complete_and_exit(&rc->done, 0);
}

static int nmr_stress_thread_fn(void *data)
{
	struct nmr_stress_thread *t = data;
	struct nmr_stress *s = t->s;
	unsigned int i;

	while (!nmr_stress_over(s)) {
		if (s->adversarial)
			nmr_adv_step(t);
		else if (s->race)
			nmr_stress_race_step(t);
		else
			nmr_stress_random_step(t);
		t->iterations++;
		cond_resched();
	}
	timer_delete_sync(&t->enter_timer);
	for (i = 0; i < NMR_STRESS_SLOTS; i++) {
		if (!t->slot[i])
			continue;
		if (s->adversarial) {
			if (!t->slot[i]->owner_deregistered)
				nmr_adv_owner_deregister(t->slot[i]);
			nmr_adv_finish(t->slot[i]);
		} else {
			if (!t->slot[i]->deregistering)
				nmr_stress_deregister(t->slot[i]);
			nmr_stress_wait(t->slot[i]);
		}
		t->slot[i] = NULL;
	}
	kthread_complete_and_exit(&t->done, 0);
}

/* The @i-th online CPU, round robin. */
static unsigned int nmr_stress_cpu(unsigned int i)
{
	unsigned int n = i % num_online_cpus();
	unsigned int cpu;

	for_each_online_cpu(cpu)
		if (!n--)
			return cpu;
	return cpumask_first(cpu_online_mask);
}

static bool nmr_stress_start(struct nmr_stress *s, bool is_client)
{
	struct nmr_stress_thread *t = &s->threads[s->nr_threads];

	t->s = s;
	t->is_client = is_client;
	t->cpu = nmr_stress_cpu(s->nr_threads);
	init_completion(&t->done);
	timer_setup(&t->enter_timer, nmr_adv_enter_timer_fn, 0);
	t->task = kthread_create(nmr_stress_thread_fn, t, "nmr_stress/%u", s->nr_threads);
	if (IS_ERR(t->task))
		return false;
	kthread_bind(t->task, t->cpu);
	s->nr_threads++;
	wake_up_process(t->task);
	return true;
}

/*
 * Waits for every thread, in short sleeps so that a long run does not look
 * like a hung task.  False when one did not finish in time.
 */
static bool nmr_stress_join(struct nmr_stress *s, unsigned int ms)
{
	unsigned long deadline = jiffies + msecs_to_jiffies(ms) +
				 2 * NMR_STRESS_SLOTS * NMR_STRESS_WAIT_TIMEOUT;
	bool all = true;
	unsigned int i;

	for (i = 0; i < s->nr_threads; i++) {
		struct nmr_stress_thread *t = &s->threads[i];

		while (!t->finished && time_before(jiffies, deadline))
			t->finished = wait_for_completion_timeout(&t->done, HZ);
		if (!t->finished) {
			KUNIT_FAIL(s->test, "stress thread %u did not finish", i);
			all = false;
		}
	}
	return all;
}

static bool nmr_adv_start_racers(struct nmr_stress *s)
{
	unsigned int n = min_t(unsigned int, num_online_cpus(), NMR_ADV_RACERS);

	while (s->nr_racers < n) {
		struct nmr_adv_racer *rc = &s->racers[s->nr_racers];

		rc->s = s;
		rc->cpu = nmr_stress_cpu(s->nr_racers);
		init_completion(&rc->done);
		init_waitqueue_head(&rc->wq);
		rc->task = kthread_create(nmr_adv_racer_fn, rc, "nmr_racer/%u", s->nr_racers);
		if (IS_ERR(rc->task))
			return false;
		kthread_bind(rc->task, rc->cpu);
		s->nr_racers++;
		wake_up_process(rc->task);
	}
	return true;
}

static bool nmr_adv_join_racers(struct nmr_stress *s)
{
	unsigned long deadline = jiffies + NMR_STRESS_WAIT_TIMEOUT;
	bool all = true;
	unsigned int i;

	for (i = 0; i < s->nr_racers; i++) {
		struct nmr_adv_racer *rc = &s->racers[i];

		wake_up(&rc->wq);
		while (!rc->finished && time_before(jiffies, deadline))
			rc->finished = wait_for_completion_timeout(&rc->done, HZ);
		if (!rc->finished) {
			KUNIT_FAIL(s->test, "handle racer %u did not finish", i);
			all = false;
		}
	}
	return all;
}

/* Sections carried elsewhere have all exited; false after a timeout. */
static bool nmr_adv_drain_sections(struct nmr_stress *s)
{
	unsigned long deadline = jiffies + NMR_STRESS_WAIT_TIMEOUT;

	while (atomic_read(&s->carried)) {
		if (time_after(jiffies, deadline)) {
			KUNIT_FAIL(s->test, "%d carried sections never exited",
				   atomic_read(&s->carried));
			return false;
		}
		usleep_range(500, 1000);
	}
	flush_workqueue(s->wq);
	flush_workqueue(s->pcpu_wq);
	return true;
}

/*
 * Providers and clients of NPI 0 that decline every offer: a register
 * call on NPI 0 allocates a binding for each before it can publish the
 * registration, which gives the handle racer time.
 */
static void nmr_adv_crowd_up(struct nmr_stress *s)
{
	while (s->nr_crowd < ARRAY_SIZE(s->crowd)) {
		struct nmr_stress_reg *r = nmr_stress_reg_new(s, s->nr_crowd & 1, 0, false);

		if (!r)
			return;
		r->crowd = true;
		if (!nmr_stress_register_reg(r))
			return;
		s->crowd[s->nr_crowd++] = r;
	}
}

static void nmr_adv_crowd_down(struct nmr_stress *s)
{
	while (s->nr_crowd) {
		struct nmr_stress_reg *r = s->crowd[--s->nr_crowd];

		nmr_stress_deregister(r);
		nmr_stress_wait(r);
	}
}

/* Case setup and checks */

static struct nmr_stress *nmr_stress_new(struct kunit *test, unsigned int nr_npis)
{
	struct nmr_stress *s = kzalloc(sizeof(*s), GFP_KERNEL);
	unsigned int i;

	if (!s)
		return NULL;
	s->wq = alloc_workqueue("nmr_stress", WQ_UNBOUND, 0);
	if (!s->wq) {
		kfree(s);
		return NULL;
	}
	s->pcpu_wq = alloc_workqueue("nmr_stress_pcpu", 0, 0);
	if (!s->pcpu_wq) {
		destroy_workqueue(s->wq);
		kfree(s);
		return NULL;
	}
	s->test = test;
	spin_lock_init(&s->lock);
	INIT_LIST_HEAD(&s->regs);
	INIT_LIST_HEAD(&s->bctxs);
	INIT_LIST_HEAD(&s->live);
	s->nr_npis = nr_npis;
	for (i = 0; i < nr_npis; i++)
		guid_gen(&s->npi[i]);
	for (i = 0; i < NMR_SC_COUNT; i++)
		atomic_long_set(&s->count[i], 0);
	atomic_set(&s->nr_objs, 0);
	atomic_set(&s->carried, 0);
	atomic_set(&s->cb_nesting, 0);
	return s;
}

/* Every thread is done and every registration waited for. */
static void nmr_stress_free(struct nmr_stress *s)
{
	struct nmr_stress_bctx *b, *next_b;
	struct nmr_stress_reg *r, *next_r;

	destroy_workqueue(s->wq);
	destroy_workqueue(s->pcpu_wq);
	list_for_each_entry_safe(b, next_b, &s->bctxs, node) {
		if (b->timer_ready)
			timer_delete_sync(&b->timer);
		kfree(b);
	}
	list_for_each_entry_safe(r, next_r, &s->regs, node)
		kfree(r);
	kfree(s);
}

/*
 * The registry holds none of the case's registrations any more: a fresh
 * provider and client of each NPI bind to each other only, once.
 */
static void nmr_stress_check_registry_empty(struct kunit *test, struct nmr_stress *s)
{
	struct nmr_stress_reg *p, *c;
	unsigned int npi;

	for (npi = 0; npi < s->nr_npis; npi++) {
		p = nmr_stress_register(s, false, npi, true);
		if (!p) {
			KUNIT_FAIL(test, "could not register a fresh provider of NPI %u", npi);
			continue;
		}
		c = nmr_stress_register(s, true, npi, true);
		KUNIT_EXPECT_EQ_MSG(test, atomic_read(&p->attached), c ? 1 : 0,
				    "fresh provider of NPI %u: attaches", npi);
		if (c) {
			KUNIT_EXPECT_EQ_MSG(test, atomic_read(&c->attached), 1,
					    "fresh client of NPI %u: attaches", npi);
			nmr_stress_deregister(c);
		} else {
			KUNIT_FAIL(test, "could not register a fresh client of NPI %u", npi);
		}
		nmr_stress_deregister(p);
		if (c)
			nmr_stress_wait(c);
		nmr_stress_wait(p);
	}
}

/* After the end: every binding context and registration balanced. */
static void nmr_stress_check_all(struct kunit *test, struct nmr_stress *s)
{
	long sides = 0, bad_bctx = 0, bad_reg = 0, detaches;
	struct nmr_stress_bctx *b;
	struct nmr_stress_reg *r;

	list_for_each_entry(b, &s->bctxs, node) {
		int want = b->attached ? 1 : 0;

		sides += want;
		if (atomic_read(&b->detached) != want || atomic_read(&b->cleaned) != want ||
		    b->live || b->held || atomic_read(&b->sections))
			bad_bctx++;
	}
	list_for_each_entry(r, &s->regs, node)
		if (!r->waited || atomic_read(&r->attached) != atomic_read(&r->detached) ||
		    atomic_read(&r->attached) != atomic_read(&r->cleaned) ||
		    atomic_read(&r->bindings) ||
		    (!r->never_registered && (atomic_read(&r->deregistered) != 1 ||
					      atomic_read(&r->waits_ok) != 1)))
			bad_reg++;
	KUNIT_EXPECT_EQ_MSG(test, bad_bctx, 0,
			    "binding contexts not detached and cleaned up exactly once");
	KUNIT_EXPECT_EQ_MSG(test, bad_reg, 0,
			    "registrations not deregistered and waited for once, or unbalanced");

	detaches = nmr_stress_count(s, NMR_SC_DETACH_SYNC) +
		   nmr_stress_count(s, NMR_SC_DETACH_INSIDE) +
		   nmr_stress_count(s, NMR_SC_DETACH_WORK) +
		   nmr_stress_count(s, NMR_SC_DETACH_TIMER) +
		   nmr_stress_count(s, NMR_SC_DETACH_WORK_ON) +
		   nmr_stress_count(s, NMR_SC_DETACH_IPI) +
		   nmr_stress_count(s, NMR_SC_DETACH_HELD);
	KUNIT_EXPECT_EQ(test, sides, nmr_stress_count(s, NMR_SC_PROVIDER_ATTACH) +
				     nmr_stress_count(s, NMR_SC_CLIENT_ATTACH));
	KUNIT_EXPECT_EQ(test, detaches, sides);
	KUNIT_EXPECT_EQ(test, nmr_stress_count(s, NMR_SC_CLEANUP), sides);
	KUNIT_EXPECT_EQ(test, nmr_stress_count(s, NMR_SC_DEREGISTER),
			nmr_stress_count(s, NMR_SC_REGISTER));
	KUNIT_EXPECT_EQ(test, nmr_stress_count(s, NMR_SC_WAIT),
			nmr_stress_count(s, NMR_SC_REGISTER));
	KUNIT_EXPECT_EQ(test, nmr_stress_count(s, NMR_SC_WAIT_TIMEOUT), 0);
	KUNIT_EXPECT_EQ(test, nmr_stress_count(s, NMR_SC_VIOLATION), 0);
}

static long nmr_stress_per_sec(long n, s64 us)
{
	return us > 0 ? div64_s64((s64)n * USEC_PER_SEC, us) : 0;
}

static long nmr_adv_misuses(struct nmr_stress *s)
{
	long n = 0;
	int c;

	for (c = NMR_SC_MISUSE_FIRST; c <= NMR_SC_MISUSE_LAST; c++)
		n += nmr_stress_count(s, c);
	return n;
}

/* The adversarial case's own figures; returns the operations they add. */
static long nmr_adv_report(struct kunit *test, struct nmr_stress *s)
{
#define C(x) nmr_stress_count(s, NMR_SC_##x)
	kunit_info(test, "handle racer: armed %ld, used a handle while its register call ran %ld, after %ld; deregistered %ld, refused %ld, requested %ld\n",
		   C(RACER_ARMED), C(RACER_HIT), C(RACER_LATE), C(RACER_DEREGISTER),
		   C(RACER_REFUSE), C(RACER_REQUEST));
	kunit_info(test, "deregistrations from attach callbacks %ld, from detach callbacks %ld; crowd declines %ld; unregisters %ld\n",
		   C(ATTACH_DEREGISTER), C(DETACH_DEREGISTER), C(CROWD_DECLINE), C(UNREGISTER));
	kunit_info(test, "detaches completed from a work item on the other CPU %ld, from an IPI %ld, held %ld (%ld let go by a dual wait)\n",
		   C(DETACH_WORK_ON), C(DETACH_IPI), C(DETACH_HELD), C(HELD_BY_DUAL));
	kunit_info(test, "sections: in the client's attach %ld, in the provider's attach %ld, from timers %ld, from IPIs %ld; carried to a work item %ld, the other CPU %ld, a timer %ld, an IPI %ld; enters refused as they must be %ld\n",
		   C(ENTER_IN_ATTACH), C(ENTER_PROVIDER_ATTACH), C(ENTER_TIMER), C(ENTER_IPI),
		   C(CARRIED_WORK), C(CARRIED_WORK_ON), C(CARRIED_TIMER), C(CARRIED_IPI),
		   C(ENTER_CLOSED));
	kunit_info(test, "dual waits %ld, waits that timed out as they may %ld\n",
		   C(DUAL_WAIT), C(WAIT_TIMED_OUT));
	kunit_info(test, "misuse made %ld: deregistered twice %ld, wait before deregistering %ld, wait racing another %ld, wait in own attach %ld, complete not pending %ld, attach again %ld, refuse %ld, request %ld, exit without enter %ld\n",
		   nmr_adv_misuses(s), C(MISUSE_DEREGISTER), C(MISUSE_WAIT_EARLY),
		   C(MISUSE_WAIT_RACING), C(MISUSE_WAIT_IN_ATTACH), C(MISUSE_COMPLETE),
		   C(MISUSE_ATTACH_AGAIN), C(MISUSE_REFUSE), C(MISUSE_REQUEST), C(MISUSE_EXIT));
	return C(RACER_DEREGISTER) + C(RACER_REFUSE) + C(RACER_REQUEST) +
	       C(DETACH_WORK_ON) + C(DETACH_IPI) + C(DETACH_HELD) + C(ENTER_CLOSED) +
	       C(UNREGISTER) + nmr_adv_misuses(s);
#undef C
}

static void nmr_stress_report(struct kunit *test, struct nmr_stress *s, s64 us)
{
	long regs = nmr_stress_count(s, NMR_SC_REGISTER);
	long deregs = nmr_stress_count(s, NMR_SC_DEREGISTER);
	long pattach = nmr_stress_count(s, NMR_SC_PROVIDER_ATTACH);
	long cattach = nmr_stress_count(s, NMR_SC_CLIENT_ATTACH);
	long sync = nmr_stress_count(s, NMR_SC_DETACH_SYNC);
	long inside = nmr_stress_count(s, NMR_SC_DETACH_INSIDE);
	long work = nmr_stress_count(s, NMR_SC_DETACH_WORK);
	long timer = nmr_stress_count(s, NMR_SC_DETACH_TIMER);
	long enters = nmr_stress_count(s, NMR_SC_ENTER);
	long ops = regs + deregs + nmr_stress_count(s, NMR_SC_WAIT) + pattach + cattach +
		   sync + inside + work + timer + nmr_stress_count(s, NMR_SC_CLEANUP) + enters;
	long misuses = nmr_kunit_misuses() - s->misuses_before;
	unsigned int i;

	kunit_info(test, "wall time %lld ms, %u threads on %u CPUs, %u NPIs\n",
		   div_s64(us, USEC_PER_MSEC), s->nr_threads, num_online_cpus(), s->nr_npis);
	for (i = 0; i < s->nr_threads; i++)
		kunit_info(test, "thread %u (CPU %u): %lu iterations\n",
			   i, s->threads[i].cpu, s->threads[i].iterations);
	kunit_info(test, "registrations %ld (%ld/s), deregistrations %ld (%ld with irqs off), waits %ld (%ld timed out)\n",
		   regs, nmr_stress_per_sec(regs, us), deregs,
		   nmr_stress_count(s, NMR_SC_DEREGISTER_IRQS_OFF),
		   nmr_stress_count(s, NMR_SC_WAIT), nmr_stress_count(s, NMR_SC_WAIT_TIMEOUT));
	kunit_info(test, "attaches: provider %ld, client %ld; declines: client %ld, provider %ld (%ld retries); client failed after attach %ld\n",
		   pattach, cattach, nmr_stress_count(s, NMR_SC_CLIENT_DECLINE),
		   nmr_stress_count(s, NMR_SC_PROVIDER_DECLINE), nmr_stress_count(s, NMR_SC_RETRY),
		   nmr_stress_count(s, NMR_SC_FAIL_AFTER_ATTACH));
	kunit_info(test, "detaches %ld: sync %ld, completed inside the callback %ld, from a work item %ld, from a timer %ld\n",
		   sync + inside + work + timer, sync, inside, work, timer);
	kunit_info(test, "attaches that returned after a deregistration began %ld, late-comer detaches %ld\n",
		   nmr_stress_count(s, NMR_SC_ATTACH_RACED),
		   nmr_stress_count(s, NMR_SC_LATE_COMER));
	kunit_info(test, "cleanups %ld, entered sections %ld (%ld refused), out of memory %ld, misuse warnings %ld (%ld made), violations %ld\n",
		   nmr_stress_count(s, NMR_SC_CLEANUP), enters,
		   nmr_stress_count(s, NMR_SC_ENTER_REFUSED), nmr_stress_count(s, NMR_SC_NOMEM),
		   misuses, nmr_adv_misuses(s), nmr_stress_count(s, NMR_SC_VIOLATION));
	if (s->adversarial)
		ops += nmr_adv_report(test, s);
	kunit_info(test, "%ld operations, %ld ops/s\n", ops, nmr_stress_per_sec(ops, us));
	for (i = 0; i < NMR_STRESS_VKINDS && s->vkind[i]; i++)
		kunit_info(test, "violations %ld times: %s\n",
			   atomic_long_read(&s->vcount[i]), s->vkind[i]);
}

/*
 * Runs the threads for @ms, then checks and reports.  Returns with @s
 * freed, or leaked on purpose when a thread did not finish.
 */
static void nmr_stress_run(struct kunit *test, struct nmr_stress *s, unsigned int ms,
			   unsigned int nr_threads)
{
	struct nmr_kunit_alive before, after;
	ktime_t start;
	bool started = true;
	int refs;
	s64 us;

	nmr_kunit_count_alive(&before);
	refs = module_refcount(THIS_MODULE);
	s->misuses_before = nmr_kunit_misuses();
	start = ktime_get();
	if (s->adversarial)
		nmr_adv_crowd_up(s);
	s->end = jiffies + msecs_to_jiffies(ms);
	if (s->adversarial && !nmr_adv_start_racers(s))
		started = false;
	while (s->nr_threads < nr_threads && started)
		started = nmr_stress_start(s, s->race && (s->nr_threads & 1));
	if (!started) {
		WRITE_ONCE(s->end, jiffies);
		KUNIT_FAIL(test, "could not start stress thread %u", s->nr_threads);
	}
	if (!nmr_stress_join(s, ms) || !nmr_adv_join_racers(s) || !nmr_adv_drain_sections(s))
		return;
	nmr_adv_crowd_down(s);
	us = ktime_us_delta(ktime_get(), start);

	nmr_stress_check_registry_empty(test, s);
	nmr_stress_check_all(test, s);
	/* And NMR itself holds nothing more than before the case. */
	nmr_kunit_count_alive(&after);
	KUNIT_EXPECT_EQ_MSG(test, after.npis, before.npis, "NPI entries left");
	KUNIT_EXPECT_EQ_MSG(test, after.regs, before.regs, "registrations left");
	KUNIT_EXPECT_EQ_MSG(test, after.bindings, before.bindings, "bindings left");
	/* Every refused unload was requested back or released by its deregistration. */
	KUNIT_EXPECT_EQ_MSG(test, module_refcount(THIS_MODULE), refs, "module references left");
	/* One warning for each misuse the case made, none for a legal call. */
	KUNIT_EXPECT_EQ_MSG(test, (long)(nmr_kunit_misuses() - s->misuses_before),
			    nmr_adv_misuses(s), "misuse warnings counted by NMR vs misuses made");
	nmr_stress_report(test, s, us);
	nmr_stress_free(s);
}

/* Cases */

static void random_registrations_on_all_cpus_keep_every_binding_balanced(struct kunit *test)
{
	struct nmr_stress *s = nmr_stress_new(test, NMR_STRESS_NPIS);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->random_attach = true;
	nmr_stress_run(test, s, stress_ms, NMR_STRESS_THREADS);
}

/*
 * The race that hung a user-mode NMR emulation: a provider and a client of
 * the same NPI registered, deregistered and waited for in a loop on two
 * CPUs, so that deregistrations race attaches still in progress.
 */
static void racing_provider_and_client_loops_never_hang(struct kunit *test)
{
	struct nmr_stress *s = nmr_stress_new(test, 1);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->race = true;
	s->slow_attach = true;
	nmr_stress_run(test, s, race_ms, 2);
}

/*
 * Every caller an adversary can be, at once, for adversarial_ms: see the
 * comment at the top of this file.
 */
static void adversarial_callers_never_break_the_contract(struct kunit *test)
{
	struct nmr_stress *s = nmr_stress_new(test, NMR_STRESS_NPIS);

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->adversarial = true;
	s->skip = adversarial_skip;
	nmr_stress_run(test, s, adversarial_ms, NMR_STRESS_THREADS);
}

/*
 * The accounting of nmr_adv_deregister(), on one interleaving of two
 * legal deregister calls for one provider, made in order on this thread:
 * B's call begins; A's starts just after B's first write to the counters
 * (the begin hook: as if B were interrupted there while A ran on the
 * other CPU) and succeeds in NMR, but A has not counted its success yet
 * (A is still running detach callbacks, or was preempted); then B's call
 * reaches NMR, is refused with -EINVAL as deregistering twice, and is
 * accounted for; then A is.  B's -EINVAL is legal: A's deregistration
 * succeeded, and overlapped B's.  The adversarial case's CI failure of
 * f66ddcd ("deregistering provider ... returned -EINVAL, and no other
 * deregistration of it succeeded") was this interleaving.
 *
 * Then the other half of the check: a deregister call refused because
 * of a deregistration nobody accounted for is still a violation.
 */
struct nmr_adv_script {
	struct nmr_stress_reg *r;
	struct nmr_adv_dereg a;
	bool a_called;
};

static void nmr_adv_script_a(struct nmr_adv_calls *calls)
{
	struct nmr_adv_script *sc = calls->hook_data;

	sc->a_called = nmr_adv_deregister_call(sc->r, &sc->a);
}

static void deregistration_accounting_sees_an_overlapping_success(struct kunit *test)
{
	struct nmr_stress *s = nmr_stress_new(test, 1);
	struct nmr_adv_script sc = {};
	struct nmr_stress_reg *r;
	long violations;

	KUNIT_ASSERT_NOT_NULL(test, s);
	s->misuses_before = nmr_kunit_misuses();

	r = nmr_stress_register(s, false, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, r);
	sc.r = r;
	r->dereg_calls.hook_data = &sc;
	WRITE_ONCE(r->dereg_calls.begin_hook, nmr_adv_script_a);
	nmr_adv_deregister(r, NMR_SC_COUNT);		/* B, A inside it */
	KUNIT_ASSERT_TRUE(test, sc.a_called);
	KUNIT_EXPECT_EQ(test, sc.a.ret, -EINPROGRESS);
	nmr_adv_deregister_account(r, &sc.a, NMR_SC_COUNT);	/* A */
	KUNIT_EXPECT_EQ(test, nmr_stress_count(s, NMR_SC_DEREGISTER), 1);
	KUNIT_EXPECT_EQ(test, nmr_stress_count(s, NMR_SC_MISUSE_DEREGISTER), 1);
	KUNIT_EXPECT_EQ_MSG(test, nmr_stress_count(s, NMR_SC_VIOLATION), 0,
			    "B's -EINVAL, after A's overlapping deregistration succeeded, counted as a violation");
	nmr_stress_wait(r);

	/* A deregistration the case did not account for (no overlap). */
	violations = nmr_stress_count(s, NMR_SC_VIOLATION);
	r = nmr_stress_register(s, false, 0, false);
	KUNIT_ASSERT_NOT_NULL(test, r);
	KUNIT_EXPECT_EQ(test, nmr_deregister_provider(r->provider), -EINPROGRESS);
	nmr_adv_deregister(r, NMR_SC_COUNT);
	KUNIT_EXPECT_EQ(test, nmr_stress_count(s, NMR_SC_MISUSE_DEREGISTER), 2);
	KUNIT_EXPECT_EQ_MSG(test, nmr_stress_count(s, NMR_SC_VIOLATION) - violations, 1,
			    "a -EINVAL with no other deregistration accounted for was not caught");
	nmr_stress_wait(r);

	KUNIT_EXPECT_EQ_MSG(test, (long)(nmr_kunit_misuses() - s->misuses_before),
			    nmr_adv_misuses(s), "misuse warnings counted by NMR vs misuses made");
	nmr_stress_free(s);
}

static struct kunit_case nmr_stress_test_cases[] = {
	KUNIT_CASE(deregistration_accounting_sees_an_overlapping_success),
	KUNIT_CASE_SLOW(random_registrations_on_all_cpus_keep_every_binding_balanced),
	KUNIT_CASE_SLOW(racing_provider_and_client_loops_never_hang),
	KUNIT_CASE_SLOW(adversarial_callers_never_break_the_contract),
	{}
};

static struct kunit_suite nmr_stress_test_suite = {
	.name = "nmr_stress",
	.test_cases = nmr_stress_test_cases,
};

kunit_test_suite(nmr_stress_test_suite);

MODULE_DESCRIPTION("Concurrency stress tests for the NMR core");
MODULE_LICENSE("GPL");
NMR_IMPORT_NS();
NMR_IMPORT_NS_FOR_KUNIT();
