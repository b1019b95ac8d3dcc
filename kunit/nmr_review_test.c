// SPDX-License-Identifier: GPL-2.0
/*
 * Regression cases for the findings of the adversarial review of the NMR
 * core (issue 12, "What was found"), through the public API only.  Each
 * case is named for what the contract promises; the comment above it
 * names the finding.  Finding 4, a weak-memory ordering hole, cannot show
 * on x86 and has no case here.
 *
 * The findings are interleavings, and the cases build them on purpose:
 * the threads that race are kthreads pinned to CPUs 0 and 1.  Where the
 * window is the few instructions after NMR drops nmr_lock, the thread that
 * must run inside it is a SCHED_FIFO kthread on the victim's CPU, made
 * runnable while the victim holds the lock: it then runs at the unlock,
 * so the window is hit every round instead of by luck.
 *
 * Three findings are reads of freed memory that only KASAN sees, by the
 * arguments of NMR's pr_debug() lines and trace events, which are
 * evaluated only when enabled.  Those cases turn all of them on while they
 * run, through /proc/dynamic_debug/control and tracefs, from a shell the
 * case starts (kernel_write() cannot write either file: they have no
 * ->write_iter).  They pass only if the kernel printed no report
 * meanwhile: the harness fails the case whose result line follows a
 * splat.
 *
 * Whatever may block runs in a kthread the case waits for with a timeout,
 * so a hang fails the case instead of hanging the suite.  After such a
 * timeout the case's memory is leaked, and the module pinned, since a
 * hung thread still runs this module's code.
 */
#include <kunit/resource.h>
#include <kunit/test.h>
#include <linux/atomic.h>
#include <linux/bitmap.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/jiffies.h>
#include <linux/kthread.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/umh.h>
#include <linux/uuid.h>

#include <nmr/netioddk.h>
#include <nmr/nmr.h>
#include <nmr/nmr_kunit.h>

#include "nmr_test_chars.h"

/* Long enough for a debug kernel under TCG; a hung core still fails fast. */
#define RV_TIMEOUT		(10 * HZ)
/* How long something that must not happen yet is given to happen. */
#define RV_NOT_YET		(HZ / 10)
#define RV_THREADS		4
#define RV_MAX_REGS		4
#define RV_LOG_SIZE		256

/* Finding 1: enough peers that the register call runs for a while. */
#define RV_PUBLISH_PEERS	1500
/* Registers tried until one draws -ENOMEM rather than a kmemleak failure. */
#define RV_ENOMEM_TRIES		20
/* Finding 2: rounds of each decline. */
#define RV_DECLINE_ROUNDS	10
/*
 * Finding 3: rounds for each band of delays of the second wait, a band
 * being RV_TWO_WAITS_BAND microseconds wide (a case of under 30 s each,
 * or insmod, waiting for it, looks like a hung task).
 */
#define RV_TWO_WAITS_ROUNDS	100
#define RV_TWO_WAITS_BAND	25
#define RV_TWO_WAITS_SPREAD	(4 * RV_TWO_WAITS_BAND)
/* Finding 7. */
#define RV_ENTER_BINDINGS	50
#define RV_COMPLETE_ROUNDS	100

static const u32 rv_dispatch = 0x52455657;	/* "REVW" */

struct rv;

/* A call into NMR made on a kthread, so the case can wait with a timeout. */
struct rv_thread {
	int (*fn)(void *arg);
	void *arg;
	int ret;
	bool started;
	bool finished;
	/* Referenced from its start to the end of the case. */
	struct task_struct *task;
	struct completion done;
	/* A KASAN report on the thread fails the case, as on the case's own. */
	struct kunit *test;
};

/*
 * A registration with at most one binding at a time, for the cases about
 * one pair.  It is its own binding context, so its callbacks count.
 */
struct rv_reg {
	struct rv *t;
	bool is_client;
	union {
		struct nmr_provider_characteristics pchars;
		struct nmr_client_characteristics cchars;
	};
	union {
		struct nmr_provider *provider;
		struct nmr_client *client;
	};
	/* The binding the attach callback was given. */
	struct nmr_binding *binding;
	/*
	 * Runs in the attach callback, a client's instead of attaching, a
	 * provider's before accepting; a non-zero return is the callback's.
	 */
	int (*hook)(struct rv_reg *r, struct nmr_binding *binding);
	int hook_ret[2];
	/* The detach callback returns -EINPROGRESS, and did. */
	bool pend;
	bool pending;
	/* nmr_client_enter() inside the attach callback succeeded. */
	bool entered;
	atomic_t attached;
	atomic_t detached;
	atomic_t cleaned;
	atomic_t completes;
	struct task_struct *cleanup_task;
	bool registered;
	bool deregistered;
	bool waited;
};

/* Finding 1: one provider of many, with what each side of its binding saw. */
struct rv_peer {
	struct nmr_provider_characteristics chars;
	struct nmr_provider *handle;
	bool registered;
	atomic_t p_attached;
	atomic_t p_detached;
	atomic_t p_cleaned;
	atomic_t c_attached;
	atomic_t c_detached;
	atomic_t c_cleaned;
};

/* Finding 1: a client registering with many peers, and a racer. */
struct rv_publish {
	struct rv_peer *peers;
	unsigned int nr_peers;
	struct nmr_client_characteristics cchars;
	NPI_CLIENT_CHARACTERISTICS wchars;
	bool win;
	/* The racer refuses unload instead of deregistering. */
	bool refuse;
	/* fail-nth of the register call's thread. */
	int fail_nth;
	/* Written by the register call, polled by the racer. */
	struct nmr_client *client;
	HANDLE whandle;
	bool register_done;
	bool registered;
	bool deregistered;
	bool waited;
};

/* Finding 6: a Windows or native registration and the context it binds with. */
struct rv_wreg {
	struct rv *t;
	const char *name;
	bool win;
	bool is_client;
	union {
		NPI_CLIENT_CHARACTERISTICS wc;
		NPI_PROVIDER_CHARACTERISTICS wp;
		struct nmr_client_characteristics nc;
		struct nmr_provider_characteristics np;
	};
	union {
		HANDLE handle;
		struct nmr_client *client;
		struct nmr_provider *provider;
	};
	void *context;
	int attach_status;
	bool registered;
	bool deregistered;
	bool waited;
};

/* Finding 7a: providers whose attach callbacks hand their binding to a racer. */
struct rv_enter {
	struct nmr_provider_characteristics pchars;
	struct nmr_provider *providers[RV_ENTER_BINDINGS];
	unsigned int nr_providers;
	struct nmr_client_characteristics cchars;
	struct nmr_client *client;
	bool client_registered;
	struct nmr_binding *published;
	unsigned int taken;
	unsigned int failed;
	bool stuck;
};

/* Per-case state, test->priv. */
struct rv {
	/* Protects the log. */
	spinlock_t lock;
	char log[RV_LOG_SIZE];
	size_t log_len;
	/* The case is over: detach callbacks stop pending. */
	bool teardown;
	/* A wait or a thread timed out: NMR or a thread may still use this. */
	bool leak;
	/* Windows registrations' NpiIds too: GUIDs, 4-aligned. */
	guid_t npi[2] __aligned(__alignof__(GUID));
	struct rv_thread th[RV_THREADS];
	struct completion kick;
	struct rv_reg *regs[RV_MAX_REGS];
	unsigned int nr_regs;
	/* Findings 2 and 3: whose wait frees it, who registers, who pends. */
	struct rv_reg *victim;
	struct rv_reg *offerer;
	struct rv_reg *pender;
	bool register_done;
	bool freed_in_window;
	/* Finding 3: the timed wait's progress, and the second wait's delay. */
	bool w1_armed;
	bool w1_returned;
	unsigned int delay_us;
	/* Finding 7b: both completes start. */
	bool go;
	struct rv_publish pub;
	struct rv_enter en;
	/* Finding 6: [is_client][NPI], and the context under test. */
	struct rv_wreg *wregs[2][2];
	void *wctx;
	int wshared;
};

/* The Windows callbacks of finding 6 get no pointer to the case when the context is NULL. */
static struct rv *rv_current;

/* Threads */

static int rv_thread_fn(void *data)
{
	struct rv_thread *th = data;

	current->kunit_test = th->test;
	th->ret = th->fn(th->arg);
	current->kunit_test = NULL;
	kthread_complete_and_exit(&th->done, 0);
}

/* Runs @fn(@arg) on a new kthread, bound to @cpu unless negative, SCHED_FIFO if @fifo. */
static bool rv_run(struct rv_thread *th, int (*fn)(void *arg), void *arg, int cpu, bool fifo)
{
	struct task_struct *task;

	if (th->started && !th->finished)
		return false;
	if (th->task)
		put_task_struct(th->task);
	th->task = NULL;
	th->fn = fn;
	th->arg = arg;
	th->started = false;
	th->finished = false;
	reinit_completion(&th->done);
	task = kthread_create(rv_thread_fn, th, "nmr_review");
	if (IS_ERR(task))
		return false;
	th->task = get_task_struct(task);
	th->started = true;
	if (cpu >= 0)
		kthread_bind(task, cpu);
	if (fifo)
		sched_set_fifo(task);
	wake_up_process(task);
	return true;
}

static void rv_start(struct kunit *test, struct rv_thread *th, int (*fn)(void *arg), void *arg,
		     int cpu, bool fifo)
{
	KUNIT_ASSERT_TRUE_MSG(test, rv_run(th, fn, arg, cpu, fifo), "could not start a kthread");
}

/* Whether @th has returned, waiting for it at most @timeout. */
static bool rv_wait_thread(struct rv_thread *th, unsigned long timeout)
{
	if (!th->started || th->finished)
		return true;
	th->finished = wait_for_completion_timeout(&th->done, timeout);
	return th->finished;
}

/* What @th returned; fails the case, and leaks it, if it did not return in time. */
static int rv_finish(struct kunit *test, struct rv_thread *th, const char *what)
{
	struct rv *t = test->priv;

	if (!rv_wait_thread(th, RV_TIMEOUT)) {
		t->leak = true;
		KUNIT_FAIL_AND_ABORT(test, "%s did not return within %d s", what, RV_TIMEOUT / HZ);
	}
	return th->ret;
}

/* Waits for every thread of the case; false if one is still running. */
static bool rv_quiesce(struct rv *t)
{
	unsigned int i;

	for (i = 0; i < RV_THREADS && !t->leak; i++)
		if (!rv_wait_thread(&t->th[i], RV_TIMEOUT))
			t->leak = true;
	return !t->leak;
}

static void rv_require_two_cpus(struct kunit *test)
{
	if (num_online_cpus() < 2 || !cpu_online(0) || !cpu_online(1))
		kunit_skip(test, "needs CPUs 0 and 1 online");
}

/* Log of callbacks, for finding 6 */

static void rv_log(struct rv *t, const char *name, const char *event, bool right_context)
{
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	t->log_len += scnprintf(t->log + t->log_len, sizeof(t->log) - t->log_len, "%s%s.%s%s",
				t->log_len ? " " : "", name, event,
				right_context ? "" : "(wrong context)");
	spin_unlock_irqrestore(&t->lock, flags);
}

/* The callbacks since the last check are exactly @want, in that order. */
static void rv_expect_log(struct kunit *test, const char *want)
{
	struct rv *t = test->priv;
	unsigned long flags;
	char *seen;

	seen = kunit_kzalloc(test, RV_LOG_SIZE, GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, seen);
	spin_lock_irqsave(&t->lock, flags);
	memcpy(seen, t->log, t->log_len);
	t->log_len = 0;
	spin_unlock_irqrestore(&t->lock, flags);
	KUNIT_EXPECT_STREQ(test, seen, want);
}

/* NMR's debug lines */

static int rv_shell(const char *cmd)
{
	char *envp[3], *argv[4];

	envp[0] = "HOME=/";
	envp[1] = "PATH=/sbin:/bin:/usr/sbin:/usr/bin";
	envp[2] = NULL;
	argv[0] = "/bin/sh";
	argv[1] = "-c";
	argv[2] = (char *)cmd;
	argv[3] = NULL;
	return call_usermodehelper(argv[0], argv, envp, UMH_WAIT_PROC);
}

#define RV_DYNDBG	"/proc/dynamic_debug/control"
#define RV_EVENTS	"/sys/kernel/tracing/events/nmr/enable"

/* kunit action */
static void rv_debug_off(void *data)
{
	rv_shell("echo 'module nmr -p' >" RV_DYNDBG ";"
		 " [ ! -w " RV_EVENTS " ] || echo 0 >" RV_EVENTS);
}

/*
 * Turns on every pr_debug() line and trace event of nmr.ko until the case
 * ends, so that their arguments are evaluated: a log line that names a
 * freed registration or binding is then a read KASAN reports.
 */
static void rv_debug_on(struct kunit *test)
{
	int ret;

	if (!IS_ENABLED(CONFIG_DYNAMIC_DEBUG))
		kunit_skip(test, "needs CONFIG_DYNAMIC_DEBUG to evaluate NMR's debug lines");
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, rv_debug_off, NULL), 0);
	ret = rv_shell("echo 'module nmr +p' >" RV_DYNDBG " && grep -q '\\[nmr\\].* =p' " RV_DYNDBG
		       " && { [ ! -w " RV_EVENTS " ] || echo 1 >" RV_EVENTS "; }");
	KUNIT_ASSERT_EQ_MSG(test, ret, 0, "could not turn on nmr's debug lines in " RV_DYNDBG);
}

/* Registrations of one pair */

static const char *rv_role(const struct rv_reg *r)
{
	return r->is_client ? "client" : "provider";
}

static int rv_attach_provider(struct rv_reg *c, struct nmr_binding *binding)
{
	const void *dispatch;
	void *context;
	int ret;

	ret = nmr_client_attach_provider(binding, c, &rv_dispatch, &context, &dispatch);
	if (!ret)
		atomic_inc(&c->attached);
	return ret;
}

static int rv_client_attach(struct nmr_binding *binding, void *client_context,
			    const struct nmr_registration_instance *provider)
{
	struct rv_reg *c = client_context;

	WRITE_ONCE(c->binding, binding);
	if (c->hook)
		return c->hook(c, binding);
	return rv_attach_provider(c, binding);
}

static int rv_provider_attach(struct nmr_binding *binding, void *provider_context,
			      const struct nmr_registration_instance *client,
			      void *client_binding_context, const void *client_dispatch,
			      void **provider_binding_context, const void **provider_dispatch)
{
	struct rv_reg *p = provider_context;
	int ret;

	WRITE_ONCE(p->binding, binding);
	if (p->hook) {
		ret = p->hook(p, binding);
		if (ret)
			return ret;
	}
	*provider_binding_context = p;
	*provider_dispatch = &rv_dispatch;
	atomic_inc(&p->attached);
	return 0;
}

static int rv_detach(void *binding_context)
{
	struct rv_reg *r = binding_context;

	atomic_inc(&r->detached);
	if (!READ_ONCE(r->pend) || READ_ONCE(r->t->teardown))
		return 0;
	WRITE_ONCE(r->pending, true);
	return -EINPROGRESS;
}

static void rv_cleanup(void *binding_context)
{
	struct rv_reg *r = binding_context;

	WRITE_ONCE(r->cleanup_task, current);
	atomic_inc(&r->cleaned);
}

static void rv_complete(struct rv_reg *r)
{
	atomic_inc(&r->completes);
	if (r->is_client)
		nmr_client_detach_provider_complete(r->binding);
	else
		nmr_provider_detach_client_complete(r->binding);
}

static int rv_register_call(struct rv_reg *r)
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

static int rv_register_fn(void *arg)
{
	return rv_register_call(arg);
}

static int rv_deregister_call(struct rv_reg *r)
{
	r->deregistered = true;
	if (r->is_client)
		return nmr_deregister_client(r->client);
	return nmr_deregister_provider(r->provider);
}

static int rv_wait_call(struct rv_reg *r, unsigned long timeout)
{
	int ret;

	if (r->is_client)
		ret = nmr_wait_for_client_deregister_complete_timeout(r->client, timeout);
	else
		ret = nmr_wait_for_provider_deregister_complete_timeout(r->provider, timeout);
	/* On success the handle is gone: never wait on it again. */
	if (!ret)
		r->waited = true;
	return ret;
}

/* Completes every pending detach that nothing completed, so waits can end. */
static void rv_unpend(struct rv *t)
{
	unsigned int i;

	WRITE_ONCE(t->teardown, true);
	for (i = 0; i < t->nr_regs; i++) {
		struct rv_reg *r = t->regs[i];

		if (r && READ_ONCE(r->pending) && !atomic_read(&r->completes))
			rv_complete(r);
	}
}

/* kunit action: deregister and wait for @r unless the case did, then free it. */
static void rv_reg_release(void *data)
{
	struct rv_reg *r = data;
	struct rv *t = r->t;
	unsigned int i;

	if (!rv_quiesce(t))
		goto leak;
	rv_unpend(t);
	if (r->registered && !r->waited) {
		if (!r->deregistered)
			rv_deregister_call(r);
		if (rv_wait_call(r, RV_TIMEOUT))
			goto leak;
	}
	for (i = 0; i < t->nr_regs; i++)
		if (t->regs[i] == r)
			t->regs[i] = NULL;
	kfree(r);
	return;
leak:
	pr_err("nmr_review_test: a %s never finished deregistering; leaking it\n", rv_role(r));
	t->leak = true;
}

static struct rv_reg *rv_new(struct kunit *test, bool is_client, const guid_t *npi)
{
	struct rv *t = test->priv;
	struct rv_reg *r;

	KUNIT_ASSERT_LT(test, t->nr_regs, RV_MAX_REGS);
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->t = t;
	r->is_client = is_client;
	if (is_client)
		nmr_test_client_chars(&r->cchars, npi, rv_client_attach, rv_detach, rv_cleanup);
	else
		nmr_test_provider_chars(&r->pchars, npi, rv_provider_attach, rv_detach, rv_cleanup);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, rv_reg_release, r), 0);
	t->regs[t->nr_regs++] = r;
	return r;
}

/* Makes @r, whose wait returned, ready to register again. */
static void rv_reset(struct rv_reg *r)
{
	r->binding = NULL;
	r->hook_ret[0] = 0;
	r->hook_ret[1] = 0;
	r->pending = false;
	r->entered = false;
	atomic_set(&r->attached, 0);
	atomic_set(&r->detached, 0);
	atomic_set(&r->cleaned, 0);
	atomic_set(&r->completes, 0);
	r->cleanup_task = NULL;
	r->registered = false;
	r->deregistered = false;
	r->waited = false;
}

static void rv_register(struct kunit *test, struct rv_reg *r)
{
	KUNIT_ASSERT_EQ_MSG(test, rv_register_call(r), 0, "registering the %s", rv_role(r));
}

static void rv_deregister(struct kunit *test, struct rv_reg *r)
{
	KUNIT_EXPECT_EQ_MSG(test, rv_deregister_call(r), -EINPROGRESS, "deregistering the %s",
			    rv_role(r));
}

static void rv_wait(struct kunit *test, struct rv_reg *r)
{
	KUNIT_ASSERT_EQ_MSG(test, rv_wait_call(r, RV_TIMEOUT), 0, "waiting for the %s",
			    rv_role(r));
}

/* NMR holds what it held at @base. */
static void rv_expect_alive(struct kunit *test, const struct nmr_kunit_alive *base)
{
	struct nmr_kunit_alive now;

	nmr_kunit_count_alive(&now);
	KUNIT_EXPECT_EQ_MSG(test, now.npis, base->npis, "NPI entries left behind");
	KUNIT_EXPECT_EQ_MSG(test, now.regs, base->regs, "registrations left behind");
	KUNIT_EXPECT_EQ_MSG(test, now.bindings, base->bindings, "bindings left behind");
}

/*
 * Finding 1: a handle used on another thread the moment it is published.
 *
 * A client registers with RV_PUBLISH_PEERS providers of its NPI on CPU 0,
 * so that the register call runs for a while; a racer on CPU 1 polls the
 * handle and uses it as soon as it is not NULL.  Contract 2: from the
 * moment any thread can read the handle it is valid for every entry point,
 * and a deregistration made during the register call is a late comer.
 */

static int rv_peer_attach(struct nmr_binding *binding, void *provider_context,
			  const struct nmr_registration_instance *client,
			  void *client_binding_context, const void *client_dispatch,
			  void **provider_binding_context, const void **provider_dispatch)
{
	struct rv_peer *peer = provider_context;

	atomic_inc(&peer->p_attached);
	*provider_binding_context = peer;
	*provider_dispatch = &rv_dispatch;
	return 0;
}

static int rv_peer_detach(void *provider_binding_context)
{
	struct rv_peer *peer = provider_binding_context;

	atomic_inc(&peer->p_detached);
	return 0;
}

static void rv_peer_cleanup(void *provider_binding_context)
{
	struct rv_peer *peer = provider_binding_context;

	atomic_inc(&peer->p_cleaned);
}

static struct rv_peer *rv_peer_of(struct rv_publish *s, u32 number)
{
	return number < s->nr_peers ? &s->peers[number] : NULL;
}

static int rv_many_attach(struct nmr_binding *binding, void *client_context,
			  const struct nmr_registration_instance *provider)
{
	struct rv_peer *peer = rv_peer_of(client_context, provider->number);
	const void *dispatch;
	void *context;
	int ret;

	if (!peer)
		return -ENODEV;
	ret = nmr_client_attach_provider(binding, peer, &rv_dispatch, &context, &dispatch);
	if (!ret)
		atomic_inc(&peer->c_attached);
	return ret;
}

static int rv_many_detach(void *client_binding_context)
{
	struct rv_peer *peer = client_binding_context;

	atomic_inc(&peer->c_detached);
	return 0;
}

static void rv_many_cleanup(void *client_binding_context)
{
	struct rv_peer *peer = client_binding_context;

	atomic_inc(&peer->c_cleaned);
}

static NTSTATUS rv_many_win_attach(HANDLE NmrBindingHandle, PVOID ClientContext,
				   PNPI_REGISTRATION_INSTANCE ProviderRegistrationInstance)
{
	struct rv_peer *peer = rv_peer_of(ClientContext, ProviderRegistrationInstance->Number);
	const void *dispatch;
	NTSTATUS status;
	PVOID context;

	if (!peer)
		return STATUS_NOINTERFACE;
	status = NmrClientAttachProvider(NmrBindingHandle, peer, &rv_dispatch, &context, &dispatch);
	if (status == STATUS_SUCCESS)
		atomic_inc(&peer->c_attached);
	return status;
}

static NTSTATUS rv_many_win_detach(PVOID ClientBindingContext)
{
	rv_many_detach(ClientBindingContext);
	return STATUS_SUCCESS;
}

static void rv_fail_nth(int nth)
{
#ifdef CONFIG_FAULT_INJECTION
	WRITE_ONCE(current->fail_nth, nth);
#endif
}

/* CPU 0: register the client, through the API the case picked. */
static int rv_publish_register_fn(void *arg)
{
	struct rv_publish *s = arg;
	int ret;

	rv_fail_nth(s->fail_nth);
	if (s->win)
		ret = NmrRegisterClient(&s->wchars, s, &s->whandle);
	else
		ret = nmr_register_client(&s->cchars, s, &s->client);
	rv_fail_nth(0);
	/* Pairs with the racer's acquire: the handle it reads then is final. */
	smp_store_release(&s->register_done, true);
	return ret;
}

/* CPU 1: use the handle the moment it is published; -ENOENT if it never is. */
static int rv_publish_racer_fn(void *arg)
{
	struct rv_publish *s = arg;
	unsigned long deadline = jiffies + RV_TIMEOUT;
	void *handle;
	bool done;

	do {
		/* Pairs with the register thread's release. */
		done = smp_load_acquire(&s->register_done);
		handle = s->win ? READ_ONCE(s->whandle) : (void *)READ_ONCE(s->client);
		if (handle || done)
			break;
		cpu_relax();
	} while (time_before(jiffies, deadline));
	if (!handle)
		return -ENOENT;
	if (s->refuse)
		return nmr_client_refuse_unload(handle);
	return s->win ? NmrDeregisterClient(handle) : nmr_deregister_client(handle);
}

static int rv_publish_wait_fn(void *arg)
{
	struct rv_publish *s = arg;
	int ret;

	if (s->win)
		ret = NmrWaitForClientDeregisterComplete(s->whandle);
	else
		ret = nmr_wait_for_client_deregister_complete(s->client);
	if (!ret)
		s->waited = true;
	return ret;
}

/* Deregisters and waits for every peer still registered; how many failed. */
static unsigned int rv_publish_drop_peers(struct rv_publish *s)
{
	unsigned int i, failed = 0;

	for (i = 0; i < s->nr_peers; i++) {
		struct rv_peer *peer = &s->peers[i];

		if (!peer->registered)
			continue;
		if (nmr_deregister_provider(peer->handle) != -EINPROGRESS ||
		    nmr_wait_for_provider_deregister_complete_timeout(peer->handle, RV_TIMEOUT)) {
			failed++;
			continue;
		}
		peer->registered = false;
	}
	return failed;
}

/* kunit action: deregister the client and the peers unless the case did. */
static void rv_publish_release(void *data)
{
	struct rv *t = data;
	struct rv_publish *s = &t->pub;

	if (!rv_quiesce(t))
		goto leak;
	if (s->registered && !s->waited) {
		if (!s->deregistered) {
			if (s->win)
				NmrDeregisterClient(s->whandle);
			else
				nmr_deregister_client(s->client);
		}
		if (!rv_run(&t->th[0], rv_publish_wait_fn, s, -1, false) ||
		    !rv_wait_thread(&t->th[0], RV_TIMEOUT) || !s->waited)
			goto leak;
	}
	if (rv_publish_drop_peers(s))
		goto leak;
	kvfree(s->peers);
	s->peers = NULL;
	return;
leak:
	pr_err("nmr_review_test: the client or its peers never finished deregistering; leaking them\n");
	t->leak = true;
}

/* Registers RV_PUBLISH_PEERS providers, each with its number. */
static void rv_publish_setup(struct kunit *test, bool win)
{
	struct rv *t = test->priv;
	struct rv_publish *s = &t->pub;
	NPI_REGISTRATION_INSTANCE *wi;
	unsigned int i;

	s->peers = kvcalloc(RV_PUBLISH_PEERS, sizeof(*s->peers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, s->peers);
	s->nr_peers = RV_PUBLISH_PEERS;
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, rv_publish_release, t), 0);
	s->win = win;
	nmr_test_client_chars(&s->cchars, &t->npi[0], rv_many_attach, rv_many_detach,
			      rv_many_cleanup);
	s->wchars.Length = sizeof(s->wchars);
	s->wchars.ClientAttachProvider = rv_many_win_attach;
	s->wchars.ClientDetachProvider = rv_many_win_detach;
	s->wchars.ClientCleanupBindingContext = rv_many_cleanup;
	wi = &s->wchars.ClientRegistrationInstance;
	wi->Size = sizeof(*wi);
	wi->NpiId = (const GUID *)&t->npi[0];
	for (i = 0; i < s->nr_peers; i++) {
		struct rv_peer *peer = &s->peers[i];

		nmr_test_provider_chars(&peer->chars, &t->npi[0], rv_peer_attach, rv_peer_detach,
					rv_peer_cleanup)->number = i;
		KUNIT_ASSERT_EQ(test, nmr_register_provider(&peer->chars, peer, &peer->handle), 0);
		peer->registered = true;
	}
}

/*
 * Whether each side of every binding that attached was detached and
 * cleaned up once; returns how many attached.
 */
static unsigned int rv_publish_expect_balanced(struct kunit *test, struct rv_publish *s)
{
	unsigned int i, attached = 0, bad = 0, first = 0;

	for (i = 0; i < s->nr_peers; i++) {
		struct rv_peer *peer = &s->peers[i];
		int n = atomic_read(&peer->p_attached);

		attached += n;
		if (n > 1 || atomic_read(&peer->c_attached) != n ||
		    atomic_read(&peer->p_detached) != n || atomic_read(&peer->c_detached) != n ||
		    atomic_read(&peer->p_cleaned) != n || atomic_read(&peer->c_cleaned) != n) {
			if (!bad++)
				first = i;
		}
	}
	KUNIT_EXPECT_EQ_MSG(test, bad, 0,
			    "%u bindings were not detached and cleaned up once per side; the first is provider %u: attached %d/%d, detached %d/%d, cleaned up %d/%d (provider/client)",
			    bad, first, atomic_read(&s->peers[first].p_attached),
			    atomic_read(&s->peers[first].c_attached),
			    atomic_read(&s->peers[first].p_detached),
			    atomic_read(&s->peers[first].c_detached),
			    atomic_read(&s->peers[first].p_cleaned),
			    atomic_read(&s->peers[first].c_cleaned));
	kunit_info(test, "%u of %u offers attached before the deregistration\n", attached,
		   s->nr_peers);
	return attached;
}

static void rv_publish_race(struct kunit *test, bool win)
{
	struct rv *t = test->priv;
	struct rv_publish *s = &t->pub;
	int pending = win ? STATUS_PENDING : -EINPROGRESS;
	struct nmr_kunit_alive base;
	int ret;

	rv_require_two_cpus(test);
	nmr_kunit_count_alive(&base);
	rv_publish_setup(test, win);

	rv_start(test, &t->th[1], rv_publish_racer_fn, s, 1, false);
	rv_start(test, &t->th[0], rv_publish_register_fn, s, 0, false);
	ret = rv_finish(test, &t->th[0], "the register call");
	s->registered = !ret;
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "the register call");
	ret = rv_finish(test, &t->th[1], "the racer");
	s->deregistered = ret == pending;
	KUNIT_EXPECT_EQ_MSG(test, ret, pending,
			    "deregistering the handle the moment it was published");
	KUNIT_ASSERT_TRUE(test, s->registered && s->deregistered);

	rv_start(test, &t->th[2], rv_publish_wait_fn, s, -1, false);
	KUNIT_EXPECT_EQ_MSG(test, rv_finish(test, &t->th[2], "the deregistration wait"), 0,
			    "the deregistration wait");
	/* A deregistration made during the offers leaves the rest unmade. */
	KUNIT_EXPECT_LT_MSG(test, rv_publish_expect_balanced(test, s), s->nr_peers,
			    "every offer attached: the deregistration came after them, no race was run");
	KUNIT_EXPECT_EQ(test, rv_publish_drop_peers(s), 0);
	rv_expect_alive(test, &base);
}

static void deregistering_a_handle_the_moment_it_is_published_is_a_late_comer(struct kunit *test)
{
	rv_publish_race(test, false);
}

static void
deregistering_a_windows_handle_the_moment_it_is_published_is_a_late_comer(struct kunit *test)
{
	rv_publish_race(test, true);
}

/* The attach callbacks of the peers run so far. */
static unsigned int rv_publish_offers(struct rv_publish *s)
{
	unsigned int i, n = 0;

	for (i = 0; i < s->nr_peers; i++)
		n += atomic_read(&s->peers[i].p_attached);
	return n;
}

/* Does failslab fail this thread's GFP_KERNEL allocations on demand? */
static void rv_require_fail_nth(struct kunit *test)
{
	void *p = NULL;

	if (!IS_ENABLED(CONFIG_FAILSLAB))
		kunit_skip(test, "the kernel has no failslab (CONFIG_FAILSLAB)");
	rv_fail_nth(1);
	p = kmalloc(16, GFP_KERNEL);
	rv_fail_nth(0);
	kfree(p);
	KUNIT_ASSERT_NULL_MSG(test, p,
			      "failslab ignores fail-nth for GFP_KERNEL: write 0 to /sys/kernel/debug/failslab/ignore-gfp-wait");
}

/*
 * Finding 1, unload control: a register call that fails with -ENOMEM
 * after a racer found its handle and refused unload through it freed the
 * registration with the module reference still taken.  A register that
 * fails never published its handle, so the racer finds none.
 */
static void register_failing_with_enomem_leaves_no_module_reference_to_a_racer(struct kunit *test)
{
	struct rv *t = test->priv;
	struct rv_publish *s = &t->pub;
	unsigned int tries, offers = 0;
	struct nmr_kunit_alive base;
	int refs, left, ret = 0, racer = 0;

	rv_require_two_cpus(test);
	rv_require_fail_nth(test);
	rv_publish_setup(test, false);
	nmr_kunit_count_alive(&base);
	refs = module_refcount(THIS_MODULE);
	s->refuse = true;

	for (tries = 0; tries < RV_ENOMEM_TRIES; tries++) {
		/* Halfway through the allocations of one binding per peer. */
		s->fail_nth = RV_PUBLISH_PEERS / 2 + tries;
		s->client = NULL;
		s->register_done = false;
		offers = rv_publish_offers(s);
		rv_start(test, &t->th[1], rv_publish_racer_fn, s, 1, false);
		rv_start(test, &t->th[0], rv_publish_register_fn, s, 0, false);
		ret = rv_finish(test, &t->th[0], "the register call");
		racer = rv_finish(test, &t->th[1], "the racer");
		if (ret)
			break;
		/* The failure went to kmemleak's own metadata: try the next one. */
		s->registered = true;
		KUNIT_ASSERT_EQ(test, nmr_deregister_client(s->client), -EINPROGRESS);
		s->deregistered = true;
		ret = nmr_wait_for_client_deregister_complete_timeout(s->client, RV_TIMEOUT);
		KUNIT_ASSERT_EQ(test, ret, 0);
		s->registered = false;
		s->deregistered = false;
	}
	KUNIT_ASSERT_EQ_MSG(test, ret, -ENOMEM, "no register call failed in %u tries", tries);
	KUNIT_EXPECT_NULL(test, s->client);

	left = module_refcount(THIS_MODULE) - refs;
	KUNIT_EXPECT_EQ_MSG(test, left, 0,
			    "module references left behind by the register call that failed");
	KUNIT_EXPECT_EQ_MSG(test, racer, -ENOENT,
			    "the racer found the handle of the register call that failed (nmr_client_refuse_unload() returned %d)",
			    racer);
	/* Give back what the old code leaked, so the module can unload. */
	while (left-- > 0)
		module_put(THIS_MODULE);

	KUNIT_EXPECT_EQ_MSG(test, rv_publish_offers(s), offers,
			    "the register call that failed made offers");
	rv_expect_alive(test, &base);
}

/*
 * Finding 2: the decline path read the peer after the unlock that let the
 * peer's wait free it.  The peer deregisters inside the client's attach
 * callback (the client deregisters itself, or the provider it is offered
 * is deregistered), its wait runs at SCHED_FIFO on the CPU of the offer,
 * and the client declines: the put that ends the peer's deregistration
 * wakes the wait, which runs and frees the peer the moment NMR unlocks.
 */

enum rv_decline {
	RV_DECLINE_WHILE_THE_PROVIDER_LEAVES,
	RV_DECLINE_AFTER_LEAVING,
	RV_RETURN_ZERO_AFTER_LEAVING,
};

struct rv_decline_param {
	enum rv_decline how;
	const char *desc;
};

static const struct rv_decline_param rv_decline_params[] = {
	{ RV_DECLINE_WHILE_THE_PROVIDER_LEAVES,
	  "the provider deregisters while the registering client declines" },
	{ RV_DECLINE_AFTER_LEAVING,
	  "the client deregisters itself, then declines the registering provider" },
	{ RV_RETURN_ZERO_AFTER_LEAVING,
	  "the client deregisters itself, then returns 0 without attaching" },
};

KUNIT_ARRAY_PARAM_DESC(rv_decline, rv_decline_params, desc);

/* SCHED_FIFO on the offer's CPU: once kicked, wait for the victim as its module_exit() does. */
static int rv_victim_wait_fn(void *arg)
{
	struct rv *t = arg;
	int ret;

	if (!wait_for_completion_timeout(&t->kick, RV_TIMEOUT))
		return -ETIMEDOUT;
	ret = rv_wait_call(t->victim, RV_TIMEOUT);
	/* Pairs with the release in rv_offer_fn(). */
	t->freed_in_window = !ret && !smp_load_acquire(&t->register_done);
	return ret;
}

static int rv_offer_fn(void *arg)
{
	struct rv *t = arg;
	int ret = rv_register_call(t->offerer);

	/* Pairs with the acquire in rv_victim_wait_fn(). */
	smp_store_release(&t->register_done, true);
	return ret;
}

static int rv_leave_in_attach(struct rv_reg *c)
{
	struct rv *t = c->t;

	c->hook_ret[0] = rv_deregister_call(t->victim);
	/* The wait runs now, on this CPU, and sleeps until the put. */
	complete(&t->kick);
	return c->hook_ret[0];
}

static int rv_leave_and_decline(struct rv_reg *c, struct nmr_binding *binding)
{
	rv_leave_in_attach(c);
	return -ENODEV;
}

static int rv_leave_and_skip_attach(struct rv_reg *c, struct nmr_binding *binding)
{
	rv_leave_in_attach(c);
	return 0;
}

static void offer_never_reads_a_peer_freed_while_the_client_declines(struct kunit *test)
{
	const struct rv_decline_param *param = test->param_value;
	struct rv *t = test->priv;
	struct rv_reg *p = rv_new(test, false, &t->npi[0]);
	struct rv_reg *c = rv_new(test, true, &t->npi[0]);
	unsigned int i, freed = 0, callbacks = 0;

	rv_debug_on(test);
	c->hook = param->how == RV_RETURN_ZERO_AFTER_LEAVING ? rv_leave_and_skip_attach :
							       rv_leave_and_decline;
	t->victim = param->how == RV_DECLINE_WHILE_THE_PROVIDER_LEAVES ? p : c;
	t->offerer = t->victim == p ? c : p;

	for (i = 0; i < RV_DECLINE_ROUNDS; i++) {
		rv_reset(p);
		rv_reset(c);
		reinit_completion(&t->kick);
		t->register_done = false;
		t->freed_in_window = false;
		rv_register(test, t->victim);
		rv_start(test, &t->th[1], rv_victim_wait_fn, t, 0, true);
		rv_start(test, &t->th[0], rv_offer_fn, t, 0, false);
		KUNIT_ASSERT_EQ_MSG(test, rv_finish(test, &t->th[0], "the register call"), 0,
				    "the register call");
		KUNIT_ASSERT_EQ_MSG(test, rv_finish(test, &t->th[1], "the peer's wait"), 0,
				    "the peer's wait");
		KUNIT_EXPECT_EQ(test, c->hook_ret[0], -EINPROGRESS);
		freed += t->freed_in_window;
		callbacks += atomic_read(&p->attached) + atomic_read(&p->detached) +
			     atomic_read(&p->cleaned) + atomic_read(&c->detached) +
			     atomic_read(&c->cleaned);
		rv_deregister(test, t->offerer);
		rv_wait(test, t->offerer);
	}
	KUNIT_EXPECT_EQ_MSG(test, callbacks, 0, "callbacks beyond the client's attach");
	kunit_info(test, "the peer was freed before the register call returned in %u of %u rounds\n",
		   freed, RV_DECLINE_ROUNDS);
}

/*
 * Finding 3: a wait that timed out cleared @waited, then logged, reading
 * the registration; a second wait could pass its check in between and
 * free it.  A timed wait of one jiffy sleeps on CPU 0; once its timeout
 * woke it, a kicker on CPU 1 lets a second wait run at SCHED_FIFO on CPU
 * 0, after a delay swept over one band of microseconds per parameter,
 * which completes the pending client side and waits.  That second wait either
 * is refused (the first still waits), or frees the registration: inside
 * the first's call when it preempted it after the clear, or after it.
 */

struct rv_band_param {
	unsigned int first_us;
	const char *desc;
};

static const struct rv_band_param rv_band_params[] = {
	{ 0, "second wait 0-24 us after the timeout" },
	{ RV_TWO_WAITS_BAND, "second wait 25-49 us after the timeout" },
	{ 2 * RV_TWO_WAITS_BAND, "second wait 50-74 us after the timeout" },
	{ 3 * RV_TWO_WAITS_BAND, "second wait 75-99 us after the timeout" },
};

KUNIT_ARRAY_PARAM_DESC(rv_band, rv_band_params, desc);

static int rv_timed_wait_fn(void *arg)
{
	struct rv *t = arg;
	int ret;

	/* Pairs with the kicker's acquire: it may look at this task's state. */
	smp_store_release(&t->w1_armed, true);
	ret = rv_wait_call(t->victim, 1);
	/* Pairs with the acquires of the kicker and of the second wait. */
	smp_store_release(&t->w1_returned, true);
	return ret;
}

static int rv_second_wait_fn(void *arg)
{
	struct rv *t = arg;
	struct rv_reg *p = t->victim;
	int ret;

	if (!wait_for_completion_timeout(&t->kick, RV_TIMEOUT))
		return -ETIMEDOUT;
	/* The deregistration is complete from here on. */
	rv_complete(t->pender);
	ret = nmr_wait_for_provider_deregister_complete(p->provider);
	if (!ret) {
		p->waited = true;
		/* Pairs with the release in rv_timed_wait_fn(). */
		t->freed_in_window = !smp_load_acquire(&t->w1_returned);
	}
	return ret;
}

static int rv_kick_fn(void *arg)
{
	struct rv *t = arg;
	struct task_struct *w1 = t->th[0].task;
	unsigned long deadline = jiffies + RV_TIMEOUT;

	/* The timed wait passed its checks and sleeps (acquire: rv_timed_wait_fn()) ... */
	while (!smp_load_acquire(&t->w1_armed) || task_is_running(w1)) {
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		cpu_relax();
	}
	/* ... until its timeout wakes it: its -ETIMEDOUT path is next. */
	/* (acquire: rv_timed_wait_fn()) */
	while (!task_is_running(w1) && !smp_load_acquire(&t->w1_returned)) {
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		cpu_relax();
	}
	udelay(t->delay_us);
	complete(&t->kick);
	return 0;
}

static void timed_out_wait_never_reads_a_handle_a_second_wait_freed(struct kunit *test)
{
	const struct rv_band_param *param = test->param_value;
	struct rv *t = test->priv;
	struct rv_reg *p = rv_new(test, false, &t->npi[0]);
	struct rv_reg *c = rv_new(test, true, &t->npi[0]);
	unsigned int i, in_window = 0, after = 0, by_first = 0, rejected = 0, errors = 0;
	DECLARE_BITMAP(hit_delays, RV_TWO_WAITS_SPREAD);
	unsigned long misuses;
	int ret1, ret2;

	rv_require_two_cpus(test);
	rv_debug_on(test);
	bitmap_zero(hit_delays, RV_TWO_WAITS_SPREAD);
	c->pend = true;
	t->victim = p;
	t->pender = c;
	misuses = nmr_kunit_misuses();

	for (i = 0; i < RV_TWO_WAITS_ROUNDS; i++) {
		rv_reset(p);
		rv_reset(c);
		rv_register(test, p);
		rv_register(test, c);
		rv_deregister(test, p);
		KUNIT_ASSERT_TRUE(test, READ_ONCE(c->pending));
		t->w1_armed = false;
		t->w1_returned = false;
		t->freed_in_window = false;
		t->delay_us = param->first_us + i % RV_TWO_WAITS_BAND;
		reinit_completion(&t->kick);
		rv_start(test, &t->th[1], rv_second_wait_fn, t, 0, true);
		rv_start(test, &t->th[0], rv_timed_wait_fn, t, 0, false);
		rv_start(test, &t->th[2], rv_kick_fn, t, 1, false);
		ret1 = rv_finish(test, &t->th[0], "the timed wait");
		ret2 = rv_finish(test, &t->th[1], "the second wait");
		KUNIT_ASSERT_EQ_MSG(test, rv_finish(test, &t->th[2], "the kicker"), 0,
				    "the timed wait never slept, or never woke");

		if ((ret1 != 0 && ret1 != -ETIMEDOUT) || (ret2 != 0 && ret2 != -EINVAL) ||
		    (!ret1 && !ret2))
			errors++;
		rejected += ret2 == -EINVAL;
		if (!ret1) {
			by_first++;
		} else if (!ret2 && t->freed_in_window) {
			in_window++;
			__set_bit(t->delay_us, hit_delays);
		} else if (!ret2) {
			after++;
		}
		/* Neither freed it: the deregistration is complete, so a wait returns at once. */
		if (!p->waited)
			rv_wait(test, p);
		if (atomic_read(&p->cleaned) != 1 || atomic_read(&c->cleaned) != 1)
			errors++;
		rv_deregister(test, c);
		rv_wait(test, c);
	}
	KUNIT_EXPECT_EQ_MSG(test, errors, 0, "rounds with unexpected results");
	KUNIT_EXPECT_EQ_MSG(test, nmr_kunit_misuses() - misuses, (unsigned long)rejected,
			    "one misuse warning per second wait refused");
	kunit_info(test, "%u rounds: the second wait freed the registration inside the timed-out wait's call in %u (delays %*pbl us), after it in %u; the timed wait returned 0 in %u; the second wait was refused in %u\n",
		   RV_TWO_WAITS_ROUNDS, in_window, RV_TWO_WAITS_SPREAD, hit_delays, after,
		   by_first, rejected);
}

/*
 * Finding 5: a client entered a section inside its attach callback after
 * nmr_client_attach_provider() returned 0, then failed.  Contract 4.4 and
 * 8: the provider side is detached, but cleaned up only once that section
 * exited; the client gets no callbacks.  NMR cleaned up at once, and the
 * client's exit then touched a freed binding, so the case asserts before
 * it calls the exit.
 */

static int rv_enter_then_fail(struct rv_reg *c, struct nmr_binding *binding)
{
	c->hook_ret[0] = rv_attach_provider(c, binding);
	if (!c->hook_ret[0])
		c->entered = nmr_client_enter(binding);
	return -ENOMEM;
}

static void provider_cleanup_waits_for_the_section_a_failing_client_entered(struct kunit *test)
{
	struct rv *t = test->priv;
	struct rv_reg *p = rv_new(test, false, &t->npi[0]);
	struct rv_reg *c = rv_new(test, true, &t->npi[0]);
	struct nmr_kunit_alive base;

	nmr_kunit_count_alive(&base);
	c->hook = rv_enter_then_fail;
	rv_register(test, p);
	rv_register(test, c);
	KUNIT_ASSERT_EQ(test, c->hook_ret[0], 0);
	KUNIT_ASSERT_TRUE_MSG(test, c->entered,
			      "nmr_client_enter() failed after nmr_client_attach_provider() returned 0");
	KUNIT_EXPECT_EQ(test, atomic_read(&p->attached), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&p->detached), 1);

	/* Past NMR's grace period, and a while longer: only the section holds it back. */
	nmr_rundown_flush();
	schedule_timeout_uninterruptible(RV_NOT_YET);
	nmr_rundown_flush();
	KUNIT_ASSERT_EQ_MSG(test, atomic_read(&p->cleaned), 0,
			    "provider_cleanup_binding_context() ran while the client's section was entered: its nmr_client_exit() would touch a freed binding");

	nmr_client_exit(c->binding);
	KUNIT_EXPECT_EQ(test, atomic_read(&p->cleaned), 1);
	KUNIT_EXPECT_PTR_EQ(test, READ_ONCE(p->cleanup_task), current);

	rv_deregister(test, c);
	rv_wait(test, c);
	rv_deregister(test, p);
	rv_wait(test, p);
	KUNIT_EXPECT_EQ(test, atomic_read(&p->detached), 1);
	KUNIT_EXPECT_EQ(test, atomic_read(&p->cleaned), 1);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&c->detached) + atomic_read(&c->cleaned), 0,
			    "the client, which never attached, got callbacks");
	rv_expect_alive(test, &base);
}

/*
 * Finding 6: the Windows layer found a detach callback by the value of the
 * binding context, so a context that two registrations bound with (the
 * same one, or NULL) got one registration's callback for the other's
 * binding.  Contract 9: each binding's detach and cleanup go to the
 * callbacks of the registration that bound it.  Each Windows registration
 * below has callbacks of its own, named for it in the log; the one of NPI
 * Y binds last.
 */

struct rv_route_param {
	bool null_context;
	bool win_peers;
	const char *desc;
};

static const struct rv_route_param rv_route_params[] = {
	{ false, false, "one context for both, native peers" },
	{ false, true, "one context for both, Windows peers" },
	{ true, false, "NULL contexts, native peers" },
	{ true, true, "NULL contexts, Windows peers" },
};

KUNIT_ARRAY_PARAM_DESC(rv_route, rv_route_params, desc);

static NTSTATUS rv_wdetach(bool is_client, int npi, PVOID context)
{
	struct rv_wreg *r = rv_current->wregs[is_client][npi];

	rv_log(rv_current, r->name, "detach", context == r->context);
	return STATUS_SUCCESS;
}

static void rv_wcleanup(bool is_client, int npi, PVOID context)
{
	struct rv_wreg *r = rv_current->wregs[is_client][npi];

	rv_log(rv_current, r->name, "cleanup", context == r->context);
}

static NTSTATUS rv_wc_detach_x(PVOID ClientBindingContext)
{
	return rv_wdetach(true, 0, ClientBindingContext);
}

static NTSTATUS rv_wc_detach_y(PVOID ClientBindingContext)
{
	return rv_wdetach(true, 1, ClientBindingContext);
}

static void rv_wc_cleanup_x(PVOID ClientBindingContext)
{
	rv_wcleanup(true, 0, ClientBindingContext);
}

static void rv_wc_cleanup_y(PVOID ClientBindingContext)
{
	rv_wcleanup(true, 1, ClientBindingContext);
}

static NTSTATUS rv_wp_detach_x(PVOID ProviderBindingContext)
{
	return rv_wdetach(false, 0, ProviderBindingContext);
}

static NTSTATUS rv_wp_detach_y(PVOID ProviderBindingContext)
{
	return rv_wdetach(false, 1, ProviderBindingContext);
}

static void rv_wp_cleanup_x(PVOID ProviderBindingContext)
{
	rv_wcleanup(false, 0, ProviderBindingContext);
}

static void rv_wp_cleanup_y(PVOID ProviderBindingContext)
{
	rv_wcleanup(false, 1, ProviderBindingContext);
}

static NTSTATUS rv_wc_attach(HANDLE NmrBindingHandle, PVOID ClientContext,
			     PNPI_REGISTRATION_INSTANCE ProviderRegistrationInstance)
{
	struct rv_wreg *c = ClientContext;
	const void *dispatch;
	PVOID context;

	c->attach_status = NmrClientAttachProvider(NmrBindingHandle, c->context, &rv_dispatch,
						   &context, &dispatch);
	return c->attach_status;
}

static NTSTATUS rv_wp_attach(HANDLE NmrBindingHandle, PVOID ProviderContext,
			     PNPI_REGISTRATION_INSTANCE ClientRegistrationInstance,
			     PVOID ClientBindingContext, const void *ClientDispatch,
			     PVOID *ProviderBindingContext, const void **ProviderDispatch)
{
	struct rv_wreg *p = ProviderContext;

	*ProviderBindingContext = p->context;
	*ProviderDispatch = &rv_dispatch;
	return STATUS_SUCCESS;
}

/* A native peer's binding context is its own rv_wreg. */
static int rv_nc_attach(struct nmr_binding *binding, void *client_context,
			const struct nmr_registration_instance *provider)
{
	struct rv_wreg *c = client_context;
	const void *dispatch;
	void *context;

	c->attach_status = nmr_client_attach_provider(binding, c, &rv_dispatch, &context,
						      &dispatch);
	return c->attach_status;
}

static int rv_np_attach(struct nmr_binding *binding, void *provider_context,
			const struct nmr_registration_instance *client,
			void *client_binding_context, const void *client_dispatch,
			void **provider_binding_context, const void **provider_dispatch)
{
	*provider_binding_context = provider_context;
	*provider_dispatch = &rv_dispatch;
	return 0;
}

static int rv_n_detach(void *binding_context)
{
	struct rv_wreg *r = binding_context;

	rv_log(r->t, r->name, "detach", true);
	return 0;
}

static void rv_n_cleanup(void *binding_context)
{
	struct rv_wreg *r = binding_context;

	rv_log(r->t, r->name, "cleanup", true);
}

static int rv_wregister(struct rv_wreg *r)
{
	int ret;

	if (r->win && r->is_client)
		ret = NmrRegisterClient(&r->wc, r, &r->handle);
	else if (r->win)
		ret = NmrRegisterProvider(&r->wp, r, &r->handle);
	else if (r->is_client)
		ret = nmr_register_client(&r->nc, r, &r->client);
	else
		ret = nmr_register_provider(&r->np, r, &r->provider);
	/* STATUS_SUCCESS and 0 are both 0. */
	if (!ret)
		r->registered = true;
	return ret;
}

static int rv_wderegister(struct rv_wreg *r)
{
	r->deregistered = true;
	if (r->win && r->is_client)
		return NmrDeregisterClient(r->handle);
	if (r->win)
		return NmrDeregisterProvider(r->handle);
	if (r->is_client)
		return nmr_deregister_client(r->client);
	return nmr_deregister_provider(r->provider);
}

static int rv_wwait_fn(void *arg)
{
	struct rv_wreg *r = arg;
	int ret;

	if (r->win && r->is_client)
		ret = NmrWaitForClientDeregisterComplete(r->handle);
	else if (r->win)
		ret = NmrWaitForProviderDeregisterComplete(r->handle);
	else if (r->is_client)
		ret = nmr_wait_for_client_deregister_complete(r->client);
	else
		ret = nmr_wait_for_provider_deregister_complete(r->provider);
	if (!ret)
		r->waited = true;
	return ret;
}

/* kunit action */
static void rv_wreg_release(void *data)
{
	struct rv_wreg *r = data;
	struct rv *t = r->t;

	if (!rv_quiesce(t))
		goto leak;
	if (r->registered && !r->waited) {
		if (!r->deregistered)
			rv_wderegister(r);
		if (!rv_run(&t->th[0], rv_wwait_fn, r, -1, false) ||
		    !rv_wait_thread(&t->th[0], RV_TIMEOUT) || !r->waited)
			goto leak;
	}
	kfree(r);
	return;
leak:
	pr_err("nmr_review_test: %s never finished deregistering; leaking it\n", r->name);
	t->leak = true;
}

static void rv_win_instance(NPI_REGISTRATION_INSTANCE *wi, const guid_t *npi)
{
	wi->Size = sizeof(*wi);
	wi->NpiId = (const GUID *)npi;
}

/* Registration @name of NPI @npi (0 is X, 1 is Y); its context is itself until the case says. */
static struct rv_wreg *rv_wnew(struct kunit *test, const char *name, bool win, bool is_client,
			       int npi)
{
	struct rv *t = test->priv;
	const guid_t *id = &t->npi[npi];
	struct rv_wreg *r;

	r = kzalloc(sizeof(*r), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, r);
	r->t = t;
	r->name = name;
	r->win = win;
	r->is_client = is_client;
	r->context = r;
	if (win && is_client) {
		r->wc.Length = sizeof(r->wc);
		r->wc.ClientAttachProvider = rv_wc_attach;
		r->wc.ClientDetachProvider = npi ? rv_wc_detach_y : rv_wc_detach_x;
		r->wc.ClientCleanupBindingContext = npi ? rv_wc_cleanup_y : rv_wc_cleanup_x;
		rv_win_instance(&r->wc.ClientRegistrationInstance, id);
	} else if (win) {
		r->wp.Length = sizeof(r->wp);
		r->wp.ProviderAttachClient = rv_wp_attach;
		r->wp.ProviderDetachClient = npi ? rv_wp_detach_y : rv_wp_detach_x;
		r->wp.ProviderCleanupBindingContext = npi ? rv_wp_cleanup_y : rv_wp_cleanup_x;
		rv_win_instance(&r->wp.ProviderRegistrationInstance, id);
	} else if (is_client) {
		nmr_test_client_chars(&r->nc, id, rv_nc_attach, rv_n_detach, rv_n_cleanup);
	} else {
		nmr_test_provider_chars(&r->np, id, rv_np_attach, rv_n_detach, rv_n_cleanup);
	}
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, rv_wreg_release, r), 0);
	t->wregs[is_client][npi] = r;
	return r;
}

static void rv_wregister_ok(struct kunit *test, struct rv_wreg *r)
{
	KUNIT_ASSERT_EQ_MSG(test, rv_wregister(r), 0, "registering %s", r->name);
}

static void rv_wderegister_and_wait(struct kunit *test, struct rv_wreg *r)
{
	struct rv *t = test->priv;

	KUNIT_EXPECT_EQ_MSG(test, rv_wderegister(r), r->win ? STATUS_PENDING : -EINPROGRESS,
			    "deregistering %s", r->name);
	rv_start(test, &t->th[0], rv_wwait_fn, r, -1, false);
	KUNIT_EXPECT_EQ_MSG(test, rv_finish(test, &t->th[0], "a deregistration wait"), 0,
			    "waiting for %s", r->name);
}

static void windows_client_detach_goes_to_the_registration_that_bound_it(struct kunit *test)
{
	const struct rv_route_param *param = test->param_value;
	struct rv *t = test->priv;
	struct rv_wreg *px = rv_wnew(test, "px", param->win_peers, false, 0);
	struct rv_wreg *py = rv_wnew(test, "py", param->win_peers, false, 1);
	struct rv_wreg *cx = rv_wnew(test, "cx", true, true, 0);
	struct rv_wreg *cy = rv_wnew(test, "cy", true, true, 1);

	t->wctx = param->null_context ? NULL : &t->wshared;
	cx->context = t->wctx;
	cy->context = t->wctx;
	rv_wregister_ok(test, px);
	rv_wregister_ok(test, py);
	rv_wregister_ok(test, cx);
	rv_wregister_ok(test, cy);
	KUNIT_EXPECT_EQ(test, cx->attach_status, STATUS_SUCCESS);
	KUNIT_EXPECT_EQ(test, cy->attach_status, STATUS_SUCCESS);
	rv_expect_log(test, "");

	rv_wderegister_and_wait(test, px);
	rv_expect_log(test, "cx.detach px.detach cx.cleanup px.cleanup");
	rv_wderegister_and_wait(test, py);
	rv_expect_log(test, "cy.detach py.detach cy.cleanup py.cleanup");
}

static void windows_provider_detach_goes_to_the_registration_that_bound_it(struct kunit *test)
{
	const struct rv_route_param *param = test->param_value;
	struct rv *t = test->priv;
	struct rv_wreg *cx = rv_wnew(test, "cx", param->win_peers, true, 0);
	struct rv_wreg *cy = rv_wnew(test, "cy", param->win_peers, true, 1);
	struct rv_wreg *px = rv_wnew(test, "px", true, false, 0);
	struct rv_wreg *py = rv_wnew(test, "py", true, false, 1);

	t->wctx = param->null_context ? NULL : &t->wshared;
	px->context = t->wctx;
	py->context = t->wctx;
	rv_wregister_ok(test, cx);
	rv_wregister_ok(test, cy);
	rv_wregister_ok(test, px);
	rv_wregister_ok(test, py);
	KUNIT_EXPECT_EQ(test, cx->attach_status, 0);
	KUNIT_EXPECT_EQ(test, cy->attach_status, 0);
	rv_expect_log(test, "");

	rv_wderegister_and_wait(test, cx);
	rv_expect_log(test, "cx.detach px.detach cx.cleanup px.cleanup");
	rv_wderegister_and_wait(test, cy);
	rv_expect_log(test, "cy.detach py.detach cy.cleanup py.cleanup");
}

/*
 * Finding 7a: nmr_provider_enter() failed between provider_attach_client()
 * returning 0 and the relock that opened the binding.  Contract 8: it
 * succeeds from the moment the provider's attach returned 0.  Each
 * provider's attach callback hands its binding to a racer on CPU 1 just
 * before it returns 0; the racer enters at once and counts the enters
 * that fail after it saw the binding.
 */

static int rv_enter_provider_attach(struct nmr_binding *binding, void *provider_context,
				    const struct nmr_registration_instance *client,
				    void *client_binding_context, const void *client_dispatch,
				    void **provider_binding_context, const void **provider_dispatch)
{
	struct rv_enter *e = provider_context;
	unsigned long deadline = jiffies + RV_TIMEOUT;

	/* One binding at a time: the racer has taken the one before (its release). */
	while (smp_load_acquire(&e->published) && !READ_ONCE(e->stuck)) {
		if (time_after(jiffies, deadline))
			WRITE_ONCE(e->stuck, true);
		cpu_relax();
	}
	if (READ_ONCE(e->stuck))
		return -ETIMEDOUT;
	*provider_binding_context = e;
	*provider_dispatch = &rv_dispatch;
	/* The last thing before the return: the racer enters from here on. */
	smp_store_release(&e->published, binding);
	return 0;
}

static int rv_enter_client_attach(struct nmr_binding *binding, void *client_context,
				  const struct nmr_registration_instance *provider)
{
	const void *dispatch;
	void *context;

	return nmr_client_attach_provider(binding, client_context, &rv_dispatch, &context,
					  &dispatch);
}

static int rv_enter_detach(void *binding_context)
{
	return 0;
}

static int rv_enter_racer_fn(void *arg)
{
	struct rv_enter *e = arg;
	unsigned long deadline = jiffies + RV_TIMEOUT;
	struct nmr_binding *b;
	unsigned int i;

	for (i = 0; i < RV_ENTER_BINDINGS; i++) {
		for (;;) {
			/* Pairs with the release in the attach callback. */
			b = smp_load_acquire(&e->published);
			if (b)
				break;
			if (time_after(jiffies, deadline))
				return -ETIMEDOUT;
			cpu_relax();
		}
		while (!nmr_provider_enter(b)) {
			e->failed++;
			if (time_after(jiffies, deadline))
				return -ETIMEDOUT;
			cpu_relax();
		}
		nmr_provider_exit(b);
		e->taken++;
		/* Pairs with the acquire in the next attach callback. */
		smp_store_release(&e->published, NULL);
	}
	return 0;
}

static int rv_enter_register_fn(void *arg)
{
	struct rv_enter *e = arg;
	int ret = nmr_register_client(&e->cchars, e, &e->client);

	if (!ret)
		e->client_registered = true;
	return ret;
}

/* kunit action */
static void rv_enter_release(void *data)
{
	struct rv *t = data;
	struct rv_enter *e = &t->en;

	WRITE_ONCE(e->stuck, true);
	if (!rv_quiesce(t))
		goto leak;
	if (e->client_registered) {
		nmr_deregister_client(e->client);
		if (nmr_wait_for_client_deregister_complete_timeout(e->client, RV_TIMEOUT))
			goto leak;
		e->client_registered = false;
	}
	while (e->nr_providers) {
		struct nmr_provider *p = e->providers[e->nr_providers - 1];

		nmr_deregister_provider(p);
		if (nmr_wait_for_provider_deregister_complete_timeout(p, RV_TIMEOUT))
			goto leak;
		e->nr_providers--;
	}
	return;
leak:
	pr_err("nmr_review_test: the enter race's registrations never finished deregistering; leaking them\n");
	t->leak = true;
}

static void provider_may_enter_as_soon_as_its_attach_callback_returned_zero(struct kunit *test)
{
	struct rv *t = test->priv;
	struct rv_enter *e = &t->en;
	unsigned int i;
	int ret;

	rv_require_two_cpus(test);
	KUNIT_ASSERT_EQ(test, kunit_add_action_or_reset(test, rv_enter_release, t), 0);
	nmr_test_provider_chars(&e->pchars, &t->npi[0], rv_enter_provider_attach, rv_enter_detach,
				NULL);
	nmr_test_client_chars(&e->cchars, &t->npi[0], rv_enter_client_attach, rv_enter_detach,
			      NULL);
	for (i = 0; i < RV_ENTER_BINDINGS; i++) {
		KUNIT_ASSERT_EQ(test, nmr_register_provider(&e->pchars, e, &e->providers[i]), 0);
		e->nr_providers++;
	}

	rv_start(test, &t->th[1], rv_enter_racer_fn, e, 1, false);
	rv_start(test, &t->th[0], rv_enter_register_fn, e, 0, false);
	ret = rv_finish(test, &t->th[0], "the client's register call");
	KUNIT_EXPECT_EQ(test, ret, 0);
	KUNIT_EXPECT_EQ_MSG(test, rv_finish(test, &t->th[1], "the racer"), 0, "the racer");
	KUNIT_EXPECT_FALSE(test, e->stuck);
	KUNIT_EXPECT_EQ(test, e->taken, RV_ENTER_BINDINGS);
	KUNIT_EXPECT_EQ_MSG(test, e->failed, 0,
			    "nmr_provider_enter() failed %u times after provider_attach_client() had returned 0, over %u bindings",
			    e->failed, e->taken);
}

/*
 * Finding 7b: nmr_side_complete() checked the binding's tag outside any
 * RCU or preempt-off section, so a second complete racing the cleanup the
 * first triggers could read a freed binding.  Contract 7: exactly one
 * completes, the other is one misuse warning, never a crash.  The two
 * completes start together on CPUs 0 and 1, for the client side and the
 * provider side in turn.
 */

static int rv_complete_racer_fn(void *arg)
{
	struct rv *t = arg;
	unsigned long deadline = jiffies + RV_TIMEOUT;

	/* Pairs with the case's release: the binding to complete is set. */
	while (!smp_load_acquire(&t->go)) {
		if (time_after(jiffies, deadline))
			return -ETIMEDOUT;
		cpu_relax();
	}
	rv_complete(t->pender);
	return 0;
}

static void second_complete_racing_the_cleanup_of_the_first_is_only_a_misuse(struct kunit *test)
{
	struct rv *t = test->priv;
	struct rv_reg *p = rv_new(test, false, &t->npi[0]);
	struct rv_reg *c = rv_new(test, true, &t->npi[0]);
	unsigned int i, bad_cleanups = 0, bad_misuses = 0;
	unsigned long misuses;

	rv_require_two_cpus(test);
	for (i = 0; i < RV_COMPLETE_ROUNDS; i++) {
		bool client_side = !(i & 1);
		struct rv_reg *pender = client_side ? c : p;
		struct rv_reg *leaver = client_side ? p : c;

		rv_reset(p);
		rv_reset(c);
		pender->pend = true;
		leaver->pend = false;
		rv_register(test, p);
		rv_register(test, c);
		rv_deregister(test, leaver);
		KUNIT_ASSERT_TRUE(test, READ_ONCE(pender->pending));
		t->pender = pender;
		t->go = false;
		misuses = nmr_kunit_misuses();
		rv_start(test, &t->th[0], rv_complete_racer_fn, t, 0, false);
		rv_start(test, &t->th[1], rv_complete_racer_fn, t, 1, false);
		/* Pairs with the threads' acquire. */
		smp_store_release(&t->go, true);
		KUNIT_ASSERT_EQ(test, rv_finish(test, &t->th[0], "the complete on CPU 0"), 0);
		KUNIT_ASSERT_EQ(test, rv_finish(test, &t->th[1], "the complete on CPU 1"), 0);
		if (atomic_read(&p->cleaned) != 1 || atomic_read(&c->cleaned) != 1)
			bad_cleanups++;
		if (nmr_kunit_misuses() - misuses != 1)
			bad_misuses++;
		rv_wait(test, leaver);
		rv_deregister(test, pender);
		rv_wait(test, pender);
	}
	KUNIT_EXPECT_EQ_MSG(test, bad_cleanups, 0, "rounds not cleaned up exactly once per side");
	KUNIT_EXPECT_EQ_MSG(test, bad_misuses, 0, "rounds without exactly one misuse warning");
}

/*
 * Finding 7c: a wait for a registration from inside one of its own attach
 * callbacks can never return, since the attach in progress holds the
 * registration; it deadlocked silently.  Contract 7: it is misuse, -EINVAL
 * with one warning.  The attach callback deregisters its own registration,
 * waits for it, and declines; the register call that runs it is on a
 * kthread, so a deadlock fails the case.
 */

struct rv_self_param {
	bool provider_waits;
	bool waiter_registers;
	const char *desc;
};

static const struct rv_self_param rv_self_params[] = {
	{ false, true, "client, in its own register call" },
	{ false, false, "client, in the provider's register call" },
	{ true, true, "provider, in its own register call" },
	{ true, false, "provider, in the client's register call" },
};

KUNIT_ARRAY_PARAM_DESC(rv_self, rv_self_params, desc);

static int rv_wait_for_self(struct rv_reg *r, struct nmr_binding *binding)
{
	r->hook_ret[0] = rv_deregister_call(r);
	if (r->is_client)
		r->hook_ret[1] = nmr_wait_for_client_deregister_complete(r->client);
	else
		r->hook_ret[1] = nmr_wait_for_provider_deregister_complete(r->provider);
	if (!r->hook_ret[1])
		r->waited = true;
	return -ENODEV;
}

static void wait_from_inside_its_own_attach_callback_is_rejected(struct kunit *test)
{
	const struct rv_self_param *param = test->param_value;
	struct rv *t = test->priv;
	struct rv_reg *p = rv_new(test, false, &t->npi[0]);
	struct rv_reg *c = rv_new(test, true, &t->npi[0]);
	struct rv_reg *waiter = param->provider_waits ? p : c;
	struct rv_reg *peer = waiter == p ? c : p;
	struct rv_reg *last = param->waiter_registers ? waiter : peer;
	unsigned long misuses;

	waiter->hook = rv_wait_for_self;
	rv_register(test, last == p ? c : p);
	misuses = nmr_kunit_misuses();
	rv_start(test, &t->th[0], rv_register_fn, last, -1, false);
	if (!rv_wait_thread(&t->th[0], RV_TIMEOUT)) {
		t->leak = true;
		KUNIT_FAIL_AND_ABORT(test,
				     "the register call did not return within %d s: the %s's wait inside its attach callback waits for itself",
				     RV_TIMEOUT / HZ, rv_role(waiter));
	}
	KUNIT_EXPECT_EQ_MSG(test, t->th[0].ret, 0, "the register call");
	KUNIT_EXPECT_EQ(test, waiter->hook_ret[0], -EINPROGRESS);
	KUNIT_EXPECT_EQ_MSG(test, waiter->hook_ret[1], -EINVAL,
			    "the wait from inside the attach callback");
	KUNIT_EXPECT_EQ_MSG(test, nmr_kunit_misuses() - misuses, 1UL, "misuse warnings");

	/* From outside, the same wait returns. */
	rv_wait(test, waiter);
	rv_deregister(test, peer);
	rv_wait(test, peer);
	KUNIT_EXPECT_EQ_MSG(test, atomic_read(&p->attached) + atomic_read(&c->attached) +
			    atomic_read(&p->detached) + atomic_read(&c->detached), 0,
			    "the pair attached or detached");
}

/* Suite */

/* kunit action, the last to run: free the case's state unless something may still use it. */
static void rv_release(void *data)
{
	struct rv *t = data;
	unsigned int i;

	rv_quiesce(t);
	if (t->leak) {
		pr_err("nmr_review_test: NMR or a hung thread may still use this case's memory; leaking it and pinning the module\n");
		__module_get(THIS_MODULE);
		return;
	}
	if (rv_current == t)
		rv_current = NULL;
	for (i = 0; i < RV_THREADS; i++)
		if (t->th[i].task)
			put_task_struct(t->th[i].task);
	kfree(t);
}

static int rv_init(struct kunit *test)
{
	struct rv *t;
	unsigned int i;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	spin_lock_init(&t->lock);
	init_completion(&t->kick);
	for (i = 0; i < RV_THREADS; i++) {
		init_completion(&t->th[i].done);
		t->th[i].test = test;
	}
	guid_gen(&t->npi[0]);
	guid_gen(&t->npi[1]);
	test->priv = t;
	rv_current = t;
	return kunit_add_action_or_reset(test, rv_release, t);
}

static struct kunit_case rv_cases[] = {
	KUNIT_CASE_SLOW(deregistering_a_handle_the_moment_it_is_published_is_a_late_comer),
	KUNIT_CASE_SLOW(deregistering_a_windows_handle_the_moment_it_is_published_is_a_late_comer),
	KUNIT_CASE_SLOW(register_failing_with_enomem_leaves_no_module_reference_to_a_racer),
	KUNIT_CASE_PARAM_ATTR(offer_never_reads_a_peer_freed_while_the_client_declines,
			      rv_decline_gen_params, { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE_PARAM_ATTR(timed_out_wait_never_reads_a_handle_a_second_wait_freed,
			      rv_band_gen_params, { .speed = KUNIT_SPEED_SLOW }),
	KUNIT_CASE(provider_cleanup_waits_for_the_section_a_failing_client_entered),
	KUNIT_CASE_PARAM(windows_client_detach_goes_to_the_registration_that_bound_it,
			 rv_route_gen_params),
	KUNIT_CASE_PARAM(windows_provider_detach_goes_to_the_registration_that_bound_it,
			 rv_route_gen_params),
	KUNIT_CASE(provider_may_enter_as_soon_as_its_attach_callback_returned_zero),
	KUNIT_CASE_SLOW(second_complete_racing_the_cleanup_of_the_first_is_only_a_misuse),
	KUNIT_CASE_PARAM(wait_from_inside_its_own_attach_callback_is_rejected,
			 rv_self_gen_params),
	{}
};

static struct kunit_suite rv_suite = {
	.name = "nmr_review",
	.init = rv_init,
	.test_cases = rv_cases,
};

kunit_test_suite(rv_suite);

MODULE_DESCRIPTION("KUnit regression cases for the review findings of NMR (issue 12)");
MODULE_LICENSE("GPL");
NMR_IMPORT_NS();
NMR_IMPORT_NS_FOR_KUNIT();
