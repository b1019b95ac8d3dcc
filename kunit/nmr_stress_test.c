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
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/uuid.h>
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

#define NMR_STRESS_NPIS		3
#define NMR_STRESS_THREADS	4
/* Registrations one thread of the random case holds at a time. */
#define NMR_STRESS_SLOTS	4
/* Generous for a debug kernel under TCG; a timeout is a failure. */
#define NMR_STRESS_WAIT_TIMEOUT	(30 * HZ)
/* Registrations and binding contexts one case may create. */
#define NMR_STRESS_MAX_OBJS	200000
#define NMR_STRESS_MAGIC	0x4e4d5253	/* "NMRS" */

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
	NMR_SC_COUNT,
};

/* How a detach callback finishes its side. */
enum nmr_stress_detach {
	NMR_STRESS_DETACH_SYNC,		/* return 0 */
	NMR_STRESS_DETACH_INSIDE,	/* complete, then return -EINPROGRESS */
	NMR_STRESS_DETACH_WORK,		/* -EINPROGRESS; a work item completes */
	NMR_STRESS_DETACH_TIMER,	/* -EINPROGRESS; a timer completes */
	NMR_STRESS_DETACH_MODES,
};

struct nmr_stress;

/* The dispatch table each registration hands its peers. */
struct nmr_stress_dispatch {
	u32 magic;
	u32 id;
};

/* One provider or client registration; kept until the case ends. */
struct nmr_stress_reg {
	struct nmr_stress *s;
	struct list_head node;
	bool is_client;
	/* The end-of-case probe: always attach, always detach at once. */
	bool accept_all;
	unsigned int npi;
	union {
		struct nmr_provider_characteristics pchars;
		struct nmr_client_characteristics cchars;
	};
	union {
		struct nmr_provider *provider;
		struct nmr_client *client;
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
	struct work_struct work;
	struct timer_list timer;
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
	atomic_t nr_objs;
	atomic_long_t count[NMR_SC_COUNT];
	struct nmr_stress_thread threads[NMR_STRESS_THREADS];
	unsigned int nr_threads;
};

static void nmr_stress_inc(struct nmr_stress *s, enum nmr_stress_count c)
{
	atomic_long_inc(&s->count[c]);
}

static long nmr_stress_count(struct nmr_stress *s, enum nmr_stress_count c)
{
	return atomic_long_read(&s->count[c]);
}

/* Callable in any context: counted, logged, and failed by the case. */
static __printf(2, 3) void nmr_stress_violation(struct nmr_stress *s, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	nmr_stress_inc(s, NMR_SC_VIOLATION);
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
	atomic_set(&b->detached, 0);
	atomic_set(&b->cleaned, 0);
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
 * not be cleaned up before it.
 */
static void nmr_stress_enter_one(struct nmr_stress *s)
{
	struct nmr_stress_bctx *b;
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
	if (!get_random_u32_below(4))
		usleep_range(5, 30);
	if (atomic_read(&b->cleaned) || atomic_read(&b->peer->cleaned))
		nmr_stress_violation(s,
				     "%s binding context %p cleaned up inside an entered section",
				     nmr_stress_role(b->reg), b);
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

/* Detach */

static void nmr_stress_complete(struct nmr_stress_bctx *b)
{
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

	b->mode = b->reg->accept_all ? NMR_STRESS_DETACH_SYNC :
		  get_random_u32_below(NMR_STRESS_DETACH_MODES);
	switch (b->mode) {
	case NMR_STRESS_DETACH_INSIDE:
		nmr_stress_inc(s, NMR_SC_DETACH_INSIDE);
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
						 unsigned int npi)
{
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
	r->npi = npi;
	r->dispatch.magic = NMR_STRESS_MAGIC;
	r->dispatch.id = npi;
	if (is_client)
		nmr_test_client_chars(&r->cchars, &s->npi[npi], nmr_stress_client_attach,
				      nmr_stress_client_detach, nmr_stress_client_cleanup);
	else
		nmr_test_provider_chars(&r->pchars, &s->npi[npi], nmr_stress_provider_attach,
					nmr_stress_provider_detach, nmr_stress_provider_cleanup);
	atomic_set(&r->attached, 0);
	atomic_set(&r->detached, 0);
	atomic_set(&r->cleaned, 0);
	atomic_set(&r->bindings, 0);
	spin_lock_irqsave(&s->lock, flags);
	list_add_tail(&r->node, &s->regs);
	spin_unlock_irqrestore(&s->lock, flags);
	return r;
}

static struct nmr_stress_reg *nmr_stress_register(struct nmr_stress *s, bool is_client,
						  unsigned int npi, bool accept_all)
{
	struct nmr_stress_reg *r = nmr_stress_reg_new(s, is_client, npi);
	int ret;

	if (!r) {
		nmr_stress_inc(s, NMR_SC_NOMEM);
		return NULL;
	}
	r->accept_all = accept_all;
	WRITE_ONCE(r->registering, true);
	if (is_client)
		ret = nmr_register_client(&r->cchars, r, &r->client);
	else
		ret = nmr_register_provider(&r->pchars, r, &r->provider);
	WRITE_ONCE(r->registering, false);
	if (ret) {
		/* Never registered: nothing to wait for. */
		nmr_stress_violation(s, "registering a %s returned %d", nmr_stress_role(r), ret);
		WRITE_ONCE(r->waited, true);
		return NULL;
	}
	nmr_stress_inc(s, NMR_SC_REGISTER);
	return r;
}

static int nmr_stress_deregister_call(struct nmr_stress_reg *r)
{
	if (r->is_client)
		return nmr_deregister_client(r->client);
	return nmr_deregister_provider(r->provider);
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
	nmr_stress_inc(s, NMR_SC_DEREGISTER);
}

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
	WRITE_ONCE(r->waited, true);
	nmr_stress_inc(s, NMR_SC_WAIT);

	if (atomic_read(&r->detached) != atomic_read(&r->attached) ||
	    atomic_read(&r->cleaned) != atomic_read(&r->attached) ||
	    atomic_read(&r->bindings))
		nmr_stress_violation(s,
				     "%s %p waited for with %d sides attached, %d detached, %d cleaned up, %d bindings left",
				     nmr_stress_role(r), r, atomic_read(&r->attached),
				     atomic_read(&r->detached), atomic_read(&r->cleaned),
				     atomic_read(&r->bindings));
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
		nmr_stress_enter_one(s);
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

static int nmr_stress_thread_fn(void *data)
{
	struct nmr_stress_thread *t = data;
	struct nmr_stress *s = t->s;
	unsigned int i;

	while (!nmr_stress_over(s)) {
		if (s->race)
			nmr_stress_race_step(t);
		else
			nmr_stress_random_step(t);
		t->iterations++;
		cond_resched();
	}
	for (i = 0; i < NMR_STRESS_SLOTS; i++) {
		if (!t->slot[i])
			continue;
		if (!t->slot[i]->deregistering)
			nmr_stress_deregister(t->slot[i]);
		nmr_stress_wait(t->slot[i]);
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
	return s;
}

/* Every thread is done and every registration waited for. */
static void nmr_stress_free(struct nmr_stress *s)
{
	struct nmr_stress_bctx *b, *next_b;
	struct nmr_stress_reg *r, *next_r;

	destroy_workqueue(s->wq);
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
		    b->live)
			bad_bctx++;
	}
	list_for_each_entry(r, &s->regs, node)
		if (!r->waited || atomic_read(&r->attached) != atomic_read(&r->detached) ||
		    atomic_read(&r->attached) != atomic_read(&r->cleaned) ||
		    atomic_read(&r->bindings))
			bad_reg++;
	KUNIT_EXPECT_EQ_MSG(test, bad_bctx, 0,
			    "binding contexts not detached and cleaned up exactly once");
	KUNIT_EXPECT_EQ_MSG(test, bad_reg, 0, "registrations not waited for or unbalanced");

	detaches = nmr_stress_count(s, NMR_SC_DETACH_SYNC) +
		   nmr_stress_count(s, NMR_SC_DETACH_INSIDE) +
		   nmr_stress_count(s, NMR_SC_DETACH_WORK) +
		   nmr_stress_count(s, NMR_SC_DETACH_TIMER);
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
	kunit_info(test, "cleanups %ld, entered sections %ld (%ld refused), out of memory %ld, violations %ld\n",
		   nmr_stress_count(s, NMR_SC_CLEANUP), enters,
		   nmr_stress_count(s, NMR_SC_ENTER_REFUSED), nmr_stress_count(s, NMR_SC_NOMEM),
		   nmr_stress_count(s, NMR_SC_VIOLATION));
	kunit_info(test, "%ld operations, %ld ops/s\n", ops, nmr_stress_per_sec(ops, us));
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
	s64 us;

	nmr_kunit_count_alive(&before);
	start = ktime_get();
	s->end = jiffies + msecs_to_jiffies(ms);
	while (s->nr_threads < nr_threads && started)
		started = nmr_stress_start(s, s->race && (s->nr_threads & 1));
	if (!started) {
		WRITE_ONCE(s->end, jiffies);
		KUNIT_FAIL(test, "could not start stress thread %u", s->nr_threads);
	}
	if (!nmr_stress_join(s, ms))
		return;
	us = ktime_us_delta(ktime_get(), start);

	nmr_stress_check_registry_empty(test, s);
	nmr_stress_check_all(test, s);
	/* And NMR itself holds nothing more than before the case. */
	nmr_kunit_count_alive(&after);
	KUNIT_EXPECT_EQ_MSG(test, after.npis, before.npis, "NPI entries left");
	KUNIT_EXPECT_EQ_MSG(test, after.regs, before.regs, "registrations left");
	KUNIT_EXPECT_EQ_MSG(test, after.bindings, before.bindings, "bindings left");
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

static struct kunit_case nmr_stress_test_cases[] = {
	KUNIT_CASE_SLOW(random_registrations_on_all_cpus_keep_every_binding_balanced),
	KUNIT_CASE_SLOW(racing_provider_and_client_loops_never_hang),
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
