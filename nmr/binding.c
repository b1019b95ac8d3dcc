// SPDX-License-Identifier: GPL-2.0
/*
 * The binding state machine: offer, attach, detach, complete, cleanup.
 * Every transition of &enum nmr_binding_state and &enum nmr_side_state is
 * made in this file, under nmr_lock; every callback is made without it.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/jiffies.h>
#include <linux/sched.h>
#include <linux/slab.h>

#include "nmr_internal.h"
#include "nmr_trace.h"

static const char *const nmr_binding_state_names[] = {
	[NMR_BINDING_OFFERED] = "OFFERED",
	[NMR_BINDING_ATTACHING] = "ATTACHING",
	[NMR_BINDING_ATTACHED] = "ATTACHED",
	[NMR_BINDING_DETACHING] = "DETACHING",
	[NMR_BINDING_CLEANUP] = "CLEANUP",
};

static const char *const nmr_side_state_names[] = {
	[NMR_SIDE_NONE] = "not attached",
	[NMR_SIDE_ATTACHED] = "attached",
	[NMR_SIDE_DETACHING] = "in its detach callback",
	[NMR_SIDE_PENDING] = "pending",
	[NMR_SIDE_DRAINING] = "waiting for its entered calls to exit",
	[NMR_SIDE_DONE] = "done",
};

const char *nmr_binding_state_name(const struct nmr_binding *b)
{
	return nmr_binding_state_names[b->state];
}

const char *nmr_side_state_name(const struct nmr_binding *b, enum nmr_role role)
{
	return nmr_side_state_names[b->side[role].state];
}

static struct nmr_reg *nmr_side_reg(struct nmr_binding *b, enum nmr_role role)
{
	return role == NMR_CLIENT ? &b->client->reg : &b->provider->reg;
}

/* A lifecycle line about @b, prefixed "client foo#3 <-> provider bar#2: ". */
static __printf(2, 3) void nmr_b_dbg(const struct nmr_binding *b, const char *fmt, ...)
{
	struct va_format vaf;
	va_list args;

	va_start(args, fmt);
	vaf.fmt = fmt;
	vaf.va = &args;
	pr_debug("client %s#%u <-> provider %s#%u: %pV\n",
		 nmr_reg_owner_name(&b->client->reg), b->client->reg.id,
		 nmr_reg_owner_name(&b->provider->reg), b->provider->reg.id, &vaf);
	va_end(args);
}

struct nmr_binding *nmr_binding_alloc(void)
{
	struct nmr_binding *b = kzalloc(sizeof(*b), GFP_KERNEL);

	if (!b)
		return NULL;
	if (nmr_rundown_alloc(b)) {
		kfree(b);
		return NULL;
	}
	INIT_LIST_HEAD(&b->work);
	atomic_inc(&nmr_alive.bindings);
	return b;
}

static void nmr_binding_free_rcu(struct rcu_head *head)
{
	struct nmr_binding *b = container_of(head, struct nmr_binding, rcu);

	nmr_rundown_free(b);
	kfree(b);
	atomic_dec(&nmr_alive.bindings);
}

/* After a grace period: an exit may still be looking at @b (rundown.c). */
void nmr_binding_free(struct nmr_binding *b)
{
	/* Lets a stale handle that still points at our memory be caught. */
	WRITE_ONCE(b->rundown.tag, NMR_TAG_FREED);
	call_rcu(&b->rcu, nmr_binding_free_rcu);
}

/**
 * nmr_binding_link_locked() - make @b an offer between @client and @provider
 * @b: a binding from nmr_binding_alloc().
 * @client: the client registration.
 * @provider: the provider registration.
 *
 * The binding holds a user of each registration until it is forgotten.
 *
 * Context: nmr_lock held.
 */
void nmr_binding_link_locked(struct nmr_binding *b, struct nmr_client *client,
			     struct nmr_provider *provider)
{
	lockdep_assert_held(&nmr_lock);
	b->rundown.tag = NMR_TAG_BINDING;
	b->state = NMR_BINDING_OFFERED;
	b->client = client;
	b->provider = provider;
	list_add_tail(&b->node[NMR_CLIENT], &client->reg.bindings);
	list_add_tail(&b->node[NMR_PROVIDER], &provider->reg.bindings);
	client->reg.users++;
	provider->reg.users++;
}

/* Drop @b from both registrations; the caller frees or cleans it up. */
static void nmr_binding_unlink_locked(struct nmr_binding *b)
{
	lockdep_assert_held(&nmr_lock);
	list_del(&b->node[NMR_CLIENT]);
	list_del(&b->node[NMR_PROVIDER]);
}

static void nmr_binding_put_regs_locked(struct nmr_binding *b)
{
	nmr_reg_put_locked(&b->client->reg);
	nmr_reg_put_locked(&b->provider->reg);
}

/* Forget a binding that never attached: no callbacks are due. */
static void nmr_binding_drop_locked(struct nmr_binding *b)
{
	nmr_binding_unlink_locked(b);
	nmr_binding_put_regs_locked(b);
	nmr_binding_free(b);
}

/*
 * Both sides are done: cleanup callbacks, client first, on the thread that
 * completed last; then the binding's users of both registrations go, which
 * may end their waits.
 */
void nmr_binding_cleanup(struct nmr_binding *b)
{
	const struct nmr_client_characteristics *cc = b->client->reg.cchars;
	const struct nmr_provider_characteristics *pc = b->provider->reg.pchars;
	unsigned long flags;

	nmr_b_dbg(b, "cleanup");
	trace_nmr_cleanup(b, false, 0);
	if (b->side[NMR_CLIENT].cleanup && cc->client_cleanup_binding_context)
		cc->client_cleanup_binding_context(b->client_binding_context);
	if (b->side[NMR_PROVIDER].cleanup && pc->provider_cleanup_binding_context)
		pc->provider_cleanup_binding_context(b->provider_binding_context);

	spin_lock_irqsave(&nmr_lock, flags);
	nmr_binding_put_regs_locked(b);
	spin_unlock_irqrestore(&nmr_lock, flags);
	nmr_binding_free(b);
}

/*
 * Mark @role's side done.  Returns true when that makes both sides done:
 * the binding then leaves its registrations and the caller must call
 * nmr_binding_cleanup() once it has dropped the lock.
 */
static bool nmr_side_done_locked(struct nmr_binding *b, enum nmr_role role)
{
	lockdep_assert_held(&nmr_lock);
	b->side[role].state = NMR_SIDE_DONE;
	if (b->side[!role].state != NMR_SIDE_DONE &&
	    b->side[!role].state != NMR_SIDE_NONE)
		return false;
	b->state = NMR_BINDING_CLEANUP;
	nmr_binding_unlink_locked(b);
	return true;
}

/* No section @role's side entered is left, and none can start. */
static bool nmr_side_drained_locked(const struct nmr_binding *b, enum nmr_role role)
{
	return b->fenced && !nmr_rundown_entered_locked(b, role);
}

/*
 * @role's detach callback is over (it returned 0, or its complete function
 * ran): the side is done unless sections it entered may still run, in
 * which case the last nmr_*_exit(), or the fence, finishes it.  Returns
 * what nmr_side_done_locked() does.
 */
static bool nmr_side_settle_locked(struct nmr_binding *b, enum nmr_role role)
{
	lockdep_assert_held(&nmr_lock);
	if (!nmr_side_drained_locked(b, role)) {
		b->side[role].state = NMR_SIDE_DRAINING;
		b->side[role].since = jiffies;
		nmr_b_dbg(b, "%s side waits for its entered calls to exit",
			  nmr_role_name(role));
		return false;
	}
	return nmr_side_done_locked(b, role);
}

/*
 * A draining side is done once nothing it entered is left: after its last
 * exit, or after the fence.  Returns what nmr_side_done_locked() does.
 */
static bool nmr_side_drain_locked(struct nmr_binding *b, enum nmr_role role,
				  const char *why)
{
	lockdep_assert_held(&nmr_lock);
	if (b->side[role].state != NMR_SIDE_DRAINING || !nmr_side_drained_locked(b, role))
		return false;
	nmr_b_dbg(b, "%s side %s", nmr_role_name(role), why);
	return nmr_side_done_locked(b, role);
}

/**
 * nmr_side_exited() - a section of @role's side exited after the detach began
 * @b: the binding, closed; may be in CLEANUP already, but not yet freed
 *	(the caller has preemption disabled, an RCU read-side section).
 * @role: the side.
 *
 * Context: any context, no NMR lock held.
 * Return: true when this finished the binding: the caller must call
 * nmr_binding_cleanup() once it has enabled preemption again.
 */
bool nmr_side_exited(struct nmr_binding *b, enum nmr_role role)
{
	unsigned long flags;
	bool finished;

	spin_lock_irqsave(&nmr_lock, flags);
	finished = nmr_side_drain_locked(b, role, "exited its last entered call");
	spin_unlock_irqrestore(&nmr_lock, flags);
	return finished;
}

/**
 * nmr_binding_fenced_locked() - the grace period after @b's close has passed
 * @b: a closed binding on which nmr_*_enter() was called.
 *
 * From now on the sums of @b's counters are exact: a side draining with
 * none of its sections left is done.
 *
 * Context: nmr_lock held.
 * Return: true when that finished the binding: the caller must call
 * nmr_binding_cleanup() once it has dropped the lock.
 */
bool nmr_binding_fenced_locked(struct nmr_binding *b)
{
	bool finished = false;
	enum nmr_role role;

	lockdep_assert_held(&nmr_lock);
	b->fenced = true;
	for (role = NMR_CLIENT; role < NMR_ROLES; role++)
		finished |= nmr_side_drain_locked(b, role, "drained at the fence");
	return finished;
}

static int nmr_side_call_detach(struct nmr_binding *b, enum nmr_role role)
{
	struct nmr_reg *reg = nmr_side_reg(b, role);
	void *context = role == NMR_CLIENT ? b->client_binding_context :
					     b->provider_binding_context;

	if (reg->layer)
		return reg->layer->detach(reg->context, context);
	if (role == NMR_CLIENT)
		return reg->cchars->client_detach_provider(context);
	return reg->pchars->provider_detach_client(context);
}

/*
 * Call @role's detach callback if that side is attached, and record what
 * it returned.  The binding is alive on entry because this side is not
 * done; it may be gone on return.
 */
static void nmr_side_detach(struct nmr_binding *b, enum nmr_role role)
{
	struct nmr_side *side = &b->side[role];
	unsigned long flags;
	bool finished;
	int ret;

	spin_lock_irqsave(&nmr_lock, flags);
	if (side->state != NMR_SIDE_ATTACHED) {
		spin_unlock_irqrestore(&nmr_lock, flags);
		return;
	}
	side->state = NMR_SIDE_DETACHING;
	spin_unlock_irqrestore(&nmr_lock, flags);

	nmr_b_dbg(b, "detaching %s side", nmr_role_name(role));
	trace_nmr_detach(b, role == NMR_CLIENT, 0);
	ret = nmr_side_call_detach(b, role);
	trace_nmr_detach_result(b, role == NMR_CLIENT, ret);
	if (ret && ret != -EINPROGRESS) {
		pr_warn("%s %s#%u: detach callback returned %d, not 0 or -EINPROGRESS; taken as 0\n",
			nmr_role_name(role), nmr_reg_owner_name(nmr_side_reg(b, role)),
			nmr_side_reg(b, role)->id, ret);
		ret = 0;
	}

	spin_lock_irqsave(&nmr_lock, flags);
	if (ret == -EINPROGRESS && !side->completed) {
		side->state = NMR_SIDE_PENDING;
		side->since = jiffies;
		/* Logged under the lock: once unlocked, a complete may free @b. */
		nmr_b_dbg(b, "%s side detach pending", nmr_role_name(role));
		spin_unlock_irqrestore(&nmr_lock, flags);
		return;
	}
	finished = nmr_side_settle_locked(b, role);
	spin_unlock_irqrestore(&nmr_lock, flags);
	if (finished)
		nmr_binding_cleanup(b);
}

/* Detach a binding in DETACHING state: client side first, then provider. */
static void nmr_binding_detach(struct nmr_binding *b)
{
	/*
	 * The provider side is attached (a binding is detached only once its
	 * provider attached), so @b outlives the client's detach.
	 */
	nmr_side_detach(b, NMR_CLIENT);
	nmr_side_detach(b, NMR_PROVIDER);
}

/*
 * Sides that never attached but may have entered sections (contract 4.4
 * and 8): a client that failed after nmr_client_attach_provider()
 * succeeded, or both sides of a binding whose provider declined after an
 * enter.  Such a side gets no callback; it only drains, so the binding is
 * neither cleaned up nor freed before its last exit.  Returns what
 * nmr_side_done_locked() does.
 */
static bool nmr_side_orphan_locked(struct nmr_binding *b, enum nmr_role role)
{
	lockdep_assert_held(&nmr_lock);
	b->side[role].state = NMR_SIDE_DRAINING;
	b->side[role].since = jiffies;
	return nmr_side_drain_locked(b, role, "drained without callbacks");
}

/*
 * The provider never attached.  Without an enter on the binding nothing
 * is due and it is forgotten at once; else it drains first.  Returns true
 * when the caller must call nmr_binding_cleanup() (no callbacks are made).
 */
static bool nmr_binding_declined_locked(struct nmr_binding *b, int ret)
{
	struct nmr_client *client = b->client;
	struct nmr_provider *provider = b->provider;

	lockdep_assert_held(&nmr_lock);
	/* Logged first: once the binding's users go, a waiter may free the peer. */
	if (!ret)
		pr_warn_once("client %s#%u: attach callback returned 0 without nmr_client_attach_provider(); taken as a decline\n",
			     nmr_reg_owner_name(&client->reg), client->reg.id);
	else
		pr_debug("client %s#%u declined provider %s#%u: %d\n",
			 nmr_reg_owner_name(&client->reg), client->reg.id,
			 nmr_reg_owner_name(&provider->reg), provider->reg.id, ret);
	if (!b->opened || !b->rundown.used) {
		nmr_binding_drop_locked(b);
		return false;
	}
	b->state = NMR_BINDING_DETACHING;
	nmr_rundown_close_locked(b);
	b->side[NMR_PROVIDER].state = NMR_SIDE_DRAINING;
	b->side[NMR_PROVIDER].since = jiffies;
	return nmr_side_orphan_locked(b, NMR_CLIENT) ||
	       nmr_side_drain_locked(b, NMR_PROVIDER, "drained without callbacks");
}

/**
 * nmr_binding_offer() - offer the provider of @b to its client
 * @b: a binding just taken from a registration's offers, in ATTACHING
 *	state with @b->attacher set to the current task.
 *
 * Runs the client's attach callback and settles the outcome: attached,
 * declined, or attached and detached again at once (a late comer, or a
 * client that failed after nmr_client_attach_provider() succeeded).
 *
 * Context: process context, no NMR lock held; may sleep.
 */
void nmr_binding_offer(struct nmr_binding *b)
{
	struct nmr_client *client = b->client;
	struct nmr_provider *provider = b->provider;
	unsigned long flags;
	bool finished;
	int ret;

	nmr_b_dbg(b, "offering");
	trace_nmr_offer(b, true, 0);
	ret = client->reg.cchars->client_attach_provider(b, client->reg.context,
			&provider->reg.pchars->provider_registration_instance);

	spin_lock_irqsave(&nmr_lock, flags);
	b->attacher = NULL;
	/* Under the lock: a declined binding is freed by the next lines. */
	trace_nmr_attach(b, true, b->provider_attached ? ret : ret ?: -ENODEV);
	if (!b->provider_attached) {
		finished = nmr_binding_declined_locked(b, ret);
		spin_unlock_irqrestore(&nmr_lock, flags);
		if (finished)
			nmr_binding_cleanup(b);
		return;
	}

	b->side[NMR_PROVIDER].state = NMR_SIDE_ATTACHED;
	b->side[NMR_PROVIDER].cleanup = true;
	if (!ret) {
		b->side[NMR_CLIENT].state = NMR_SIDE_ATTACHED;
		b->side[NMR_CLIENT].cleanup = true;
	}
	if (!ret && !b->detach_requested) {
		b->state = NMR_BINDING_ATTACHED;
		nmr_b_dbg(b, "attached");
		spin_unlock_irqrestore(&nmr_lock, flags);
		return;
	}
	b->state = NMR_BINDING_DETACHING;
	nmr_rundown_close_locked(b);
	if (ret) {
		nmr_b_dbg(b, "client failed after attaching (%d); detaching the provider", ret);
		/* The provider side is attached: this cannot finish the binding. */
		nmr_side_orphan_locked(b, NMR_CLIENT);
	} else {
		nmr_b_dbg(b, "a side deregistered during attach; detaching");
	}
	spin_unlock_irqrestore(&nmr_lock, flags);

	/* The provider side is attached, so @b outlives this call's start. */
	nmr_binding_detach(b);
}

/**
 * nmr_binding_stop_locked() - one of @b's registrations is deregistering
 * @b: a binding of the deregistering registration.
 * @batch: collects the bindings whose detach the caller must start, by
 *	nmr_binding_detach_batch() once it has dropped nmr_lock.
 *
 * An offer not yet made is dropped; an attach in progress is marked, so
 * its attacher detaches it at once (late comer); an attached binding is
 * queued for detach.  A binding already detaching is left alone, so each
 * binding is detached exactly once when both sides deregister.
 *
 * Context: nmr_lock held.
 */
void nmr_binding_stop_locked(struct nmr_binding *b, struct list_head *batch)
{
	lockdep_assert_held(&nmr_lock);
	switch (b->state) {
	case NMR_BINDING_OFFERED:
		list_del(&b->work);
		nmr_binding_drop_locked(b);
		break;
	case NMR_BINDING_ATTACHING:
		b->detach_requested = true;
		nmr_rundown_close_locked(b);
		break;
	case NMR_BINDING_ATTACHED:
		b->state = NMR_BINDING_DETACHING;
		nmr_rundown_close_locked(b);
		list_add_tail(&b->work, batch);
		break;
	case NMR_BINDING_DETACHING:
	case NMR_BINDING_CLEANUP:
		break;
	}
}

/**
 * nmr_binding_detach_batch() - start the detaches collected by
 *	nmr_binding_stop_locked()
 * @batch: the bindings, each in DETACHING state.
 *
 * Context: any context, no NMR lock held; does not sleep, but the detach
 * and cleanup callbacks run on this thread.
 */
void nmr_binding_detach_batch(struct list_head *batch)
{
	struct nmr_binding *b, *next;

	list_for_each_entry_safe(b, next, batch, work) {
		list_del_init(&b->work);
		nmr_binding_detach(b);
	}
}

/**
 * __nmr_binding_misuse() - report a NULL or wrong binding handle
 * @binding: what the caller passed for a binding handle.
 * @caller: where in the caller, for the report.
 *
 * Out of line: the check itself is inlined, into nmr.ko's entry points
 * (nmr_binding_check()) and into the modules' own code (the inline
 * nmr_*_exit() of <nmr/nmr.h>), which are its only callers.
 *
 * Context: any context; does not sleep.
 */
void __nmr_binding_misuse(const struct nmr_binding *binding, unsigned long caller)
{
	if (!binding)
		nmr_misuse(caller, "NULL binding");
	else
		nmr_misuse(caller, "%p is not a binding handle (tag %#x)", binding,
			   READ_ONCE(binding->rundown.tag));
}
EXPORT_SYMBOL_NMR(__nmr_binding_misuse);

static void nmr_side_complete(struct nmr_binding *b, enum nmr_role role,
			      unsigned long caller)
{
	struct nmr_side *side;
	unsigned long flags;
	bool finished;

	/*
	 * A second complete may race the cleanup the first one runs: bindings
	 * are freed after a grace period, so the tag and, once it matched,
	 * the binding stay readable until rcu_read_unlock().
	 */
	rcu_read_lock();
	if (!nmr_binding_check(b, caller)) {
		rcu_read_unlock();
		return;
	}
	spin_lock_irqsave(&nmr_lock, flags);
	side = &b->side[role];
	finished = false;
	switch (side->state) {
	case NMR_SIDE_DETACHING:
		if (side->completed)
			goto misuse;
		/* Completed before its detach callback returned -EINPROGRESS. */
		side->completed = true;
		break;
	case NMR_SIDE_PENDING:
		nmr_b_dbg(b, "%s side detach complete", nmr_role_name(role));
		trace_nmr_complete(b, role == NMR_CLIENT, 0);
		finished = nmr_side_settle_locked(b, role);
		break;
	default:
		goto misuse;
	}
	spin_unlock_irqrestore(&nmr_lock, flags);
	rcu_read_unlock();
	if (finished)
		nmr_binding_cleanup(b);
	return;

misuse:
	nmr_misuse(caller, "%s detach complete for binding %p whose %s side is %s%s",
		   nmr_role_name(role), b, nmr_role_name(role),
		   nmr_side_state_names[side->state],
		   side->completed ? " and already completed" : ", not pending");
	spin_unlock_irqrestore(&nmr_lock, flags);
	rcu_read_unlock();
}

/**
 * nmr_client_detach_provider_complete() - the client side's pending detach is done
 * @binding: the binding whose client_detach_provider() returned -EINPROGRESS.
 *
 * Tells NMR that the client makes no more calls into the provider of
 * @binding.  May be called from inside client_detach_provider(), before it
 * returns -EINPROGRESS.  When the provider side is done too, the cleanup
 * callbacks run on this thread.  A call for a binding whose client side is
 * not pending is ignored with a warning.
 *
 * Context: any context; does not sleep.
 */
void nmr_client_detach_provider_complete(struct nmr_binding *binding)
{
	nmr_side_complete(binding, NMR_CLIENT, _RET_IP_);
}
EXPORT_SYMBOL_NMR(nmr_client_detach_provider_complete);

/**
 * nmr_provider_detach_client_complete() - the provider side's pending detach is done
 * @binding: the binding whose provider_detach_client() returned -EINPROGRESS.
 *
 * Tells NMR that the provider makes no more calls into the client of
 * @binding.  May be called from inside provider_detach_client(), before it
 * returns -EINPROGRESS.  When the client side is done too, the cleanup
 * callbacks run on this thread.  A call for a binding whose provider side
 * is not pending is ignored with a warning.
 *
 * Context: any context; does not sleep.
 */
void nmr_provider_detach_client_complete(struct nmr_binding *binding)
{
	nmr_side_complete(binding, NMR_PROVIDER, _RET_IP_);
}
EXPORT_SYMBOL_NMR(nmr_provider_detach_client_complete);

/**
 * nmr_client_attach_provider() - attach the client to the offered provider
 * @binding: the binding passed to the client's attach callback.
 * @client_binding_context: the client's context for this binding, given to
 *	the provider and to the client's detach and cleanup callbacks.
 * @client_dispatch: the client's dispatch table, given to the provider.
 * @provider_binding_context: receives the provider's binding context.
 * @provider_dispatch: receives the provider's dispatch table.
 *
 * Valid only inside client_attach_provider() for this same @binding, on
 * its thread.  Calls the provider's provider_attach_client() and returns
 * its status; after an error the client may call again, for example with
 * another dispatch table.
 *
 * Context: process context, from the client's attach callback; may sleep.
 * Return: 0 when the provider attached; the provider's error (by
 * convention -ENODEV) when it declined; -EINVAL on misuse (outside the
 * callback, a NULL out-parameter, or already attached).
 */
int nmr_client_attach_provider(struct nmr_binding *binding,
			       void *client_binding_context,
			       const void *client_dispatch,
			       void **provider_binding_context,
			       const void **provider_dispatch)
{
	const struct nmr_provider_characteristics *pc;
	const void *dispatch = NULL;
	void *context = NULL;
	unsigned long flags;
	int ret;

	if (!provider_binding_context || !provider_dispatch) {
		nmr_misuse(_RET_IP_, "NULL provider binding context or dispatch out-parameter");
		return -EINVAL;
	}
	/* Called outside its callback, @binding may be freed: see nmr_side_complete(). */
	rcu_read_lock();
	if (!nmr_binding_check(binding, _RET_IP_)) {
		rcu_read_unlock();
		return -EINVAL;
	}
	spin_lock_irqsave(&nmr_lock, flags);
	/* An interrupt on the attacher's CPU sees the attacher as current. */
	if (binding->state != NMR_BINDING_ATTACHING || binding->attacher != current ||
	    !in_task()) {
		spin_unlock_irqrestore(&nmr_lock, flags);
		nmr_misuse(_RET_IP_, "%s() outside the client's attach callback for binding %p",
			   __func__, binding);
		rcu_read_unlock();
		return -EINVAL;
	}
	if (binding->provider_attached || binding->provider_attaching) {
		spin_unlock_irqrestore(&nmr_lock, flags);
		nmr_misuse(_RET_IP_, "binding %p is %s already", binding,
			   binding->provider_attached ? "attached" : "attaching");
		rcu_read_unlock();
		return -EINVAL;
	}
	binding->provider_attaching = true;
	/*
	 * Open before the provider's callback, so that nmr_provider_enter()
	 * succeeds from the moment it returns 0, on any CPU (contract 8).
	 */
	nmr_rundown_open_locked(binding);
	spin_unlock_irqrestore(&nmr_lock, flags);
	rcu_read_unlock();

	/* From here @binding is ours: its attach callback is running. */
	pc = binding->provider->reg.pchars;
	ret = pc->provider_attach_client(binding, binding->provider->reg.context,
					 &binding->client->reg.cchars->client_registration_instance,
					 client_binding_context, client_dispatch,
					 &context, &dispatch);

	spin_lock_irqsave(&nmr_lock, flags);
	binding->provider_attaching = false;
	if (ret) {
		/* Sections entered meanwhile drain when the offer settles. */
		nmr_rundown_unopen_locked(binding);
		nmr_b_dbg(binding, "provider declined: %d", ret);
		spin_unlock_irqrestore(&nmr_lock, flags);
		return ret;
	}
	binding->provider_attached = true;
	binding->client_binding_context = client_binding_context;
	binding->provider_binding_context = context;
	spin_unlock_irqrestore(&nmr_lock, flags);

	*provider_binding_context = context;
	*provider_dispatch = dispatch;
	return 0;
}
EXPORT_SYMBOL_NMR(nmr_client_attach_provider);

/**
 * nmr_binding_report_locked() - say why @waiter's wait is not over yet
 * @b: a binding of @waiter.
 * @waiter: the registration whose deregistration is waiting.
 *
 * Context: nmr_lock held.
 */
void nmr_binding_report_locked(const struct nmr_binding *b,
			       const struct nmr_reg *waiter)
{
	enum nmr_role role;

	lockdep_assert_held(&nmr_lock);
	pr_warn("%s %s#%u waits for client %s#%u <-> provider %s#%u (%s)\n",
		nmr_role_name(waiter->role), nmr_reg_owner_name(waiter), waiter->id,
		nmr_reg_owner_name(&b->client->reg), b->client->reg.id,
		nmr_reg_owner_name(&b->provider->reg), b->provider->reg.id,
		nmr_binding_state_names[b->state]);
	for (role = NMR_CLIENT; role < NMR_ROLES; role++) {
		const struct nmr_side *side = &b->side[role];

		if (side->state == NMR_SIDE_PENDING)
			pr_warn("  %s side pending for %u ms: %s must call nmr_%s_complete()\n",
				nmr_role_name(role),
				jiffies_to_msecs(jiffies - side->since),
				role == NMR_CLIENT ? "the client" : "the provider",
				role == NMR_CLIENT ? "client_detach_provider" :
						     "provider_detach_client");
		else if (side->state == NMR_SIDE_DRAINING && !b->fenced)
			pr_warn("  %s side waits %u ms for NMR's grace period\n",
				nmr_role_name(role), jiffies_to_msecs(jiffies - side->since));
		else if (side->state == NMR_SIDE_DRAINING)
			pr_warn("  %s side has %d entered call(s) for %u ms: each must call nmr_%s_exit()\n",
				nmr_role_name(role), nmr_rundown_entered_locked(b, role),
				jiffies_to_msecs(jiffies - side->since), nmr_role_name(role));
		else if (side->state == NMR_SIDE_DETACHING)
			pr_warn("  %s side is still in its detach callback\n",
				nmr_role_name(role));
	}
}
