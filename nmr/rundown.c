// SPDX-License-Identifier: GPL-2.0
/*
 * Rundown protection (contract section 8): NMR counts each side's calls into
 * its peer, so that a module brackets a call with nmr_*_enter() and
 * nmr_*_exit() instead of hand-writing a counter, a lock and a complete.
 *
 * The fast path writes only this CPU's counter and uses no atomic
 * instruction or full barrier, as percpu_ref does (one acquire load, a
 * plain load on x86), and is inline in the caller's code, as
 * percpu_ref_tryget_live() is: __nmr_enter() and __nmr_exit() in
 * <nmr/nmr.h> read the binding's &struct nmr_rundown, its first member,
 * and call into this file only on a slow path (a binding's first enter,
 * an exit after the close, a misuse).  Enter counts with preemption
 * disabled (an RCU read-side section, and inline where rcu_read_lock() is
 * a call) after checking the binding's @open flag, and the detach (the
 * "close") clears @open and waits for a grace period before it trusts the
 * sum of the counters.  Any enter that saw @open set has then finished
 * counting, and any later one sees it clear; an exit that sees it clear
 * takes the slow path and rechecks the sum under nmr_lock.  Whichever of
 * the fence, the detach callback's return and the last exit comes last
 * completes the side (binding.c), on its own thread.
 *
 * The fence is an expedited grace period, waited for by one work item for
 * every binding closed meanwhile, so it is over well within a tick: a side
 * whose sections exit after it completes at its last exit, on that thread,
 * and one whose sections have all exited before completes on the work
 * item.  Bindings on which enter was never called skip the fence: the
 * first enter on a binding sets @used under nmr_lock, once, every enter
 * reads it with acquire, and a close that finds @used clear knows no
 * section can exist and completes at once, exactly as without rundown
 * protection (the argument, in the kernel memory model's terms, is at
 * nmr_rundown_close_locked()).  The binding is opened just before the
 * provider's attach callback runs, so the provider may enter from the
 * moment it returns 0.
 *
 * An exit may still be in its slow path while the binding is cleaned up
 * on another CPU, so bindings are freed after an RCU grace period and the
 * slow path runs with preemption still disabled.
 *
 * The counters come from blocks of %NMR_CALLS_PER_BLOCK slots, one
 * alloc_percpu() each: the per-CPU allocator's cost grows with the number
 * of allocations alive, and a binding should cost the same however many
 * there are.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/bitops.h>
#include <linux/llist.h>
#include <linux/percpu.h>
#include <linux/preempt.h>
#include <linux/rcupdate.h>
#include <linux/slab.h>
#include <linux/workqueue.h>

#include "nmr_internal.h"

#define NMR_CALLS_PER_BLOCK	BITS_PER_LONG

/**
 * struct nmr_calls_block - per-CPU counters for %NMR_CALLS_PER_BLOCK bindings
 * @node: in nmr_calls_free while a slot is free; nmr_calls_lock.
 * @slots: the counters, one &struct nmr_calls per slot.
 * @used: the slots in use; nmr_calls_lock.
 */
struct nmr_calls_block {
	struct list_head node;
	struct nmr_calls __percpu *slots;
	unsigned long used;
};

/* Blocks with a free slot.  Taken in any context: frees come from RCU. */
static DEFINE_SPINLOCK(nmr_calls_lock);
static LIST_HEAD(nmr_calls_free);

/*
 * The per-CPU allocator has no fault injection of its own.  This point
 * lets a task's fail-nth, or /sys/kernel/debug/nmr/fail_percpu, fail it
 * as failslab fails the slab allocations around it.
 */
#ifdef CONFIG_FAULT_INJECTION
DECLARE_FAULT_ATTR(nmr_fail_percpu);

static bool nmr_percpu_should_fail(size_t size)
{
	return should_fail(&nmr_fail_percpu, size);
}
#else
static bool nmr_percpu_should_fail(size_t size)
{
	return false;
}
#endif

static struct nmr_calls_block *nmr_calls_block_alloc(void)
{
	size_t size = sizeof(struct nmr_calls) * NMR_CALLS_PER_BLOCK;
	struct nmr_calls_block *blk = kzalloc(sizeof(*blk), GFP_KERNEL);

	if (!blk)
		return NULL;
	if (!nmr_percpu_should_fail(size))
		blk->slots = __alloc_percpu(size, __alignof__(struct nmr_calls));
	if (!blk->slots) {
		kfree(blk);
		return NULL;
	}
	INIT_LIST_HEAD(&blk->node);
	atomic_inc(&nmr_alive.calls_blocks);
	return blk;
}

static void nmr_calls_block_free(struct nmr_calls_block *blk)
{
	atomic_dec(&nmr_alive.calls_blocks);
	free_percpu(blk->slots);
	kfree(blk);
}

/**
 * nmr_rundown_alloc() - give @b its per-CPU counters, zeroed
 * @b: a binding being allocated.
 *
 * Context: process context; may sleep.
 * Return: 0, or -ENOMEM.
 */
int nmr_rundown_alloc(struct nmr_binding *b)
{
	struct nmr_calls_block *blk, *spare = NULL;
	unsigned long flags;
	unsigned int slot;
	int cpu;

	for (;;) {
		spin_lock_irqsave(&nmr_calls_lock, flags);
		if (list_empty(&nmr_calls_free) && spare) {
			list_add(&spare->node, &nmr_calls_free);
			spare = NULL;
		}
		blk = list_first_entry_or_null(&nmr_calls_free, struct nmr_calls_block, node);
		if (blk)
			break;
		spin_unlock_irqrestore(&nmr_calls_lock, flags);
		spare = nmr_calls_block_alloc();
		if (!spare)
			return -ENOMEM;
	}
	slot = ffz(blk->used);
	blk->used |= BIT(slot);
	if (blk->used == ~0UL)
		list_del_init(&blk->node);
	spin_unlock_irqrestore(&nmr_calls_lock, flags);
	if (spare)
		nmr_calls_block_free(spare);

	b->calls_block = blk;
	b->calls_slot = slot;
	b->rundown.calls = blk->slots + slot;
	/* A slot's counts sum to zero when freed, but not CPU by CPU. */
	for_each_possible_cpu(cpu)
		memset(per_cpu_ptr(b->rundown.calls, cpu), 0, sizeof(struct nmr_calls));
	return 0;
}

/**
 * nmr_rundown_free() - give back @b's per-CPU counters
 * @b: a binding nothing can reach any more.
 *
 * An empty block is freed unless it is the only one with free slots, so
 * one binding coming and going does not allocate a block each time.
 *
 * Context: any context; does not sleep.
 */
void nmr_rundown_free(struct nmr_binding *b)
{
	struct nmr_calls_block *blk = b->calls_block;
	unsigned long flags;
	bool was_full;

	if (!blk)
		return;
	spin_lock_irqsave(&nmr_calls_lock, flags);
	was_full = blk->used == ~0UL;
	blk->used &= ~BIT(b->calls_slot);
	if (was_full)
		list_add(&blk->node, &nmr_calls_free);
	if (!blk->used && !list_is_singular(&nmr_calls_free)) {
		list_del(&blk->node);
		spin_unlock_irqrestore(&nmr_calls_lock, flags);
		nmr_calls_block_free(blk);
		return;
	}
	spin_unlock_irqrestore(&nmr_calls_lock, flags);
}

static LLIST_HEAD(nmr_fence_list);

/* Bindings closed since the last fence: one grace period serves them all. */
static void nmr_fence_fn(struct work_struct *work)
{
	struct llist_node *closed = llist_del_all(&nmr_fence_list);
	struct nmr_binding *b, *next;
	unsigned long flags;
	LIST_HEAD(finished);

	if (!closed)
		return;
	/*
	 * Waits for the preempt-disabled sections of the inline __nmr_enter()
	 * and __nmr_exit() (<nmr/nmr.h>) and their slow paths that began
	 * before the closes: see nmr_rundown_close_locked().
	 */
	synchronize_rcu_expedited();

	/* A finished binding's @work is free: it left its detach batch. */
	spin_lock_irqsave(&nmr_lock, flags);
	llist_for_each_entry_safe(b, next, closed, fence_node)
		if (nmr_binding_fenced_locked(b))
			list_add_tail(&b->work, &finished);
	spin_unlock_irqrestore(&nmr_lock, flags);

	list_for_each_entry_safe(b, next, &finished, work) {
		list_del_init(&b->work);
		nmr_binding_cleanup(b);
	}
}

static DECLARE_WORK(nmr_fence_work, nmr_fence_fn);

#if IS_ENABLED(CONFIG_KUNIT)
/* Declared in <nmr/nmr_kunit.h>. */
void nmr_rundown_flush(void)
{
	flush_work(&nmr_fence_work);
}
EXPORT_SYMBOL_IF_KUNIT(nmr_rundown_flush);
#endif

/**
 * nmr_rundown_open_locked() - let the sides of @b enter calls into each other
 * @b: a binding whose provider's attach callback is about to be called.
 *
 * A late comer (a side deregistered during the attach) is never opened,
 * nor is a binding whose detach began.
 *
 * Context: nmr_lock held.
 */
void nmr_rundown_open_locked(struct nmr_binding *b)
{
	lockdep_assert_held(&nmr_lock);
	if (b->detach_requested || b->closed)
		return;
	b->opened = true;
	/*
	 * Read without the lock by __nmr_enter() (<nmr/nmr.h>) and
	 * __nmr_enter_slow(); see nmr_rundown_close_locked().
	 */
	WRITE_ONCE(b->rundown.open, true);
}

/**
 * nmr_rundown_unopen_locked() - the provider declined: no new sections
 * @b: a binding opened by nmr_rundown_open_locked().
 *
 * Not a close: the client may try to attach again.  Sections entered
 * meanwhile stay counted; they are drained when the binding settles,
 * under the same rules as after a close.
 *
 * Context: nmr_lock held.
 */
void nmr_rundown_unopen_locked(struct nmr_binding *b)
{
	lockdep_assert_held(&nmr_lock);
	WRITE_ONCE(b->rundown.open, false);
}

/**
 * nmr_rundown_close_locked() - the detach of @b has begun: no new sections
 * @b: the binding.
 *
 * The sums of @b's counters are exact once @b is fenced: at once when no
 * section can exist, else after the grace period nmr_fence_fn() waits for.
 * @b cannot be freed before that.  Only the first call does anything.
 *
 * Ordering, in the terms of tools/memory-model: @used is written only
 * under nmr_lock, by nmr_rundown_first_use(), so this critical section and
 * that one are ordered one way or the other.  The enters are the inline
 * __nmr_enter() of <nmr/nmr.h>, in the modules' code, and its slow path
 * __nmr_enter_slow() below; each names this end too.
 *
 * - The first use came first: this reads @used true and waits for a grace
 *   period.  Every enter's load of @open and its increment run with
 *   preemption disabled, an RCU read-side critical section: one that began
 *   before the grace period has counted by its end, and one that began
 *   after it reads the store of @open below (the RCU guarantee), so the
 *   sums taken under nmr_lock after it are exact.
 * - This came first and read @used false: no grace period.  Any enter
 *   then either makes the first use itself, and its lock acquisition
 *   orders its load of @open after this store, or it reads @used true
 *   with smp_load_acquire() from the first use's smp_store_release().
 *   That release follows, through nmr_lock, this store of @open, and is
 *   cumulative: the enter's acquire orders its load of @open after the
 *   store below, so it reads false (@open never becomes true again once
 *   @closed is set).  No section can have been entered: none to wait for.
 *
 * The exits (__nmr_exit() and __nmr_exit_closed()) rely on the first case
 * only: an exit follows an enter that counted, so a close that took no
 * grace period has none.
 *
 * Context: nmr_lock held; any context.
 */
void nmr_rundown_close_locked(struct nmr_binding *b)
{
	lockdep_assert_held(&nmr_lock);
	if (b->closed)
		return;
	b->closed = true;
	/* Read by __nmr_enter() and __nmr_exit() (<nmr/nmr.h>): see above. */
	WRITE_ONCE(b->rundown.open, false);
	if (!b->opened || !b->rundown.used) {
		b->fenced = true;
		return;
	}
	if (llist_add(&b->fence_node, &nmr_fence_list))
		queue_work(system_wq, &nmr_fence_work);
}

/**
 * nmr_rundown_entered_locked() - sections @role's side has entered and not exited
 * @b: a fenced binding.
 * @role: the side.
 *
 * The per-CPU counts wrap independently (a section may enter on one CPU
 * and exit on another); their sum is exact.  A negative sum means the side
 * exited more sections than it entered; it is reported and taken as none.
 *
 * Context: nmr_lock held.
 * Return: the number of sections still entered.
 */
int nmr_rundown_entered_locked(const struct nmr_binding *b, enum nmr_role role)
{
	unsigned int sum = 0;
	int cpu;

	lockdep_assert_held(&nmr_lock);
	for_each_possible_cpu(cpu)
		sum += READ_ONCE(per_cpu_ptr(b->rundown.calls, cpu)->entered[role]);
	if ((int)sum < 0) {
		atomic_long_inc(&nmr_misuses);
		pr_warn_ratelimited("misuse: the %s side of binding %p exited %d more sections than it entered\n",
				    nmr_role_name(role), b, -(int)sum);
		return 0;
	}
	return sum;
}

/**
 * nmr_rundown_exit() - wait for this module's RCU callbacks before it goes
 *
 * Every binding is gone by now, but the fence work may still be returning
 * from the last cleanup, and bindings are freed by RCU callbacks; what is
 * left of the counter blocks is empty.
 *
 * Context: process context; sleeps.
 */
void nmr_rundown_exit(void)
{
	struct nmr_calls_block *blk, *next;

	flush_work(&nmr_fence_work);
	rcu_barrier();
	list_for_each_entry_safe(blk, next, &nmr_calls_free, node) {
		WARN_ON_ONCE(blk->used);
		list_del(&blk->node);
		nmr_calls_block_free(blk);
	}
}

/*
 * Once per binding, under nmr_lock: from now on a close must wait for a
 * grace period.  The release pairs with the smp_load_acquire() in
 * __nmr_enter() (<nmr/nmr.h>) and __nmr_enter_slow(); see
 * nmr_rundown_close_locked() for why a close that came first is then seen
 * by every enter.
 */
static noinline void nmr_rundown_first_use(struct nmr_binding *b)
{
	unsigned long flags;

	spin_lock_irqsave(&nmr_lock, flags);
	if (!b->rundown.used)
		/* Pairs with the smp_load_acquire() in __nmr_enter(). */
		smp_store_release(&b->rundown.used, true);
	spin_unlock_irqrestore(&nmr_lock, flags);
}

/**
 * __nmr_enter_slow() - the slow path of nmr_client_enter() and nmr_provider_enter()
 * @binding: what the caller passed for a binding handle.
 * @role: the side that enters.
 * @caller: where in the caller, for a misuse report.
 *
 * Called by the inline __nmr_enter() of <nmr/nmr.h>, not by modules
 * themselves, when the handle is NULL or not a binding (reported as
 * misuse), or when no enter was made on the binding yet.  It does what
 * the inline fast path does, in full: checks the handle, makes the first
 * use, reads @open and counts.
 *
 * Context: preemption disabled by __nmr_enter(), from its first look at
 * @binding: the RCU read-side critical section of nmr_rundown_close_locked()
 * and nmr_fence_fn().  Does not sleep.
 * Return: true when the section was entered.
 */
bool __nmr_enter_slow(struct nmr_binding *binding, enum nmr_role role, unsigned long caller)
{
	lockdep_assert_preemption_disabled();
	if (unlikely(!nmr_binding_check(binding, caller)))
		return false;
	/*
	 * Acquire, as in __nmr_enter(): pairs with the release in
	 * nmr_rundown_first_use() (made by another enter, or by this one),
	 * and orders the load of @open below after it
	 * (nmr_rundown_close_locked()).
	 */
	if (!smp_load_acquire(&binding->rundown.used))
		nmr_rundown_first_use(binding);
	if (!READ_ONCE(binding->rundown.open))
		return false;
	this_cpu_inc(binding->rundown.calls->entered[role]);
	return true;
}
EXPORT_SYMBOL_NMR(__nmr_enter_slow);

/**
 * __nmr_exit_closed() - the slow path of nmr_client_exit() and nmr_provider_exit()
 * @binding: a binding whose close the exit's load of @open has seen.
 * @role: the side that exits.
 *
 * Called by the inline __nmr_exit() of <nmr/nmr.h>, not by modules
 * themselves, after its decrement, when the binding's detach has begun:
 * rechecks @role's sum under nmr_lock, which orders it against the
 * fence's sum (nmr_rundown_close_locked()), and completes the side if
 * this was its last section.  Once the decrement can be seen, another
 * CPU may finish and clean up the binding: it stays readable only until
 * the end of the exit's RCU read-side critical section, so this runs in
 * it and ends it.
 *
 * Context: preemption disabled by __nmr_exit(); enabled again here,
 * before the cleanup callbacks run (on this thread, when this exit
 * finished the binding).  Does not sleep.
 */
void __nmr_exit_closed(struct nmr_binding *binding, enum nmr_role role)
{
	bool finished;

	lockdep_assert_preemption_disabled();
	finished = nmr_side_exited(binding, role);
	preempt_enable();
	if (finished)
		nmr_binding_cleanup(binding);
}
EXPORT_SYMBOL_NMR(__nmr_exit_closed);
