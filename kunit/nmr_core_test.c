// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests for the NMR core, through the public API only.
 *
 * Each case registers providers and clients of NPIs that no other case uses
 * (fresh random GUIDs per case), records every callback in a per-case event
 * log, and compares the log with the sequence the contract prescribes; it
 * also checks what each side was handed (binding, contexts, dispatch
 * tables, the peer's registration instance).
 *
 * Whatever may block in NMR (a deregistration wait, an unregister, a
 * register whose attach callback blocks) runs in a kthread that the case
 * waits for with a timeout, so a hung core fails a case instead of hanging
 * the suite.  Every registration is deregistered and waited for by a kunit
 * action, also when an assertion ends the case early; memory NMR may still
 * point to after a timeout is leaked on purpose rather than freed.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/irq_work.h>
#include <linux/kthread.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timer.h>
#include <linux/uuid.h>

#include <nmr/nmr.h>
#include <nmr/nmr_kunit.h>

#include "nmr_test_chars.h"

/* Long enough for a debug kernel under TCG; a hung core still fails fast. */
#define NMR_TEST_TIMEOUT	(10 * HZ)
/* How long something that must not happen yet is given to happen. */
#define NMR_TEST_NOT_YET	(HZ / 10)

#define NMR_TEST_MAX_EVENTS	256
#define NMR_TEST_MAX_BCTX	64

enum nmr_test_event_type {
	NMR_EV_CLIENT_ATTACH,
	NMR_EV_PROVIDER_ATTACH,
	NMR_EV_CLIENT_DETACH,
	NMR_EV_PROVIDER_DETACH,
	NMR_EV_CLIENT_CLEANUP,
	NMR_EV_PROVIDER_CLEANUP,
};

static const char * const nmr_test_event_names[] = {
	[NMR_EV_CLIENT_ATTACH] = "client_attach",
	[NMR_EV_PROVIDER_ATTACH] = "provider_attach",
	[NMR_EV_CLIENT_DETACH] = "client_detach",
	[NMR_EV_PROVIDER_DETACH] = "provider_detach",
	[NMR_EV_CLIENT_CLEANUP] = "client_cleanup",
	[NMR_EV_PROVIDER_CLEANUP] = "provider_cleanup",
};

/* One callback: which one, and the ids of the provider and client. */
struct nmr_test_event {
	enum nmr_test_event_type type;
	u32 provider;
	u32 client;
};

/* A (provider, client) pair of registration ids. */
struct nmr_test_ids {
	u32 provider;
	u32 client;
};

/* What a client's attach callback does once offered a provider. */
enum nmr_test_attach {
	NMR_TEST_ATTACH,		/* attach with dispatch v1, return the status */
	NMR_TEST_DECLINE,		/* return -ENODEV without attaching */
	NMR_TEST_RETRY,			/* attach with v1, on an error again with v2 */
	NMR_TEST_FAIL_AFTER_ATTACH,	/* attach, then return -ENOMEM */
	NMR_TEST_SKIP_ATTACH,		/* return 0 without attaching */
	NMR_TEST_NULL_OUT_PARAMS,	/* attach with NULL out-params, then properly */
	NMR_TEST_ENTER_AROUND_ATTACH,	/* nmr_client_enter() before and after attaching */
};

/* What a detach callback does. */
enum nmr_test_detach {
	NMR_TEST_DETACH_NOW,		/* return 0 */
	NMR_TEST_DETACH_PENDING,	/* return -EINPROGRESS; the case completes */
	NMR_TEST_DETACH_COMPLETE_INSIDE, /* complete, then return -EINPROGRESS */
};

/* The dispatch table each registration hands its peers. */
struct nmr_test_dispatch {
	u32 version;
	u32 owner;
};

/* A call into NMR made on a kthread, so the case can wait with a timeout. */
struct nmr_test_async {
	int (*fn)(void *arg);
	void *arg;
	int ret;
	bool started;
	bool finished;
	struct task_struct *task;
	struct completion done;
	char what[96];
};

struct nmr_test;

/*
 * One side's binding context.  They live in the case's pool, not in the
 * registration, so the case can inspect them after the cleanup callbacks.
 */
struct nmr_test_bctx {
	struct nmr_test *t;
	bool client_side;
	u32 provider;
	u32 client;
	enum nmr_test_detach detach;
	struct nmr_binding *binding;
	/* Client side: the dispatch table the provider accepted. */
	const void *own_dispatch;
	/* What NMR handed over from the peer. */
	void *peer_context;
	const void *peer_dispatch;
	bool peer_instance_ok;
	bool attached;
	/* Client side: nmr_client_attach_provider() results. */
	int attach_ret[2];
	int misuse_ret[2];
	/* Written under t->lock: callbacks may run concurrently. */
	int detach_calls;
	int cleanup_calls;
	bool pending;
	bool completed;
	struct task_struct *cleanup_task;
	bool cleanup_in_softirq;
	bool cleanup_in_hardirq;
	bool cleanup_irqs_off;
	/* Client side, NMR_TEST_ENTER_AROUND_ATTACH: what enter returned. */
	bool enter_before_attach;
	bool enter_after_attach;
};

/* One provider or client registration and how its callbacks behave. */
struct nmr_test_reg {
	struct nmr_test *t;
	bool is_client;
	u32 id;
	guid_t npi;
	struct nmr_module_id module_id;
	union {
		struct nmr_provider_characteristics pchars;
		struct nmr_client_characteristics cchars;
	};
	union {
		struct nmr_provider *provider;
		struct nmr_client *client;
	};
	struct nmr_test_dispatch dispatch;
	struct nmr_test_dispatch dispatch_v2;
	enum nmr_test_attach attach;
	enum nmr_test_detach detach;
	/* Provider: the only client dispatch version accepted, 0 for any. */
	u32 accept_version;
	int decline_status;
	/* Client: runs first in the attach callback. */
	void (*attach_hook)(struct nmr_test_reg *r);
	struct nmr_test_reg *hook_reg[2];
	int hook_ret[3];
	bool registered;
	bool deregistered;
	bool waited;
	int deregister_ret;
	struct nmr_test_async op;
	struct nmr_test_async waiter;
};

/* Per-case state, test->priv. */
struct nmr_test {
	/* Protects the event log, the bctx pool and teardown. */
	spinlock_t lock;
	struct nmr_test_event events[NMR_TEST_MAX_EVENTS];
	unsigned int nr_events;
	unsigned int nr_checked;
	bool overflow;
	struct nmr_test_bctx bctx[NMR_TEST_MAX_BCTX];
	unsigned int nr_bctx;
	/* Set once the case is over: detach callbacks stop pending. */
	bool teardown;
	/* A wait timed out: NMR may still point into this case's memory. */
	bool leak;
	guid_t npi;
	guid_t npi_b;
	guid_t npi_c;
	guid_t module_guid;
	u32 next_id;
	struct completion attach_entered;
	struct completion attach_gate;
	struct completion start;
	struct completion deregistered;
	struct nmr_test_async helper;
	struct timer_list timer;
	struct nmr_test_bctx *timer_bctx;
	/* Held around NMR calls that must work in atomic context. */
	spinlock_t atomic_lock;
	/* Rundown: a section held on t->helper, entered on @hold_cpu. */
	struct nmr_test_bctx *hold_bctx;
	int hold_cpu;
	int hold_cpu_seen;
	bool hold_entered;
	/* Rundown: an exit made in hard IRQ context. */
	struct irq_work irq_work;
	struct nmr_test_bctx *irq_bctx;
	bool irq_in_hardirq;
};

/* Event log */

static void nmr_test_log_locked(struct nmr_test *t, enum nmr_test_event_type type,
				u32 provider, u32 client)
{
	lockdep_assert_held(&t->lock);
	if (t->nr_events == ARRAY_SIZE(t->events)) {
		t->overflow = true;
		return;
	}
	t->events[t->nr_events++] = (struct nmr_test_event){ type, provider, client };
}

static void nmr_test_log(struct nmr_test *t, enum nmr_test_event_type type,
			 u32 provider, u32 client)
{
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	nmr_test_log_locked(t, type, provider, client);
	spin_unlock_irqrestore(&t->lock, flags);
}

/* Copies the events logged since the last check into @buf. */
static unsigned int nmr_test_take_events(struct nmr_test *t, struct nmr_test_event *buf)
{
	unsigned long flags;
	unsigned int n;

	spin_lock_irqsave(&t->lock, flags);
	n = t->nr_events - t->nr_checked;
	memcpy(buf, &t->events[t->nr_checked], n * sizeof(*buf));
	t->nr_checked = t->nr_events;
	spin_unlock_irqrestore(&t->lock, flags);
	return n;
}

static const char *nmr_test_format(struct kunit *test, const struct nmr_test_event *ev,
				   unsigned int n)
{
	size_t size = n * 48 + 1, len = 0;
	unsigned int i;
	char *s;

	s = kunit_kzalloc(test, size, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s);
	for (i = 0; i < n; i++)
		len += scnprintf(s + len, size - len, "%s%s(p%u,c%u)", i ? " " : "",
				 nmr_test_event_names[ev[i].type], ev[i].provider, ev[i].client);
	return s;
}

static struct nmr_test_event *nmr_test_event_buf(struct kunit *test)
{
	struct nmr_test_event *buf;

	buf = kunit_kmalloc_array(test, NMR_TEST_MAX_EVENTS, sizeof(*buf), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, buf);
	return buf;
}

/* The callbacks since the last check are exactly @want, in that order. */
static void nmr_test_expect_events(struct kunit *test, const struct nmr_test_event *want,
				   unsigned int nr_want)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_event *seen = nmr_test_event_buf(test);
	unsigned int nr_seen = nmr_test_take_events(t, seen);

	KUNIT_EXPECT_STREQ(test, nmr_test_format(test, seen, nr_seen),
			   nmr_test_format(test, want, nr_want));
	KUNIT_EXPECT_FALSE(test, t->overflow);
}

#define NMR_EV(type, p, c)	{ NMR_EV_##type, (p), (c) }

#define NMR_TEST_EXPECT_EVENTS(test, ...)					\
	nmr_test_expect_events(test, (const struct nmr_test_event[]){ __VA_ARGS__ }, \
			       ARRAY_SIZE(((const struct nmr_test_event[]){ __VA_ARGS__ })))

static void nmr_test_expect_no_events(struct kunit *test)
{
	nmr_test_expect_events(test, NULL, 0);
}

/*
 * The callbacks since the last check are @types for each pair of @ids, in
 * that order within a pair; the contract leaves the order of pairs open.
 */
static void nmr_test_expect_per_pair(struct kunit *test, const enum nmr_test_event_type *types,
				     unsigned int nr_types, const struct nmr_test_ids *ids,
				     unsigned int nr_ids)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_event *seen = nmr_test_event_buf(test);
	struct nmr_test_event *mine = nmr_test_event_buf(test);
	struct nmr_test_event *want = nmr_test_event_buf(test);
	unsigned int nr_seen = nmr_test_take_events(t, seen);
	unsigned int i, j, n;

	KUNIT_EXPECT_EQ_MSG(test, nr_seen, nr_types * nr_ids, "events: %s",
			    nmr_test_format(test, seen, nr_seen));
	for (i = 0; i < nr_ids; i++) {
		for (j = 0, n = 0; j < nr_seen; j++)
			if (seen[j].provider == ids[i].provider && seen[j].client == ids[i].client)
				mine[n++] = seen[j];
		for (j = 0; j < nr_types; j++)
			want[j] = (struct nmr_test_event){ types[j], ids[i].provider,
							   ids[i].client };
		KUNIT_EXPECT_STREQ(test, nmr_test_format(test, mine, n),
				   nmr_test_format(test, want, nr_types));
	}
}

static const enum nmr_test_event_type nmr_test_detach_sequence[] = {
	NMR_EV_CLIENT_DETACH, NMR_EV_PROVIDER_DETACH,
	NMR_EV_CLIENT_CLEANUP, NMR_EV_PROVIDER_CLEANUP,
};

/* Binding contexts */

static struct nmr_test_bctx *nmr_test_bctx_new(struct nmr_test_reg *r, u32 provider, u32 client)
{
	struct nmr_test *t = r->t;
	struct nmr_test_bctx *b = NULL;
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	if (t->nr_bctx < ARRAY_SIZE(t->bctx))
		b = &t->bctx[t->nr_bctx++];
	spin_unlock_irqrestore(&t->lock, flags);
	if (!b)
		return NULL;
	b->t = t;
	b->client_side = r->is_client;
	b->provider = provider;
	b->client = client;
	b->detach = r->detach;
	return b;
}

/* The latest binding context of one side for a pair, or NULL. */
static struct nmr_test_bctx *nmr_test_find(struct nmr_test *t, bool client_side,
					   u32 provider, u32 client)
{
	struct nmr_test_bctx *found = NULL;
	unsigned long flags;
	unsigned int i;

	spin_lock_irqsave(&t->lock, flags);
	for (i = 0; i < t->nr_bctx; i++)
		if (t->bctx[i].client_side == client_side && t->bctx[i].provider == provider &&
		    t->bctx[i].client == client)
			found = &t->bctx[i];
	spin_unlock_irqrestore(&t->lock, flags);
	return found;
}

static unsigned int nmr_test_count_attached(struct nmr_test *t, bool client_side)
{
	unsigned int i, n = 0;
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	for (i = 0; i < t->nr_bctx; i++)
		if (t->bctx[i].client_side == client_side && t->bctx[i].attached &&
		    !t->bctx[i].detach_calls)
			n++;
	spin_unlock_irqrestore(&t->lock, flags);
	return n;
}

static void nmr_test_complete_call(struct nmr_test_bctx *b)
{
	if (b->client_side)
		nmr_client_detach_provider_complete(b->binding);
	else
		nmr_provider_detach_client_complete(b->binding);
}

/* Completes @b's pending detach, once, as its owner does when it drained. */
static void nmr_test_complete(struct nmr_test_bctx *b)
{
	struct nmr_test *t = b->t;
	unsigned long flags;
	bool done;

	spin_lock_irqsave(&t->lock, flags);
	done = b->completed;
	b->completed = true;
	spin_unlock_irqrestore(&t->lock, flags);
	if (!done)
		nmr_test_complete_call(b);
}

/* Callbacks */

static bool nmr_test_instance_ok(const struct nmr_test_reg *r,
				 const struct nmr_registration_instance *peer)
{
	return peer && peer->version == NMR_REGISTRATION_INSTANCE_VERSION &&
	       peer->size == sizeof(*peer) && peer->npi_id && guid_equal(peer->npi_id, &r->npi) &&
	       peer->module_id && guid_equal(&peer->module_id->guid, &r->t->module_guid);
}

static int nmr_test_attach(struct nmr_test_bctx *cb, const struct nmr_test_dispatch *dispatch)
{
	const void *provider_dispatch = NULL;
	void *provider_context = NULL;
	int ret;

	ret = nmr_client_attach_provider(cb->binding, cb, dispatch, &provider_context,
					 &provider_dispatch);
	if (!ret) {
		cb->own_dispatch = dispatch;
		cb->peer_context = provider_context;
		cb->peer_dispatch = provider_dispatch;
	}
	return ret;
}

static void nmr_test_attach_with_null_out_params(struct nmr_test_reg *c, struct nmr_test_bctx *cb)
{
	const void *provider_dispatch;
	void *provider_context;

	cb->misuse_ret[0] = nmr_client_attach_provider(cb->binding, cb, &c->dispatch, NULL,
						       &provider_dispatch);
	cb->misuse_ret[1] = nmr_client_attach_provider(cb->binding, cb, &c->dispatch,
						       &provider_context, NULL);
}

static int nmr_test_client_attach_provider(struct nmr_binding *binding, void *client_context,
					   const struct nmr_registration_instance *provider)
{
	struct nmr_test_reg *c = client_context;
	u32 provider_id = provider ? provider->number : 0;
	struct nmr_test_bctx *cb;
	int ret;

	nmr_test_log(c->t, NMR_EV_CLIENT_ATTACH, provider_id, c->id);
	if (c->attach_hook)
		c->attach_hook(c);
	if (c->attach == NMR_TEST_DECLINE)
		return -ENODEV;
	if (c->attach == NMR_TEST_SKIP_ATTACH)
		return 0;

	cb = nmr_test_bctx_new(c, provider_id, c->id);
	if (!cb)
		return -ENOMEM;
	cb->binding = binding;
	cb->peer_instance_ok = nmr_test_instance_ok(c, provider);
	if (c->attach == NMR_TEST_NULL_OUT_PARAMS)
		nmr_test_attach_with_null_out_params(c, cb);
	if (c->attach == NMR_TEST_ENTER_AROUND_ATTACH) {
		cb->enter_before_attach = nmr_client_enter(binding);
		if (cb->enter_before_attach)
			nmr_client_exit(binding);
	}

	ret = nmr_test_attach(cb, &c->dispatch);
	if (!ret && c->attach == NMR_TEST_ENTER_AROUND_ATTACH) {
		cb->enter_after_attach = nmr_client_enter(binding);
		if (cb->enter_after_attach)
			nmr_client_exit(binding);
	}
	cb->attach_ret[0] = ret;
	if (ret && c->attach == NMR_TEST_RETRY) {
		ret = nmr_test_attach(cb, &c->dispatch_v2);
		cb->attach_ret[1] = ret;
	}
	if (c->attach == NMR_TEST_FAIL_AFTER_ATTACH)
		return -ENOMEM;
	cb->attached = !ret;
	return ret;
}

static int nmr_test_provider_attach_client(struct nmr_binding *binding, void *provider_context,
					   const struct nmr_registration_instance *client,
					   void *client_binding_context,
					   const void *client_dispatch,
					   void **provider_binding_context,
					   const void **provider_dispatch)
{
	struct nmr_test_reg *p = provider_context;
	const struct nmr_test_dispatch *dispatch = client_dispatch;
	u32 client_id = client ? client->number : 0;
	struct nmr_test_bctx *pb;

	nmr_test_log(p->t, NMR_EV_PROVIDER_ATTACH, p->id, client_id);
	if (p->accept_version && (!dispatch || dispatch->version != p->accept_version))
		return p->decline_status;

	pb = nmr_test_bctx_new(p, p->id, client_id);
	if (!pb)
		return -ENOMEM;
	pb->binding = binding;
	pb->peer_context = client_binding_context;
	pb->peer_dispatch = client_dispatch;
	pb->peer_instance_ok = nmr_test_instance_ok(p, client);
	pb->attached = true;
	*provider_binding_context = pb;
	*provider_dispatch = &p->dispatch;
	return 0;
}

static int nmr_test_detach(struct nmr_test_bctx *b, enum nmr_test_event_type type)
{
	struct nmr_test *t = b->t;
	enum nmr_test_detach mode;
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	nmr_test_log_locked(t, type, b->provider, b->client);
	b->detach_calls++;
	mode = t->teardown ? NMR_TEST_DETACH_NOW : b->detach;
	b->pending = mode != NMR_TEST_DETACH_NOW;
	spin_unlock_irqrestore(&t->lock, flags);

	if (mode == NMR_TEST_DETACH_NOW)
		return 0;
	if (mode == NMR_TEST_DETACH_COMPLETE_INSIDE)
		nmr_test_complete(b);
	return -EINPROGRESS;
}

static int nmr_test_client_detach_provider(void *client_binding_context)
{
	return nmr_test_detach(client_binding_context, NMR_EV_CLIENT_DETACH);
}

static int nmr_test_provider_detach_client(void *provider_binding_context)
{
	return nmr_test_detach(provider_binding_context, NMR_EV_PROVIDER_DETACH);
}

static void nmr_test_cleanup(struct nmr_test_bctx *b, enum nmr_test_event_type type)
{
	struct nmr_test *t = b->t;
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	nmr_test_log_locked(t, type, b->provider, b->client);
	b->cleanup_calls++;
	b->cleanup_task = current;
	b->cleanup_in_softirq = in_serving_softirq();
	b->cleanup_in_hardirq = in_hardirq();
	b->cleanup_irqs_off = irqs_disabled_flags(flags);
	spin_unlock_irqrestore(&t->lock, flags);
}

static void nmr_test_client_cleanup(void *client_binding_context)
{
	nmr_test_cleanup(client_binding_context, NMR_EV_CLIENT_CLEANUP);
}

static void nmr_test_provider_cleanup(void *provider_binding_context)
{
	nmr_test_cleanup(provider_binding_context, NMR_EV_PROVIDER_CLEANUP);
}

/* Calls into NMR on a kthread */

static int nmr_test_async_fn(void *data)
{
	struct nmr_test_async *a = data;

	a->task = current;
	a->ret = a->fn(a->arg);
	kthread_complete_and_exit(&a->done, 0);
}

static bool nmr_test_async_run(struct nmr_test_async *a, int (*fn)(void *arg), void *arg)
{
	struct task_struct *task;

	a->fn = fn;
	a->arg = arg;
	a->finished = false;
	reinit_completion(&a->done);
	task = kthread_run(nmr_test_async_fn, a, "nmr_test");
	a->started = !IS_ERR(task);
	return a->started;
}

/* Whether @a has returned, waiting for it at most @timeout. */
static bool nmr_test_async_wait(struct nmr_test_async *a, unsigned long timeout)
{
	if (!a->started || a->finished)
		return true;
	a->finished = wait_for_completion_timeout(&a->done, timeout);
	return a->finished;
}

/* Runs @fn(@arg) on a kthread; the format names the call in failure reports. */
static __printf(5, 6) void nmr_test_async_start(struct kunit *test, struct nmr_test_async *a,
						int (*fn)(void *arg), void *arg,
						const char *fmt, ...)
{
	va_list args;

	va_start(args, fmt);
	vsnprintf(a->what, sizeof(a->what), fmt, args);
	va_end(args);
	KUNIT_ASSERT_TRUE_MSG(test, nmr_test_async_run(a, fn, arg), "kthread_run failed");
}

static int nmr_test_async_finish(struct kunit *test, struct nmr_test_async *a)
{
	KUNIT_ASSERT_TRUE_MSG(test, nmr_test_async_wait(a, NMR_TEST_TIMEOUT),
			      "%s did not return within %d s", a->what, NMR_TEST_TIMEOUT / HZ);
	return a->ret;
}

/* Registrations */

static const char *nmr_test_role(const struct nmr_test_reg *r)
{
	return r->is_client ? "client" : "provider";
}

static int nmr_test_register_call(struct nmr_test_reg *r)
{
	int ret;

	if (r->is_client)
		ret = nmr_register_client(&r->cchars, r, &r->client);
	else
		ret = nmr_register_provider(&r->pchars, r, &r->provider);
	if (!ret)
		r->registered = true;
	return ret;
}

static int nmr_test_register_fn(void *arg)
{
	return nmr_test_register_call(arg);
}

static int nmr_test_deregister_call(struct nmr_test_reg *r)
{
	r->deregistered = true;
	if (r->is_client)
		return nmr_deregister_client(r->client);
	return nmr_deregister_provider(r->provider);
}

static int nmr_test_wait_fn(void *arg)
{
	struct nmr_test_reg *r = arg;
	int ret;

	if (r->is_client)
		ret = nmr_wait_for_client_deregister_complete(r->client);
	else
		ret = nmr_wait_for_provider_deregister_complete(r->provider);
	/* On success the handle is gone: never wait on it again. */
	if (!ret)
		r->waited = true;
	return ret;
}

static int nmr_test_unregister_fn(void *arg)
{
	struct nmr_test_reg *r = arg;

	r->deregistered = true;
	if (r->is_client)
		nmr_unregister_client(r->client);
	else
		nmr_unregister_provider(r->provider);
	r->waited = true;
	return 0;
}

/* Completes every pending detach and opens every gate, so waits can end. */
static void nmr_test_unblock(struct nmr_test *t)
{
	struct nmr_test_bctx *b;
	unsigned long flags;
	unsigned int i;

	for (;;) {
		b = NULL;
		spin_lock_irqsave(&t->lock, flags);
		t->teardown = true;
		for (i = 0; i < t->nr_bctx && !b; i++)
			if (t->bctx[i].pending && !t->bctx[i].completed)
				b = &t->bctx[i];
		spin_unlock_irqrestore(&t->lock, flags);
		if (!b)
			break;
		nmr_test_complete(b);
	}
	complete_all(&t->attach_gate);
	complete_all(&t->start);
}

/* kunit action: deregister and wait for @r unless the case did, then free it. */
static void nmr_test_reg_release(void *data)
{
	struct nmr_test_reg *r = data;
	struct nmr_test *t = r->t;

	nmr_test_unblock(t);
	if (!nmr_test_async_wait(&r->op, NMR_TEST_TIMEOUT))
		goto leak;
	if (r->registered && !r->waited) {
		if (!r->deregistered)
			nmr_test_deregister_call(r);
		if ((!r->waiter.started || r->waiter.finished) &&
		    !nmr_test_async_run(&r->waiter, nmr_test_wait_fn, r))
			goto leak;
		if (!nmr_test_async_wait(&r->waiter, NMR_TEST_TIMEOUT) || !r->waited)
			goto leak;
	}
	kfree(r);
	return;
leak:
	pr_err("nmr_core_test: %s %u never finished deregistering; leaking it\n",
	       nmr_test_role(r), r->id);
	t->leak = true;
}

static struct nmr_test_reg *nmr_test_new(struct kunit *test, bool is_client, u32 id,
					 const guid_t *npi)
{
	struct nmr_test *t = test->priv;
	struct nmr_registration_instance *instance;
	struct nmr_test_reg *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->t = t;
	r->is_client = is_client;
	r->id = id;
	r->npi = *npi;
	r->module_id.length = sizeof(r->module_id);
	r->module_id.type = NMR_MIT_GUID;
	r->module_id.guid = t->module_guid;
	r->dispatch = (struct nmr_test_dispatch){ .version = 1, .owner = id };
	r->dispatch_v2 = (struct nmr_test_dispatch){ .version = 2, .owner = id };
	r->decline_status = -ENODEV;
	init_completion(&r->op.done);
	init_completion(&r->waiter.done);

	/* Each registration's own copy: NMR must compare values, not pointers. */
	if (is_client)
		instance = nmr_test_client_chars(&r->cchars, &r->npi,
						 nmr_test_client_attach_provider,
						 nmr_test_client_detach_provider,
						 nmr_test_client_cleanup);
	else
		instance = nmr_test_provider_chars(&r->pchars, &r->npi,
						   nmr_test_provider_attach_client,
						   nmr_test_provider_detach_client,
						   nmr_test_provider_cleanup);
	instance->module_id = &r->module_id;
	instance->number = id;

	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, nmr_test_reg_release, r), 0);
	return r;
}

static struct nmr_test_reg *nmr_test_new_provider(struct kunit *test, u32 id, const guid_t *npi)
{
	return nmr_test_new(test, false, id, npi);
}

static struct nmr_test_reg *nmr_test_new_client(struct kunit *test, u32 id, const guid_t *npi)
{
	return nmr_test_new(test, true, id, npi);
}

static void nmr_test_register(struct kunit *test, struct nmr_test_reg *r)
{
	KUNIT_ASSERT_EQ_MSG(test, nmr_test_register_call(r), 0, "registering %s %u",
			    nmr_test_role(r), r->id);
}

static void nmr_test_deregister(struct kunit *test, struct nmr_test_reg *r)
{
	KUNIT_EXPECT_EQ_MSG(test, nmr_test_deregister_call(r), -EINPROGRESS,
			    "deregistering %s %u", nmr_test_role(r), r->id);
}

static void nmr_test_start_wait(struct kunit *test, struct nmr_test_reg *r)
{
	nmr_test_async_start(test, &r->waiter, nmr_test_wait_fn, r,
			     "nmr_wait_for_%s_deregister_complete(%s %u)", nmr_test_role(r),
			     nmr_test_role(r), r->id);
}

/* The deregistration wait of @r has not returned, and does not soon. */
static void nmr_test_expect_waiting(struct kunit *test, struct nmr_test_reg *r)
{
	KUNIT_EXPECT_FALSE_MSG(test, nmr_test_async_wait(&r->waiter, NMR_TEST_NOT_YET),
			       "the wait for %s %u returned early",
			       nmr_test_role(r), r->id);
}

static void nmr_test_finish_wait(struct kunit *test, struct nmr_test_reg *r)
{
	KUNIT_EXPECT_EQ(test, nmr_test_async_finish(test, &r->waiter), 0);
}

static void nmr_test_wait(struct kunit *test, struct nmr_test_reg *r)
{
	nmr_test_start_wait(test, r);
	nmr_test_finish_wait(test, r);
}

static void nmr_test_deregister_and_wait(struct kunit *test, struct nmr_test_reg *r)
{
	nmr_test_deregister(test, r);
	nmr_test_wait(test, r);
}

/* Checks */

static struct nmr_test_bctx *nmr_test_side(struct kunit *test, bool client_side,
					   const struct nmr_test_reg *p,
					   const struct nmr_test_reg *c)
{
	struct nmr_test_bctx *b = nmr_test_find(test->priv, client_side, p->id, c->id);

	KUNIT_ASSERT_NOT_NULL_MSG(test, b, "%s side of provider %u and client %u never attached",
				  client_side ? "client" : "provider", p->id, c->id);
	return b;
}

/*
 * Provider @p and client @c are bound: both sides were handed the same
 * binding, each holds the other's binding context and dispatch table, and
 * each saw the other's registration instance.
 */
static void nmr_test_expect_bound(struct kunit *test, const struct nmr_test_reg *p,
				  const struct nmr_test_reg *c)
{
	struct nmr_test_bctx *cb = nmr_test_side(test, true, p, c);
	struct nmr_test_bctx *pb = nmr_test_side(test, false, p, c);

	KUNIT_EXPECT_TRUE(test, cb->attached);
	KUNIT_EXPECT_TRUE(test, pb->attached);
	KUNIT_EXPECT_EQ(test, cb->detach_calls, 0);
	KUNIT_EXPECT_EQ(test, pb->detach_calls, 0);
	KUNIT_EXPECT_PTR_EQ(test, cb->binding, pb->binding);
	KUNIT_EXPECT_PTR_EQ(test, cb->peer_context, pb);
	KUNIT_EXPECT_PTR_EQ(test, cb->peer_dispatch, &p->dispatch);
	KUNIT_EXPECT_PTR_EQ(test, pb->peer_context, cb);
	KUNIT_EXPECT_PTR_EQ(test, pb->peer_dispatch, cb->own_dispatch);
	KUNIT_EXPECT_TRUE(test, cb->peer_instance_ok);
	KUNIT_EXPECT_TRUE(test, pb->peer_instance_ok);
}

/* The binding of @p and @c was detached and cleaned up, each exactly once. */
static void nmr_test_expect_released(struct kunit *test, const struct nmr_test_reg *p,
				     const struct nmr_test_reg *c)
{
	struct nmr_test_bctx *cb = nmr_test_side(test, true, p, c);
	struct nmr_test_bctx *pb = nmr_test_side(test, false, p, c);

	KUNIT_EXPECT_EQ(test, cb->detach_calls, 1);
	KUNIT_EXPECT_EQ(test, pb->detach_calls, 1);
	KUNIT_EXPECT_EQ(test, cb->cleanup_calls, 1);
	KUNIT_EXPECT_EQ(test, pb->cleanup_calls, 1);
}

static void nmr_test_expect_pending(struct kunit *test, struct nmr_test_bctx *b)
{
	KUNIT_EXPECT_TRUE(test, b->pending);
	KUNIT_EXPECT_EQ(test, b->cleanup_calls, 0);
}

/* Registers provider @p, then client @c of the same NPI: they bind. */
static void nmr_test_bind(struct kunit *test, struct nmr_test_reg *p, struct nmr_test_reg *c)
{
	nmr_test_register(test, p);
	nmr_test_register(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, p->id, c->id),
			       NMR_EV(PROVIDER_ATTACH, p->id, c->id));
	nmr_test_expect_bound(test, p, c);
}

/* A fresh provider and client bind and unbind: misuse left NMR usable. */
static void nmr_test_expect_registry_usable(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p, *c;
	u32 id = t->next_id++;
	guid_t npi;

	guid_gen(&npi);
	p = nmr_test_new_provider(test, id, &npi);
	c = nmr_test_new_client(test, id, &npi);
	nmr_test_bind(test, p, c);
	nmr_test_deregister_and_wait(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, id, id), NMR_EV(PROVIDER_DETACH, id, id),
			       NMR_EV(CLIENT_CLEANUP, id, id), NMR_EV(PROVIDER_CLEANUP, id, id));
	nmr_test_deregister_and_wait(test, p);
	nmr_test_expect_no_events(test);
}

/* Registration alone (contract 4.1, 5.4) */

static void provider_registered_alone_gets_no_callbacks(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);

	nmr_test_register(test, p);
	nmr_test_expect_no_events(test);
	KUNIT_EXPECT_EQ(test, nmr_test_deregister_call(p), -EINPROGRESS);
	nmr_test_wait(test, p);
	nmr_test_expect_no_events(test);
}

static void client_registered_alone_gets_no_callbacks(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);

	nmr_test_register(test, c);
	nmr_test_expect_no_events(test);
	KUNIT_EXPECT_EQ(test, nmr_test_deregister_call(c), -EINPROGRESS);
	nmr_test_wait(test, c);
	nmr_test_expect_no_events(test);
}

/* Attach (contract 4.1 - 4.3) */

static void provider_registering_after_client_attaches_before_register_returns(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);

	nmr_test_register(test, c);
	nmr_test_expect_no_events(test);
	nmr_test_register(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 1, 1), NMR_EV(PROVIDER_ATTACH, 1, 1));
	nmr_test_expect_bound(test, p, c);
}

static void client_registering_after_provider_attaches_before_register_returns(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);

	nmr_test_register(test, p);
	nmr_test_expect_no_events(test);
	nmr_test_register(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 1, 1), NMR_EV(PROVIDER_ATTACH, 1, 1));
	nmr_test_expect_bound(test, p, c);
}

/* Detach with both sides returning 0 (contract 5.1, 5.3, 5.4) */

static void provider_deregistration_detaches_and_cleans_up_before_wait_returns(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);

	nmr_test_bind(test, p, c);
	nmr_test_deregister_and_wait(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1),
			       NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_expect_released(test, p, c);
	KUNIT_EXPECT_EQ(test, nmr_test_count_attached(t, true), 0);
}

static void client_deregistration_detaches_and_cleans_up_before_wait_returns(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);

	nmr_test_bind(test, p, c);
	nmr_test_deregister_and_wait(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1),
			       NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_expect_released(test, p, c);
	KUNIT_EXPECT_EQ(test, nmr_test_count_attached(t, false), 0);
}

static void client_left_by_its_provider_binds_to_a_later_provider(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p1 = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *p2 = nmr_test_new_provider(test, 2, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);

	nmr_test_bind(test, p1, c);
	nmr_test_deregister_and_wait(test, p1);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1),
			       NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_register(test, p2);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 2, 1), NMR_EV(PROVIDER_ATTACH, 2, 1));
	nmr_test_expect_bound(test, p2, c);
}

/* Pending detach (contract 5.2, 5.3) */

static void wait_returns_after_pending_client_detach_completes(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb;

	c->detach = NMR_TEST_DETACH_PENDING;
	nmr_test_bind(test, p, c);
	cb = nmr_test_side(test, true, p, c);

	nmr_test_deregister(test, p);
	nmr_test_start_wait(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1));
	nmr_test_expect_pending(test, cb);
	nmr_test_expect_waiting(test, p);
	nmr_test_expect_no_events(test);

	nmr_test_complete(cb);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	KUNIT_EXPECT_PTR_EQ(test, cb->cleanup_task, current);
	nmr_test_finish_wait(test, p);
	nmr_test_expect_released(test, p, c);
}

static void wait_returns_after_pending_provider_detach_completes(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *pb;

	p->detach = NMR_TEST_DETACH_PENDING;
	nmr_test_bind(test, p, c);
	pb = nmr_test_side(test, false, p, c);

	nmr_test_deregister(test, c);
	nmr_test_start_wait(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1));
	nmr_test_expect_pending(test, pb);
	nmr_test_expect_waiting(test, c);
	nmr_test_expect_no_events(test);

	nmr_test_complete(pb);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	KUNIT_EXPECT_PTR_EQ(test, pb->cleanup_task, current);
	nmr_test_finish_wait(test, c);
	nmr_test_expect_released(test, p, c);
}

/* Both sides pend; @client_first picks which completes first. */
static void nmr_test_both_pending(struct kunit *test, bool client_first)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb, *pb;

	p->detach = NMR_TEST_DETACH_PENDING;
	c->detach = NMR_TEST_DETACH_PENDING;
	nmr_test_bind(test, p, c);
	cb = nmr_test_side(test, true, p, c);
	pb = nmr_test_side(test, false, p, c);

	nmr_test_deregister(test, p);
	nmr_test_start_wait(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1));
	nmr_test_expect_pending(test, cb);
	nmr_test_expect_pending(test, pb);

	nmr_test_complete(client_first ? cb : pb);
	nmr_test_expect_waiting(test, p);
	nmr_test_expect_no_events(test);

	nmr_test_complete(client_first ? pb : cb);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	/* Cleanup runs on the thread that completed last. */
	KUNIT_EXPECT_PTR_EQ(test, cb->cleanup_task, current);
	KUNIT_EXPECT_PTR_EQ(test, pb->cleanup_task, current);
	nmr_test_finish_wait(test, p);
	nmr_test_expect_released(test, p, c);
}

static void both_pending_completed_client_first_clean_up_on_last_complete(struct kunit *test)
{
	nmr_test_both_pending(test, true);
}

static void both_pending_completed_provider_first_clean_up_on_last_complete(struct kunit *test)
{
	nmr_test_both_pending(test, false);
}

static int nmr_test_complete_fn(void *arg)
{
	nmr_test_complete(arg);
	return 0;
}

static void detach_completed_on_another_thread_cleans_up_on_that_thread(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb, *pb;

	c->detach = NMR_TEST_DETACH_PENDING;
	nmr_test_bind(test, p, c);
	cb = nmr_test_side(test, true, p, c);
	pb = nmr_test_side(test, false, p, c);

	nmr_test_deregister(test, p);
	nmr_test_start_wait(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1));
	nmr_test_expect_waiting(test, p);

	nmr_test_async_start(test, &t->helper, nmr_test_complete_fn, cb,
			     "nmr_client_detach_provider_complete()");
	nmr_test_async_finish(test, &t->helper);
	nmr_test_finish_wait(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	KUNIT_EXPECT_PTR_EQ(test, cb->cleanup_task, t->helper.task);
	KUNIT_EXPECT_PTR_EQ(test, pb->cleanup_task, t->helper.task);
	nmr_test_expect_released(test, p, c);
}

static void detach_completed_inside_detach_callbacks_finishes_at_once(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);

	p->detach = NMR_TEST_DETACH_COMPLETE_INSIDE;
	c->detach = NMR_TEST_DETACH_COMPLETE_INSIDE;
	nmr_test_bind(test, p, c);
	nmr_test_deregister_and_wait(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1),
			       NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_expect_released(test, p, c);
}

static void nmr_test_timer_fn(struct timer_list *timer)
{
	struct nmr_test *t = from_timer(t, timer, timer);

	nmr_test_complete(t->timer_bctx);
}

static void detach_completed_from_a_timer_cleans_up_in_softirq(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb, *pb;

	c->detach = NMR_TEST_DETACH_PENDING;
	p->detach = NMR_TEST_DETACH_PENDING;
	nmr_test_bind(test, p, c);
	cb = nmr_test_side(test, true, p, c);
	pb = nmr_test_side(test, false, p, c);

	nmr_test_deregister(test, c);
	nmr_test_start_wait(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1));
	nmr_test_complete(pb);
	nmr_test_expect_waiting(test, c);

	t->timer_bctx = cb;
	mod_timer(&t->timer, jiffies + 1);
	nmr_test_finish_wait(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	KUNIT_EXPECT_TRUE(test, cb->cleanup_in_softirq);
	KUNIT_EXPECT_TRUE(test, pb->cleanup_in_softirq);
	nmr_test_expect_released(test, p, c);
}

static void detach_completed_with_irqs_off_cleans_up_with_irqs_off(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb, *pb;
	unsigned long flags;

	c->detach = NMR_TEST_DETACH_PENDING;
	p->detach = NMR_TEST_DETACH_PENDING;
	nmr_test_bind(test, p, c);
	cb = nmr_test_side(test, true, p, c);
	pb = nmr_test_side(test, false, p, c);

	nmr_test_deregister(test, p);
	nmr_test_start_wait(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1));
	nmr_test_complete(cb);
	nmr_test_expect_waiting(test, p);

	spin_lock_irqsave(&t->atomic_lock, flags);
	nmr_test_complete(pb);
	spin_unlock_irqrestore(&t->atomic_lock, flags);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	KUNIT_EXPECT_TRUE(test, cb->cleanup_irqs_off);
	KUNIT_EXPECT_TRUE(test, pb->cleanup_irqs_off);
	nmr_test_finish_wait(test, p);
	nmr_test_expect_released(test, p, c);
}

static void deregistration_works_with_irqs_off(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p1 = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c1 = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_reg *p2 = nmr_test_new_provider(test, 2, &t->npi_b);
	struct nmr_test_reg *c2 = nmr_test_new_client(test, 2, &t->npi_b);
	unsigned long flags;
	int ret;

	nmr_test_bind(test, p1, c1);
	nmr_test_bind(test, p2, c2);

	spin_lock_irqsave(&t->atomic_lock, flags);
	ret = nmr_test_deregister_call(p1);
	spin_unlock_irqrestore(&t->atomic_lock, flags);
	KUNIT_EXPECT_EQ(test, ret, -EINPROGRESS);
	nmr_test_wait(test, p1);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1),
			       NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));

	spin_lock_irqsave(&t->atomic_lock, flags);
	ret = nmr_test_deregister_call(c2);
	spin_unlock_irqrestore(&t->atomic_lock, flags);
	KUNIT_EXPECT_EQ(test, ret, -EINPROGRESS);
	nmr_test_wait(test, c2);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 2, 2), NMR_EV(PROVIDER_DETACH, 2, 2),
			       NMR_EV(CLIENT_CLEANUP, 2, 2), NMR_EV(PROVIDER_CLEANUP, 2, 2));
	nmr_test_expect_released(test, p1, c1);
	nmr_test_expect_released(test, p2, c2);
}

/* Attach outcomes (contract 4.2 - 4.4) */

static void client_declining_leaves_the_pair_unbound(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);

	c->attach = NMR_TEST_DECLINE;
	nmr_test_register(test, p);
	nmr_test_register(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 1, 1));
	KUNIT_EXPECT_EQ(test, nmr_test_count_attached(t, false), 0);

	nmr_test_deregister_and_wait(test, p);
	nmr_test_deregister_and_wait(test, c);
	nmr_test_expect_no_events(test);
}

static void provider_declining_returns_its_error_to_the_client(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb;

	p->accept_version = 7;
	p->decline_status = -EPROTONOSUPPORT;
	nmr_test_register(test, p);
	nmr_test_register(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 1, 1), NMR_EV(PROVIDER_ATTACH, 1, 1));
	cb = nmr_test_side(test, true, p, c);
	KUNIT_EXPECT_EQ(test, cb->attach_ret[0], -EPROTONOSUPPORT);
	KUNIT_EXPECT_FALSE(test, cb->attached);
	KUNIT_EXPECT_PTR_EQ(test, nmr_test_find(t, false, 1, 1), NULL);

	nmr_test_deregister_and_wait(test, c);
	nmr_test_deregister_and_wait(test, p);
	nmr_test_expect_no_events(test);
}

static void client_may_retry_attach_after_provider_declines(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb;

	p->accept_version = 2;
	c->attach = NMR_TEST_RETRY;
	nmr_test_register(test, p);
	nmr_test_register(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 1, 1), NMR_EV(PROVIDER_ATTACH, 1, 1),
			       NMR_EV(PROVIDER_ATTACH, 1, 1));
	cb = nmr_test_side(test, true, p, c);
	KUNIT_EXPECT_EQ(test, cb->attach_ret[0], -ENODEV);
	KUNIT_EXPECT_EQ(test, cb->attach_ret[1], 0);
	KUNIT_EXPECT_PTR_EQ(test, cb->own_dispatch, &c->dispatch_v2);
	nmr_test_expect_bound(test, p, c);

	nmr_test_deregister_and_wait(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1),
			       NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
}

static void client_failing_after_attach_detaches_only_the_provider_side(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb, *pb;

	c->attach = NMR_TEST_FAIL_AFTER_ATTACH;
	nmr_test_register(test, p);
	nmr_test_register(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 1, 1), NMR_EV(PROVIDER_ATTACH, 1, 1),
			       NMR_EV(PROVIDER_DETACH, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	cb = nmr_test_side(test, true, p, c);
	pb = nmr_test_side(test, false, p, c);
	KUNIT_EXPECT_EQ(test, cb->attach_ret[0], 0);
	KUNIT_EXPECT_EQ(test, pb->detach_calls, 1);
	KUNIT_EXPECT_EQ(test, pb->cleanup_calls, 1);

	nmr_test_deregister_and_wait(test, c);
	nmr_test_deregister_and_wait(test, p);
	nmr_test_expect_no_events(test);
	KUNIT_EXPECT_EQ(test, cb->detach_calls, 0);
	KUNIT_EXPECT_EQ(test, cb->cleanup_calls, 0);
}

static void client_returning_zero_without_attaching_declines(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);

	c->attach = NMR_TEST_SKIP_ATTACH;
	nmr_test_register(test, p);
	nmr_test_register(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 1, 1));

	nmr_test_deregister_and_wait(test, p);
	nmr_test_deregister_and_wait(test, c);
	nmr_test_expect_no_events(test);
}

/* Matching (contract 1, 4.1) */

static void equal_npi_ids_in_different_memory_match(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);

	KUNIT_ASSERT_PTR_NE(test, p->pchars.provider_registration_instance.npi_id,
			    c->cchars.client_registration_instance.npi_id);
	nmr_test_bind(test, p, c);
}

static void different_npi_ids_do_not_match(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c1 = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_reg *c2 = nmr_test_new_client(test, 2, &t->npi);
	struct nmr_test_reg *c3 = nmr_test_new_client(test, 3, &t->npi);

	c1->npi.b[0] ^= 1;
	c2->npi.b[15] ^= 0x80;
	nmr_test_register(test, p);
	nmr_test_register(test, c1);
	nmr_test_register(test, c2);
	nmr_test_expect_no_events(test);
	nmr_test_register(test, c3);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 1, 3), NMR_EV(PROVIDER_ATTACH, 1, 3));
	nmr_test_expect_bound(test, p, c3);
	KUNIT_EXPECT_EQ(test, nmr_test_count_attached(t, false), 1);
}

/* Providers p[0..2] (ids 1-3) and clients c[0..3] (ids 1-4) on one NPI. */
struct nmr_test_mesh {
	struct nmr_test_reg *p[3];
	struct nmr_test_reg *c[4];
};

static void nmr_test_build_mesh(struct kunit *test, struct nmr_test_mesh *m)
{
	struct nmr_test *t = test->priv;
	unsigned int i, j;

	for (i = 0; i < ARRAY_SIZE(m->p); i++)
		m->p[i] = nmr_test_new_provider(test, i + 1, &t->npi);
	for (j = 0; j < ARRAY_SIZE(m->c); j++)
		m->c[j] = nmr_test_new_client(test, j + 1, &t->npi);

	/* Interleaved, so offers run inside both kinds of register call. */
	nmr_test_register(test, m->p[0]);
	nmr_test_register(test, m->c[0]);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 1, 1), NMR_EV(PROVIDER_ATTACH, 1, 1));
	nmr_test_register(test, m->p[1]);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 2, 1), NMR_EV(PROVIDER_ATTACH, 2, 1));
	nmr_test_register(test, m->c[1]);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 1, 2), NMR_EV(PROVIDER_ATTACH, 1, 2),
			       NMR_EV(CLIENT_ATTACH, 2, 2), NMR_EV(PROVIDER_ATTACH, 2, 2));
	nmr_test_register(test, m->c[2]);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 1, 3), NMR_EV(PROVIDER_ATTACH, 1, 3),
			       NMR_EV(CLIENT_ATTACH, 2, 3), NMR_EV(PROVIDER_ATTACH, 2, 3));
	nmr_test_register(test, m->p[2]);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 3, 1), NMR_EV(PROVIDER_ATTACH, 3, 1),
			       NMR_EV(CLIENT_ATTACH, 3, 2), NMR_EV(PROVIDER_ATTACH, 3, 2),
			       NMR_EV(CLIENT_ATTACH, 3, 3), NMR_EV(PROVIDER_ATTACH, 3, 3));
	nmr_test_register(test, m->c[3]);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 1, 4), NMR_EV(PROVIDER_ATTACH, 1, 4),
			       NMR_EV(CLIENT_ATTACH, 2, 4), NMR_EV(PROVIDER_ATTACH, 2, 4),
			       NMR_EV(CLIENT_ATTACH, 3, 4), NMR_EV(PROVIDER_ATTACH, 3, 4));
}

static void three_providers_and_four_clients_make_twelve_bindings(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_mesh m;
	unsigned int i, j;

	nmr_test_build_mesh(test, &m);
	for (i = 0; i < ARRAY_SIZE(m.p); i++)
		for (j = 0; j < ARRAY_SIZE(m.c); j++)
			nmr_test_expect_bound(test, m.p[i], m.c[j]);
	KUNIT_EXPECT_EQ(test, nmr_test_count_attached(t, true), 12);
	KUNIT_EXPECT_EQ(test, nmr_test_count_attached(t, false), 12);
}

static void provider_deregistering_leaves_other_providers_bound(struct kunit *test)
{
	static const struct nmr_test_ids gone[] = { { 2, 1 }, { 2, 2 }, { 2, 3 }, { 2, 4 } };
	struct nmr_test *t = test->priv;
	struct nmr_test_mesh m;
	unsigned int j;

	nmr_test_build_mesh(test, &m);
	nmr_test_deregister_and_wait(test, m.p[1]);
	nmr_test_expect_per_pair(test, nmr_test_detach_sequence,
				 ARRAY_SIZE(nmr_test_detach_sequence), gone, ARRAY_SIZE(gone));
	for (j = 0; j < ARRAY_SIZE(m.c); j++) {
		nmr_test_expect_released(test, m.p[1], m.c[j]);
		nmr_test_expect_bound(test, m.p[0], m.c[j]);
		nmr_test_expect_bound(test, m.p[2], m.c[j]);
	}
	KUNIT_EXPECT_EQ(test, nmr_test_count_attached(t, true), 8);
}

static void re_registered_provider_binds_again(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p2;
	struct nmr_test_mesh m;
	unsigned int j;

	nmr_test_build_mesh(test, &m);
	p2 = m.p[1];
	nmr_test_deregister_and_wait(test, p2);
	nmr_test_take_events(t, nmr_test_event_buf(test));

	/* The same characteristics, registered again once the wait returned. */
	p2->registered = false;
	p2->deregistered = false;
	p2->waited = false;
	nmr_test_register(test, p2);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 2, 1), NMR_EV(PROVIDER_ATTACH, 2, 1),
			       NMR_EV(CLIENT_ATTACH, 2, 2), NMR_EV(PROVIDER_ATTACH, 2, 2),
			       NMR_EV(CLIENT_ATTACH, 2, 3), NMR_EV(PROVIDER_ATTACH, 2, 3),
			       NMR_EV(CLIENT_ATTACH, 2, 4), NMR_EV(PROVIDER_ATTACH, 2, 4));
	for (j = 0; j < ARRAY_SIZE(m.c); j++)
		nmr_test_expect_bound(test, p2, m.c[j]);
	KUNIT_EXPECT_EQ(test, nmr_test_count_attached(t, true), 12);
}

static void new_provider_is_offered_to_clients_in_registration_order(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *c3 = nmr_test_new_client(test, 3, &t->npi);
	struct nmr_test_reg *c1 = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_reg *c2 = nmr_test_new_client(test, 2, &t->npi);
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);

	nmr_test_register(test, c3);
	nmr_test_register(test, c1);
	nmr_test_register(test, c2);
	nmr_test_register(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 1, 3), NMR_EV(PROVIDER_ATTACH, 1, 3),
			       NMR_EV(CLIENT_ATTACH, 1, 1), NMR_EV(PROVIDER_ATTACH, 1, 1),
			       NMR_EV(CLIENT_ATTACH, 1, 2), NMR_EV(PROVIDER_ATTACH, 1, 2));
}

static void new_client_is_offered_providers_in_registration_order(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p2 = nmr_test_new_provider(test, 2, &t->npi);
	struct nmr_test_reg *p3 = nmr_test_new_provider(test, 3, &t->npi);
	struct nmr_test_reg *p1 = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);

	nmr_test_register(test, p2);
	nmr_test_register(test, p3);
	nmr_test_register(test, p1);
	nmr_test_register(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 2, 1), NMR_EV(PROVIDER_ATTACH, 2, 1),
			       NMR_EV(CLIENT_ATTACH, 3, 1), NMR_EV(PROVIDER_ATTACH, 3, 1),
			       NMR_EV(CLIENT_ATTACH, 1, 1), NMR_EV(PROVIDER_ATTACH, 1, 1));
}

static void module_can_provide_one_npi_and_use_another(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	/* Module X provides NPI A and uses NPI B; module Y the other way round. */
	struct nmr_test_reg *xp = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *xc = nmr_test_new_client(test, 2, &t->npi_b);
	struct nmr_test_reg *yc = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_reg *yp = nmr_test_new_provider(test, 2, &t->npi_b);

	nmr_test_register(test, xp);
	nmr_test_register(test, xc);
	nmr_test_expect_no_events(test);
	nmr_test_register(test, yc);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 1, 1), NMR_EV(PROVIDER_ATTACH, 1, 1));
	nmr_test_register(test, yp);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 2, 2), NMR_EV(PROVIDER_ATTACH, 2, 2));
	nmr_test_expect_bound(test, xp, yc);
	nmr_test_expect_bound(test, yp, xc);

	nmr_test_deregister_and_wait(test, xp);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1),
			       NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_expect_bound(test, yp, xc);
}

/* Late comers (contract 4.5) */

/* Attach hook: tell the case the callback runs, then block until it says go. */
static void nmr_test_block_in_attach(struct nmr_test_reg *c)
{
	struct nmr_test *t = c->t;

	complete(&t->attach_entered);
	if (!wait_for_completion_timeout(&t->attach_gate, NMR_TEST_TIMEOUT))
		c->hook_ret[0] = -ETIMEDOUT;
}

/* Registers @c on a kthread and returns once its attach callback blocks. */
static void nmr_test_register_blocked(struct kunit *test, struct nmr_test_reg *c)
{
	struct nmr_test *t = test->priv;

	c->attach_hook = nmr_test_block_in_attach;
	nmr_test_async_start(test, &c->op, nmr_test_register_fn, c,
			     "nmr_register_client(client %u)", c->id);
	KUNIT_ASSERT_TRUE_MSG(test, wait_for_completion_timeout(&t->attach_entered,
								NMR_TEST_TIMEOUT),
			      "the client was never offered the provider");
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 1, 1));
}

static void provider_deregistering_during_attach_detaches_the_new_binding(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);

	nmr_test_register(test, p);
	nmr_test_register_blocked(test, c);

	nmr_test_deregister(test, p);
	nmr_test_start_wait(test, p);
	nmr_test_expect_waiting(test, p);
	nmr_test_expect_no_events(test);

	complete_all(&t->attach_gate);
	KUNIT_EXPECT_EQ(test, nmr_test_async_finish(test, &c->op), 0);
	nmr_test_finish_wait(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(PROVIDER_ATTACH, 1, 1), NMR_EV(CLIENT_DETACH, 1, 1),
			       NMR_EV(PROVIDER_DETACH, 1, 1), NMR_EV(CLIENT_CLEANUP, 1, 1),
			       NMR_EV(PROVIDER_CLEANUP, 1, 1));
	KUNIT_EXPECT_EQ(test, c->hook_ret[0], 0);
	KUNIT_EXPECT_EQ(test, nmr_test_side(test, true, p, c)->attach_ret[0], 0);
	nmr_test_expect_released(test, p, c);

	nmr_test_deregister_and_wait(test, c);
	nmr_test_expect_no_events(test);
}

/*
 * Relies on NMR writing *handle before it makes any offer, so the client
 * can deregister from another thread while its first attach runs.
 */
static void client_deregistering_during_its_attach_detaches_the_new_binding(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_client *handle;

	nmr_test_register(test, p);
	nmr_test_register_blocked(test, c);

	handle = READ_ONCE(c->client);
	KUNIT_ASSERT_NOT_NULL_MSG(test, handle, "*handle not written before the first offer");
	c->deregistered = true;
	KUNIT_EXPECT_EQ(test, nmr_deregister_client(handle), -EINPROGRESS);
	nmr_test_start_wait(test, c);
	nmr_test_expect_waiting(test, c);
	nmr_test_expect_no_events(test);

	complete_all(&t->attach_gate);
	KUNIT_EXPECT_EQ(test, nmr_test_async_finish(test, &c->op), 0);
	nmr_test_finish_wait(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(PROVIDER_ATTACH, 1, 1), NMR_EV(CLIENT_DETACH, 1, 1),
			       NMR_EV(PROVIDER_DETACH, 1, 1), NMR_EV(CLIENT_CLEANUP, 1, 1),
			       NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_expect_released(test, p, c);

	nmr_test_deregister_and_wait(test, p);
	nmr_test_expect_no_events(test);
}

static void provider_deregistering_before_its_queued_offer_is_never_offered(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p1 = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *p2 = nmr_test_new_provider(test, 2, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);

	nmr_test_register(test, p1);
	nmr_test_register(test, p2);
	nmr_test_register_blocked(test, c);

	/* The offer of p2 waits behind the blocked one: p2 need not wait for it. */
	nmr_test_deregister_and_wait(test, p2);
	nmr_test_expect_no_events(test);

	complete_all(&t->attach_gate);
	KUNIT_EXPECT_EQ(test, nmr_test_async_finish(test, &c->op), 0);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(PROVIDER_ATTACH, 1, 1));
	nmr_test_expect_bound(test, p1, c);
	KUNIT_EXPECT_EQ(test, nmr_test_count_attached(t, true), 1);
}

static void client_deregistering_during_its_register_gets_no_further_offers(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p1 = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *p2 = nmr_test_new_provider(test, 2, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_client *handle;

	nmr_test_register(test, p1);
	nmr_test_register(test, p2);
	nmr_test_register_blocked(test, c);

	handle = READ_ONCE(c->client);
	KUNIT_ASSERT_NOT_NULL_MSG(test, handle, "*handle not written before the first offer");
	c->deregistered = true;
	KUNIT_EXPECT_EQ(test, nmr_deregister_client(handle), -EINPROGRESS);
	nmr_test_start_wait(test, c);

	complete_all(&t->attach_gate);
	KUNIT_EXPECT_EQ(test, nmr_test_async_finish(test, &c->op), 0);
	nmr_test_finish_wait(test, c);
	/* The late binding with p1 is detached; p2 is never offered. */
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(PROVIDER_ATTACH, 1, 1), NMR_EV(CLIENT_DETACH, 1, 1),
			       NMR_EV(PROVIDER_DETACH, 1, 1), NMR_EV(CLIENT_CLEANUP, 1, 1),
			       NMR_EV(PROVIDER_CLEANUP, 1, 1));
	KUNIT_EXPECT_PTR_EQ(test, nmr_test_find(t, true, 2, 1), NULL);
}

/* Callbacks calling NMR (contract 5.5: no NMR lock held) */

/* Attach hook: register hook_reg[0], deregister hook_reg[1] and wait for it. */
static void nmr_test_register_and_deregister_in_attach(struct nmr_test_reg *c)
{
	struct nmr_test_reg *gone = c->hook_reg[1];

	c->attach_hook = NULL;
	c->hook_ret[0] = nmr_test_register_call(c->hook_reg[0]);
	c->hook_ret[1] = nmr_test_deregister_call(gone);
	c->hook_ret[2] = -ETIMEDOUT;
	if (nmr_test_async_run(&gone->waiter, nmr_test_wait_fn, gone) &&
	    nmr_test_async_wait(&gone->waiter, NMR_TEST_TIMEOUT))
		c->hook_ret[2] = gone->waiter.ret;
}

static void attach_callback_may_register_and_deregister(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p1 = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c1 = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_reg *p2 = nmr_test_new_provider(test, 2, &t->npi_b);
	struct nmr_test_reg *c2 = nmr_test_new_client(test, 2, &t->npi_b);
	struct nmr_test_reg *p3 = nmr_test_new_provider(test, 3, &t->npi_c);
	struct nmr_test_reg *c3 = nmr_test_new_client(test, 3, &t->npi_c);

	nmr_test_bind(test, p3, c3);
	nmr_test_register(test, c2);
	nmr_test_register(test, p1);
	nmr_test_expect_no_events(test);

	/* c1's attach callback registers p2 (bound to c2 at once) and removes p3. */
	c1->attach_hook = nmr_test_register_and_deregister_in_attach;
	c1->hook_reg[0] = p2;
	c1->hook_reg[1] = p3;
	nmr_test_async_start(test, &c1->op, nmr_test_register_fn, c1,
			     "nmr_register_client(client 1)");
	KUNIT_ASSERT_EQ(test, nmr_test_async_finish(test, &c1->op), 0);
	KUNIT_EXPECT_EQ(test, c1->hook_ret[0], 0);
	KUNIT_EXPECT_EQ(test, c1->hook_ret[1], -EINPROGRESS);
	KUNIT_EXPECT_EQ(test, c1->hook_ret[2], 0);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 1, 1),
			       NMR_EV(CLIENT_ATTACH, 2, 2), NMR_EV(PROVIDER_ATTACH, 2, 2),
			       NMR_EV(CLIENT_DETACH, 3, 3), NMR_EV(PROVIDER_DETACH, 3, 3),
			       NMR_EV(CLIENT_CLEANUP, 3, 3), NMR_EV(PROVIDER_CLEANUP, 3, 3),
			       NMR_EV(PROVIDER_ATTACH, 1, 1));
	nmr_test_expect_bound(test, p1, c1);
	nmr_test_expect_bound(test, p2, c2);
	nmr_test_expect_released(test, p3, c3);
}

/* Concurrent deregistration (contract 5.1: exactly once per binding) */

static int nmr_test_deregister_and_wait_fn(void *arg)
{
	struct nmr_test_reg *r = arg;

	if (!wait_for_completion_timeout(&r->t->start, NMR_TEST_TIMEOUT))
		return -ETIMEDOUT;
	r->deregister_ret = nmr_test_deregister_call(r);
	complete(&r->t->deregistered);
	return nmr_test_wait_fn(r);
}

static void binding_detaching_is_not_detached_again_when_its_peer_deregisters(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb, *pb;

	p->detach = NMR_TEST_DETACH_PENDING;
	c->detach = NMR_TEST_DETACH_PENDING;
	nmr_test_bind(test, p, c);
	cb = nmr_test_side(test, true, p, c);
	pb = nmr_test_side(test, false, p, c);

	nmr_test_deregister(test, p);
	nmr_test_start_wait(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1));
	nmr_test_deregister(test, c);
	nmr_test_start_wait(test, c);
	nmr_test_expect_waiting(test, c);
	nmr_test_expect_no_events(test);

	nmr_test_complete(pb);
	nmr_test_complete(cb);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_finish_wait(test, p);
	nmr_test_finish_wait(test, c);
	nmr_test_expect_released(test, p, c);
}

/*
 * Odd rounds detach at once, so the two deregistrations race each other;
 * even rounds pend until both returned, so a second detach has all the
 * time it needs to show up.
 */
static void both_sides_deregistering_at_once_detach_the_binding_once(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p, *c;
	bool pending;
	u32 i, k;

	for (i = 1; i <= 16; i++) {
		pending = !(i % 2);
		p = nmr_test_new_provider(test, i, &t->npi);
		c = nmr_test_new_client(test, i, &t->npi);
		if (pending) {
			p->detach = NMR_TEST_DETACH_PENDING;
			c->detach = NMR_TEST_DETACH_PENDING;
		}
		nmr_test_bind(test, p, c);

		reinit_completion(&t->start);
		reinit_completion(&t->deregistered);
		nmr_test_async_start(test, &p->op, nmr_test_deregister_and_wait_fn, p,
				     "deregistering and waiting for provider %u", i);
		nmr_test_async_start(test, &c->op, nmr_test_deregister_and_wait_fn, c,
				     "deregistering and waiting for client %u", i);
		complete_all(&t->start);
		for (k = 0; k < 2; k++)
			KUNIT_ASSERT_TRUE_MSG(test, wait_for_completion_timeout(&t->deregistered,
										NMR_TEST_TIMEOUT),
					      "a deregistration of pair %u did not return", i);
		if (pending) {
			nmr_test_expect_pending(test, nmr_test_side(test, true, p, c));
			nmr_test_expect_pending(test, nmr_test_side(test, false, p, c));
			nmr_test_complete(nmr_test_side(test, true, p, c));
			nmr_test_complete(nmr_test_side(test, false, p, c));
		}
		KUNIT_EXPECT_EQ(test, nmr_test_async_finish(test, &p->op), 0);
		KUNIT_EXPECT_EQ(test, nmr_test_async_finish(test, &c->op), 0);
		KUNIT_EXPECT_EQ(test, p->deregister_ret, -EINPROGRESS);
		KUNIT_EXPECT_EQ(test, c->deregister_ret, -EINPROGRESS);
		NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, i, i),
				       NMR_EV(PROVIDER_DETACH, i, i),
				       NMR_EV(CLIENT_CLEANUP, i, i),
				       NMR_EV(PROVIDER_CLEANUP, i, i));
		nmr_test_expect_released(test, p, c);
	}
}

/* Waits with a timeout */

static int nmr_test_wait_timeout(struct nmr_test_reg *r, unsigned long timeout)
{
	int ret;

	if (r->is_client)
		ret = nmr_wait_for_client_deregister_complete_timeout(r->client, timeout);
	else
		ret = nmr_wait_for_provider_deregister_complete_timeout(r->provider, timeout);
	if (!ret)
		r->waited = true;
	return ret;
}

static void wait_with_timeout_times_out_and_leaves_the_handle_usable(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb;

	c->detach = NMR_TEST_DETACH_PENDING;
	nmr_test_bind(test, p, c);
	cb = nmr_test_side(test, true, p, c);
	KUNIT_EXPECT_EQ(test, nmr_test_wait_timeout(p, NMR_TEST_NOT_YET), -EINVAL);

	nmr_test_deregister(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1));
	KUNIT_EXPECT_EQ(test, nmr_test_wait_timeout(p, NMR_TEST_NOT_YET), -ETIMEDOUT);
	KUNIT_EXPECT_EQ(test, nmr_test_wait_timeout(p, 1), -ETIMEDOUT);
	nmr_test_expect_no_events(test);
	nmr_test_expect_pending(test, cb);

	nmr_test_complete(cb);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	KUNIT_EXPECT_EQ(test, nmr_test_wait_timeout(p, NMR_TEST_TIMEOUT), 0);
	nmr_test_expect_released(test, p, c);
}

static void wait_with_timeout_after_a_timeout_may_be_a_plain_wait(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *pb;

	p->detach = NMR_TEST_DETACH_PENDING;
	nmr_test_bind(test, p, c);
	pb = nmr_test_side(test, false, p, c);

	nmr_test_deregister(test, c);
	KUNIT_EXPECT_EQ(test, nmr_test_wait_timeout(c, NMR_TEST_NOT_YET), -ETIMEDOUT);
	nmr_test_start_wait(test, c);
	nmr_test_expect_waiting(test, c);
	/* A second wait while the first runs is misuse. */
	KUNIT_EXPECT_EQ(test, nmr_test_wait_timeout(c, 1), -EINVAL);
	nmr_test_complete(pb);
	nmr_test_finish_wait(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1),
			       NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_expect_released(test, p, c);
}

static void wait_with_timeout_returns_at_once_when_already_complete(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);

	nmr_test_bind(test, p, c);
	nmr_test_deregister(test, p);
	KUNIT_EXPECT_EQ(test, nmr_test_wait_timeout(p, 1), 0);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1),
			       NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
}

/* Refuse and request unload (contract 6) */

static int nmr_test_refuse_unload(struct nmr_test_reg *r)
{
	if (r->is_client)
		return nmr_client_refuse_unload(r->client);
	return nmr_provider_refuse_unload(r->provider);
}

static int nmr_test_request_unload(struct nmr_test_reg *r)
{
	if (r->is_client)
		return nmr_client_request_unload(r->client);
	return nmr_provider_request_unload(r->provider);
}

/* Registers one provider and one client of unrelated NPIs. */
static void nmr_test_new_unbound_pair(struct kunit *test, struct nmr_test_reg *r[2])
{
	struct nmr_test *t = test->priv;

	r[0] = nmr_test_new_provider(test, 1, &t->npi);
	r[1] = nmr_test_new_client(test, 1, &t->npi_b);
	nmr_test_register(test, r[0]);
	nmr_test_register(test, r[1]);
}

static void refuse_unload_pins_the_module_once_until_request_unload(struct kunit *test)
{
	struct nmr_test_reg *r[2];
	unsigned int i;
	int base;

	nmr_test_new_unbound_pair(test, r);
	for (i = 0; i < ARRAY_SIZE(r); i++) {
		base = module_refcount(THIS_MODULE);
		KUNIT_EXPECT_EQ(test, nmr_test_refuse_unload(r[i]), 0);
		KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), base + 1);
		/* A flag, not a counter: the second refuse changes nothing. */
		KUNIT_EXPECT_EQ(test, nmr_test_refuse_unload(r[i]), 0);
		KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), base + 1);
		KUNIT_EXPECT_EQ(test, nmr_test_request_unload(r[i]), 0);
		KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), base);
	}
	nmr_test_expect_no_events(test);
}

static void request_unload_without_refuse_unload_fails(struct kunit *test)
{
	struct nmr_test_reg *r[2];
	unsigned int i;
	int base;

	nmr_test_new_unbound_pair(test, r);
	for (i = 0; i < ARRAY_SIZE(r); i++) {
		base = module_refcount(THIS_MODULE);
		KUNIT_EXPECT_EQ(test, nmr_test_request_unload(r[i]), -EINVAL);
		KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), base);
		KUNIT_EXPECT_EQ(test, nmr_test_refuse_unload(r[i]), 0);
		KUNIT_EXPECT_EQ(test, nmr_test_request_unload(r[i]), 0);
		KUNIT_EXPECT_EQ(test, nmr_test_request_unload(r[i]), -EINVAL);
		KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), base);
	}
}

static void refuse_and_request_unload_work_with_irqs_off(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *r[2];
	int refused, pinned, requested;
	unsigned long flags;
	unsigned int i;
	int base;

	nmr_test_new_unbound_pair(test, r);
	for (i = 0; i < ARRAY_SIZE(r); i++) {
		base = module_refcount(THIS_MODULE);
		spin_lock_irqsave(&t->atomic_lock, flags);
		refused = nmr_test_refuse_unload(r[i]);
		pinned = module_refcount(THIS_MODULE);
		requested = nmr_test_request_unload(r[i]);
		spin_unlock_irqrestore(&t->atomic_lock, flags);
		KUNIT_EXPECT_EQ(test, refused, 0);
		KUNIT_EXPECT_EQ(test, pinned, base + 1);
		KUNIT_EXPECT_EQ(test, requested, 0);
		KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), base);
	}
}

static void deregistering_a_refusing_registration_releases_its_pin(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *r[2];
	unsigned int i;
	int before, registered;

	r[0] = nmr_test_new_provider(test, 1, &t->npi);
	r[1] = nmr_test_new_client(test, 1, &t->npi_b);
	for (i = 0; i < ARRAY_SIZE(r); i++) {
		before = module_refcount(THIS_MODULE);
		nmr_test_register(test, r[i]);
		registered = module_refcount(THIS_MODULE);
		KUNIT_EXPECT_EQ(test, nmr_test_refuse_unload(r[i]), 0);
		KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), registered + 1);
		nmr_test_deregister_and_wait(test, r[i]);
		KUNIT_EXPECT_EQ(test, module_refcount(THIS_MODULE), before);
	}
}

/* Unregister: deregister and wait in one call */

static void unregister_provider_returns_once_its_bindings_are_cleaned_up(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb;

	c->detach = NMR_TEST_DETACH_PENDING;
	nmr_test_bind(test, p, c);
	cb = nmr_test_side(test, true, p, c);

	nmr_test_async_start(test, &p->op, nmr_test_unregister_fn, p,
			     "nmr_unregister_provider()");
	KUNIT_EXPECT_FALSE_MSG(test, nmr_test_async_wait(&p->op, NMR_TEST_NOT_YET),
			       "nmr_unregister_provider() returned with a detach pending");
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1));

	nmr_test_complete(cb);
	nmr_test_async_finish(test, &p->op);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_expect_released(test, p, c);
}

static void unregister_client_returns_once_its_bindings_are_cleaned_up(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *pb;

	p->detach = NMR_TEST_DETACH_PENDING;
	nmr_test_bind(test, p, c);
	pb = nmr_test_side(test, false, p, c);

	nmr_test_async_start(test, &c->op, nmr_test_unregister_fn, c,
			     "nmr_unregister_client()");
	KUNIT_EXPECT_FALSE_MSG(test, nmr_test_async_wait(&c->op, NMR_TEST_NOT_YET),
			       "nmr_unregister_client() returned with a detach pending");
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1));

	nmr_test_complete(pb);
	nmr_test_async_finish(test, &c->op);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_expect_released(test, p, c);
}

/* Misuse (contract 7) */

enum nmr_test_spoil {
	NMR_TEST_NULL_CHARS,
	NMR_TEST_NULL_HANDLE,
	NMR_TEST_BAD_VERSION,
	NMR_TEST_SHORT_LENGTH,
	NMR_TEST_LONG_LENGTH,
	NMR_TEST_BAD_INSTANCE_VERSION,
	NMR_TEST_SHORT_INSTANCE_SIZE,
	NMR_TEST_NO_ATTACH,
	NMR_TEST_NO_DETACH,
	NMR_TEST_NO_NPI_ID,
	NMR_TEST_SHORT_MODULE_ID,
};

struct nmr_test_bad_arg {
	enum nmr_test_spoil spoil;
	const char *desc;
};

static const struct nmr_test_bad_arg nmr_test_bad_args[] = {
	{ NMR_TEST_NULL_CHARS, "NULL characteristics" },
	{ NMR_TEST_NULL_HANDLE, "NULL handle pointer" },
	{ NMR_TEST_BAD_VERSION, "unknown characteristics version" },
	{ NMR_TEST_SHORT_LENGTH, "characteristics length one short" },
	{ NMR_TEST_LONG_LENGTH, "characteristics length eight long" },
	{ NMR_TEST_BAD_INSTANCE_VERSION, "unknown registration instance version" },
	{ NMR_TEST_SHORT_INSTANCE_SIZE, "registration instance size one short" },
	{ NMR_TEST_NO_ATTACH, "no attach callback" },
	{ NMR_TEST_NO_DETACH, "no detach callback" },
	{ NMR_TEST_NO_NPI_ID, "NULL NPI id" },
	{ NMR_TEST_SHORT_MODULE_ID, "module id length one short" },
};

KUNIT_ARRAY_PARAM_DESC(nmr_test_bad_args, nmr_test_bad_args, desc);

/* Registers @r spoiled as @spoil says. */
static int nmr_test_register_spoiled(struct nmr_test_reg *r, enum nmr_test_spoil spoil)
{
	struct nmr_registration_instance *instance;
	u16 *version, *length;
	bool null_handle = false;
	void *chars;

	if (r->is_client) {
		instance = &r->cchars.client_registration_instance;
		version = &r->cchars.version;
		length = &r->cchars.length;
		chars = &r->cchars;
	} else {
		instance = &r->pchars.provider_registration_instance;
		version = &r->pchars.version;
		length = &r->pchars.length;
		chars = &r->pchars;
	}

	switch (spoil) {
	case NMR_TEST_NULL_CHARS:
		chars = NULL;
		break;
	case NMR_TEST_NULL_HANDLE:
		null_handle = true;
		break;
	case NMR_TEST_BAD_VERSION:
		*version = NMR_CHARACTERISTICS_VERSION + 1;
		break;
	case NMR_TEST_SHORT_LENGTH:
		*length -= 1;
		break;
	case NMR_TEST_LONG_LENGTH:
		*length += 8;
		break;
	case NMR_TEST_BAD_INSTANCE_VERSION:
		instance->version = NMR_REGISTRATION_INSTANCE_VERSION + 1;
		break;
	case NMR_TEST_SHORT_INSTANCE_SIZE:
		instance->size -= 1;
		break;
	case NMR_TEST_NO_ATTACH:
		if (r->is_client)
			r->cchars.client_attach_provider = NULL;
		else
			r->pchars.provider_attach_client = NULL;
		break;
	case NMR_TEST_NO_DETACH:
		if (r->is_client)
			r->cchars.client_detach_provider = NULL;
		else
			r->pchars.provider_detach_client = NULL;
		break;
	case NMR_TEST_NO_NPI_ID:
		instance->npi_id = NULL;
		break;
	case NMR_TEST_SHORT_MODULE_ID:
		r->module_id.length -= 1;
		break;
	}

	if (r->is_client)
		return nmr_register_client(chars, r, null_handle ? NULL : &r->client);
	return nmr_register_provider(chars, r, null_handle ? NULL : &r->provider);
}

/* A bad registration fails, is offered to no one, and NMR stays usable. */
static void nmr_test_register_rejects(struct kunit *test, bool is_client)
{
	const struct nmr_test_bad_arg *arg = test->param_value;
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *peer = nmr_test_new(test, !is_client, 1, &t->npi);
	struct nmr_test_reg *r = nmr_test_new(test, is_client, 2, &t->npi);
	int ret;

	nmr_test_register(test, peer);
	ret = nmr_test_register_spoiled(r, arg->spoil);
	KUNIT_EXPECT_EQ(test, ret, -EINVAL);
	/* Let the release action undo a registration NMR wrongly accepted. */
	r->registered = !ret && arg->spoil != NMR_TEST_NULL_HANDLE;
	nmr_test_expect_no_events(test);

	nmr_test_deregister_and_wait(test, peer);
	nmr_test_expect_no_events(test);
	nmr_test_expect_registry_usable(test);
}

static void register_provider_rejects_bad_arguments(struct kunit *test)
{
	nmr_test_register_rejects(test, false);
}

static void register_client_rejects_bad_arguments(struct kunit *test)
{
	nmr_test_register_rejects(test, true);
}

static void null_handles_are_rejected(struct kunit *test)
{
	const void *provider_dispatch;
	void *provider_context;

	KUNIT_EXPECT_EQ(test, nmr_deregister_provider(NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, nmr_deregister_client(NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, nmr_wait_for_provider_deregister_complete(NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, nmr_wait_for_client_deregister_complete(NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, nmr_provider_refuse_unload(NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, nmr_provider_request_unload(NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, nmr_client_refuse_unload(NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, nmr_client_request_unload(NULL), -EINVAL);
	KUNIT_EXPECT_EQ(test, nmr_client_attach_provider(NULL, NULL, NULL, &provider_context,
							 &provider_dispatch), -EINVAL);
	nmr_provider_detach_client_complete(NULL);
	nmr_client_detach_provider_complete(NULL);
	nmr_unregister_provider(NULL);
	nmr_unregister_client(NULL);
	nmr_test_expect_no_events(test);
	nmr_test_expect_registry_usable(test);
}

static void handles_of_the_wrong_type_are_rejected(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_binding *binding;

	nmr_test_bind(test, p, c);
	binding = nmr_test_side(test, true, p, c)->binding;

	KUNIT_EXPECT_EQ(test, nmr_deregister_provider((struct nmr_provider *)c->client), -EINVAL);
	KUNIT_EXPECT_EQ(test, nmr_deregister_client((struct nmr_client *)p->provider), -EINVAL);
	KUNIT_EXPECT_EQ(test, nmr_deregister_provider((struct nmr_provider *)binding), -EINVAL);
	KUNIT_EXPECT_EQ(test, nmr_provider_refuse_unload((struct nmr_provider *)c->client),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, nmr_client_refuse_unload((struct nmr_client *)binding), -EINVAL);
	nmr_client_detach_provider_complete((struct nmr_binding *)c->client);
	nmr_provider_detach_client_complete((struct nmr_binding *)p->provider);
	nmr_test_expect_no_events(test);
	nmr_test_expect_bound(test, p, c);

	nmr_test_deregister_and_wait(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1),
			       NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_expect_registry_usable(test);
}

static void deregistering_twice_is_rejected(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);

	nmr_test_bind(test, p, c);
	nmr_test_deregister(test, c);
	KUNIT_EXPECT_EQ(test, nmr_deregister_client(c->client), -EINVAL);
	nmr_test_wait(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1),
			       NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_expect_released(test, p, c);

	nmr_test_deregister(test, p);
	KUNIT_EXPECT_EQ(test, nmr_deregister_provider(p->provider), -EINVAL);
	nmr_test_wait(test, p);
	nmr_test_expect_no_events(test);
	nmr_test_expect_registry_usable(test);
}

static void waiting_before_deregistering_is_rejected(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);

	nmr_test_bind(test, p, c);
	nmr_test_start_wait(test, p);
	KUNIT_EXPECT_EQ(test, nmr_test_async_finish(test, &p->waiter), -EINVAL);
	nmr_test_start_wait(test, c);
	KUNIT_EXPECT_EQ(test, nmr_test_async_finish(test, &c->waiter), -EINVAL);
	nmr_test_expect_no_events(test);
	nmr_test_expect_bound(test, p, c);

	nmr_test_deregister_and_wait(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1),
			       NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_deregister_and_wait(test, p);
	nmr_test_expect_no_events(test);
	nmr_test_expect_registry_usable(test);
}

static void complete_before_detach_is_ignored(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb, *pb;

	p->detach = NMR_TEST_DETACH_PENDING;
	c->detach = NMR_TEST_DETACH_PENDING;
	nmr_test_bind(test, p, c);
	cb = nmr_test_side(test, true, p, c);
	pb = nmr_test_side(test, false, p, c);

	nmr_client_detach_provider_complete(cb->binding);
	nmr_provider_detach_client_complete(pb->binding);
	nmr_test_expect_no_events(test);
	nmr_test_expect_bound(test, p, c);

	/* Had NMR counted those, cleanup would follow the detach callbacks. */
	nmr_test_deregister(test, p);
	nmr_test_start_wait(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1));
	nmr_test_expect_waiting(test, p);
	nmr_test_complete(cb);
	nmr_test_expect_waiting(test, p);
	nmr_test_expect_no_events(test);
	nmr_test_complete(pb);
	nmr_test_finish_wait(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_expect_released(test, p, c);
	nmr_test_expect_registry_usable(test);
}

static void second_complete_is_ignored(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb, *pb;

	p->detach = NMR_TEST_DETACH_PENDING;
	c->detach = NMR_TEST_DETACH_PENDING;
	nmr_test_bind(test, p, c);
	cb = nmr_test_side(test, true, p, c);
	pb = nmr_test_side(test, false, p, c);

	nmr_test_deregister(test, c);
	nmr_test_start_wait(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1));
	nmr_test_complete(cb);
	/* The binding lives on: the provider side is still pending. */
	nmr_client_detach_provider_complete(cb->binding);
	nmr_test_expect_waiting(test, c);
	nmr_test_expect_no_events(test);

	nmr_test_complete(pb);
	nmr_test_finish_wait(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_expect_released(test, p, c);
	nmr_test_expect_registry_usable(test);
}

static void complete_by_a_side_that_did_not_pend_is_ignored(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb, *pb;

	c->detach = NMR_TEST_DETACH_PENDING;
	nmr_test_bind(test, p, c);
	cb = nmr_test_side(test, true, p, c);
	pb = nmr_test_side(test, false, p, c);

	nmr_test_deregister(test, p);
	nmr_test_start_wait(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1));
	/* The provider returned 0 and the client is pending: not the provider's to complete. */
	nmr_provider_detach_client_complete(pb->binding);
	nmr_test_expect_waiting(test, p);
	nmr_test_expect_no_events(test);

	nmr_test_complete(cb);
	nmr_test_finish_wait(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_expect_released(test, p, c);
	nmr_test_expect_registry_usable(test);
}

static void attach_outside_the_attach_callback_is_rejected(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	const void *provider_dispatch = NULL;
	void *provider_context = NULL;
	struct nmr_test_bctx *cb;

	nmr_test_bind(test, p, c);
	cb = nmr_test_side(test, true, p, c);

	/* The binding handle saved from the attach, while still attached. */
	KUNIT_EXPECT_EQ(test, nmr_client_attach_provider(cb->binding, cb, &c->dispatch,
							 &provider_context, &provider_dispatch),
			-EINVAL);
	nmr_test_expect_no_events(test);
	nmr_test_expect_bound(test, p, c);

	nmr_test_deregister_and_wait(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1),
			       NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_expect_registry_usable(test);
}

static void attach_with_null_out_params_is_rejected(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb;

	c->attach = NMR_TEST_NULL_OUT_PARAMS;
	/* The provider is never asked: one provider_attach event, not three. */
	nmr_test_bind(test, p, c);
	cb = nmr_test_side(test, true, p, c);
	KUNIT_EXPECT_EQ(test, cb->misuse_ret[0], -EINVAL);
	KUNIT_EXPECT_EQ(test, cb->misuse_ret[1], -EINVAL);
	KUNIT_EXPECT_EQ(test, cb->attach_ret[0], 0);

	nmr_test_deregister_and_wait(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1),
			       NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_expect_registry_usable(test);
}

/*
 * Rundown protection (contract 8)
 *
 * NMR trusts a binding's section counts once a grace period has passed
 * since its detach began (rundown.c), which its fence work waits for.
 * Cases that assert what the last exit or complete does on its own thread
 * first wait for that work with nmr_rundown_flush(), a hook exported for
 * KUnit only; without it the fence may be what finishes the side.
 */

static bool nmr_test_enter(struct nmr_test_bctx *b)
{
	return b->client_side ? nmr_client_enter(b->binding) : nmr_provider_enter(b->binding);
}

static void nmr_test_exit(struct nmr_test_bctx *b)
{
	if (b->client_side)
		nmr_client_exit(b->binding);
	else
		nmr_provider_exit(b->binding);
}

/* t->helper: enter t->hold_bctx's side on t->hold_cpu, hold until t->start. */
static int nmr_test_hold_fn(void *arg)
{
	struct nmr_test *t = arg;

	set_cpus_allowed_ptr(current, cpumask_of(t->hold_cpu));
	t->hold_cpu_seen = raw_smp_processor_id();
	t->hold_entered = nmr_test_enter(t->hold_bctx);
	complete(&t->attach_entered);
	if (!t->hold_entered)
		return -ESHUTDOWN;
	wait_for_completion_timeout(&t->start, NMR_TEST_TIMEOUT);
	nmr_test_exit(t->hold_bctx);
	return 0;
}

/* r->waiter: nmr_unregister_*() of @r, on CPU 0. */
static int nmr_test_unregister_on_cpu0_fn(void *arg)
{
	set_cpus_allowed_ptr(current, cpumask_of(0));
	return nmr_test_unregister_fn(arg);
}

static void nmr_test_irq_exit_fn(struct irq_work *work)
{
	struct nmr_test *t = container_of(work, struct nmr_test, irq_work);

	t->irq_in_hardirq = in_hardirq();
	nmr_test_exit(t->irq_bctx);
}

static void client_may_enter_once_attached_inside_its_attach_callback(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb, *pb;

	c->attach = NMR_TEST_ENTER_AROUND_ATTACH;
	nmr_test_bind(test, p, c);
	cb = nmr_test_side(test, true, p, c);
	pb = nmr_test_side(test, false, p, c);
	KUNIT_EXPECT_FALSE(test, cb->enter_before_attach);
	KUNIT_EXPECT_TRUE(test, cb->enter_after_attach);

	KUNIT_EXPECT_TRUE(test, nmr_client_enter(cb->binding));
	KUNIT_EXPECT_TRUE(test, nmr_provider_enter(pb->binding));
	nmr_provider_exit(pb->binding);
	nmr_client_exit(cb->binding);

	/* Every section exited: the wait ends once the grace period has. */
	nmr_test_deregister_and_wait(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1),
			       NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_expect_released(test, p, c);
}

static void enter_fails_on_both_sides_once_detach_began(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb, *pb;

	/* A pending client side keeps the binding alive to try enter on. */
	c->detach = NMR_TEST_DETACH_PENDING;
	nmr_test_bind(test, p, c);
	cb = nmr_test_side(test, true, p, c);
	pb = nmr_test_side(test, false, p, c);

	nmr_test_deregister(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1));
	KUNIT_EXPECT_FALSE(test, nmr_client_enter(cb->binding));
	KUNIT_EXPECT_FALSE(test, nmr_provider_enter(pb->binding));

	nmr_test_start_wait(test, p);
	nmr_test_complete(cb);
	nmr_test_finish_wait(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_expect_released(test, p, c);
}

static void detach_waits_for_a_section_entered_on_another_cpu(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb, *pb;

	if (num_online_cpus() < 2)
		kunit_skip(test, "needs two online CPUs");
	nmr_test_bind(test, p, c);
	cb = nmr_test_side(test, true, p, c);
	pb = nmr_test_side(test, false, p, c);

	t->hold_bctx = cb;
	t->hold_cpu = 1;
	nmr_test_async_start(test, &t->helper, nmr_test_hold_fn, t, "client section on CPU 1");
	KUNIT_ASSERT_TRUE(test, wait_for_completion_timeout(&t->attach_entered, NMR_TEST_TIMEOUT));
	KUNIT_ASSERT_TRUE(test, t->hold_entered);
	KUNIT_EXPECT_EQ(test, t->hold_cpu_seen, 1);

	/* Both detach callbacks return 0; the client side still holds a call. */
	nmr_test_async_start(test, &p->waiter, nmr_test_unregister_on_cpu0_fn, p,
			     "nmr_unregister_provider() on CPU 0");
	nmr_test_expect_waiting(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1));
	KUNIT_EXPECT_FALSE(test, nmr_client_enter(cb->binding));

	nmr_rundown_flush();
	complete_all(&t->start);
	KUNIT_EXPECT_EQ(test, nmr_test_async_finish(test, &t->helper), 0);
	nmr_test_finish_wait(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	KUNIT_EXPECT_PTR_EQ(test, cb->cleanup_task, t->helper.task);
	KUNIT_EXPECT_PTR_EQ(test, pb->cleanup_task, t->helper.task);
	nmr_test_expect_released(test, p, c);
}

static void wait_ends_on_the_last_exit_which_runs_the_cleanups(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb, *pb;

	nmr_test_bind(test, p, c);
	cb = nmr_test_side(test, true, p, c);
	pb = nmr_test_side(test, false, p, c);
	KUNIT_ASSERT_TRUE(test, nmr_client_enter(cb->binding));
	KUNIT_ASSERT_TRUE(test, nmr_client_enter(cb->binding));

	nmr_test_deregister(test, p);
	nmr_test_start_wait(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1));
	nmr_client_exit(cb->binding);
	nmr_test_expect_waiting(test, p);
	nmr_test_expect_no_events(test);

	nmr_rundown_flush();
	nmr_client_exit(cb->binding);
	/* Already done when the last exit returns, on this thread. */
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	KUNIT_EXPECT_PTR_EQ(test, cb->cleanup_task, current);
	KUNIT_EXPECT_PTR_EQ(test, pb->cleanup_task, current);
	nmr_test_finish_wait(test, p);
	nmr_test_expect_released(test, p, c);
}

static void exit_from_hard_irq_completes_the_side(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb, *pb;

	nmr_test_bind(test, p, c);
	cb = nmr_test_side(test, true, p, c);
	pb = nmr_test_side(test, false, p, c);
	KUNIT_ASSERT_TRUE(test, nmr_client_enter(cb->binding));

	nmr_test_deregister(test, p);
	nmr_test_start_wait(test, p);
	nmr_test_expect_waiting(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1));

	nmr_rundown_flush();
	t->irq_bctx = cb;
	irq_work_queue(&t->irq_work);
	irq_work_sync(&t->irq_work);
	KUNIT_EXPECT_TRUE(test, t->irq_in_hardirq);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	KUNIT_EXPECT_TRUE(test, cb->cleanup_in_hardirq);
	KUNIT_EXPECT_TRUE(test, pb->cleanup_in_hardirq);
	nmr_test_finish_wait(test, p);
	nmr_test_expect_released(test, p, c);
}

static void provider_section_keeps_the_provider_side_detaching(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb, *pb;

	nmr_test_bind(test, p, c);
	cb = nmr_test_side(test, true, p, c);
	pb = nmr_test_side(test, false, p, c);
	KUNIT_ASSERT_TRUE(test, nmr_provider_enter(pb->binding));

	nmr_test_deregister(test, c);
	nmr_test_start_wait(test, c);
	nmr_test_expect_waiting(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1));
	KUNIT_EXPECT_FALSE(test, nmr_provider_enter(pb->binding));
	KUNIT_EXPECT_FALSE(test, nmr_client_enter(cb->binding));

	nmr_rundown_flush();
	nmr_provider_exit(pb->binding);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_finish_wait(test, c);
	nmr_test_expect_released(test, p, c);
}

/* A side that pends and holds a section is done only when both are over. */
static void nmr_test_pending_and_entered(struct kunit *test, bool exit_last)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);
	struct nmr_test_bctx *cb;

	c->detach = NMR_TEST_DETACH_PENDING;
	nmr_test_bind(test, p, c);
	cb = nmr_test_side(test, true, p, c);
	KUNIT_ASSERT_TRUE(test, nmr_client_enter(cb->binding));

	nmr_test_deregister(test, p);
	nmr_test_start_wait(test, p);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1));
	if (exit_last)
		nmr_test_complete(cb);
	else
		nmr_client_exit(cb->binding);
	nmr_test_expect_waiting(test, p);
	nmr_test_expect_no_events(test);

	nmr_rundown_flush();
	if (exit_last)
		nmr_client_exit(cb->binding);
	else
		nmr_test_complete(cb);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_finish_wait(test, p);
	nmr_test_expect_released(test, p, c);
}

static void pending_side_with_a_section_finishes_on_the_last_exit(struct kunit *test)
{
	nmr_test_pending_and_entered(test, true);
}

static void pending_side_with_no_section_left_finishes_on_complete(struct kunit *test)
{
	nmr_test_pending_and_entered(test, false);
}

static void enter_and_exit_reject_invalid_bindings(struct kunit *test)
{
	struct nmr_test *t = test->priv;
	struct nmr_test_reg *p = nmr_test_new_provider(test, 1, &t->npi);
	struct nmr_test_reg *c = nmr_test_new_client(test, 1, &t->npi);

	nmr_test_register(test, p);
	nmr_test_register(test, c);
	KUNIT_EXPECT_FALSE(test, nmr_client_enter(NULL));
	KUNIT_EXPECT_FALSE(test, nmr_provider_enter(NULL));
	KUNIT_EXPECT_FALSE(test, nmr_client_enter((struct nmr_binding *)p->provider));
	KUNIT_EXPECT_FALSE(test, nmr_provider_enter((struct nmr_binding *)c->client));
	nmr_client_exit(NULL);
	nmr_provider_exit(NULL);
	nmr_client_exit((struct nmr_binding *)p->provider);
	nmr_provider_exit((struct nmr_binding *)c->client);
	nmr_test_expect_bound(test, p, c);
	nmr_test_deregister_and_wait(test, c);
	NMR_TEST_EXPECT_EVENTS(test, NMR_EV(CLIENT_ATTACH, 1, 1), NMR_EV(PROVIDER_ATTACH, 1, 1),
			       NMR_EV(CLIENT_DETACH, 1, 1), NMR_EV(PROVIDER_DETACH, 1, 1),
			       NMR_EV(CLIENT_CLEANUP, 1, 1), NMR_EV(PROVIDER_CLEANUP, 1, 1));
	nmr_test_expect_registry_usable(test);
}

/* Suite */

/* kunit action, the last to run: free the case's state unless NMR may hold it. */
static void nmr_test_release(void *data)
{
	struct nmr_test *t = data;

	timer_delete_sync(&t->timer);
	irq_work_sync(&t->irq_work);
	nmr_test_unblock(t);
	if (!nmr_test_async_wait(&t->helper, NMR_TEST_TIMEOUT))
		t->leak = true;
	if (t->leak) {
		pr_err("nmr_core_test: NMR may still use this case's memory; leaking it\n");
		return;
	}
	kfree(t);
}

static int nmr_test_init(struct kunit *test)
{
	struct nmr_test *t;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	spin_lock_init(&t->lock);
	spin_lock_init(&t->atomic_lock);
	init_completion(&t->attach_entered);
	init_completion(&t->attach_gate);
	init_completion(&t->start);
	init_completion(&t->deregistered);
	init_completion(&t->helper.done);
	timer_setup(&t->timer, nmr_test_timer_fn, 0);
	t->irq_work = IRQ_WORK_INIT_HARD(nmr_test_irq_exit_fn);
	guid_gen(&t->npi);
	guid_gen(&t->npi_b);
	guid_gen(&t->npi_c);
	guid_gen(&t->module_guid);
	t->next_id = 1000;
	test->priv = t;
	return kunit_add_action_or_reset(test, nmr_test_release, t);
}

static struct kunit_case nmr_core_test_cases[] = {
	KUNIT_CASE(provider_registered_alone_gets_no_callbacks),
	KUNIT_CASE(client_registered_alone_gets_no_callbacks),
	KUNIT_CASE(provider_registering_after_client_attaches_before_register_returns),
	KUNIT_CASE(client_registering_after_provider_attaches_before_register_returns),
	KUNIT_CASE(provider_deregistration_detaches_and_cleans_up_before_wait_returns),
	KUNIT_CASE(client_deregistration_detaches_and_cleans_up_before_wait_returns),
	KUNIT_CASE(client_left_by_its_provider_binds_to_a_later_provider),
	KUNIT_CASE(wait_returns_after_pending_client_detach_completes),
	KUNIT_CASE(wait_returns_after_pending_provider_detach_completes),
	KUNIT_CASE(both_pending_completed_client_first_clean_up_on_last_complete),
	KUNIT_CASE(both_pending_completed_provider_first_clean_up_on_last_complete),
	KUNIT_CASE(detach_completed_on_another_thread_cleans_up_on_that_thread),
	KUNIT_CASE(detach_completed_inside_detach_callbacks_finishes_at_once),
	KUNIT_CASE(detach_completed_from_a_timer_cleans_up_in_softirq),
	KUNIT_CASE(detach_completed_with_irqs_off_cleans_up_with_irqs_off),
	KUNIT_CASE(deregistration_works_with_irqs_off),
	KUNIT_CASE(client_declining_leaves_the_pair_unbound),
	KUNIT_CASE(provider_declining_returns_its_error_to_the_client),
	KUNIT_CASE(client_may_retry_attach_after_provider_declines),
	KUNIT_CASE(client_failing_after_attach_detaches_only_the_provider_side),
	KUNIT_CASE(client_returning_zero_without_attaching_declines),
	KUNIT_CASE(equal_npi_ids_in_different_memory_match),
	KUNIT_CASE(different_npi_ids_do_not_match),
	KUNIT_CASE(three_providers_and_four_clients_make_twelve_bindings),
	KUNIT_CASE(provider_deregistering_leaves_other_providers_bound),
	KUNIT_CASE(re_registered_provider_binds_again),
	KUNIT_CASE(new_provider_is_offered_to_clients_in_registration_order),
	KUNIT_CASE(new_client_is_offered_providers_in_registration_order),
	KUNIT_CASE(module_can_provide_one_npi_and_use_another),
	KUNIT_CASE(provider_deregistering_during_attach_detaches_the_new_binding),
	KUNIT_CASE(client_deregistering_during_its_attach_detaches_the_new_binding),
	KUNIT_CASE(provider_deregistering_before_its_queued_offer_is_never_offered),
	KUNIT_CASE(client_deregistering_during_its_register_gets_no_further_offers),
	KUNIT_CASE(attach_callback_may_register_and_deregister),
	KUNIT_CASE(binding_detaching_is_not_detached_again_when_its_peer_deregisters),
	KUNIT_CASE(both_sides_deregistering_at_once_detach_the_binding_once),
	KUNIT_CASE(refuse_unload_pins_the_module_once_until_request_unload),
	KUNIT_CASE(request_unload_without_refuse_unload_fails),
	KUNIT_CASE(refuse_and_request_unload_work_with_irqs_off),
	KUNIT_CASE(deregistering_a_refusing_registration_releases_its_pin),
	KUNIT_CASE(unregister_provider_returns_once_its_bindings_are_cleaned_up),
	KUNIT_CASE(unregister_client_returns_once_its_bindings_are_cleaned_up),
	KUNIT_CASE(wait_with_timeout_times_out_and_leaves_the_handle_usable),
	KUNIT_CASE(wait_with_timeout_after_a_timeout_may_be_a_plain_wait),
	KUNIT_CASE(wait_with_timeout_returns_at_once_when_already_complete),
	KUNIT_CASE_PARAM(register_provider_rejects_bad_arguments, nmr_test_bad_args_gen_params),
	KUNIT_CASE_PARAM(register_client_rejects_bad_arguments, nmr_test_bad_args_gen_params),
	KUNIT_CASE(null_handles_are_rejected),
	KUNIT_CASE(handles_of_the_wrong_type_are_rejected),
	KUNIT_CASE(deregistering_twice_is_rejected),
	KUNIT_CASE(waiting_before_deregistering_is_rejected),
	KUNIT_CASE(complete_before_detach_is_ignored),
	KUNIT_CASE(second_complete_is_ignored),
	KUNIT_CASE(complete_by_a_side_that_did_not_pend_is_ignored),
	KUNIT_CASE(attach_outside_the_attach_callback_is_rejected),
	KUNIT_CASE(attach_with_null_out_params_is_rejected),
	{}
};

static struct kunit_suite nmr_core_test_suite = {
	.name = "nmr_core",
	.init = nmr_test_init,
	.test_cases = nmr_core_test_cases,
};

static struct kunit_case nmr_rundown_test_cases[] = {
	KUNIT_CASE(client_may_enter_once_attached_inside_its_attach_callback),
	KUNIT_CASE(enter_fails_on_both_sides_once_detach_began),
	KUNIT_CASE(detach_waits_for_a_section_entered_on_another_cpu),
	KUNIT_CASE(wait_ends_on_the_last_exit_which_runs_the_cleanups),
	KUNIT_CASE(exit_from_hard_irq_completes_the_side),
	KUNIT_CASE(provider_section_keeps_the_provider_side_detaching),
	KUNIT_CASE(pending_side_with_a_section_finishes_on_the_last_exit),
	KUNIT_CASE(pending_side_with_no_section_left_finishes_on_complete),
	KUNIT_CASE(enter_and_exit_reject_invalid_bindings),
	{}
};

static struct kunit_suite nmr_rundown_test_suite = {
	.name = "nmr_rundown",
	.init = nmr_test_init,
	.test_cases = nmr_rundown_test_cases,
};

kunit_test_suites(&nmr_core_test_suite, &nmr_rundown_test_suite);

MODULE_DESCRIPTION("KUnit tests for the NMR core");
MODULE_LICENSE("GPL");
NMR_IMPORT_NS();
NMR_IMPORT_NS_FOR_KUNIT();
