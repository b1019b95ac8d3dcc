// SPDX-License-Identifier: GPL-2.0
/*
 * nmr_bench - what registration, binding and a guarded call cost in nmr.ko.
 *
 * mode=time (the default) runs the timed benchmarks in module_init and
 * prints one "nmr_bench: RESULT ..." line per figure, every figure the
 * median of @reps repetitions measured in this run:
 *
 *   match   one provider+client pair registered, attached, deregistered and
 *           waited for, with 0 to 10,000 unrelated registrations present
 *   fanout  P providers x C clients on one NPI: attach and detach cost per
 *           binding
 *   call    a call into the provider through nmr_client_enter()/exit(),
 *           against a bare indirect call, the kernel's percpu_ref and three
 *           hand-written guards, on one CPU and on two CPUs calling on the
 *           same binding at once
 *   unload  from the last nmr_client_exit() (or the provider's complete) to
 *           the return of the deregistering thread's wait
 *
 * mode=hold registers what the hold_* parameters say and keeps it until
 * rmmod, so that scripts/bench.sh can read /proc/meminfo around it.
 *
 *   insmod nmr_bench.ko [reps=11] [only=match,fanout,call,unload]
 *   insmod nmr_bench.ko mode=hold hold_regs=10000
 *   insmod nmr_bench.ko mode=hold hold_providers=100 hold_clients=100 hold_same_npi=1
 *
 * scripts/bench.sh runs both and turns the lines into bench/results.md;
 * docs/bench.md explains every figure.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/atomic.h>
#include <linux/completion.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/math64.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/percpu-refcount.h>
#include <linux/rcupdate.h>
#include <linux/refcount.h>
#include <linux/sched/task.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/spinlock.h>
#include <linux/srcu.h>
#include <linux/string.h>
#include <linux/timekeeping.h>
#include <linux/unaligned.h>
#include <linux/utsname.h>
#include <linux/vmalloc.h>
#include <nmr/nmr.h>

#define BENCH_MAX_REPS	31

static char *mode = "time";
module_param(mode, charp, 0444);
MODULE_PARM_DESC(mode, "time: run the timed benchmarks at load; hold: register hold_* and keep them until rmmod");

static char *only = "";
module_param(only, charp, 0444);
MODULE_PARM_DESC(only, "Comma-separated subset of match,fanout,call,unload (default: all)");

static unsigned int reps = 11;
module_param(reps, uint, 0444);
MODULE_PARM_DESC(reps, "Repetitions per figure; each figure is their median (1-31, default 11)");

static unsigned int match_iters = 5000;
module_param(match_iters, uint, 0444);
MODULE_PARM_DESC(match_iters, "Pair cycles timed per repetition of match (default 5000)");

static unsigned int fanout_bindings = 30000;
module_param(fanout_bindings, uint, 0444);
MODULE_PARM_DESC(fanout_bindings, "Bindings attached and detached per repetition of fanout (default 30000)");

static unsigned int call_iters = 1000000;
module_param(call_iters, uint, 0444);
MODULE_PARM_DESC(call_iters, "Calls per thread per repetition of call (default 1000000)");

static unsigned int hold_regs;
module_param(hold_regs, uint, 0444);
MODULE_PARM_DESC(hold_regs, "mode=hold: registrations, each on an NPI of its own, alternately provider and client");

static unsigned int hold_providers;
module_param(hold_providers, uint, 0444);
MODULE_PARM_DESC(hold_providers, "mode=hold: providers of one NPI");

static unsigned int hold_clients;
module_param(hold_clients, uint, 0444);
MODULE_PARM_DESC(hold_clients, "mode=hold: clients, of the providers' NPI if hold_same_npi, else of another");

static bool hold_same_npi;
module_param(hold_same_npi, bool, 0444);
MODULE_PARM_DESC(hold_same_npi, "mode=hold: the clients bind to every provider");

/* NPI ids: this base with a number in the last four bytes. */
static const guid_t bench_npi_base = GUID_INIT(0x4e4d5242, 0x454e, 0x4348,
					       0x80, 0x00, 0, 0, 0, 0, 0, 0);

enum {
	BENCH_NPI_PAIR = 1,
	BENCH_NPI_FANOUT,
	BENCH_NPI_CALL,
	BENCH_NPI_UNLOAD,
	BENCH_NPI_HOLD,
	BENCH_NPI_HOLD_APART,
	BENCH_NPI_UNRELATED = 0x10000,
};

/**
 * struct bench_dispatch - the provider's dispatch table
 * @add: the function the call benchmark calls: returns @x + 1.
 */
struct bench_dispatch {
	u64 (*add)(void *provider_binding_context, u64 x);
};

/**
 * struct bench_peer - a registration's context, also its binding context
 * @binding: the binding handle its last attach got.
 * @dispatch: the provider's dispatch table (client side).
 * @provider_binding_context: the provider's binding context (client side).
 * @detach_status: what its detach callback returns.
 * @stamp_cleanup: (client) have a cleanup callback, which sets @cleanup_ns.
 * @cleanup_ns: when the client's cleanup callback ran.
 *
 * Registrations that only need to attach share one; the call and unload
 * benchmarks give each side its own.  No memory is allocated per binding,
 * so the memory figures are NMR's alone.
 */
struct bench_peer {
	struct nmr_binding *binding;
	const struct bench_dispatch *dispatch;
	void *provider_binding_context;
	int detach_status;
	bool stamp_cleanup;
	u64 cleanup_ns;
};

/**
 * struct bench_reg - one registration made by the benchmark
 * @npi_id: its NPI id, pointed to by the characteristics.
 * @pchars: provider characteristics, when @is_provider.
 * @cchars: client characteristics, otherwise.
 * @provider: the provider handle.
 * @client: the client handle.
 * @is_provider: which role it has.
 *
 * Arrays of them are vmalloc()ed, so the Slab figure of /proc/meminfo
 * counts only what NMR allocates.
 */
struct bench_reg {
	guid_t npi_id;
	union {
		struct nmr_provider_characteristics pchars;
		struct nmr_client_characteristics cchars;
	};
	union {
		struct nmr_provider *provider;
		struct nmr_client *client;
	};
	bool is_provider;
};

static atomic_long_t bench_attaches = ATOMIC_LONG_INIT(0);
static struct bench_peer bench_shared_peer;
static struct bench_reg *bench_held;
static unsigned int bench_held_count;

static u64 bench_add(void *provider_binding_context, u64 x)
{
	return x + 1;
}

static const struct bench_dispatch bench_provider_dispatch = {
	.add = bench_add,
};

/* The provider never calls the client; NMR only passes the pointer on. */
static const struct bench_dispatch bench_client_dispatch;

static int bench_client_attach(struct nmr_binding *binding, void *client_context,
			       const struct nmr_registration_instance *provider)
{
	struct bench_peer *peer = client_context;
	const void *dispatch;
	void *context;
	int ret;

	ret = nmr_client_attach_provider(binding, peer, &bench_client_dispatch, &context,
					 &dispatch);
	if (ret)
		return ret;
	peer->binding = binding;
	peer->dispatch = dispatch;
	peer->provider_binding_context = context;
	return 0;
}

static int bench_client_detach(void *client_binding_context)
{
	struct bench_peer *peer = client_binding_context;

	return READ_ONCE(peer->detach_status);
}

/* Only for the unload benchmark: when the binding's cleanup began. */
static void bench_client_cleanup(void *client_binding_context)
{
	struct bench_peer *peer = client_binding_context;

	WRITE_ONCE(peer->cleanup_ns, ktime_get_ns());
}

static int bench_provider_attach(struct nmr_binding *binding, void *provider_context,
				 const struct nmr_registration_instance *client,
				 void *client_binding_context, const void *client_dispatch,
				 void **provider_binding_context, const void **provider_dispatch)
{
	struct bench_peer *peer = provider_context;

	peer->binding = binding;
	*provider_binding_context = peer;
	*provider_dispatch = &bench_provider_dispatch;
	atomic_long_inc(&bench_attaches);
	return 0;
}

static int bench_provider_detach(void *provider_binding_context)
{
	struct bench_peer *peer = provider_binding_context;

	return READ_ONCE(peer->detach_status);
}

static const struct nmr_provider_characteristics bench_provider_chars = {
	.version = NMR_CHARACTERISTICS_VERSION,
	.length = sizeof(struct nmr_provider_characteristics),
	.provider_attach_client = bench_provider_attach,
	.provider_detach_client = bench_provider_detach,
	.provider_registration_instance = {
		.version = NMR_REGISTRATION_INSTANCE_VERSION,
		.size = sizeof(struct nmr_registration_instance),
	},
};

static const struct nmr_client_characteristics bench_client_chars = {
	.version = NMR_CHARACTERISTICS_VERSION,
	.length = sizeof(struct nmr_client_characteristics),
	.client_attach_provider = bench_client_attach,
	.client_detach_provider = bench_client_detach,
	.client_registration_instance = {
		.version = NMR_REGISTRATION_INSTANCE_VERSION,
		.size = sizeof(struct nmr_registration_instance),
	},
};

/**
 * bench_register() - register @r as a provider or client of NPI number @npi
 * @r: where the characteristics, NPI id and handle are kept.
 * @provider: the role.
 * @npi: the NPI's number, see bench_npi_base.
 * @peer: the registration's context.
 *
 * Context: process context; attaches to the peers already registered.
 * Return: what the register function returned.
 */
static int bench_register(struct bench_reg *r, bool provider, u32 npi, struct bench_peer *peer)
{
	r->npi_id = bench_npi_base;
	put_unaligned_be32(npi, &r->npi_id.b[12]);
	r->is_provider = provider;
	if (provider) {
		r->pchars = bench_provider_chars;
		r->pchars.provider_registration_instance.npi_id = &r->npi_id;
		return nmr_register_provider(&r->pchars, peer, &r->provider);
	}
	r->cchars = bench_client_chars;
	r->cchars.client_registration_instance.npi_id = &r->npi_id;
	if (peer->stamp_cleanup)
		r->cchars.client_cleanup_binding_context = bench_client_cleanup;
	return nmr_register_client(&r->cchars, peer, &r->client);
}

/* Returns 0 once the deregistration has started, as it always should. */
static int bench_deregister(struct bench_reg *r)
{
	int ret;

	ret = r->is_provider ? nmr_deregister_provider(r->provider) :
			       nmr_deregister_client(r->client);
	if (ret == -EINPROGRESS)
		return 0;
	pr_err("deregister returned %d, not -EINPROGRESS\n", ret);
	return ret ?: -EPROTO;
}

static int bench_wait(struct bench_reg *r)
{
	return r->is_provider ? nmr_wait_for_provider_deregister_complete(r->provider) :
				nmr_wait_for_client_deregister_complete(r->client);
}

/* Deregister and wait, as a module_exit does. */
static int bench_unregister(struct bench_reg *r)
{
	return bench_deregister(r) ?: bench_wait(r);
}

/* Deregister all of @regs, then wait for each. */
static int bench_unregister_all(struct bench_reg *regs, unsigned int n)
{
	unsigned int i;
	int ret = 0;

	for (i = 0; i < n; i++)
		ret = bench_deregister(&regs[i]) ?: ret;
	for (i = 0; i < n; i++)
		ret = bench_wait(&regs[i]) ?: ret;
	return ret;
}

/* Register @n providers or clients of the fan-out NPI; all or none. */
static int bench_register_all(struct bench_reg *regs, unsigned int n, bool provider)
{
	unsigned int i;
	int ret;

	for (i = 0; i < n; i++) {
		ret = bench_register(&regs[i], provider, BENCH_NPI_FANOUT, &bench_shared_peer);
		if (ret) {
			bench_unregister_all(regs, i);
			return ret;
		}
	}
	return 0;
}

/* Register @regs[@from..@to), each on an NPI of its own, half providers. */
static int bench_register_unrelated(struct bench_reg *regs, unsigned int from,
				    unsigned int to)
{
	unsigned int i;
	int ret;

	for (i = from; i < to; i++) {
		ret = bench_register(&regs[i], i % 2, BENCH_NPI_UNRELATED + i,
				     &bench_shared_peer);
		if (ret) {
			bench_unregister_all(regs + from, i - from);
			return ret;
		}
	}
	return 0;
}

static int bench_cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Sorts @v, which holds @n repetitions, and returns their median. */
static u64 bench_median(u64 *v, unsigned int n)
{
	sort(v, n, sizeof(*v), bench_cmp_u64, NULL);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/*
 * "median_ns=M min_ns=A max_ns=B samples=S1,S2,..." for a RESULT line, @unit
 * being "ns", the samples in the order the repetitions ran.  The text is in
 * a static buffer, valid until the next call; the benchmarks run on one
 * thread, one RESULT line at a time.
 */
static const char *bench_stats(const char *unit, const u64 *v, unsigned int n)
{
	static char buf[64 + BENCH_MAX_REPS * 21];
	u64 sorted[BENCH_MAX_REPS];
	unsigned int i, len;
	u64 median;

	memcpy(sorted, v, n * sizeof(*v));
	median = bench_median(sorted, n);
	len = scnprintf(buf, sizeof(buf), "median_%s=%llu min_%s=%llu max_%s=%llu samples=",
			unit, median, unit, sorted[0], unit, sorted[n - 1]);
	for (i = 0; i < n; i++)
		len += scnprintf(buf + len, sizeof(buf) - len, "%s%llu", i ? "," : "", v[i]);
	return buf;
}

/* One pair: register both, they attach, deregister and wait for both. */
static int bench_pair_cycle(struct bench_reg pair[2])
{
	long attaches = atomic_long_read(&bench_attaches);
	int ret, ret2;

	ret = bench_register(&pair[0], true, BENCH_NPI_PAIR, &bench_shared_peer);
	if (ret)
		return ret;
	ret = bench_register(&pair[1], false, BENCH_NPI_PAIR, &bench_shared_peer);
	if (!ret) {
		if (atomic_long_read(&bench_attaches) != attaches + 1)
			ret = -ENOLINK;
		ret = bench_unregister(&pair[1]) ?: ret;
	}
	ret2 = bench_unregister(&pair[0]);
	return ret ?: ret2;
}

static const unsigned int bench_match_present[] = { 0, 100, 1000, 3000, 10000 };
#define BENCH_MATCH_POINTS	ARRAY_SIZE(bench_match_present)

/*
 * One repetition of match: from none, adds unrelated registrations up to
 * each number in bench_match_present and times @match_iters pair cycles
 * there; removes them at the end.
 */
static int bench_match_rep(struct bench_reg *regs, u64 (*ns)[BENCH_MAX_REPS], unsigned int r)
{
	unsigned int p, i, have = 0;
	struct bench_reg pair[2];
	int ret = 0;
	u64 t0;

	for (p = 0; p < BENCH_MATCH_POINTS && !ret; p++) {
		ret = bench_register_unrelated(regs, have, bench_match_present[p]);
		if (ret)
			break;
		have = bench_match_present[p];
		rcu_barrier();
		t0 = ktime_get_ns();
		for (i = 0; i < match_iters && !ret; i++)
			ret = bench_pair_cycle(pair);
		ns[p][r] = div_u64(ktime_get_ns() - t0, match_iters);
	}
	return bench_unregister_all(regs, have) ?: ret;
}

/**
 * bench_match() - pair cost against the number of unrelated registrations
 *
 * For each number of unrelated registrations present (each on an NPI of its
 * own, half providers, half clients), times @match_iters pair cycles.  Each
 * repetition goes through every number, so that a slow moment of the host
 * does not fall on one number's repetitions only.  An NMR that scans every
 * registration to match grows with their number; one that indexes them by
 * NPI does not.
 *
 * Context: process context.
 * Return: 0, or the first error.
 */
static int bench_match(void)
{
	struct bench_reg *regs;
	u64 (*ns)[BENCH_MAX_REPS];
	struct bench_reg pair[2];
	unsigned int p, r;
	int ret = 0;

	regs = vcalloc(bench_match_present[BENCH_MATCH_POINTS - 1], sizeof(*regs));
	ns = kcalloc(BENCH_MATCH_POINTS, sizeof(*ns), GFP_KERNEL);
	if (!regs || !ns) {
		ret = -ENOMEM;
		goto free;
	}
	/* Warm up: the first cycles also fault in code and caches. */
	for (r = 0; r < match_iters && !ret; r++)
		ret = bench_pair_cycle(pair);
	for (r = 0; r < reps && !ret; r++)
		ret = bench_match_rep(regs, ns, r);
	for (p = 0; p < BENCH_MATCH_POINTS && !ret; p++)
		pr_info("RESULT match n=%u reps=%u iters=%u %s\n", bench_match_present[p],
			reps, match_iters, bench_stats("ns", ns[p], reps));
free:
	kfree(ns);
	vfree(regs);
	return ret;
}

/* One round of fan-out: times the clients' attach and detach. */
static int bench_fanout_round(struct bench_reg *regs, unsigned int np, unsigned int nc,
			      u64 *attach_ns, u64 *detach_ns)
{
	struct bench_reg *clients = regs + np;
	unsigned int i;
	long attaches;
	int ret;
	u64 t0;

	ret = bench_register_all(regs, np, true);
	if (ret)
		return ret;

	attaches = atomic_long_read(&bench_attaches);
	t0 = ktime_get_ns();
	ret = bench_register_all(clients, nc, false);
	*attach_ns += ktime_get_ns() - t0;
	if (ret)
		goto unregister_providers;
	if (atomic_long_read(&bench_attaches) != attaches + (long)np * nc)
		ret = -ENOLINK;

	t0 = ktime_get_ns();
	for (i = 0; i < nc; i++)
		ret = bench_unregister(&clients[i]) ?: ret;
	*detach_ns += ktime_get_ns() - t0;

unregister_providers:
	ret = bench_unregister_all(regs, np) ?: ret;
	/* Bindings are freed after a grace period; not in the next round. */
	rcu_barrier();
	return ret;
}

static const unsigned int bench_fanout_sizes[] = { 10, 100 };
#define BENCH_FANOUT_SIZES	ARRAY_SIZE(bench_fanout_sizes)

/* One repetition of one size: enough rounds for @fanout_bindings bindings. */
static int bench_fanout_rep(struct bench_reg *regs, unsigned int n, u64 *attach, u64 *detach)
{
	unsigned int rounds = max(1U, fanout_bindings / (n * n)), i;
	u64 attach_ns = 0, detach_ns = 0;
	int ret = 0;

	for (i = 0; i < rounds && !ret; i++)
		ret = bench_fanout_round(regs, n, n, &attach_ns, &detach_ns);
	*attach = div_u64(attach_ns, rounds * n * n);
	*detach = div_u64(detach_ns, rounds * n * n);
	return ret;
}

/**
 * bench_fanout() - attach and detach cost per binding, P x C on one NPI
 *
 * For 10 x 10 and 100 x 100: P providers are registered first, then C
 * clients, whose registration attaches each to every provider; then the
 * clients are deregistered and waited for, which detaches every binding.
 * Each repetition runs every size in turn, each for enough rounds to make
 * @fanout_bindings bindings, and divides the summed time by the bindings.
 *
 * Context: process context.
 * Return: 0, or the first error.
 */
static int bench_fanout(void)
{
	unsigned int n = bench_fanout_sizes[BENCH_FANOUT_SIZES - 1], s, r, rounds;
	u64 (*ns)[2][BENCH_MAX_REPS];
	struct bench_reg *regs;
	int ret = 0;

	regs = vcalloc(2 * n, sizeof(*regs));
	ns = kcalloc(BENCH_FANOUT_SIZES, sizeof(*ns), GFP_KERNEL);
	if (!regs || !ns) {
		ret = -ENOMEM;
		goto free;
	}
	for (r = 0; r < reps && !ret; r++)
		for (s = 0; s < BENCH_FANOUT_SIZES && !ret; s++)
			ret = bench_fanout_rep(regs, bench_fanout_sizes[s], &ns[s][0][r],
					       &ns[s][1][r]);
	for (s = 0; s < BENCH_FANOUT_SIZES && !ret; s++) {
		n = bench_fanout_sizes[s];
		rounds = max(1U, fanout_bindings / (n * n));
		pr_info("RESULT fanout p=%u c=%u op=attach reps=%u rounds=%u %s\n", n, n, reps,
			rounds, bench_stats("ns", ns[s][0], reps));
		pr_info("RESULT fanout p=%u c=%u op=detach reps=%u rounds=%u %s\n", n, n, reps,
			rounds, bench_stats("ns", ns[s][1], reps));
	}
free:
	kfree(ns);
	vfree(regs);
	return ret;
}

enum bench_guard {
	BENCH_BARE,
	BENCH_GUARDED,
	BENCH_PERCPU_REF,
	BENCH_SPINLOCK,
	BENCH_REFCOUNT,
	BENCH_SRCU,
	BENCH_GUARDS,
};

static const char *const bench_guard_names[BENCH_GUARDS] = {
	[BENCH_BARE] = "bare",
	[BENCH_GUARDED] = "guarded",
	[BENCH_PERCPU_REF] = "percpu_ref",
	[BENCH_SPINLOCK] = "spinlock",
	[BENCH_REFCOUNT] = "refcount",
	[BENCH_SRCU] = "srcu",
};

/**
 * struct bench_call - the client's side of the binding the call benchmark uses
 * @client: the client's context: binding, dispatch, provider context.
 * @provider: the provider's context.
 * @lock: (spinlock) protects @in_flight and @detaching, as in the Windows
 *	documentation's pattern.
 * @in_flight: (spinlock) calls into the provider in flight.
 * @detaching: (spinlock, srcu) the detach has begun: no new calls.
 * @pref: (percpu_ref) the kernel's own per-CPU reference count, in its
 *	per-CPU mode: one per call in flight, as a packet path would use it.
 * @ref: (refcount) one for the binding, one per call in flight.
 * @srcu: (srcu) readers are the calls in flight.
 * @drained: the last call after the detach began completes it.
 *
 * The guards' shared data sit on cache lines of their own, so that the
 * dispatch pointer every call reads is not on a line the guards write.
 */
struct bench_call {
	struct bench_peer client;
	struct bench_peer provider;
	spinlock_t lock ____cacheline_aligned_in_smp;
	unsigned int in_flight;
	bool detaching;
	struct percpu_ref pref ____cacheline_aligned_in_smp;
	refcount_t ref ____cacheline_aligned_in_smp;
	struct srcu_struct srcu ____cacheline_aligned_in_smp;
	struct completion drained;
};

static inline u64 bench_call_provider(struct bench_call *bc, u64 acc)
{
	const struct bench_dispatch *dispatch = READ_ONCE(bc->client.dispatch);

	return dispatch->add(bc->client.provider_binding_context, acc);
}

static u64 bench_calls_bare(struct bench_call *bc, u32 n, u32 *refused)
{
	u64 acc = 0;
	u32 i;

	for (i = 0; i < n; i++)
		acc = bench_call_provider(bc, acc);
	return acc;
}

static u64 bench_calls_guarded(struct bench_call *bc, u32 n, u32 *refused)
{
	struct nmr_binding *binding = bc->client.binding;
	u64 acc = 0;
	u32 i;

	for (i = 0; i < n; i++) {
		if (unlikely(!nmr_client_enter(binding))) {
			(*refused)++;
			continue;
		}
		acc = bench_call_provider(bc, acc);
		nmr_client_exit(binding);
	}
	return acc;
}

/*
 * What rundown protection is measured against: the kernel's per-CPU
 * reference count, as a module would use it to guard its calls (the ref
 * is killed when the detach begins, and its release completes the detach).
 */
static u64 bench_calls_percpu_ref(struct bench_call *bc, u32 n, u32 *refused)
{
	u64 acc = 0;
	u32 i;

	for (i = 0; i < n; i++) {
		if (unlikely(!percpu_ref_tryget_live(&bc->pref))) {
			(*refused)++;
			continue;
		}
		acc = bench_call_provider(bc, acc);
		percpu_ref_put(&bc->pref);
	}
	return acc;
}

/* The Windows pattern: a count of calls in flight under a spinlock. */
static u64 bench_calls_spinlock(struct bench_call *bc, u32 n, u32 *refused)
{
	bool drained;
	u64 acc = 0;
	u32 i;

	for (i = 0; i < n; i++) {
		spin_lock(&bc->lock);
		if (unlikely(bc->detaching)) {
			spin_unlock(&bc->lock);
			(*refused)++;
			continue;
		}
		bc->in_flight++;
		spin_unlock(&bc->lock);

		acc = bench_call_provider(bc, acc);

		spin_lock(&bc->lock);
		drained = !--bc->in_flight && bc->detaching;
		spin_unlock(&bc->lock);
		if (unlikely(drained))
			complete(&bc->drained);
	}
	return acc;
}

static u64 bench_calls_refcount(struct bench_call *bc, u32 n, u32 *refused)
{
	u64 acc = 0;
	u32 i;

	for (i = 0; i < n; i++) {
		if (unlikely(!refcount_inc_not_zero(&bc->ref))) {
			(*refused)++;
			continue;
		}
		acc = bench_call_provider(bc, acc);
		if (unlikely(refcount_dec_and_test(&bc->ref)))
			complete(&bc->drained);
	}
	return acc;
}

static u64 bench_calls_srcu(struct bench_call *bc, u32 n, u32 *refused)
{
	u64 acc = 0;
	u32 i;
	int idx;

	for (i = 0; i < n; i++) {
		idx = srcu_read_lock(&bc->srcu);
		if (likely(!READ_ONCE(bc->detaching)))
			acc = bench_call_provider(bc, acc);
		else
			(*refused)++;
		srcu_read_unlock(&bc->srcu, idx);
	}
	return acc;
}

static u64 (*const bench_calls[BENCH_GUARDS])(struct bench_call *bc, u32 n, u32 *refused) = {
	[BENCH_BARE] = bench_calls_bare,
	[BENCH_GUARDED] = bench_calls_guarded,
	[BENCH_PERCPU_REF] = bench_calls_percpu_ref,
	[BENCH_SPINLOCK] = bench_calls_spinlock,
	[BENCH_REFCOUNT] = bench_calls_refcount,
	[BENCH_SRCU] = bench_calls_srcu,
};

/**
 * struct bench_caller - one thread of the call benchmark
 * @bc: the binding it calls on.
 * @guard: how it guards each call.
 * @ready: shared by the threads of a run: how many are ready to start.
 * @threads: how many threads the run has.
 * @ns: time its @call_iters calls took.
 * @refused: calls the guard refused; must stay 0.
 * @acc: the calls' result, kept so they are not optimised away.
 * @done: it has finished calling.
 */
struct bench_caller {
	struct bench_call *bc;
	enum bench_guard guard;
	atomic_t *ready;
	unsigned int threads;
	u64 ns;
	u32 refused;
	u64 acc;
	struct completion done;
};

static int bench_caller_fn(void *data)
{
	struct bench_caller *c = data;
	u64 t0;

	/* Start together: the last thread to arrive releases the others. */
	atomic_inc(c->ready);
	while (atomic_read(c->ready) < c->threads)
		cpu_relax();
	t0 = ktime_get_ns();
	c->acc = bench_calls[c->guard](c->bc, call_iters, &c->refused);
	c->ns = ktime_get_ns() - t0;
	complete(&c->done);
	return 0;
}

/*
 * A kthread bound to @cpu, running; the caller holds a reference and ends
 * it with bench_kthread_reap().
 */
static struct task_struct *bench_kthread_start(int (*fn)(void *), void *data, unsigned int cpu)
{
	struct task_struct *t = kthread_create(fn, data, "nmr_bench/%u", cpu);

	if (IS_ERR(t))
		return t;
	kthread_bind(t, cpu);
	get_task_struct(t);
	wake_up_process(t);
	return t;
}

static void bench_kthread_reap(struct task_struct *t)
{
	kthread_stop(t);
	put_task_struct(t);
}

/**
 * bench_call_run() - one repetition of one guard on @threads CPUs at once
 * @bc: the binding.
 * @guard: the guard.
 * @cpus: the CPUs, one thread bound to each.
 * @threads: how many.
 * @ps: receives each thread's cost per call, in picoseconds.
 *
 * Context: process context; sleeps until the threads have finished.
 * Return: 0, or an error when a thread could not start or a guard refused
 * a call.
 */
static int bench_call_run(struct bench_call *bc, enum bench_guard guard,
			  const unsigned int *cpus, unsigned int threads, u64 *ps)
{
	struct bench_caller callers[2] = {};
	struct task_struct *tasks[2];
	atomic_t ready = ATOMIC_INIT(0);
	unsigned int i, started;
	int ret = 0;

	for (started = 0; started < threads; started++) {
		struct bench_caller *c = &callers[started];

		c->bc = bc;
		c->guard = guard;
		c->ready = &ready;
		c->threads = threads;
		init_completion(&c->done);
		tasks[started] = bench_kthread_start(bench_caller_fn, c, cpus[started]);
		if (IS_ERR(tasks[started])) {
			ret = PTR_ERR(tasks[started]);
			/* Let the started ones through their start line. */
			atomic_add(threads - started, &ready);
			break;
		}
	}
	for (i = 0; i < started; i++) {
		wait_for_completion(&callers[i].done);
		bench_kthread_reap(tasks[i]);
		ps[i] = div_u64(callers[i].ns * 1000, call_iters);
		if (callers[i].refused || callers[i].acc != call_iters) {
			pr_err("%s: %u calls refused, result %llu\n", bench_guard_names[guard],
			       callers[i].refused, callers[i].acc);
			ret = -EPROTO;
		}
	}
	return ret;
}

/**
 * struct bench_call_samples - the call benchmark's repetitions
 * @ps: cost per call in picoseconds, by number of threads - 1, guard,
 *	thread and repetition.
 */
struct bench_call_samples {
	u64 ps[2][BENCH_GUARDS][2][BENCH_MAX_REPS];
};

/* One RESULT line: the slower thread's cost, then each thread's. */
static void bench_call_report(struct bench_call_samples *cs, unsigned int threads,
			      enum bench_guard g, const unsigned int *cpus)
{
	u64 (*ps)[BENCH_MAX_REPS] = cs->ps[threads - 1][g];
	u64 worst[BENCH_MAX_REPS];
	unsigned int r;

	for (r = 0; r < reps; r++)
		worst[r] = threads > 1 ? max(ps[0][r], ps[1][r]) : ps[0][r];
	if (threads > 1)
		pr_info("RESULT call guard=%s threads=2 cpu%u_ps=%llu cpu%u_ps=%llu reps=%u iters=%u %s\n",
			bench_guard_names[g], cpus[0], bench_median(ps[0], reps), cpus[1],
			bench_median(ps[1], reps), reps, call_iters,
			bench_stats("ps", worst, reps));
	else
		pr_info("RESULT call guard=%s threads=1 reps=%u iters=%u %s\n",
			bench_guard_names[g], reps, call_iters, bench_stats("ps", worst, reps));
}

/*
 * Every guard on one CPU, then on @max_threads at once, @reps times over,
 * the first time untimed to warm up; one RESULT line per guard and number
 * of threads.
 */
static int bench_call_guards(struct bench_call *bc, const unsigned int *cpus,
			     unsigned int max_threads)
{
	struct bench_call_samples *cs;
	unsigned int r, threads;
	enum bench_guard g;
	int ret = 0;

	cs = kzalloc(sizeof(*cs), GFP_KERNEL);
	if (!cs)
		return -ENOMEM;
	/* Repetition 0 warms up, untimed. */
	for (r = 0; r <= reps && !ret; r++)
		for (threads = 1; threads <= max_threads && !ret; threads++)
			for (g = 0; g < BENCH_GUARDS && !ret; g++) {
				u64 t[2] = {};

				ret = bench_call_run(bc, g, cpus, threads, t);
				if (!r)
					continue;
				cs->ps[threads - 1][g][0][r - 1] = t[0];
				cs->ps[threads - 1][g][1][r - 1] = t[1];
			}
	for (threads = 1; threads <= max_threads && !ret; threads++)
		for (g = 0; g < BENCH_GUARDS; g++)
			bench_call_report(cs, threads, g, cpus);
	kfree(cs);
	return ret;
}

/* Never called: the benchmark does not kill the ref, as it never detaches. */
static void bench_pref_release(struct percpu_ref *ref)
{
	struct bench_call *bc = container_of(ref, struct bench_call, pref);

	complete(&bc->drained);
}

/**
 * bench_call() - the cost of a guarded call into the provider
 *
 * One provider and one client of their own NPI; the client calls the
 * provider's add() bare, through nmr_client_enter()/exit(), through
 * percpu_ref_tryget_live()/percpu_ref_put() and through three hand-written
 * guards, first from one CPU, then from two at once on the same binding.
 * A figure is the slower thread's cost per call.
 *
 * Context: process context.
 * Return: 0, or the first error.
 */
static int bench_call(void)
{
	struct bench_reg regs[2];
	unsigned int cpus[2];
	struct bench_call *bc;
	int ret;

	bc = kzalloc(sizeof(*bc), GFP_KERNEL);
	if (!bc)
		return -ENOMEM;
	spin_lock_init(&bc->lock);
	refcount_set(&bc->ref, 1);
	init_completion(&bc->drained);
	ret = percpu_ref_init(&bc->pref, bench_pref_release, 0, GFP_KERNEL);
	if (ret)
		goto free;
	ret = init_srcu_struct(&bc->srcu);
	if (ret)
		goto exit_pref;

	ret = bench_register(&regs[0], true, BENCH_NPI_CALL, &bc->provider);
	if (ret)
		goto cleanup_srcu;
	ret = bench_register(&regs[1], false, BENCH_NPI_CALL, &bc->client);
	if (ret)
		goto unregister_provider;
	if (!bc->client.binding) {
		ret = -ENOLINK;
		goto unregister_client;
	}

	cpus[0] = cpumask_first(cpu_online_mask);
	cpus[1] = cpumask_next(cpus[0], cpu_online_mask);
	ret = bench_call_guards(bc, cpus, cpus[1] < nr_cpu_ids ? 2 : 1);
	if (!ret && cpus[1] >= nr_cpu_ids)
		pr_info("RESULT call threads=2 skipped: one CPU online\n");

unregister_client:
	ret = bench_unregister(&regs[1]) ?: ret;
unregister_provider:
	ret = bench_unregister(&regs[0]) ?: ret;
cleanup_srcu:
	cleanup_srcu_struct(&bc->srcu);
exit_pref:
	percpu_ref_exit(&bc->pref);
free:
	kfree(bc);
	return ret;
}

/**
 * struct bench_unload - one repetition of the unload latency benchmark
 * @leaving: the registration the waiter deregisters.
 * @binding: the binding whose last exit or complete ends the wait.
 * @by_complete: release by nmr_provider_detach_client_complete(), not by
 *	nmr_client_exit().
 * @waiting: the waiter thread runs: @leaving is deregistered and waited for.
 * @deregistered: the waiter's deregister has returned, so both detach
 *	callbacks have.
 * @status: what the waiter's deregister and wait returned.
 * @t0: just before the release.
 * @t1: just after the wait returned.
 * @released: the release is done.
 * @waited: the wait has returned.
 */
struct bench_unload {
	struct bench_reg *leaving;
	struct nmr_binding *binding;
	bool by_complete;
	bool waiting;
	atomic_t deregistered;
	int status;
	u64 t0;
	u64 t1;
	struct completion released;
	struct completion waited;
};

static int bench_unload_wait_fn(void *data)
{
	struct bench_unload *u = data;

	u->status = bench_deregister(u->leaving);
	atomic_set(&u->deregistered, 1);
	if (!u->status)
		u->status = bench_wait(u->leaving);
	u->t1 = ktime_get_ns();
	complete(&u->waited);
	return 0;
}

static int bench_unload_release_fn(void *data)
{
	struct bench_unload *u = data;

	while (!atomic_read(&u->deregistered))
		usleep_range(50, 100);
	/* Long enough for the waiter to be asleep in its wait. */
	usleep_range(2000, 2500);
	u->t0 = ktime_get_ns();
	if (u->by_complete)
		nmr_provider_detach_client_complete(u->binding);
	else
		nmr_client_exit(u->binding);
	complete(&u->released);
	return 0;
}

/**
 * bench_unload_race() - a waiter on one CPU, the releaser on another
 * @u: the repetition.
 *
 * When the waiter thread cannot start, nothing has been released and
 * @u->waiting stays false; otherwise the binding has been released and the
 * wait has returned (from this thread, if the releaser could not start).
 *
 * Context: process context; sleeps until both are done.
 * Return: 0, or an error.
 */
static int bench_unload_race(struct bench_unload *u)
{
	unsigned int cpu0 = cpumask_first(cpu_online_mask);
	unsigned int cpu1 = cpumask_next(cpu0, cpu_online_mask);
	struct task_struct *waiter, *releaser;

	if (cpu1 >= nr_cpu_ids)
		cpu1 = cpu0;
	init_completion(&u->released);
	init_completion(&u->waited);
	atomic_set(&u->deregistered, 0);
	waiter = bench_kthread_start(bench_unload_wait_fn, u, cpu1);
	if (IS_ERR(waiter))
		return PTR_ERR(waiter);
	u->waiting = true;
	releaser = bench_kthread_start(bench_unload_release_fn, u, cpu0);
	if (IS_ERR(releaser)) {
		bench_unload_release_fn(u);
	} else {
		wait_for_completion(&u->released);
		bench_kthread_reap(releaser);
	}
	wait_for_completion(&u->waited);
	bench_kthread_reap(waiter);
	if (IS_ERR(releaser))
		return PTR_ERR(releaser);
	if (u->status)
		return u->status;
	if (u->t1 < u->t0) {
		pr_err("the wait returned before the %s\n", u->by_complete ? "complete" : "exit");
		return -EPROTO;
	}
	return 0;
}

/**
 * bench_unload_once() - the latency of one deregistration's wait
 * @by_complete: the provider's detach returns -EINPROGRESS and the provider
 *	completes it; otherwise the client's detach returns 0 with a section
 *	entered, and the section's exit completes it.
 * @ns: receives the time from the release to the wait's return.
 * @cleanup_ns: receives the time from the release to the start of the
 *	binding's cleanup, which NMR runs once both sides have completed.
 *
 * A thread deregisters (the client, or the provider with @by_complete) and
 * waits; another releases the binding once the detach callbacks have
 * returned and the waiter sleeps.
 *
 * Context: process context.
 * Return: 0, or an error.
 */
static int bench_unload_once(bool by_complete, u64 *ns, u64 *cleanup_ns)
{
	struct bench_peer client = { .stamp_cleanup = true }, provider = {};
	struct bench_unload u = { .by_complete = by_complete };
	struct bench_reg regs[2], *staying;
	int ret;

	provider.detach_status = by_complete ? -EINPROGRESS : 0;
	ret = bench_register(&regs[0], true, BENCH_NPI_UNLOAD, &provider);
	if (ret)
		return ret;
	ret = bench_register(&regs[1], false, BENCH_NPI_UNLOAD, &client);
	if (ret)
		goto unregister_provider;
	if (!client.binding || (!by_complete && !nmr_client_enter(client.binding))) {
		ret = -ENOLINK;
		goto unregister_client;
	}
	u.leaving = by_complete ? &regs[0] : &regs[1];
	staying = by_complete ? &regs[1] : &regs[0];
	u.binding = client.binding;
	ret = bench_unload_race(&u);
	if (!u.waiting) {
		if (!by_complete)
			nmr_client_exit(client.binding);
		goto unregister_client;
	}
	if (!ret && client.cleanup_ns < u.t0) {
		pr_err("the binding was cleaned up before the %s\n",
		       by_complete ? "complete" : "exit");
		ret = -EPROTO;
	}
	if (!ret) {
		*ns = u.t1 - u.t0;
		*cleanup_ns = client.cleanup_ns - u.t0;
	}
	return bench_unregister(staying) ?: ret;

unregister_client:
	ret = bench_unregister(&regs[1]) ?: ret;
unregister_provider:
	return bench_unregister(&regs[0]) ?: ret;
}

/**
 * bench_unload() - unload latency, released by an exit and by a complete
 *
 * Each repetition runs both paths; one RESULT line per path for the wait,
 * one for the cleanup.
 *
 * Context: process context.
 * Return: 0, or the first error.
 */
static int bench_unload(void)
{
	static const char *const paths[] = { "exit", "complete" };
	u64 ns[ARRAY_SIZE(paths)][BENCH_MAX_REPS];
	u64 cleanup[ARRAY_SIZE(paths)][BENCH_MAX_REPS];
	unsigned int p, r;
	int ret = 0;

	for (r = 0; r < reps && !ret; r++)
		for (p = 0; p < ARRAY_SIZE(paths) && !ret; p++)
			ret = bench_unload_once(p, &ns[p][r], &cleanup[p][r]);
	for (p = 0; p < ARRAY_SIZE(paths) && !ret; p++) {
		pr_info("RESULT unload path=%s tick_ns=%llu reps=%u %s\n", paths[p],
			(u64)(NSEC_PER_SEC / HZ), reps, bench_stats("ns", ns[p], reps));
		pr_info("RESULT unload_cleanup path=%s reps=%u %s\n", paths[p], reps,
			bench_stats("ns", cleanup[p], reps));
	}
	return ret;
}

static bool bench_selected(const char *name)
{
	return !*only || strstr(only, name);
}

static int bench_time(void)
{
	int ret = 0;

	pr_info("RESULT env kernel=%s hz=%d nr_cpu_ids=%u online_cpus=%u reps=%u\n",
		init_utsname()->release, HZ, nr_cpu_ids, num_online_cpus(), reps);
	if (!ret && bench_selected("match"))
		ret = bench_match();
	if (!ret && bench_selected("fanout"))
		ret = bench_fanout();
	if (!ret && bench_selected("call"))
		ret = bench_call();
	if (!ret && bench_selected("unload"))
		ret = bench_unload();
	if (ret)
		pr_err("FAILED: %d\n", ret);
	else
		pr_info("RESULT done\n");
	return ret;
}

/* mode=hold: register what the hold_* parameters say, until rmmod. */
static int bench_hold(void)
{
	unsigned int n = hold_regs + hold_providers + hold_clients, i;
	u32 npi;
	int ret;

	bench_held = vcalloc(max(n, 1U), sizeof(*bench_held));
	if (!bench_held)
		return -ENOMEM;
	ret = bench_register_unrelated(bench_held, 0, hold_regs);
	for (i = hold_regs; i < n && !ret; i++) {
		npi = i < hold_regs + hold_providers || hold_same_npi ? BENCH_NPI_HOLD :
									BENCH_NPI_HOLD_APART;
		ret = bench_register(&bench_held[i], i < hold_regs + hold_providers, npi,
				     &bench_shared_peer);
		if (ret)
			bench_unregister_all(bench_held, i);
	}
	if (ret) {
		vfree(bench_held);
		return ret;
	}
	bench_held_count = n;
	pr_info("RESULT hold regs=%u providers=%u clients=%u same_npi=%d bindings=%ld\n",
		hold_regs, hold_providers, hold_clients, hold_same_npi,
		atomic_long_read(&bench_attaches));
	return 0;
}

static int __init bench_init(void)
{
	if (reps < 1 || reps > BENCH_MAX_REPS || !match_iters || !call_iters ||
	    !fanout_bindings) {
		pr_err("reps must be 1-%d, the iteration counts at least 1\n", BENCH_MAX_REPS);
		return -EINVAL;
	}
	if (!strcmp(mode, "hold"))
		return bench_hold();
	if (!strcmp(mode, "time"))
		return bench_time();
	pr_err("unknown mode=%s (time or hold)\n", mode);
	return -EINVAL;
}
module_init(bench_init);

static void __exit bench_exit(void)
{
	if (bench_held) {
		bench_unregister_all(bench_held, bench_held_count);
		vfree(bench_held);
	}
}
module_exit(bench_exit);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("NMR benchmark: matching, fan-out, guarded calls, unload latency, memory");
NMR_IMPORT_NS();
