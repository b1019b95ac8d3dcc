/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Internal state of the registrar, shared by registry.c (registrations and
 * matching) and binding.c (the binding state machine).
 *
 * Locking: one spinlock, nmr_lock, taken with interrupts disabled, protects
 * every field documented as "nmr_lock" below: the NPI index, each
 * registration's state, lists and user count, and each binding's state.
 * nmr_deregister_*() and the complete functions must not sleep and may run
 * in any context, so the lock is a spinlock; no callback ever runs with it
 * held, which is what lets callbacks call back into NMR.
 */
#ifndef _NMR_INTERNAL_H
#define _NMR_INTERNAL_H

#include <linux/build_bug.h>
#include <linux/completion.h>
#include <linux/fault-inject.h>
#include <linux/list.h>
#include <linux/llist.h>
#include <linux/percpu.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/stddef.h>
#include <nmr/nmr.h>
#include <nmr/nmr_kunit.h>

struct nmr_npi;
struct nmr_calls_block;
struct nmr_layer;

/*
 * Type tags, first word of every handle, checked at every entry point;
 * NMR_TAG_BINDING is in <nmr/nmr.h>, for the inline rundown protection.
 */
#define NMR_TAG_PROVIDER	0x4e4d5250	/* "NMRP" */
#define NMR_TAG_CLIENT		0x4e4d5243	/* "NMRC" */
#define NMR_TAG_FREED		0x4e4d5258	/* "NMRX": freed or never valid */

enum nmr_reg_state {
	NMR_REG_REGISTERED,	/* offered to new peers */
	NMR_REG_DEREGISTERING,	/* deregistered; bindings draining */
};

/**
 * struct nmr_reg - a provider or client registration
 * @tag: %NMR_TAG_PROVIDER or %NMR_TAG_CLIENT.
 * @role: provider or client.
 * @state: registered or deregistering; nmr_lock.
 * @id: number in logs, unique while nmr.ko is loaded.
 * @owner: the module that registered.
 * @context: the provider or client context given to register.
 * @pchars: the provider characteristics (provider registrations).
 * @cchars: the client characteristics (client registrations).
 * @instance: the registration instance inside the characteristics.
 * @npi: the NPI index entry, while registered; nmr_lock.
 * @npi_node: in the NPI's list of this role, while registered; nmr_lock.
 * @all_node: in nmr_regs from register to the end of the wait; nmr_lock.
 * @bindings: every binding of this registration, linked through the
 *	binding's node[@role], in every state; nmr_lock.
 * @offers: bindings this registration still has to offer (only while its
 *	register call runs); nmr_lock.
 * @registering: the task running the register call, until its offers are
 *	made; a wait on that task could never return; nmr_lock.
 * @layer: the API layered over this one that registered it, or NULL.
 * @users: the registration itself until deregistered, one per binding on
 *	@bindings, and one while the register call runs.  At zero @done fires;
 *	nmr_lock.
 * @unload_refused: the owner module is pinned by nmr_*_refuse_unload();
 *	nmr_lock.
 * @waited: a wait for this registration is running (or has returned 0);
 *	nmr_lock.
 * @done: completed when @users drops to zero.
 * @rcu: frees the registration after a grace period (nmr_reg_lock()).
 */
struct nmr_reg {
	u32 tag;
	enum nmr_role role;
	enum nmr_reg_state state;
	u32 id;
	struct module *owner;
	void *context;
	union {
		const struct nmr_provider_characteristics *pchars;
		const struct nmr_client_characteristics *cchars;
	};
	const struct nmr_registration_instance *instance;
	struct nmr_npi *npi;
	struct list_head npi_node;
	struct list_head all_node;
	struct list_head bindings;
	struct list_head offers;
	struct task_struct *registering;
	const struct nmr_layer *layer;
	unsigned int users;
	bool unload_refused;
	bool waited;
	struct completion done;
	struct rcu_head rcu;
};

/* The public handle types wrap the registration so they stay distinct. */
struct nmr_provider {
	struct nmr_reg reg;
};

struct nmr_client {
	struct nmr_reg reg;
};

/*
 * The binding state machine.  Every transition is in binding.c:
 *
 *   OFFERED ──(offer taken)──▶ ATTACHING ──(client attached)──▶ ATTACHED
 *      │                          │    │                          │
 *   (a side deregisters:       (declined)  (late comer; client   (a side deregisters)
 *    the offer is dropped)        │       failed after attach;    │
 *      ▼                          ▼       declined after an       ▼
 *    freed                      freed      enter)  └─────────▶ DETACHING
 *                                                                 │
 *                                         (both sides done) ──▶ CLEANUP ──▶ freed
 *
 * A side that never attached but may have entered sections (a client
 * that failed after attaching, or both sides when the provider declined
 * after an enter) goes straight to DRAINING: no callback, but the binding
 * is not cleaned up before its last exit.  Freed bindings go after an RCU
 * grace period, so that nmr_*_exit() may look at a binding whose last
 * section it has just left (see rundown.c).
 */
enum nmr_binding_state {
	NMR_BINDING_OFFERED,
	NMR_BINDING_ATTACHING,
	NMR_BINDING_ATTACHED,
	NMR_BINDING_DETACHING,
	NMR_BINDING_CLEANUP,
};

/* One side of a binding, from its attach to the end of its detach. */
enum nmr_side_state {
	NMR_SIDE_NONE,		/* never attached: no detach, no cleanup */
	NMR_SIDE_ATTACHED,
	NMR_SIDE_DETACHING,	/* detach callback running */
	NMR_SIDE_PENDING,	/* detach returned -EINPROGRESS */
	NMR_SIDE_DRAINING,	/* detach over, or never attached; sections left */
	NMR_SIDE_DONE,
};

/**
 * struct nmr_side - one side's view of a binding
 * @state: see &enum nmr_side_state; nmr_lock.
 * @completed: the side's complete function ran while its detach callback
 *	was still running; nmr_lock.
 * @cleanup: the side attached, so its cleanup callback is due; nmr_lock.
 * @since: jiffies when the side became pending or draining, for
 *	stuck-unload reports; nmr_lock.
 */
struct nmr_side {
	enum nmr_side_state state;
	bool completed;
	bool cleanup;
	unsigned long since;
};

/**
 * struct nmr_binding - one (client, provider) pair
 * @rundown: the type tag, %NMR_TAG_BINDING, and what the inline
 *	nmr_*_enter() and nmr_*_exit() of <nmr/nmr.h> read: @rundown.used,
 *	@rundown.open and @rundown.calls (rundown.c).  The first member, so
 *	that a handle's first word is its tag, as in every handle.
 * @state: see &enum nmr_binding_state; nmr_lock.
 * @client: the client registration; holds one of its users.
 * @provider: the provider registration; holds one of its users.
 * @node: in client->reg.bindings and provider->reg.bindings, indexed by
 *	&enum nmr_role; nmr_lock.
 * @work: in the offering registration's @offers while OFFERED, or in a
 *	deregistration's private batch while its detach is being started;
 *	nmr_lock.
 * @attacher: the task running the client's attach callback, the only one
 *	allowed to call nmr_client_attach_provider() for this binding.
 * @provider_attaching: provider_attach_client() is running; nmr_lock.
 * @provider_attached: provider_attach_client() returned 0; nmr_lock.
 * @detach_requested: a side deregistered while ATTACHING (late comer);
 *	nmr_lock.
 * @opened: @rundown.open was set once (it is set from just before the
 *	provider's attach callback, cleared again if the provider declines,
 *	and cleared for good when the detach begins); nmr_lock.
 * @closed: the detach began and @rundown.open was cleared; nmr_lock.
 * @fenced: every enter that saw @open set has finished its count, so the
 *	per-CPU sums are exact; nmr_lock.
 * @fence_node: on the list of closed bindings waiting for their grace
 *	period (rundown.c).
 * @calls_slot: the slot of @calls_block that @rundown.calls points to.
 * @calls_block: the block of per-CPU counters @rundown.calls comes from.
 * @side: the client and provider sides, indexed by &enum nmr_role.
 * @client_binding_context: given by the client to
 *	nmr_client_attach_provider().
 * @provider_binding_context: returned by provider_attach_client().
 * @rcu: frees the binding after a grace period.
 */
struct nmr_binding {
	struct nmr_rundown rundown;
	enum nmr_binding_state state;
	struct nmr_client *client;
	struct nmr_provider *provider;
	struct list_head node[NMR_ROLES];
	struct list_head work;
	struct task_struct *attacher;
	bool provider_attaching;
	bool provider_attached;
	bool detach_requested;
	bool opened;
	bool closed;
	bool fenced;
	u8 calls_slot;
	struct llist_node fence_node;
	struct nmr_calls_block *calls_block;
	struct nmr_side side[NMR_ROLES];
	void *client_binding_context;
	void *provider_binding_context;
	struct rcu_head rcu;
};

static_assert(offsetof(struct nmr_binding, rundown) == 0);

/**
 * struct nmr_layer - an API layered over the native one (netioddk.c)
 * @name: for misuse reports ("Windows").
 * @detach: called instead of the characteristics' detach callback, with
 *	the registration's context and the binding context.  A layer whose
 *	native callbacks are shared by all its registrations learns this way
 *	which of its registrations a detach is for, whatever the contexts.
 * @release: called with the registration's context once its wait has
 *	returned, so the layer frees what it allocated for it.
 *
 * A layer's registration handles are the native handles: one object, one
 * tag, checked once under the rules of nmr_reg_lock().  The entry points
 * tell a layer's handles from native ones (and from another layer's) by
 * the layer they were registered with.
 */
struct nmr_layer {
	const char *name;
	int (*detach)(void *reg_context, void *binding_context);
	void (*release)(void *reg_context);
};

int nmr_layer_register_provider(const struct nmr_provider_characteristics *chars,
				void *provider_context, struct nmr_provider **handle,
				struct module *owner, const struct nmr_layer *layer,
				unsigned long caller);
int nmr_layer_register_client(const struct nmr_client_characteristics *chars,
			      void *client_context, struct nmr_client **handle,
			      struct module *owner, const struct nmr_layer *layer,
			      unsigned long caller);
int nmr_layer_deregister(void *handle, enum nmr_role role, const struct nmr_layer *layer,
			 unsigned long caller);
int nmr_layer_wait(void *handle, enum nmr_role role, const struct nmr_layer *layer,
		   unsigned long caller);

extern spinlock_t nmr_lock;
extern struct list_head nmr_regs;
extern unsigned int nmr_wait_warn_secs;

const char *nmr_role_name(enum nmr_role role);
const char *nmr_reg_owner_name(const struct nmr_reg *reg);
void nmr_reg_put_locked(struct nmr_reg *reg);

/* Misuses reported, printed or not: for the KUnit suites. */
extern atomic_long_t nmr_misuses;

/*
 * Report a misuse of the API, naming the caller; never a splat.  The line
 * is rate-limited per call site; the count is not.
 */
#define nmr_misuse(caller, fmt, ...) do {					\
	atomic_long_inc(&nmr_misuses);						\
	pr_warn_ratelimited("misuse by %pS: " fmt "\n", (void *)(caller), ##__VA_ARGS__); \
} while (0)

struct nmr_binding *nmr_binding_alloc(void);
void nmr_binding_free(struct nmr_binding *b);
void nmr_binding_link_locked(struct nmr_binding *b, struct nmr_client *client,
			     struct nmr_provider *provider);
void nmr_binding_offer(struct nmr_binding *b);
void nmr_binding_stop_locked(struct nmr_binding *b, struct list_head *batch);
void nmr_binding_detach_batch(struct list_head *batch);
void nmr_binding_report_locked(const struct nmr_binding *b,
			       const struct nmr_reg *waiter);
bool nmr_side_exited(struct nmr_binding *b, enum nmr_role role);
bool nmr_binding_fenced_locked(struct nmr_binding *b);
void nmr_binding_cleanup(struct nmr_binding *b);

/* The check every entry point taking a binding handle makes first. */
static inline bool nmr_binding_check(const struct nmr_binding *b, unsigned long caller)
{
	if (likely(b && READ_ONCE(b->rundown.tag) == NMR_TAG_BINDING))
		return true;
	__nmr_binding_misuse(b, caller);
	return false;
}

const char *nmr_binding_state_name(const struct nmr_binding *b);
const char *nmr_side_state_name(const struct nmr_binding *b, enum nmr_role role);

/**
 * struct nmr_alive - how many of NMR's objects are allocated
 * @npis: NPI index entries.
 * @regs: registrations, from their allocation to their wait's free.
 * @bindings: bindings, until their RCU-deferred free.
 * @calls_blocks: blocks of per-CPU rundown counters.
 *
 * Only counted, where each is allocated and freed: what leaks or lingers
 * shows here, to the KUnit suites (nmr_kunit_count_alive()).
 */
struct nmr_alive {
	atomic_t npis;
	atomic_t regs;
	atomic_t bindings;
	atomic_t calls_blocks;
};

extern struct nmr_alive nmr_alive;

#ifdef CONFIG_FAULT_INJECTION
/* rundown.c: fails the per-CPU allocation on demand (fail-nth, debugfs). */
extern struct fault_attr nmr_fail_percpu;
#endif

/* debugfs.c */
#if IS_ENABLED(CONFIG_DEBUG_FS)
void nmr_debugfs_init(void);
void nmr_debugfs_exit(void);
#else
static inline void nmr_debugfs_init(void) { }
static inline void nmr_debugfs_exit(void) { }
#endif

/* rundown.c */
int nmr_rundown_alloc(struct nmr_binding *b);
void nmr_rundown_free(struct nmr_binding *b);
void nmr_rundown_open_locked(struct nmr_binding *b);
void nmr_rundown_unopen_locked(struct nmr_binding *b);
void nmr_rundown_close_locked(struct nmr_binding *b);
int nmr_rundown_entered_locked(const struct nmr_binding *b, enum nmr_role role);
void nmr_rundown_exit(void);

#endif /* _NMR_INTERNAL_H */
