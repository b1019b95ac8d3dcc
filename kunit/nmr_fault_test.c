// SPDX-License-Identifier: GPL-2.0
/*
 * Fault injection: every allocation a registration and its attaches make
 * fails in turn, through the kernel's own fault injection.
 *
 * A case sets the task's fail-nth to n and registers: the n-th allocation
 * the register call makes on this thread (NMR's, or one of the attach
 * callbacks it runs) fails, and the case checks what the contract says of
 * that failure.  n grows from 1 until a register call makes fewer than n
 * allocations, so every allocation on the way has failed once:
 *
 * - a register that fails returns -ENOMEM, has written no handle, has made
 *   no offer (no callback ran), and left no NMR object behind
 *   (nmr_kunit_count_alive());
 * - an attach whose allocation fails is refused with -ENOMEM, is never
 *   detached and never cleaned up; the other offers of the same register
 *   attach as usual and are detached and cleaned up once each;
 * - once the swept registration is deregistered, NMR holds exactly what it
 *   held before the sweep; kmemleak scans after the suite.
 *
 * The slab allocations fail through failslab, which the test VM's init
 * configures to honour fail-nth for GFP_KERNEL (ignore-gfp-wait 0); the
 * per-CPU counters fail through NMR's own fault point, fail_percpu, which
 * fail-nth counts too.  An allocation kmemleak makes for its own metadata
 * may draw the n-th failure instead; kmemleak then uses its reserve pool,
 * and the register succeeds with nothing failed: such n are counted apart.
 */
#include <kunit/test.h>
#include <linux/fault-inject.h>
#include <linux/module.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/uuid.h>

#include <nmr/netioddk.h>
#include <nmr/nmr.h>
#include <nmr/nmr_kunit.h>

#include "nmr_test_chars.h"

#define NMR_FAULT_TIMEOUT	(10 * HZ)
/* More than any sweep needs; a sweep that gets here has not ended. */
#define NMR_FAULT_MAX_NTH	2000
/* Over one block of 64 per-CPU counters, so a register needs a new one. */
#define NMR_FAULT_MANY		70

enum { NMR_FAULT_CLIENT, NMR_FAULT_PROVIDER, NMR_FAULT_SIDES };

/* What the callbacks of one case saw; only the case's thread registers. */
struct nmr_fault_counts {
	unsigned int attached[NMR_FAULT_SIDES];
	unsigned int nomem[NMR_FAULT_SIDES];	/* own context allocation failed */
	unsigned int refused;	/* nmr_client_attach_provider() failed */
	int refused_err;	/* with this, the last time */
	unsigned int detached[NMR_FAULT_SIDES];
	unsigned int cleaned[NMR_FAULT_SIDES];
};

struct nmr_fault {
	struct kunit *test;
	bool win;	/* register through <nmr/netioddk.h> */
	/* A Windows registration's NpiId too: a GUID, 4-aligned. */
	guid_t npi __aligned(__alignof__(GUID));
	struct nmr_client_characteristics cchars;
	struct nmr_provider_characteristics pchars;
	NPI_CLIENT_CHARACTERISTICS wcchars;
	NPI_PROVIDER_CHARACTERISTICS wpchars;
	spinlock_t lock;	/* detach and cleanup may run on other threads */
	struct nmr_fault_counts n;
};

/* A binding context: allocated by the attach, freed by the cleanup. */
struct nmr_fault_bctx {
	struct nmr_fault *f;
	int side;
};

static const u32 nmr_fault_dispatch = 1;

static struct nmr_fault_bctx *nmr_fault_bctx_new(struct nmr_fault *f, int side)
{
	struct nmr_fault_bctx *bc = kzalloc(sizeof(*bc), GFP_KERNEL);

	if (!bc) {
		f->n.nomem[side]++;
		return NULL;
	}
	bc->f = f;
	bc->side = side;
	return bc;
}

static int nmr_fault_client_attach(struct nmr_binding *binding, void *client_context,
				   const struct nmr_registration_instance *provider)
{
	struct nmr_fault *f = client_context;
	struct nmr_fault_bctx *bc = nmr_fault_bctx_new(f, NMR_FAULT_CLIENT);
	const void *provider_dispatch;
	void *provider_bctx;
	int ret;

	if (!bc)
		return -ENOMEM;
	ret = nmr_client_attach_provider(binding, bc, &nmr_fault_dispatch,
					 &provider_bctx, &provider_dispatch);
	if (ret) {
		f->n.refused++;
		f->n.refused_err = ret;
		kfree(bc);
		return ret;
	}
	f->n.attached[NMR_FAULT_CLIENT]++;
	return 0;
}

static int nmr_fault_provider_attach(struct nmr_binding *binding, void *provider_context,
				     const struct nmr_registration_instance *client,
				     void *client_bctx, const void *client_dispatch,
				     void **provider_bctx, const void **provider_dispatch)
{
	struct nmr_fault *f = provider_context;
	struct nmr_fault_bctx *bc = nmr_fault_bctx_new(f, NMR_FAULT_PROVIDER);

	if (!bc)
		return -ENOMEM;
	*provider_bctx = bc;
	*provider_dispatch = &nmr_fault_dispatch;
	f->n.attached[NMR_FAULT_PROVIDER]++;
	return 0;
}

static int nmr_fault_detach(void *bctx)
{
	struct nmr_fault_bctx *bc = bctx;
	unsigned long flags;

	spin_lock_irqsave(&bc->f->lock, flags);
	bc->f->n.detached[bc->side]++;
	spin_unlock_irqrestore(&bc->f->lock, flags);
	return 0;
}

static void nmr_fault_cleanup(void *bctx)
{
	struct nmr_fault_bctx *bc = bctx;
	unsigned long flags;

	spin_lock_irqsave(&bc->f->lock, flags);
	bc->f->n.cleaned[bc->side]++;
	spin_unlock_irqrestore(&bc->f->lock, flags);
	kfree(bc);
}

/* The same callbacks, written against the Windows API. */
static NTSTATUS nmr_fault_win_client_attach(HANDLE binding, PVOID client_context,
					    PNPI_REGISTRATION_INSTANCE provider)
{
	struct nmr_fault *f = client_context;
	struct nmr_fault_bctx *bc = nmr_fault_bctx_new(f, NMR_FAULT_CLIENT);
	const void *provider_dispatch;
	void *provider_bctx;
	NTSTATUS status;

	if (!bc)
		return STATUS_INSUFFICIENT_RESOURCES;
	status = NmrClientAttachProvider(binding, bc, &nmr_fault_dispatch,
					 &provider_bctx, &provider_dispatch);
	if (status != STATUS_SUCCESS) {
		f->n.refused++;
		f->n.refused_err = status;
		kfree(bc);
		return status;
	}
	f->n.attached[NMR_FAULT_CLIENT]++;
	return STATUS_SUCCESS;
}

static NTSTATUS nmr_fault_win_provider_attach(HANDLE binding, PVOID provider_context,
					      PNPI_REGISTRATION_INSTANCE client,
					      PVOID client_bctx, const void *client_dispatch,
					      PVOID *provider_bctx, const void **provider_dispatch)
{
	return nmr_fault_provider_attach(binding, provider_context, NULL, client_bctx,
					 client_dispatch, provider_bctx, provider_dispatch) ?
		STATUS_INSUFFICIENT_RESOURCES : STATUS_SUCCESS;
}

static NTSTATUS nmr_fault_win_detach(PVOID bctx)
{
	nmr_fault_detach(bctx);
	return STATUS_SUCCESS;
}

static struct nmr_fault *nmr_fault_new(struct kunit *test, bool win)
{
	struct nmr_fault *f = kunit_kzalloc(test, sizeof(*f), GFP_KERNEL);
	NPI_REGISTRATION_INSTANCE *wi;

	KUNIT_ASSERT_NOT_NULL(test, f);
	f->test = test;
	f->win = win;
	spin_lock_init(&f->lock);
	guid_gen(&f->npi);

	nmr_test_client_chars(&f->cchars, &f->npi, nmr_fault_client_attach,
			      nmr_fault_detach, nmr_fault_cleanup);
	nmr_test_provider_chars(&f->pchars, &f->npi, nmr_fault_provider_attach,
				nmr_fault_detach, nmr_fault_cleanup);

	f->wcchars.Length = sizeof(f->wcchars);
	f->wcchars.ClientAttachProvider = nmr_fault_win_client_attach;
	f->wcchars.ClientDetachProvider = nmr_fault_win_detach;
	f->wcchars.ClientCleanupBindingContext = nmr_fault_cleanup;
	wi = &f->wcchars.ClientRegistrationInstance;
	wi->Size = sizeof(*wi);
	wi->NpiId = (const GUID *)&f->npi;

	f->wpchars.Length = sizeof(f->wpchars);
	f->wpchars.ProviderAttachClient = nmr_fault_win_provider_attach;
	f->wpchars.ProviderDetachClient = nmr_fault_win_detach;
	f->wpchars.ProviderCleanupBindingContext = nmr_fault_cleanup;
	wi = &f->wpchars.ProviderRegistrationInstance;
	wi->Size = sizeof(*wi);
	wi->NpiId = (const GUID *)&f->npi;
	return f;
}

/* What a register, or an attach, returns when it runs out of memory. */
static int nmr_fault_nomem(const struct nmr_fault *f)
{
	return f->win ? STATUS_INSUFFICIENT_RESOURCES : -ENOMEM;
}

static int nmr_fault_register(struct nmr_fault *f, int side, void **handle)
{
	if (f->win && side == NMR_FAULT_CLIENT)
		return NmrRegisterClient(&f->wcchars, f, handle);
	if (f->win)
		return NmrRegisterProvider(&f->wpchars, f, handle);
	if (side == NMR_FAULT_CLIENT)
		return nmr_register_client(&f->cchars, f, (struct nmr_client **)handle);
	return nmr_register_provider(&f->pchars, f, (struct nmr_provider **)handle);
}

/* Deregister @handle and wait; false if the wait timed out. */
static bool nmr_fault_deregister(struct nmr_fault *f, int side, void *handle)
{
	struct kunit *test = f->test;
	int ret;

	if (f->win && side == NMR_FAULT_CLIENT) {
		KUNIT_EXPECT_EQ(test, NmrDeregisterClient(handle), STATUS_PENDING);
		KUNIT_EXPECT_EQ(test, NmrWaitForClientDeregisterComplete(handle), STATUS_SUCCESS);
		return true;
	}
	if (f->win) {
		KUNIT_EXPECT_EQ(test, NmrDeregisterProvider(handle), STATUS_PENDING);
		KUNIT_EXPECT_EQ(test, NmrWaitForProviderDeregisterComplete(handle), STATUS_SUCCESS);
		return true;
	}
	if (side == NMR_FAULT_CLIENT) {
		KUNIT_EXPECT_EQ(test, nmr_deregister_client(handle), -EINPROGRESS);
		ret = nmr_wait_for_client_deregister_complete_timeout(handle,
								      NMR_FAULT_TIMEOUT);
	} else {
		KUNIT_EXPECT_EQ(test, nmr_deregister_provider(handle), -EINPROGRESS);
		ret = nmr_wait_for_provider_deregister_complete_timeout(handle,
									NMR_FAULT_TIMEOUT);
	}
	KUNIT_EXPECT_EQ_MSG(test, ret, 0, "deregistration wait timed out");
	return !ret;
}

/* NMR holds what it held at @base, plus @npis, @regs and @bindings. */
static void nmr_fault_expect_alive(struct kunit *test, const struct nmr_kunit_alive *base,
				   int npis, int regs, int bindings, const char *when)
{
	struct nmr_kunit_alive now;

	nmr_kunit_count_alive(&now);
	KUNIT_EXPECT_EQ_MSG(test, now.npis, base->npis + npis, "NPI entries %s", when);
	KUNIT_EXPECT_EQ_MSG(test, now.regs, base->regs + regs, "registrations %s", when);
	KUNIT_EXPECT_EQ_MSG(test, now.bindings, base->bindings + bindings, "bindings %s", when);
}

/* Does failslab fail this thread's GFP_KERNEL allocations on demand? */
static bool nmr_fault_injection_works(void)
{
	void *p;

	WRITE_ONCE(current->fail_nth, 1);
	p = kmalloc(16, GFP_KERNEL);
	WRITE_ONCE(current->fail_nth, 0);
	kfree(p);
	return !p;
}

static void nmr_fault_require_injection(struct kunit *test)
{
	if (!IS_ENABLED(CONFIG_FAILSLAB))
		kunit_skip(test, "the kernel has no failslab (CONFIG_FAILSLAB)");
	KUNIT_ASSERT_TRUE_MSG(test, nmr_fault_injection_works(),
			      "failslab ignores fail-nth for GFP_KERNEL: write 0 to /sys/kernel/debug/failslab/ignore-gfp-wait");
}

/* One sweep: the registration swept, and the peers it is offered. */
struct nmr_fault_param {
	const char *name;
	int side;
	unsigned int peers;
	bool win;
	/*
	 * Stop once the register's own allocations are swept: its attaches
	 * are the 3-offer cases' attaches again, 70 times over.
	 */
	bool register_only;
};

static const struct nmr_fault_param nmr_fault_params[] = {
	{ "provider of a new NPI", NMR_FAULT_PROVIDER, 0 },
	{ "client of a new NPI", NMR_FAULT_CLIENT, 0 },
	{ "provider offered to 3 clients", NMR_FAULT_PROVIDER, 3 },
	{ "client offered 3 providers", NMR_FAULT_CLIENT, 3 },
	{ "client offered 70 providers, a new per-CPU block", NMR_FAULT_CLIENT,
	  NMR_FAULT_MANY, .register_only = true },
	{ "NmrRegisterProvider offered to 3 clients", NMR_FAULT_PROVIDER, 3, true },
	{ "NmrRegisterClient offered 3 providers", NMR_FAULT_CLIENT, 3, true },
};

static void nmr_fault_param_desc(const struct nmr_fault_param *p, char *desc)
{
	strscpy(desc, p->name, KUNIT_PARAM_DESC_SIZE);
}

KUNIT_ARRAY_PARAM(nmr_fault, nmr_fault_params, nmr_fault_param_desc);

/*
 * What a register that drew at most one failure must have done, against
 * the counts before it (@was).  Returns how many of its offers attached.
 */
static unsigned int nmr_fault_check_register(struct nmr_fault *f,
					     const struct nmr_fault_counts *was,
					     unsigned int peers, bool failed, int ret, void *handle)
{
	struct kunit *test = f->test;
	const struct nmr_fault_counts *now = &f->n;
	unsigned int attached;

	if (ret) {
		KUNIT_EXPECT_EQ(test, ret, nmr_fault_nomem(f));
		KUNIT_EXPECT_NULL(test, handle);
		KUNIT_EXPECT_EQ_MSG(test, memcmp(was, now, sizeof(*now)), 0,
				    "a register that failed ran callbacks");
		return 0;
	}
	KUNIT_EXPECT_NOT_NULL(test, handle);
	attached = now->attached[NMR_FAULT_CLIENT] - was->attached[NMR_FAULT_CLIENT];
	KUNIT_EXPECT_EQ(test, attached,
			now->attached[NMR_FAULT_PROVIDER] - was->attached[NMR_FAULT_PROVIDER]);
	/* One failed allocation costs at most the one offer that made it. */
	KUNIT_EXPECT_LE(test, attached, peers);
	KUNIT_EXPECT_GE(test, attached + failed, peers);
	/* A provider that ran out refuses; the client then sees that error. */
	if (now->refused != was->refused)
		KUNIT_EXPECT_EQ(test, now->refused_err, nmr_fault_nomem(f));
	if (!f->win)
		KUNIT_EXPECT_EQ(test, now->refused - was->refused,
				now->nomem[NMR_FAULT_PROVIDER] - was->nomem[NMR_FAULT_PROVIDER]);
	KUNIT_EXPECT_EQ_MSG(test, memcmp(was->detached, now->detached, sizeof(now->detached)), 0,
			    "detach called before deregistration");
	KUNIT_EXPECT_EQ_MSG(test, memcmp(was->cleaned, now->cleaned, sizeof(now->cleaned)), 0,
			    "cleanup called before deregistration");
	return attached;
}

static void nmr_fault_register_sweep(struct kunit *test)
{
	const struct nmr_fault_param *p = test->param_value;
	int peer_side = !p->side;
	struct nmr_kunit_alive before, base;
	unsigned int i, nth, nomem = 0, attach_failed = 0, elsewhere = 0;
	struct nmr_fault *f;
	void **peers;

	nmr_fault_require_injection(test);
	f = nmr_fault_new(test, p->win);
	peers = kunit_kcalloc(test, max(p->peers, 1U), sizeof(*peers), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, peers);

	nmr_kunit_count_alive(&before);
	for (i = 0; i < p->peers; i++)
		KUNIT_ASSERT_EQ(test, nmr_fault_register(f, peer_side, &peers[i]), 0);
	nmr_kunit_count_alive(&base);

	for (nth = 1; nth <= NMR_FAULT_MAX_NTH; nth++) {
		struct nmr_fault_counts was = f->n;
		unsigned int attached, left;
		void *handle = NULL;
		int ret;

		WRITE_ONCE(current->fail_nth, nth);
		ret = nmr_fault_register(f, p->side, &handle);
		left = READ_ONCE(current->fail_nth);
		WRITE_ONCE(current->fail_nth, 0);

		attached = nmr_fault_check_register(f, &was, p->peers, !left, ret, handle);
		if (ret) {
			nomem++;
			nmr_fault_expect_alive(test, &base, 0, 0, 0, "after a failed register");
			continue;
		}
		if (!left && attached < p->peers)
			attach_failed++;
		else if (!left)
			elsewhere++;
		/* Bindings: only the attached ones; a refused offer is gone. */
		nmr_fault_expect_alive(test, &base, !p->peers, 1, attached, "while registered");
		was = f->n;
		if (!nmr_fault_deregister(f, p->side, handle))
			return;	/* NMR may still use f: leave it */
		for (i = 0; i < NMR_FAULT_SIDES; i++) {
			KUNIT_EXPECT_EQ(test, f->n.detached[i] - was.detached[i], attached);
			KUNIT_EXPECT_EQ(test, f->n.cleaned[i] - was.cleaned[i], attached);
		}
		nmr_fault_expect_alive(test, &base, 0, 0, 0, "after the deregistration");
		if (left)
			break;	/* fewer than nth allocations: all of them failed once */
		/* NMR allocates all it needs before the first offer. */
		if (p->register_only && attached < p->peers)
			break;
	}
	KUNIT_EXPECT_LE_MSG(test, nth, NMR_FAULT_MAX_NTH, "the sweep did not end");
	kunit_info(test, "%s: %u allocations failed in turn: %u failed the register with -ENOMEM, %u an attach, %u only kmemleak's metadata\n",
		   p->name, nomem + attach_failed + elsewhere, nomem, attach_failed, elsewhere);

	for (i = 0; i < p->peers; i++)
		if (!nmr_fault_deregister(f, peer_side, peers[i]))
			return;
	for (i = 0; i < NMR_FAULT_SIDES; i++)
		KUNIT_EXPECT_EQ(test, f->n.cleaned[i], f->n.attached[i]);
	nmr_fault_expect_alive(test, &before, 0, 0, 0, "after the case");
}

/* The sweeps rely on this: say at once, and plainly, if it is missing. */
static void nmr_fault_setup_check(struct kunit *test)
{
	nmr_fault_require_injection(test);
}

static struct kunit_case nmr_fault_cases[] = {
	KUNIT_CASE(nmr_fault_setup_check),
	KUNIT_CASE_PARAM(nmr_fault_register_sweep, nmr_fault_gen_params),
	{}
};

static struct kunit_suite nmr_fault_suite = {
	.name = "nmr_fault",
	.test_cases = nmr_fault_cases,
};

kunit_test_suite(nmr_fault_suite);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("KUnit: nmr under fault injection (failslab fail-nth)");
NMR_IMPORT_NS();
NMR_IMPORT_NS_FOR_KUNIT();
