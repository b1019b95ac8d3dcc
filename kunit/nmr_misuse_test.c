// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit misuse suite for NMR (contract section 7), through the public API.
 *
 * One table lists every bad input tried: each entry point of <nmr/nmr.h>
 * given NULL, a handle of another type cast by force, test-owned zeroed or
 * garbage memory, and a handle NMR has freed; characteristics with each
 * version, length and size off by one and each required pointer missing;
 * and the misuses of state: deregistering or waiting twice, waiting before
 * deregistering, completing a side that is not pending or twice,
 * nmr_client_attach_provider() outside its callback, request unload
 * without refuse, exit without enter.  Each entry is one result line.
 *
 * An entry returns -EINVAL, or for a void function (or an enter) has no
 * effect: no callback runs because of it.  Then the registrations it made
 * are torn down, and each binding must have been detached and cleaned up
 * exactly once on each side; NMR must have issued exactly one misuse
 * warning (nmr_kunit_misuses(), which counts them whether or not the rate
 * limit let the line out), or none for an entry that expects none; the
 * lines it printed meanwhile are read back from the kernel log (at most
 * one, the right one, naming a caller in this module); and a fresh
 * provider and client must bind and unbind, so the registry is still
 * consistent and usable.
 */
#include <kunit/test.h>
#include <linux/delay.h>
#include <linux/kasan.h>
#include <linux/kmsg_dump.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/printk.h>
#include <linux/ratelimit.h>
#include <linux/rcupdate.h>
#include <linux/sched.h>
#include <linux/sched/clock.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>
#include <linux/uuid.h>
#include <linux/workqueue.h>

#include <nmr/nmr.h>
#include <nmr/nmr_kunit.h>

#include "nmr_test_chars.h"

/* Long enough for a debug kernel under TCG; a hung core still fails fast. */
#define NMR_MT_TIMEOUT		(10 * HZ)
/* What a void entry point "returns" in the table. */
#define NMR_MT_IGNORED		INT_MAX
/* Test-owned memory passed as a handle; larger than any NMR handle. */
#define NMR_MT_FAKE_SIZE	1024
#define NMR_MT_LINE		512

/*
 * Pairs of registrations: 0 is the entry's pair, 1 a second pair (or a
 * second client of pair 0's provider), 2 the registry-usable check's.
 */
#define NMR_MT_PAIRS		3
#define NMR_MT_USABLE		2

enum nmr_mt_role {
	NMR_MT_CLIENT,
	NMR_MT_PROVIDER,
	NMR_MT_ROLES,
};

/* The warnings NMR prints, each a set of call sites (see nmr_mt_classes). */
enum nmr_mt_warning {
	NMR_MT_W_NONE,
	NMR_MT_W_NULL_ARG,
	NMR_MT_W_CHARS,
	NMR_MT_W_CALLBACK,
	NMR_MT_W_INSTANCE,
	NMR_MT_W_NPI,
	NMR_MT_W_MODULE_ID,
	NMR_MT_W_NULL_REG,
	NMR_MT_W_REG_TAG,
	NMR_MT_W_TWICE,
	NMR_MT_W_WAIT,
	NMR_MT_W_REFUSE,
	NMR_MT_W_REQUEST,
	NMR_MT_W_NULL_BINDING,
	NMR_MT_W_BINDING_TAG,
	NMR_MT_W_COMPLETE,
	NMR_MT_W_OUT_PARAM,
	NMR_MT_W_OUTSIDE,
	NMR_MT_W_ATTACHED,
	NMR_MT_W_EXIT,
	NMR_MT_W_COUNT,
};

/*
 * What identifies each warning in the log.  The keys of one class match
 * every line of the call sites behind it, so that the rate limit of a site
 * (pr_warn_ratelimited(): DEFAULT_RATELIMIT_BURST lines each
 * DEFAULT_RATELIMIT_INTERVAL) can be accounted for: see nmr_mt_watch_begin().
 */
struct nmr_mt_class {
	const char *key[2];
	bool names_caller;
};

static const struct nmr_mt_class nmr_mt_classes[NMR_MT_W_COUNT] = {
	[NMR_MT_W_NONE] = { { NULL } },
	[NMR_MT_W_NULL_ARG] = { { "NULL characteristics or handle" }, true },
	[NMR_MT_W_CHARS] = { { "characteristics version" }, true },
	[NMR_MT_W_CALLBACK] = { { "characteristics lack the" }, true },
	[NMR_MT_W_INSTANCE] = { { "registration instance version" }, true },
	[NMR_MT_W_NPI] = { { "NULL NPI id" }, true },
	[NMR_MT_W_MODULE_ID] = { { "module id length" }, true },
	[NMR_MT_W_NULL_REG] = { { "NULL provider handle", "NULL client handle" }, true },
	[NMR_MT_W_REG_TAG] = { { "is not a provider handle", "is not a client handle" }, true },
	[NMR_MT_W_TWICE] = { { "deregistered twice" }, true },
	[NMR_MT_W_WAIT] = { { "before deregistering it", "while another wait for it runs" },
			    true },
	[NMR_MT_W_REFUSE] = { { "refuse unload of deregistered" }, true },
	[NMR_MT_W_REQUEST] = { { "which does not refuse it" }, true },
	[NMR_MT_W_NULL_BINDING] = { { "NULL binding" }, true },
	[NMR_MT_W_BINDING_TAG] = { { "is not a binding handle" }, true },
	[NMR_MT_W_COMPLETE] = { { "detach complete for binding" }, true },
	[NMR_MT_W_OUT_PARAM] = { { "out-parameter" }, true },
	[NMR_MT_W_OUTSIDE] = { { "outside the client's attach callback" }, true },
	[NMR_MT_W_ATTACHED] = { { "is attached already" }, true },
	/* Found when the side detaches, not at the exit: no caller to name. */
	[NMR_MT_W_EXIT] = { { "more sections than it entered" }, false },
};

/* The entry points a bad handle is given to. */
enum nmr_mt_entry {
	NMR_MT_DEREGISTER_PROVIDER,
	NMR_MT_DEREGISTER_CLIENT,
	NMR_MT_WAIT_PROVIDER,
	NMR_MT_WAIT_CLIENT,
	NMR_MT_WAIT_PROVIDER_TIMEOUT,
	NMR_MT_WAIT_CLIENT_TIMEOUT,
	NMR_MT_UNREGISTER_PROVIDER,
	NMR_MT_UNREGISTER_CLIENT,
	NMR_MT_PROVIDER_REFUSE_UNLOAD,
	NMR_MT_PROVIDER_REQUEST_UNLOAD,
	NMR_MT_CLIENT_REFUSE_UNLOAD,
	NMR_MT_CLIENT_REQUEST_UNLOAD,
	NMR_MT_PROVIDER_COMPLETE,
	NMR_MT_CLIENT_COMPLETE,
	NMR_MT_ATTACH_PROVIDER,
	NMR_MT_CLIENT_ENTER,
	NMR_MT_CLIENT_EXIT,
	NMR_MT_PROVIDER_ENTER,
	NMR_MT_PROVIDER_EXIT,
};

/* The bad handles. */
enum nmr_mt_handle {
	NMR_MT_NULL,
	NMR_MT_PROVIDER_HANDLE,
	NMR_MT_CLIENT_HANDLE,
	NMR_MT_BINDING_HANDLE,
	NMR_MT_ZEROES,
	NMR_MT_GARBAGE,
	NMR_MT_FREED_PROVIDER,
	NMR_MT_FREED_CLIENT,
	NMR_MT_FREED_BINDING,
};

/* The fields of valid characteristics that nmr_mt_bad_register() breaks. */
enum nmr_mt_bad_field {
	NMR_MT_NULL_CHARS,
	NMR_MT_NULL_HANDLE_POINTER,
	NMR_MT_VERSION_PLUS_ONE,
	NMR_MT_VERSION_MINUS_ONE,
	NMR_MT_LENGTH_MINUS_ONE,
	NMR_MT_LENGTH_PLUS_ONE,
	NMR_MT_LENGTH_ZERO,
	NMR_MT_NO_ATTACH,
	NMR_MT_NO_DETACH,
	NMR_MT_INSTANCE_VERSION_PLUS_ONE,
	NMR_MT_INSTANCE_VERSION_MINUS_ONE,
	NMR_MT_INSTANCE_SIZE_MINUS_ONE,
	NMR_MT_INSTANCE_SIZE_PLUS_ONE,
	NMR_MT_NULL_NPI,
	NMR_MT_MODULE_ID_LENGTH_MINUS_ONE,
	NMR_MT_MODULE_ID_LENGTH_PLUS_ONE,
	NMR_MT_MODULE_ID_TYPE_ZERO,
	NMR_MT_MODULE_ID_TYPE_THREE,
};

struct nmr_mt;

/* One side's binding context: which pair and side a callback is for. */
struct nmr_mt_bctx {
	struct nmr_mt *t;
	unsigned int pair;
	enum nmr_mt_role role;
};

struct nmr_mt_reg {
	struct nmr_mt *t;
	enum nmr_mt_role role;
	unsigned int pair;
	union {
		struct nmr_provider_characteristics pchars;
		struct nmr_client_characteristics cchars;
	};
	union {
		struct nmr_provider *provider;
		struct nmr_client *client;
	};
	bool registered;
	bool deregistered;
	bool waited;
};

/* The callbacks made for each pair and side. */
struct nmr_mt_counts {
	int attach[NMR_MT_PAIRS][NMR_MT_ROLES];
	int detach[NMR_MT_PAIRS][NMR_MT_ROLES];
	int cleanup[NMR_MT_PAIRS][NMR_MT_ROLES];
};

/* Per entry, test->priv. */
struct nmr_mt {
	struct kunit *test;
	/* Protects counts, pending and completed: callbacks may run anywhere. */
	spinlock_t lock;
	guid_t npi[NMR_MT_PAIRS];
	struct nmr_module_id module_id;
	/* The module id a bad registration points to. */
	struct nmr_module_id bad_module_id;
	struct nmr_mt_reg provider[NMR_MT_PAIRS];
	struct nmr_mt_reg client[NMR_MT_PAIRS];
	struct nmr_mt_bctx bctx[NMR_MT_PAIRS][NMR_MT_ROLES];
	struct nmr_binding *binding[NMR_MT_PAIRS];
	struct nmr_mt_counts counts;
	struct nmr_mt_counts before;
	/* The side's detach callback returns -EINPROGRESS. */
	bool pend[NMR_MT_PAIRS][NMR_MT_ROLES];
	bool pending[NMR_MT_PAIRS][NMR_MT_ROLES];
	bool completed[NMR_MT_PAIRS][NMR_MT_ROLES];
	/* Replaces the client's attach; its misuse's result in hook_ret. */
	int (*attach_hook)(struct nmr_mt *t, struct nmr_binding *binding, unsigned int pair);
	/* Runs in a pending detach callback. */
	void (*detach_hook)(struct nmr_mt *t, unsigned int pair, enum nmr_mt_role role);
	int hook_ret;
	struct work_struct work;
	struct nmr_binding *work_binding;
	/* A deregistration wait running on a kthread. */
	struct task_struct *waiter;
	struct nmr_mt_reg *waiter_reg;
	struct completion waiter_started;
	struct completion waiter_done;
	int waiter_ret;
	u8 *zeroes;
	u8 *garbage;
	/* A wait timed out: NMR may still point into this entry's memory. */
	bool leak;
};

/* One table entry: @fn performs the misuse and returns what it returned. */
struct nmr_misuse {
	const char *name;
	int (*fn)(struct nmr_mt *t, const struct nmr_misuse *m);
	int expect;
	enum nmr_mt_warning warning;
	int what;	/* for @fn: an entry point, a field, a role */
	int how;	/* for @fn: a handle, a role, a variant */
};

/*
 * NMR rate-limits each warning's call site, so in a fast run the entries
 * that hit a busy site may find their line muted, which the suite then
 * accepts (the count above still holds it to one warning).  With pace=1 an
 * entry first waits until its line cannot be muted, and so every line's
 * text is checked too (about a minute longer).
 */
static bool nmr_mt_pace;
module_param_named(pace, nmr_mt_pace, bool, 0444);
MODULE_PARM_DESC(pace, "Wait out NMR's warning rate limits so that every warning is checked");

/* Totals over the table, for the summary. */
static struct {
	unsigned int tried;
	unsigned int einval;
	unsigned int ignored;
	unsigned int accepted;
	unsigned int warned;
	unsigned int rate_limited;
	unsigned int paced_ms;
} nmr_mt_stats;

static const u32 nmr_mt_dispatch = 0x4d495355;	/* "MISU" */

/* Warnings, read back from the kernel log */

static struct kmsg_dump_iter nmr_mt_iter;
static char nmr_mt_line[NMR_MT_LINE];
/* When the last DEFAULT_RATELIMIT_BURST lines of each class were printed. */
static u64 nmr_mt_seen[NMR_MT_W_COUNT][DEFAULT_RATELIMIT_BURST];
static unsigned int nmr_mt_nr_seen[NMR_MT_W_COUNT];

static bool nmr_mt_class_match(enum nmr_mt_warning class, const char *text)
{
	const struct nmr_mt_class *c = &nmr_mt_classes[class];
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(c->key); i++)
		if (c->key[i] && strstr(text, c->key[i]))
			return true;
	return false;
}

/*
 * Splits a log line read with its syslog prefix, "<4>[   12.345678] nmr: ...",
 * into its level, its time stamp (local_clock(), as printk takes it) and
 * its text.  A line without a time stamp is taken as printed now.
 */
static bool nmr_mt_parse(char *line, unsigned int *level, u64 *ts, const char **text)
{
	unsigned long sec, usec;
	int n = 0;

	if (sscanf(line, "<%u>%n", level, &n) != 1 || !n)
		return false;
	line += n;
	*level &= 7;
	*ts = local_clock();
	n = 0;
	if (sscanf(line, "[%lu.%lu] %n", &sec, &usec, &n) == 2 && n) {
		*ts = (u64)sec * NSEC_PER_SEC + (u64)usec * NSEC_PER_USEC;
		line += n;
	}
	*text = line;
	return true;
}

/*
 * Reads the log lines printed since the last call, files NMR's warnings
 * under their classes, and returns how many there were, with the first in
 * @first (if not NULL).  Other modules' lines and KUnit's own are skipped:
 * NMR's start with its pr_fmt, "nmr: ".
 */
static unsigned int nmr_mt_read_warnings(char *first, size_t size)
{
	unsigned int level, n = 0;
	enum nmr_mt_warning class;
	const char *text;
	size_t len;
	u64 ts;

	while (kmsg_dump_get_line(&nmr_mt_iter, true, nmr_mt_line, sizeof(nmr_mt_line) - 1,
				  &len)) {
		while (len && nmr_mt_line[len - 1] == '\n')
			len--;
		nmr_mt_line[len] = '\0';
		if (!nmr_mt_parse(nmr_mt_line, &level, &ts, &text) ||
		    level > LOGLEVEL_WARNING || strncmp(text, "nmr: ", 5))
			continue;
		for (class = NMR_MT_W_NONE + 1; class < NMR_MT_W_COUNT; class++) {
			if (!nmr_mt_class_match(class, text))
				continue;
			nmr_mt_seen[class][nmr_mt_nr_seen[class]++ % DEFAULT_RATELIMIT_BURST] = ts;
		}
		if (first && !n++)
			strscpy(first, text, size);
	}
	return n;
}

/* What an entry expects to be warned about, and whether it may be muted. */
struct nmr_mt_watch {
	enum nmr_mt_warning class;
	bool may_be_rate_limited;
	unsigned long misuses;	/* nmr_kunit_misuses() at the start */
};

/*
 * A call site printing with pr_warn_ratelimited() is muted only after
 * DEFAULT_RATELIMIT_BURST lines within DEFAULT_RATELIMIT_INTERVAL.  The
 * log tells when each line of a class was printed, so unless the class
 * printed that many within the interval (plus a second for the CPUs'
 * clocks) before the entry starts, its warning cannot be muted and must
 * be there.
 */
static void nmr_mt_watch_begin(struct nmr_mt_watch *w, enum nmr_mt_warning class)
{
	u64 window = (u64)jiffies_to_msecs(DEFAULT_RATELIMIT_INTERVAL) * NSEC_PER_MSEC +
		     NSEC_PER_SEC;
	unsigned int n, ms;
	u64 oldest, now;

	w->class = class;
	for (;;) {
		nmr_mt_read_warnings(NULL, 0);
		n = nmr_mt_nr_seen[class];
		oldest = nmr_mt_seen[class][n % DEFAULT_RATELIMIT_BURST];
		now = local_clock();
		w->may_be_rate_limited = class != NMR_MT_W_NONE &&
			n >= DEFAULT_RATELIMIT_BURST && oldest + window >= now;
		if (!w->may_be_rate_limited || !nmr_mt_pace)
			break;
		ms = div_u64(oldest + window - now, NSEC_PER_MSEC) + 1;
		nmr_mt_stats.paced_ms += ms;
		msleep(ms);
	}
	w->misuses = nmr_kunit_misuses();
}

/* At most one warning, the one expected, naming a caller in this module. */
static void nmr_mt_watch_end(struct kunit *test, const struct nmr_mt_watch *w, bool count)
{
	const struct nmr_mt_class *c = &nmr_mt_classes[w->class];
	char *first = kunit_kzalloc(test, NMR_MT_LINE, GFP_KERNEL);
	unsigned int n;

	KUNIT_ASSERT_NOT_NULL(test, first);
	/* Counted by NMR whether or not the rate limit let the line out. */
	KUNIT_EXPECT_EQ_MSG(test, nmr_kunit_misuses() - w->misuses,
			    w->class == NMR_MT_W_NONE ? 0UL : 1UL, "misuse warnings NMR issued");
	n = nmr_mt_read_warnings(first, NMR_MT_LINE);
	if (w->class == NMR_MT_W_NONE) {
		KUNIT_EXPECT_EQ_MSG(test, n, 0U, "unexpected warning: %s", first);
		return;
	}
	KUNIT_EXPECT_LE_MSG(test, n, 1U, "more than one warning, the first: %s", first);
	if (!n) {
		KUNIT_EXPECT_TRUE_MSG(test, w->may_be_rate_limited,
				      "no warning about \"%s\", and it cannot be rate-limited",
				      c->key[0]);
		if (count)
			nmr_mt_stats.rate_limited++;
		return;
	}
	KUNIT_EXPECT_TRUE_MSG(test, nmr_mt_class_match(w->class, first),
			      "expected a warning about \"%s\", got: %s", c->key[0], first);
	if (c->names_caller)
		KUNIT_EXPECT_TRUE_MSG(test, strstr(first, "misuse by ") &&
				      strstr(first, " [" KBUILD_MODNAME "]"),
				      "the warning does not name the caller: %s", first);
	if (count)
		nmr_mt_stats.warned++;
}

/* Callbacks */

static void nmr_mt_count(struct nmr_mt *t, int (*counter)[NMR_MT_ROLES], unsigned int pair,
			 enum nmr_mt_role role)
{
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	counter[pair][role]++;
	spin_unlock_irqrestore(&t->lock, flags);
}

static int nmr_mt_attach(struct nmr_mt *t, struct nmr_binding *binding, unsigned int pair)
{
	const void *provider_dispatch = NULL;
	void *provider_context = NULL;

	return nmr_client_attach_provider(binding, &t->bctx[pair][NMR_MT_CLIENT],
					  &nmr_mt_dispatch, &provider_context,
					  &provider_dispatch);
}

static int nmr_mt_client_attach_provider(struct nmr_binding *binding, void *client_context,
					 const struct nmr_registration_instance *provider)
{
	struct nmr_mt_reg *c = client_context;
	struct nmr_mt *t = c->t;

	nmr_mt_count(t, t->counts.attach, c->pair, NMR_MT_CLIENT);
	t->binding[c->pair] = binding;
	if (t->attach_hook)
		return t->attach_hook(t, binding, c->pair);
	return nmr_mt_attach(t, binding, c->pair);
}

static int nmr_mt_provider_attach_client(struct nmr_binding *binding, void *provider_context,
					 const struct nmr_registration_instance *client,
					 void *client_binding_context,
					 const void *client_dispatch,
					 void **provider_binding_context,
					 const void **provider_dispatch)
{
	struct nmr_mt_bctx *cb = client_binding_context;
	struct nmr_mt_reg *p = provider_context;
	struct nmr_mt *t = p->t;

	/* A client of this suite always gives its context and dispatch. */
	if (!cb || cb->t != t || client_dispatch != &nmr_mt_dispatch)
		return -ENODEV;
	nmr_mt_count(t, t->counts.attach, cb->pair, NMR_MT_PROVIDER);
	*provider_binding_context = &t->bctx[cb->pair][NMR_MT_PROVIDER];
	*provider_dispatch = &nmr_mt_dispatch;
	return 0;
}

static int nmr_mt_detach(struct nmr_mt_bctx *b)
{
	struct nmr_mt *t = b->t;
	unsigned long flags;
	bool pend;

	spin_lock_irqsave(&t->lock, flags);
	t->counts.detach[b->pair][b->role]++;
	pend = t->pend[b->pair][b->role];
	t->pending[b->pair][b->role] = pend;
	spin_unlock_irqrestore(&t->lock, flags);
	if (!pend)
		return 0;
	if (t->detach_hook)
		t->detach_hook(t, b->pair, b->role);
	return -EINPROGRESS;
}

static int nmr_mt_client_detach_provider(void *client_binding_context)
{
	return nmr_mt_detach(client_binding_context);
}

static int nmr_mt_provider_detach_client(void *provider_binding_context)
{
	return nmr_mt_detach(provider_binding_context);
}

static void nmr_mt_cleanup(void *binding_context)
{
	struct nmr_mt_bctx *b = binding_context;

	nmr_mt_count(b->t, b->t->counts.cleanup, b->pair, b->role);
}

/* Registrations */

static void nmr_mt_reg_init(struct nmr_mt *t, struct nmr_mt_reg *r, enum nmr_mt_role role,
			    unsigned int pair, const guid_t *npi)
{
	struct nmr_registration_instance *inst;

	memset(r, 0, sizeof(*r));
	r->t = t;
	r->role = role;
	r->pair = pair;
	if (role == NMR_MT_CLIENT)
		inst = nmr_test_client_chars(&r->cchars, npi, nmr_mt_client_attach_provider,
					     nmr_mt_client_detach_provider, nmr_mt_cleanup);
	else
		inst = nmr_test_provider_chars(&r->pchars, npi, nmr_mt_provider_attach_client,
					       nmr_mt_provider_detach_client, nmr_mt_cleanup);
	inst->module_id = &t->module_id;
	inst->number = pair;
}

static struct nmr_mt_reg *nmr_mt_reg(struct nmr_mt *t, enum nmr_mt_role role, unsigned int pair)
{
	return role == NMR_MT_CLIENT ? &t->client[pair] : &t->provider[pair];
}

static int nmr_mt_register_call(struct nmr_mt_reg *r)
{
	int ret;

	if (r->role == NMR_MT_CLIENT)
		ret = nmr_register_client(&r->cchars, r, &r->client);
	else
		ret = nmr_register_provider(&r->pchars, r, &r->provider);
	if (!ret)
		r->registered = true;
	return ret;
}

static void nmr_mt_register(struct nmr_mt *t, struct nmr_mt_reg *r)
{
	KUNIT_ASSERT_EQ(t->test, nmr_mt_register_call(r), 0);
}

/* Registers pair @pair's provider and client; they must bind. */
static void nmr_mt_bind(struct nmr_mt *t, unsigned int pair)
{
	nmr_mt_register(t, &t->provider[pair]);
	nmr_mt_register(t, &t->client[pair]);
	KUNIT_ASSERT_EQ(t->test, t->counts.attach[pair][NMR_MT_CLIENT], 1);
	KUNIT_ASSERT_EQ(t->test, t->counts.attach[pair][NMR_MT_PROVIDER], 1);
	KUNIT_ASSERT_NOT_NULL(t->test, t->binding[pair]);
}

static void nmr_mt_deregister(struct nmr_mt *t, struct nmr_mt_reg *r)
{
	int ret;

	r->deregistered = true;
	if (r->role == NMR_MT_CLIENT)
		ret = nmr_deregister_client(r->client);
	else
		ret = nmr_deregister_provider(r->provider);
	KUNIT_EXPECT_EQ(t->test, ret, -EINPROGRESS);
}

static int nmr_mt_wait_call(struct nmr_mt_reg *r)
{
	if (r->role == NMR_MT_CLIENT)
		return nmr_wait_for_client_deregister_complete_timeout(r->client, NMR_MT_TIMEOUT);
	return nmr_wait_for_provider_deregister_complete_timeout(r->provider, NMR_MT_TIMEOUT);
}

static void nmr_mt_wait(struct nmr_mt *t, struct nmr_mt_reg *r)
{
	int ret = nmr_mt_wait_call(r);

	if (!ret)
		r->waited = true;
	else if (ret == -ETIMEDOUT)
		t->leak = true;
	KUNIT_EXPECT_EQ_MSG(t->test, ret, 0, "wait for the %s of pair %u",
			    r->role == NMR_MT_CLIENT ? "client" : "provider", r->pair);
}

/* Completes the pending detach of @role's side of pair @pair. */
static void nmr_mt_complete(struct nmr_mt *t, unsigned int pair, enum nmr_mt_role role)
{
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	t->completed[pair][role] = true;
	spin_unlock_irqrestore(&t->lock, flags);
	if (role == NMR_MT_CLIENT)
		nmr_client_detach_provider_complete(t->binding[pair]);
	else
		nmr_provider_detach_client_complete(t->binding[pair]);
}

/* A deregistration wait on a kthread, for a second wait to run beside */

static int nmr_mt_waiter_fn(void *data)
{
	struct nmr_mt *t = data;

	complete(&t->waiter_started);
	t->waiter_ret = nmr_mt_wait_call(t->waiter_reg);
	kthread_complete_and_exit(&t->waiter_done, 0);
}

/* Starts waiting for @r on a kthread; returns once that wait sleeps. */
static void nmr_mt_waiter_start(struct nmr_mt *t, struct nmr_mt_reg *r)
{
	unsigned long end = jiffies + NMR_MT_TIMEOUT;
	struct task_struct *task;

	t->waiter_reg = r;
	task = kthread_create(nmr_mt_waiter_fn, t, "nmr_misuse_wait");
	KUNIT_ASSERT_FALSE(t->test, IS_ERR(task));
	get_task_struct(task);
	t->waiter = task;
	wake_up_process(task);
	KUNIT_ASSERT_TRUE(t->test, wait_for_completion_timeout(&t->waiter_started,
							       NMR_MT_TIMEOUT));
	/* Past its start, the only sleep on its way is the wait's own. */
	while (task_is_running(task) && !completion_done(&t->waiter_done) &&
	       time_before(jiffies, end))
		usleep_range(1000, 2000);
	KUNIT_ASSERT_FALSE_MSG(t->test, task_is_running(task), "the first wait never slept");
}

static void nmr_mt_waiter_finish(struct nmr_mt *t)
{
	if (!t->waiter)
		return;
	if (!wait_for_completion_timeout(&t->waiter_done, NMR_MT_TIMEOUT)) {
		t->leak = true;
		KUNIT_FAIL(t->test, "the first wait did not return within %d s",
			   NMR_MT_TIMEOUT / HZ);
		return;
	}
	put_task_struct(t->waiter);
	t->waiter = NULL;
	if (!t->waiter_ret)
		t->waiter_reg->waited = true;
	KUNIT_EXPECT_EQ(t->test, t->waiter_ret, 0);
}

/*
 * Deregisters and waits for every registration still there, completing the
 * pending detaches; idempotent, so the release action may run it again
 * after an assertion ended the entry early.
 */
static void nmr_mt_teardown(struct nmr_mt *t)
{
	unsigned int pair, role;
	struct nmr_mt_reg *r;

	for (pair = 0; pair < NMR_MT_PAIRS; pair++)
		for (role = 0; role < NMR_MT_ROLES; role++) {
			r = nmr_mt_reg(t, role, pair);
			if (r->registered && !r->deregistered)
				nmr_mt_deregister(t, r);
		}
	for (pair = 0; pair < NMR_MT_PAIRS; pair++)
		for (role = 0; role < NMR_MT_ROLES; role++)
			if (t->pending[pair][role] && !t->completed[pair][role])
				nmr_mt_complete(t, pair, role);
	nmr_mt_waiter_finish(t);
	if (t->waiter)
		return;
	for (pair = 0; pair < NMR_MT_PAIRS; pair++)
		for (role = 0; role < NMR_MT_ROLES; role++) {
			r = nmr_mt_reg(t, role, pair);
			if (r->registered && !r->waited)
				nmr_mt_wait(t, r);
		}
}

/* Each binding made was detached and cleaned up once on each side. */
static void nmr_mt_expect_clean(struct nmr_mt *t, unsigned int pair)
{
	struct nmr_mt_counts *c = &t->counts;
	int want = c->attach[pair][NMR_MT_CLIENT] || c->attach[pair][NMR_MT_PROVIDER];
	unsigned int role;

	for (role = 0; role < NMR_MT_ROLES; role++) {
		const char *side = role == NMR_MT_CLIENT ? "client" : "provider";

		KUNIT_EXPECT_EQ_MSG(t->test, c->attach[pair][role], want, "pair %u %s attach",
				    pair, side);
		KUNIT_EXPECT_EQ_MSG(t->test, c->detach[pair][role], want, "pair %u %s detach",
				    pair, side);
		KUNIT_EXPECT_EQ_MSG(t->test, c->cleanup[pair][role], want, "pair %u %s cleanup",
				    pair, side);
	}
}

/* Before a misuse: the callbacks so far. */
static void nmr_mt_snapshot(struct nmr_mt *t)
{
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	t->before = t->counts;
	spin_unlock_irqrestore(&t->lock, flags);
}

/* After a misuse: it made no callback run. */
static void nmr_mt_expect_unchanged(struct nmr_mt *t)
{
	struct nmr_mt_counts now;
	unsigned long flags;

	spin_lock_irqsave(&t->lock, flags);
	now = t->counts;
	spin_unlock_irqrestore(&t->lock, flags);
	KUNIT_EXPECT_TRUE_MSG(t->test, !memcmp(&now, &t->before, sizeof(now)),
			      "the misuse made NMR call back");
}

/* A fresh provider and client bind and unbind: NMR is still usable. */
static void nmr_mt_expect_registry_usable(struct nmr_mt *t)
{
	struct nmr_mt_reg *p = &t->provider[NMR_MT_USABLE];
	struct nmr_mt_reg *c = &t->client[NMR_MT_USABLE];
	struct nmr_mt_watch w;

	nmr_mt_watch_begin(&w, NMR_MT_W_NONE);
	guid_gen(&t->npi[NMR_MT_USABLE]);
	nmr_mt_reg_init(t, p, NMR_MT_PROVIDER, NMR_MT_USABLE, &t->npi[NMR_MT_USABLE]);
	nmr_mt_reg_init(t, c, NMR_MT_CLIENT, NMR_MT_USABLE, &t->npi[NMR_MT_USABLE]);
	nmr_mt_bind(t, NMR_MT_USABLE);
	nmr_mt_deregister(t, c);
	nmr_mt_wait(t, c);
	KUNIT_EXPECT_EQ(t->test, t->counts.detach[NMR_MT_USABLE][NMR_MT_CLIENT], 1);
	KUNIT_EXPECT_EQ(t->test, t->counts.detach[NMR_MT_USABLE][NMR_MT_PROVIDER], 1);
	KUNIT_EXPECT_EQ(t->test, t->counts.cleanup[NMR_MT_USABLE][NMR_MT_CLIENT], 1);
	KUNIT_EXPECT_EQ(t->test, t->counts.cleanup[NMR_MT_USABLE][NMR_MT_PROVIDER], 1);
	nmr_mt_deregister(t, p);
	nmr_mt_wait(t, p);
	nmr_mt_expect_clean(t, NMR_MT_USABLE);
	nmr_mt_watch_end(t->test, &w, false);
}

/* Bad characteristics */

/*
 * Registers pair 0's peer, then pair 0's @m->how side with characteristics
 * broken as @m->what says.  Contract 7: a version, length or size NMR does
 * not know is rejected, so a length one larger than the structure is too.
 */
static int nmr_mt_bad_register(struct nmr_mt *t, const struct nmr_misuse *m)
{
	bool client = m->how == NMR_MT_CLIENT;
	struct nmr_mt_reg *r = nmr_mt_reg(t, m->how, 0);
	struct nmr_registration_instance *inst;
	struct nmr_module_id *mid = &t->bad_module_id;
	bool null_chars, null_handle;
	u16 *version, *length;
	int ret;

	nmr_mt_register(t, nmr_mt_reg(t, !m->how, 0));
	version = client ? &r->cchars.version : &r->pchars.version;
	length = client ? &r->cchars.length : &r->pchars.length;
	inst = client ? &r->cchars.client_registration_instance :
			&r->pchars.provider_registration_instance;
	*mid = t->module_id;
	inst->module_id = mid;

	switch (m->what) {
	case NMR_MT_VERSION_PLUS_ONE:
		*version = NMR_CHARACTERISTICS_VERSION + 1;
		break;
	case NMR_MT_VERSION_MINUS_ONE:
		*version = (u16)(NMR_CHARACTERISTICS_VERSION - 1);
		break;
	case NMR_MT_LENGTH_MINUS_ONE:
		*length -= 1;
		break;
	case NMR_MT_LENGTH_PLUS_ONE:
		*length += 1;
		break;
	case NMR_MT_LENGTH_ZERO:
		*length = 0;
		break;
	case NMR_MT_NO_ATTACH:
		if (client)
			r->cchars.client_attach_provider = NULL;
		else
			r->pchars.provider_attach_client = NULL;
		break;
	case NMR_MT_NO_DETACH:
		if (client)
			r->cchars.client_detach_provider = NULL;
		else
			r->pchars.provider_detach_client = NULL;
		break;
	case NMR_MT_INSTANCE_VERSION_PLUS_ONE:
		inst->version = NMR_REGISTRATION_INSTANCE_VERSION + 1;
		break;
	case NMR_MT_INSTANCE_VERSION_MINUS_ONE:
		inst->version = (u16)(NMR_REGISTRATION_INSTANCE_VERSION - 1);
		break;
	case NMR_MT_INSTANCE_SIZE_MINUS_ONE:
		inst->size -= 1;
		break;
	case NMR_MT_INSTANCE_SIZE_PLUS_ONE:
		inst->size += 1;
		break;
	case NMR_MT_NULL_NPI:
		inst->npi_id = NULL;
		break;
	case NMR_MT_MODULE_ID_LENGTH_MINUS_ONE:
		mid->length -= 1;
		break;
	case NMR_MT_MODULE_ID_LENGTH_PLUS_ONE:
		mid->length += 1;
		break;
	case NMR_MT_MODULE_ID_TYPE_ZERO:
		mid->type = 0;
		break;
	case NMR_MT_MODULE_ID_TYPE_THREE:
		mid->type = 3;
		break;
	}

	null_chars = m->what == NMR_MT_NULL_CHARS;
	null_handle = m->what == NMR_MT_NULL_HANDLE_POINTER;
	nmr_mt_snapshot(t);
	if (client)
		ret = nmr_register_client(null_chars ? NULL : &r->cchars, r,
					  null_handle ? NULL : &r->client);
	else
		ret = nmr_register_provider(null_chars ? NULL : &r->pchars, r,
					    null_handle ? NULL : &r->provider);
	/* Registered by mistake: the teardown takes it down again. */
	if (!ret && !null_handle)
		r->registered = true;
	/* Not offered to the peer: nothing was registered. */
	nmr_mt_expect_unchanged(t);
	return ret;
}

/* Bad handles */

/* A provider handle NMR has freed, returned by the wait just now. */
static void *nmr_mt_freed_provider(struct nmr_mt *t)
{
	struct nmr_mt_reg *r = &t->provider[1];

	nmr_mt_register(t, r);
	nmr_mt_deregister(t, r);
	nmr_mt_wait(t, r);
	KUNIT_ASSERT_TRUE(t->test, r->waited);
	return r->provider;
}

static void *nmr_mt_freed_client(struct nmr_mt *t)
{
	struct nmr_mt_reg *r = &t->client[1];

	nmr_mt_register(t, r);
	nmr_mt_deregister(t, r);
	nmr_mt_wait(t, r);
	KUNIT_ASSERT_TRUE(t->test, r->waited);
	return r->client;
}

/* A binding handle NMR has freed: cleaned up, and its grace period over. */
static void *nmr_mt_freed_binding(struct nmr_mt *t)
{
	nmr_mt_bind(t, 1);
	nmr_mt_deregister(t, &t->client[1]);
	nmr_mt_deregister(t, &t->provider[1]);
	nmr_mt_wait(t, &t->client[1]);
	nmr_mt_wait(t, &t->provider[1]);
	KUNIT_ASSERT_TRUE(t->test, t->client[1].waited && t->provider[1].waited);
	/* NMR frees bindings from RCU callbacks. */
	rcu_barrier();
	return t->binding[1];
}

static void *nmr_mt_handle(struct nmr_mt *t, enum nmr_mt_handle kind)
{
	switch (kind) {
	case NMR_MT_NULL:
		return NULL;
	case NMR_MT_PROVIDER_HANDLE:
		return t->provider[0].provider;
	case NMR_MT_CLIENT_HANDLE:
		return t->client[0].client;
	case NMR_MT_BINDING_HANDLE:
		return t->binding[0];
	case NMR_MT_ZEROES:
		return t->zeroes;
	case NMR_MT_GARBAGE:
		return t->garbage;
	case NMR_MT_FREED_PROVIDER:
		return nmr_mt_freed_provider(t);
	case NMR_MT_FREED_CLIENT:
		return nmr_mt_freed_client(t);
	case NMR_MT_FREED_BINDING:
		return nmr_mt_freed_binding(t);
	}
	return NULL;
}

/* Calls entry point @entry with @handle, whatever type it wants. */
static int nmr_mt_call(enum nmr_mt_entry entry, void *handle)
{
	const void *provider_dispatch = NULL;
	void *provider_context = NULL;

	switch (entry) {
	case NMR_MT_DEREGISTER_PROVIDER:
		return nmr_deregister_provider(handle);
	case NMR_MT_DEREGISTER_CLIENT:
		return nmr_deregister_client(handle);
	case NMR_MT_WAIT_PROVIDER:
		return nmr_wait_for_provider_deregister_complete(handle);
	case NMR_MT_WAIT_CLIENT:
		return nmr_wait_for_client_deregister_complete(handle);
	case NMR_MT_WAIT_PROVIDER_TIMEOUT:
		return nmr_wait_for_provider_deregister_complete_timeout(handle, NMR_MT_TIMEOUT);
	case NMR_MT_WAIT_CLIENT_TIMEOUT:
		return nmr_wait_for_client_deregister_complete_timeout(handle, NMR_MT_TIMEOUT);
	case NMR_MT_UNREGISTER_PROVIDER:
		nmr_unregister_provider(handle);
		return NMR_MT_IGNORED;
	case NMR_MT_UNREGISTER_CLIENT:
		nmr_unregister_client(handle);
		return NMR_MT_IGNORED;
	case NMR_MT_PROVIDER_REFUSE_UNLOAD:
		return nmr_provider_refuse_unload(handle);
	case NMR_MT_PROVIDER_REQUEST_UNLOAD:
		return nmr_provider_request_unload(handle);
	case NMR_MT_CLIENT_REFUSE_UNLOAD:
		return nmr_client_refuse_unload(handle);
	case NMR_MT_CLIENT_REQUEST_UNLOAD:
		return nmr_client_request_unload(handle);
	case NMR_MT_PROVIDER_COMPLETE:
		nmr_provider_detach_client_complete(handle);
		return NMR_MT_IGNORED;
	case NMR_MT_CLIENT_COMPLETE:
		nmr_client_detach_provider_complete(handle);
		return NMR_MT_IGNORED;
	case NMR_MT_ATTACH_PROVIDER:
		return nmr_client_attach_provider(handle, NULL, &nmr_mt_dispatch,
						  &provider_context, &provider_dispatch);
	case NMR_MT_CLIENT_ENTER:
		return nmr_client_enter(handle);
	case NMR_MT_CLIENT_EXIT:
		nmr_client_exit(handle);
		return NMR_MT_IGNORED;
	case NMR_MT_PROVIDER_ENTER:
		return nmr_provider_enter(handle);
	case NMR_MT_PROVIDER_EXIT:
		nmr_provider_exit(handle);
		return NMR_MT_IGNORED;
	}
	return -EOPNOTSUPP;
}

/*
 * Gives entry point @m->what the bad handle @m->how, beside a bound pair
 * whose handles are the wrong-type ones; nothing may happen to that pair.
 *
 * A freed handle is the one nmr_wait_for_*_deregister_complete() has just
 * freed, or a binding whose cleanup and grace period are over.  Touching
 * it is a use after free, which KASAN rightly reports; but in a kernel
 * without KASAN the slab object is still mapped and, right after the free,
 * not yet reused, and there NMR's type tag must catch the stale handle.
 * kasan_disable_current() models that kernel for this one call: KASAN
 * keeps the object in its quarantine (so nothing else reuses it in
 * between), still poisons it, and only stops reporting this task's
 * accesses.  The stale handle is used immediately after the free, with
 * nothing allocated in between.  (Generic KASAN keeps its free-track
 * metadata in the first bytes of a freed object, so here NMR reads that
 * rather than the NMR_TAG_FREED it wrote; neither is a valid tag.  The
 * complete_after_cleanup entries meet NMR_TAG_FREED itself, in a binding
 * still inside its grace period.)
 */
static int nmr_mt_bad_handle(struct nmr_mt *t, const struct nmr_misuse *m)
{
	bool freed = m->how >= NMR_MT_FREED_PROVIDER;
	void *handle;
	int ret;

	nmr_mt_bind(t, 0);
	handle = nmr_mt_handle(t, m->how);
	nmr_mt_snapshot(t);
	if (freed)
		kasan_disable_current();
	ret = nmr_mt_call(m->what, handle);
	if (freed)
		kasan_enable_current();
	nmr_mt_expect_unchanged(t);
	return ret;
}

/* Deregister and wait */

static int nmr_mt_deregister_twice(struct nmr_mt *t, const struct nmr_misuse *m)
{
	struct nmr_mt_reg *r = nmr_mt_reg(t, m->how, 0);
	int ret;

	nmr_mt_bind(t, 0);
	nmr_mt_deregister(t, r);
	nmr_mt_snapshot(t);
	ret = nmr_mt_call(m->what, m->how == NMR_MT_CLIENT ? (void *)r->client :
							     (void *)r->provider);
	nmr_mt_expect_unchanged(t);
	return ret;
}

static int nmr_mt_wait_before_deregister(struct nmr_mt *t, const struct nmr_misuse *m)
{
	struct nmr_mt_reg *r = nmr_mt_reg(t, m->how, 0);
	int ret;

	nmr_mt_bind(t, 0);
	nmr_mt_snapshot(t);
	ret = nmr_mt_call(m->what, m->how == NMR_MT_CLIENT ? (void *)r->client :
							     (void *)r->provider);
	nmr_mt_expect_unchanged(t);
	return ret;
}

/*
 * A second wait while the first still sleeps (the peer's detach pends):
 * rejected, and the first wait still returns once the peer completes.
 */
static int nmr_mt_second_wait(struct nmr_mt *t, const struct nmr_misuse *m)
{
	enum nmr_mt_role role = m->how;
	struct nmr_mt_reg *r = nmr_mt_reg(t, role, 0);
	int ret;

	t->pend[0][!role] = true;
	nmr_mt_bind(t, 0);
	nmr_mt_deregister(t, r);
	KUNIT_ASSERT_TRUE(t->test, t->pending[0][!role]);
	nmr_mt_waiter_start(t, r);
	nmr_mt_snapshot(t);
	ret = nmr_mt_call(m->what, role == NMR_MT_CLIENT ? (void *)r->client :
							   (void *)r->provider);
	nmr_mt_expect_unchanged(t);
	KUNIT_EXPECT_FALSE(t->test, completion_done(&t->waiter_done));
	nmr_mt_complete(t, 0, !role);
	nmr_mt_waiter_finish(t);
	return ret;
}

/* Refuse and request unload */

static int nmr_mt_refuse(struct nmr_mt_reg *r)
{
	if (r->role == NMR_MT_CLIENT)
		return nmr_client_refuse_unload(r->client);
	return nmr_provider_refuse_unload(r->provider);
}

static int nmr_mt_request(struct nmr_mt_reg *r)
{
	if (r->role == NMR_MT_CLIENT)
		return nmr_client_request_unload(r->client);
	return nmr_provider_request_unload(r->provider);
}

static int nmr_mt_refuse_after_deregister(struct nmr_mt *t, const struct nmr_misuse *m)
{
	struct nmr_mt_reg *r = nmr_mt_reg(t, m->how, 0);
	int refs, ret;

	nmr_mt_bind(t, 0);
	nmr_mt_deregister(t, r);
	refs = module_refcount(THIS_MODULE);
	ret = nmr_mt_refuse(r);
	KUNIT_EXPECT_EQ(t->test, module_refcount(THIS_MODULE), refs);
	return ret;
}

static int nmr_mt_request_without_refuse(struct nmr_mt *t, const struct nmr_misuse *m)
{
	struct nmr_mt_reg *r = nmr_mt_reg(t, m->how, 0);
	int refs, ret;

	nmr_mt_bind(t, 0);
	refs = module_refcount(THIS_MODULE);
	ret = nmr_mt_request(r);
	KUNIT_EXPECT_EQ(t->test, module_refcount(THIS_MODULE), refs);
	return ret;
}

static int nmr_mt_request_twice(struct nmr_mt *t, const struct nmr_misuse *m)
{
	struct nmr_mt_reg *r = nmr_mt_reg(t, m->how, 0);
	int refs, ret;

	nmr_mt_bind(t, 0);
	refs = module_refcount(THIS_MODULE);
	KUNIT_ASSERT_EQ(t->test, nmr_mt_refuse(r), 0);
	KUNIT_EXPECT_EQ(t->test, module_refcount(THIS_MODULE), refs + 1);
	KUNIT_ASSERT_EQ(t->test, nmr_mt_request(r), 0);
	ret = nmr_mt_request(r);
	KUNIT_EXPECT_EQ(t->test, module_refcount(THIS_MODULE), refs);
	return ret;
}

/*
 * Request unload through another registration of the same module than the
 * one that refused (@m->how: pair 0's provider refuses; the other is a
 * second provider, or the pair's client): rejected, the pin stays.
 */
static int nmr_mt_request_by_another(struct nmr_mt *t, const struct nmr_misuse *m)
{
	struct nmr_mt_reg *refuser = &t->provider[0];
	struct nmr_mt_reg *other = nmr_mt_reg(t, m->how, m->how == NMR_MT_CLIENT ? 0 : 1);
	int refs, ret;

	nmr_mt_bind(t, 0);
	if (other->pair)
		nmr_mt_register(t, other);
	refs = module_refcount(THIS_MODULE);
	KUNIT_ASSERT_EQ(t->test, nmr_mt_refuse(refuser), 0);
	ret = nmr_mt_request(other);
	KUNIT_EXPECT_EQ(t->test, module_refcount(THIS_MODULE), refs + 1);
	KUNIT_EXPECT_EQ(t->test, nmr_mt_request(refuser), 0);
	KUNIT_EXPECT_EQ(t->test, module_refcount(THIS_MODULE), refs);
	return ret;
}

/* Contract 6: a flag, not a counter; the second refuse is a silent no-op. */
static int nmr_mt_refuse_twice(struct nmr_mt *t, const struct nmr_misuse *m)
{
	struct nmr_mt_reg *r = nmr_mt_reg(t, m->how, 0);
	int refs, ret;

	nmr_mt_bind(t, 0);
	refs = module_refcount(THIS_MODULE);
	KUNIT_ASSERT_EQ(t->test, nmr_mt_refuse(r), 0);
	ret = nmr_mt_refuse(r);
	KUNIT_EXPECT_EQ(t->test, module_refcount(THIS_MODULE), refs + 1);
	KUNIT_EXPECT_EQ(t->test, nmr_mt_request(r), 0);
	KUNIT_EXPECT_EQ(t->test, module_refcount(THIS_MODULE), refs);
	return ret;
}

/* Complete */

/* @m->how's side completes an attached binding, before any detach. */
static int nmr_mt_complete_before_detach(struct nmr_mt *t, const struct nmr_misuse *m)
{
	nmr_mt_bind(t, 0);
	nmr_mt_snapshot(t);
	nmr_mt_complete(t, 0, m->how);
	nmr_mt_expect_unchanged(t);
	return NMR_MT_IGNORED;
}

/* @m->how's side returned 0 from its detach, the peer pends; @m->how completes. */
static int nmr_mt_complete_not_pending(struct nmr_mt *t, const struct nmr_misuse *m)
{
	t->pend[0][!m->how] = true;
	nmr_mt_bind(t, 0);
	nmr_mt_deregister(t, &t->provider[0]);
	KUNIT_ASSERT_TRUE(t->test, t->pending[0][!m->how]);
	nmr_mt_snapshot(t);
	nmr_mt_complete(t, 0, m->how);
	nmr_mt_expect_unchanged(t);
	return NMR_MT_IGNORED;
}

/* Both sides pend; @m->how completes twice before its peer completes. */
static int nmr_mt_complete_twice(struct nmr_mt *t, const struct nmr_misuse *m)
{
	t->pend[0][NMR_MT_CLIENT] = true;
	t->pend[0][NMR_MT_PROVIDER] = true;
	nmr_mt_bind(t, 0);
	nmr_mt_deregister(t, &t->provider[0]);
	nmr_mt_complete(t, 0, m->how);
	KUNIT_EXPECT_EQ(t->test, t->counts.cleanup[0][NMR_MT_CLIENT], 0);
	nmr_mt_snapshot(t);
	nmr_mt_complete(t, 0, m->how);
	nmr_mt_expect_unchanged(t);
	return NMR_MT_IGNORED;
}

static void nmr_mt_complete_twice_inside(struct nmr_mt *t, unsigned int pair,
					 enum nmr_mt_role role)
{
	nmr_mt_complete(t, pair, role);
	nmr_mt_complete(t, pair, role);
}

/*
 * @m->how's detach callback completes twice, then returns -EINPROGRESS:
 * the first complete counts, so the binding is cleaned up at once.
 */
static int nmr_mt_complete_twice_in_detach(struct nmr_mt *t, const struct nmr_misuse *m)
{
	t->pend[0][m->how] = true;
	t->detach_hook = nmr_mt_complete_twice_inside;
	nmr_mt_bind(t, 0);
	nmr_mt_deregister(t, &t->provider[0]);
	KUNIT_EXPECT_EQ(t->test, t->counts.cleanup[0][NMR_MT_CLIENT], 1);
	KUNIT_EXPECT_EQ(t->test, t->counts.cleanup[0][NMR_MT_PROVIDER], 1);
	return NMR_MT_IGNORED;
}

/*
 * @m->how's side pends; its complete cleans the binding up, then it
 * completes again.  The RCU read-side section keeps the binding's memory
 * NMR's (NMR frees bindings after a grace period), so the second complete
 * meets a freed handle without a use after free.
 */
static int nmr_mt_complete_after_cleanup(struct nmr_mt *t, const struct nmr_misuse *m)
{
	t->pend[0][m->how] = true;
	nmr_mt_bind(t, 0);
	nmr_mt_deregister(t, &t->provider[0]);
	rcu_read_lock();
	nmr_mt_complete(t, 0, m->how);
	nmr_mt_snapshot(t);
	nmr_mt_complete(t, 0, m->how);
	nmr_mt_expect_unchanged(t);
	rcu_read_unlock();
	KUNIT_EXPECT_EQ(t->test, t->counts.cleanup[0][NMR_MT_CLIENT], 1);
	KUNIT_EXPECT_EQ(t->test, t->counts.cleanup[0][NMR_MT_PROVIDER], 1);
	return NMR_MT_IGNORED;
}

/* nmr_client_attach_provider() where it is not allowed */

static int nmr_mt_attach_outside(struct nmr_mt *t, const struct nmr_misuse *m)
{
	int ret;

	if (m->how)
		t->pend[0][NMR_MT_CLIENT] = true;
	nmr_mt_bind(t, 0);
	if (m->how)
		nmr_mt_deregister(t, &t->provider[0]);
	nmr_mt_snapshot(t);
	ret = nmr_mt_attach(t, t->binding[0], 0);
	nmr_mt_expect_unchanged(t);
	return ret;
}

/* Pair 1's client, offered pair 0's provider, attaches pair 0's binding. */
static int nmr_mt_attach_other_binding_hook(struct nmr_mt *t, struct nmr_binding *binding,
					    unsigned int pair)
{
	t->hook_ret = nmr_mt_attach(t, t->binding[0], 0);
	return nmr_mt_attach(t, binding, pair);
}

static int nmr_mt_attach_other_binding(struct nmr_mt *t, const struct nmr_misuse *m)
{
	nmr_mt_bind(t, 0);
	nmr_mt_reg_init(t, &t->client[1], NMR_MT_CLIENT, 1, &t->npi[0]);
	t->attach_hook = nmr_mt_attach_other_binding_hook;
	nmr_mt_register(t, &t->client[1]);
	KUNIT_EXPECT_EQ(t->test, t->counts.attach[0][NMR_MT_PROVIDER], 1);
	KUNIT_EXPECT_EQ(t->test, t->counts.attach[1][NMR_MT_PROVIDER], 1);
	return t->hook_ret;
}

static void nmr_mt_attach_work_fn(struct work_struct *work)
{
	struct nmr_mt *t = container_of(work, struct nmr_mt, work);

	t->hook_ret = nmr_mt_attach(t, t->work_binding, 0);
}

/* The attach callback has another thread attach its binding. */
static int nmr_mt_attach_other_thread_hook(struct nmr_mt *t, struct nmr_binding *binding,
					   unsigned int pair)
{
	t->work_binding = binding;
	queue_work(system_wq, &t->work);
	flush_work(&t->work);
	return nmr_mt_attach(t, binding, pair);
}

static int nmr_mt_attach_twice_hook(struct nmr_mt *t, struct nmr_binding *binding,
				    unsigned int pair)
{
	int ret = nmr_mt_attach(t, binding, pair);

	t->hook_ret = nmr_mt_attach(t, binding, pair);
	return ret;
}

static int nmr_mt_attach_null_context_hook(struct nmr_mt *t, struct nmr_binding *binding,
					   unsigned int pair)
{
	const void *provider_dispatch;

	t->hook_ret = nmr_client_attach_provider(binding, &t->bctx[pair][NMR_MT_CLIENT],
						 &nmr_mt_dispatch, NULL, &provider_dispatch);
	return nmr_mt_attach(t, binding, pair);
}

static int nmr_mt_attach_null_dispatch_hook(struct nmr_mt *t, struct nmr_binding *binding,
					    unsigned int pair)
{
	void *provider_context;

	t->hook_ret = nmr_client_attach_provider(binding, &t->bctx[pair][NMR_MT_CLIENT],
						 &nmr_mt_dispatch, &provider_context, NULL);
	return nmr_mt_attach(t, binding, pair);
}

static int (*const nmr_mt_attach_hooks[])(struct nmr_mt *t, struct nmr_binding *binding,
					  unsigned int pair) = {
	nmr_mt_attach_other_thread_hook,
	nmr_mt_attach_twice_hook,
	nmr_mt_attach_null_context_hook,
	nmr_mt_attach_null_dispatch_hook,
};

/*
 * The client's attach callback misuses nmr_client_attach_provider() as
 * hook @m->how says, then attaches properly: the pair binds once.
 */
static int nmr_mt_attach_in_callback(struct nmr_mt *t, const struct nmr_misuse *m)
{
	t->attach_hook = nmr_mt_attach_hooks[m->how];
	nmr_mt_bind(t, 0);
	return t->hook_ret;
}

/* Rundown */

/*
 * An exit without an enter, on an attached binding.  NMR cannot tell it at
 * the exit (contract 8 counts per CPU, without a lock); it finds it when
 * the side detaches, reports it, and still completes the detach.
 */
static int nmr_mt_exit_without_enter(struct nmr_mt *t, const struct nmr_misuse *m)
{
	nmr_mt_bind(t, 0);
	nmr_mt_snapshot(t);
	if (m->how == NMR_MT_CLIENT)
		nmr_client_exit(t->binding[0]);
	else
		nmr_provider_exit(t->binding[0]);
	nmr_mt_expect_unchanged(t);
	return NMR_MT_IGNORED;
}

/* The table */

#define NMR_MT_CHARS(name, field, role, warning) \
	{ name, nmr_mt_bad_register, -EINVAL, warning, field, role }
#define NMR_MT_HANDLE(name, entry, handle, ret, warning) \
	{ name, nmr_mt_bad_handle, ret, warning, entry, handle }
#define NMR_MT_STATE(name, fn, ret, warning, entry, how) \
	{ name, fn, ret, warning, entry, how }

static const struct nmr_misuse nmr_misuses[] = {
	/* Registration with bad characteristics, each side. */
	NMR_MT_CHARS("register_provider_null_characteristics", NMR_MT_NULL_CHARS,
		     NMR_MT_PROVIDER, NMR_MT_W_NULL_ARG),
	NMR_MT_CHARS("register_provider_null_handle_pointer", NMR_MT_NULL_HANDLE_POINTER,
		     NMR_MT_PROVIDER, NMR_MT_W_NULL_ARG),
	NMR_MT_CHARS("register_provider_version_plus_one", NMR_MT_VERSION_PLUS_ONE,
		     NMR_MT_PROVIDER, NMR_MT_W_CHARS),
	NMR_MT_CHARS("register_provider_version_minus_one", NMR_MT_VERSION_MINUS_ONE,
		     NMR_MT_PROVIDER, NMR_MT_W_CHARS),
	NMR_MT_CHARS("register_provider_length_minus_one", NMR_MT_LENGTH_MINUS_ONE,
		     NMR_MT_PROVIDER, NMR_MT_W_CHARS),
	NMR_MT_CHARS("register_provider_length_plus_one", NMR_MT_LENGTH_PLUS_ONE,
		     NMR_MT_PROVIDER, NMR_MT_W_CHARS),
	NMR_MT_CHARS("register_provider_length_zero", NMR_MT_LENGTH_ZERO,
		     NMR_MT_PROVIDER, NMR_MT_W_CHARS),
	NMR_MT_CHARS("register_provider_without_attach_callback", NMR_MT_NO_ATTACH,
		     NMR_MT_PROVIDER, NMR_MT_W_CALLBACK),
	NMR_MT_CHARS("register_provider_without_detach_callback", NMR_MT_NO_DETACH,
		     NMR_MT_PROVIDER, NMR_MT_W_CALLBACK),
	NMR_MT_CHARS("register_provider_instance_version_plus_one",
		     NMR_MT_INSTANCE_VERSION_PLUS_ONE, NMR_MT_PROVIDER, NMR_MT_W_INSTANCE),
	NMR_MT_CHARS("register_provider_instance_version_minus_one",
		     NMR_MT_INSTANCE_VERSION_MINUS_ONE, NMR_MT_PROVIDER, NMR_MT_W_INSTANCE),
	NMR_MT_CHARS("register_provider_instance_size_minus_one",
		     NMR_MT_INSTANCE_SIZE_MINUS_ONE, NMR_MT_PROVIDER, NMR_MT_W_INSTANCE),
	NMR_MT_CHARS("register_provider_instance_size_plus_one",
		     NMR_MT_INSTANCE_SIZE_PLUS_ONE, NMR_MT_PROVIDER, NMR_MT_W_INSTANCE),
	NMR_MT_CHARS("register_provider_null_npi_id", NMR_MT_NULL_NPI,
		     NMR_MT_PROVIDER, NMR_MT_W_NPI),
	NMR_MT_CHARS("register_provider_module_id_length_minus_one",
		     NMR_MT_MODULE_ID_LENGTH_MINUS_ONE, NMR_MT_PROVIDER, NMR_MT_W_MODULE_ID),
	NMR_MT_CHARS("register_provider_module_id_length_plus_one",
		     NMR_MT_MODULE_ID_LENGTH_PLUS_ONE, NMR_MT_PROVIDER, NMR_MT_W_MODULE_ID),
	NMR_MT_CHARS("register_provider_module_id_type_zero",
		     NMR_MT_MODULE_ID_TYPE_ZERO, NMR_MT_PROVIDER, NMR_MT_W_MODULE_ID),
	NMR_MT_CHARS("register_provider_module_id_type_three",
		     NMR_MT_MODULE_ID_TYPE_THREE, NMR_MT_PROVIDER, NMR_MT_W_MODULE_ID),
	NMR_MT_CHARS("register_client_null_characteristics", NMR_MT_NULL_CHARS,
		     NMR_MT_CLIENT, NMR_MT_W_NULL_ARG),
	NMR_MT_CHARS("register_client_null_handle_pointer", NMR_MT_NULL_HANDLE_POINTER,
		     NMR_MT_CLIENT, NMR_MT_W_NULL_ARG),
	NMR_MT_CHARS("register_client_version_plus_one", NMR_MT_VERSION_PLUS_ONE,
		     NMR_MT_CLIENT, NMR_MT_W_CHARS),
	NMR_MT_CHARS("register_client_version_minus_one", NMR_MT_VERSION_MINUS_ONE,
		     NMR_MT_CLIENT, NMR_MT_W_CHARS),
	NMR_MT_CHARS("register_client_length_minus_one", NMR_MT_LENGTH_MINUS_ONE,
		     NMR_MT_CLIENT, NMR_MT_W_CHARS),
	NMR_MT_CHARS("register_client_length_plus_one", NMR_MT_LENGTH_PLUS_ONE,
		     NMR_MT_CLIENT, NMR_MT_W_CHARS),
	NMR_MT_CHARS("register_client_length_zero", NMR_MT_LENGTH_ZERO,
		     NMR_MT_CLIENT, NMR_MT_W_CHARS),
	NMR_MT_CHARS("register_client_without_attach_callback", NMR_MT_NO_ATTACH,
		     NMR_MT_CLIENT, NMR_MT_W_CALLBACK),
	NMR_MT_CHARS("register_client_without_detach_callback", NMR_MT_NO_DETACH,
		     NMR_MT_CLIENT, NMR_MT_W_CALLBACK),
	NMR_MT_CHARS("register_client_instance_version_plus_one",
		     NMR_MT_INSTANCE_VERSION_PLUS_ONE, NMR_MT_CLIENT, NMR_MT_W_INSTANCE),
	NMR_MT_CHARS("register_client_instance_version_minus_one",
		     NMR_MT_INSTANCE_VERSION_MINUS_ONE, NMR_MT_CLIENT, NMR_MT_W_INSTANCE),
	NMR_MT_CHARS("register_client_instance_size_minus_one",
		     NMR_MT_INSTANCE_SIZE_MINUS_ONE, NMR_MT_CLIENT, NMR_MT_W_INSTANCE),
	NMR_MT_CHARS("register_client_instance_size_plus_one",
		     NMR_MT_INSTANCE_SIZE_PLUS_ONE, NMR_MT_CLIENT, NMR_MT_W_INSTANCE),
	NMR_MT_CHARS("register_client_null_npi_id", NMR_MT_NULL_NPI,
		     NMR_MT_CLIENT, NMR_MT_W_NPI),
	NMR_MT_CHARS("register_client_module_id_length_minus_one",
		     NMR_MT_MODULE_ID_LENGTH_MINUS_ONE, NMR_MT_CLIENT, NMR_MT_W_MODULE_ID),
	NMR_MT_CHARS("register_client_module_id_length_plus_one",
		     NMR_MT_MODULE_ID_LENGTH_PLUS_ONE, NMR_MT_CLIENT, NMR_MT_W_MODULE_ID),
	NMR_MT_CHARS("register_client_module_id_type_zero",
		     NMR_MT_MODULE_ID_TYPE_ZERO, NMR_MT_CLIENT, NMR_MT_W_MODULE_ID),
	NMR_MT_CHARS("register_client_module_id_type_three",
		     NMR_MT_MODULE_ID_TYPE_THREE, NMR_MT_CLIENT, NMR_MT_W_MODULE_ID),

	/* Entry points taking a provider handle. */
	NMR_MT_HANDLE("deregister_provider_null", NMR_MT_DEREGISTER_PROVIDER,
		      NMR_MT_NULL, -EINVAL, NMR_MT_W_NULL_REG),
	NMR_MT_HANDLE("deregister_provider_client_handle", NMR_MT_DEREGISTER_PROVIDER,
		      NMR_MT_CLIENT_HANDLE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("deregister_provider_binding_handle", NMR_MT_DEREGISTER_PROVIDER,
		      NMR_MT_BINDING_HANDLE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("deregister_provider_zeroes", NMR_MT_DEREGISTER_PROVIDER,
		      NMR_MT_ZEROES, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("deregister_provider_garbage", NMR_MT_DEREGISTER_PROVIDER,
		      NMR_MT_GARBAGE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("deregister_provider_freed_handle", NMR_MT_DEREGISTER_PROVIDER,
		      NMR_MT_FREED_PROVIDER, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("wait_for_provider_null", NMR_MT_WAIT_PROVIDER,
		      NMR_MT_NULL, -EINVAL, NMR_MT_W_NULL_REG),
	NMR_MT_HANDLE("wait_for_provider_client_handle", NMR_MT_WAIT_PROVIDER,
		      NMR_MT_CLIENT_HANDLE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("wait_for_provider_binding_handle", NMR_MT_WAIT_PROVIDER,
		      NMR_MT_BINDING_HANDLE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("wait_for_provider_zeroes", NMR_MT_WAIT_PROVIDER,
		      NMR_MT_ZEROES, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("wait_for_provider_garbage", NMR_MT_WAIT_PROVIDER,
		      NMR_MT_GARBAGE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("wait_for_provider_twice", NMR_MT_WAIT_PROVIDER,
		      NMR_MT_FREED_PROVIDER, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("wait_for_provider_timeout_null", NMR_MT_WAIT_PROVIDER_TIMEOUT,
		      NMR_MT_NULL, -EINVAL, NMR_MT_W_NULL_REG),
	NMR_MT_HANDLE("wait_for_provider_timeout_client_handle", NMR_MT_WAIT_PROVIDER_TIMEOUT,
		      NMR_MT_CLIENT_HANDLE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("wait_for_provider_timeout_binding_handle", NMR_MT_WAIT_PROVIDER_TIMEOUT,
		      NMR_MT_BINDING_HANDLE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("wait_for_provider_timeout_zeroes", NMR_MT_WAIT_PROVIDER_TIMEOUT,
		      NMR_MT_ZEROES, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("wait_for_provider_timeout_garbage", NMR_MT_WAIT_PROVIDER_TIMEOUT,
		      NMR_MT_GARBAGE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("wait_for_provider_timeout_twice", NMR_MT_WAIT_PROVIDER_TIMEOUT,
		      NMR_MT_FREED_PROVIDER, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("unregister_provider_null", NMR_MT_UNREGISTER_PROVIDER,
		      NMR_MT_NULL, NMR_MT_IGNORED, NMR_MT_W_NULL_REG),
	NMR_MT_HANDLE("unregister_provider_client_handle", NMR_MT_UNREGISTER_PROVIDER,
		      NMR_MT_CLIENT_HANDLE, NMR_MT_IGNORED, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("unregister_provider_binding_handle", NMR_MT_UNREGISTER_PROVIDER,
		      NMR_MT_BINDING_HANDLE, NMR_MT_IGNORED, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("unregister_provider_zeroes", NMR_MT_UNREGISTER_PROVIDER,
		      NMR_MT_ZEROES, NMR_MT_IGNORED, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("unregister_provider_garbage", NMR_MT_UNREGISTER_PROVIDER,
		      NMR_MT_GARBAGE, NMR_MT_IGNORED, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("unregister_provider_freed_handle", NMR_MT_UNREGISTER_PROVIDER,
		      NMR_MT_FREED_PROVIDER, NMR_MT_IGNORED, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("provider_refuse_unload_null", NMR_MT_PROVIDER_REFUSE_UNLOAD,
		      NMR_MT_NULL, -EINVAL, NMR_MT_W_NULL_REG),
	NMR_MT_HANDLE("provider_refuse_unload_client_handle", NMR_MT_PROVIDER_REFUSE_UNLOAD,
		      NMR_MT_CLIENT_HANDLE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("provider_refuse_unload_binding_handle", NMR_MT_PROVIDER_REFUSE_UNLOAD,
		      NMR_MT_BINDING_HANDLE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("provider_refuse_unload_zeroes", NMR_MT_PROVIDER_REFUSE_UNLOAD,
		      NMR_MT_ZEROES, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("provider_refuse_unload_garbage", NMR_MT_PROVIDER_REFUSE_UNLOAD,
		      NMR_MT_GARBAGE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("provider_refuse_unload_freed_handle", NMR_MT_PROVIDER_REFUSE_UNLOAD,
		      NMR_MT_FREED_PROVIDER, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("provider_request_unload_null", NMR_MT_PROVIDER_REQUEST_UNLOAD,
		      NMR_MT_NULL, -EINVAL, NMR_MT_W_NULL_REG),
	NMR_MT_HANDLE("provider_request_unload_client_handle", NMR_MT_PROVIDER_REQUEST_UNLOAD,
		      NMR_MT_CLIENT_HANDLE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("provider_request_unload_binding_handle", NMR_MT_PROVIDER_REQUEST_UNLOAD,
		      NMR_MT_BINDING_HANDLE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("provider_request_unload_zeroes", NMR_MT_PROVIDER_REQUEST_UNLOAD,
		      NMR_MT_ZEROES, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("provider_request_unload_garbage", NMR_MT_PROVIDER_REQUEST_UNLOAD,
		      NMR_MT_GARBAGE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("provider_request_unload_freed_handle", NMR_MT_PROVIDER_REQUEST_UNLOAD,
		      NMR_MT_FREED_PROVIDER, -EINVAL, NMR_MT_W_REG_TAG),

	/* Entry points taking a client handle. */
	NMR_MT_HANDLE("deregister_client_null", NMR_MT_DEREGISTER_CLIENT,
		      NMR_MT_NULL, -EINVAL, NMR_MT_W_NULL_REG),
	NMR_MT_HANDLE("deregister_client_provider_handle", NMR_MT_DEREGISTER_CLIENT,
		      NMR_MT_PROVIDER_HANDLE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("deregister_client_binding_handle", NMR_MT_DEREGISTER_CLIENT,
		      NMR_MT_BINDING_HANDLE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("deregister_client_zeroes", NMR_MT_DEREGISTER_CLIENT,
		      NMR_MT_ZEROES, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("deregister_client_garbage", NMR_MT_DEREGISTER_CLIENT,
		      NMR_MT_GARBAGE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("deregister_client_freed_handle", NMR_MT_DEREGISTER_CLIENT,
		      NMR_MT_FREED_CLIENT, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("wait_for_client_null", NMR_MT_WAIT_CLIENT,
		      NMR_MT_NULL, -EINVAL, NMR_MT_W_NULL_REG),
	NMR_MT_HANDLE("wait_for_client_provider_handle", NMR_MT_WAIT_CLIENT,
		      NMR_MT_PROVIDER_HANDLE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("wait_for_client_binding_handle", NMR_MT_WAIT_CLIENT,
		      NMR_MT_BINDING_HANDLE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("wait_for_client_zeroes", NMR_MT_WAIT_CLIENT,
		      NMR_MT_ZEROES, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("wait_for_client_garbage", NMR_MT_WAIT_CLIENT,
		      NMR_MT_GARBAGE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("wait_for_client_twice", NMR_MT_WAIT_CLIENT,
		      NMR_MT_FREED_CLIENT, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("wait_for_client_timeout_null", NMR_MT_WAIT_CLIENT_TIMEOUT,
		      NMR_MT_NULL, -EINVAL, NMR_MT_W_NULL_REG),
	NMR_MT_HANDLE("wait_for_client_timeout_provider_handle", NMR_MT_WAIT_CLIENT_TIMEOUT,
		      NMR_MT_PROVIDER_HANDLE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("wait_for_client_timeout_binding_handle", NMR_MT_WAIT_CLIENT_TIMEOUT,
		      NMR_MT_BINDING_HANDLE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("wait_for_client_timeout_zeroes", NMR_MT_WAIT_CLIENT_TIMEOUT,
		      NMR_MT_ZEROES, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("wait_for_client_timeout_garbage", NMR_MT_WAIT_CLIENT_TIMEOUT,
		      NMR_MT_GARBAGE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("wait_for_client_timeout_twice", NMR_MT_WAIT_CLIENT_TIMEOUT,
		      NMR_MT_FREED_CLIENT, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("unregister_client_null", NMR_MT_UNREGISTER_CLIENT,
		      NMR_MT_NULL, NMR_MT_IGNORED, NMR_MT_W_NULL_REG),
	NMR_MT_HANDLE("unregister_client_provider_handle", NMR_MT_UNREGISTER_CLIENT,
		      NMR_MT_PROVIDER_HANDLE, NMR_MT_IGNORED, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("unregister_client_binding_handle", NMR_MT_UNREGISTER_CLIENT,
		      NMR_MT_BINDING_HANDLE, NMR_MT_IGNORED, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("unregister_client_zeroes", NMR_MT_UNREGISTER_CLIENT,
		      NMR_MT_ZEROES, NMR_MT_IGNORED, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("unregister_client_garbage", NMR_MT_UNREGISTER_CLIENT,
		      NMR_MT_GARBAGE, NMR_MT_IGNORED, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("unregister_client_freed_handle", NMR_MT_UNREGISTER_CLIENT,
		      NMR_MT_FREED_CLIENT, NMR_MT_IGNORED, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("client_refuse_unload_null", NMR_MT_CLIENT_REFUSE_UNLOAD,
		      NMR_MT_NULL, -EINVAL, NMR_MT_W_NULL_REG),
	NMR_MT_HANDLE("client_refuse_unload_provider_handle", NMR_MT_CLIENT_REFUSE_UNLOAD,
		      NMR_MT_PROVIDER_HANDLE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("client_refuse_unload_binding_handle", NMR_MT_CLIENT_REFUSE_UNLOAD,
		      NMR_MT_BINDING_HANDLE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("client_refuse_unload_zeroes", NMR_MT_CLIENT_REFUSE_UNLOAD,
		      NMR_MT_ZEROES, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("client_refuse_unload_garbage", NMR_MT_CLIENT_REFUSE_UNLOAD,
		      NMR_MT_GARBAGE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("client_refuse_unload_freed_handle", NMR_MT_CLIENT_REFUSE_UNLOAD,
		      NMR_MT_FREED_CLIENT, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("client_request_unload_null", NMR_MT_CLIENT_REQUEST_UNLOAD,
		      NMR_MT_NULL, -EINVAL, NMR_MT_W_NULL_REG),
	NMR_MT_HANDLE("client_request_unload_provider_handle", NMR_MT_CLIENT_REQUEST_UNLOAD,
		      NMR_MT_PROVIDER_HANDLE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("client_request_unload_binding_handle", NMR_MT_CLIENT_REQUEST_UNLOAD,
		      NMR_MT_BINDING_HANDLE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("client_request_unload_zeroes", NMR_MT_CLIENT_REQUEST_UNLOAD,
		      NMR_MT_ZEROES, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("client_request_unload_garbage", NMR_MT_CLIENT_REQUEST_UNLOAD,
		      NMR_MT_GARBAGE, -EINVAL, NMR_MT_W_REG_TAG),
	NMR_MT_HANDLE("client_request_unload_freed_handle", NMR_MT_CLIENT_REQUEST_UNLOAD,
		      NMR_MT_FREED_CLIENT, -EINVAL, NMR_MT_W_REG_TAG),

	/* Entry points taking a binding handle. */
	NMR_MT_HANDLE("provider_complete_null", NMR_MT_PROVIDER_COMPLETE,
		      NMR_MT_NULL, NMR_MT_IGNORED, NMR_MT_W_NULL_BINDING),
	NMR_MT_HANDLE("provider_complete_provider_handle", NMR_MT_PROVIDER_COMPLETE,
		      NMR_MT_PROVIDER_HANDLE, NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("provider_complete_client_handle", NMR_MT_PROVIDER_COMPLETE,
		      NMR_MT_CLIENT_HANDLE, NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("provider_complete_zeroes", NMR_MT_PROVIDER_COMPLETE,
		      NMR_MT_ZEROES, NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("provider_complete_garbage", NMR_MT_PROVIDER_COMPLETE,
		      NMR_MT_GARBAGE, NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("provider_complete_freed_binding", NMR_MT_PROVIDER_COMPLETE,
		      NMR_MT_FREED_BINDING, NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("client_complete_null", NMR_MT_CLIENT_COMPLETE,
		      NMR_MT_NULL, NMR_MT_IGNORED, NMR_MT_W_NULL_BINDING),
	NMR_MT_HANDLE("client_complete_provider_handle", NMR_MT_CLIENT_COMPLETE,
		      NMR_MT_PROVIDER_HANDLE, NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("client_complete_client_handle", NMR_MT_CLIENT_COMPLETE,
		      NMR_MT_CLIENT_HANDLE, NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("client_complete_zeroes", NMR_MT_CLIENT_COMPLETE,
		      NMR_MT_ZEROES, NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("client_complete_garbage", NMR_MT_CLIENT_COMPLETE,
		      NMR_MT_GARBAGE, NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("client_complete_freed_binding", NMR_MT_CLIENT_COMPLETE,
		      NMR_MT_FREED_BINDING, NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("client_attach_provider_null", NMR_MT_ATTACH_PROVIDER,
		      NMR_MT_NULL, -EINVAL, NMR_MT_W_NULL_BINDING),
	NMR_MT_HANDLE("client_attach_provider_provider_handle", NMR_MT_ATTACH_PROVIDER,
		      NMR_MT_PROVIDER_HANDLE, -EINVAL, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("client_attach_provider_client_handle", NMR_MT_ATTACH_PROVIDER,
		      NMR_MT_CLIENT_HANDLE, -EINVAL, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("client_attach_provider_zeroes", NMR_MT_ATTACH_PROVIDER,
		      NMR_MT_ZEROES, -EINVAL, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("client_attach_provider_garbage", NMR_MT_ATTACH_PROVIDER,
		      NMR_MT_GARBAGE, -EINVAL, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("client_attach_provider_freed_binding", NMR_MT_ATTACH_PROVIDER,
		      NMR_MT_FREED_BINDING, -EINVAL, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("client_enter_null", NMR_MT_CLIENT_ENTER,
		      NMR_MT_NULL, false, NMR_MT_W_NULL_BINDING),
	NMR_MT_HANDLE("client_enter_provider_handle", NMR_MT_CLIENT_ENTER,
		      NMR_MT_PROVIDER_HANDLE, false, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("client_enter_client_handle", NMR_MT_CLIENT_ENTER,
		      NMR_MT_CLIENT_HANDLE, false, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("client_enter_zeroes", NMR_MT_CLIENT_ENTER,
		      NMR_MT_ZEROES, false, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("client_enter_garbage", NMR_MT_CLIENT_ENTER,
		      NMR_MT_GARBAGE, false, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("client_enter_freed_binding", NMR_MT_CLIENT_ENTER,
		      NMR_MT_FREED_BINDING, false, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("client_exit_null", NMR_MT_CLIENT_EXIT,
		      NMR_MT_NULL, NMR_MT_IGNORED, NMR_MT_W_NULL_BINDING),
	NMR_MT_HANDLE("client_exit_provider_handle", NMR_MT_CLIENT_EXIT,
		      NMR_MT_PROVIDER_HANDLE, NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("client_exit_client_handle", NMR_MT_CLIENT_EXIT,
		      NMR_MT_CLIENT_HANDLE, NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("client_exit_zeroes", NMR_MT_CLIENT_EXIT,
		      NMR_MT_ZEROES, NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("client_exit_garbage", NMR_MT_CLIENT_EXIT,
		      NMR_MT_GARBAGE, NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("client_exit_freed_binding", NMR_MT_CLIENT_EXIT,
		      NMR_MT_FREED_BINDING, NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("provider_enter_null", NMR_MT_PROVIDER_ENTER,
		      NMR_MT_NULL, false, NMR_MT_W_NULL_BINDING),
	NMR_MT_HANDLE("provider_enter_provider_handle", NMR_MT_PROVIDER_ENTER,
		      NMR_MT_PROVIDER_HANDLE, false, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("provider_enter_client_handle", NMR_MT_PROVIDER_ENTER,
		      NMR_MT_CLIENT_HANDLE, false, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("provider_enter_zeroes", NMR_MT_PROVIDER_ENTER,
		      NMR_MT_ZEROES, false, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("provider_enter_garbage", NMR_MT_PROVIDER_ENTER,
		      NMR_MT_GARBAGE, false, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("provider_enter_freed_binding", NMR_MT_PROVIDER_ENTER,
		      NMR_MT_FREED_BINDING, false, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("provider_exit_null", NMR_MT_PROVIDER_EXIT,
		      NMR_MT_NULL, NMR_MT_IGNORED, NMR_MT_W_NULL_BINDING),
	NMR_MT_HANDLE("provider_exit_provider_handle", NMR_MT_PROVIDER_EXIT,
		      NMR_MT_PROVIDER_HANDLE, NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("provider_exit_client_handle", NMR_MT_PROVIDER_EXIT,
		      NMR_MT_CLIENT_HANDLE, NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("provider_exit_zeroes", NMR_MT_PROVIDER_EXIT,
		      NMR_MT_ZEROES, NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("provider_exit_garbage", NMR_MT_PROVIDER_EXIT,
		      NMR_MT_GARBAGE, NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG),
	NMR_MT_HANDLE("provider_exit_freed_binding", NMR_MT_PROVIDER_EXIT,
		      NMR_MT_FREED_BINDING, NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG),

	/* Deregister and wait out of turn. */
	NMR_MT_STATE("deregister_provider_twice", nmr_mt_deregister_twice, -EINVAL,
		     NMR_MT_W_TWICE, NMR_MT_DEREGISTER_PROVIDER, NMR_MT_PROVIDER),
	NMR_MT_STATE("deregister_client_twice", nmr_mt_deregister_twice, -EINVAL,
		     NMR_MT_W_TWICE, NMR_MT_DEREGISTER_CLIENT, NMR_MT_CLIENT),
	NMR_MT_STATE("unregister_provider_after_deregister", nmr_mt_deregister_twice,
		     NMR_MT_IGNORED, NMR_MT_W_TWICE, NMR_MT_UNREGISTER_PROVIDER, NMR_MT_PROVIDER),
	NMR_MT_STATE("unregister_client_after_deregister", nmr_mt_deregister_twice,
		     NMR_MT_IGNORED, NMR_MT_W_TWICE, NMR_MT_UNREGISTER_CLIENT, NMR_MT_CLIENT),
	NMR_MT_STATE("wait_for_provider_before_deregister", nmr_mt_wait_before_deregister,
		     -EINVAL, NMR_MT_W_WAIT, NMR_MT_WAIT_PROVIDER, NMR_MT_PROVIDER),
	NMR_MT_STATE("wait_for_client_before_deregister", nmr_mt_wait_before_deregister,
		     -EINVAL, NMR_MT_W_WAIT, NMR_MT_WAIT_CLIENT, NMR_MT_CLIENT),
	NMR_MT_STATE("wait_for_provider_timeout_before_deregister",
		     nmr_mt_wait_before_deregister, -EINVAL, NMR_MT_W_WAIT,
		     NMR_MT_WAIT_PROVIDER_TIMEOUT, NMR_MT_PROVIDER),
	NMR_MT_STATE("wait_for_client_timeout_before_deregister",
		     nmr_mt_wait_before_deregister, -EINVAL, NMR_MT_W_WAIT,
		     NMR_MT_WAIT_CLIENT_TIMEOUT, NMR_MT_CLIENT),
	NMR_MT_STATE("wait_for_provider_while_another_wait_runs", nmr_mt_second_wait,
		     -EINVAL, NMR_MT_W_WAIT, NMR_MT_WAIT_PROVIDER, NMR_MT_PROVIDER),
	NMR_MT_STATE("wait_for_client_while_another_wait_runs", nmr_mt_second_wait,
		     -EINVAL, NMR_MT_W_WAIT, NMR_MT_WAIT_CLIENT, NMR_MT_CLIENT),
	NMR_MT_STATE("wait_for_provider_timeout_while_another_wait_runs", nmr_mt_second_wait,
		     -EINVAL, NMR_MT_W_WAIT, NMR_MT_WAIT_PROVIDER_TIMEOUT, NMR_MT_PROVIDER),
	NMR_MT_STATE("wait_for_client_timeout_while_another_wait_runs", nmr_mt_second_wait,
		     -EINVAL, NMR_MT_W_WAIT, NMR_MT_WAIT_CLIENT_TIMEOUT, NMR_MT_CLIENT),

	/* Refuse and request unload out of turn. */
	NMR_MT_STATE("provider_refuse_unload_after_deregister", nmr_mt_refuse_after_deregister,
		     -EINVAL, NMR_MT_W_REFUSE, 0, NMR_MT_PROVIDER),
	NMR_MT_STATE("client_refuse_unload_after_deregister", nmr_mt_refuse_after_deregister,
		     -EINVAL, NMR_MT_W_REFUSE, 0, NMR_MT_CLIENT),
	NMR_MT_STATE("provider_request_unload_without_refuse", nmr_mt_request_without_refuse,
		     -EINVAL, NMR_MT_W_REQUEST, 0, NMR_MT_PROVIDER),
	NMR_MT_STATE("client_request_unload_without_refuse", nmr_mt_request_without_refuse,
		     -EINVAL, NMR_MT_W_REQUEST, 0, NMR_MT_CLIENT),
	NMR_MT_STATE("provider_request_unload_twice", nmr_mt_request_twice,
		     -EINVAL, NMR_MT_W_REQUEST, 0, NMR_MT_PROVIDER),
	NMR_MT_STATE("client_request_unload_twice", nmr_mt_request_twice,
		     -EINVAL, NMR_MT_W_REQUEST, 0, NMR_MT_CLIENT),
	NMR_MT_STATE("request_unload_by_another_provider", nmr_mt_request_by_another,
		     -EINVAL, NMR_MT_W_REQUEST, 0, NMR_MT_PROVIDER),
	NMR_MT_STATE("request_unload_by_the_client_of_a_refusing_provider",
		     nmr_mt_request_by_another, -EINVAL, NMR_MT_W_REQUEST, 0, NMR_MT_CLIENT),
	NMR_MT_STATE("provider_refuse_unload_twice_pins_once", nmr_mt_refuse_twice,
		     0, NMR_MT_W_NONE, 0, NMR_MT_PROVIDER),
	NMR_MT_STATE("client_refuse_unload_twice_pins_once", nmr_mt_refuse_twice,
		     0, NMR_MT_W_NONE, 0, NMR_MT_CLIENT),

	/* Complete out of turn. */
	NMR_MT_STATE("provider_complete_before_detach", nmr_mt_complete_before_detach,
		     NMR_MT_IGNORED, NMR_MT_W_COMPLETE, 0, NMR_MT_PROVIDER),
	NMR_MT_STATE("client_complete_before_detach", nmr_mt_complete_before_detach,
		     NMR_MT_IGNORED, NMR_MT_W_COMPLETE, 0, NMR_MT_CLIENT),
	NMR_MT_STATE("provider_complete_after_detach_returned_zero",
		     nmr_mt_complete_not_pending, NMR_MT_IGNORED, NMR_MT_W_COMPLETE, 0,
		     NMR_MT_PROVIDER),
	NMR_MT_STATE("client_complete_after_detach_returned_zero",
		     nmr_mt_complete_not_pending, NMR_MT_IGNORED, NMR_MT_W_COMPLETE, 0,
		     NMR_MT_CLIENT),
	NMR_MT_STATE("provider_complete_twice", nmr_mt_complete_twice,
		     NMR_MT_IGNORED, NMR_MT_W_COMPLETE, 0, NMR_MT_PROVIDER),
	NMR_MT_STATE("client_complete_twice", nmr_mt_complete_twice,
		     NMR_MT_IGNORED, NMR_MT_W_COMPLETE, 0, NMR_MT_CLIENT),
	NMR_MT_STATE("provider_complete_twice_in_detach_callback",
		     nmr_mt_complete_twice_in_detach, NMR_MT_IGNORED, NMR_MT_W_COMPLETE, 0,
		     NMR_MT_PROVIDER),
	NMR_MT_STATE("client_complete_twice_in_detach_callback",
		     nmr_mt_complete_twice_in_detach, NMR_MT_IGNORED, NMR_MT_W_COMPLETE, 0,
		     NMR_MT_CLIENT),
	NMR_MT_STATE("provider_complete_after_cleanup", nmr_mt_complete_after_cleanup,
		     NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG, 0, NMR_MT_PROVIDER),
	NMR_MT_STATE("client_complete_after_cleanup", nmr_mt_complete_after_cleanup,
		     NMR_MT_IGNORED, NMR_MT_W_BINDING_TAG, 0, NMR_MT_CLIENT),

	/* nmr_client_attach_provider() where it is not allowed. */
	NMR_MT_STATE("attach_provider_outside_callback_when_attached", nmr_mt_attach_outside,
		     -EINVAL, NMR_MT_W_OUTSIDE, 0, 0),
	NMR_MT_STATE("attach_provider_outside_callback_when_detaching", nmr_mt_attach_outside,
		     -EINVAL, NMR_MT_W_OUTSIDE, 0, 1),
	NMR_MT_STATE("attach_provider_for_another_binding_in_callback",
		     nmr_mt_attach_other_binding, -EINVAL, NMR_MT_W_OUTSIDE, 0, 0),
	NMR_MT_STATE("attach_provider_from_another_thread_during_callback",
		     nmr_mt_attach_in_callback, -EINVAL, NMR_MT_W_OUTSIDE, 0, 0),
	NMR_MT_STATE("attach_provider_twice_in_callback", nmr_mt_attach_in_callback,
		     -EINVAL, NMR_MT_W_ATTACHED, 0, 1),
	NMR_MT_STATE("attach_provider_null_provider_binding_context",
		     nmr_mt_attach_in_callback, -EINVAL, NMR_MT_W_OUT_PARAM, 0, 2),
	NMR_MT_STATE("attach_provider_null_provider_dispatch", nmr_mt_attach_in_callback,
		     -EINVAL, NMR_MT_W_OUT_PARAM, 0, 3),

	/* Rundown. */
	NMR_MT_STATE("client_exit_without_enter", nmr_mt_exit_without_enter,
		     NMR_MT_IGNORED, NMR_MT_W_EXIT, 0, NMR_MT_CLIENT),
	NMR_MT_STATE("provider_exit_without_enter", nmr_mt_exit_without_enter,
		     NMR_MT_IGNORED, NMR_MT_W_EXIT, 0, NMR_MT_PROVIDER),
};

KUNIT_ARRAY_PARAM_DESC(nmr_misuse, nmr_misuses, name);

static void misuse_is_rejected_or_ignored(struct kunit *test)
{
	const struct nmr_misuse *m = test->param_value;
	struct nmr_mt *t = test->priv;
	struct nmr_mt_watch w;
	unsigned int pair;
	int ret;

	nmr_mt_watch_begin(&w, m->warning);
	ret = m->fn(t, m);
	KUNIT_EXPECT_EQ(test, ret, m->expect);
	nmr_mt_teardown(t);
	t->attach_hook = NULL;
	t->detach_hook = NULL;
	for (pair = 0; pair < NMR_MT_USABLE; pair++)
		nmr_mt_expect_clean(t, pair);
	nmr_mt_watch_end(test, &w, true);
	nmr_mt_expect_registry_usable(t);

	nmr_mt_stats.tried++;
	if (ret == -EINVAL)
		nmr_mt_stats.einval++;
	else if (ret == NMR_MT_IGNORED || m->warning != NMR_MT_W_NONE)
		nmr_mt_stats.ignored++;
	else
		nmr_mt_stats.accepted++;
}

static void every_bad_input_was_tried(struct kunit *test)
{
	kunit_info(test, "%u bad inputs tried: %u returned -EINVAL, %u ignored (void, or enter false), %u returned 0 as the contract says",
		   nmr_mt_stats.tried, nmr_mt_stats.einval, nmr_mt_stats.ignored,
		   nmr_mt_stats.accepted);
	kunit_info(test, "warnings: one each issued (nmr_kunit_misuses()); %u printed and read back, %u possibly rate-limited; %u ms waited out rate limits (pace=%d)",
		   nmr_mt_stats.warned, nmr_mt_stats.rate_limited, nmr_mt_stats.paced_ms,
		   nmr_mt_pace);
	KUNIT_EXPECT_EQ(test, nmr_mt_stats.tried, (unsigned int)ARRAY_SIZE(nmr_misuses));
}

static void nmr_mt_release(void *data)
{
	struct nmr_mt *t = data;

	nmr_mt_teardown(t);
	if (t->leak) {
		pr_err(KBUILD_MODNAME ": NMR may still use this entry's memory; leaking it\n");
		return;
	}
	kfree(t);
}

static int nmr_mt_init(struct kunit *test)
{
	unsigned int pair;
	struct nmr_mt *t;

	t = kzalloc(sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->test = test;
	spin_lock_init(&t->lock);
	INIT_WORK(&t->work, nmr_mt_attach_work_fn);
	init_completion(&t->waiter_started);
	init_completion(&t->waiter_done);
	t->module_id.length = sizeof(t->module_id);
	t->module_id.type = NMR_MIT_GUID;
	guid_gen(&t->module_id.guid);
	for (pair = 0; pair < NMR_MT_PAIRS; pair++) {
		guid_gen(&t->npi[pair]);
		t->bctx[pair][NMR_MT_CLIENT] = (struct nmr_mt_bctx){ t, pair, NMR_MT_CLIENT };
		t->bctx[pair][NMR_MT_PROVIDER] = (struct nmr_mt_bctx){ t, pair, NMR_MT_PROVIDER };
		nmr_mt_reg_init(t, &t->client[pair], NMR_MT_CLIENT, pair, &t->npi[pair]);
		nmr_mt_reg_init(t, &t->provider[pair], NMR_MT_PROVIDER, pair, &t->npi[pair]);
	}
	test->priv = t;
	if (kunit_add_action_or_reset(test, nmr_mt_release, t))
		return -ENOMEM;
	t->zeroes = kunit_kzalloc(test, NMR_MT_FAKE_SIZE, GFP_KERNEL);
	t->garbage = kunit_kmalloc(test, NMR_MT_FAKE_SIZE, GFP_KERNEL);
	if (!t->zeroes || !t->garbage)
		return -ENOMEM;
	memset(t->garbage, 0xa5, NMR_MT_FAKE_SIZE);
	return 0;
}

static int nmr_mt_suite_init(struct kunit_suite *suite)
{
	/* The whole log so far: the rate limits may span earlier suites. */
	kmsg_dump_rewind(&nmr_mt_iter);
	nmr_mt_read_warnings(NULL, 0);
	return 0;
}

static struct kunit_case nmr_misuse_test_cases[] = {
	KUNIT_CASE_PARAM(misuse_is_rejected_or_ignored, nmr_misuse_gen_params),
	KUNIT_CASE(every_bad_input_was_tried),
	{}
};

static struct kunit_suite nmr_misuse_test_suite = {
	.name = "nmr_misuse",
	.suite_init = nmr_mt_suite_init,
	.init = nmr_mt_init,
	.test_cases = nmr_misuse_test_cases,
};

kunit_test_suites(&nmr_misuse_test_suite);

MODULE_DESCRIPTION("KUnit misuse suite for NMR: every entry point given bad input");
MODULE_LICENSE("GPL");
NMR_IMPORT_NS();
NMR_IMPORT_NS_FOR_KUNIT();
